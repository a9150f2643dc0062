"""Links between pages: what links here, orphaned pages, wanted pages, the tag index."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access.permissions import Action, can_in_space
from wiki.content import links as service
from wiki.content import spaces
from wiki.db import get_session
from wiki.views.common import load_page, require

bp = Blueprint("links", __name__)


@bp.route("/wiki/<slug>/links")
def links_here(slug: str):
    """The pages that link to this one (a page the viewer may not read answers 404)."""
    page, via_alias = load_page(slug)
    if via_alias:
        return redirect(url_for("links.links_here", slug=page.slug))
    found = service.links_here(get_session(), current_user._get_current_object(), page)
    return render_template("links_here.html", page=page, links=found)


@bp.route("/-/orphans")
def orphans():
    """Pages no other page links to, in one space with ``?space=<key>``."""
    require(Action.READ)
    session = get_session()
    space = None
    key = request.args.get("space", "")[:100].strip()
    if key:
        space = spaces.get_space(session, key)
        # A space the viewer may not see is as good as missing.
        if space is None or not can_in_space(current_user, Action.READ, space.id):
            abort(404)
    found = service.orphans(session, current_user._get_current_object(), space)
    return render_template("orphans.html", orphans=found, space=space)


@bp.route("/-/wanted")
def wanted():
    """Pages that links lead to but that do not exist yet."""
    require(Action.READ)
    found = service.wanted_pages(get_session(), current_user._get_current_object())
    return render_template("wanted.html", wanted=found)


@bp.route("/-/tags")
def tags():
    """Every tag, with how many pages carry it."""
    require(Action.READ)
    found = service.tag_index(get_session(), current_user._get_current_object())
    return render_template("tags.html", tags=found)
