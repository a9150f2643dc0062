"""The one Markdown -> safe HTML pipeline (page view, preview and old revisions alike).

Pipeline: bounds checks -> markdown-it (``js-default`` preset: raw HTML is escaped, never
passed through) with tables, strikethrough, autolinks, task lists, footnotes, heading
anchors, Pygments highlighting and ``[[wiki links]]`` -> nh3 with an explicit allowlist.

The HTML is cached per revision together with :data:`RENDERER_VERSION` and the space it was
rendered in (wiki links resolve in the page's space); bump the version whenever the output
for the same input changes, so older cached HTML is rendered afresh.
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

from wiki.content.attachment_links import (
    ATTACHMENT_SCHEME,
    FILE_IMAGE_CLASS,
    attachment_links_plugin,
)
from wiki.content.markdown_ext import (
    FORMATTING_STOPPED_CLASS,
    HIGHLIGHT_CLASS,
    ID_PREFIX,
    PYGMENTS_CLASSES,
    LimitExceeded,
    align_classes_plugin,
    bounded_links_plugin,
    container_guard_plugin,
    heading_anchors_plugin,
    highlight_plugin,
    inline_budget_plugin,
    prefixed_footnotes_plugin,
    table_budget_plugin,
    tasklists_plugin,
    toc_html,
    wikilinks_plugin,
)
from wiki.content.records.tasks import TaskItem, task_items_plugin
from wiki.slugs import DEFAULT_SPACE_KEY

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_CLASSES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "BYTE_ORDER_MARK",
    "DIFF_ALLOWED_CLASSES",
    "DIFF_ALLOWED_TAGS",
    "ID_PREFIX",
    "MAX_SOURCE_CHARS",
    "RENDERER_VERSION",
    "RenderError",
    "Rendered",
    "mark_missing_links",
    "render_markdown",
    "sanitize_diff_html",
    "sanitize_html",
]

RENDERER_VERSION = 8
MAX_SOURCE_CHARS = 2_000_000
"""Hard upper bound on the source length; callers enforce a smaller configurable limit."""

# Complexity limits. Rendering time grows linearly with each of these; the values keep the
# worst case near one second while leaving room for any realistic page. Exceeding one of
# them raises RenderError, except where noted ("graceful": the markup then stays text).

MAX_LINES = 50_000
"""Most lines a page may have (block parsing costs up to ~30 us a line)."""

MAX_BLOCK_NESTING = 32
"""Deepest nesting of lists / block quotes / footnotes accepted."""

MAX_BLOCK_CONTAINERS = 25_000
"""Most list items, block quotes and footnote definitions (~60 us each) in one page."""

MAX_INLINE_MARKUP = 100_000
"""Most inline markup characters (``*_[]<>&:-`` etc.) outside code blocks that are read as
formatting; graceful: from the block that goes over it on, the text is shown plain, after a
note saying that formatting stops there."""

MAX_LINKS = 10_000
"""Most links, images and autolinks in one page."""

MAX_TABLE_CELLS = 30_000
"""Most table cells in one page (short rows count as padded to the header's width)."""

MAX_INLINE_NESTING = 100
"""markdown-it's own recursion limit; deeper inline nesting degrades to plain text."""

MAX_LINK_LABEL_CHARS = 2_000
"""Longest link / image text (between ``[`` and ``]``) recognised."""

LINK_LABEL_SCAN_BUDGET = 500_000
"""Steps all link-text scans of one page may take together; then brackets stay text."""

MAX_HIGHLIGHTED_CHARS = 100_000
"""Code beyond this many characters per page is shown without syntax highlighting."""

ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

BYTE_ORDER_MARK = "\ufeff"
"""Not text: at the start of a page (pasted from a file) it would hide the first heading."""

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
    tasks: tuple[TaskItem, ...] = ()
    """The task-list lines of the text, in order (:mod:`wiki.content.records.tasks`)."""


# --------------------------------------------------------------------------- sanitiser

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "strong", "em", "del", "s", "code", "pre", "span", "sup",
    "ul", "ol", "li", "section", "a", "img", "input",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title", "id", "aria-label"},  # aria-label: the links beside headings
    "img": {"src", "alt", "title"},
    "span": {"title"},  # an impossible due date says so
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id"},
    "ol": {"start"},
}  # fmt: skip
_CLASSES = {
    "a": {"wikilink", "missing", "footnote-backref", "heading-link", "mention", FILE_IMAGE_CLASS},
    "pre": {HIGHLIGHT_CLASS},
    "span": set(PYGMENTS_CLASSES) | {FORMATTING_STOPPED_CLASS, "due", "impossible"},
    "sup": {"footnote-ref"},
    "section": {"footnotes"},
    "hr": {"footnotes-sep"},
    "ol": {"footnotes-list"},
    "ul": {"contains-task-list"},
    "li": {"footnote-item", "task-list-item"},
    "input": {"task-list-item-checkbox"},
    "th": {"align-left", "align-center", "align-right"},
    "td": {"align-left", "align-center", "align-right"},
}
# What a rendered diff adds (wiki.content.rendered_diff): <ins>, and classes marking added
# and removed blocks, rows, cells and list items.
_DIFF_MARKS = {
    "ins": {"diff-block"},
    "del": {"diff-block"},
    "li": {"diff-added", "diff-removed"},
    "tr": {"diff-added", "diff-removed"},
    "td": {"diff-added", "diff-removed"},
    "th": {"diff-added", "diff-removed"},
}
_DIFF_CLASSES = {
    tag: _CLASSES.get(tag, set()) | _DIFF_MARKS.get(tag, set())
    for tag in _CLASSES.keys() | _DIFF_MARKS.keys()
}


def _cleaner(tags: set[str], classes: dict[str, set[str]]) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=tags,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        allowed_classes=classes,
        # task list check boxes: only type=checkbox, optionally checked, always disabled
        tag_attribute_values={
            "input": {"type": {"checkbox"}, "checked": {"", "checked"}},
            "img": {"loading": {"lazy"}},  # pictures of a page's files load as they scroll in
        },
        set_tag_attribute_values={"input": {"disabled": "disabled"}},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        url_relative="pass_through",
        link_rel="noopener noreferrer",
        id_prefix=ID_PREFIX,
        strip_comments=True,
    )


_CLEANER = _cleaner(_TAGS, _CLASSES)
_DIFF_CLEANER = _cleaner(_TAGS | {"ins"}, _DIFF_CLASSES)
# Read-only views of the allowlist, for checking rendered HTML (the tests do).
ALLOWED_TAGS = frozenset(_TAGS)
ALLOWED_ATTRIBUTES = {tag: frozenset(names) for tag, names in _ATTRIBUTES.items()}
ALLOWED_CLASSES = {tag: frozenset(names) for tag, names in _CLASSES.items()}
DIFF_ALLOWED_TAGS = frozenset(_TAGS | {"ins"})
DIFF_ALLOWED_CLASSES = {tag: frozenset(names) for tag, names in _DIFF_CLASSES.items()}


def sanitize_html(html: str) -> str:
    """Return ``html`` reduced to the wiki's allowlist of tags, attributes and classes.

    Scripts, event handlers, every ``style`` attribute, and URLs other
    than http(s), mailto and relative ones are removed; links get
    ``rel="noopener noreferrer"``; every ``id`` gets the ``user-content-`` prefix. It is
    idempotent. Raises nothing for any ``str`` (``TypeError`` for other types).
    """
    return _CLEANER.clean(html)


def sanitize_diff_html(html: str) -> str:
    """Like :func:`sanitize_html`, also keeping what a rendered diff marks changes with:
    ``<ins>``, ``<del>`` and ``<li>``, ``<tr>``, ``<td>``, ``<th>`` with the classes of
    :data:`DIFF_ALLOWED_CLASSES`. Raises nothing for any ``str``."""
    return _DIFF_CLEANER.clean(html)


# --------------------------------------------------------------------------- parser

_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _LinkValidator:
    """``md.validateLink``: relative URLs and the allowed schemes only; counts the links.

    Browsers drop ASCII tabs, newlines and leading control characters from URLs, so they
    are removed (also when percent-encoded) before looking for the scheme. The sanitiser
    checks schemes again; this check keeps rejected links as visible text instead of
    leaving empty ``<a>`` elements. ``count`` is reset by ``render_markdown``; the parser
    (and so this object) belongs to one thread.
    """

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, url: str) -> bool:
        self.count += 1
        if self.count > MAX_LINKS:
            raise LimitExceeded(f"This page has too many links (more than {MAX_LINKS:,}).")
        compact = _IGNORED_IN_URLS.sub("", unquote(url))
        match = _SCHEME.match(compact)
        if match is None:
            return True
        scheme = match.group(1).lower()
        # attachment: links become addresses of this site (attachment_links_plugin).
        return scheme in ALLOWED_URL_SCHEMES or scheme == ATTACHMENT_SCHEME


def _new_parser() -> MarkdownIt:
    md = MarkdownIt(
        "js-default",
        {"linkify": True, "typographer": False, "maxNesting": MAX_INLINE_NESTING},
    )
    md.enable(["table", "strikethrough", "linkify"])
    md.validateLink = _LinkValidator()  # type: ignore[method-assign]  # markdown-it's documented hook
    md.use(tasklists_plugin)
    md.use(task_items_plugin)
    md.use(footnote_plugin)
    md.use(prefixed_footnotes_plugin)
    md.use(bounded_links_plugin, MAX_LINK_LABEL_CHARS, LINK_LABEL_SCAN_BUDGET)
    md.use(wikilinks_plugin)
    md.use(attachment_links_plugin)
    md.use(highlight_plugin, MAX_HIGHLIGHTED_CHARS)
    md.use(heading_anchors_plugin)
    md.use(container_guard_plugin, MAX_BLOCK_NESTING, MAX_BLOCK_CONTAINERS)
    md.use(inline_budget_plugin, MAX_INLINE_MARKUP)
    md.use(table_budget_plugin, MAX_TABLE_CELLS)
    md.use(align_classes_plugin)
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


def render_markdown(
    text: str, space: str = DEFAULT_SPACE_KEY, page_id: int | None = None
) -> Rendered:
    """Render Markdown ``text`` to sanitised HTML, a table of contents and its wiki links.

    ``space`` is the key of the space of the page the text belongs to: ``[[Title]]`` links
    to the page of that title there, ``[[key:Title]]`` to one in another space (see
    :func:`wiki.content.markdown_ext.wikilinks_plugin`). ``page_id`` is the page's id, which
    ``attachment:`` links to its files resolve against (None: a text without a page yet;
    see :mod:`wiki.content.attachment_links`). The output depends on nothing else.

    Raises :class:`RenderError`, with a message for the user, when the text exceeds a limit:
    more than :data:`MAX_SOURCE_CHARS` characters or :data:`MAX_LINES` lines, lists or
    quotes nested deeper than :data:`MAX_BLOCK_NESTING` levels, more than
    :data:`MAX_BLOCK_CONTAINERS` list items/quotes, :data:`MAX_LINKS` links or
    :data:`MAX_TABLE_CELLS` table cells, and when it holds lone surrogates (not Unicode
    text). Past :data:`MAX_INLINE_MARKUP` markup characters the rest is shown as plain text
    with a note, not refused. Raises ``TypeError`` when ``text`` is not a ``str``.
    Thread-safe: each thread uses its own parser.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    text = text.lstrip(BYTE_ORDER_MARK)  # texts saved before pages dropped it
    if len(text) > MAX_SOURCE_CHARS:
        raise RenderError(
            f"This page is too long to render (more than {MAX_SOURCE_CHARS:,} characters)."
        )
    if text.count("\n") + text.count("\r") - text.count("\r\n") >= MAX_LINES:
        raise RenderError(f"This page has too many lines (more than {MAX_LINES:,}).")
    if _SURROGATE.search(text):  # not text at all; the sanitiser could not encode it
        raise RenderError("The text is not valid Unicode.")
    md = _parser()
    md.validateLink.count = 0  # type: ignore[attr-defined]  # our _LinkValidator, set above
    env: dict = {"space": space, "page_id": page_id}
    try:
        body = md.render(text, env)
    except LimitExceeded as exc:
        raise RenderError(str(exc)) from None
    except RecursionError:
        raise RenderError("This page nests its markup too deeply to render.") from None
    return Rendered(
        html=sanitize_html(body),
        toc_html=sanitize_html(toc_html(env.get("toc", ()))),
        wikilinks=frozenset(env.get("wikilinks", ())),
        tasks=tuple(env.get("tasks", ())),
    )


_WIKILINK_OPEN = re.compile(r'<a href="/wiki/([^"?#]*)(#[^"]*)?" class="wikilink"')


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
        fragment = match.group(2) or ""
        return (
            f'<a href="/wiki/{match.group(1)}{fragment}" class="wikilink missing" '
            f'title="{_MISSING_TITLE}"'
        )

    return _WIKILINK_OPEN.sub(mark, html)
