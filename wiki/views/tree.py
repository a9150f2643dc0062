"""Moving a page, with every page under it, to another parent or another space: a form,
a preview of what the move does, then the move on confirmation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access.permissions import Action, can_in_space
from wiki.content import spaces, tree
from wiki.db import get_session
from wiki.errors import Forbidden, InvalidInput
from wiki.views.common import (
    acting_user,
    check_form_encoding,
    form_text,
    load_page,
    write_transaction,
)

bp = Blueprint("tree", __name__)


@bp.route("/wiki/<slug>/move", methods=["GET", "POST"])
def move(slug: str):
    """GET: the form (target space, new parent). POST: a preview of the move (how many
    pages, who gains and who loses access); POST with ``confirm``: the move."""
    page, via_alias = load_page(slug, Action.RENAME)
    if via_alias:
        return redirect(url_for("tree.move", slug=page.slug))
    session = get_session()
    parent = session.get(type(page), page.parent_id) if page.parent_id is not None else None
    form = {"space": page.space.key, "parent": parent.title if parent is not None else ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = {"space": form_text("space"), "parent": form_text("parent")}
        try:
            check_form_encoding()
            if request.form.get("confirm") != "yes":
                plan = tree.preview_move(
                    session, acting_user(), page, form["space"], form["parent"]
                )
                return render_template("move_preview.html", plan=plan, form=form)
            with write_transaction() as session:
                plan = tree.move_page(session, acting_user(), page, form["space"], form["parent"])
                moved, title = plan.page.slug, plan.page.title
                where = plan.to_space.name
        except InvalidInput as exc:
            errors = exc.errors
        except Forbidden:
            abort(403)
        else:
            along = ""
            if plan.under:
                along = f" with the {plan.under} page{'' if plan.under == 1 else 's'} under it"
            flash(f"Moved {title}{along} to {where}; old addresses lead here.", "success")
            return redirect(url_for("pages.view", slug=moved))
    writable = [
        listed
        for listed in spaces.list_spaces(session, current_user._get_current_object())
        if can_in_space(current_user, Action.CREATE, listed.space.id)
    ]
    return render_template(
        "move.html", page=page, form=form, errors=errors, spaces=writable
    ), 400 if errors else 200
