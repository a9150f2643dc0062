"""First-run setup, log in, log out."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from .. import accounts
from ..db import get_session
from ..errors import InvalidInput
from .common import form_text, safe_next

bp = Blueprint("auth", __name__, url_prefix="/-")


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    session = get_session()
    if accounts.has_users(session):
        return redirect(url_for("auth.login"))
    errors: dict[str, str] = {}
    username = form_text("username")
    if request.method == "POST":
        password = form_text("password")
        try:
            if password != form_text("password_confirm"):
                raise InvalidInput({"password_confirm": "The two passwords differ."})
            user = accounts.create_first_admin(session, username, password)
            session.commit()
        except InvalidInput as exc:
            session.rollback()
            errors = exc.errors
        else:
            login_user(user)
            return redirect(url_for("pages.home"))
    return render_template("setup.html", username=username, errors=errors), 400 if errors else 200


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
            login_user(user, remember=request.form.get("remember") == "on")
            return redirect(target)
        error = "Wrong username or password, or the account is disabled."
    status = 401 if error else 200
    return render_template("login.html", username=username, error=error, next=target), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
