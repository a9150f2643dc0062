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

from wiki.access.permissions import Action, readable_pages
from wiki.content.records import reviews
from wiki.db import get_session
from wiki.search.backend import IndexUnavailable
from wiki.search.runtime import get_engine, get_search
from wiki.search.synonym_list import current_synonyms
from wiki.search.syntax import MAX_QUERY_CHARS
from wiki.views.common import int_arg, require, viewer_today

bp = Blueprint("search", __name__)

PER_PAGE = 10


def _readable(fresh: str = ""):
    """The engine's ``allowed`` check: the pages the viewer may read (one rule, in
    :mod:`wiki.access.permissions`), and of freshness ``fresh`` if given."""
    readable = readable_pages(get_session(), current_user._get_current_object())
    if fresh not in reviews.FRESHNESS:
        return readable
    wanted = reviews.fresh_pages(get_session(), fresh, viewer_today())
    return lambda page_id: page_id in wanted and readable(page_id)


@bp.route("/search")
def search_shortcut():
    require(Action.READ)
    return redirect(url_for("search.results", q=request.args.get("q", "")))


@bp.route("/-/search")
def results():
    require(Action.READ)
    # The engine reads MAX_QUERY_CHARS characters and is given one more, so that it can say
    # the query was cut; the page echoes only what was searched.
    given = request.args.get("q", "")[: MAX_QUERY_CHARS + 1]
    query = given[:MAX_QUERY_CHARS]
    page = min(int_arg("page") or 1, 1000)
    # "Search instead for ...": the words as typed, without correction or relaxing.
    exactly = 1 if request.args.get("exactly") == "1" else None
    fresh = request.args.get("fresh", "")
    fresh = fresh if fresh in reviews.FRESHNESS else ""
    found, unavailable = None, False
    if query.strip():
        search = get_search()
        try:
            found = get_engine().search(
                given,
                page=page,
                per_page=PER_PAGE,
                allowed=_readable(fresh),
                as_typed=exactly is not None,
                synonyms=current_synonyms(get_session()),
            )
        except IndexUnavailable:
            unavailable = True
            search.changed()  # the indexer rebuilds it
    return render_template(
        "search.html",
        query=query,
        results=found,
        unavailable=unavailable,
        exactly=exactly,
        fresh=fresh or None,
        freshness=reviews.FRESHNESS,
    )


@bp.route("/-/search/titles")
def titles():
    """Titles for the search box's autocomplete, as JSON."""
    require(Action.READ)
    prefix = request.args.get("q", "")[:100]
    if not prefix.strip():
        return jsonify([])
    try:
        matches = get_engine().autocomplete(prefix, limit=8, allowed=_readable())
    except IndexUnavailable:
        matches = []
    return jsonify(
        [{"title": title, "url": url_for("pages.view", slug=slug)} for title, slug in matches]
    )
