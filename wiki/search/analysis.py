"""How text becomes index terms: the analyzers of the schema's fields, and the same
analysis for single words and whole titles.

Query words must be analysed exactly like the indexed text, so the schema
(:mod:`wiki.search.schema`), the query compiler (:mod:`wiki.search.query`), snippets and
spelling suggestions all take their analysis from here. Changing any of it changes the
index: bump :data:`wiki.search.schema.SCHEMA_VERSION`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import (
    CharsetFilter,
    CommaSeparatedTokenizer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang import porter2
from whoosh.support.charset import accent_map

from wiki.search.spellings import americanize

__all__ = [
    "CONTROL_CHARS",
    "HYPHENS",
    "WORD",
    "CompoundFilter",
    "stem",
    "fold",
    "index_term",
    "keyword_analyzer",
    "name_analyzer",
    "text_analyzer",
]

WORD = re.compile(r"\w+")
"""A word of text, as the analyzers' tokenizer finds it."""

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""NUL, other C0/C1 controls and lone surrogates: never meaningful in a query or a title."""

_SPACES = re.compile(r"\s+")

HYPHENS = re.compile(r"[-\u2010\u2011]")
"""The hyphens that join the parts of a compound word."""

_TEXT_TOKEN = r"\d{1,3}(?:,\d{3})+(?!\d)|\w+(?:[-\u2010\u2011]\w+)*"
"""A word, a hyphenated compound ("Wi-Fi", "post-mortem") or a number with thousands
separators ("5,000"), as the text analyzer's tokenizer finds them."""

MAX_COMPOUND_PARTS = 4
"""Longer hyphenated runs ("state-of-the-art-ish") are only indexed by their parts."""


class CompoundFilter(Filter):
    """Spelling variants of compounds meet: "Wi-Fi", "WiFi" and (with the query compiler's
    help) "wi fi"; "e-mail" and "email"; "5,000" and "5000".

    When indexing, a hyphenated compound yields its parts (so "mortem" still finds
    "post-mortem") and the parts joined, at the position of the last part, so that the
    phrase "postmortem review" matches "post-mortem review". In queries a compound is only
    the joined word: "post-mortem" then finds pages with either spelling. Placed after the
    stop filter, which renumbers positions, and before stemming.
    """

    def __call__(self, tokens):
        shift = 0
        for token in tokens:
            text = token.text
            if token.positions:
                token.pos += shift
            if "," in text:
                token.text = text.replace(",", "")  # "5,000" -> "5000"
                yield token
                continue
            if not HYPHENS.search(text):
                yield token
                continue
            parts = HYPHENS.split(text)
            joined = "".join(parts)
            if token.mode == "query":
                token.text = joined
                yield token
                continue
            # Stop words and single letters inside a compound ("state-of-the-art",
            # "e-mail") are left out like everywhere else; the joined word keeps them.
            parts = [part for part in parts if len(part) > 1 and part not in STOP_WORDS]
            first = token.pos if token.positions else 0
            for offset, part in enumerate(parts):
                token.text = part
                if token.positions:
                    token.pos = first + offset
                yield token
            if token.positions:
                shift += max(len(parts), 1) - 1
                token.pos = first + max(len(parts), 1) - 1
            if len(parts) <= MAX_COMPOUND_PARTS:
                token.text = joined
                yield token


def stem(word: str) -> str:
    """The index term of one folded, lower-case word: British spellings made American, then
    Porter2-stemmed ("colours" -> "color", "organising" -> "organ"). Never raises."""
    # Porter2 (Snowball English), not Whoosh's default Porter: that one leaves
    # "unplugged" as "unplugg" and "running" as "runn", so they miss "unplug" and "run".
    return porter2.stem(americanize(word))


def text_analyzer():
    """Analyzer for title, headings, body and the words of tags: words and compounds
    (:class:`CompoundFilter`), lower case, accents folded, English stop words dropped,
    British spellings made American, stemmed ("Cafés" -> "cafe", "lessons" -> "lesson",
    "Wi-Fi" -> "wi", "fi", "wifi"). Never raises."""
    return (
        RegexTokenizer(_TEXT_TOKEN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(minsize=2)
        | CompoundFilter()
        | StemFilter(stemfn=stem, cachesize=100_000)
    )


def name_analyzer():
    """Analyzer for author names (and title autocomplete): words, lower case, accents folded;
    no stemming and no stop words, since names are not English prose. Never raises."""
    return RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)


def keyword_analyzer():
    """Analyzer for tags: comma-separated, each whole tag one term (lower case, accents
    folded). Never raises."""
    return CommaSeparatedTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def fold(text: str) -> str:
    """Lower-case, accent-folded, whitespace-collapsed form of ``text`` (for exact titles and
    autocomplete): ``"  Café  Menu"`` -> ``"cafe menu"``. Never raises for a str."""
    text = unicodedata.normalize("NFKC", CONTROL_CHARS.sub(" ", text))
    return _SPACES.sub(" ", text.lower().translate(accent_map)).strip()


_TEXT_ANALYZER = text_analyzer()


@lru_cache(maxsize=100_000)
def index_term(word: str) -> str | None:
    """The indexed term for one word of text (stemmed, folded), or None for a stop word.
    Never raises for a str.

    Snippet highlighting calls this for every word of every shown page; the cache makes
    that a dictionary look-up for all but new words.
    """
    for token in _TEXT_ANALYZER(word, mode="index"):
        return token.text
    return None
