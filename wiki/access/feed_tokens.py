"""Personal feed tokens: a secret that lets a feed reader read a person's feeds as them.

A feed reader cannot log in, so each person may make one token and add it to their feed
addresses (``?token=...``). The token only ever reads feeds: the feed views look it up
with :func:`owner_of` and answer as its owner, for that one request; it never logs anyone
in and no other view reads it. Only its SHA-256 is stored, so the token is shown once,
when made; a new token replaces the old one, and revoking deletes it. A disabled
account's token stops working (and works again only if the account is enabled again).
Making and revoking a token are recorded in the audit log, like other changes to how one
gets into an account.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.access import audit
from wiki.access.audit import AuditAction
from wiki.models import FeedToken, User, utcnow

# Longer than any token made here (43 characters): anything longer is refused unread.
MAX_TOKEN_CHARS = 100


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_of(session: Session, user: User) -> FeedToken | None:
    """``user``'s feed token (its hash and when it was made), or None when they have none.
    Raises nothing but database errors."""
    return session.scalar(select(FeedToken).where(FeedToken.user_id == user.id))


def _delete(session: Session, user: User) -> bool:
    old = token_of(session, user)
    if old is None:
        return False
    session.delete(old)
    session.flush()  # before a new row takes the account's one place
    return True


def make_token(session: Session, user: User) -> str:
    """A new feed token for ``user``, replacing (so revoking) any token they had; recorded
    in the audit log. Returns the token itself, which is not stored: the caller shows it
    once. Raises nothing but database errors (two requests making a token for the same
    account at the same moment: one of them fails on the unique account column)."""
    replaced = _delete(session, user)
    token = secrets.token_urlsafe(32)
    session.add(FeedToken(user_id=user.id, token_hash=_hash(token), created_at=utcnow()))
    session.flush()
    audit.record(
        session, user, AuditAction.USER_FEED_TOKEN, user, {"replaced": True} if replaced else None
    )
    return token


def revoke_token(session: Session, user: User) -> bool:
    """Delete ``user``'s feed token, so that their feed addresses stop working; recorded in
    the audit log. Returns whether there was one (nothing is recorded when not). Raises
    nothing but database errors."""
    if not _delete(session, user):
        return False
    audit.record(session, user, AuditAction.USER_FEED_TOKEN_REVOKE, user)
    return True


def owner_of(session: Session, token: str) -> User | None:
    """The active account whose feed token is ``token``, or None for a token that is
    unknown, revoked, replaced or malformed, and for a disabled account's. Raises nothing
    but database errors."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return session.scalar(
        select(User)
        .join(FeedToken, FeedToken.user_id == User.id)
        .where(FeedToken.token_hash == _hash(token), User.disabled.is_(False))
    )
