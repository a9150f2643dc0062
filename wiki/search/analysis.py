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
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import porter2
from whoosh.support.charset import accent_map

__all__ = [
    "CONTROL_CHARS",
    "WORD",
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


def text_analyzer():
    """Analyzer for title, headings and body: words, lower case, accents folded, English
    stop words dropped, stemmed ("Cafés" -> "cafe", "lessons" -> "lesson"). Never raises."""
    # Porter2 (Snowball English), not Whoosh's default Porter: that one leaves
    # "unplugged" as "unplugg" and "running" as "runn", so they miss "unplug" and "run".
    return (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(minsize=2)
        | StemFilter(stemfn=porter2.stem, cachesize=100_000)
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
