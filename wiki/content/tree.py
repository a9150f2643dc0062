"""The page tree: every page sits under another page of its space (its parent) or at the
top of the space, and moves with everything under it.

Reading, for one viewer and through :mod:`wiki.access.permissions` only: the breadcrumbs
above a page (its readable ancestors), the pages under it, and the part of the space's tree
shown beside it (the top of the space, the path down to the page with the siblings at each
level, and the page's children). A page the viewer may not read appears nowhere. A page
view pays two statements for all of it (:func:`page_tree`), whatever the depth or size.

Moving: :func:`preview_move` says what moving a page (and its subtree) under another
parent and/or into another space would do, changing nothing: how many pages move, which
titles clash in the target space and who gains or loses reading and editing of the page;
:func:`move_page` applies it in the caller's transaction. Pages that change space get a new
address and keep the old one as an alias (old links and bookmarks redirect); every page
whose address changes, and a page that only changes parent, gets a revision saying where it
went (history is kept); the restriction scopes of the subtree are recomputed; the move is
audited (:data:`~wiki.access.audit.AuditAction.PAGE_MOVE`, an access action: it retires
every kept page view). The caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from wiki.access import audit, impact
from wiki.access.permissions import Action, Viewer, can, can_in_space, visible_pages
from wiki.access.restrictions import refresh_scopes
from wiki.content.catalog import order_columns
from wiki.content.move_links import LinksLeftBehind, links_left_behind
from wiki.content.pages import (
    DELETED_ADDRESS,
    MAX_SUMMARY_CHARS,
    _append_same_text,
    _refuse_taken,
    check_title_is_free,
    find_page,
    lock_tree,
)
from wiki.content.spaces import KEY_PATTERN, canonical_slug, get_space, page_slug
from wiki.errors import Forbidden, InvalidInput
from wiki.models import Page, PageAlias, RestrictionKind, RevisionKind, Space, User
from wiki.textsafety import first_mixed_script_word, lookalike_keys

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


# --- moving ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MovePlan:
    """A move as asked, checked: where the page goes, what moves with it, and what that
    does to who may read and edit it."""

    page: Page
    from_space: Space
    to_space: Space
    from_parent: Page | None
    to_parent: Page | None
    moving: tuple[Page, ...]  # the page, then every page under it
    impact: impact.Impact  # who gains and loses reading and editing of the page
    summary: str  # what the moved page's history says
    links_left: LinksLeftBehind | None = None  # previews of a move to another space

    @property
    def changes_space(self) -> bool:
        return self.from_space.id != self.to_space.id

    @property
    def under(self) -> int:
        """How many pages move along with the page."""
        return len(self.moving) - 1


@dataclass(frozen=True)
class _Placed:
    """A page as it would be after the move (for the access preview)."""

    deleted: bool
    space_id: int
    read_scope_id: int | None
    edit_scope_id: int | None


def _chunks(values: Sequence, size: int = 500) -> Iterable[Sequence]:
    """``values`` a few hundred at a time (for IN lists)."""
    return (values[start : start + size] for start in range(0, len(values), size))


def _subtree(session: Session, root: Page) -> list[Page]:
    """``root`` and every page under it, level by level."""
    found, seen, frontier = [root], {root.id}, [root.id]
    while frontier:
        below: list[Page] = []
        for part in _chunks(frontier):
            below += session.scalars(select(Page).where(Page.parent_id.in_(part)).order_by(Page.id))
        below = [page for page in below if page.id not in seen]  # a loop would be a bug
        seen.update(page.id for page in below)
        found += below
        frontier = [page.id for page in below]
    return found


def _target_space(session: Session, actor: User, page: Page, key: str) -> Space:
    key = " ".join(key.split())[:100]
    space = get_space(session, key) if KEY_PATTERN.match(key.lower()) else None
    if not key:
        space = page.space
    if space is None or not can_in_space(actor, Action.READ, space.id):
        raise InvalidInput({"space": f"No space has the key {key}; choose one from the list."})
    if not can_in_space(actor, Action.CREATE, space.id):
        raise InvalidInput({"space": f"You may not add pages to {space.name}."})
    return space


def _new_slugs(
    session: Session, actor: User, moving: Sequence[Page], space: Space
) -> dict[int, str]:
    """The address each of ``moving`` gets in ``space`` (not yet in it). Raises
    InvalidInput (keyed ``space``) naming every title that clashes there with a page
    ``actor`` may read, as :func:`~wiki.content.pages.check_title_is_free` would; a page
    they may not read never stands in the way (it gives up its address on the move)."""
    slugs: dict[int, str] = {}
    problems: list[str] = []
    taken: dict[str, Page] = {}
    wanted = {page.id: page_slug(space, page.title) for page in moving}
    holders = {
        holder.slug: holder
        for part in _chunks(sorted(set(wanted.values())))
        for holder in session.scalars(select(Page).where(Page.slug.in_(part)))
    }
    keys = {page.id: lookalike_keys(page.title) for page in moving}
    lookalikes: dict[str, list[Page]] = {}
    readable = visible_pages(actor)
    for part in _chunks(sorted({key for found in keys.values() for key in found})):
        for other in session.scalars(
            select(Page)
            .where(Page.space_id == space.id, readable, Page.lookalike_key.in_(part))
            .order_by(Page.id)
        ):
            lookalikes.setdefault(other.lookalike_key, []).append(other)
    for page in moving:
        slug = wanted[page.id]
        holder = holders.get(slug)
        clash = holder if holder is not None and can(actor, Action.READ, holder) else None
        if clash is None:
            clash = next((o for key in keys[page.id] for o in lookalikes.get(key, ())), None)
        if clash is None and slug in taken:
            clash = taken[slug]  # two pages of the subtree whose titles now meet
        if page.deleted:
            # A deleted page never stands in the way of a move: it goes aside if need be.
            if clash is not None or holder is not None or slug in taken:
                slug = DELETED_ADDRESS.format(slug=slug, page_id=page.id)
            slugs[page.id] = slug
            taken[slug] = page
            continue
        if clash is not None:
            try:
                _refuse_taken(page.title, slug, clash)
            except InvalidInput as refused:
                problems.append(refused.errors["title"])
            continue
        mixed = first_mixed_script_word(page.title)
        if mixed is not None:
            word, scripts = mixed
            problems.append(
                f"In {page.title}, the word {word} mixes {' and '.join(scripts)} letters; "
                "rename the page first."
            )
            continue
        slugs[page.id] = slug
        taken[slug] = page
    if problems:
        raise InvalidInput(
            {"space": f"Titles clash in {space.name}; rename first: " + " ".join(problems)}
        )
    return slugs


def _summary(plan_from: Space, plan_to: Space, parent: Page | None, root: bool) -> str:
    if plan_from.id != plan_to.id:
        text = f"Moved from {plan_from.name} to {plan_to.name}"
        if root and parent is not None:
            text += f", under {parent.title}"
    elif parent is not None:
        text = f"Moved under {parent.title}"
    else:
        text = f"Moved to the top of {plan_to.name}"
    return text[:MAX_SUMMARY_CHARS]


def _after_move(session: Session, page: Page, space: Space, parent: Page | None) -> impact.Impact:
    """Who gains and who loses reading and editing of ``page`` by moving it."""
    rules = impact.current_rules(session)
    changed = rules
    outer = {
        RestrictionKind.READ: parent.read_scope_id if parent is not None else None,
        RestrictionKind.EDIT: parent.edit_scope_id if parent is not None else None,
    }
    scopes = dict(outer)
    for kind in RestrictionKind:
        own = rules.restricted[kind].get(page.id)
        if own is not None:  # the page's own restriction moves with it, nested anew
            changed = impact.with_restriction(
                changed, kind, page.id, space.id, own.subjects, outer[kind]
            )
            scopes[kind] = page.id
    placed = _Placed(
        page.deleted, space.id, scopes[RestrictionKind.READ], scopes[RestrictionKind.EDIT]
    )
    everyone = impact.people(session)
    return impact.compare(
        everyone,
        impact.page_access(rules, everyone, page),
        impact.page_access(changed, everyone, placed),
        impact.PAGE_KINDS,
    )


def _plan(
    session: Session, actor: User, page: Page, space_key: str, parent_text: str
) -> tuple[MovePlan, dict[int, str]]:
    if not can(actor, Action.RENAME, page):
        raise Forbidden("You may not move this page.")
    space = _target_space(session, actor, page, space_key)
    parent = find_parent(session, actor, space, parent_text)
    moving = _subtree(session, page)
    if parent is not None and parent.id in {p.id for p in moving}:
        if parent.id == page.id:
            raise InvalidInput({"parent": "A page cannot go under itself."})
        raise InvalidInput(
            {
                "parent": f"{page.title} cannot go under {parent.title}: "
                f"{parent.title} is one of the pages under it."
            }
        )
    if space.id == page.space_id and (parent.id if parent else None) == page.parent_id:
        raise InvalidInput(
            {"parent": "The page is there already: choose another page to put it under."}
        )
    # Every page that moves along must be the actor's to move: pages they may not edit (or
    # not even see) are never carried off to where others, or they, could read them.
    for other in moving[1:]:
        if not (
            can(actor, Action.READ, other) if other.deleted else can(actor, Action.RENAME, other)
        ):
            raise InvalidInput(
                {
                    "page": "Some pages under this one are not yours to move (you may not "
                    "edit them); an admin of the space can move it."
                }
            )
    slugs = (
        _new_slugs(session, actor, moving, space)
        if space.id != page.space_id
        else {p.id: p.slug for p in moving}
    )
    from_parent = session.get(Page, page.parent_id) if page.parent_id is not None else None
    plan = MovePlan(
        page=page,
        from_space=page.space,
        to_space=space,
        from_parent=from_parent,
        to_parent=parent,
        moving=tuple(moving),
        impact=_after_move(session, page, space, parent),
        summary=_summary(page.space, space, parent, root=True),
    )
    return plan, slugs


def preview_move(
    session: Session, actor: User, page: Page, space_key: str, parent_text: str
) -> MovePlan:
    """What moving ``page`` and every page under it into the space ``space_key`` (empty:
    its own), under the page named ``parent_text`` (a title or address in that space;
    empty: at the top) would do. Changes nothing.

    Raises Forbidden unless ``actor`` may rename ``page``; InvalidInput keyed ``space`` (an
    unknown space, one they may not add pages to, titles that clash there: each named),
    ``parent`` (no such readable page, one they may not add pages under, the page itself
    or a page under it, where it is already) or ``page`` (pages under it they may not
    move). A move to another space also names the pages left behind that moving pages
    link to with ``[[Title]]`` (:mod:`wiki.content.move_links`).
    """
    plan, _slugs = _plan(session, actor, page, space_key, parent_text)
    if not plan.changes_space:
        return plan
    left = links_left_behind(session, actor, plan.moving, plan.from_space, plan.to_space)
    return replace(plan, links_left=left)


def move_page(
    session: Session, actor: User, page: Page, space_key: str, parent_text: str
) -> MovePlan:
    """Apply what :func:`preview_move` previews, checked again as things are now (moves
    and new pages under a parent take turns). Raises what :func:`preview_move` raises."""
    lock_tree(session)
    page = session.scalars(
        select(Page)
        .where(Page.id == page.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    plan, slugs = _plan(session, actor, page, space_key, parent_text)
    for part in _chunks(sorted(p.id for p in plan.moving)):
        # Edits of these pages wait for the move (and the move for edits under way).
        session.execute(select(Page.id).where(Page.id.in_(part)).with_for_update())
    if plan.changes_space:
        for moved in plan.moving:
            if not moved.deleted:
                # Frees addresses held by pages the actor may not see; refuses a clash
                # that appeared since the check.
                check_title_is_free(session, actor, moved.title, plan.to_space, moved)
    old_slugs = {moved.id: moved.slug for moved in plan.moving}
    new_slugs = {moved.id: slugs[moved.id] for moved in plan.moving}
    changed = [moved for moved in plan.moving if new_slugs[moved.id] != old_slugs[moved.id]]
    if changed:
        # A new address may have been an old name of some page: it now means this one.
        session.execute(
            delete(PageAlias).where(PageAlias.slug.in_([new_slugs[p.id] for p in changed]))
        )
    for moved in plan.moving:
        moved.space_id = plan.to_space.id
        if new_slugs[moved.id] != old_slugs[moved.id]:
            moved.slug = new_slugs[moved.id]
            session.add(PageAlias(slug=old_slugs[moved.id], page_id=moved.id))
    page.parent_id = plan.to_parent.id if plan.to_parent is not None else None
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise InvalidInput(
            {"space": "Someone gave one of these titles to a new page just now; try again."}
        ) from None
    revisions = {}
    for moved in plan.moving:
        if moved is page or plan.changes_space:
            summary = _summary(plan.from_space, plan.to_space, plan.to_parent, moved is page)
            revisions[moved.id] = _append_same_text(
                session, moved, actor, RevisionKind.RENAME, summary
            ).new_revision.number
    refresh_scopes(session, [page.id])
    audit.record(
        session,
        actor,
        audit.AuditAction.PAGE_MOVE,
        page,
        {
            "from": {
                "space": plan.from_space.key,
                "parent": plan.from_parent.title if plan.from_parent is not None else None,
            },
            "to": {
                "space": plan.to_space.key,
                "parent": plan.to_parent.title if plan.to_parent is not None else None,
            },
            "pages": len(plan.moving),
            "slugs": {old_slugs[p.id]: new_slugs[p.id] for p in changed[:50]},
            "revision": revisions[page.id],
            "gained": {s.what: s.gained_count for s in plan.impact.shifts},
            "lost": {s.what: s.lost_count for s in plan.impact.shifts},
        },
    )
    session.flush()
    return plan
