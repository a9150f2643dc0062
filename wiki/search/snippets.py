"""Search result snippets: the matched words in <mark>, everything else HTML-escaped.

A page's snippet comes from its text, or from the text of one of its files when that
matches more of the query's words (:func:`best_snippet`); the result then names the file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup
from whoosh import highlight
from whoosh.analysis import Token

from wiki.search.analysis import WORD, index_term

SNIPPET_CHARS = 200
SNIPPET_FRAGMENTS = 2
SNIPPET_SCAN_CHARS = 32_768
"""Only the start of a very long page is scanned for snippet matches."""

FILE_WINDOW_CHARS = 4096
"""A file's snippet is made from this much of its text around the first match (a file's
text may be 200,000 characters: only a fast search for the words' first letters looks at
all of it)."""

_PREFIX_CHARS = 3
"""Letters of an indexed term (a stem, folded) that the words of the text that may have it
begin with, whatever their case and ending ("happi" from "happy", "color" from "colour")."""

_SPACES = re.compile(r"\s+")


class _MarkFormatter(highlight.Formatter):
    """Escapes all text and wraps matches in ``<mark>``: the only markup a snippet has."""

    between = " … "

    def _text(self, text):
        return html.escape(_SPACES.sub(" ", text), quote=True)

    def format_token(self, text, token, replace=False):
        return "<mark>" + self._text(highlight.get_text(text, token, replace)) + "</mark>"


_FORMATTER = _MarkFormatter()
_FRAGMENTER = highlight.ContextFragmenter(
    maxchars=SNIPPET_CHARS, surround=50, charlimit=SNIPPET_SCAN_CHARS
)
_FRAGMENT_SCORER = highlight.BasicFragmentScorer()


def _highlight_tokens(text: str, terms: set[str], start: int = 0, end: int | None = None):
    # Whoosh's highlighter re-runs the full analyzer over the text (about 2 ms for a 4 KB
    # page); a regex and the cached word -> term map give the same tokens ~10x faster.
    token = Token(positions=True, chars=True)
    words = WORD.finditer(text, start, len(text) if end is None else end)
    for position, match in enumerate(words):
        term = index_term(match.group())
        token.text = term or match.group()
        token.pos = position
        token.startchar, token.endchar = match.span()
        token.boost = 1.0
        token.matched = term is not None and term in terms
        yield token


_BEFORE_MATCH = 200
"""Characters before a matched word that its passage may start with (the fragmenter keeps
50 characters of words before a match)."""

_AFTER_MATCH = 800
"""Characters after a matched word that its passage may reach (200 characters of words,
and the spaces and signs between them)."""


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what ``\w`` matches


def _tokens_near_matches(text: str, terms: set[str]):
    """The tokens of :func:`_highlight_tokens`, but only those of the stretches of text
    around the words that match ``terms`` (each stretch begins and ends between words,
    so its words are the text's): the passages are made from those alone, and a page
    where few words match is not read word by word from start to end. The same
    passages come out, unless a match lies more than 200 characters of signs and spaces
    from the word before it, or is followed by fewer than 50 letters in 800 characters."""
    found = {word for word in set(WORD.findall(text)) if index_term(word) in terms}
    if not found:
        return
    finder = re.compile("|".join(map(re.escape, sorted(found, key=len, reverse=True))))
    stretches: list[list[int]] = []
    for match in finder.finditer(text):
        start = max(0, match.start() - _BEFORE_MATCH)
        end = min(len(text), match.end() + _AFTER_MATCH)
        while start > 0 and _is_word_char(text[start - 1]):
            start -= 1
        while end < len(text) and _is_word_char(text[end]):
            end += 1
        if stretches and start <= stretches[-1][1]:
            stretches[-1][1] = end
        else:
            stretches.append([start, end])
    for start, end in stretches:
        yield from _highlight_tokens(text, terms, start, end)


@dataclass(frozen=True)
class Snippet:
    """A snippet, how many of the query's terms it shows, and the file it comes from (None:
    the page's text)."""

    html: Markup
    matched: int
    file_name: str | None = None


def make_snippet(body: str, terms: set[str]) -> Markup:
    """An HTML snippet of ``body``: up to two ~200-character passages around the best
    matches of ``terms`` (indexed terms, i.e. stems), matches in ``<mark>``, all text
    escaped; the start of the body when nothing matches. Raises nothing for a str."""
    return _snippet(body, terms).html


def _snippet(body: str, terms: set[str], *, cut_before: bool = False) -> Snippet:
    """The snippet of ``body`` (``cut_before``: text precedes it, so a passage at its very
    start still gets its "…")."""
    text = body[:SNIPPET_SCAN_CHARS]
    if terms:
        fragments = _FRAGMENTER.fragment_tokens(text, _tokens_near_matches(text, terms))
        best = highlight.top_fragments(
            fragments, SNIPPET_FRAGMENTS, _FRAGMENT_SCORER, highlight.FIRST
        )
        if best:
            out = _FORMATTER.format(best)
            if cut_before or WORD.search(text, 0, best[0].startchar):
                out = "… " + out
            if WORD.search(body, best[-1].endchar):
                out += " …"
            matched = len(set().union(*(fragment.matched_terms for fragment in best)))
            return Snippet(Markup(out.strip()), matched)
    source = text[: SNIPPET_CHARS * 2]
    lead = _SPACES.sub(" ", source).strip()
    if len(lead) > SNIPPET_CHARS:
        cut = lead.rfind(" ", 0, SNIPPET_CHARS)
        lead = lead[: cut if cut > SNIPPET_CHARS // 2 else SNIPPET_CHARS] + " …"
    elif len(body) > len(source):
        lead += " …"
    return Snippet(Markup(html.escape(lead, quote=True)), 0)


@lru_cache(maxsize=256)
def _candidates(terms: frozenset[str]) -> re.Pattern[str]:
    """Where in a text a word with one of ``terms`` may start."""
    prefixes = sorted({re.escape(term[:_PREFIX_CHARS]) for term in terms})
    return re.compile(r"(?<!\w)(?:" + "|".join(prefixes) + ")", re.IGNORECASE)


def _first_match(text: str, terms: set[str]) -> int | None:
    """Where the first word of ``text`` with one of ``terms`` starts, or None. Words that
    begin with accented letters their terms fold away ("école" for "ecol") are not seen:
    the snippet then shows another part of the text."""
    for candidate in _candidates(frozenset(terms)).finditer(text):
        word = WORD.match(text, candidate.start())
        if word is not None and index_term(word.group()) in terms:
            return candidate.start()
    return None


def _named(name: str, terms: set[str]) -> int:
    return len({term for word in WORD.findall(name) if (term := index_term(word)) in terms})


def file_snippet(
    files: str, spans: Sequence[tuple[str, int, int]], terms: set[str]
) -> Snippet | None:
    """The snippet of the file whose text shows most of ``terms`` (the first such file),
    from ``files`` (the stored text of a page's files) and ``spans`` (each file's name and
    where its text lies in ``files``); a file whose name alone matches shows the start of
    its text. None when no file matches. Raises nothing for valid spans."""
    if not terms:
        return None
    best: Snippet | None = None
    for name, start, end in spans:
        text = files[start:end]
        found = _first_match(text, terms)
        if found is not None:
            begin = max(0, found - SNIPPET_CHARS)
            window = text[begin : found + FILE_WINDOW_CHARS]
            shown = _snippet(window, terms, cut_before=begin > 0)
            if begin + len(window) < len(text) and not str(shown.html).endswith("…"):
                shown = Snippet(Markup(str(shown.html) + " …"), shown.matched)
        else:
            shown = _snippet(text[: SNIPPET_CHARS * 2], set())
        matched = max(shown.matched, _named(name, terms))
        if matched and (best is None or matched > best.matched):
            best = Snippet(shown.html, matched, name)
    return best


def best_snippet(
    body: str,
    body_terms: set[str],
    files: str = "",
    spans: Sequence[tuple[str, int, int]] = (),
    file_terms: set[str] | None = None,
) -> Snippet:
    """The snippet of a result: from the page's ``body``, or from one of its files (see
    :func:`file_snippet`) when that shows more of the terms. Raises nothing for valid
    spans."""
    page = _snippet(body, body_terms)
    if spans and file_terms:
        in_file = file_snippet(files, spans, file_terms)
        if in_file is not None and in_file.matched > page.matched:
            return in_file
    return page
