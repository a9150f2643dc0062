"""Invites: one-time, expiring sign-up links that admins make for an e-mail address, a
role and groups.

The link carries a random token; only its SHA-256 is stored, so the link is shown once,
to the admin who made it, and a copy of the database opens no account. Using the link
creates the account (the invitee picks the username and password) and uses the invite up.
No mail is sent yet: the admin passes the link on.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from wiki.access import accounts, audit, people
from wiki.access.audit import AuditAction
from wiki.access.subjects import parse_groups
from wiki.errors import InvalidInput, NotFound
from wiki.models import Group, GroupMember, Invite, Role, User, utcnow

DEFAULT_DAYS = 7
MAX_DAYS = 365
LISTED = 200  # the newest invites the admin page lists


class InviteState(enum.StrEnum):
    PENDING = "pending"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"


def state_of(invite: Invite) -> InviteState:
    """Where ``invite`` stands now (the first that applies: used, revoked, expired)."""
    if invite.used_at is not None:
        return InviteState.USED
    if invite.revoked_at is not None:
        return InviteState.REVOKED
    if invite.expires_at <= utcnow():
        return InviteState.EXPIRED
    return InviteState.PENDING


class InviteUnusable(Exception):
    """The link cannot be used: ``state`` says why (unknown links count as not found)."""

    def __init__(self, state: InviteState | None, message: str):
        super().__init__(message)
        self.state = state
        self.message = message


_UNUSABLE = {
    InviteState.USED: "This invitation has been used already: log in with the account it made.",
    InviteState.REVOKED: "This invitation was withdrawn by an admin. Ask an admin for a new one.",
    InviteState.EXPIRED: "This invitation has expired. Ask an admin for a new one.",
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _check_groups(session: Session, groups: Sequence[str]) -> list[str]:
    """The keys of the groups an invite gives (named by key or name), each once. Raises
    InvalidInput keyed ``groups`` naming each unknown group."""
    found = parse_groups(session, " ".join(name.strip() for name in groups), field="groups")
    return list(dict.fromkeys(group.key for group in found))


def _join_groups(session: Session, user: User, invite: Invite) -> None:
    """Make ``user`` a member of the invite's groups that still exist, each membership in
    the audit log (an access change) as given by the invite's maker."""
    keys = [key for key in invite.groups if isinstance(key, str)]
    if not keys:
        return
    maker = session.get(User, invite.created_by_id) if invite.created_by_id else None
    for group in session.scalars(select(Group).where(Group.key.in_(keys)).order_by(Group.key)):
        before = session.scalar(
            select(func.count()).select_from(GroupMember).where(GroupMember.group_id == group.id)
        )
        session.add(
            GroupMember(
                group_id=group.id,
                user_id=user.id,
                added_at=utcnow(),
                added_by=maker.id if maker else None,
            )
        )
        audit.record(
            session,
            maker,
            AuditAction.GROUP_MEMBERS_ADD,
            group,
            {
                "users": [user.username],
                "before": before,
                "after": (before or 0) + 1,
                "invite": invite.id,
            },
        )
    session.flush()


@dataclass(frozen=True)
class MadeInvite:
    invite: Invite
    token: str  # for the link: shown once, never stored


def create_invite(
    session: Session,
    actor: User,
    email: str,
    role: Role | str,
    groups: Sequence[str] = (),
    *,
    days: int = DEFAULT_DAYS,
) -> MadeInvite:
    """Make an invite for ``email`` with ``role`` (and ``groups``), valid for ``days``.

    Returns the invite and its token (the only copy). Raises InvalidInput (keyed
    ``email``, ``role`` or ``groups``) for a bad or already used address, an unknown role
    or group. Recorded in the audit log as done by ``actor``.
    """
    errors: dict[str, str] = {}
    try:
        address = people.clean_email(email)
        if address is None:
            raise InvalidInput({"email": "Give the e-mail address of the person to invite."})
        accounts.check_email_is_free(session, accounts.email_key(address))
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        role = accounts.parse_role(role)
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        group_names = _check_groups(session, groups)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    assert address is not None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    days = max(1, min(days, MAX_DAYS))
    invite = Invite(
        token_hash=_hash(token),
        email=address,
        role=Role(role),
        groups=group_names,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(invite)
    session.flush()
    details = {
        "invite": invite.id,
        "role": invite.role.value,
        "groups": group_names,
        "expires": invite.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
    }
    audit.record(session, actor, AuditAction.INVITE_CREATE, invite, details)
    return MadeInvite(invite, token)


def list_invites(session: Session) -> list[Invite]:
    """The newest invites (at most :data:`LISTED`), newest first. Raises nothing."""
    statement = (
        select(Invite)
        .options(joinedload(Invite.created_by), joinedload(Invite.used_by))
        .order_by(Invite.id.desc())
        .limit(LISTED)
    )
    return list(session.scalars(statement))


def revoke_invite(session: Session, actor: User, invite_id: int) -> Invite:
    """Withdraw a pending invite: its link stops working.

    Raises NotFound for an unknown invite, InvalidInput (keyed ``invite``) for one that
    is used, revoked or expired already. Recorded in the audit log as done by ``actor``.
    """
    invite = session.get(Invite, invite_id, with_for_update=True)
    if invite is None:
        raise NotFound(f"There is no invite #{invite_id}.")
    state = state_of(invite)
    if state != InviteState.PENDING:
        raise InvalidInput({"invite": f"The invite for {invite.email} is {state.value} already."})
    invite.revoked_at = utcnow()
    audit.record(session, actor, AuditAction.INVITE_REVOKE, invite, {"invite": invite.id})
    return invite


def usable_invite(session: Session, token: str, *, lock: bool = False) -> Invite:
    """The pending invite whose link carries ``token`` (row-locked when ``lock``).

    Raises InviteUnusable: with state None for a token no invite has, else with the
    invite's state and a message saying what to do.
    """
    statement = select(Invite).where(Invite.token_hash == _hash(token))
    if lock:
        statement = statement.with_for_update()
    invite = session.scalar(statement) if 0 < len(token) <= 100 else None
    if invite is None:
        raise InviteUnusable(
            None,
            "This invitation link is not valid: check that you copied all of it, "
            "or ask an admin for a new one.",
        )
    state = state_of(invite)
    if state != InviteState.PENDING:
        raise InviteUnusable(state, _UNUSABLE[state])
    return invite


def accept_invite(session: Session, token: str, username: str, password: str, confirm: str) -> User:
    """Create the invitee's account with the invite's address and role, and use the
    invite up.

    Raises InviteUnusable when the link cannot be used (see :func:`usable_invite`), and
    InvalidInput (keyed ``username``, ``password`` or ``password_confirm``) like
    :func:`wiki.access.accounts.create_user`, or for a confirmation that differs.
    Recorded in the audit log: the account made by the invitee, and the invite used.
    """
    invite = usable_invite(session, token, lock=True)
    errors = accounts.account_errors(username, password, confirm)
    if errors:  # all at once, the confirmation's with the others
        raise InvalidInput(errors)
    user = accounts.create_invited_user(
        session, username, password, invite.role, invite.email, invite.id
    )
    _join_groups(session, user, invite)
    invite.used_at = utcnow()
    invite.used_by_id = user.id
    details = {"invite": invite.id, "username": user.username}
    audit.record(session, user, AuditAction.INVITE_USE, invite, details)
    return user
