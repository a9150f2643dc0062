"""Plain text of a rendered page, as a reader sees it: what search indexes and quotes.

Snippets come from this text, never from the Markdown source, so they show no Markdown
syntax and no HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that end a run of text: a space keeps "end.Start" from fusing into one word.
_BREAKS = frozenset(
    {"p", "br", "li", "tr", "td", "th", "pre", "blockquote", "div", "section", "hr", "ul", "ol"}
    | _HEADINGS
)


@dataclass
class ReadableText:
    headings: list[str] = field(default_factory=list)
    body: str = ""


class _Extractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headings: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in _BREAKS:
            self.parts.append(" ")
        if tag in _HEADINGS:
            self._heading = []

    def handle_endtag(self, tag):
        if tag in _BREAKS:
            self.parts.append(" ")
        if tag in _HEADINGS and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data):
        self.parts.append(data)
        if self._heading is not None:
            self._heading.append(data)


def readable_text(html: str) -> ReadableText:
    """The headings and the whole text of sanitised page HTML, white space folded."""
    extractor = _Extractor()
    extractor.feed(html)
    extractor.close()
    return ReadableText(
        headings=[h for h in extractor.headings if h],
        body=" ".join("".join(extractor.parts).split()),
    )
