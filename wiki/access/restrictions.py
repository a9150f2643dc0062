"""Page restrictions: a page narrows reading or editing of itself and its subtree to some
groups and people. A restriction never widens: whoever it names keeps only what the
space's grants give them, and restrictions nest (below two restricted pages, a person must
pass both). A space's admins and site admins pass every restriction.

Pages carry the nearest restricted page above them (or themselves) for each kind, in
``read_scope_id`` / ``edit_scope_id``, so that "which pages may this person read" stays
one condition on the page row; :func:`refresh_scopes` keeps them right whenever a
restriction, a parent or a space changes (here and in moves).

Changes come in two steps, like every access change: :func:`preview_restriction` says who
gains and who loses access, :func:`set_restriction` applies it, audited with before and
after in the change's own transaction (an action of ``ACCESS_ACTIONS``: the next request
everywhere sees it). The callers commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from wiki.access import audit, impact
from wiki.access.permissions import Action, can
from wiki.access.subjects import Subject, describe, parse_groups, parse_people, subjects_for
from wiki.errors import Forbidden, InvalidInput
from wiki.models import Page, PageRestriction, RestrictionKind, User

KINDS = tuple(RestrictionKind)


@dataclass(frozen=True)
class Restriction:
    """The restriction of one kind set on one page."""

    page_id: int
    page_title: str
    page_slug: str
    kind: RestrictionKind
    subjects: tuple[Subject, ...]


@dataclass(frozen=True)
class PageRestrictions:
    """Everything that narrows access to one page: set on it, and set above it."""

    own: dict[RestrictionKind, Restriction]
    above: list[Restriction]  # from the top of the tree down


def refresh_scopes(session: Session, roots: Iterable[int]) -> int:
    """Recompute ``read_scope_id`` and ``edit_scope_id`` of the pages ``roots`` and every
    page below them, from their parents and the restrictions; returns how many pages were
    looked at. Flushes first; raises nothing but database errors."""
    session.flush()
    restricted = {
        (page_id, RestrictionKind(kind))
        for page_id, kind in session.execute(select(PageRestriction.page_id, PageRestriction.kind))
    }
    frontier = list(dict.fromkeys(roots))
    if not frontier:
        return 0
    parents = {
        page_id: (read, edit)
        for page_id, read, edit in session.execute(
            select(Page.id, Page.read_scope_id, Page.edit_scope_id).where(
                Page.id.in_(
                    select(Page.parent_id).where(Page.id.in_(frontier), Page.parent_id.is_not(None))
                )
            )
        )
    }
    parent_of = dict(
        session.execute(select(Page.id, Page.parent_id).where(Page.id.in_(frontier))).all()
    )
    scopes: dict[int, tuple[int | None, int | None]] = {}
    for page_id in frontier:
        parent = parent_of.get(page_id)
        outer = parents.get(parent, (None, None)) if parent is not None else (None, None)
        scopes[page_id] = _own_scopes(page_id, outer, restricted)
    seen = set(frontier)
    updates = []
    while frontier:
        updates += [
            {
                "id": page_id,
                "read_scope_id": scopes[page_id][0],
                "edit_scope_id": scopes[page_id][1],
            }
            for page_id in frontier
        ]
        children = [
            (child, above)
            for child, above in session.execute(
                select(Page.id, Page.parent_id).where(Page.parent_id.in_(frontier))
            )
            if above is not None
        ]
        frontier = []
        for child, above in children:
            if child in seen:  # a loop would be a bug elsewhere; never walk it twice
                continue
            seen.add(child)
            scopes[child] = _own_scopes(child, scopes[above], restricted)
            frontier.append(child)
    for start in range(0, len(updates), 1000):
        session.execute(update(Page), updates[start : start + 1000])
    session.expire_all()  # the rows changed under the session's objects
    return len(seen)


def _own_scopes(
    page_id: int, outer: tuple[int | None, int | None], restricted: set[tuple[int, RestrictionKind]]
) -> tuple[int | None, int | None]:
    read = page_id if (page_id, RestrictionKind.READ) in restricted else outer[0]
    edit = page_id if (page_id, RestrictionKind.EDIT) in restricted else outer[1]
    return read, edit


def restrictions_of(session: Session, page: Page) -> PageRestrictions:
    """The restrictions on ``page`` and on the pages above it. Raises nothing but database
    errors."""
    chain: list[Page] = []
    current: Page | None = page
    while current is not None and current not in chain:
        chain.append(current)
        current = session.get(Page, current.parent_id) if current.parent_id is not None else None
    rows = session.execute(
        select(PageRestriction.page_id, PageRestriction.kind, PageRestriction.subject).where(
            PageRestriction.page_id.in_([p.id for p in chain])
        )
    ).all()
    names = describe(session, {subject for _page, _kind, subject in rows})
    grouped: dict[tuple[int, RestrictionKind], list[Subject]] = {}
    for page_id, kind, subject in rows:
        grouped.setdefault((page_id, RestrictionKind(kind)), []).append(names[subject])
    by_id = {p.id: p for p in chain}
    found = {
        key: Restriction(
            key[0],
            by_id[key[0]].title,
            by_id[key[0]].slug,
            key[1],
            tuple(sorted(subjects, key=lambda s: (s.kind, s.label.casefold()))),
        )
        for key, subjects in grouped.items()
    }
    own = {kind: found[page.id, kind] for kind in KINDS if (page.id, kind) in found}
    above = [
        found[p.id, kind] for p in reversed(chain[1:]) for kind in KINDS if (p.id, kind) in found
    ]
    return PageRestrictions(own=own, above=above)


@dataclass(frozen=True)
class RestrictionChange:
    """A restriction as typed, checked: who it would name, and what it would do."""

    page: Page
    kind: RestrictionKind
    subjects: tuple[str, ...]  # empty: the restriction is lifted
    before: tuple[str, ...]
    impact: impact.Impact
    subtree_pages: int  # pages that inherit it (the page included)


def _plan(
    session: Session, actor: User, page: Page, kind: str, groups: str, people: str
) -> RestrictionChange:
    if not can(actor, Action.MANAGE_ACCESS, page):
        raise Forbidden("Only admins of this space may restrict its pages.")
    try:
        kind = RestrictionKind(kind)
    except ValueError:
        raise InvalidInput({"kind": "Choose reading or editing."}) from None
    chosen = subjects_for(parse_groups(session, groups), parse_people(session, people))
    before = tuple(
        session.scalars(
            select(PageRestriction.subject).where(
                PageRestriction.page_id == page.id, PageRestriction.kind == kind
            )
        )
    )
    rules = impact.current_rules(session)
    parent = session.get(Page, page.parent_id) if page.parent_id is not None else None
    outer_read = parent.read_scope_id if parent is not None else None
    outer_edit = parent.edit_scope_id if parent is not None else None
    outer = outer_read if kind is RestrictionKind.READ else outer_edit
    changed = impact.with_restriction(rules, kind, page.id, page.space_id, frozenset(chosen), outer)
    after_page = _ScopedPage(
        page.deleted,
        page.space_id,
        (page.id if chosen else outer_read) if kind is RestrictionKind.READ else page.read_scope_id,
        (page.id if chosen else outer_edit) if kind is RestrictionKind.EDIT else page.edit_scope_id,
    )
    everyone = impact.people(session)
    result = impact.compare(
        everyone,
        impact.page_access(rules, everyone, page),
        impact.page_access(changed, everyone, after_page),
        impact.PAGE_KINDS,
    )
    return RestrictionChange(
        page=page,
        kind=kind,
        subjects=tuple(chosen),
        before=before,
        impact=result,
        subtree_pages=_subtree_size(session, page.id),
    )


@dataclass(frozen=True)
class _ScopedPage:
    deleted: bool
    space_id: int
    read_scope_id: int | None
    edit_scope_id: int | None


def _subtree_size(session: Session, page_id: int) -> int:
    count, frontier = 1, [page_id]
    while frontier:
        frontier = list(session.scalars(select(Page.id).where(Page.parent_id.in_(frontier))))
        count += len(frontier)
    return count


def preview_restriction(
    session: Session, actor: User, page: Page, kind: str, groups: str, people: str
) -> RestrictionChange:
    """What narrowing ``kind`` ("read" or "edit") of ``page`` and its subtree to the groups
    (keys or names) and people (usernames) typed would do, changing nothing; naming none
    lifts the restriction.

    Raises Forbidden unless ``actor`` administers the page's space, InvalidInput (keyed
    ``kind``, ``groups`` or ``people``) for an unknown kind, group or account.
    """
    return _plan(session, actor, page, kind, groups, people)


def set_restriction(
    session: Session, actor: User, page: Page, kind: str, groups: str, people: str
) -> RestrictionChange:
    """Apply what :func:`preview_restriction` previews (checked again, as things are now),
    recompute the subtree's scopes and audit the change with before and after. Raises
    what :func:`preview_restriction` raises."""
    plan = _plan(session, actor, page, kind, groups, people)
    session.execute(
        delete(PageRestriction).where(
            PageRestriction.page_id == page.id, PageRestriction.kind == plan.kind
        )
    )
    for subject in plan.subjects:
        kind_of, _, number = subject.partition(":")
        session.add(
            PageRestriction(
                page_id=page.id,
                kind=plan.kind,
                subject=subject,
                group_id=int(number) if kind_of == "group" else None,
                user_id=int(number) if kind_of == "user" else None,
            )
        )
    refresh_scopes(session, [page.id])
    names = describe(session, set(plan.before) | set(plan.subjects))
    audit.record(
        session,
        actor,
        audit.AuditAction.PAGE_RESTRICT,
        page,
        {
            "kind": plan.kind.value,
            "before": [names[s].label for s in plan.before],
            "after": [names[s].label for s in plan.subjects],
            "gained": {s.what: s.gained_count for s in plan.impact.shifts},
            "lost": {s.what: s.lost_count for s in plan.impact.shifts},
        },
    )
    session.flush()
    return plan
