"""Action items: "My action items", a space's open items, and ticking a box on a page."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access.permissions import Action
from wiki.content.records import action_items as service
from wiki.content.records.ticking import tick_task
from wiki.db import get_session
from wiki.errors import EditConflict, InvalidInput
from wiki.views.common import (
    acting_user,
    int_field,
    limits,
    load_page,
    page_urls,
    require,
    viewer_today,
    visible_space,
    write_transaction,
)

bp = Blueprint("actions", __name__)


@bp.route("/-/actions")
def mine():
    """The signed-in person's action items: open ones (overdue first), or done ones."""
    require(Action.OWN_ACCOUNT)
    viewer = current_user._get_current_object()
    done = request.args.get("done") == "1"
    listed = service.my_items(get_session(), viewer, viewer.username, viewer_today(), done=done)
    return render_template("actions_mine.html", listed=listed, done=done, page_url=page_urls())


@bp.route("/-/spaces/<key>/actions")
def of_space(key: str):
    """A space's open action items (of one owner with ``?owner=``), overdue first."""
    space = visible_space(key)
    if space.key != key:
        return redirect(url_for("actions.of_space", key=space.key), 301)
    owner = request.args.get("owner", "")[:65].strip()
    listed = service.space_items(
        get_session(), current_user._get_current_object(), space, viewer_today(), owner=owner
    )
    return render_template(
        "actions_space.html", space=space, listed=listed, owner=owner, page_url=page_urls()
    )


@bp.route("/wiki/<slug>/tasks/<int:position>", methods=["POST"])
def tick(slug: str, position: int):
    """Tick (``done=1``) or clear a box of the page as revision ``base`` showed it; answers
    JSON for the page's script: 200 saved (or nothing to save), 400 the page changed, 409 a
    conflicting edit."""
    page, _ = load_page(slug, Action.EDIT)
    base = int_field("base") or 0
    try:
        with write_transaction() as session:
            result = tick_task(
                session,
                acting_user(),
                page,
                base,
                position,
                request.form.get("done") == "1",
                limits(),
            )
    except InvalidInput as exc:
        return jsonify(saved=False, message=next(iter(exc.errors.values()))), 400
    except EditConflict:
        message = "Someone changed this item meanwhile; reload the page to see their change."
        return jsonify(saved=False, message=message), 409
    revision = result.revision
    return jsonify(
        saved=revision is not None,
        revision=revision.number if revision is not None else page.latest_number,
        summary=revision.summary if revision is not None else "",
    )
