"""Groups of accounts: admins make, rename and delete them; a group's managers (and admins)
add and remove its members and name its managers.

Membership will decide who reads what (grants to groups), so every change to it is
recorded in the audit log with an action of :data:`wiki.access.audit.ACCESS_ACTIONS`, in
the change's own transaction: cached page views are then refused on every worker and host
from the next request on. Changes to members come in two steps: :func:`preview_members`
says who would gain or lose the group, and :func:`change_members` applies the same input
(checked again, as things are then).

Who may do what is decided by :mod:`wiki.access.permissions`; these services ask it and
raise :class:`~wiki.errors.Forbidden` when the answer is no, so no caller can skip the
check. The callers commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wiki.access import audit
from wiki.access.audit import AuditAction
from wiki.access.permissions import (
    Action,
    Viewer,
    can,
    can_in_space,
    can_leave_group_without_managers,
    can_manage_group,
)
from wiki.errors import Forbidden, InvalidInput, NotFound
from wiki.models import (
    AccessLevel,
    Group,
    GroupMember,
    MailMessage,
    MailStatus,
    Notification,
    PageRestriction,
    PageReview,
    Space,
    SpaceGrant,
    SpaceSubscription,
    SubscriptionOptOut,
    User,
    utcnow,
)

KEY_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MAX_NAME_CHARS = 100
MAX_DESCRIPTION_CHARS = 2000
MAX_NAMES_PER_CHANGE = 500
# Usernames hold no commas or spaces, so any run of them separates two names.
_NAME_SEPARATORS = re.compile(r"[,;\s]+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

Change = Literal["add", "remove"]
CHANGES: tuple[Change, ...] = ("add", "remove")


@dataclass(frozen=True)
class GroupSummary:
    """A group as the list of groups shows it."""

    key: str
    name: str
    description: str
    members: int


@dataclass(frozen=True)
class Member:
    """One member of a group, as the group's page shows it."""

    username: str
    is_manager: bool
    disabled: bool
    added_at: datetime


@dataclass(frozen=True)
class MembershipChange:
    """What adding or removing the typed names does to a group.

    ``changed`` gain the group (``add``) or lose it (``remove``); ``unchanged`` are named
    but already are (``add``) or are not (``remove``) members. ``before`` and ``after``
    count the members.
    """

    change: Change
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    before: int
    after: int

    @property
    def changes_anything(self) -> bool:
        return bool(self.changed)


# --- reading ----------------------------------------------------------------------------


def group_ids_of(session: Session, user_id: int) -> frozenset[int]:
    """The ids of the groups ``user_id`` is a member of: one query, answered from the
    (user, group) index. Raises nothing but database errors."""
    statement = select(GroupMember.group_id).where(GroupMember.user_id == user_id)
    return frozenset(session.scalars(statement))


def groups_of(session: Session, user_id: int) -> list[Group]:
    """The groups ``user_id`` is a member of, by name. Raises nothing but database errors."""
    statement = (
        select(Group)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user_id)
        .order_by(func.lower(Group.name), Group.key)
    )
    return list(session.scalars(statement))


def list_groups(session: Session) -> list[GroupSummary]:
    """Every group with its number of members, by name. Raises nothing but database
    errors."""
    counts = (
        select(GroupMember.group_id, func.count().label("members"))
        .group_by(GroupMember.group_id)
        .subquery()
    )
    rows = session.execute(
        select(Group.key, Group.name, Group.description, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.group_id == Group.id)
        .order_by(func.lower(Group.name), Group.key)
    )
    return [GroupSummary(*row) for row in rows]


def get_group(session: Session, key: str) -> Group:
    """The group whose key is ``key`` (any case). Raises NotFound."""
    group = session.scalar(select(Group).where(Group.key == key.casefold()))
    if group is None:
        raise NotFound(f"There is no group called {key}.")
    return group


def members(session: Session, group: Group) -> list[Member]:
    """The members of ``group``, managers first, then by name. Raises nothing but database
    errors."""
    rows = session.execute(
        select(User.username, GroupMember.is_manager, User.disabled, GroupMember.added_at)
        .join(GroupMember, GroupMember.user_id == User.id)
        .where(GroupMember.group_id == group.id)
        .order_by(GroupMember.is_manager.desc(), User.username_key)
    )
    return [Member(*row) for row in rows]


def membership(session: Session, group: Group, user_id: int | None) -> GroupMember | None:
    """``user_id``'s membership of ``group``, or None (also for None: nobody signed in)."""
    if user_id is None:
        return None
    return session.get(GroupMember, (group.id, user_id))


def may_manage(session: Session, user: Viewer, group: Group) -> bool:
    """Whether ``user`` (signed in or not) may manage the members of ``group``; asks
    :func:`wiki.access.permissions.can_manage_group`. Raises nothing but database errors."""
    user_id = getattr(user, "id", None) if user.is_authenticated else None
    return can_manage_group(user, membership(session, group, user_id))


def grants_of_group(session: Session, group: Group) -> list[tuple[Space, AccessLevel]]:
    """What ``group`` can access, for its page ("What this group can access"): the spaces
    granting it something, by name, with the level. Raises nothing but database errors."""
    rows = session.execute(
        select(Space, SpaceGrant.level)
        .join(SpaceGrant, SpaceGrant.space_id == Space.id)
        .where(SpaceGrant.group_id == group.id)
        .order_by(func.lower(Space.name))
    ).all()
    return [(space, AccessLevel(level)) for space, level in rows]


@dataclass(frozen=True)
class GroupPage:
    """Everything a group's page shows to one viewer."""

    group: Group
    members: list[Member]
    may_manage: bool  # the viewer may add and remove members and name managers
    grants: list[tuple[Space, AccessLevel]]  # see grants_of_group

    @property
    def managers(self) -> int:
        return sum(member.is_manager for member in self.members)


def group_page(session: Session, viewer: Viewer, key: str) -> GroupPage:
    """The group whose key is ``key``, its members and what it can access, as ``viewer``
    sees it. Raises NotFound."""
    group = get_group(session, key)
    return GroupPage(
        group=group,
        members=members(session, group),
        may_manage=may_manage(session, viewer, group),
        grants=[
            (space, level)
            for space, level in grants_of_group(session, group)
            if can_in_space(viewer, Action.READ, space.id)  # a hidden space stays hidden
        ],
    )


# --- groups -----------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not can(actor, Action.MANAGE_GROUPS):
        raise Forbidden("Only admins may create, rename or delete groups.")


def _require_manager(session: Session, actor: User, group: Group) -> None:
    if not may_manage(session, actor, group):
        raise Forbidden(f"Only the managers of {group.name} and admins may change its members.")


def _clean(text: str) -> str:
    return _CONTROL.sub("", text).strip()


def _check_name(name: str) -> str:
    name = " ".join(_clean(name).split())
    if not name:
        raise InvalidInput({"name": "Give the group a name."})
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(
            {"name": f"Use a name of at most {MAX_NAME_CHARS} characters (this has {len(name)})."}
        )
    return name


def _check_description(description: str) -> str:
    description = _clean(description.replace("\r\n", "\n"))
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput(
            {
                "description": f"Use a description of at most {MAX_DESCRIPTION_CHARS} "
                f"characters (this has {len(description)})."
            }
        )
    return description


def _check_key(key: str) -> str:
    typed = key.strip()
    key = typed.casefold()
    if not typed:
        raise InvalidInput({"key": "Give the group an address, such as “finance-team”."})
    if not KEY_PATTERN.match(key):
        raise InvalidInput(
            {
                "key": f"“{typed[:80]}” cannot be a group's address: use letters a–z, digits "
                "and hyphens (not at either end), at most 64 characters."
            }
        )
    return key


def _collect(*checks) -> list:
    """Run each ``(check, value)``; raise one InvalidInput holding every field's error."""
    errors: dict[str, str] = {}
    results = []
    for check, value in checks:
        try:
            results.append(check(value))
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    return results


def create_group(
    session: Session, actor: User, key: str, name: str, description: str = ""
) -> Group:
    """Create a group without members; recorded in the audit log as done by ``actor``.

    Raises Forbidden unless ``actor`` is an admin, and InvalidInput (keyed ``key``,
    ``name``, ``description``) for a bad or taken address, a missing or long name, or a
    long description.
    """
    _require_admin(actor)
    key, name, description = _collect(
        (_check_key, key), (_check_name, name), (_check_description, description)
    )
    taken = InvalidInput({"key": f"A group already has the address “{key}”."})
    if session.scalar(select(Group.id).where(Group.key == key)) is not None:
        raise taken
    group = Group(key=key, name=name, description=description, created_at=utcnow())
    try:
        with session.begin_nested():  # another admin may take the key at the same moment
            session.add(group)
            session.flush()
    except IntegrityError:
        raise taken from None
    audit.record(
        session, actor, AuditAction.GROUP_CREATE, group, {"name": name, "description": description}
    )
    return group


def rename_group(session: Session, actor: User, group: Group, name: str) -> bool:
    """Give ``group`` a new name (its address stays); whether anything changed. Audited.

    Raises Forbidden unless ``actor`` is an admin, InvalidInput for a missing or long name.
    """
    _require_admin(actor)
    name = _check_name(name)
    if name == group.name:
        return False
    details = {"from": group.name, "to": name}
    group.name = name
    audit.record(session, actor, AuditAction.GROUP_RENAME, group, details)
    return True


def describe_group(session: Session, actor: User, group: Group, description: str) -> bool:
    """Give ``group`` a new description; whether anything changed. Audited.

    Raises Forbidden unless ``actor`` is an admin, InvalidInput for a long description.
    """
    _require_admin(actor)
    description = _check_description(description)
    if description == group.description:
        return False
    details = {"from": group.description, "to": description}
    group.description = description
    audit.record(session, actor, AuditAction.GROUP_DESCRIBE, group, details)
    return True


def update_group(session: Session, actor: User, group: Group, name: str, description: str) -> bool:
    """Rename and describe ``group`` at once (see :func:`rename_group` and
    :func:`describe_group`); whether anything changed.

    Raises Forbidden unless ``actor`` is an admin, and InvalidInput (keyed ``name``,
    ``description``) for every bad field, changing nothing then.
    """
    _require_admin(actor)
    _collect((_check_name, name), (_check_description, description))
    renamed = rename_group(session, actor, group, name)
    described = describe_group(session, actor, group, description)
    return renamed or described


def delete_group(session: Session, actor: User, group: Group) -> list[str]:
    """Delete ``group`` and its memberships, grants and subscriptions to spaces; the names
    of the members who lost it.

    Recorded in the audit log (with those names). Raises Forbidden unless ``actor`` is an
    admin.
    """
    _require_admin(actor)
    _take_turn(session, group)
    lost = [member.username for member in members(session, group)]
    audit.record(session, actor, AuditAction.GROUP_DELETE, group, {"members": lost})
    session.execute(delete(GroupMember).where(GroupMember.group_id == group.id))
    # Its grants go (that only narrows access); the restrictions naming it stay, naming a
    # deleted group that nobody passes: lifting them would widen access.
    session.execute(delete(SpaceGrant).where(SpaceGrant.group_id == group.id))
    # The pages it owned have no owner now: the review dashboards list them.
    session.execute(
        update(PageReview).where(PageReview.owner_group_id == group.id).values(owner_group_id=None)
    )
    session.execute(
        update(PageRestriction)
        .where(PageRestriction.group_id == group.id)
        .values(group_id=None, subject=f"deleted-group:{group.id}")
    )
    end_subscriptions(session, SpaceSubscription.group_id == group.id)
    session.delete(group)
    session.flush()
    return lost


def end_subscriptions(session: Session, which: ColumnElement[bool]) -> None:
    """End the subscriptions of groups to spaces that ``which`` selects: their members'
    opt-outs go, their mail not sent yet is not sent, and what they told and no mail told
    yet stays in the wiki only (members never chose to get it by mail); notifications and
    messages keep their record, losing only the link. Raises nothing but database
    errors."""
    ended = select(SpaceSubscription.id).where(which).scalar_subquery()
    session.execute(delete(SubscriptionOptOut).where(SubscriptionOptOut.subscription_id.in_(ended)))
    session.execute(
        update(MailMessage)
        .where(
            MailMessage.subscription_id.in_(ended),
            MailMessage.status == MailStatus.PENDING.value,
        )
        .values(status=MailStatus.DROPPED.value)
    )
    session.execute(
        update(Notification)
        .where(Notification.subscription_id.in_(ended), Notification.mailed_at.is_(None))
        .values(mailed_at=utcnow())
    )
    for table in (Notification, MailMessage):
        session.execute(
            update(table).where(table.subscription_id.in_(ended)).values(subscription_id=None)
        )
    session.execute(delete(SpaceSubscription).where(which))


# --- members ----------------------------------------------------------------------------


def _take_turn(session: Session, group: Group) -> None:
    """Wait until no other transaction is changing ``group``'s members, then go on with the
    members as they are now: two managers removing each other at once must not leave the
    group without one. On PostgreSQL the group's row is locked (and the later reads see
    what the previous turn committed); SQLite's write transactions already take turns."""
    session.refresh(group, with_for_update=True)


def parse_usernames(text: str) -> list[str]:
    """The names in ``text`` (separated by commas, semicolons, spaces or new lines), each
    once, in the order typed. Raises InvalidInput (keyed ``usernames``) when there are none
    or too many."""
    names: dict[str, str] = {}
    for name in _NAME_SEPARATORS.split(_clean(text)):
        if name:
            names.setdefault(name.casefold(), name)
    if not names:
        raise InvalidInput({"usernames": "Type at least one username."})
    if len(names) > MAX_NAMES_PER_CHANGE:
        raise InvalidInput(
            {
                "usernames": f"Change at most {MAX_NAMES_PER_CHANGE} members at a time "
                f"(this names {len(names)})."
            }
        )
    return list(names.values())


def _accounts(session: Session, names: list[str]) -> list[User]:
    """The accounts of ``names``, in order. Raises InvalidInput naming each unknown name."""
    keys = [name.casefold() for name in names]
    found = {
        user.username_key: user
        for user in session.scalars(select(User).where(User.username_key.in_(set(keys))))
    }
    unknown = [name for name, key in zip(names, keys, strict=True) if key not in found]
    if unknown:
        raise InvalidInput(
            {
                "usernames": " ".join(
                    f"There is no account called “{name[:80]}”." for name in unknown
                )
            }
        )
    return [found[key] for key in keys]


def _plan(
    session: Session, actor: User, group: Group, change: str, text: str
) -> tuple[MembershipChange, list[User], dict[int, GroupMember]]:
    if change not in CHANGES:
        raise InvalidInput({"change": f"Unknown change {change!r}: choose add or remove."})
    kind: Change = "add" if change == "add" else "remove"
    users = _accounts(session, parse_usernames(text))
    current = {
        row.user_id: row
        for row in session.scalars(select(GroupMember).where(GroupMember.group_id == group.id))
    }
    if change == "add":
        changed = [user for user in users if user.id not in current]
        after = len(current) + len(changed)
    else:
        changed = [user for user in users if user.id in current]
        after = len(current) - len(changed)
        _check_managers_remain(
            actor,
            group,
            current,
            leaving={user.id for user in changed},
            names=[user.username for user in changed if current[user.id].is_manager],
        )
    changed_ids = {user.id for user in changed}
    plan = MembershipChange(
        change=kind,
        changed=tuple(user.username for user in changed),
        unchanged=tuple(user.username for user in users if user.id not in changed_ids),
        before=len(current),
        after=after,
    )
    return plan, changed, current


def _check_managers_remain(
    actor: User, group: Group, current: dict[int, GroupMember], leaving: set[int], names: list[str]
) -> None:
    """Raise InvalidInput when the change would take the group's last manager away and
    ``actor`` may not do that (only admins may)."""
    managers = {user_id for user_id, row in current.items() if row.is_manager}
    if not managers or managers - leaving or can_leave_group_without_managers(actor):
        return
    who = ", ".join(names) or "they"
    raise InvalidInput(
        {
            "usernames": f"{group.name} would be left without a manager ({who}): make "
            "someone else a manager first, or ask an admin."
        }
    )


def preview_members(
    session: Session, actor: User, group: Group, change: str, text: str
) -> MembershipChange:
    """What adding (``change`` "add") or removing ("remove") the accounts named in ``text``
    would do to ``group``, changing nothing.

    Raises Forbidden unless ``actor`` may manage the group, and InvalidInput (keyed
    ``usernames``, or ``change`` for an unknown change) for no names, too many, unknown
    names (each named), or removing the last manager when ``actor`` is not an admin.
    """
    _require_manager(session, actor, group)
    return _plan(session, actor, group, change, text)[0]


def change_members(
    session: Session, actor: User, group: Group, change: str, text: str
) -> MembershipChange:
    """Add or remove the accounts named in ``text`` (as :func:`preview_members`, checked
    again against the members as they are now) and record it in the audit log with the
    names and the member counts before and after. Nothing is recorded when nothing changes.

    Raises what :func:`preview_members` raises.
    """
    _require_manager(session, actor, group)
    _take_turn(session, group)
    plan, changed, current = _plan(session, actor, group, change, text)
    if not changed:
        return plan
    now = utcnow()
    for user in changed:
        if change == "add":
            row = GroupMember(group_id=group.id, user_id=user.id, is_manager=False)
            row.added_at, row.added_by = now, actor.id
            session.add(row)
        else:
            session.delete(current[user.id])
    session.flush()
    action = AuditAction.GROUP_MEMBERS_ADD if change == "add" else AuditAction.GROUP_MEMBERS_REMOVE
    details = {"users": list(plan.changed), "before": plan.before, "after": plan.after}
    audit.record(session, actor, action, group, details)
    return plan


def set_manager(
    session: Session, actor: User, group: Group, username: str, is_manager: bool
) -> bool:
    """Make the member ``username`` a manager of ``group`` (or a plain member again);
    whether anything changed. Recorded in the audit log with the role before and after.

    Raises Forbidden unless ``actor`` may manage the group; InvalidInput (keyed
    ``usernames``) when ``username`` is no account or no member, or for taking the last
    manager's role when ``actor`` is not an admin.
    """
    _require_manager(session, actor, group)
    _take_turn(session, group)
    (user,) = _accounts(session, [username])
    current = {
        row.user_id: row
        for row in session.scalars(select(GroupMember).where(GroupMember.group_id == group.id))
    }
    row = current.get(user.id)
    if row is None:
        raise InvalidInput(
            {"usernames": f"{user.username} is not a member of {group.name}: add them first."}
        )
    if row.is_manager == is_manager:
        return False
    if not is_manager:
        _check_managers_remain(actor, group, current, {user.id}, [user.username])
    roles = ("member", "manager")
    details = {"user": user.username, "from": roles[row.is_manager], "to": roles[is_manager]}
    row.is_manager = is_manager
    audit.record(session, actor, AuditAction.GROUP_MANAGER, group, details)
    return True
