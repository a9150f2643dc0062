"""People: profiles (display name, e-mail address, time zone) and local times.

Every date the wiki shows goes through :func:`local_time`, in the viewer's zone (the
site's default for visitors and for users who chose none); the machine-readable
``datetime`` attributes stay in UTC.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wiki.access import accounts, audit
from wiki.access.audit import AuditAction
from wiki.errors import InvalidInput, NotFound
from wiki.models import Group, GroupMember, User

MAX_DISPLAY_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254
# One @, something before it, a dot in the domain, no spaces: enough to catch typing
# mistakes; the address is proven only when mail is sent to it (a later issue).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
# Characters that reorder or hide text: in a name they would make one person look like
# another ("admin" written backwards).
_HIDDEN = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Not places: aliases of the system's own settings that some tz databases ship.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})

FORMATS = {
    "minute": "%Y-%m-%d %H:%M %Z",
    "date": "%Y-%m-%d",
    "time": "%H:%M",  # for what happened moments ago ("Saved as draft at 10:42")
}


@functools.cache
def time_zone_choices() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted (the settings page's list)."""
    return tuple(
        sorted(
            name
            for name in zoneinfo.available_timezones()
            if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
        )
    )


@functools.cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone called ``name``; raises InvalidInput (keyed ``time_zone``) for a name that
    is not one of :func:`time_zone_choices`."""
    if name not in time_zone_choices():
        raise InvalidInput(
            {
                "time_zone": f"“{name}” is not a time zone: choose one from the list, e.g. Europe/Paris."
            }
        )
    return zoneinfo.ZoneInfo(name)


def check_site_zone(name: str) -> None:
    """Raise ValueError when ``name`` (the site's default zone setting) is not a zone."""
    try:
        zone(name)
    except InvalidInput:
        raise ValueError(
            f"WIKI_DEFAULT_TIME_ZONE={name!r} is not a time zone (e.g. UTC, Europe/Paris)"
        ) from None


def local_time(moment: datetime, zone_name: str, style: str = "minute") -> str:
    """``moment`` (timezone-aware) as shown in the zone ``zone_name``, in ``style``
    ("minute": date, time and zone abbreviation; "date": the date only; "time": hours and
    minutes).

    Raises InvalidInput for an unknown zone, KeyError for an unknown style, ValueError for
    a naive ``moment``.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use timezone-aware UTC")
    return moment.astimezone(zone(zone_name)).strftime(FORMATS[style])


def utc_iso(moment: datetime) -> str:
    """``moment`` in UTC, ISO 8601: the machine-readable form of a shown date. Raises
    ValueError for a naive ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use timezone-aware UTC")
    return moment.astimezone(UTC).isoformat()


def get_person(session: Session, username: str) -> User:
    """The active account called ``username`` (ignoring case), for its profile.

    Raises NotFound for an unknown name and for a disabled account, alike.
    """
    user = session.scalar(select(User).where(User.username_key == username.casefold()))
    if user is None or user.disabled:
        raise NotFound(f"There is no user called {username}.")
    return user


def groups_of(session: Session, user: User) -> list[Group]:
    """The groups ``user`` belongs to, by name: the profile's "Groups" section. Raises
    nothing but database errors."""
    return list(
        session.scalars(
            select(Group)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.user_id == user.id)
            .order_by(func.lower(Group.name), Group.key)
        )
    )


def clean_display_name(text: str) -> str | None:
    """A display name as stored: trimmed, inner spaces collapsed; None for an empty one.

    Raises InvalidInput (keyed ``display_name``) for one that is too long or holds
    control characters or characters that reorder text.
    """
    name = " ".join(text.split())
    if not name:
        return None
    if len(name) > MAX_DISPLAY_NAME_CHARS:
        raise InvalidInput(
            {"display_name": f"Use at most {MAX_DISPLAY_NAME_CHARS} characters for your name."}
        )
    if any(ch in _HIDDEN or unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidInput(
            {"display_name": "The name holds invisible characters that change how text reads."}
        )
    return name


def clean_email(text: str) -> str | None:
    """An e-mail address as stored: trimmed; None for an empty one.

    Raises InvalidInput (keyed ``email``) for something that is not an address.
    """
    email = text.strip()
    if not email:
        return None
    if len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email) or not email.isprintable():
        raise InvalidInput(
            {
                "email": f"“{email[:MAX_EMAIL_CHARS]}” is not an e-mail address, e.g. ana@example.com."
            }
        )
    return email


def clean_time_zone(text: str) -> str | None:
    """A time zone setting as stored: None (empty) for the site's default. Raises
    InvalidInput (keyed ``time_zone``) for an unknown zone."""
    name = text.strip()
    if not name:
        return None
    zone(name)
    return name


def update_profile(
    session: Session, user: User, display_name: str, email: str, time_zone: str
) -> bool:
    """Set ``user``'s display name, e-mail address and time zone (as typed; empty clears
    them), as the user does on their own settings page. Returns whether anything changed.

    Raises InvalidInput with a message for each bad field (``display_name``, ``email``,
    ``time_zone``), and for an address another account has. A change is recorded in the
    audit log as done by the user.
    """
    errors: dict[str, str] = {}
    wanted: dict[str, str | None] = {}
    for field, clean, text in (
        ("display_name", clean_display_name, display_name),
        ("email", clean_email, email),
        ("time_zone", clean_time_zone, time_zone),
    ):
        try:
            wanted[field] = clean(text)
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    new_email = wanted["email"]
    if new_email is not None and accounts.email_key(new_email) != user.email_key:
        accounts.check_email_is_free(session, accounts.email_key(new_email), user)
    changes = {
        field: {"from": getattr(user, field), "to": value}
        for field, value in wanted.items()
        if getattr(user, field) != value
    }
    if not changes:
        return False
    user.display_name = wanted["display_name"]
    user.email = new_email
    user.email_key = accounts.email_key(new_email) if new_email is not None else None
    user.time_zone = wanted["time_zone"]
    audit.record(session, user, AuditAction.USER_PROFILE, user, changes)
    return True
