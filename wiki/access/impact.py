"""Who may do what, for everyone at once: the people who can read or edit a page, the
level each person holds in a space, and who gains or loses access by a change before it
is made.

Every answer is worked out by :mod:`wiki.access.permissions` (``reach_in`` and
``page_actions``), for each active account, under the rules as they are or as a change
would make them (:func:`with_grant`, :func:`with_restriction`): a preview and the check
made after the change cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.access.permissions import Action, PageLike, page_actions, reach_in
from wiki.access.reach import RANK, Reach, Restricted, Rules, load_rules
from wiki.models import AccessLevel, GroupMember, RestrictionKind, Role, User

MAX_NAMES_SHOWN = 200  # a preview lists this many names of each kind, then counts the rest

T = TypeVar("T")


@dataclass(frozen=True)
class Person:
    """An active account, as access sees it."""

    id: int
    username: str
    display_name: str | None
    role: Role
    group_ids: frozenset[int]

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


def people(session: Session) -> list[Person]:
    """Every active account with its groups, by username (two queries). Raises nothing but
    database errors."""
    groups: dict[int, set[int]] = {}
    for user_id, group_id in session.execute(select(GroupMember.user_id, GroupMember.group_id)):
        groups.setdefault(user_id, set()).add(group_id)
    rows = session.execute(
        select(User.id, User.username, User.display_name, User.role)
        .where(User.disabled.is_(False))
        .order_by(User.username_key)
    )
    return [
        Person(user_id, name, shown, Role(role), frozenset(groups.get(user_id, ())))
        for user_id, name, shown, role in rows
    ]


def _anonymous_read() -> bool:
    return bool(current_app.config["ANONYMOUS_READ"]) if has_app_context() else False


def reaches(
    rules: Rules, everyone: Iterable[Person], scopes: Collection[int] | None = None
) -> dict[int, Reach]:
    """Each person's reach under ``rules`` (for pages under ``scopes`` only, when given:
    see :func:`~wiki.access.reach.work_out`). Pure but for the site's anonymous-read
    setting."""
    anonymous_read = _anonymous_read()
    return {
        person.id: reach_in(
            rules,
            person.role,
            person.id,
            person.group_ids,
            anonymous_read=anonymous_read,
            scopes=scopes,
        )
        for person in everyone
    }


def page_access(
    rules: Rules, everyone: list[Person], page: PageLike
) -> dict[int, frozenset[Action]]:
    """What each person may do on ``page`` under ``rules``."""
    scopes = {scope for scope in (page.read_scope_id, page.edit_scope_id) if scope is not None}
    return {
        person_id: page_actions(reach, page)
        for person_id, reach in reaches(rules, everyone, scopes).items()
    }


def space_levels(
    rules: Rules, everyone: list[Person], space_id: int
) -> dict[int, AccessLevel | None]:
    """The level each person holds in ``space_id`` under ``rules`` (None: none; site
    admins hold admin)."""
    levels: dict[int, AccessLevel | None] = {}
    for person_id, reach in reaches(rules, everyone, scopes=()).items():
        levels[person_id] = AccessLevel.ADMIN if reach.everything else reach.levels.get(space_id)
    return levels


# --- rules as a change would make them -------------------------------------------------


def with_grant(rules: Rules, space_id: int, subject: str, level: AccessLevel | None) -> Rules:
    """``rules`` with ``subject``'s grant on ``space_id`` set to ``level`` (None: removed)."""
    grants = {key: tuple(held) for key, held in rules.grants.items()}
    kept = tuple((space, held) for space, held in grants.get(subject, ()) if space != space_id)
    grants[subject] = kept + (((space_id, level),) if level is not None else ())
    return replace(rules, grants=grants)


def with_restriction(
    rules: Rules,
    kind: RestrictionKind,
    page_id: int,
    space_id: int,
    subjects: frozenset[str],
    outer: int | None,
) -> Rules:
    """``rules`` with ``page_id``'s restriction of ``kind`` naming ``subjects`` (empty:
    lifted); ``outer`` is the restricted page above it."""
    of_kind = dict(rules.restricted[kind])
    if subjects:
        of_kind[page_id] = Restricted(page_id, space_id, subjects, outer)
    else:
        of_kind.pop(page_id, None)
    restricted = dict(rules.restricted)
    restricted[kind] = of_kind
    return replace(rules, restricted=restricted)


# --- what a change does ------------------------------------------------------------------


@dataclass(frozen=True)
class Shift:
    """People who gain or lose one kind of access by a change."""

    what: str  # "read", "edit", "admin"
    gained: tuple[str, ...]  # usernames, at most MAX_NAMES_SHOWN
    lost: tuple[str, ...]
    gained_count: int
    lost_count: int

    @property
    def changes_anything(self) -> bool:
        return bool(self.gained_count or self.lost_count)


@dataclass(frozen=True)
class Impact:
    """What a change does: one :class:`Shift` per kind of access, and how many people hold
    each kind before and after."""

    shifts: tuple[Shift, ...]
    before: Mapping[str, int]
    after: Mapping[str, int]

    @property
    def changes_anything(self) -> bool:
        return any(shift.changes_anything for shift in self.shifts)


def compare(
    everyone: list[Person],
    before: Mapping[int, T],
    after: Mapping[int, T],
    kinds: Mapping[str, Callable[[T], bool]],
) -> Impact:
    """Who holds each of ``kinds`` (a test on what a person holds) before and after."""
    names = {person.id: person.username for person in everyone}
    shifts, counts_before, counts_after = [], {}, {}
    for what, holds in kinds.items():
        had = {pid for pid, held in before.items() if holds(held)}
        has = {pid for pid, held in after.items() if holds(held)}
        gained = sorted(names[pid] for pid in has - had)
        lost = sorted(names[pid] for pid in had - has)
        shifts.append(
            Shift(
                what,
                tuple(gained[:MAX_NAMES_SHOWN]),
                tuple(lost[:MAX_NAMES_SHOWN]),
                len(gained),
                len(lost),
            )
        )
        counts_before[what], counts_after[what] = len(had), len(has)
    return Impact(tuple(shifts), counts_before, counts_after)


PAGE_KINDS: dict[str, Callable[[frozenset[Action]], bool]] = {
    "read": lambda actions: Action.READ in actions,
    "edit": lambda actions: Action.EDIT in actions,
}


def _holds(level: AccessLevel) -> Callable[[AccessLevel | None], bool]:
    return lambda held: held is not None and RANK[held] >= RANK[level]


SPACE_KINDS: dict[str, Callable[[AccessLevel | None], bool]] = {
    level.value: _holds(level) for level in AccessLevel
}


def current_rules(session: Session) -> Rules:
    """The rules as the database holds them now (in ``session``'s transaction)."""
    return load_rules(session)
