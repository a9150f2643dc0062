"""Search: the results page and the title autocomplete used by the search box."""

from __future__ import annotations

from flask import (
    Blueprint,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from wiki.access.permissions import Action
from wiki.content.records import reviews
from wiki.db import get_session
from wiki.search.backend import IndexUnavailable
from wiki.search.runtime import get_engine
from wiki.search.service import Asked, ask, readable_check
from wiki.views.common import int_arg, require, viewer_today

bp = Blueprint("search", __name__)


@bp.route("/search")
def search_shortcut():
    require(Action.READ)
    return redirect(url_for("search.results", q=request.args.get("q", "")))


@bp.route("/-/search")
def results():
    require(Action.READ)
    asked = Asked(
        text=request.args.get("q", ""),
        page=min(int_arg("page") or 1, 1000),
        # "Search instead for ...": the words as typed, without correction or relaxing.
        exactly=request.args.get("exactly") == "1",
        fresh=request.args.get("fresh", ""),
        filters=tuple(request.args.getlist("f")),
        history=request.args.get("history") == "1",
        sort=request.args.get("sort", ""),
    )
    answer = ask(get_session(), current_user._get_current_object(), asked, viewer_today())
    return render_template(
        "search.html",
        asked=asked,
        query=asked.query,
        results=answer.results,
        facets=answer.facets,
        unavailable=answer.unavailable,
        freshness=reviews.FRESHNESS,
    )


@bp.route("/-/search/titles")
def titles():
    """Titles for the search box's autocomplete, as JSON."""
    require(Action.READ)
    prefix = request.args.get("q", "")[:100]
    if not prefix.strip():
        return jsonify([])
    allowed = readable_check(get_session(), current_user._get_current_object(), "", viewer_today())
    try:
        matches = get_engine().autocomplete(prefix, limit=8, allowed=allowed)
    except IndexUnavailable:
        matches = []
    return jsonify(
        [{"title": title, "url": url_for("pages.view", slug=slug)} for title, slug in matches]
    )
