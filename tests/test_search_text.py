"""The plain text search reads from a rendered page: the same, word for word, as a real
HTML parser reads from it, for every kind of page the renderer makes (the hostile corpus
included) and for attribute values holding ">" or entities."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.xss_corpus import GROUPS
from wiki.content.render import render_markdown
from wiki.search.text import readable_text

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BREAKS = {"p", "br", "li", "tr", "td", "th", "pre", "blockquote", "div", "section", "hr"}
_BREAKS |= {"ul", "ol"} | _HEADINGS


class _Reference(HTMLParser):
    """The text as Python's HTML parser reads it (what the index was built from before)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headings: list[str] = []
        self.heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in _BREAKS:
            self.parts.append(" ")
        if tag in _HEADINGS:
            self.heading = []

    def handle_endtag(self, tag):
        if tag in _BREAKS:
            self.parts.append(" ")
        if tag in _HEADINGS and self.heading is not None:
            self.headings.append(" ".join("".join(self.heading).split()))
            self.heading = None

    def handle_data(self, data):
        self.parts.append(data)
        if self.heading is not None:
            self.heading.append(data)


def _reference(html: str) -> tuple[list[str], str]:
    parser = _Reference()
    parser.feed(html)
    parser.close()
    return [h for h in parser.headings if h], " ".join("".join(parser.parts).split())


PAGES = [text for group in GROUPS.values() for text in group.values()] + [
    '<abbr title="a > b">x</abbr> [t](http://x.invalid "a>b") `a<b` &amp; &lt;tag&gt;\n',
    "# Head & <b>bold</b> &eacute;\n\nText.\n\n## Second *one*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "- item one\n- item two\n\n> quoted\n\n```\ncode <x> & y\n```\n",
]


@pytest.mark.parametrize("text", PAGES)
def test_the_text_is_what_an_html_parser_reads(text):
    html = render_markdown(text).html
    found = readable_text(html)
    assert (found.headings, found.body) == _reference(html)


def test_headings_and_words_are_kept_apart():
    found = readable_text("<h2>Plan</h2><p>end.</p><p>Start &amp; go</p>")
    assert found.headings == ["Plan"]
    assert found.body == "Plan end. Start & go"
