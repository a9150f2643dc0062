"""Grants: what a space lets each group, account, every signed-in account or visitors do
(read, edit or admin; one level per subject, each level including the ones before).

Changes come in two steps: :func:`preview_grant` says who gains and who loses which
access (names and counts), :func:`set_grant` applies the same input, checked again, and
audits it with before and after, in the change's own transaction (an action of
``ACCESS_ACTIONS``: the next request on every worker and host sees it). Only site admins
and the space's admins may change its grants. The callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from wiki.access import audit, impact
from wiki.access.permissions import Action, can_in_space
from wiki.access.reach import group_subject, user_subject
from wiki.access.subjects import Subject, describe, parse_groups, parse_people
from wiki.errors import Forbidden, InvalidInput
from wiki.models import (
    ANONYMOUS,
    SIGNED_IN,
    AccessLevel,
    GroupMember,
    Space,
    SpaceGrant,
    User,
)

WHO = ("group", "user", "signed_in", "anonymous")
LEVEL_LABELS = {
    AccessLevel.READ: "read",
    AccessLevel.EDIT: "read and edit",
    AccessLevel.ADMIN: "administer (read, edit, delete, restore, grant and restrict)",
}


@dataclass(frozen=True)
class Grant:
    """One grant of a space, as its access page lists it."""

    subject: Subject
    level: AccessLevel
    members: int | None  # for a group: how many members it has


def grants_of_space(session: Session, space: Space) -> list[Grant]:
    """The grants of ``space``, highest level first, then by name. Raises nothing but
    database errors."""
    rows = session.execute(
        select(SpaceGrant.subject, SpaceGrant.level, SpaceGrant.group_id).where(
            SpaceGrant.space_id == space.id
        )
    ).all()
    names = describe(session, [subject for subject, _level, _group in rows])
    counts = dict(
        session.execute(
            select(GroupMember.group_id, func.count())
            .where(GroupMember.group_id.in_([g for _s, _l, g in rows if g is not None]))
            .group_by(GroupMember.group_id)
        ).all()
    )
    order = {AccessLevel.ADMIN: 0, AccessLevel.EDIT: 1, AccessLevel.READ: 2}
    grants = [
        Grant(names[subject], AccessLevel(level), counts.get(group_id, 0) if group_id else None)
        for subject, level, group_id in rows
    ]
    return sorted(
        grants, key=lambda g: (order[g.level], g.subject.kind, g.subject.label.casefold())
    )


@dataclass(frozen=True)
class GrantChange:
    """A grant as typed, checked, and what it would do."""

    space: Space
    subject: Subject
    level: AccessLevel | None  # None: the grant is removed
    before: AccessLevel | None
    impact: impact.Impact
    note: str  # something to know before confirming, or ""


def _subject(session: Session, who: str, name: str) -> tuple[str, int | None, int | None]:
    """(subject, group id, user id) of the form's choice. Raises InvalidInput."""
    if who == "group":
        groups = parse_groups(session, name, field="name")
        if len(groups) != 1:
            raise InvalidInput({"name": "Name one group (its key or its name)."})
        return group_subject(groups[0].id), groups[0].id, None
    if who == "user":
        people = parse_people(session, name, field="name")
        if len(people) != 1:
            raise InvalidInput({"name": "Name one account (its username)."})
        return user_subject(people[0].id), None, people[0].id
    if who == "signed_in":
        return SIGNED_IN, None, None
    if who == "anonymous":
        return ANONYMOUS, None, None
    raise InvalidInput({"who": "Choose a group, a person, every signed-in user or visitors."})


def _level(level: str) -> AccessLevel | None:
    if level == "none":
        return None
    try:
        return AccessLevel(level)
    except ValueError:
        raise InvalidInput({"level": "Choose read, edit, admin or no access."}) from None


def _plan(
    session: Session, actor: User, space: Space, who: str, name: str, level: str
) -> tuple[GrantChange, int | None, int | None]:
    if not can_in_space(actor, Action.MANAGE_ACCESS, space.id):
        raise Forbidden("Only admins of this space may change who can use it.")
    subject, group_id, user_id = _subject(session, who, name)
    wanted = _level(level)
    note = ""
    if subject == ANONYMOUS and wanted not in (None, AccessLevel.READ):
        raise InvalidInput({"level": "Visitors who are not signed in can only be given read."})
    if subject == ANONYMOUS and wanted is not None and not _anonymous_read_on():
        note = (
            "Visitors read only while the site lets anyone read (WIKI_ANONYMOUS_READ); it is "
            "off now, so this grant takes effect when it is turned on."
        )
    before = session.scalar(
        select(SpaceGrant.level).where(
            SpaceGrant.space_id == space.id, SpaceGrant.subject == subject
        )
    )
    before = AccessLevel(before) if before is not None else None
    rules = impact.current_rules(session)
    everyone = impact.people(session)
    result = impact.compare(
        everyone,
        impact.space_levels(rules, everyone, space.id),
        impact.space_levels(
            impact.with_grant(rules, space.id, subject, wanted), everyone, space.id
        ),
        impact.SPACE_KINDS,
    )
    change = GrantChange(space, describe(session, [subject])[subject], wanted, before, result, note)
    return change, group_id, user_id


def _anonymous_read_on() -> bool:
    return bool(current_app.config["ANONYMOUS_READ"]) if has_app_context() else False


def preview_grant(
    session: Session, actor: User, space: Space, who: str, name: str, level: str
) -> GrantChange:
    """What giving ``who`` ("group", "user", "signed_in", "anonymous"; ``name`` names the
    group or account) the ``level`` ("read", "edit", "admin", or "none" to remove the
    grant) in ``space`` would do, changing nothing.

    Raises Forbidden unless ``actor`` administers the space, InvalidInput (keyed ``who``,
    ``name`` or ``level``) for an unknown choice, group or account, or a level visitors
    cannot have.
    """
    return _plan(session, actor, space, who, name, level)[0]


def set_grant(
    session: Session, actor: User, space: Space, who: str, name: str, level: str
) -> GrantChange:
    """Apply what :func:`preview_grant` previews (checked again, as things are now) and
    audit it with before and after. Raises what :func:`preview_grant` raises."""
    change, group_id, user_id = _plan(session, actor, space, who, name, level)
    key = change.subject.key
    session.execute(
        delete(SpaceGrant).where(SpaceGrant.space_id == space.id, SpaceGrant.subject == key)
    )
    if change.level is not None:
        session.add(
            SpaceGrant(
                space_id=space.id,
                subject=key,
                level=change.level,
                group_id=group_id,
                user_id=user_id,
            )
        )
    audit.record(
        session,
        actor,
        audit.AuditAction.SPACE_GRANT,
        None,
        {
            "space": space.key,
            "subject": change.subject.label,
            "before": change.before.value if change.before else "none",
            "after": change.level.value if change.level else "none",
            "gained": {s.what: s.gained_count for s in change.impact.shifts},
            "lost": {s.what: s.lost_count for s in change.impact.shifts},
        },
        target=f"space {space.key}",
    )
    session.flush()
    return change
