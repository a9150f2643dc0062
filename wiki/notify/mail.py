"""E-mail about notifications: composed into the mail outbox, then sent with retries.

Each person chooses how notifications reach their address (:class:`EmailFrequency`): at
once, in a daily or weekly digest, or not at all. The background worker composes what is
due into ``mail_messages`` (marking the notifications mailed in the same transaction, so
none is mailed twice) and sends what is waiting. Just before sending, it checks again that
the reader may still read every page the message tells of, still has that address and
still wants mail; otherwise the message is dropped. A message's Message-ID is made when it
is composed, so a retry after a crash sends the very same message. When the mail server is
away, a message waits longer after each failed attempt, up to :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select, update
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
    User,
    utcnow,
)
from wiki.notify.fanout import why

__all__ = [
    "DIGEST_PERIODS",
    "anything_due",
    "MAX_ATTEMPTS",
    "MailSettings",
    "compose_due",
    "build_message",
    "connect",
    "retry_delay",
    "still_wanted",
    "unsubscribe_token",
    "user_of_token",
]

#: How much time a digest covers.
DIGEST_PERIODS = {
    EmailFrequency.DAILY: timedelta(days=1),
    EmailFrequency.WEEKLY: timedelta(days=7),
}
#: Mail at once tells only of notifications this recent: someone who just gave an address
#: or turned mail on is not sent their whole past.
IMMEDIATE_WINDOW = timedelta(days=1)
#: Attempts before a message is given up (about two days with the delays below).
MAX_ATTEMPTS = 12
#: A message handed to the mail server by a worker that then vanished is tried again
#: after this long (the same Message-ID: the copy is recognisable).
STUCK_AFTER = timedelta(minutes=10)
_DIGEST_MOST = 100  # notifications told in one digest; the rest are in the wiki
_SALT = "wiki.unsubscribe"


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes and what it says of the wiki. ``host`` empty: no mail is sent."""

    host: str
    port: int
    starttls: bool
    username: str
    password: str
    timeout: float
    sender: str
    base_url: str
    site_name: str
    secret: str

    @classmethod
    def from_config(cls, config, secret: str) -> MailSettings:
        """From the app's configuration (the ``SMTP_*``, ``MAIL_FROM``, ``BASE_URL`` and
        ``SITE_NAME`` keys). Raises KeyError for a missing key."""
        return cls(
            host=config["SMTP_HOST"],
            port=config["SMTP_PORT"],
            starttls=config["SMTP_STARTTLS"],
            username=config["SMTP_USERNAME"],
            password=config["SMTP_PASSWORD"],
            timeout=config["SMTP_TIMEOUT"],
            sender=config["MAIL_FROM"],
            base_url=config["BASE_URL"],
            site_name=config["SITE_NAME"],
            secret=secret,
        )


def unsubscribe_token(secret: str, user_id: int) -> str:
    """The signed token of a person's one-click unsubscribe link. Raises nothing."""
    return URLSafeSerializer(secret, salt=_SALT).dumps(user_id)


def user_of_token(secret: str, token: str) -> int | None:
    """The account an unsubscribe token was made for; None when it is not genuine. Raises
    nothing."""
    try:
        value = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def retry_delay(attempts: int) -> timedelta:
    """How long a message waits after its ``attempts``-th failed attempt: one minute,
    doubling, at most six hours. Raises nothing."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


# --- composing -----------------------------------------------------------------------------


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


def _footer(settings: MailSettings, user_id: int, why: str) -> str:
    token = unsubscribe_token(settings.secret, user_id)
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
            Notification.created_at >= now - IMMEDIATE_WINDOW,
            *_mailable(EmailFrequency.IMMEDIATE),
        )
        .limit(1)
    )
    if waiting is not None:
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
                settings, user.id, f"You get this e-mail because {_why(item)}."
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
        settings, user.id, f"You get this {word} digest because you chose it for your address."
    )
    _queue(session, settings, user, subject, body, shown)
    return 1


# --- sending -------------------------------------------------------------------------------


def build_message(row: MailMessage, settings: MailSettings) -> EmailMessage:
    """The e-mail of ``row``, with its Message-ID and unsubscribe headers. Raises
    nothing."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    unsubscribe = (
        f"{settings.base_url}/-/unsubscribe/{unsubscribe_token(settings.secret, row.user_id)}"
    )
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    # RFC 8058: mail programs may unsubscribe with one POST, without opening a page.
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body)
    return message


def still_wanted(session: Session, row: MailMessage) -> bool:
    """Whether ``row``'s reader still has its address, still wants mail and may still read
    every page it tells of. Raises nothing but database errors."""
    user = session.get(User, row.user_id)
    if user is None or user.disabled or user.email != row.to_address:
        return False
    if user.email_frequency == EmailFrequency.OFF.value:
        return False
    for page_id in filter(None, row.page_ids.split(",")):
        page = session.get(Page, int(page_id))
        if page is None or user.id not in readers_among(session, [user.id], page):
            return False
    return True


def connect(settings: MailSettings) -> smtplib.SMTP:
    """A connection to the mail server, secured and logged in as configured. Raises
    OSError or smtplib.SMTPException when the server is away or refuses."""
    server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls:
            server.starttls(context=ssl.create_default_context())
        if settings.username:
            server.login(settings.username, settings.password)
    except BaseException:
        server.close()
        raise
    return server
