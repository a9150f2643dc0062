"""The one Markdown -> safe HTML pipeline (page view, preview and old revisions alike).

Pipeline: bounds checks -> markdown-it (``js-default`` preset: raw HTML is escaped, never
passed through) with tables, strikethrough, autolinks, task lists, footnotes, heading
anchors, Pygments highlighting and ``[[wiki links]]`` -> nh3 with an explicit allowlist.

The HTML is cached per revision together with :data:`RENDERER_VERSION`; bump it whenever
the output for the same input changes, so older cached HTML is rendered afresh.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from wiki.markdown_ext import (
    HIGHLIGHT_CLASS,
    ID_PREFIX,
    PYGMENTS_CLASSES,
    NestingTooDeep,
    heading_anchors_plugin,
    highlight_plugin,
    nesting_guard_plugin,
    prefixed_footnotes_plugin,
    toc_html,
    wikilinks_plugin,
)

__all__ = [
    "ID_PREFIX",
    "MAX_SOURCE_CHARS",
    "RENDERER_VERSION",
    "RenderError",
    "Rendered",
    "mark_missing_links",
    "render_markdown",
    "sanitize_html",
]

RENDERER_VERSION = 1
MAX_SOURCE_CHARS = 2_000_000
"""Hard upper bound on the source length; callers enforce a smaller configurable limit."""

MAX_BLOCK_NESTING = 32
"""Deepest nesting of lists / block quotes / footnotes accepted."""

MAX_INLINE_NESTING = 100
"""markdown-it's own recursion limit; deeper inline nesting degrades to plain text."""

MAX_HIGHLIGHTED_CHARS = 200_000
"""Code beyond this many characters per page is shown without syntax highlighting."""

ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

_MISSING_TITLE = "Page does not exist yet"


class RenderError(ValueError):
    """The text is too hostile to render; the message can be shown to the user."""


@dataclass(frozen=True)
class Rendered:
    """The result of :func:`render_markdown`."""

    html: str
    """Sanitised body HTML."""
    toc_html: str
    """Sanitised ``<ul>`` table of contents (h1..h4), '' when fewer than 2 headings."""
    wikilinks: frozenset[str]
    """Slugs of the pages this text links to with ``[[...]]``."""


# --------------------------------------------------------------------------- sanitiser

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "strong", "em", "del", "s", "code", "pre", "span", "sup", "sub",
    "ul", "ol", "li", "section", "a", "img", "input",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id"},
    "ol": {"start"},
    "th": {"style"},  # only text-align survives, see filter_style_properties
    "td": {"style"},
}  # fmt: skip
_CLASSES = {
    "a": {"wikilink", "missing", "footnote-backref"},
    "pre": {HIGHLIGHT_CLASS},
    "span": set(PYGMENTS_CLASSES),
    "sup": {"footnote-ref"},
    "section": {"footnotes"},
    "hr": {"footnotes-sep"},
    "ol": {"footnotes-list"},
    "ul": {"contains-task-list"},
    "li": {"footnote-item", "task-list-item"},
    "input": {"task-list-item-checkbox"},
}
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_ATTRIBUTES,
    allowed_classes=_CLASSES,
    # task list check boxes: only type=checkbox, optionally checked, always disabled
    tag_attribute_values={"input": {"type": {"checkbox"}, "checked": {"", "checked"}}},
    set_tag_attribute_values={"input": {"disabled": "disabled"}},
    filter_style_properties={"text-align"},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    url_relative="pass_through",
    link_rel="noopener noreferrer",
    id_prefix=ID_PREFIX,
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Return ``html`` reduced to the wiki's allowlist of tags, attributes and classes.

    Scripts, event handlers, styles other than ``text-align`` on table cells, and URLs other
    than http(s), mailto and relative ones are removed; links get
    ``rel="noopener noreferrer"``; every ``id`` gets the ``user-content-`` prefix. It is
    idempotent. Raises nothing for any ``str`` (``TypeError`` for other types).
    """
    return _CLEANER.clean(html)


# --------------------------------------------------------------------------- parser

_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")


def _validate_link(url: str) -> bool:
    """Accept relative URLs and the allowed schemes only (before the sanitiser checks too).

    Browsers drop ASCII tabs, newlines and leading control characters from URLs, so they
    are removed before looking for the scheme, as are percent-escapes of them.
    """
    compact = _IGNORED_IN_URLS.sub("", unquote(url))
    match = _SCHEME.match(compact)
    return match is None or match.group(1).lower() in ALLOWED_URL_SCHEMES


def _new_parser() -> MarkdownIt:
    md = MarkdownIt(
        "js-default",
        {"linkify": True, "typographer": False, "maxNesting": MAX_INLINE_NESTING},
    )
    md.enable(["table", "strikethrough", "linkify"])
    md.inline.ruler.disable("linkify")  # TEMP
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.use(tasklists_plugin)
    md.use(footnote_plugin)
    md.use(prefixed_footnotes_plugin)
    md.use(wikilinks_plugin)
    md.use(highlight_plugin, MAX_HIGHLIGHTED_CHARS)
    md.use(heading_anchors_plugin)
    md.use(nesting_guard_plugin, MAX_BLOCK_NESTING)
    return md


# markdown-it instances are cheap but not thread-safe (the linkify matcher keeps state
# between calls), so each thread gets its own.
_local = threading.local()


def _parser() -> MarkdownIt:
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _new_parser()
    return md


# --------------------------------------------------------------------------- public API


def render_markdown(text: str) -> Rendered:
    """Render Markdown ``text`` to sanitised HTML, a table of contents and its wiki links.

    Raises :class:`RenderError` (with a user-facing message) when the text is longer than
    :data:`MAX_SOURCE_CHARS` or nests lists/quotes deeper than :data:`MAX_BLOCK_NESTING`
    levels; ``TypeError`` when ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if len(text) > MAX_SOURCE_CHARS:
        raise RenderError(
            f"This page is too long to render (more than {MAX_SOURCE_CHARS:,} characters)."
        )
    env: dict = {}
    try:
        body = _parser().render(text, env)
    except NestingTooDeep as exc:
        raise RenderError(
            f"This page nests lists/quotes too deeply (more than {exc.limit} levels)."
        ) from None
    except RecursionError:
        raise RenderError("This page nests its markup too deeply to render.") from None
    return Rendered(
        html=sanitize_html(body),
        toc_html=sanitize_html(toc_html(env.get("toc", ()))),
        wikilinks=frozenset(env.get("wikilinks", ())),
    )


_WIKILINK_OPEN = re.compile(r'<a href="/wiki/([^"?#]*)" class="wikilink"')


def mark_missing_links(html: str, missing_slugs: Collection[str]) -> str:
    """Add the ``missing`` class (and a title) to the wiki links pointing at ``missing_slugs``.

    Works on HTML produced by :func:`render_markdown` (e.g. cached) with one regular
    expression pass, without parsing Markdown again. Idempotent. Raises nothing.
    """
    if not missing_slugs:
        return html
    missing = set(missing_slugs)

    def mark(match: re.Match[str]) -> str:
        if unquote(match.group(1)) not in missing:
            return match.group(0)
        return (
            f'<a href="/wiki/{match.group(1)}" class="wikilink missing" '
            f'title="{_MISSING_TITLE}"'
        )

    return _WIKILINK_OPEN.sub(mark, html)
