"""Access: who can read and edit a page and why, a space's grants, and changing either
(always previewed, applied on confirmation)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access import grants, overview, restrictions
from wiki.access.explain import ACTION_WORDS, EXPLAINED_ACTIONS
from wiki.access.permissions import Action, can_in_space
from wiki.content import spaces
from wiki.db import get_session
from wiki.errors import Forbidden, InvalidInput
from wiki.views.common import (
    acting_user,
    check_form_encoding,
    form_text,
    load_page,
    require,
    write_transaction,
)

bp = Blueprint("access", __name__)


def _page_access(slug: str, errors: dict[str, str] | None = None, **form: str):
    page, via_alias = load_page(slug)
    if via_alias:
        return redirect(url_for("access.page", slug=page.slug), 301)
    session = get_session()
    shown = overview.page_access(session, current_user._get_current_object(), page)
    errors = dict(errors or {})
    explanation = None
    who, action = request.args.get("who", ""), request.args.get("action", "read")
    if who:
        try:
            explanation = overview.explain_for(
                session, current_user._get_current_object(), page, who, action
            )
        except InvalidInput as exc:
            errors.update(exc.errors)
    kind = form.get("kind", "read")
    own = shown.restrictions.own.get(restrictions.RestrictionKind(kind))
    defaults = {
        "kind": kind,
        "groups": " ".join(s.name for s in own.subjects if s.kind == "group") if own else "",
        "people": " ".join(s.name for s in own.subjects if s.kind == "user") if own else "",
    }
    return render_template(
        "access_page.html",
        access=shown,
        explanation=explanation,
        who=who or getattr(current_user, "username", ""),
        action=action,
        actions=[(a.value, ACTION_WORDS[a]) for a in EXPLAINED_ACTIONS],
        form={**defaults, **form},
        errors=errors,
    ), 400 if errors else 200


@bp.route("/wiki/<slug>/access")
def page(slug: str):
    """Who can read and edit the page, which rules say so, and why a person can or can't."""
    require(Action.VIEW_GROUPS)  # names staff and groups: for signed-in people only
    return _page_access(slug)


@bp.route("/wiki/<slug>/access/restrict", methods=["POST"])
def restrict(slug: str):
    """Narrow reading or editing of the page and its subtree: first a preview of who gains
    and who loses access, then, with ``confirm``, the change."""
    require(Action.VIEW_GROUPS)
    page, _via_alias = load_page(slug, Action.MANAGE_ACCESS)
    form = {"kind": form_text("kind"), "groups": form_text("groups"), "people": form_text("people")}
    try:
        check_form_encoding()
        if request.form.get("confirm") != "yes":
            change = restrictions.preview_restriction(
                get_session(), acting_user(), page, form["kind"], form["groups"], form["people"]
            )
            return render_template("access_restrict_preview.html", change=change, form=form)
        with write_transaction() as session:
            change = restrictions.set_restriction(
                session, acting_user(), page, form["kind"], form["groups"], form["people"]
            )
    except InvalidInput as exc:
        return _page_access(slug, exc.errors, **form)
    except Forbidden:
        abort(403)
    what = "Reading" if change.kind.value == "read" else "Editing"
    if change.subjects:
        flash(f"{what} of this page and the pages under it is now restricted.", "success")
    else:
        flash(f"{what} of this page is no longer restricted here.", "success")
    return redirect(url_for("access.page", slug=page.slug))


def _space_or_404(key: str):
    space = spaces.get_space(get_session(), key)
    if space is None or not can_in_space(current_user, Action.READ, space.id):
        abort(404)  # a space the viewer may not see is as good as missing
    return space


def _space_access(key: str, errors: dict[str, str] | None = None, **form: str):
    space = _space_or_404(key)
    if space.key != key:
        return redirect(url_for("access.space", key=space.key), 301)
    shown = overview.space_access(get_session(), current_user._get_current_object(), space)
    return render_template(
        "access_space.html",
        access=shown,
        form={"who": "group", "name": "", "level": "read", **form},
        errors=errors or {},
        levels=grants.LEVEL_LABELS,
    ), 400 if errors else 200


@bp.route("/-/spaces/<key>/access")
def space(key: str):
    """The space's grants, how many people hold each level, and (for its admins) a form
    to change them."""
    require(Action.VIEW_GROUPS)
    return _space_access(key)


@bp.route("/-/spaces/<key>/access/grant", methods=["POST"])
def grant(key: str):
    """Give a group, a person, every signed-in user or visitors a level in the space (or
    take it away): first a preview, then, with ``confirm``, the change."""
    require(Action.VIEW_GROUPS)
    space = _space_or_404(key)
    if not can_in_space(current_user, Action.MANAGE_ACCESS, space.id):
        abort(403)
    form = {"who": form_text("who"), "name": form_text("name"), "level": form_text("level")}
    try:
        check_form_encoding()
        if request.form.get("confirm") != "yes":
            change = grants.preview_grant(
                get_session(), acting_user(), space, form["who"], form["name"], form["level"]
            )
            return render_template("access_grant_preview.html", change=change, form=form)
        with write_transaction() as session:
            change = grants.set_grant(
                session, acting_user(), space, form["who"], form["name"], form["level"]
            )
    except InvalidInput as exc:
        return _space_access(key, exc.errors, **form)
    except Forbidden:
        abort(403)
    if change.level is None:
        flash(f"{change.subject.label} no longer has a grant in {space.name}.", "success")
    else:
        flash(
            f"{change.subject.label} may now {grants.LEVEL_LABELS[change.level]} in {space.name}.",
            "success",
        )
    return redirect(url_for("access.space", key=space.key))
