"""User accounts: creation, authentication, roles, passwords, disabling."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import SQLColumnExpression, bindparam, delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from wiki.access import audit
from wiki.access.audit import AuditAction
from wiki.errors import Forbidden, InvalidInput, NotFound
from wiki.models import LoginSession, Role, User, utcnow

# Letters and digits, with single characters of ``USERNAME_SEPARATORS`` allowed between
# them: "reader." next to "reader" would pass for the same person.
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$")
#: Names that differ only in these (and in case) are one name: "j.smith" takes "JSmith".
USERNAME_SEPARATORS = "._-"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# scrypt is memory-hard; the test suite swaps in a cheap method to stay fast.
PASSWORD_HASH_METHOD = "scrypt"
# How often a login's last_seen_at is written (not on every request: page views stay reads).
LAST_SEEN_EVERY = timedelta(minutes=5)
# Logins not seen for this long are deleted when the user next logs in (the remember-me
# cookie lasts a year).
FORGET_LOGINS_AFTER = timedelta(days=365)


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash made with ``method``, checked when the username is unknown."""
    return generate_password_hash("not a real password", method=method)


def has_users(session: Session) -> bool:
    """Whether any account exists (the first-run setup page is offered until one does)."""
    return session.scalar(select(User.id).limit(1)) is not None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            {"password": f"Use a password of at least {MIN_PASSWORD_LENGTH} characters."}
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput({"password": "That password is too long."})


def parse_role(role: Role | str) -> Role:
    """``role`` as a Role; raises InvalidInput (keyed ``role``) for an unknown one."""
    try:
        return Role(role)
    except ValueError:
        choices = ", ".join(member.value for member in Role)
        raise InvalidInput({"role": f"Unknown role {role!r}: choose {choices}."}) from None


def _hash(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


def create_user(
    session: Session, username: str, password: str, role: Role | str, *, actor: User | None = None
) -> User:
    """Create an account; raises InvalidInput for a bad name, a weak password, or a name
    that an account has already (ignoring case and the separators ``. - _``).

    Recorded in the audit log as done by ``actor`` (None: the command line).
    """
    user = _add_user(session, username, password, role)
    audit.record(session, actor, AuditAction.USER_CREATE, user, {"role": user.role.value})
    return user


def _name_skeleton(name: str) -> str:
    """What is left of a name once case and separators are ignored."""
    return name.casefold().translate(dict.fromkeys(map(ord, USERNAME_SEPARATORS)))


def _check_name_is_free(session: Session, username: str) -> None:
    """Raise InvalidInput, naming the account, when an account has this name or one that
    differs from it only in case or separators."""
    same = session.scalar(select(User.username).where(User.username_key == username.casefold()))
    if same is not None:
        raise InvalidInput({"username": f"The username {username} is taken by the account {same}."})
    skeleton: SQLColumnExpression[str] = User.username_key  # case-folded already
    for separator in USERNAME_SEPARATORS:
        skeleton = func.replace(skeleton, separator, "")
    alike = session.scalar(
        select(User.username).where(skeleton == _name_skeleton(username)).order_by(User.id).limit(1)
    )
    if alike is not None:
        raise InvalidInput(
            {
                "username": f"The username {username} is taken: it differs from the account "
                f"{alike} only in capitals, dots, dashes or underscores."
            }
        )


def account_errors(username: str, password: str, confirm: str | None = None) -> dict[str, str]:
    """Everything wrong with a new account's username and password, and with the
    password's confirmation when given, at once (a form shows every error together); empty
    when nothing is. Whether the name is free is checked when the account is made. Raises
    nothing."""
    errors: dict[str, str] = {}
    if not USERNAME_PATTERN.match(username.strip()):
        errors["username"] = (
            "Use 1 to 64 letters, digits, dots, dashes or underscores, "
            "starting and ending with a letter or digit."
        )
    try:
        _check_password(password)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if confirm is not None and password != confirm:
        errors["password_confirm"] = "The two passwords differ."
    return errors


def _add_user(session: Session, username: str, password: str, role: Role | str) -> User:
    username = username.strip()
    errors = account_errors(username, password)
    role = parse_role(role)
    if "username" not in errors:
        if session.get_bind().dialect.name == "postgresql":
            # Two look-alike names created at once must not both pass the check (SQLite's
            # write transactions already take turns); the unique key only catches equal ones.
            session.execute(select(func.pg_advisory_xact_lock(7_240_003)))
        try:
            _check_name_is_free(session, username)
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    key = username.casefold()
    user = User(
        username=username,
        username_key=key,
        password_hash=_hash(password),
        role=role,
        disabled=False,
        session_token=secrets.token_urlsafe(32),
    )
    session.add(user)
    session.flush()
    return user


def create_first_admin(session: Session, username: str, password: str) -> User:
    """Create the first account, an admin; raises InvalidInput once any account exists."""
    if session.get_bind().dialect.name == "postgresql":
        # Two visitors submitting the setup form at once must not both become admin.
        session.execute(select(func.pg_advisory_xact_lock(7_240_001)))
    if has_users(session):
        raise InvalidInput({"username": "The wiki is already set up; please log in."})
    user = _add_user(session, username, password, Role.ADMIN)
    # The first admin creates their own account.
    audit.record(session, user, AuditAction.USER_CREATE, user, {"role": Role.ADMIN.value})
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None.

    An unknown user, a wrong password and a disabled account cost the same: exactly one
    password-hash check each (against a dummy hash of the current method for an unknown
    user), so the answer time does not tell which usernames exist.
    """
    user = session.scalar(select(User).where(User.username_key == username.strip().casefold()))
    stored = user.password_hash if user is not None else _dummy_hash(PASSWORD_HASH_METHOD)
    matches = check_password_hash(stored, password)
    if user is None or user.disabled or not matches:
        return None
    return user


@dataclass(frozen=True)
class SignedInUser:
    """Who is logged in, as every request needs it: a plain row, not an ORM object.

    Loaded on every request, so it is one light query; views that change data load the
    full :class:`User` with :func:`acting_user`.
    """

    id: int
    username: str
    role: Role
    #: The login (row of ``login_sessions``) the cookies carry.
    login_session_id: str
    last_seen_at: datetime
    display_name: str | None = None
    #: An IANA zone name; None: the site's default zone.
    time_zone: str | None = None
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.login_session_id

    @property
    def shown_name(self) -> str:
        """The name to show: the display name, else the username."""
        return self.display_name or self.username


def start_login_session(
    session: Session, user: User, user_agent: str | None = None
) -> SignedInUser:
    """Open a new login of ``user`` (one browser) and return who is signed in with it.

    Also deletes the user's logins not seen for :data:`FORGET_LOGINS_AFTER`. Does not
    check the password (see :func:`authenticate`); raises nothing; the caller commits.
    """
    now = utcnow()
    session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.last_seen_at < now - FORGET_LOGINS_AFTER
        )
    )
    login = LoginSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        user_agent=user_agent[:255] if user_agent else None,
    )
    session.add(login)
    session.flush()
    return SignedInUser(
        user.id, user.username, user.role, login.id, now, user.display_name, user.time_zone
    )


def end_login_session(session: Session, login_session_id: str) -> None:
    """End one login (log out): its cookies, and every copy of them, stop working."""
    session.execute(delete(LoginSession).where(LoginSession.id == login_session_id))


def end_all_login_sessions(session: Session, user: User, *, keep: str | None = None) -> None:
    """End every login of ``user``, on every browser, but the login ``keep`` (if given)."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(LoginSession.id != keep)
    session.execute(statement)


SIGNED_IN_COLUMNS = (
    User.id,
    User.username,
    User.role,
    LoginSession.id,
    LoginSession.last_seen_at,
    User.display_name,
    User.time_zone,
)
"""The columns of a :class:`SignedInUser`, in its field order: every query that makes one
selects these (the page view reads them in its one statement too)."""

_SIGNED_IN = (
    select(*SIGNED_IN_COLUMNS)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.id == bindparam("token"), User.disabled.is_(False))
)


def user_by_login_session(session: Session, token: str) -> SignedInUser | None:
    """The active user whose login cookie carries ``token``, or None (one query)."""
    row = session.connection().execute(_SIGNED_IN, {"token": token}).first()
    return SignedInUser(*row) if row is not None else None


def is_due_for_last_seen(user: SignedInUser) -> bool:
    """Whether :func:`touch_login_session` should record this login as seen now."""
    return utcnow() - user.last_seen_at >= LAST_SEEN_EVERY


def touch_login_session(session: Session, user: SignedInUser) -> None:
    """Record that ``user``'s login was used now; the caller commits."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.id == user.login_session_id)
        .values(last_seen_at=utcnow())
    )


def acting_user(session: Session, user: SignedInUser | User) -> User:
    """The full account of a signed-in user, for recording who made a change."""
    if isinstance(user, User):
        return user
    account = session.get(User, user.id)
    if account is None or account.disabled:
        raise Forbidden("Your account is disabled.")
    return account


def get_user(session: Session, username: str) -> User:
    """Look a user up by name (case-insensitive); raises NotFound."""
    user = session.scalar(select(User).where(User.username_key == username.casefold()))
    if user is None:
        raise NotFound(f"There is no user called {username}.")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username_key)))


def _take_turn_with_admins(session: Session, user: User) -> None:
    """Wait for this transaction's turn to change roles or disable accounts, then reload
    ``user`` as it is now.

    Two admins demoting or disabling each other at once must not both succeed, and a
    decision must not rest on a copy of the account loaded before someone else changed it
    (say, promoted it and then stepped down as the last other admin). On PostgreSQL these
    changes take turns on an advisory lock, and the rows are re-read under row locks: at
    READ COMMITTED they show what the previous turn committed, at a stricter isolation a
    stale snapshot fails with a serialization error instead of deciding wrongly. SQLite's
    write transactions already take turns, for the whole transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(7_240_002)))
    session.refresh(user, with_for_update=True)


def _is_active_admin(role: Role, disabled: bool) -> bool:
    return role == Role.ADMIN and not disabled


def _check_an_active_admin_remains(
    session: Session, user: User, role: Role, disabled: bool, field: str
) -> None:
    """Raise InvalidInput (under ``field``) when ``user`` is an active admin, would no
    longer be one, and no other active admin exists. Call after :func:`_take_turn_with_admins`."""
    if not _is_active_admin(user.role, user.disabled) or _is_active_admin(role, disabled):
        return
    others = session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.disabled.is_(False), User.id != user.id)
        .with_for_update()
    ).all()
    if not others:
        raise InvalidInput({field: "The wiki needs at least one active admin."})


def set_role(session: Session, user: User, role: Role | str, *, actor: User | None = None) -> None:
    """Change a user's role.

    Raises InvalidInput for an unknown role, and for demoting the last active admin
    (checked against the accounts as they are when this transaction gets its turn). A
    change is recorded in the audit log as done by ``actor`` (None: the command line).
    """
    role = parse_role(role)
    _take_turn_with_admins(session, user)
    _check_an_active_admin_remains(session, user, role, user.disabled, "role")
    if role == user.role:
        return
    details = {"from": user.role.value, "to": role.value}
    user.role = role
    audit.record(session, actor, AuditAction.USER_ROLE, user, details)


def set_password(session: Session, user: User, password: str, *, actor: User | None = None) -> None:
    """Set a new password and end every session the user has open.

    Raises InvalidInput for a weak password; recorded in the audit log as done by ``actor``
    (None: the command line).
    """
    _check_password(password)
    user.password_hash = _hash(password)
    end_all_login_sessions(session, user)
    audit.record(session, actor, AuditAction.USER_PASSWORD, user)


def change_own_password(
    session: Session,
    user: User,
    old_password: str,
    new_password: str,
    confirm: str,
    *,
    current_login: str,
) -> None:
    """A user's own change of password: the current one must be given, and every other
    login of the user ends (the one ``current_login`` names goes on).

    Raises InvalidInput (keyed ``old_password``, ``password`` or ``password_confirm``) for
    a wrong current password, a weak new one or a confirmation that differs. Recorded in
    the audit log as done by the user.
    """
    errors: dict[str, str] = {}
    if not check_password_hash(user.password_hash, old_password):
        errors["old_password"] = "That is not your current password."
    try:
        _check_password(new_password)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if new_password != confirm:
        errors["password_confirm"] = "The two new passwords differ."
    if errors:
        raise InvalidInput(errors)
    user.password_hash = _hash(new_password)
    end_all_login_sessions(session, user, keep=current_login)
    audit.record(session, user, AuditAction.USER_PASSWORD, user, {"own": True})


def create_invited_user(
    session: Session, username: str, password: str, role: Role | str, email: str, invite_id: int
) -> User:
    """Create the account of someone who accepted an invite (see :mod:`wiki.access.invites`):
    the invitee makes it, so the audit log names them as the actor.

    Raises InvalidInput like :func:`create_user`, and (keyed ``email``) when another
    account has the address meanwhile.
    """
    check_email_is_free(session, email_key(email))
    user = _add_user(session, username, password, role)
    user.email, user.email_key = email, email_key(email)
    session.flush()
    details = {"role": user.role.value, "invite": invite_id}
    audit.record(session, user, AuditAction.USER_CREATE, user, details)
    return user


def email_key(email: str) -> str:
    """What e-mail addresses are compared by: Alice@Example.com is alice@example.com."""
    return email.strip().casefold()


def check_email_is_free(session: Session, key: str, user: User | None = None) -> None:
    """Raise InvalidInput (keyed ``email``), naming the account, when an account other
    than ``user`` has the address whose :func:`email_key` is ``key``."""
    if session.get_bind().dialect.name == "postgresql":
        # Two accounts taking one address at once must not both pass the check (SQLite's
        # write transactions already take turns); the unique index would answer with a 500.
        session.execute(select(func.pg_advisory_xact_lock(7_240_004)))
    statement = select(User.username).where(User.email_key == key)
    if user is not None and user.id is not None:
        statement = statement.where(User.id != user.id)
    holder = session.scalar(statement.limit(1))
    if holder is not None:
        raise InvalidInput({"email": f"The address {key} is used by the account {holder}."})


def set_disabled(
    session: Session, user: User, disabled: bool, *, actor: User | None = None
) -> None:
    """Disable (or re-enable) an account; a disabled user is logged out at once.

    Raises InvalidInput for the last active admin (checked against the accounts as they
    are when this transaction gets its turn). A change is recorded in the audit log as
    done by ``actor`` (None: the command line).
    """
    _take_turn_with_admins(session, user)
    _check_an_active_admin_remains(session, user, user.role, disabled, "disabled")
    if disabled != user.disabled:
        action = AuditAction.USER_DISABLE if disabled else AuditAction.USER_ENABLE
        audit.record(session, actor, action, user)
    user.disabled = disabled
    if disabled:
        end_all_login_sessions(session, user)
