"""HTTP views, one blueprint per area. Views parse the request, call a service, render."""

from __future__ import annotations

from flask import Flask

from .common import WikiRequest, site_url

__all__ = ["WikiRequest", "init_app", "site_url"]


def init_app(app: Flask) -> None:
    from . import admin, auth, errors, history, pages, search

    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(search.bp)
    errors.init_app(app)
