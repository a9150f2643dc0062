"""User accounts: creation, authentication, roles, passwords, disabling."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import Forbidden, InvalidInput, NotFound
from .models import Role, User

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# scrypt is memory-hard; the test suite swaps in a cheap method to stay fast.
PASSWORD_HASH_METHOD = "scrypt"
# Checked against when the username is unknown, so both cases cost one KDF run.
_DUMMY_HASH = generate_password_hash("not a real password", method=PASSWORD_HASH_METHOD)


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


def _hash(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


def create_user(session: Session, username: str, password: str, role: Role | str) -> User:
    """Create an account; raises InvalidInput for a bad or taken name or a weak password."""
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            {
                "username": "Use 1 to 64 letters, digits, dots, dashes or underscores, "
                "starting with a letter or digit."
            }
        )
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput({"role": f"Unknown role {role!r}."}) from None
    _check_password(password)
    key = username.casefold()
    if session.scalar(select(User.id).where(User.username_key == key)) is not None:
        raise InvalidInput({"username": f"The username {username} is taken."})
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
    return create_user(session, username, password, Role.ADMIN)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username_key == username.strip().casefold()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or user.disabled:
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
    session_token: str
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.session_token


_SIGNED_IN = select(User.id, User.username, User.role, User.session_token).where(
    User.session_token == bindparam("token"), User.disabled.is_(False)
)


def user_by_session_token(session: Session, token: str) -> SignedInUser | None:
    """The active user whose login cookie carries ``token``, or None."""
    row = session.connection().execute(_SIGNED_IN, {"token": token}).first()
    return SignedInUser(*row) if row is not None else None


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


def _other_active_admins(session: Session, user: User) -> int:
    if session.get_bind().dialect.name == "postgresql":
        # Two admins demoting or disabling each other at once must not both succeed and
        # leave the wiki without an admin: changes to admins take turns (SQLite's write
        # transactions already do).
        session.execute(select(func.pg_advisory_xact_lock(7_240_002)))
    return session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.disabled.is_(False), User.id != user.id
        )
    )


def set_role(session: Session, user: User, role: Role | str) -> None:
    """Change a user's role; the last active admin cannot be demoted."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput({"role": f"Unknown role {role!r}."}) from None
    if user.role is Role.ADMIN and role is not Role.ADMIN and not _other_active_admins(session, user):
        raise InvalidInput({"role": "The wiki needs at least one active admin."})
    user.role = role


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password and end every session the user has open."""
    _check_password(password)
    user.password_hash = _hash(password)
    user.session_token = secrets.token_urlsafe(32)


def set_disabled(session: Session, user: User, disabled: bool) -> None:
    """Disable (or re-enable) an account; a disabled user is logged out at once."""
    if disabled and user.role is Role.ADMIN and not _other_active_admins(session, user):
        raise InvalidInput({"disabled": "The wiki needs at least one active admin."})
    user.disabled = disabled
    if disabled:
        user.session_token = secrets.token_urlsafe(32)
