"""Spaces: the directory, one space's page, and creating a space."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access.permissions import Action, can_in_space
from wiki.content import spaces as service
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.views.common import acting_user, form_text, require, write_transaction

bp = Blueprint("spaces", __name__)


@bp.route("/-/spaces")
def directory():
    require(Action.READ)
    listed = service.list_spaces(get_session(), current_user._get_current_object())
    return render_template("spaces.html", spaces=listed)


@bp.route("/-/spaces/new", methods=["GET", "POST"])
def new():
    require(Action.MANAGE_SPACES)
    key, name, description = form_text("key"), form_text("name"), form_text("description")
    # Open unless "private" was chosen: like the default space, every signed-in account
    # reads it and, as far as its role allows, edits.
    open_to_signed_in = form_text("access") != "private"
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            with write_transaction() as session:
                space = service.create_space(
                    session,
                    acting_user(),
                    key,
                    name,
                    description,
                    open_to_signed_in=open_to_signed_in,
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            return redirect(url_for("spaces.space", key=space.key))
    status = 400 if errors else 200
    return render_template(
        "space_new.html",
        key=key,
        name=name,
        description=description,
        open_to_signed_in=open_to_signed_in,
        errors=errors,
    ), status


@bp.route("/-/spaces/<key>")
def space(key: str):
    require(Action.READ)
    session = get_session()
    found = service.get_space(session, key)
    if found is None or not can_in_space(current_user, Action.READ, found.id):
        abort(404)  # a space the viewer may not see is as good as missing
    if found.key != key:
        return redirect(url_for("spaces.space", key=found.key), 301)
    pages = service.pages_of_space(session, found, current_user._get_current_object())
    return render_template("space.html", space=found, pages=pages)
