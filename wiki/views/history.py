"""History views: page history, revisions, diffs, blame, restore, recent changes."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from wiki.access import accounts
from wiki.access.permissions import Action
from wiki.content import history
from wiki.content.pages import MAX_RESTORE_REASON_CHARS, get_revision, restore_revision
from wiki.content.reading import show_revision
from wiki.db import get_database, get_session
from wiki.errors import InvalidInput
from wiki.views.common import (
    acting_user,
    form_text,
    int_arg,
    int_field,
    limits,
    load_page,
    require,
    write_transaction,
)

bp = Blueprint("history", __name__)


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


@bp.route("/wiki/<slug>/history")
def page_history(slug: str):
    page, via_alias = load_page(slug)
    if via_alias:
        return redirect(url_for("history.page_history", slug=page.slug))
    window = history.page_history(
        get_session(), page, before=int_arg("before"), after=int_arg("after"), limit=_page_size()
    )
    return render_template("history.html", page=page, window=window)


@bp.route("/wiki/<slug>/rev/<int:number>")
def revision(slug: str, number: int):
    page, _ = load_page(slug)
    session = get_session()
    revision = get_revision(session, page, number)
    shown = show_revision(session, current_user._get_current_object(), revision, get_database())
    return render_template("revision.html", page=page, revision=revision, shown=shown)


@bp.route("/wiki/<slug>/rev/<int:number>/raw")
def raw(slug: str, number: int):
    page, _ = load_page(slug)
    revision = get_revision(get_session(), page, number)
    return Response(
        revision.body,
        mimetype="text/plain",
        headers={"X-Content-Type-Options": "nosniff", "Content-Disposition": "inline"},
    )


@bp.route("/wiki/<slug>/diff")
def choose_diff(slug: str):
    """The history page's compare form lands here and is sent to the stable diff URL."""
    page, _ = load_page(slug)
    old, new = int_arg("from"), int_arg("to")
    if old is None or new is None:
        flash("Pick two revisions to compare.", "error")
        return redirect(url_for("history.page_history", slug=page.slug))
    old, new = sorted((old, new))
    return redirect(url_for("history.diff", slug=page.slug, old=old, new=new, view=_diff_view()))


def _diff_view() -> str | None:
    """How the diff page shows the changes: "side" (the text side by side), "rendered"
    (the page as shown), or None (the text, inline)."""
    view = request.args.get("view")
    return view if view in ("side", "rendered") else None


@bp.route("/wiki/<slug>/diff/<int:old>/<int:new>")
def diff(slug: str, old: int, new: int):
    page, _ = load_page(slug)
    view = _diff_view()
    session = get_session()
    if view == "rendered":
        viewer = current_user._get_current_object()
        comparison = history.compare_rendered(session, viewer, page, old, new, get_database())
    else:
        comparison = history.compare(session, page, old, new)
    return render_template("diff.html", page=page, comparison=comparison, view=view)


@bp.route("/wiki/<slug>/blame")
def blame(slug: str):
    page, via_alias = load_page(slug)
    if via_alias:
        return redirect(url_for("history.blame", slug=page.slug))
    window = history.blame(get_session(), page, start=int_arg("from") or 1)
    return render_template("blame.html", page=page, window=window)


@bp.route("/wiki/<slug>/rev/<int:number>/restore", methods=["GET", "POST"])
def restore(slug: str, number: int):
    """GET shows what restoring revision ``number`` would change and asks for a reason;
    POST, with the number of the revision that was current then, restores it."""
    page, via_alias = load_page(slug, Action.RESTORE)
    if via_alias and request.method == "GET":
        return redirect(url_for("history.restore", slug=page.slug, number=number))
    reason = form_text("reason")
    errors: dict[str, str] = {}
    seen_current = int_field("current")
    if request.method == "POST" and seen_current is None:  # not sent from this page
        errors = {"current": "Check the changes below, then confirm."}
    elif request.method == "POST":
        try:
            with write_transaction() as session:
                result = restore_revision(
                    session,
                    acting_user(),
                    page,
                    number,
                    limits(),
                    reason=reason,
                    seen_current=seen_current,
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(
                f"Restored revision {number} as revision {result.new_revision.number}.", "success"
            )
            return redirect(url_for("pages.view", slug=page.slug))
    plan = history.restore_plan(get_session(), page, number)
    return render_template(
        "restore.html",
        page=page,
        plan=plan,
        reason=reason,
        errors=errors,
        max_reason=MAX_RESTORE_REASON_CHARS,
    ), 400 if errors else 200


@bp.route("/-/recent")
def recent():
    require(Action.READ)
    window = history.recent_changes(
        get_session(),
        current_user._get_current_object(),
        before=int_arg("before"),
        after=int_arg("after"),
        limit=_page_size(),
    )
    return render_template("recent.html", window=window)


@bp.route("/-/users/<username>/contributions")
def contributions(username: str):
    require(Action.READ)
    session = get_session()
    user = accounts.get_user(session, username)
    window = history.contributions(
        session,
        user,
        current_user._get_current_object(),
        before=int_arg("before"),
        after=int_arg("after"),
        limit=_page_size(),
    )
    return render_template("contributions.html", user=user, window=window)
