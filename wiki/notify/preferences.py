"""How a person hears of changes: watching what they edit, and how often they get mail."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wiki.errors import InvalidInput
from wiki.models import (
    EmailFrequency,
    GroupMember,
    MailMessage,
    MailStatus,
    SpaceSubscription,
    SubscriptionOptOut,
    User,
    utcnow,
)

__all__ = [
    "FREQUENCY_CHOICES",
    "MailCounts",
    "mail_counts",
    "set_preferences",
    "stop_mail",
    "subscription_names",
]

_DIGESTS = (EmailFrequency.DAILY, EmailFrequency.WEEKLY)
#: The choices as the settings form offers them.
FREQUENCY_CHOICES = (
    (EmailFrequency.IMMEDIATE, "At once, one e-mail per change"),
    (EmailFrequency.DAILY, "A daily digest"),
    (EmailFrequency.WEEKLY, "A weekly digest"),
    (EmailFrequency.OFF, "No e-mail"),
)


def set_preferences(session: Session, user: User, watch_own_edits: bool, frequency: str) -> None:
    """Save whether ``user`` watches what they edit and how often they get mail. Raises
    InvalidInput for an unknown frequency."""
    try:
        chosen = EmailFrequency(frequency)
    except ValueError:
        raise InvalidInput({"email_frequency": "Choose how often you get e-mail."}) from None
    user.watch_own_edits = watch_own_edits
    if chosen.value != user.email_frequency and chosen in _DIGESTS:
        # The first digest comes one period after the choice (not at once, for the past).
        user.digest_through = utcnow()
    user.email_frequency = chosen.value


def stop_mail(session: Session, user_id: int, subscription_id: int | None = None) -> bool:
    """Send the account ``user_id`` no more mail about notifications (an unsubscribe link),
    or, given ``subscription_id``, none of that group subscription (they opt out of it);
    False when there is no such account, subscription or membership any more. Raises
    nothing but database errors."""
    user = session.get(User, user_id)
    if user is None:
        return False
    if subscription_id is None:
        user.email_frequency = EmailFrequency.OFF.value
        return True
    held = session.get(SpaceSubscription, subscription_id)
    if held is None or session.get(GroupMember, (held.group_id, user_id)) is None:
        return False
    if session.get(SubscriptionOptOut, (user_id, subscription_id)) is None:
        session.add(SubscriptionOptOut(user_id=user_id, subscription_id=subscription_id))
    return True


def subscription_names(session: Session, subscription_id: int) -> tuple[str, str] | None:
    """The space and the group of the subscription ``subscription_id`` (None: it ended),
    as an unsubscribe page names them. Raises nothing but database errors."""
    held = session.get(SpaceSubscription, subscription_id)
    return None if held is None else (held.space.name, held.group.name)


class MailCounts(dict):
    """Messages by status (``pending``, ``sent``...), and the last errors of failing ones."""

    errors: list[tuple[str, str]]


def mail_counts(session: Session) -> MailCounts:
    """How the mail outbox stands, for admins: messages per status and the latest errors
    (address, error) of messages waiting again or given up. Raises nothing but database
    errors."""
    counts = MailCounts(
        (status, number)
        for status, number in session.execute(
            select(MailMessage.status, func.count()).group_by(MailMessage.status)
        )
    )
    for status in MailStatus:
        counts.setdefault(status.value, 0)
    counts.errors = [
        (address, error)
        for address, error in session.execute(
            select(MailMessage.to_address, MailMessage.last_error)
            .where(MailMessage.last_error != "")
            .order_by(MailMessage.id.desc())
            .limit(20)
        )
    ]
    return counts
