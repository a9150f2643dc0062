"""Compare two revisions as the page shows them: the rendered diff.

Both sides are the render pipeline's sanitised HTML (:mod:`wiki.content.render`). Each is
read into a small tree. The children of the page, of lists, tables, quotes and list items
are compared block by block (paragraphs, headings, list items, table rows and cells, and
runs of inline content between blocks); a block that changed only in part is paired with
its new version and compared again inside, down to words:

* an added or removed block is wrapped whole in ``<ins class="diff-block">`` or
  ``<del class="diff-block">``; list items, table rows and cells, which must stay inside
  their list or table, carry the class ``diff-added`` or ``diff-removed`` instead, and
  their contents are wrapped;
* inside a changed block the new block's markup is kept, added words are wrapped in
  ``<ins>``, and removed words are put back as text in ``<del>`` (without the removed
  markup), so the result nests exactly as the new revision's HTML does.

A block is paired with a new one of the same kind whose words are mostly the same (see
:data:`PAIR_SIMILARITY`); the cells of a table row keep their columns. Blocks without a
partner are shown as removed and added.

Safety: no markup is taken over but the tags and attributes the sanitiser produced, read
by a parser and written again with their values escaped; all text is escaped; and the
result goes through the sanitiser once more (:func:`wiki.content.render.sanitize_diff_html`).

Bounds: sides longer than :data:`MAX_HTML_CHARS` are not compared (the page says the
change is too large to show rendered); the alignments and word diffs of one comparison
share :data:`TIME_BUDGET`, after which changed blocks are marked whole, and so is a changed
run of more than :data:`MAX_WORD_TOKENS` words.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

from diff_match_patch import diff_match_patch
from markupsafe import Markup, escape

from wiki.content.diffing import encode_tokens
from wiki.content.render import sanitize_diff_html

#: Longest rendered HTML (of either revision) that is compared.
MAX_HTML_CHARS = 1_500_000
#: Seconds the alignments and word diffs of one comparison may take together.
TIME_BUDGET = 0.5
#: Most tokens (words, spaces, punctuation, tags) a changed run is compared word by word in.
MAX_WORD_TOKENS = 20_000
#: Share of the shorter block's words a removed and an added block must have in common to
#: be shown as one changed block; below it they are shown as a removed and an added block.
PAIR_SIMILARITY = 0.5
#: How many added blocks further on a removed block looks for its partner.
PAIR_WINDOW = 50

_DELETE = diff_match_patch.DIFF_DELETE
_INSERT = diff_match_patch.DIFF_INSERT
_EQUAL = diff_match_patch.DIFF_EQUAL

_VOID = frozenset({"br", "hr", "img", "input"})
# Elements compared as blocks of their parent; everything else is inline content.
_BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "thead", "tbody",
     "tfoot", "tr", "td", "th", "blockquote", "pre", "hr", "section", "div"}
)  # fmt: skip
# Elements that may only stand inside their list or table: never wrapped in <ins>/<del>.
_BOUND = frozenset({"li", "tr", "td", "th", "thead", "tbody", "tfoot"})
# Of those, the ones marked whole by a class (the others only through their rows).
_MARKED = frozenset({"li", "tr", "td", "th"})
_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\w+")

Side = Literal["ins", "del"]
_CLASS_OF: dict[Side, str] = {"ins": "diff-added", "del": "diff-removed"}


@dataclass(frozen=True)
class RenderedDiff:
    """The new revision as the page shows it, with what changed since the old one marked.

    ``html`` is sanitised (empty when ``too_large``); ``changed`` tells whether anything
    visible changed (a change of spacing in the Markdown may show nothing); ``coarse``
    that some changed blocks were marked whole, not word by word, to stay within bounds.
    """

    html: Markup
    changed: bool
    too_large: bool = False
    coarse: bool = False


def diff_rendered(old_html: str, new_html: str) -> RenderedDiff:
    """Compare two renderings of the render pipeline (see the module docstring).

    Runs in bounded time for any input; sides longer than :data:`MAX_HTML_CHARS` give a
    result that is ``too_large``. Raises nothing.
    """
    if max(len(old_html), len(new_html)) > MAX_HTML_CHARS:
        return RenderedDiff(Markup(""), changed=old_html != new_html, too_large=True)
    differ = _Differ(time.monotonic() + TIME_BUDGET)
    try:
        html = differ.children(_parse(old_html).children, _parse(new_html).children)
    except RecursionError:  # the renderer's nesting limits make this unreachable in practice
        return RenderedDiff(Markup(""), changed=old_html != new_html, too_large=True)
    return RenderedDiff(
        Markup(sanitize_diff_html(html)), changed=differ.marks > 0, coarse=differ.coarse
    )


# --------------------------------------------------------------------------- the tree


@dataclass(eq=False)
class _Element:
    tag: str
    attrs: list[tuple[str, str]]
    children: list[_Node] = field(default_factory=list)


_Node = _Element | str


@dataclass(eq=False)
class _Run:
    """Inline content between two blocks (or all of a paragraph's), compared as words."""

    nodes: list[_Node]


_Unit = _Element | _Run


class _TreeBuilder(HTMLParser):
    """Reads HTML into :class:`_Element` trees; end tags close what they match, tags and
    attributes with names a sanitiser never writes are left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("", [])
        self._open = [self.root]

    def _element(self, tag: str, attrs: list[tuple[str, str | None]]) -> _Element | None:
        if not _NAME.match(tag):
            return None
        kept = [(name, value or "") for name, value in attrs if _NAME.match(name)]
        element = _Element(tag, kept)
        self._open[-1].children.append(element)
        return element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = self._element(tag, attrs)
        if element is not None and tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)


def _parse(html: str) -> _Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _start_tag(element: _Element, *, ids: bool = True, mark: str | None = None) -> str:
    """The element's start tag, its attribute values escaped; without ``id`` unless
    ``ids`` (a removed block's ids would repeat the new ones), with the class ``mark``."""
    parts = [element.tag]
    for name, value in element.attrs:
        if name == "id" and not ids:
            continue
        if name == "class" and mark:
            value, mark = f"{value} {mark}", None
        parts.append(f'{name}="{escape(value)}"')
    if mark:
        parts.append(f'class="{mark}"')
    return f"<{' '.join(parts)}>"


def _html(node: _Node, ids: bool = True) -> str:
    if isinstance(node, str):
        return str(escape(node))
    if node.tag in _VOID:
        return _start_tag(node, ids=ids)
    inner = "".join(_html(child, ids) for child in node.children)
    return f"{_start_tag(node, ids=ids)}{inner}</{node.tag}>"


def _unit_html(unit: _Unit, ids: bool = True) -> str:
    nodes = unit.nodes if isinstance(unit, _Run) else [unit]
    return "".join(_html(node, ids) for node in nodes)


def _text(node: _Node) -> str:
    if isinstance(node, str):
        return node
    return "".join(_text(child) for child in node.children)


def _has_content(nodes: list[_Node]) -> bool:
    return any(not isinstance(node, str) or node.strip() for node in nodes)


def _units(children: list[_Node]) -> list[_Unit]:
    """``children`` as blocks and runs of inline content; white space between blocks goes."""
    units: list[_Unit] = []
    run: list[_Node] = []
    for child in children:
        if isinstance(child, _Element) and child.tag in _BLOCKS:
            if _has_content(run):
                units.append(_Run(run))
            run = []
            units.append(child)
        else:
            run.append(child)
    if _has_content(run):
        units.append(_Run(run))
    return units


def _kind(unit: _Unit) -> str:
    return unit.tag if isinstance(unit, _Element) else ""


# --------------------------------------------------------------------------- words


@dataclass(frozen=True)
class _Token:
    key: str  # what is compared: a tag without its ids, or the text
    html: str
    text: str | None = None  # None for tags
    void: bool = False


def _tokens(nodes: list[_Node], ids: bool, out: list[_Token]) -> list[_Token]:
    for node in nodes:
        if isinstance(node, str):
            out.extend(_Token("t" + word, str(escape(word)), word) for word in _TOKEN.findall(node))
        elif node.tag in _VOID:
            out.append(
                _Token("m" + _start_tag(node, ids=False), _start_tag(node, ids=ids), None, True)
            )
        else:
            out.append(_Token("m" + _start_tag(node, ids=False), _start_tag(node, ids=ids)))
            _tokens(node.children, ids, out)
            out.append(_Token(f"m</{node.tag}>", f"</{node.tag}>"))
    return out


class _Marked:
    """Collects a run's HTML, wrapping consecutive added or removed text in one mark."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.marks = 0
        self._side: Side | None = None
        self._text: list[str] = []

    def plain(self, html: str) -> None:
        self.flush()
        self.parts.append(html)

    def changed(self, side: Side, token: _Token) -> None:
        if token.text is not None:
            if self._side != side:
                self.flush()
                self._side = side
            self._text.append(token.text)
        elif token.void:
            self.flush()
            if token.key != "m<br>":
                self.parts.append(f"<{side}>{token.html}</{side}>")
                self.marks += 1
            elif side == "ins":
                self.parts.append(token.html)
        elif side == "ins":  # the new markup stays; removed markup goes, its text stays
            self.plain(token.html)

    def flush(self) -> None:
        text = "".join(self._text)
        if text.strip() and self._side is not None:
            self.parts.append(f"<{self._side}>{escape(text)}</{self._side}>")
            self.marks += 1
        elif self._side == "ins":
            self.parts.append(str(escape(text)))  # added white space: nothing to see
        self._side, self._text = None, []


# --------------------------------------------------------------------------- blocks


class _Differ:
    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.marks = 0
        self.coarse = False  # some blocks were marked whole to stay within bounds
        self._keys: dict[int, str] = {}
        self._words: dict[int, set[str]] = {}

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _key(self, unit: _Unit) -> str:
        key = self._keys.get(id(unit))
        if key is None:
            key = self._keys[id(unit)] = _unit_html(unit, ids=False)
        return key

    def _similarity(self, one: _Unit, other: _Unit) -> float:
        def words(unit: _Unit) -> set[str]:
            found = self._words.get(id(unit))
            if found is None:
                nodes = unit.nodes if isinstance(unit, _Run) else [unit]
                text = "".join(_text(node) for node in nodes)
                found = self._words[id(unit)] = set(_WORD.findall(text.casefold()))
            return found

        a, b = words(one), words(other)
        if not a and not b:
            return 1.0
        return len(a & b) / max(min(len(a), len(b)), 1)

    def children(self, old: list[_Node], new: list[_Node], *, by_position: bool = False) -> str:
        """The HTML of ``new`` with the changes from ``old`` marked. ``by_position``: the
        cells of a table row, compared column by column when their number stays."""
        old_units, new_units = _units(old), _units(new)
        if by_position and len(old_units) == len(new_units):
            return "".join(self.pair(a, b) for a, b in zip(old_units, new_units, strict=True))
        parts: list[str] = []
        for removed, added in self._align(old_units, new_units):
            if removed is None:
                parts.extend(_unit_html(unit) for unit in added)
            else:
                parts.append(self._change(removed, added))
        return "".join(parts)

    def _align(
        self, old: list[_Unit], new: list[_Unit]
    ) -> list[tuple[list[_Unit] | None, list[_Unit]]]:
        """Stretches of unchanged blocks ``(None, blocks)`` and of changes ``(removed,
        added)``, in order."""
        old_keys, new_keys = [self._key(u) for u in old], [self._key(u) for u in new]
        if old_keys == new_keys:
            return [(None, new)]
        encoded = encode_tokens(old_keys, new_keys)
        if encoded is None:
            return [(old, new)]
        dmp = diff_match_patch()
        dmp.Diff_Timeout = max(self._remaining(), 0.001)  # 0 would mean no limit
        stretches: list[tuple[list[_Unit] | None, list[_Unit]]] = []
        removed: list[_Unit] = []
        added: list[_Unit] = []
        at_old = at_new = 0
        for op, chars in dmp.diff_main(encoded[0], encoded[1], False):
            count = len(chars)
            if op == _EQUAL:
                if removed or added:
                    stretches.append((removed, added))
                    removed, added = [], []
                stretches.append((None, new[at_new : at_new + count]))
                at_old += count
                at_new += count
            elif op == _DELETE:
                removed.extend(old[at_old : at_old + count])
                at_old += count
            else:
                added.extend(new[at_new : at_new + count])
                at_new += count
        if removed or added:
            stretches.append((removed, added))
        return stretches

    def _change(self, removed: list[_Unit], added: list[_Unit]) -> str:
        parts: list[str] = []
        start = 0
        for unit in removed:
            partner = self._partner(unit, added, start)
            if partner is None:
                parts.append(self.whole(unit, "del"))
                continue
            parts.extend(self.whole(other, "ins") for other in added[start:partner])
            parts.append(self.pair(unit, added[partner]))
            start = partner + 1
        parts.extend(self.whole(other, "ins") for other in added[start:])
        return "".join(parts)

    def _partner(self, unit: _Unit, added: list[_Unit], start: int) -> int | None:
        if self._remaining() <= 0:
            self.coarse = True
            return None
        for index in range(start, min(len(added), start + PAIR_WINDOW)):
            other = added[index]
            if _kind(other) != _kind(unit):
                continue
            if isinstance(unit, _Run) or self._similarity(unit, other) >= PAIR_SIMILARITY:
                return index
        return None

    def pair(self, old: _Unit, new: _Unit) -> str:
        """``new`` with its changes from ``old`` (a block of the same kind) marked."""
        if self._key(old) == self._key(new):
            return _unit_html(new)
        if isinstance(old, _Run) and isinstance(new, _Run):
            return self._words_of(old, new)
        assert isinstance(old, _Element) and isinstance(new, _Element)
        if new.tag in _VOID or old.tag != new.tag:
            return self.whole(old, "del") + self.whole(new, "ins")
        inner = self.children(old.children, new.children, by_position=new.tag == "tr")
        return f"{_start_tag(new)}{inner}</{new.tag}>"

    def whole(self, unit: _Unit, side: Side) -> str:
        """``unit`` marked as added (``ins``) or removed (``del``) as a whole."""
        ids = side == "ins"
        if isinstance(unit, _Run):
            self.marks += 1
            return f"<{side}>{_unit_html(unit, ids)}</{side}>"
        if unit.tag in _BOUND:
            mark = _CLASS_OF[side] if unit.tag in _MARKED else None
            inner = "".join(self.whole(child, side) for child in _units(unit.children))
            self.marks += mark is not None
            return f"{_start_tag(unit, ids=ids, mark=mark)}{inner}</{unit.tag}>"
        self.marks += 1
        return f'<{side} class="diff-block">{_unit_html(unit, ids)}</{side}>'

    def _words_of(self, old: _Run, new: _Run) -> str:
        old_tokens = _tokens(old.nodes, False, [])
        new_tokens = _tokens(new.nodes, True, [])
        remaining = self._remaining()
        encoded = None
        if remaining > 0 and max(len(old_tokens), len(new_tokens)) <= MAX_WORD_TOKENS:
            encoded = encode_tokens([t.key for t in old_tokens], [t.key for t in new_tokens])
        if encoded is None:
            self.coarse = True
            return self.whole(old, "del") + self.whole(new, "ins")
        dmp = diff_match_patch()
        dmp.Diff_Timeout = remaining
        diffs = dmp.diff_main(encoded[0], encoded[1], False)
        dmp.diff_cleanupSemantic(diffs)
        marked = _Marked()
        at_old = at_new = 0
        for op, chars in diffs:
            count = len(chars)
            if op == _EQUAL:
                for token in new_tokens[at_new : at_new + count]:
                    marked.plain(token.html)
                at_old += count
                at_new += count
            elif op == _INSERT:
                for token in new_tokens[at_new : at_new + count]:
                    marked.changed("ins", token)
                at_new += count
            else:
                for token in old_tokens[at_old : at_old + count]:
                    marked.changed("del", token)
                at_old += count
        marked.flush()
        self.marks += marked.marks
        return "".join(marked.parts)
