"""Login sessions (flask-login), CSRF, and the first-run redirect to the setup page."""

from __future__ import annotations

import logging

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import LoginManager, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import SQLAlchemyError

from wiki.access import accounts
from wiki.db import WRITE_METHODS, get_database, get_session


class _LoginManager(LoginManager):
    def _session_protection_failed(self) -> bool:
        # A session without a login has nothing to protect, yet flask-login's strong mode
        # rewrote it (and cleared the remember-me cookie) on every anonymous request: an
        # answer still on its way when the person logged in (the login page's icon) then
        # put the cookie from before the login back, and the new login was lost.
        if "_user_id" not in session:
            return False
        return bool(super()._session_protection_failed())


login_manager = _LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"
# A stolen session cookie used from elsewhere is refused.
login_manager.session_protection = "strong"
csrf = CSRFProtect()


log = logging.getLogger(__name__)


@login_manager.user_loader
def load_user(token: str):
    # The session and remember-me cookies hold the id of a login_sessions row, not the
    # user's: logging out deletes the row, a password reset or disabling deletes them all.
    user = accounts.user_by_login_session(get_session(), token)
    if user is not None:
        record_seen(user)
    return user


def record_seen(user: accounts.SignedInUser) -> None:
    """Record the login as used now when it is due (every few minutes, not on every
    request), best effort: a failure is logged, never raised."""
    if not accounts.is_due_for_last_seen(user):
        return
    if request.method in WRITE_METHODS:
        # The request's own transaction holds the write lock on SQLite: write there; the
        # change is kept if the request commits.
        accounts.touch_login_session(get_session(), user)
        return
    # A page view's transaction only reads: a short transaction of its own.
    try:
        with get_database().session(write=True) as writer:
            accounts.touch_login_session(writer, user)
            writer.commit()
    except SQLAlchemyError:
        log.warning("could not record the last use of a login", exc_info=True)


def log_in(user: accounts.SignedInUser, remember: bool = False) -> None:
    """Put the login in the cookies, in a fresh session: whatever the browser's session
    held before (perhaps planted by someone else) is dropped."""
    session.clear()
    login_user(user, remember=remember)


def log_out() -> None:
    """Forget the login in this browser (the caller ends the login_sessions row)."""
    session.clear()
    logout_user()  # after clear(): it asks for the remember-me cookie to be deleted


def _require_setup():
    """Until the first account exists, every page leads to the setup page."""
    if request.endpoint in {"auth.setup", "static"}:
        return None
    if current_app.extensions.get("wiki.has_users"):
        return None
    if accounts.has_users(get_session()):
        current_app.extensions["wiki.has_users"] = True  # never goes back: accounts are not deleted
        return None
    return redirect(url_for("auth.setup"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
    app.before_request(_require_setup)
