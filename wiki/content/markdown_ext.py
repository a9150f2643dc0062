"""markdown-it extensions used by :mod:`wiki.content.render`.

Each ``*_plugin`` function takes a ``MarkdownIt`` instance and installs parse and/or render
rules on it. Everything here produces HTML that is *then* sanitised by ``wiki.content.render``; the
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
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from linkify_it import LinkifyIt
from markdown_it import MarkdownIt, helpers, rules_block
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote.index import footnote_inline, footnote_ref
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from wiki.slugs import DEFAULT_SPACE_KEY, in_space, legacy_slugify, slugify, split_space_key

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


class LimitExceeded(Exception):
    """Raised while parsing when the text exceeds a complexity limit.

    ``str(exc)`` is a user-facing sentence; ``wiki.content.render`` turns it into a ``RenderError``.
    """


# --------------------------------------------------------------------------- limits


def container_guard_plugin(md: MarkdownIt, max_depth: int, max_containers: int) -> None:
    """Raise :class:`LimitExceeded` when block containers (list items, block quotes,
    footnote definitions) nest more than ``max_depth`` deep or number over ``max_containers``.

    markdown-it itself stops at ``maxNesting`` by silently dropping the rest of the document;
    a wiki must not lose text silently, so we refuse such input instead. Every container
    parses its content with a nested call of ``md.block.tokenize``, so counting those calls
    counts containers and their depth. The counters live in ``env``, private to one parse.
    """
    tokenize = md.block.tokenize

    def guarded(state: StateBlock, start_line: int, end_line: int) -> None:
        depth = state.env.get("_block_depth", 0) + 1
        if depth > max_depth + 1:  # depth 1 is the document itself
            raise LimitExceeded(
                f"This page nests lists/quotes too deeply (more than {max_depth} levels)."
            )
        count = state.env.get("_block_containers", 0) + 1
        if count > max_containers + 1:
            raise LimitExceeded(
                f"This page has too many list items/quotes (more than {max_containers:,})."
            )
        state.env["_block_containers"] = count
        state.env["_block_depth"] = depth
        try:
            tokenize(state, start_line, end_line)
        finally:
            state.env["_block_depth"] = depth - 1

    md.block.tokenize = guarded  # type: ignore[method-assign, assignment]  # wrapping the parser's own method


# Characters at which markdown-it's inline parser stops and tries every inline rule; their
# number is what inline parsing time is proportional to (plain text is skipped quickly).
_INLINE_MARKUP_CHARS = "\n!#$%&*+-:<=>@[\\]^_`{}~"


#: Class of the note where formatting stops (see :func:`inline_budget_plugin`).
FORMATTING_STOPPED_CLASS = "formatting-stopped"


def inline_budget_plugin(md: MarkdownIt, max_markup_chars: int) -> None:
    """Stop formatting once the page's inline text holds more than ``max_markup_chars``
    markup characters (code blocks don't count): the paragraph, heading or table cell that
    goes over the budget, and every one after it, is shown as plain escaped text, after a
    visible note where formatting stops.

    The budget keeps rendering time bounded; it refuses nothing, so that whether a page
    saves never depends on where its structure puts the markup (a newline that turns an
    indented code line into a paragraph must not make the page unsavable). Counting is
    done with ``str.count`` before each block's inline text is parsed, deterministically.
    """
    parse = md.inline.parse
    note = f"Formatting stops here: more than {max_markup_chars:,} markup characters."

    def budgeted(src: str, md_: MarkdownIt, env: Any, tokens: list[Token]) -> Any:
        if not env.get("_formatting_stopped"):
            spent = env.get("_inline_markup", 0) + sum(map(src.count, _INLINE_MARKUP_CHARS))
            if spent <= max_markup_chars:
                env["_inline_markup"] = spent
                return parse(src, md_, env, tokens)
            env["_formatting_stopped"] = True
            stopped = Token("formatting_stopped", "", 0)
            stopped.content = note
            tokens.append(stopped)
        # Not "text": no later rule (linkify, text_join) looks into it.
        plain = Token("plain_text", "", 0)
        plain.content = src
        tokens.append(plain)
        return None

    md.add_render_rule("formatting_stopped", _render_formatting_stopped)
    md.add_render_rule("plain_text", _render_plain_text)
    md.inline.parse = budgeted  # type: ignore[method-assign, assignment]  # wrapping the parser's own method


def _render_formatting_stopped(self, tokens, idx, options, env) -> str:
    return f'<span class="{FORMATTING_STOPPED_CLASS}">{escapeHtml(tokens[idx].content)}</span> '


def _render_plain_text(self, tokens, idx, options, env) -> str:
    return escapeHtml(tokens[idx].content)


def table_budget_plugin(md: MarkdownIt, max_cells: int) -> None:
    """Raise :class:`LimitExceeded` when the page's tables hold more than ``max_cells`` cells.

    Short rows are padded to the header's width, so a few characters can make many cells.
    Before a table is parsed, its size is estimated as header columns x lines up to the
    next blank line (an upper bound) and added to the page's total.
    """

    def budgeted(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if silent or not rules_block.table(state, start_line, end_line, True):
            return rules_block.table(state, start_line, end_line, silent)
        header_start = state.bMarks[start_line] + state.tShift[start_line]
        columns = state.src.count("|", header_start, state.eMarks[start_line]) + 1
        line = start_line
        while line < end_line and not state.isEmpty(line):
            line += 1
        cells = state.env.get("_table_cells", 0) + columns * (line - start_line)
        if cells > max_cells:
            raise LimitExceeded(f"This page has too many table cells (more than {max_cells:,}).")
        state.env["_table_cells"] = cells
        return rules_block.table(state, start_line, end_line, silent)

    md.block.ruler.at("table", budgeted, {"alt": ["paragraph", "reference"]})


def align_classes_plugin(md: MarkdownIt) -> None:
    """Give aligned table cells a class (``align-left``/``-center``/``-right``) instead of
    markdown-it's ``style="text-align:..."``: the Content-Security-Policy refuses inline
    styles, and the sanitiser then needs to allow no ``style`` attribute at all."""

    def to_classes(state) -> None:
        for token in state.tokens:
            if token.type in ("th_open", "td_open"):
                style = token.attrs.pop("style", None)
                if isinstance(style, str) and style.startswith("text-align:"):
                    token.attrSet("class", "align-" + style.removeprefix("text-align:"))

    md.core.ruler.push("align_classes", to_classes)


# --------------------------------------------------------------------------- link bounds


def bounded_links_plugin(md: MarkdownIt, max_label_chars: int, scan_budget: int) -> None:
    """Keep link, image and footnote parsing linear in the size of the text.

    markdown-it looks for the ``]`` closing every ``[`` by scanning forward token by token,
    so unclosed brackets (``"[" * 50000``) cost quadratic time. Here a label is at most
    ``max_label_chars`` long, and all label scans of one document together take at most
    ``scan_budget`` steps; past that, brackets stay plain text. Footnote labels are at most
    :data:`FOOTNOTE_LABEL_MAX_CHARS` long. Plain-text URLs are found by markdown-it's core
    ``linkify`` rule only, with :class:`LinearLinkify`; the inline ``linkify`` rule (which
    rescans the pending text before every ``://``) is disabled.

    Must be installed after ``footnote_plugin``.
    """
    md.helpers = SimpleNamespace(  # type: ignore[assignment]  # same attributes, bounded link parsers
        parseLinkLabel=_bounded_label_parser(max_label_chars, scan_budget),
        parseLinkDestination=helpers.parseLinkDestination,
        parseLinkTitle=helpers.parseLinkTitle,
    )
    parse_label = md.helpers.parseLinkLabel

    def bounded_footnote_inline(state: StateInline, silent: bool) -> bool:
        # the plugin calls markdown-it's unbounded label parser; only let it run when ours
        # found the end of the label (then both find the same one)
        if not state.src.startswith("^[", state.pos, state.posMax):
            return False
        if parse_label(state, state.pos + 1) < 0:
            return False
        return footnote_inline(state, silent)

    def bounded_footnote_ref(state: StateInline, silent: bool) -> bool:
        if not _FOOTNOTE_REF.match(state.src, state.pos, state.posMax):
            return False
        return footnote_ref(state, silent)

    md.inline.ruler.at("footnote_inline", bounded_footnote_inline)
    md.inline.ruler.at("footnote_ref", bounded_footnote_ref)
    md.inline.ruler.disable("linkify")
    md.linkify = LinearLinkify()


FOOTNOTE_LABEL_MAX_CHARS = 100
_FOOTNOTE_REF = re.compile(rf"\[\^[^\s\]]{{1,{FOOTNOTE_LABEL_MAX_CHARS}}}\]")


def _bounded_label_parser(max_label_chars: int, scan_budget: int) -> Any:
    def parse_link_label(state: StateInline, start: int, disableNested: bool = False) -> int:
        """markdown-it's ``parseLinkLabel`` with a length limit and a per-document budget."""
        budget = state.env.setdefault("_label_scan_budget", [scan_budget])
        old_pos = state.pos
        limit = min(state.posMax, start + 1 + max_label_chars)
        state.pos = start + 1
        level = 1
        label_end = -1
        while state.pos < limit:
            budget[0] -= 1
            if budget[0] < 0:
                break
            marker = state.src[state.pos]
            if marker == "]":
                level -= 1
                if level == 0:
                    label_end = state.pos
                    break
            prev_pos = state.pos
            state.md.inline.skipToken(state)
            if marker == "[":
                if prev_pos == state.pos - 1:
                    level += 1  # a literal "[", not part of any token
                elif disableNested:
                    break
        state.pos = old_pos
        return label_end

    return parse_link_label


class LinearLinkify(LinkifyIt):
    """linkify-it whose schema scan skips ``scheme:`` occurrences inside the previous link.

    Upstream ``match()`` validates the URL at *every* ``scheme:`` occurrence before
    dropping overlapping candidates, so ``"http://a.co/" * 4000`` takes seconds (quadratic).
    Skipping occurrences inside the link just found gives the same links in practice.
    """

    _skip_before = -1

    def test(self, text: str) -> bool:
        """Whether ``text`` contains a link (see ``LinkifyIt.test``)."""
        self._skip_before = -1
        return bool(super().test(text))

    def match(self, text: str) -> Any:
        """The links in ``text``, or None (see ``LinkifyIt.match``)."""
        self._skip_before = -1
        try:
            return super().match(text)
        finally:
            self._skip_before = -1

    def test_schema_at(self, text: str, name: str, position: int) -> int:
        """Length of the link tail at ``position``; 0 inside the previous link."""
        if position < self._skip_before:
            return 0
        length = int(super().test_schema_at(text, name, position) or 0)
        if length:
            self._skip_before = position + length
        return length


# --------------------------------------------------------------------------- task lists

_TASK_MARKER = re.compile(r"\[([ xX])\][ \t\n\v\f\r]")


def tasklists_plugin(md: MarkdownIt) -> None:
    """Turn list items starting with ``[ ]`` / ``[x]`` into disabled check boxes.

    Same markup as ``mdit_py_plugins.tasklists`` (classes ``contains-task-list``,
    ``task-list-item``, ``task-list-item-checkbox``), but linear: the plugin looks for each
    item's parent list by scanning backwards, which takes minutes for 50,000 items.
    """
    md.core.ruler.after("inline", "tasklists", _tasklists_rule)


def _tasklists_rule(state: StateCore) -> None:
    tokens = state.tokens
    open_lists: list[Token] = []
    for idx, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            open_lists.append(token)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            open_lists.pop()
        elif (
            token.type == "inline"
            and idx >= 2
            and tokens[idx - 1].type == "paragraph_open"
            and tokens[idx - 2].type == "list_item_open"
            and open_lists
            and token.children
            and token.children[0].type == "text"
            and (marker := _TASK_MARKER.match(token.children[0].content))
        ):
            checked = " checked" if marker.group(1) != " " else ""
            checkbox = Token("html_inline", "", 0)
            checkbox.content = (
                f'<input class="task-list-item-checkbox" type="checkbox" disabled{checked}>'
            )
            token.children[0].content = token.children[0].content[3:]
            token.children.insert(0, checkbox)
            tokens[idx - 2].attrSet("class", "task-list-item")
            open_lists[-1].attrSet("class", "contains-task-list")


# --------------------------------------------------------------------------- wiki links

_LABEL_SEPARATOR = re.compile(r"\\?\|")


def wikilinks_plugin(md: MarkdownIt) -> None:
    """Add ``[[Page title]]`` / ``[[Page title|label]]`` as an inline rule.

    A title links to the page of that title in the space of the page being rendered, whose
    key the caller puts in ``env["space"]`` (default: the default space);
    ``[[key:Page title]]`` links to the page in the space ``key`` instead (see
    :func:`wiki.slugs.split_space_key`; an unknown key makes a link to a missing page).
    ``[[Page title#Heading]]`` links to that heading of the page, ``[[#Heading]]`` to one
    of the page itself (see :func:`split_fragment`). Without a label the link shows what
    was typed, key included.

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
    target = unescapeAll(parts[0]).strip()
    label = unescapeAll(parts[1]).strip() if len(parts) == 2 else ""
    page_part, fragment = split_fragment(target)
    space_key, title = split_space_key(page_part)
    slug = slugify(title)
    if not slug and not (fragment and not page_part):
        return False
    if not silent:
        token = state.push("wikilink", "a", 0)
        token.meta = {
            # None: a heading of the page itself
            "slug": in_space(space_key or state.env.get("space", DEFAULT_SPACE_KEY), slug)
            if page_part
            else None,
            "anchor": heading_anchor(fragment) if fragment else None,
        }
        token.content = label or target
    state.pos = end + 2
    return True


def split_fragment(target: str) -> tuple[str, str]:
    """A wiki-link target's page part and heading: ``"Plan#Budget"`` -> ``("Plan",
    "Budget")``. The heading follows the last ``#`` that is followed by something other
    than white space, so titles such as "C#" and "F# basics" stay whole ("C#Tips" is read
    as the heading "Tips" of "C"). ``("", "Budget")`` for ``"#Budget"``; ``(target, "")``
    when there is no heading. Raises nothing."""
    position = target.rfind("#")
    if position < 0:
        return target, ""
    fragment = target[position + 1 :]
    if not fragment or fragment[0].isspace():
        return target, ""
    return target[:position].strip(), fragment.strip()


def heading_anchor(text: str) -> str:
    """The ``id`` a heading reading ``text`` gets (the first one of that text on a page;
    later ones get ``-1``, ``-2``...). Raises nothing."""
    return ID_PREFIX + (legacy_slugify(text)[:HEADING_ANCHOR_MAX_CHARS].strip("-") or "section")


def wikilink_href(slug: str | None, anchor: str | None = None) -> str:
    """Return the URL of the wiki page with ``slug`` (None: this page), at the heading with
    the id ``anchor`` if given."""
    page = "/wiki/" + quote(slug, safe="") if slug is not None else ""
    return page + ("#" + quote(anchor, safe="") if anchor else "")


def _render_wikilink(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    href = wikilink_href(token.meta["slug"], token.meta.get("anchor"))
    return f'<a href="{escapeHtml(href)}" class="wikilink">{escapeHtml(token.content)}</a>'


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
    anchors: list[tuple[int, str]] = []  # (token index, heading id)
    for idx, token in enumerate(tokens):
        if token.type == "inline":
            wikilinks.update(
                child.meta["slug"]
                for child in token.children or ()
                if child.type == "wikilink" and child.meta["slug"] is not None
            )
        if token.type != "heading_open":
            continue
        text = _plain_text(tokens[idx + 1].children or ())
        base = heading_anchor(text)
        number = counters.get(base, 0)
        anchor = base if number == 0 else f"{base}-{number}"
        while anchor in taken:
            number += 1
            anchor = f"{base}-{number}"
        counters[base] = number + 1
        taken.add(anchor)
        token.attrSet("id", anchor)
        anchors.append((idx + 2, anchor))  # before its heading_close
        level = int(token.tag[1])
        if level <= TOC_MAX_LEVEL:
            toc.append((level, anchor, text))
    if anchors:  # one pass (inserting one by one would be quadratic in the headings)
        links = dict(anchors)
        rebuilt: list[Token] = []
        for idx, token in enumerate(tokens):
            if idx in links:
                rebuilt.append(_heading_link(links[idx]))
            rebuilt.append(token)
        tokens[:] = rebuilt
    state.env["toc"] = toc
    state.env["wikilinks"] = wikilinks


def _heading_link(anchor: str) -> Token:
    """A link to the heading, shown beside it on hover or focus: the address to copy."""
    token = Token("html_inline", "", 0)
    token.content = (
        f' <a href="#{escapeHtml(quote(anchor, safe=""))}" class="heading-link" '
        'title="Link to this section" aria-label="Link to this section"></a>'
    )
    return token


def _plain_text(children: Sequence[Token]) -> str:
    return "".join(
        child.content
        for child in children
        if child.type in ("text", "code_inline", "wikilink", "plain_text")
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

    def render_fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
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
