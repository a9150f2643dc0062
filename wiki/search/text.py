"""Plain text of a rendered page, as a reader sees it: what search indexes and quotes.

Snippets come from this text, never from the Markdown source, so they show no Markdown
syntax and no HTML.

The HTML is the sanitiser's output (well formed: no comments, scripts or styles, every
attribute value quoted), so it is cut into tags and text by one regular expression rather
than parsed: a full reindex reads every page, and Python's HTML parser was two thirds of
its time.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that end a run of text: a space keeps "end.Start" from fusing into one word.
_BREAKS = frozenset(
    {"p", "br", "li", "tr", "td", "th", "pre", "blockquote", "div", "section", "hr", "ul", "ol"}
    | _HEADINGS
)
# A tag, its quoted attribute values read whole (a ">" in a title stays inside the tag).
_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")


@dataclass
class ReadableText:
    headings: list[str] = field(default_factory=list)
    body: str = ""


def readable_text(markup: str) -> ReadableText:
    """The headings and the whole text of sanitised page HTML, white space folded. Never
    raises for a str."""
    parts: list[str] = []
    headings: list[str] = []
    heading: list[str] | None = None
    at = 0
    for tag in _TAG.finditer(markup):
        if tag.start() > at:
            text = html.unescape(markup[at : tag.start()])
            parts.append(text)
            if heading is not None:
                heading.append(text)
        at = tag.end()
        name = tag.group(2).lower()
        if name in _BREAKS:
            parts.append(" ")
        if name in _HEADINGS:
            if tag.group(1):
                if heading is not None:
                    headings.append(" ".join("".join(heading).split()))
                heading = None
            else:
                heading = []
    if at < len(markup):
        text = html.unescape(markup[at:])
        parts.append(text)
        if heading is not None:
            heading.append(text)
    return ReadableText(
        headings=[h for h in headings if h],
        body=" ".join("".join(parts).split()),
    )
