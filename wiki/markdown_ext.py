"""markdown-it extensions used by :mod:`wiki.render`.

Each ``*_plugin`` function takes a ``MarkdownIt`` instance and installs parse and/or render
rules on it. Everything here produces HTML that is *then* sanitised by ``wiki.render``; the
rules still escape all user text themselves so the sanitiser is a second line of defence,
not the only one.

Every ``id`` (and every ``#fragment`` pointing at one) produced here starts with
:data:`ID_PREFIX`, so user-chosen names such as a heading called "submit" can never clobber
a form field or a global in the page's DOM.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from wiki.slugs import slugify

ID_PREFIX = "user-content-"

WIKILINK_MAX_CHARS = 256
"""Longest ``[[...]]`` body recognised; bounds the look-ahead for the closing ``]]``."""

HEADING_ANCHOR_MAX_CHARS = 80
TOC_MAX_LEVEL = 4

HIGHLIGHT_CLASS = "highlight"
"""Class on ``<pre>`` of highlighted code; static/css/pygments.css is scoped to it."""

PYGMENTS_CLASSES = frozenset(c for c in STANDARD_TYPES.values() if c)
"""Every CSS class Pygments' HTML formatter uses for a standard token type."""

_LANG_NAME = re.compile(r"[\w+#.-]{1,40}")


class NestingTooDeep(Exception):
    """Raised while parsing when block containers nest deeper than allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


# --------------------------------------------------------------------------- nesting guard


def nesting_guard_plugin(md: MarkdownIt, max_depth: int) -> None:
    """Raise :class:`NestingTooDeep` once block containers nest more than ``max_depth`` deep.

    markdown-it itself stops at ``maxNesting`` by silently dropping the rest of the document;
    a wiki must not lose text silently, so we refuse such input instead. Every container
    (blockquote, list item, footnote definition) parses its content with a nested call of
    ``md.block.tokenize``, so counting those calls counts container depth. The counter lives
    in ``env``, which is private to one parse, so a shared parser stays thread-safe.
    """
    tokenize = md.block.tokenize

    def guarded(state: StateBlock, start_line: int, end_line: int) -> None:
        depth = state.env.get("_block_depth", 0) + 1
        if depth > max_depth + 1:  # depth 1 is the document itself
            raise NestingTooDeep(max_depth)
        state.env["_block_depth"] = depth
        try:
            tokenize(state, start_line, end_line)
        finally:
            state.env["_block_depth"] = depth - 1

    md.block.tokenize = guarded  # type: ignore[method-assign]


# --------------------------------------------------------------------------- wiki links

_LABEL_SEPARATOR = re.compile(r"\\?\|")


def wikilinks_plugin(md: MarkdownIt) -> None:
    """Add ``[[Page title]]`` / ``[[Page title|label]]`` as an inline rule.

    Being an inline rule, it never fires inside code spans or code blocks. Inside tables the
    separator may be written ``\\|`` (as GitHub requires). A title without any letter or
    digit (empty slug) is not a link; the text then stays literal.
    """
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.add_render_rule("wikilink", _render_wikilink)


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith("[[", pos, state.posMax) or state.linkLevel > 0:
        return False
    end = src.find("]]", pos + 2, min(state.posMax, pos + 4 + WIKILINK_MAX_CHARS))
    if end < 0:
        return False
    body = src[pos + 2 : end]
    if "[" in body or "]" in body or "\n" in body:
        return False
    parts = _LABEL_SEPARATOR.split(body, maxsplit=1)
    title = unescapeAll(parts[0]).strip()
    label = unescapeAll(parts[1]).strip() if len(parts) == 2 else ""
    slug = slugify(title)
    if not slug:
        return False
    if not silent:
        token = state.push("wikilink", "a", 0)
        token.meta = {"slug": slug}
        token.content = label or title
    state.pos = end + 2
    return True


def wikilink_href(slug: str) -> str:
    """Return the URL of the wiki page with ``slug``."""
    return "/wiki/" + quote(slug, safe="")


def _render_wikilink(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    token = tokens[idx]
    return (
        f'<a href="{escapeHtml(wikilink_href(token.meta["slug"]))}" class="wikilink">'
        f"{escapeHtml(token.content)}</a>"
    )


# --------------------------------------------------------------------------- headings / TOC


def heading_anchors_plugin(md: MarkdownIt) -> None:
    """Give every heading a unique, prefixed ``id`` and collect page metadata into ``env``.

    Runs last in the core chain, on the final token stream, and stores:

    * ``env["toc"]``: ``[(level, anchor, text), ...]`` for headings h1..h4, where
      ``anchor`` is the full (prefixed) id;
    * ``env["wikilinks"]``: the set of slugs of rendered wiki links (definitions of unused
      footnotes and image alt text are not rendered as links, so they don't count).
    """
    md.core.ruler.push("wiki_metadata", _metadata_rule)


def _metadata_rule(state: StateCore) -> None:
    tokens = state.tokens
    taken: set[str] = set()
    counters: dict[str, int] = {}
    toc: list[tuple[int, str, str]] = []
    wikilinks: set[str] = set()
    for idx, token in enumerate(tokens):
        if token.type == "inline":
            wikilinks.update(
                child.meta["slug"] for child in token.children or () if child.type == "wikilink"
            )
        if token.type != "heading_open":
            continue
        text = _plain_text(tokens[idx + 1].children or ())
        base = slugify(text)[:HEADING_ANCHOR_MAX_CHARS].strip("-") or "section"
        number = counters.get(base, 0)
        anchor = base if number == 0 else f"{base}-{number}"
        while anchor in taken:
            number += 1
            anchor = f"{base}-{number}"
        counters[base] = number + 1
        taken.add(anchor)
        token.attrSet("id", ID_PREFIX + anchor)
        level = int(token.tag[1])
        if level <= TOC_MAX_LEVEL:
            toc.append((level, ID_PREFIX + anchor, text))
    state.env["toc"] = toc
    state.env["wikilinks"] = wikilinks


def _plain_text(children: Sequence[Token]) -> str:
    return "".join(
        child.content
        for child in children
        if child.type in ("text", "code_inline", "wikilink")
    ).strip()


def toc_html(entries: Sequence[tuple[int, str, str]]) -> str:
    """Return a nested ``<ul>`` linking to ``entries`` (see :func:`heading_anchors_plugin`).

    Returns '' for fewer than two entries. A deeper heading nests one level below the
    previous one whatever the jump (h1 -> h4 nests once); a heading shallower than the first
    one is treated as a sibling at the top level.
    """
    if len(entries) < 2:
        return ""
    parts: list[str] = []
    open_levels: list[int] = []
    for level, anchor, text in entries:
        if open_levels and level > open_levels[-1]:
            parts.append("\n<ul>\n")
            open_levels.append(level)
        else:
            while len(open_levels) > 1 and level < open_levels[-1]:
                parts.append("</li>\n</ul>\n")
                open_levels.pop()
            if open_levels:
                parts.append("</li>\n")
            else:
                parts.append("<ul>\n")
                open_levels.append(level)
        parts.append(f'<li><a href="#{escape(anchor)}">{escape(text)}</a>')
    parts.append("</li>\n</ul>\n" * len(open_levels))
    return "".join(parts)


# --------------------------------------------------------------------------- footnotes


def prefixed_footnotes_plugin(md: MarkdownIt) -> None:
    """Re-render footnote markup so ids and ``#`` links carry :data:`ID_PREFIX`.

    Must be installed after ``mdit_py_plugins.footnote.footnote_plugin``.
    """
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_open", _render_footnote_open)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)


def _footnote_ids(token: Token) -> tuple[str, str]:
    """Return (note id, reference id) for a footnote token."""
    number = token.meta["id"] + 1
    sub = token.meta.get("subId", 0)
    ref = f"{ID_PREFIX}fnref{number}" + (f"-{sub}" if sub > 0 else "")
    return f"{ID_PREFIX}fn{number}", ref


def _render_footnote_ref(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    note_id, ref_id = _footnote_ids(tokens[idx])
    caption = self.rules["footnote_caption"](tokens, idx, options, env)
    return (
        f'<sup class="footnote-ref"><a href="#{note_id}" id="{ref_id}">'
        f"{escapeHtml(caption)}</a></sup>"
    )


def _render_footnote_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    note_id, _ = _footnote_ids(tokens[idx])
    return f'<li id="{note_id}" class="footnote-item">'


def _render_footnote_anchor(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    _, ref_id = _footnote_ids(tokens[idx])
    # U+21A9 + variation selector 15, so iOS doesn't show it as an emoji
    return f' <a href="#{ref_id}" class="footnote-backref">\u21a9\ufe0e</a>'


# --------------------------------------------------------------------------- code


def highlight_plugin(md: MarkdownIt, budget_chars: int) -> None:
    """Render fenced code with Pygments CSS classes when the language is known.

    The language is the first word of the info string and must name a Pygments lexer
    exactly (by alias); nothing is guessed. Unknown languages and code beyond
    ``budget_chars`` of highlighted code per document (Pygments lexers are regex based and
    not all are linear) render as plain escaped code. No user text ends up in a class.
    """

    def render_fence(
        self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
    ) -> str:
        token = tokens[idx]
        info = unescapeAll(token.info).strip() if token.info else ""
        lexer = _lexer(info.split(maxsplit=1)[0]) if info else None
        spent = env.get("_highlighted_chars", 0) + len(token.content)
        if lexer is not None and spent <= budget_chars:
            env["_highlighted_chars"] = spent
            code = highlight(token.content, lexer, HtmlFormatter(nowrap=True))
            return f'<pre class="{HIGHLIGHT_CLASS}"><code>{code}</code></pre>\n'
        return f"<pre><code>{escapeHtml(token.content)}</code></pre>\n"

    md.add_render_rule("fence", render_fence)


@functools.lru_cache(maxsize=256)
def _lexer(name: str) -> Lexer | None:
    if not _LANG_NAME.fullmatch(name):
        return None
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None
