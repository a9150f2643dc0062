"""The page tree: every page sits under another page of its space (its parent) or at the
top of the space.

Reading, for one viewer and through :mod:`wiki.access.permissions` only: the breadcrumbs
above a page (its readable ancestors), the pages under it, and the part of the space's tree
shown beside it (the top of the space, the path down to the page with the siblings at each
level, and the page's children). A page the viewer may not read appears nowhere. A page
view pays two statements for all of it (:func:`page_tree`), whatever the depth or size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Integer, Select, bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import Session, aliased

from wiki.access.permissions import Action, Viewer, can, visible_pages
from wiki.content.catalog import order_columns
from wiki.content.pages import find_page
from wiki.content.spaces import canonical_slug, page_slug
from wiki.errors import InvalidInput
from wiki.models import Page, Space

MAX_PER_LEVEL = 200
"""The most pages the list of the pages under a page shows; more are a link to the space's
page."""
TREE_PER_LEVEL = 50
"""The most pages of each level that the tree beside a page shows (besides the path down to
the page); more are a link to the space's page. Kept small: the tree is a way around, and
every page view draws it."""
MAX_DEPTH = 100
"""The most ancestors followed up from a page (trees are never that deep; a bound all
the same)."""
MAX_PARENT_CHARS = 300  # a parent is named by a title (at most 255) or an address
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # never in a title


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A page as the tree shows it (a :class:`~wiki.access.permissions.PageLike`)."""

    id: int
    slug: str
    title: str
    deleted: bool
    parent_id: int | None
    space_id: int
    read_scope_id: int | None
    edit_scope_id: int | None
    sort_key: str


@dataclass(frozen=True)
class Branch:
    """A page in the tree; ``children`` is set for the pages on the path down to the shown
    page and for the shown page itself (``current``)."""

    node: Node
    children: Level | None = None
    current: bool = False


@dataclass(frozen=True)
class Level:
    """The readable pages under one parent (or at the top), alphabetically; ``more``: there
    are more than shown."""

    branches: tuple[Branch, ...] = ()
    more: bool = False

    @property
    def nodes(self) -> list[Node]:
        return [branch.node for branch in self.branches]


@dataclass(frozen=True)
class PageTree:
    """What the page view shows of the tree around one page, for one viewer."""

    space_key: str
    space_name: str
    ancestors: tuple[Node, ...]  # the readable ones, from the top down
    children: Level  # the pages under the page
    top: Level = field(default_factory=Level)  # the space's tree, down to the page


_COLUMNS = (
    Page.id,
    Page.slug,
    Page.title,
    Page.deleted,
    Page.parent_id,
    Page.space_id,
    Page.read_scope_id,
    Page.edit_scope_id,
    Page.sort_key,
)


def _path_statement() -> Select:
    """The page ``page_id`` and its ancestors (at most MAX_DEPTH), nearest first, with the
    page's space: one recursive statement of primary-key lookups."""
    depth = literal_column("0", Integer).label("depth")
    start: Select = select(Page.id.label("id"), Page.parent_id.label("parent_id"), depth).where(
        Page.id == bindparam("page_id")
    )
    path = start.cte("path", recursive=True)
    above = aliased(Page)
    path = path.union_all(
        select(above.id, above.parent_id, path.c.depth + 1).where(
            above.id == path.c.parent_id, path.c.depth < MAX_DEPTH
        )
    )
    return (
        select(*_COLUMNS, Space.key, Space.name)
        .join(path, path.c.id == Page.id)
        .join(Space, Space.id == Page.space_id)
        .order_by(path.c.depth)
    )


_PATH = _path_statement()
# Plain table columns (not the ORM's): the levels' statement is built for every page view.
_PAGES = Page.__table__
_LEVEL_COLUMNS = tuple(_PAGES.c[column.key] for column in _COLUMNS)


def _node(row: Sequence) -> Node:
    return Node(*row[: len(_COLUMNS)])


def ancestry(session: Session, page_id: int) -> tuple[list[Node], Space | None]:
    """The page ``page_id`` and the pages above it, from the top down, whoever may read
    them, and the key and name of its space as a detached :class:`Space`; ([], None) for no
    such page. Raises nothing but database errors."""
    rows = session.connection().execute(_PATH, {"page_id": page_id}).all()
    if not rows:
        return [], None
    space_id = rows[0].space_id
    path = []
    for row in rows:
        if row.space_id != space_id:  # a parent is always in its page's space; fail closed
            break
        path.append(_node(row))
    key, name = rows[0][len(_COLUMNS)], rows[0][len(_COLUMNS) + 1]
    return path[::-1], Space(id=space_id, key=key, name=name)


def _levels(
    session: Session, viewer: Viewer, space_id: int, limits: dict[int | None, int]
) -> dict[int | None, list[Node]]:
    """The readable pages under each parent of ``limits`` (None: at the top of ``space_id``),
    the first ``limit + 1`` of each alphabetically (the extra one tells that there are
    more), in one statement."""
    readable = visible_pages(viewer)
    order = order_columns(session)
    # The pages under a parent are few and its index finds them, but SQLite would rather
    # walk the whole space in order (the viewer's condition names the space): an order by
    # an expression, not the column, takes that choice away.
    by_parent = order
    if session.get_bind().dialect.name == "sqlite":
        by_parent = (literal_column("+pages.sort_key"), _PAGES.c.slug)
    parts = []
    for parent, limit in limits.items():
        if parent is None:  # the space's alphabetical index, read as far as needed
            level = select(*_LEVEL_COLUMNS).where(_PAGES.c.space_id == space_id)
            level = level.where(_PAGES.c.parent_id.is_(None)).order_by(*order)
        else:  # a child is always in its parent's space
            level = select(*_LEVEL_COLUMNS).where(_PAGES.c.parent_id == parent)
            level = level.order_by(*by_parent)
        parts.append(level.where(readable).limit(limit + 1))
    statement = (
        union_all(*(select(part.subquery()) for part in parts)) if len(parts) > 1 else parts[0]
    )
    levels: dict[int | None, list[Node]] = {parent: [] for parent in limits}
    for row in session.connection().execute(statement):
        node = _node(row)
        levels.setdefault(node.parent_id, []).append(node)
    return levels


def _sorted(nodes: Iterable[Node]) -> list[Node]:
    return sorted(nodes, key=lambda node: (node.sort_key, node.slug))


def page_tree(
    session: Session,
    viewer: Viewer,
    page_id: int,
    limit: int | None = None,
    tree_limit: int | None = None,
) -> PageTree | None:
    """The breadcrumbs, the pages under the page ``page_id`` (at most ``limit``, default
    :data:`MAX_PER_LEVEL`) and the tree beside it (at most ``tree_limit`` of each level,
    default :data:`TREE_PER_LEVEL`, the path down to the page always shown), as ``viewer``
    may see them; None for no such page. Two statements, whatever the depth and the size of
    the space. Raises nothing but database errors."""
    limit = MAX_PER_LEVEL if limit is None else limit
    tree_limit = TREE_PER_LEVEL if tree_limit is None else tree_limit
    path, space = ancestry(session, page_id)
    if space is None:
        return None
    page = path[-1]
    readable = {node.id: can(viewer, Action.READ, node) for node in path}
    limits: dict[int | None, int] = {None: tree_limit}
    limits.update((node.id, tree_limit) for node in path[:-1])
    limits[page.id] = max(limit, tree_limit)
    levels = _levels(session, viewer, space.id, limits)

    def level(parent: int | None, below: int) -> Level:
        """The level under ``parent`` (None: the top), whose page on the path, if any, is
        ``path[below]``. A path page the viewer may not read is left out and the pages under
        it shown in its place (normally there are none: restrictions are inherited)."""
        found = levels.get(parent, [])
        nodes, more = found[:tree_limit], len(found) > tree_limit
        while below < len(path) and not readable[path[below].id]:
            found = levels.get(path[below].id, [])
            nodes, more = nodes + found[:tree_limit], more or len(found) > tree_limit
            below += 1
        on_path = path[below] if below < len(path) else None
        if on_path is not None and all(node.id != on_path.id for node in nodes):
            nodes.append(on_path)  # past the first ones of its level: shown all the same
        branches = []
        for node in _sorted(nodes):
            if on_path is not None and node.id == on_path.id:
                current = below == len(path) - 1
                branches.append(Branch(node, level(node.id, below + 1), current))
            else:
                branches.append(Branch(node))
        return Level(tuple(branches), more)

    children = levels.get(page.id, [])
    return PageTree(
        space_key=space.key,
        space_name=space.name,
        ancestors=tuple(node for node in path[:-1] if readable[node.id]),
        children=Level(
            tuple(Branch(node) for node in _sorted(children[:limit])), len(children) > limit
        ),
        top=level(None, 0) if readable[page.id] else Level(),
    )


def find_parent(session: Session, viewer: Viewer, space: Space, text: str) -> Page | None:
    """The page of ``space`` named by ``text`` (its title, or its address), to put a page
    under; None for empty text (the top of the space).

    Raises InvalidInput (keyed ``parent``) when no page of the space that ``viewer`` may
    read is named so (a page they may not read is not told apart from a missing one), when
    it is deleted, or when ``viewer`` may not add pages under it.
    """
    text = " ".join(text.split())
    if not text:
        return None
    found = None
    if len(text) <= MAX_PARENT_CHARS and not _NOT_TEXT.search(text):
        for slug in dict.fromkeys(s for s in (page_slug(space, text), canonical_slug(text)) if s):
            page, _old = find_page(session, slug)
            if page is not None and page.space_id == space.id and can(viewer, Action.READ, page):
                found = page
                break
        if found is None:  # a title whose address was made by older rules
            found = session.scalar(
                select(Page)
                .where(
                    Page.space_id == space.id,
                    func.lower(Page.title) == text.lower(),
                    visible_pages(viewer),
                )
                .order_by(Page.id)
                .limit(1)
            )
    if found is None:
        raise InvalidInput({"parent": f"There is no page called {text} in {space.name}."})
    if found.deleted:
        raise InvalidInput(
            {"parent": f"{found.title} is deleted: choose another page to put it under."}
        )
    if not can(viewer, Action.CREATE, found):
        raise InvalidInput({"parent": f"You may not add pages under {found.title}."})
    return found
