"""Owners and reviews: a page's review screen (owner, interval, verify, log) and the
dashboards of pages that need attention, per space and for the whole site."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access.permissions import Action
from wiki.content.records import reviews as service
from wiki.db import get_session
from wiki.errors import Forbidden, InvalidInput
from wiki.views.common import (
    acting_user,
    check_form_encoding,
    form_text,
    int_field,
    load_page,
    page_urls,
    require,
    viewer_today,
    visible_space,
    write_transaction,
)

bp = Blueprint("reviews", __name__)


@bp.route("/wiki/<slug>/review", methods=["GET", "POST"])
def page_review(slug: str):
    """Who owns the page, how often it is reviewed, its verifications; its owner (or an
    admin of its space) verifies it here or changes the owner and interval."""
    page, via_alias = load_page(slug)
    if via_alias:
        return redirect(url_for("reviews.page_review", slug=page.slug))
    session, viewer = get_session(), current_user._get_current_object()
    errors: dict[str, str] = {}
    form = {"owner": form_text("owner"), "every": request.form.get("every", ""), "note": ""}
    if request.method == "POST":
        require(Action.EDIT, page)
        try:
            check_form_encoding()
            with write_transaction() as session:
                if request.form.get("action") == "verify":
                    service.verify(session, acting_user(), page, form_text("note"))
                    message = "Marked as verified."
                else:
                    changed = service.change_review(
                        session,
                        acting_user(),
                        page,
                        form["owner"],
                        int_field("every") or 0,
                        viewer_today(),
                    )
                    message = "Saved the owner and review." if changed else "Nothing changed."
        except Forbidden:
            abort(403)
        except InvalidInput as exc:
            errors = exc.errors
            form["note"] = form_text("note")
        else:
            flash(message, "success")
            return redirect(url_for("reviews.page_review", slug=page.slug))
    review = service.review_of(session, page)
    shown = service.page_status(session, page.id, viewer_today())
    if request.method == "GET" or not form["owner"]:
        form["owner"] = service.owner_label(review) or ""
    if request.method == "GET" or not form["every"]:
        form["every"] = str(review.review_every_days or 0)
    return render_template(
        "page_review.html",
        page=page,
        status=shown[0] if shown else None,
        may_manage=service.may_manage(session, viewer, page, review),
        log=service.review_log(session, page),
        intervals=service.INTERVALS,
        form=form,
        errors=errors,
    ), 400 if errors else 200


def _dashboard(space=None):
    listed = service.dashboard(
        get_session(), current_user._get_current_object(), viewer_today(), space
    )
    return render_template(
        "reviews_dashboard.html",
        board=listed,
        space=space,
        due_soon=service.DUE_SOON_DAYS,
        stale_days=service.STALE_AFTER_DAYS,
        page_url=page_urls(),
    )


@bp.route("/-/reviews")
def site_dashboard():
    """Pages due or overdue for review, without an owner, or not edited for a long time."""
    require(Action.READ)
    return _dashboard()


@bp.route("/-/spaces/<key>/reviews")
def space_dashboard(key: str):
    """The review dashboard of one space."""
    space = visible_space(key)
    if space.key != key:
        return redirect(url_for("reviews.space_dashboard", key=space.key), 301)
    return _dashboard(space)
