"""First-run setup, log in, log out."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from wiki.access import accounts, security
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
            security.check_setup_token(form_text("setup_token"))
            if password != form_text("password_confirm"):
                raise InvalidInput({"password_confirm": "The two passwords differ."})
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


@bp.errorhandler(TooManyAttempts)
def too_many_attempts(exc: TooManyAttempts):
    """The form again, with the wait, the typed username kept; never a bare error page."""
    seconds = exc.retry_after
    message = f"Too many attempts, try again in {seconds} seconds."
    headers = {"Retry-After": str(seconds)}
    username = form_text("username")
    if request.endpoint == "auth.setup":
        page = render_template(
            "setup.html", username=username, setup_token="", errors={"attempts": message}
        )
    else:
        target = safe_next(request.values.get("next"), url_for("pages.home"))
        page = render_template("login.html", username=username, error=message, next=target)
    return page, 429, headers
