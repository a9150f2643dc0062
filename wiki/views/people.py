"""People: profiles, and each user's own settings (name, e-mail, time zone, password)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access import accounts, feed_tokens, people
from wiki.access.attempts import TooManyAttempts
from wiki.access.permissions import Action, can
from wiki.content import history
from wiki.content.records import action_items, reviews
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.views.common import (
    acting_user,
    form_text,
    page_urls,
    require,
    viewer_today,
    write_transaction,
)

bp = Blueprint("people", __name__, url_prefix="/-")

RECENT_CONTRIBUTIONS = 10


@bp.route("/people/<username>")
def profile(username: str):
    require(Action.READ)
    session = get_session()
    person = people.get_person(session, username)
    recent = history.contributions(
        session, person, current_user._get_current_object(), limit=RECENT_CONTRIBUTIONS
    )
    # Who is in which group is for signed-in people only (like the group pages).
    shown_groups = (
        people.groups_of(session, person) if can(current_user, Action.VIEW_GROUPS) else None
    )
    viewer = current_user._get_current_object()
    owned = reviews.pages_owned_by(session, viewer, person)
    open_items = action_items.count_open(session, viewer, person.username, viewer_today())
    return render_template(
        "profile.html",
        person=person,
        groups=shown_groups,
        recent=recent,
        owned=owned,
        open_items=open_items,
        today=viewer_today(),
        page_url=page_urls(),
    )


def _settings_page(form: dict[str, str], errors: dict[str, str], new_feed_token: str = ""):
    return render_template(
        "account.html",
        form=form,
        errors=errors,
        zones=people.time_zone_choices(),
        site_zone=current_app.config["DEFAULT_TIME_ZONE"],
        feed_token=feed_tokens.token_of(get_session(), acting_user()),
        new_feed_token=new_feed_token,
    ), 400 if errors else 200


def _profile_form() -> dict[str, str]:
    user = acting_user()
    return {
        "display_name": user.display_name or "",
        "email": user.email or "",
        "time_zone": user.time_zone or "",
    }


@bp.route("/account", methods=["GET", "POST"])
def account():
    """The signed-in user's settings: the profile form posts here."""
    require(Action.OWN_ACCOUNT)
    if request.method == "GET":
        return _settings_page(_profile_form(), {})
    form = {name: form_text(name) for name in ("display_name", "email", "time_zone")}
    try:
        with write_transaction() as session:
            changed = people.update_profile(
                session, acting_user(), form["display_name"], form["email"], form["time_zone"]
            )
    except InvalidInput as exc:
        return _settings_page(form, exc.errors)
    flash("Saved your settings." if changed else "Your settings were already so.", "success")
    return redirect(url_for("people.account"))


@bp.route("/account/password", methods=["POST"])
def change_password():
    require(Action.OWN_ACCOUNT)
    try:
        with write_transaction() as session:
            accounts.change_own_password(
                session,
                acting_user(),
                form_text("old_password"),
                form_text("password"),
                form_text("password_confirm"),
                current_login=current_user.get_id(),
            )
    except InvalidInput as exc:
        return _settings_page(_profile_form(), exc.errors)
    flash("Changed your password; your other sessions were ended.", "success")
    return redirect(url_for("people.account"))


@bp.route("/account/feed-token", methods=["POST"])
def make_feed_token():
    """A new feed token, replacing any other: shown once, on the settings page this answers
    with (not through a redirect, so that it is never kept in the session cookie)."""
    require(Action.OWN_ACCOUNT)
    with write_transaction() as session:
        token = feed_tokens.make_token(session, acting_user())
    page, status = _settings_page(_profile_form(), {}, new_feed_token=token)
    return page, status, {"Cache-Control": "no-store"}


@bp.route("/account/feed-token/revoke", methods=["POST"])
def revoke_feed_token():
    require(Action.OWN_ACCOUNT)
    with write_transaction() as session:
        revoked = feed_tokens.revoke_token(session, acting_user())
    if revoked:
        flash("Revoked your feed token: feed addresses with it no longer work.", "success")
    else:
        flash("You had no feed token.", "info")
    return redirect(url_for("people.account", _anchor="feeds"))


@bp.errorhandler(TooManyAttempts)
def too_many_attempts(exc: TooManyAttempts):
    """Password changes with a wrong current password are limited: the form again, with
    the wait."""
    seconds = exc.retry_after
    message = f"Too many attempts, try again in {seconds} seconds."
    page, _status = _settings_page(_profile_form(), {"old_password": message})
    return page, 429, {"Retry-After": str(seconds)}
