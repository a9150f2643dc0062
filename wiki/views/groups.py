"""Groups: the list, each group's page, admins' forms to create, rename and delete groups,
and the managers' (and admins') forms to change members, with a preview to confirm."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access import groups
from wiki.access.permissions import Action
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.views.common import (
    acting_user,
    check_form_encoding,
    form_text,
    require,
    write_transaction,
)

bp = Blueprint("groups", __name__, url_prefix="/-/groups")


@bp.before_request
def signed_in_only():
    require(Action.VIEW_GROUPS)


def _limits() -> dict[str, int]:
    return {
        "name": groups.MAX_NAME_CHARS,
        "description": groups.MAX_DESCRIPTION_CHARS,
        "names": groups.MAX_NAMES_PER_CHANGE,
    }


@bp.route("")
def index():
    return render_template("groups.html", groups=groups.list_groups(get_session()))


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(Action.MANAGE_GROUPS)
    errors: dict[str, str] = {}
    form = {name: form_text(name) for name in ("key", "name", "description")}
    if request.method == "POST":
        try:
            check_form_encoding()
            with write_transaction() as session:
                group = groups.create_group(
                    session, acting_user(), form["key"], form["name"], form["description"]
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(f"Created the group {group.name}. Add its members below.", "success")
            return redirect(url_for("groups.view", key=group.key))
    return render_template(
        "group_new.html", form=form, errors=errors, limits=_limits()
    ), 400 if errors else 200


def _group_page(key: str, errors: dict[str, str] | None = None, **form: str):
    page = groups.group_page(get_session(), current_user, key)
    html = render_template(
        "group.html",
        page=page,
        errors=errors or {},
        form={"usernames": "", "change": "add", **form},
        limits=_limits(),
    )
    return html, 400 if errors else 200


@bp.route("/<key>")
def view(key: str):
    return _group_page(key)


@bp.route("/<key>/edit", methods=["GET", "POST"])
def edit(key: str):
    """Rename the group and change its description (admins)."""
    require(Action.MANAGE_GROUPS)
    group = groups.get_group(get_session(), key)
    errors: dict[str, str] = {}
    form = {"name": group.name, "description": group.description}
    if request.method == "POST":
        form = {"name": form_text("name"), "description": form_text("description")}
        try:
            check_form_encoding()
            with write_transaction() as session:
                changed = groups.update_group(
                    session, acting_user(), group, form["name"], form["description"]
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash("Saved the group." if changed else "Nothing changed.", "success")
            return redirect(url_for("groups.view", key=group.key))
    return render_template(
        "group_edit.html", group=group, form=form, errors=errors, limits=_limits()
    ), 400 if errors else 200


@bp.route("/<key>/delete", methods=["GET", "POST"])
def delete(key: str):
    """Delete the group (admins), after a page naming the members who lose it."""
    require(Action.MANAGE_GROUPS)
    if request.method == "POST":
        with write_transaction() as session:
            group = groups.get_group(session, key)
            name = group.name
            lost = groups.delete_group(session, acting_user(), group)
        flash(f"Deleted the group {name}; {len(lost)} members lost it.", "success")
        return redirect(url_for("groups.index"))
    return render_template(
        "group_delete.html", page=groups.group_page(get_session(), current_user, key)
    )


@bp.route("/<key>/members/<any(add, remove):change>", methods=["POST"])
def members(key: str, change: str):
    """Add or remove the typed usernames: first a preview of who gains or loses the group,
    then, when the preview's form comes back with ``confirm``, the change itself."""
    session = get_session()
    group = groups.get_group(session, key)
    if not groups.may_manage(session, current_user, group):
        abort(403)
    text = form_text("usernames")
    try:
        check_form_encoding()
        if request.form.get("confirm") != "yes":
            preview = groups.preview_members(session, acting_user(), group, change, text)
            access = groups.group_page(session, current_user, key).grants
            return render_template(
                "group_preview.html", group=group, preview=preview, usernames=text, access=access
            )
        with write_transaction() as session:
            done = groups.change_members(session, acting_user(), group, change, text)
    except InvalidInput as exc:
        return _group_page(
            key, {"usernames": next(iter(exc.errors.values()))}, usernames=text, change=change
        )
    if not done.changes_anything:
        flash("Nothing changed: the group was already so.", "info")
    else:
        verb = "Added" if change == "add" else "Removed"
        flash(
            f"{verb} {', '.join(done.changed)}; {group.name} has {done.after} members.", "success"
        )
    return redirect(url_for("groups.view", key=group.key))


@bp.route("/<key>/managers/<username>/<any(grant, revoke):change>", methods=["POST"])
def manager(key: str, username: str, change: str):
    """Make a member a manager of the group, or a plain member again."""
    session = get_session()
    group = groups.get_group(session, key)
    if not groups.may_manage(session, current_user, group):
        abort(403)
    try:
        with write_transaction() as session:
            changed = groups.set_manager(session, acting_user(), group, username, change == "grant")
    except InvalidInput as exc:
        flash(next(iter(exc.errors.values())), "error")
    else:
        if changed:
            role = "a manager" if change == "grant" else "a member, no longer a manager"
            flash(f"{username} is now {role} of {group.name}.", "success")
    return redirect(url_for("groups.view", key=group.key))
