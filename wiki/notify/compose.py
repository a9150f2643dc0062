"""Composing e-mail about notifications into the mail outbox (:mod:`wiki.notify.mail`
sends it).

Each person chooses how notifications reach their address (:class:`EmailFrequency`): at
once, in a daily or weekly digest, or not at all; a group's subscription to a space
(:mod:`wiki.notify.subscriptions`) mails its members as the subscription says. The worker
composes what is due into ``mail_messages``, marking the notifications mailed in the same
transaction, so none is mailed twice. A message's Message-ID is made here, once, so a retry
after a crash sends the very same message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from wiki.access.permissions import readers_among
from wiki.content.feeds import describe_kind
from wiki.models import (
    ChangeEvent,
    EmailFrequency,
    EventKind,
    MailMessage,
    MailStatus,
    Notification,
    Page,
    Revision,
    SpaceSubscription,
    SubscriptionOptOut,
    User,
    utcnow,
)
from wiki.notify.fanout import why
from wiki.notify.mail import MailSettings, unsubscribe_token

__all__ = ["DIGEST_PERIODS", "IMMEDIATE_WINDOW", "anything_due", "compose_due"]

#: How much time a digest covers.
DIGEST_PERIODS = {
    EmailFrequency.DAILY: timedelta(days=1),
    EmailFrequency.WEEKLY: timedelta(days=7),
}
#: Mail at once tells only of notifications this recent: someone who just gave an address
#: or turned mail on is not sent their whole past.
IMMEDIATE_WINDOW = timedelta(days=1)
_DIGEST_MOST = 100  # notifications told in one digest; the rest are in the wiki


@dataclass(frozen=True)
class _Told:
    note_id: int
    page_id: int
    title: str
    slug: str
    what: str
    actor: str
    summary: str
    excerpt: str
    number: int
    reason: str
    reason_detail: str
    at: datetime
    kind: str
    detail: str
    due: date | None


def _told(session: Session, note_ids: Iterable[int]) -> list[_Told]:
    actor = User.__table__.alias("actor")
    rows = session.execute(
        select(
            Notification.id,
            Page.id,
            Page.title,
            Page.slug,
            Revision.kind,
            func.coalesce(actor.c.display_name, actor.c.username),
            Revision.summary,
            ChangeEvent.excerpt,
            Revision.number,
            Notification.reason,
            Notification.reason_detail,
            Notification.created_at,
            ChangeEvent.kind,
            ChangeEvent.detail,
            ChangeEvent.due,
        )
        .join(ChangeEvent, ChangeEvent.id == Notification.event_id)
        .join(Revision, Revision.id == ChangeEvent.revision_id)
        .join(Page, Page.id == Notification.page_id)
        .outerjoin(actor, actor.c.id == ChangeEvent.actor_id)
        .where(Notification.id.in_(list(note_ids)))
        .order_by(Notification.id)
    )
    told = []
    for note_id, page_id, title, slug, kind, actor_name, *rest in rows:
        summary, excerpt, number, reason, reason_detail, at, event_kind, detail, due = rest
        told.append(
            _Told(
                note_id,
                page_id,
                title,
                slug,
                describe_kind(kind),
                actor_name or "Someone",
                summary,
                excerpt,
                number,
                reason,
                reason_detail,
                at,
                event_kind,
                detail,
                due,
            )
        )
    return told


def _why(told: _Told) -> str:
    sentence = why(told.reason, told.reason_detail).rstrip(".")
    return sentence[:1].lower() + sentence[1:]


def _headline(told: _Told) -> str:
    """What happened, in one line (a message's subject says it too)."""
    if told.kind == EventKind.REVIEW:
        return f"The review of \u201c{told.title}\u201d falls due on {told.due}"
    if told.kind == EventKind.OVERDUE:
        return f"Overdue since {told.due}: \u201c{told.detail}\u201d on \u201c{told.title}\u201d"
    return f"{told.actor} {told.what} \u201c{told.title}\u201d"


def _entry(told: _Told, settings: MailSettings) -> str:
    page_url = f"{settings.base_url}/wiki/{told.slug}"
    if told.kind != EventKind.REVISION:
        return f"{_headline(told)} ({_why(told)}).\n\nSee the page: {page_url}"
    link = f"{page_url}/diff/{told.number - 1}/{told.number}" if told.number > 1 else page_url
    lines = [f"{_headline(told)} ({_why(told)})."]
    if told.summary:
        lines.append(f"Summary: {told.summary}")
    if told.excerpt:
        lines += ["", *(f"    {line}" for line in told.excerpt.splitlines())]
    lines += ["", f"See the change: {link}"]
    return "\n".join(lines)


def _footer(settings: MailSettings, user_id: int, why: str, subscription_id: int | None) -> str:
    token = unsubscribe_token(settings.secret, user_id, subscription_id)
    return (
        f"\n\n-- \n{why}\n"
        f"What you watch and how you get mail: {settings.base_url}/-/watching\n"
        f"Stop these e-mails: {settings.base_url}/-/unsubscribe/{token}\n"
    )


def _queue(
    session: Session,
    settings: MailSettings,
    user: User,
    subject: str,
    body: str,
    told: list[_Told],
    subscription_id: int | None = None,
) -> None:
    domain = settings.base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    session.add(
        MailMessage(
            user_id=user.id,
            message_id=make_msgid("notify", domain=domain or None),
            to_address=user.email or "",
            subject=subject[:255],
            body=body,
            page_ids=",".join(sorted({str(t.page_id) for t in told})),
            status=MailStatus.PENDING.value,
            next_attempt_at=utcnow(),
            subscription_id=subscription_id,
        )
    )


def _readable(session: Session, told: list[_Told], user_id: int) -> list[_Told]:
    """What of ``told`` its reader may read now."""
    by_page: dict[int, list[_Told]] = defaultdict(list)
    for item in told:
        by_page[item.page_id].append(item)
    kept: list[_Told] = []
    for page_id, items in by_page.items():
        page = session.get(Page, page_id)
        if page is not None and user_id in readers_among(session, [user_id], page):
            kept += items
    return sorted(kept, key=lambda t: t.note_id)


def _mailable(frequency: EmailFrequency):
    return (
        User.email_frequency == frequency.value,
        User.email.is_not(None),
        User.email != "",
        User.disabled.is_(False),
    )


def anything_due(session: Session, now: datetime | None = None) -> bool:
    """Whether :func:`compose_due` would find work: a notification for someone who wants
    mail at once, or a digest that fell due. Only reads (the worker asks every second and
    opens a write transaction only when the answer is yes). Raises nothing but database
    errors."""
    now = now or utcnow()
    waiting = session.scalar(
        select(Notification.id)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.mailed_at.is_(None),
            Notification.subscription_id.is_(None),
            Notification.created_at >= now - IMMEDIATE_WINDOW,
            *_mailable(EmailFrequency.IMMEDIATE),
        )
        .limit(1)
    )
    if waiting is not None:
        return True
    if session.scalar(_group_mail_waiting(now).with_only_columns(Notification.id).limit(1)):
        return True
    if any(
        session.scalar(_group_digests_due(frequency, period, now).limit(1)) is not None
        for frequency, period in DIGEST_PERIODS.items()
    ):
        return True
    return any(
        session.scalar(
            select(User.id)
            .where(
                *_mailable(frequency),
                or_(User.digest_through.is_(None), User.digest_through <= now - period),
            )
            .limit(1)
        )
        is not None
        for frequency, period in DIGEST_PERIODS.items()
    )


def compose_due(session: Session, settings: MailSettings, now: datetime | None = None) -> int:
    """Put into the mail outbox what is due: a message for each new notification of the
    people who want mail at once, and the digests that fell due. The caller commits.
    Returns how many messages were composed. Raises nothing but database errors."""
    now = now or utcnow()
    composed = 0
    waiting = session.execute(
        select(Notification.id, User)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.mailed_at.is_(None),
            Notification.subscription_id.is_(None),
            Notification.created_at >= now - IMMEDIATE_WINDOW,
            *_mailable(EmailFrequency.IMMEDIATE),
        )
        .order_by(Notification.id)
        .limit(500)
    ).all()
    for note_id, user in waiting:
        told = _readable(session, _told(session, [note_id]), user.id)
        if told:
            item = told[0]
            subject = f"[{settings.site_name}] {_headline(item)}"
            body = _entry(item, settings) + _footer(
                settings, user.id, f"You get this e-mail because {_why(item)}.", None
            )
            _queue(session, settings, user, subject, body, told)
            composed += 1
        session.execute(
            update(Notification).where(Notification.id == note_id).values(mailed_at=now)
        )
    for frequency, period in DIGEST_PERIODS.items():
        due = session.scalars(
            select(User).where(
                *_mailable(frequency),
                or_(User.digest_through.is_(None), User.digest_through <= now - period),
            )
        ).all()
        for user in due:
            composed += _digest(session, settings, user, frequency, period, now)
    return composed + _compose_for_groups(session, settings, now)


# --- groups subscribed to spaces ----------------------------------------------------------


def _wants_any_mail(subscription_id):
    """People with an address who did not turn mail off nor opt out of the subscription
    ``subscription_id`` (a column or a value): a group's subscription mails them as it
    says, whatever their own choice of frequency."""
    opted_out = exists().where(
        SubscriptionOptOut.user_id == User.id,
        SubscriptionOptOut.subscription_id == subscription_id,
    )
    return (
        User.email_frequency != EmailFrequency.OFF.value,
        User.email.is_not(None),
        User.email != "",
        User.disabled.is_(False),
        ~opted_out,
    )


def _group_mail_waiting(now: datetime):
    return (
        select(Notification.id, User, SpaceSubscription)
        .join(User, User.id == Notification.user_id)
        .join(SpaceSubscription, SpaceSubscription.id == Notification.subscription_id)
        .where(
            Notification.mailed_at.is_(None),
            Notification.created_at >= now - IMMEDIATE_WINDOW,
            SpaceSubscription.frequency == EmailFrequency.IMMEDIATE.value,
            *_wants_any_mail(SpaceSubscription.id),
        )
    )


def _group_digests_due(frequency: EmailFrequency, period: timedelta, now: datetime):
    return select(SpaceSubscription).where(
        SpaceSubscription.frequency == frequency.value,
        or_(
            SpaceSubscription.digest_through.is_(None),
            SpaceSubscription.digest_through <= now - period,
        ),
    )


def _because_group(subscription: SpaceSubscription, word: str) -> str:
    return (
        f"You get this {word} because you are in the group {subscription.group.name}, which "
        f"follows the space {subscription.space.name}."
    )


def _compose_for_groups(session: Session, settings: MailSettings, now: datetime) -> int:
    composed = 0
    waiting = session.execute(_group_mail_waiting(now).order_by(Notification.id).limit(500))
    for note_id, user, subscription in waiting.all():
        told = _readable(session, _told(session, [note_id]), user.id)
        if told:
            item = told[0]
            subject = f"[{settings.site_name}] {_headline(item)}"
            why = _because_group(subscription, "e-mail")
            body = _entry(item, settings) + _footer(settings, user.id, why, subscription.id)
            _queue(session, settings, user, subject, body, told, subscription.id)
            composed += 1
        session.execute(
            update(Notification).where(Notification.id == note_id).values(mailed_at=now)
        )
    for frequency, period in DIGEST_PERIODS.items():
        for subscription in session.scalars(_group_digests_due(frequency, period, now)).all():
            composed += _group_digest(session, settings, subscription, frequency, period, now)
    return composed


def _group_digest(
    session: Session,
    settings: MailSettings,
    subscription: SpaceSubscription,
    frequency: EmailFrequency,
    period: timedelta,
    now: datetime,
) -> int:
    since = max(subscription.digest_through or now - period, now - period)
    subscription.digest_through = now
    waiting: dict[int, list[int]] = defaultdict(list)
    for note_id, user_id in session.execute(
        select(Notification.id, Notification.user_id)
        .where(
            Notification.subscription_id == subscription.id,
            Notification.mailed_at.is_(None),
            Notification.created_at > since,
            Notification.created_at <= now,
        )
        .order_by(Notification.id)
    ):
        waiting[user_id].append(note_id)
    if not waiting:
        return 0
    every_note = [note_id for note_ids in waiting.values() for note_id in note_ids]
    for start in range(0, len(every_note), 500):
        session.execute(
            update(Notification)
            .where(Notification.id.in_(every_note[start : start + 500]))
            .values(mailed_at=now)
        )
    word = "daily" if frequency is EmailFrequency.DAILY else "weekly"
    space = subscription.space.name
    composed = 0
    readers = session.scalars(
        select(User).where(User.id.in_(list(waiting)), *_wants_any_mail(subscription.id))
    )
    for user in readers.all():
        told = _readable(session, _told(session, waiting[user.id]), user.id)
        if not told:
            continue
        shown = told[:_DIGEST_MOST]
        count = _counted(told)
        subject = f"[{settings.site_name}] The {word} digest of {space}: {count}"
        parts = [f"{count} in the space {space} since the last digest:"]
        parts += [_entry(item, settings) for item in shown]
        if len(told) > len(shown):
            more = len(told) - len(shown)
            parts.append(f"... and {more} more: {settings.base_url}/-/notifications")
        why = _because_group(subscription, f"{word} digest")
        body = "\n\n".join(parts) + _footer(settings, user.id, why, subscription.id)
        _queue(session, settings, user, subject, body, shown, subscription.id)
        composed += 1
    return composed


def _counted(told: list[_Told]) -> str:
    """ "3 changes, 1 reminder"."""
    changes = sum(1 for item in told if item.kind == EventKind.REVISION)
    reminders = len(told) - changes
    counts = [(changes, "change"), (reminders, "reminder")]
    return ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in counts if n)


def _digest(
    session: Session,
    settings: MailSettings,
    user: User,
    frequency: EmailFrequency,
    period: timedelta,
    now: datetime,
) -> int:
    since = max(user.digest_through or now - period, now - period)
    note_ids = list(
        session.scalars(
            select(Notification.id).where(
                Notification.user_id == user.id,
                Notification.mailed_at.is_(None),
                Notification.subscription_id.is_(None),
                Notification.created_at > since,
                Notification.created_at <= now,
            )
        )
    )
    user.digest_through = now
    if not note_ids:
        return 0
    session.execute(update(Notification).where(Notification.id.in_(note_ids)).values(mailed_at=now))
    told = _readable(session, _told(session, note_ids), user.id)
    if not told:
        return 0
    shown = told[:_DIGEST_MOST]
    word = "daily" if frequency is EmailFrequency.DAILY else "weekly"
    count = _counted(told)
    subject = f"[{settings.site_name}] Your {word} digest: {count}"
    parts = [f"{count} since your last digest:"]
    parts += [_entry(item, settings) for item in shown]
    if len(told) > len(shown):
        parts.append(f"... and {len(told) - len(shown)} more: {settings.base_url}/-/notifications")
    body = "\n\n".join(parts) + _footer(
        settings,
        user.id,
        f"You get this {word} digest because you chose it for your address.",
        None,
    )
    _queue(session, settings, user, subject, body, shown)
    return 1
