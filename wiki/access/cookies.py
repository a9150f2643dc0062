"""The session cookie: Flask's signed cookies, with the key loaded when first needed and
verified cookies remembered.

- The secret key is read (or made) when a session first needs it, not when the app is
  built: building an app touches no file. Flask opens the session as a request starts,
  before any view, CSRF check or flask-login cookie reads ``current_app.secret_key``, so
  they all find the key set. A key set in the configuration is never replaced.
- A cookie whose signature has been checked is remembered, with its signing time, for as
  long as the process runs (the most recently used few thousand): the same bytes under the
  same key check out the same way every time, so a browser's next request skips the
  signature and decoding work, a good part of what a kept page view costs. The age limit is still
  applied to every request. Only sessions of plain values are remembered, so no request
  can change what another one is given.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

from wiki.config import load_secret_key

REMEMBERED_COOKIES = 4096
_PLAIN = (str, int, float, bool, type(None))


class WikiSessionInterface(SecureCookieSessionInterface):
    """See the module docstring. Thread-safe; one per app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._serializer: tuple[Any, URLSafeTimedSerializer] | None = None
        self._verified: OrderedDict[str, tuple[dict[str, Any], float]] = OrderedDict()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            with self._lock:  # threads of one worker: one of them reads or makes the file
                if not app.secret_key:
                    app.secret_key = load_secret_key(Path(app.instance_path))
        made = self._serializer
        if made is None or made[0] != app.secret_key:
            serializer = super().get_signing_serializer(app)
            if serializer is None:
                return None
            made = self._serializer = (app.secret_key, serializer)
        return made[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        remembered = self._verified.get(value)
        if remembered is not None and time.time() - remembered[1] <= max_age:
            with self._lock:
                if value in self._verified:  # another thread may have dropped it meanwhile
                    self._verified.move_to_end(value)
            return self.session_class(remembered[0])
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            with self._lock:
                self._verified[value] = (dict(data), signed_at.timestamp())
                if len(self._verified) > REMEMBERED_COOKIES:
                    self._verified.popitem(last=False)
        return self.session_class(data)
