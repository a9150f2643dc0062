"""Search result snippets: the matched words in <mark>, everything else HTML-escaped."""

from __future__ import annotations

import html
import re

from markupsafe import Markup
from whoosh import highlight
from whoosh.analysis import Token

from wiki.search.analysis import WORD, index_term

SNIPPET_CHARS = 200
SNIPPET_FRAGMENTS = 2
SNIPPET_SCAN_CHARS = 32_768
"""Only the start of a very long page is scanned for snippet matches."""

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


def _highlight_tokens(text: str, terms: set[str]):
    # Whoosh's highlighter re-runs the full analyzer over the text (about 2 ms for a 4 KB
    # page); a regex and the cached word -> term map give the same tokens ~10x faster.
    token = Token(positions=True, chars=True)
    for position, match in enumerate(WORD.finditer(text)):
        term = index_term(match.group())
        token.text = term or match.group()
        token.pos = position
        token.startchar, token.endchar = match.span()
        token.boost = 1.0
        token.matched = term is not None and term in terms
        yield token


def make_snippet(body: str, terms: set[str]) -> Markup:
    """An HTML snippet of ``body``: up to two ~200-character passages around the best
    matches of ``terms`` (indexed terms, i.e. stems), matches in ``<mark>``, all text
    escaped; the start of the body when nothing matches."""
    text = body[:SNIPPET_SCAN_CHARS]
    if terms:
        fragments = _FRAGMENTER.fragment_tokens(text, _highlight_tokens(text, terms))
        best = highlight.top_fragments(
            fragments, SNIPPET_FRAGMENTS, _FRAGMENT_SCORER, highlight.FIRST
        )
        if best:
            out = _FORMATTER.format(best)
            if WORD.search(text, 0, best[0].startchar):
                out = "… " + out
            if WORD.search(body, best[-1].endchar):
                out += " …"
            return Markup(out.strip())
    source = text[: SNIPPET_CHARS * 2]
    lead = _SPACES.sub(" ", source).strip()
    if len(lead) > SNIPPET_CHARS:
        cut = lead.rfind(" ", 0, SNIPPET_CHARS)
        lead = lead[: cut if cut > SNIPPET_CHARS // 2 else SNIPPET_CHARS] + " …"
    elif len(body) > len(source):
        lead += " …"
    return Markup(html.escape(lead, quote=True))
