"""User management, the audit log and the search synonyms, for admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from wiki.access import accounts, audit, groups, invites
from wiki.access.permissions import Action
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.models import Role
from wiki.search import synonym_list
from wiki.search.synonyms import MAX_GROUPS, MAX_TERM_CHARS, MAX_TERMS_PER_GROUP
from wiki.views.common import (
    acting_user,
    check_form_encoding,
    form_text,
    int_arg,
    require,
    write_transaction,
)

bp = Blueprint("admin", __name__, url_prefix="/-/admin")


@bp.before_request
def admins_only():
    require(Action.MANAGE_USERS)


@bp.route("/users", methods=["GET", "POST"])
def users():
    errors: dict[str, str] = {}
    form = {"username": form_text("username"), "role": form_text("role") or Role.EDITOR.value}
    if request.method == "POST":
        try:
            with write_transaction() as session:
                user = accounts.create_user(
                    session,
                    form["username"],
                    form_text("password"),
                    form["role"],
                    actor=acting_user(),
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(f"Created the account {user.username}.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin_users.html",
        users=accounts.list_users(get_session()),
        roles=list(Role),
        groups=groups.list_groups(get_session()),
        form=form,
        errors=errors,
    ), 400 if errors else 200


_CHANGES = {
    "role": (
        lambda s, u, a: accounts.set_role(s, u, form_text("role"), actor=a),
        "Changed the role of {}.",
    ),
    "password": (
        lambda s, u, a: accounts.set_password(s, u, form_text("password"), actor=a),
        "Set a new password for {}; their sessions were ended.",
    ),
    "disable": (lambda s, u, a: accounts.set_disabled(s, u, True, actor=a), "Disabled {}."),
    "enable": (lambda s, u, a: accounts.set_disabled(s, u, False, actor=a), "Enabled {}."),
}


@bp.route("/users/<username>/<any(role, password, disable, enable):change>", methods=["POST"])
def change_user(username: str, change: str):
    user = accounts.get_user(get_session(), username)
    apply, message = _CHANGES[change]
    try:
        with write_transaction() as session:
            apply(session, user, acting_user())
    except InvalidInput as exc:
        flash(next(iter(exc.errors.values())), "error")
    else:
        flash(message.format(user.username), "success")
    return redirect(url_for("admin.users"))


def _invites_page(form: dict[str, Any], errors: dict[str, str], made=None, status=None):
    return render_template(
        "admin_invites.html",
        invites=invites.list_invites(get_session()),
        state_of=invites.state_of,
        roles=list(Role),
        groups=groups.list_groups(get_session()),
        form=form,
        errors=errors,
        made=made,
        days=current_app.config["INVITE_DAYS"],
    ), status or (400 if errors else 200)


@bp.route("/invites", methods=["GET", "POST"])
def invites_page():
    """Invites: the form makes one and shows its link, once, on the page it answers with."""
    chosen = request.form.getlist("groups")
    form: dict[str, Any] = {
        "email": form_text("email"),
        "role": form_text("role") or Role.EDITOR.value,
        "groups": chosen,
    }
    if request.method == "GET":
        return _invites_page(form, {})
    try:
        with write_transaction() as session:
            made = invites.create_invite(
                session,
                acting_user(),
                form["email"],
                form["role"],
                chosen,
                days=current_app.config["INVITE_DAYS"],
            )
            link = url_for("auth.accept_invite", token=made.token, _external=True)
            email = made.invite.email
    except InvalidInput as exc:
        return _invites_page(form, exc.errors)
    # Not a redirect: the link is in this answer only, never in a cookie or the database.
    return _invites_page(
        {"email": "", "role": form["role"], "groups": []}, {}, made={"email": email, "link": link}
    )


@bp.route("/invites/<int:invite_id>/revoke", methods=["POST"])
def revoke_invite(invite_id: int):
    try:
        with write_transaction() as session:
            invite = invites.revoke_invite(session, acting_user(), invite_id)
            email = invite.email
    except InvalidInput as exc:
        flash(next(iter(exc.errors.values())), "error")
    else:
        flash(f"Revoked the invite for {email}; its link no longer works.", "success")
    return redirect(url_for("admin.invites_page"))


@bp.route("/audit", endpoint="audit")
def audit_log():
    """The audit log, newest first; filters ``actor``, ``action``, ``target``, ``from``,
    ``to`` (yyyy-mm-dd) and cursors ``before``/``after``."""
    require(Action.VIEW_AUDIT)
    query = audit.AuditQuery.from_args(request.args)
    errors: dict[str, str] = {}
    try:
        window = audit.events(
            get_session(),
            query,
            before=int_arg("before"),
            after=int_arg("after"),
            limit=current_app.config["PAGE_SIZE"],
        )
    except InvalidInput as exc:
        window, errors = None, exc.errors
    return render_template(
        "audit.html",
        query=query,
        window=window,
        errors=errors,
        actions=list(audit.AuditAction),
        describe=audit.describe,
    ), 400 if errors else 200


@bp.route("/search", methods=["GET", "POST"])
def search_settings():
    """The synonym list: one group of equivalent terms per line."""
    require(Action.MANAGE_SEARCH)
    errors: dict[str, str] = {}
    current = synonym_list.synonym_list(get_session())
    text = current.text
    if request.method == "POST":
        reset = "reset" in request.form
        text = form_text("synonyms")
        try:
            check_form_encoding()
            with write_transaction() as session:
                changed = synonym_list.save_synonyms(
                    session, None if reset else text, actor=acting_user()
                )
        except InvalidInput as exc:
            errors = {"synonyms": next(iter(exc.errors.values()))}
        else:
            if not changed:
                flash("The synonyms were already so; nothing changed.", "info")
            elif reset:
                flash("Search uses the built-in synonyms again.", "success")
            else:
                flash("Saved the synonyms; the next search uses them.", "success")
            return redirect(url_for("admin.search_settings"))
    return render_template(
        "admin_search.html",
        text=text,
        current=current,
        errors=errors,
        limits={"groups": MAX_GROUPS, "terms": MAX_TERMS_PER_GROUP, "chars": MAX_TERM_CHARS},
    ), 400 if errors else 200
