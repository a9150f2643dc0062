"""Bureaupedia: a corporate-memory wiki."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_login import current_user

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the wiki application.

    Settings come from environment variables (see :mod:`wiki.config`), overridden by
    ``config``. Creating the app does no schema work: run ``wiki upgrade`` for that.
    """
    from wiki import config as settings
    from wiki import db, views
    from wiki.access import login, security
    from wiki.access.permissions import can
    from wiki.ops import cli
    from wiki.search import runtime as search_runtime

    app = Flask(
        __name__,
        instance_path=str(
            (config or {}).get("INSTANCE_PATH")
            or os.environ.get("WIKI_INSTANCE_PATH")
            or ROOT / "instance"
        ),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(settings.from_environment(instance))
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.load_secret_key(instance)
    if config and "MAX_PAGE_BYTES" in config and "MAX_CONTENT_LENGTH" not in config:
        request_limit = settings.request_limit(app.config["MAX_PAGE_BYTES"])
        app.config.update(MAX_CONTENT_LENGTH=request_limit, MAX_FORM_MEMORY_SIZE=request_limit)

    app.request_class = views.WikiRequest
    db.init_app(app)
    login.init_app(app)
    views.init_app(app)
    security.init_app(app)  # headers, rate limits, proxy fix, setup token (after the views)
    cli.init_app(app)
    search_runtime.init_app(app)
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["site_url"] = views.site_url

    @app.context_processor
    def viewer():
        # The logged-in user (or anonymous), resolved once rather than through
        # flask-login's proxy at every use in a template.
        return {"viewer": current_user._get_current_object()}

    return app
