"""Atom feeds of recent changes: of the wiki, a space, a page, a tag and a person.

A feed is read as the signed-in user (or a visitor, when the wiki lets anyone read), or,
when its address carries ``?token=...``, as the owner of that personal feed token, for
that request only: the token logs nobody in and no other view reads it. A space, page,
tag or person the reader may not see answers exactly as a missing one does (404).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from wiki.access import feed_tokens, people
from wiki.access.permissions import Action, Viewer, can, can_in_space
from wiki.content import feeds, spaces
from wiki.content.feeds import FeedEntry
from wiki.content.pages import find_page
from wiki.db import get_session
from wiki.errors import Forbidden, NotFound
from wiki.views.common import require

bp = Blueprint("feeds", __name__, url_prefix="/-/feeds")

CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# An empty feed still needs an <updated>: a fixed moment, so that it never looks new.
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _viewer() -> Viewer:
    """Who the feed is for: the token's owner when the address carries one, else the
    signed-in user or visitor (sent to log in when visitors may not read)."""
    if "token" not in request.args:
        require(Action.READ)
        return current_user._get_current_object()
    owner = feed_tokens.owner_of(get_session(), request.args["token"])
    if owner is None:
        # Says nothing of whose token it was, nor of what the feed would hold.
        raise Forbidden(
            "This feed address does not work: its feed token was revoked or replaced. "
            "Its owner can make a new one in their settings."
        )
    return owner


def _atom(title: str, entries: list[FeedEntry], alternate: str) -> Response:
    feed_url = url_for(request.endpoint or "", **(request.view_args or {}), _external=True)
    host = urlsplit(request.host_url).hostname or "localhost"
    body = render_template(
        "feed.xml",
        title=feeds.xml_text(title),
        entries=entries,
        feed_url=feed_url,
        alternate=alternate,
        updated=entries[0].created_at if entries else _NEVER,
        host=host,
    )
    # Each reader gets their own feed: no shared cache may keep it.
    return Response(body, content_type=CONTENT_TYPE, headers={"Cache-Control": "private"})


@bp.route("/recent")
def site():
    viewer = _viewer()
    entries = feeds.site_entries(get_session(), viewer)
    return _atom("Recent changes", entries, url_for("history.recent", _external=True))


@bp.route("/spaces/<key>")
def space(key: str):
    viewer = _viewer()
    session = get_session()
    found = spaces.get_space(session, key)
    if found is None or not can_in_space(viewer, Action.READ, found.id):
        abort(404)
    entries = feeds.space_entries(session, viewer, found)
    alternate = url_for("spaces.space", key=found.key, _external=True)
    return _atom(f"Recent changes in {found.name}", entries, alternate)


@bp.route("/pages/<slug>")
def page(slug: str):
    viewer = _viewer()
    session = get_session()
    found, _via_alias = find_page(session, slug)
    if found is None or not can(viewer, Action.READ, found):
        abort(404)
    entries = feeds.page_entries(session, viewer, found)
    alternate = url_for("history.page_history", slug=found.slug, _external=True)
    return _atom(f"Changes of {found.title}", entries, alternate)


@bp.route("/tags/<path:tag>")
def tag(tag: str):
    viewer = _viewer()
    try:
        entries = feeds.tag_entries(get_session(), viewer, tag)
    except NotFound:
        abort(404)
    alternate = url_for("links.tags", _external=True)
    return _atom(f"Changes of pages tagged {feeds.normal_tag(tag)}", entries, alternate)


@bp.route("/people/<username>")
def person(username: str):
    viewer = _viewer()
    session = get_session()
    try:
        found = people.get_person(session, username)
    except NotFound:
        abort(404)  # the plain answer, whatever the name: it is not echoed back
    entries = feeds.person_entries(session, viewer, found)
    alternate = url_for("people.profile", username=found.username, _external=True)
    return _atom(f"Changes by {found.shown_name}", entries, alternate)
