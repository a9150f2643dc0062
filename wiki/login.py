"""Login sessions (flask-login), CSRF, and the first-run redirect to the setup page."""

from __future__ import annotations

from flask import Flask, current_app, redirect, request, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from . import accounts
from .db import get_session

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"
# A stolen session cookie used from elsewhere is refused.
login_manager.session_protection = "strong"
csrf = CSRFProtect()


@login_manager.user_loader
def load_user(token: str):
    # The cookie holds the user's session token, not the id: resetting the password or
    # disabling the account changes the token and so ends every session at once.
    return accounts.user_by_session_token(get_session(), token)


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
