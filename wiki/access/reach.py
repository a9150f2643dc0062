"""What one viewer may reach: the spaces granted to them (and at which level) and the
restricted subtrees they pass, worked out from the grants and restrictions in the database.

:mod:`wiki.access.permissions` turns a :class:`Reach` into answers (``can`` for one page, a
SQL condition for lists); this module only loads and caches it.

Loading is cheap and safe across workers and hosts because the rules are versioned by the
*access generation* (the newest audit event of every access-changing action, see
:data:`wiki.access.audit.ACCESS_ACTIONS`): every request reads it once (one statement of
index lookups), and the rules and each viewer's reach are kept, in this process, only for
the generation they were read at (per app: each app has its own database). A change to a grant, a restriction, a membership, a role
or the tree is therefore seen by the next request everywhere, and by the rest of the
request that made it (a flushed access event drops what the request kept).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from flask import current_app, g, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, aliased

from wiki.access.audit import ACCESS_ACTIONS
from wiki.db import has_written
from wiki.models import (
    ANONYMOUS,
    SIGNED_IN,
    AccessLevel,
    AuditEvent,
    GroupMember,
    Page,
    PageRestriction,
    RestrictionKind,
    SpaceGrant,
)

LEVELS = (AccessLevel.READ, AccessLevel.EDIT, AccessLevel.ADMIN)  # each includes the ones before
RANK = {level: rank for rank, level in enumerate(LEVELS, start=1)}
_KEPT_REACHES = 4096  # viewers whose reach a process keeps for the current generation

_ACCESS = sorted(ACCESS_ACTIONS)
GENERATION = select(
    *(
        select(func.max(AuditEvent.id)).where(AuditEvent.action == action.value).scalar_subquery()
        for action in _ACCESS
    )
)
"""The access generation, as one row (the same columns, in the same order, as the page
view's own statement reads them: :mod:`wiki.content.view_state`)."""

Generation = tuple[int | None, ...]


def user_subject(user_id: int) -> str:
    return f"user:{user_id}"


def group_subject(group_id: int) -> str:
    return f"group:{group_id}"


@dataclass(frozen=True)
class Restricted:
    """A page that narrows one kind of access for its subtree."""

    page_id: int
    space_id: int
    subjects: frozenset[str]  # group: and user: subjects who keep the access
    outer: int | None  # the restricted page above it for the same kind, if any


@dataclass(frozen=True)
class Rules:
    """Every grant and restriction, at one access generation."""

    grants: Mapping[str, tuple[tuple[int, AccessLevel], ...]]  # subject -> (space, level)...
    restricted: Mapping[RestrictionKind, Mapping[int, Restricted]]  # kind -> page id -> ...


@dataclass(frozen=True)
class Reach:
    """What one viewer reaches. Site admins have ``everything``; otherwise a space not in
    ``levels`` is closed to them, and a page under a restriction is theirs only when its
    scope is in ``scopes`` for that kind (or they are an admin of its space)."""

    everything: bool = False
    levels: Mapping[int, AccessLevel] = field(default_factory=dict)
    read_scopes: frozenset[int] = frozenset()
    edit_scopes: frozenset[int] = frozenset()

    def spaces_at(self, level: AccessLevel) -> frozenset[int]:
        """The spaces granted at ``level`` or above."""
        return frozenset(space for space, held in self.levels.items() if RANK[held] >= RANK[level])


NOTHING = Reach()
EVERYTHING = Reach(everything=True)


def load_rules(session: Session) -> Rules:
    """Every grant and restriction, read in two queries. Database errors propagate."""
    grants: dict[str, list[tuple[int, AccessLevel]]] = {}
    for space_id, subject, level in session.execute(
        select(SpaceGrant.space_id, SpaceGrant.subject, SpaceGrant.level)
    ):
        grants.setdefault(subject, []).append((space_id, AccessLevel(level)))
    parent = aliased(Page)
    rows = session.execute(
        select(
            PageRestriction.page_id,
            PageRestriction.kind,
            PageRestriction.subject,
            Page.space_id,
            parent.read_scope_id,
            parent.edit_scope_id,
        )
        .join(Page, Page.id == PageRestriction.page_id)
        .outerjoin(parent, parent.id == Page.parent_id)
    )
    subjects: dict[tuple[RestrictionKind, int], set[str]] = {}
    places: dict[tuple[RestrictionKind, int], tuple[int, int | None]] = {}
    for page_id, kind, subject, space_id, outer_read, outer_edit in rows:
        kind = RestrictionKind(kind)
        subjects.setdefault((kind, page_id), set()).add(subject)
        places[kind, page_id] = (
            space_id,
            outer_read if kind is RestrictionKind.READ else outer_edit,
        )
    restricted: dict[RestrictionKind, dict[int, Restricted]] = {
        kind: {} for kind in RestrictionKind
    }
    for (kind, page_id), names in subjects.items():
        space_id, outer = places[kind, page_id]
        restricted[kind][page_id] = Restricted(page_id, space_id, frozenset(names), outer)
    return Rules(
        grants={subject: tuple(held) for subject, held in grants.items()}, restricted=restricted
    )


def subjects_of(
    user_id: int | None, group_ids: Iterable[int], *, anonymous_read: bool
) -> frozenset[str]:
    """The grant subjects a viewer answers to: a signed-in account (``user_id``) is itself,
    its groups and every signed-in account; anyone is a visitor while the site lets
    visitors read."""
    names: set[str] = {ANONYMOUS} if anonymous_read else set()
    if user_id is not None:
        names |= {SIGNED_IN, user_subject(user_id), *(group_subject(g) for g in group_ids)}
    return frozenset(names)


def work_out(
    rules: Rules,
    subjects: frozenset[str],
    ceiling: AccessLevel,
    scopes: Collection[int] | None = None,
) -> Reach:
    """The reach of a viewer answering to ``subjects`` whose role allows at most
    ``ceiling``. Pure: the property tests drive it directly.

    ``scopes`` (restricted pages, None: all) limits the restricted subtrees worked out to
    those: a reach for questions about pages under those scopes only (a preview asks about
    one page for 2,000 people, and need not decide 400 restrictions for each)."""
    levels: dict[int, AccessLevel] = {}
    for subject in subjects:
        for space_id, level in rules.grants.get(subject, ()):
            if subject == ANONYMOUS:
                level = AccessLevel.READ  # visitors never write, whatever a grant says
            held = levels.get(space_id)
            if held is None or RANK[level] > RANK[held]:
                levels[space_id] = level
    capped = {space: min(level, ceiling, key=RANK.__getitem__) for space, level in levels.items()}
    return Reach(
        levels=capped,
        read_scopes=_passed(rules.restricted[RestrictionKind.READ], subjects, scopes),
        edit_scopes=_passed(rules.restricted[RestrictionKind.EDIT], subjects, scopes),
    )


def _passed(
    restricted: Mapping[int, Restricted],
    subjects: frozenset[str],
    asked: Collection[int] | None,
) -> frozenset[int]:
    """The restricted pages (of ``asked``; None: all) whose restriction, and every one
    above it, names one of ``subjects``."""
    verdicts: dict[int, bool] = {}

    def passes(page_id: int) -> bool:
        # Walk up to a page already decided (or the top), then decide on the way down.
        chain: list[int] = []
        current: int | None = page_id
        while current is not None and current not in verdicts:
            if current in chain:  # a loop: impossible in a tree, but fail closed
                verdicts.update(dict.fromkeys(chain, False))
                return False
            chain.append(current)
            rule = restricted.get(current)
            current = rule.outer if rule is not None else None
        verdict = True if current is None else verdicts[current]
        for page in reversed(chain):
            rule = restricted.get(page)  # None: a stale scope, which fails closed
            verdict = verdict and rule is not None and bool(rule.subjects & subjects)
            verdicts[page] = verdict
        return verdicts[page_id]

    candidates = restricted if asked is None else [p for p in asked if p in restricted]
    return frozenset(page_id for page_id in candidates if passes(page_id))


# --- caching -------------------------------------------------------------------------------


class _Kept:
    """The rules of the newest generation seen, and viewers' reaches at it. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: Generation | None = None
        self.rules: Rules | None = None
        self.reaches: OrderedDict[tuple, Reach] = OrderedDict()

    def rules_at(self, session: Session, generation: Generation) -> Rules:
        with self.lock:
            if self.generation == generation and self.rules is not None:
                return self.rules
        rules = load_rules(session)
        if has_written(session):
            return rules  # perhaps never committed: not for other requests
        with self.lock:
            self.generation, self.rules = generation, rules
            self.reaches.clear()
        return rules

    def reach(self, key: tuple, generation: Generation) -> Reach | None:
        with self.lock:
            if self.generation != generation:
                return None
            found = self.reaches.get(key)
            if found is not None:
                self.reaches.move_to_end(key)
            return found

    def keep(self, key: tuple, generation: Generation, reach: Reach) -> None:
        with self.lock:
            if self.generation != generation:
                return
            self.reaches[key] = reach
            if len(self.reaches) > _KEPT_REACHES:
                self.reaches.popitem(last=False)


_APP_KEY = "wiki.access_rules"
_REQUEST_KEY = "access_reach"


def _kept_by_app() -> _Kept:
    # One per app (each app has its own database: generations of two databases say
    # nothing of each other). setdefault is atomic, so two first requests agree.
    return current_app.extensions.setdefault(_APP_KEY, _Kept())


def generation_of(session: Session) -> Generation:
    """The access generation now. Database errors propagate."""
    row = session.execute(GENERATION).one()
    return tuple(row)


def note_generation(generation: Generation) -> None:
    """Tell this request the access generation, already read by a statement of its own
    (the page view reads it with the page): saves a query. Needs an app context."""
    g.setdefault(_REQUEST_KEY, {})["generation"] = generation


def reach_for(
    session: Session,
    key: tuple,
    user_id: int | None,
    ceiling: AccessLevel,
    *,
    anonymous_read: bool,
) -> Reach:
    """The reach of the viewer ``key`` (who they are, as far as access goes), kept for the
    rest of the request and, in this process, while the access generation holds.
    ``user_id`` None: not signed in. Needs an app context. Database errors propagate."""
    request_kept = g.setdefault(_REQUEST_KEY, {})
    found = request_kept.get(key)
    if found is not None:
        return found
    generation = request_kept.get("generation")
    if generation is None:
        generation = request_kept["generation"] = generation_of(session)
    kept = _kept_by_app()
    found = kept.reach(key, generation)
    if found is None:
        rules = kept.rules_at(session, generation)
        group_ids: list[int] = []
        if user_id is not None:
            group_ids = list(
                session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user_id))
            )
        found = work_out(
            rules, subjects_of(user_id, group_ids, anonymous_read=anonymous_read), ceiling
        )
        if not has_written(session):
            kept.keep(key, generation, found)
    request_kept[key] = found
    return found


def forget_request_reach() -> None:
    """Drop what this request kept (its access changed). Needs an app context."""
    g.pop(_REQUEST_KEY, None)


def _access_changed(session: Session, _context, _instances) -> None:
    # A flushed access event means this request's reach may be out of date; the
    # process-wide cache is keyed by the generation, which the commit moves.
    if any(isinstance(obj, AuditEvent) and obj.action in ACCESS_ACTIONS for obj in session.new):
        _forget_if_app()


def _forget_if_app(*_args) -> None:
    if has_app_context():
        forget_request_reach()


event.listen(Session, "before_flush", _access_changed)
event.listen(Session, "after_soft_rollback", _forget_if_app)
