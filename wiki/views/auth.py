"""First-run setup, log in, log out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access import accounts, invites, security
from wiki.access.attempts import TooManyAttempts
from wiki.access.login import log_in, log_out
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.views.common import form_text, safe_next, write_transaction

bp = Blueprint("auth", __name__, url_prefix="/-")

WRONG_CREDENTIALS = "Wrong username or password, or the account is disabled."


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    if accounts.has_users(get_session()):
        return redirect(url_for("auth.login"))
    security.ensure_setup_token()  # made (and printed) now if the server could not at start
    errors: dict[str, str] = {}
    username = form_text("username")
    if request.method == "POST":
        password = form_text("password")
        try:
            security.check_setup_form(
                form_text("setup_token"), username, password, form_text("password_confirm")
            )
            with write_transaction() as session:
                user = accounts.create_first_admin(session, username, password)
                signed_in = accounts.start_login_session(session, user, request.user_agent.string)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            security.discard_setup_token()
            log_in(signed_in)
            return redirect(url_for("pages.home"))
    # A correct token is kept in the form, so fixing a password does not mean pasting it again.
    token = form_text("setup_token") if "setup_token" not in errors else ""
    page = render_template("setup.html", username=username, setup_token=token, errors=errors)
    return page, 400 if errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"), url_for("pages.home"))
    if current_user.is_authenticated:
        return redirect(target)
    username = form_text("username")
    error = None
    if request.method == "POST":
        user = accounts.authenticate(get_session(), username, form_text("password"))
        if user is not None:
            with write_transaction() as session:
                signed_in = accounts.start_login_session(session, user, request.user_agent.string)
            log_in(signed_in, remember=request.form.get("remember") == "on")
            return redirect(target)
        error = WRONG_CREDENTIALS
    status = 401 if error else 200
    return render_template("login.html", username=username, error=error, next=target), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        with write_transaction() as session:
            accounts.end_login_session(session, current_user.get_id())
    log_out()
    return redirect(url_for("auth.login"))


def _invite_page(token: str, invite, username: str, errors: dict[str, str]):
    page = render_template(
        "invite.html", token=token, invite=invite, username=username, errors=errors
    )
    return page, 400 if errors else 200


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    """A one-time sign-up link: the invitee picks a username and password."""
    session = get_session()
    username = form_text("username")
    try:
        invite = invites.usable_invite(session, token)
        if request.method == "GET":
            return _invite_page(token, invite, username, {})
        with write_transaction() as session:
            user = invites.accept_invite(
                session, token, username, form_text("password"), form_text("password_confirm")
            )
            if current_user.is_authenticated:
                # This browser moves to the new account: its old login ends.
                accounts.end_login_session(session, current_user.get_id())
            signed_in = accounts.start_login_session(session, user, request.user_agent.string)
    except invites.InviteUnusable as exc:
        status = 404 if exc.state is None else 410
        page = render_template("error.html", status=status, title="Invitation", message=exc.message)
        return page, status
    except InvalidInput as exc:
        return _invite_page(
            token, invites.usable_invite(get_session(), token), username, exc.errors
        )
    log_in(signed_in)
    flash(f"Welcome, {signed_in.username}: your account is ready.", "success")
    return redirect(url_for("pages.home"))


@bp.errorhandler(TooManyAttempts)
def too_many_attempts(exc: TooManyAttempts):
    """The form again, with the wait, the typed username kept; never a bare error page."""
    seconds = exc.retry_after
    message = f"Too many attempts, try again in {seconds} seconds."
    headers = {"Retry-After": str(seconds)}
    username = form_text("username")
    if request.endpoint == "auth.accept_invite":
        token = (request.view_args or {}).get("token", "")
        try:
            invite = invites.usable_invite(get_session(), token)
        except invites.InviteUnusable as unusable:
            page = render_template(
                "error.html", status=429, title="Invitation", message=unusable.message
            )
        else:
            page = render_template(
                "invite.html",
                token=token,
                invite=invite,
                username=username,
                errors={"attempts": message},
            )
    elif request.endpoint == "auth.setup":
        page = render_template(
            "setup.html", username=username, setup_token="", errors={"attempts": message}
        )
    else:
        target = safe_next(request.values.get("next"), url_for("pages.home"))
        page = render_template("login.html", username=username, error=message, next=target)
    return page, 429, headers
