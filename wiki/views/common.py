"""Helpers shared by the views: permission checks, page lookup, the write transaction,
form input and numbers in addresses, redirects."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import cast
from urllib.parse import quote, unquote_to_bytes, urlsplit

from flask import Request, abort, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter, Map, ValidationError

from wiki.access import accounts, people
from wiki.access.login import login_manager
from wiki.access.permissions import Action, PageLike, can, can_in_space
from wiki.content import spaces
from wiki.content.pages import Limits, find_page
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.models import Page, Space


@functools.lru_cache(maxsize=1024)
def _cached_url(script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


def bdi(text: object) -> Markup:
    """``text``, escaped, in a ``<bdi>`` element: shown in its own direction, isolated from
    the text around it. Raises nothing."""
    return Markup("<bdi>{}</bdi>").format(text)


def site_url(endpoint: str, **values) -> str:
    """``url_for`` for addresses that depend only on their arguments (menu links, static
    files), remembered: every page's header needs a dozen of them."""
    return _cached_url(request.script_root, endpoint, tuple(sorted(values.items())))


# What werkzeug leaves unquoted in a path part (its converters' to_url).
_PATH_SAFE = "!$&'()*+,/:;=@"


def page_urls() -> Callable[[str], str]:
    """A function giving the address of the page at a slug, as ``url_for("pages.view",
    slug=...)`` does, for lists of many pages (the page tree): the routing is asked once.
    Needs a request context."""
    prefix = url_for("pages.view", slug="-")[:-1]
    return lambda slug: prefix + quote(slug, safe=_PATH_SAFE)


def viewer_zone() -> str:
    """The zone the current viewer sees dates in: their own, else the site's default."""
    return getattr(current_user, "time_zone", None) or current_app.config["DEFAULT_TIME_ZONE"]


def viewer_today() -> date:
    """Today's date where the current viewer is (their zone, else the site's)."""
    try:
        where = people.zone(viewer_zone())
    except InvalidInput:  # a zone the system no longer knows
        where = people.zone(current_app.config["DEFAULT_TIME_ZONE"])
    return datetime.now(where).date()


def localtime(moment: datetime, style: str = "minute") -> str:
    """The ``localtime`` template filter: ``moment`` as the current viewer reads it (see
    :func:`wiki.access.people.local_time`). A zone the system no longer knows falls back to
    the site's default rather than failing the page. Raises KeyError for an unknown style."""
    try:
        return people.local_time(moment, viewer_zone(), style)
    except InvalidInput:
        return people.local_time(moment, current_app.config["DEFAULT_TIME_ZONE"], style)


def require(action: Action, page: PageLike | None = None) -> None:
    """Stop the request unless the current user may do ``action``.

    Visitors who are not logged in are sent to the login page; logged-in users get 403.
    """
    if can(current_user, action, page):
        return
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403)


@contextlib.contextmanager
def write_transaction() -> Iterator[Session]:
    """The request's session for one change: committed when the block ends, rolled back
    when it raises.

    Re-raises whatever the block (or the commit) raised, so the view maps domain errors
    to its answer, and :mod:`wiki.views.errors` the rest.
    """
    session = get_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def acting_user():
    """The logged-in user's full account, to record as the author of a change."""
    return accounts.acting_user(get_session(), current_user._get_current_object())


def require_visible(page: PageLike, action: Action = Action.READ) -> None:
    """Stop the request unless the user may do ``action`` on ``page``.

    A page the user may not read (deleted, in a space not granted to them, or under a
    restriction) answers 404, as if it did not exist.
    """
    if not can(current_user, Action.READ, page):
        require(Action.READ)
        abort(404)
    require(action, page)


def load_page_or_none(slug: str, action: Action = Action.READ) -> tuple[Page | None, bool]:
    """Like :func:`load_page`, but (None, False) when no page has ``slug``."""
    require(Action.READ)
    page, via_alias = find_page(get_session(), slug)
    if page is not None:
        require_visible(page, action)
    return page, via_alias


def readable_page_or_none(slug: str) -> Page | None:
    """The page at ``slug`` (or an old slug of it) if the user may read it, else None:
    a page the user may not read is as good as missing."""
    require(Action.READ)
    page, _via_alias = find_page(get_session(), slug)
    if page is None or not can(current_user, Action.READ, page):
        return None
    return page


def visible_space(key: str) -> Space:
    """The space with ``key`` if the viewer may see it; 404 otherwise (a space the viewer
    may not see is as good as missing). Visitors who may read nothing log in first."""
    require(Action.READ)
    found = spaces.get_space(get_session(), key)
    if found is None or not can_in_space(current_user, Action.READ, found.id):
        abort(404)
    return found


def load_page(slug: str, action: Action = Action.READ) -> tuple[Page, bool]:
    """The page at ``slug`` if the user may do ``action`` on it, and whether the slug is old.

    Aborts with 404 for unknown pages and for deleted ones the user may not see.
    """
    page, via_alias = load_page_or_none(slug, action)
    if page is None:
        abort(404)
    return page, via_alias


def limits() -> Limits:
    return Limits(
        max_title_chars=current_app.config["MAX_TITLE_CHARS"],
        max_page_bytes=current_app.config["MAX_PAGE_BYTES"],
    )


_NON_ASCII = re.compile(rb"[\x80-\xff]")


class WikiRequest(Request):
    """Notes whether a submitted form was valid UTF-8.

    Werkzeug keeps undecodable bytes of a form as ``%XX`` text; saving that would silently
    change what the user sent, so the views refuse it with a message instead.
    """

    form_is_valid_utf8 = True

    def _load_form_data(self) -> None:
        if "form" not in self.__dict__ and self.mimetype == "application/x-www-form-urlencoded":
            raw = self.get_data(cache=True)  # cached: the form is then parsed from it
            if not raw.isascii():
                # Browsers percent-encode; raw bytes from other clients are encoded here
                # so that the parser below decodes (or flags) them like any other.
                raw = _NON_ASCII.sub(lambda match: b"%%%02X" % match.group()[0], raw)
                self._cached_data = raw
            try:
                for field in raw.split(b"&"):
                    unquote_to_bytes(field.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                self.form_is_valid_utf8 = False
        super()._load_form_data()


def check_form_encoding() -> None:
    """Raise InvalidInput when the submitted form was not valid UTF-8."""
    request.form  # noqa: B018  (parsing the form sets the flag)
    if not cast(WikiRequest, request).form_is_valid_utf8:
        raise InvalidInput(
            {
                "body": "The text is not valid UTF-8: some characters were damaged on the way. "
                "Check the text below and save again."
            }
        )


def form_text(name: str) -> str:
    """A form field as text ('' when missing)."""
    return request.form.get(name, "")


# Ids and revision numbers are 32-bit signed columns: larger numbers name nothing, and
# some databases refuse them outright (SQLite overflows past 2**63).
MAX_ROW_NUMBER = 2**31 - 1
_MAX_ROW_DIGITS = len(str(MAX_ROW_NUMBER))


def whole_number(value: str | None) -> int | None:
    """``value`` as a number from 0 to :data:`MAX_ROW_NUMBER` written in ASCII digits, or
    None for anything else (missing, empty, signed, other scripts' digits, too large).
    Never raises."""
    if not value or len(value) > _MAX_ROW_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ROW_NUMBER else None


def int_arg(name: str) -> int | None:
    """A numeric query argument (a cursor, a page of results, a revision number), or None
    when it is missing or not a :func:`whole_number`: such an argument counts as absent."""
    return whole_number(request.args.get(name))


def int_field(name: str) -> int | None:
    """A numeric form field, or None when it is missing or not a :func:`whole_number`."""
    return whole_number(request.form.get(name))


class RowNumberConverter(IntegerConverter):
    """The ``int`` converter of every route: ASCII digits up to :data:`MAX_ROW_NUMBER`.

    A larger number (or a digit of another script) matches no route, so the address
    answers 404 before any lookup.
    """

    regex = r"[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ROW_NUMBER,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> int:
        if len(value.lstrip("-")) > _MAX_ROW_DIGITS:
            raise ValidationError()  # before int(): a huge digit string costs time
        return super().to_python(value)


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return default
    return target
