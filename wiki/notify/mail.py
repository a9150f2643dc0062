"""E-mail about notifications: the settings, the unsubscribe links, and sending what
waits in the mail outbox (:mod:`wiki.notify.compose` fills it) with retries.

Just before sending, the worker checks again that the reader may still read every page the
message tells of, still has that address and still wants that mail; otherwise the message
is dropped. When the mail server is away, a message waits longer after each failed attempt,
up to :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from wiki.access.permissions import readers_among
from wiki.models import (
    EmailFrequency,
    MailMessage,
    Page,
    SpaceSubscription,
    SubscriptionOptOut,
    User,
)

__all__ = [
    "MAX_ATTEMPTS",
    "MailSettings",
    "build_message",
    "connect",
    "read_token",
    "retry_delay",
    "still_wanted",
    "unsubscribe_token",
]

#: Attempts before a message is given up (about two days with the delays below).
MAX_ATTEMPTS = 12
#: A message handed to the mail server by a worker that then vanished is tried again
#: after this long (the same Message-ID: the copy is recognisable).
STUCK_AFTER = timedelta(minutes=10)
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


def unsubscribe_token(secret: str, user_id: int, subscription_id: int | None = None) -> str:
    """The signed token of a person's one-click unsubscribe link: of all their mail, or of
    the mail of one group's subscription to a space. Raises nothing."""
    value = user_id if subscription_id is None else [user_id, subscription_id]
    return URLSafeSerializer(secret, salt=_SALT).dumps(value)


def read_token(secret: str, token: str) -> tuple[int, int | None] | None:
    """The account an unsubscribe token was made for, and the subscription it stops (None:
    all their mail); None when the token is not genuine. Raises nothing."""
    try:
        value = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        return None
    if isinstance(value, int):
        return value, None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(part, int) for part in value):
        return value[0], value[1]
    return None


def retry_delay(attempts: int) -> timedelta:
    """How long a message waits after its ``attempts``-th failed attempt: one minute,
    doubling, at most six hours. Raises nothing."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def build_message(row: MailMessage, settings: MailSettings) -> EmailMessage:
    """The e-mail of ``row``, with its Message-ID and unsubscribe headers. Raises
    nothing."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    token = unsubscribe_token(settings.secret, row.user_id, row.subscription_id)
    unsubscribe = f"{settings.base_url}/-/unsubscribe/{token}"
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
    if row.subscription_id is not None and (
        session.get(SpaceSubscription, row.subscription_id) is None
        or session.get(SubscriptionOptOut, (user.id, row.subscription_id)) is not None
    ):
        return False  # the group's subscription ended, or they opted out of it
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
