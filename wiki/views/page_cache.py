"""Page views kept per viewer, and served again only while the database says that nothing
they show has changed.

A page view's HTML is kept (in this process's memory, bounded, least recently used first
out) under its address and the viewer: their login, their form-protection secret (the
logout form carries a token made from it) and their role. Before a kept view is served,
one SQL statement (:func:`wiki.content.view_state.view_state`) reads what it depends on:
the page's current revision and its author's display name, the links, access and spaces
generations, and whether the login still holds and with which names, role and time zone.
The view is served only when all of these equal what they were when it was rendered;
otherwise the page is rendered afresh and kept in its place. So an edit, a new, renamed,
deleted, undeleted or moved page, a renamed space, a role change, a logout, a password
change, a new display name or time zone, or a disabled account shows at the next request,
on every worker and every host, and no request is served a page its viewer may not read
now.

Contract for access rules (spaces, groups, restrictions...): a rule change must be
recorded with an audit action listed in :data:`wiki.access.audit.ACCESS_ACTIONS`, in the
same transaction; that moves the access generation and retires every kept view.

Views are not kept when the request or session carries something the HTML reflects beyond
that key: a query string, messages waiting to be shown, a session changed while rendering.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, request, session

from wiki.access.accounts import SignedInUser
from wiki.access.login import login_manager, record_seen
from wiki.access.permissions import audience
from wiki.access.reach import note_generation
from wiki.content.view_state import ViewState, view_state
from wiki.db import get_database

_PENDING = "page_cache_pending"


@dataclass(frozen=True)
class _Kept:
    stamp: Hashable  # what the database said when the view was rendered
    body: bytes


class PageViewCache:
    """Rendered page views, at most ``max_bytes`` of them, least recently used dropped
    first. Thread-safe; one per app in each process. Raises nothing."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Hashable, stamp: Hashable) -> bytes | None:
        """The body kept under ``key`` if it was rendered at ``stamp``, else None."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is None or kept.stamp != stamp:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return kept.body

    def put(self, key: Hashable, stamp: Hashable, body: bytes) -> None:
        """Keep ``body`` under ``key``, replacing what was there; too large a body is not
        kept."""
        if len(body) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = _Kept(stamp, body)
            self._size += len(body)
            while self._size > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


def get_cache(app: Flask | None = None) -> PageViewCache:
    """The page view cache of ``app`` (default: the current app)."""
    cache: PageViewCache = (app or current_app).extensions["wiki.page_cache"]
    return cache


def _login_of_this_browser() -> tuple[bool, str | None]:
    """Whether a kept view may be considered, and the login the session carries.

    Not when the login would be restored from the remember-me cookie, or when the session
    was made on another browser or address (flask-login's strong session protection): the
    full path deals with those.
    """
    token = session.get("_user_id")
    if token is None:
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        return remembered not in request.cookies, None
    # flask-login's own identifier of this browser and address, as its protection compares.
    same_browser = session.get("_id") == login_manager._session_identifier_generator()
    return same_browser, token


def _stamp(state: ViewState, viewer: SignedInUser | None) -> Hashable:
    # The menu names the viewer and every date is shown in their zone.
    who = (
        (viewer.username, viewer.display_name, viewer.role, viewer.time_zone)
        if viewer is not None
        else None
    )
    return (state.revision_id, state.author_name, state.generations, who)


def serve(slug: str) -> Response | None:
    """The kept view of the page at ``slug`` for this viewer, if the database confirms it
    is current; else None, and the page rendered next for this request is kept by
    :func:`keep`. Database errors propagate."""
    cache = get_cache()
    if not cache.enabled or request.query_string or "_flashes" in session:
        return None
    usable, token = _login_of_this_browser()
    if not usable:
        return None
    state = view_state(get_database(), slug, token)
    note_generation(state.access_generation)  # the rest of the request needs no query for it
    viewer = state.viewer
    if state.revision_id is None or (token is not None and viewer is None):
        return None  # no such page (an old address?), or the login has ended
    who: Any = viewer if viewer is not None else login_manager.anonymous_user()
    key = (slug, token, session.get("csrf_token"), audience(who))
    stamp = _stamp(state, viewer)
    body = cache.get(key, stamp)
    if body is None:
        setattr(g, _PENDING, (key, stamp))
        return None
    if viewer is not None:
        record_seen(viewer)
    return Response(body, mimetype="text/html")


def keep(response: Response) -> Response:
    """Keep ``response`` for the request that :func:`serve` could not answer, when nothing
    outside the cache key went into it. Returns ``response``."""
    pending: tuple[Hashable, Hashable] | None = g.pop(_PENDING, None)
    if pending is None or response.status_code != 200 or session.modified:
        return response
    key, stamp = pending
    get_cache().put(key, stamp, response.get_data())
    return response


def init_app(app: Flask, max_bytes: int) -> None:
    """Give ``app`` its cache of ``max_bytes`` (0: views are never kept). No I/O."""
    app.extensions["wiki.page_cache"] = PageViewCache(max_bytes)
