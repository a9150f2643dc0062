"""Failed login, first-run setup, invite and password-change attempts, limited per account
and per client address.

Failed POSTs to ``/-/login`` are counted per account (the typed username) and per client
address, those to ``/-/setup`` and ``/-/invite/<token>`` per client address, a signed-in
user's own password changes per account, each in a moving window, with the ``limits``
library (the counting engine of Flask-Limiter, used directly so that the other requests of
the wiki pay nothing for it). An attempt that works redirects and is not
counted, so an office behind one address is not locked out by its own logins. Once a limit
is used up, the form comes back with the wait (429, ``Retry-After``).

Counters live in memory, each worker counting on its own (and each app: tests never share
them), or in Redis (``WIKI_RATELIMIT_STORAGE_URI``), shared by every worker and host. The
storage is opened at the first attempt, never when the app is built. A storage that fails
is logged and lets the attempt through: a Redis that is down never turns a login into a
500, nor locks everyone out.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, make_response, request
from flask_login import current_user
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

DEFAULT_WAIT = 60  # seconds, when the storage cannot say


class TooManyAttempts(Exception):
    """A limit is used up: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many attempts; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """``rule`` counted separately for each value of ``key`` (read from the request)."""

    rule: RateLimitItem
    scope: str
    key: Callable[[], str]


def client_address() -> str:
    """The peer address, or the proxy's X-Forwarded-For entry when WIKI_PROXY_FIX says so."""
    return request.remote_addr or "unknown"


def signed_in_account() -> str:
    """The signed-in user's id (their own password change is limited per account)."""
    return str(getattr(current_user, "id", ""))


def account_name() -> str:
    """The username typed into the form, as accounts compare them (case-insensitive)."""
    return request.form.get("username", "").strip().casefold()[:64]


class AttemptLimiter:
    """The counters of one app. Thread-safe; raises nothing of its own but
    :class:`TooManyAttempts`."""

    def __init__(self, storage_uri: str, prefix: str):
        self.storage_uri = storage_uri
        self.prefix = prefix
        self._strategy: MovingWindowRateLimiter | None = None
        self._lock = threading.Lock()

    def _counter(self) -> MovingWindowRateLimiter:
        if self._strategy is None:
            with self._lock:
                if self._strategy is None:
                    options: dict[str, Any] = {}
                    if self.storage_uri.startswith(("redis", "valkey")):  # rediss://, too
                        # A Redis that does not answer must not hold a login for long.
                        options = {"socket_connect_timeout": 2, "socket_timeout": 2}
                    storage = storage_from_string(self.storage_uri, **options)
                    self._strategy = MovingWindowRateLimiter(storage)
        return self._strategy

    def _identifiers(self, limit: Limit) -> tuple[str, str, str]:
        return self.prefix, limit.scope, limit.key()

    def check(self, limits: Sequence[Limit]) -> None:
        """Raise TooManyAttempts when one of ``limits`` is used up for this request."""
        try:
            counter = self._counter()
            for limit in limits:
                identifiers = self._identifiers(limit)
                if not counter.test(limit.rule, *identifiers):
                    reset_at = counter.get_window_stats(limit.rule, *identifiers).reset_time
                    raise TooManyAttempts(max(1, math.ceil(reset_at - time.time())))
        except TooManyAttempts:
            raise
        except Exception:
            log.exception("rate limit storage failed; the attempt is let through")

    def count(self, limits: Sequence[Limit]) -> None:
        """Count a failed attempt against each of ``limits``."""
        try:
            counter = self._counter()
            for limit in limits:
                counter.hit(limit.rule, *self._identifiers(limit))
        except Exception:
            log.exception("rate limit storage failed; a failed attempt was not counted")


def get_limiter(app: Flask | None = None) -> AttemptLimiter:
    """The attempt counters of ``app`` (default: the current app)."""
    limiter: AttemptLimiter = (app or current_app).extensions["wiki.attempts"]
    return limiter


def _limited(view: Callable[..., Any], limits: Sequence[Limit]) -> Callable[..., Any]:
    """``view``, with its POSTs refused while a limit is used up and its failures (any
    answer but a redirect) counted."""

    @functools.wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return view(*args, **kwargs)
        limiter = get_limiter()
        limiter.check(limits)
        response = make_response(view(*args, **kwargs))
        if response.status_code != 302:
            limiter.count(limits)
        return response

    return limited


def init_app(app: Flask) -> None:
    """Limit the login and setup views of ``app`` (call after the blueprints are
    registered). Opens no storage. Raises ValueError for a limit it cannot read."""
    config = app.config
    app.extensions["wiki.attempts"] = AttemptLimiter(
        config.get("RATELIMIT_STORAGE_URI") or "memory://",
        config.get("RATELIMIT_KEY_PREFIX") or "bureaupedia",
    )
    if not config.get("RATELIMIT_ENABLED", True):
        return
    per_client = Limit(parse(config["LOGIN_LIMIT_PER_CLIENT"]), "client", client_address)
    per_account = Limit(parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), "account", account_name)
    # Each app's own view functions are wrapped (not the blueprint's shared ones).
    views = app.view_functions
    views["auth.login"] = _limited(views["auth.login"], [per_account, per_client])
    views["auth.setup"] = _limited(views["auth.setup"], [per_client])
    # Guessing an invite's token is hopeless (256 bits), but its form creates accounts.
    views["auth.accept_invite"] = _limited(views["auth.accept_invite"], [per_client])
    # A borrowed, signed-in browser must not try current passwords at leisure.
    own = Limit(parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), "password", signed_in_account)
    views["people.change_password"] = _limited(views["people.change_password"], [own])
