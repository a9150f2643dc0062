"""Bureaupedia: a corporate-memory wiki."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_login import current_user


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the wiki application.

    Settings come from environment variables (see :mod:`wiki.config`), overridden by
    ``config``. Building the app touches neither the database nor any file: run
    ``wiki upgrade`` for the schema; the instance folder, the secret key file and a SQLite
    database are made when first needed. Raises FileNotFoundError when the package's
    templates or static files are missing (a broken install).
    """
    from wiki import config as settings
    from wiki import db, textsafety, views
    from wiki.access import login, security
    from wiki.access.cookies import WikiSessionInterface
    from wiki.access.grants import LEVEL_LABELS
    from wiki.access.permissions import can, can_in_space
    from wiki.ops import cli
    from wiki.resources import shipped_folder
    from wiki.search import runtime as search_runtime
    from wiki.search.syntax import MAX_QUERY_CHARS, field_query, tag_query

    # Without an instance path Flask picks its own default: instance/ beside the package
    # in a checkout, <prefix>/var/wiki-instance when the package is installed.
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("WIKI_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).absolute()) if instance_path else None,
        template_folder=str(shipped_folder("templates")),
        static_folder=str(shipped_folder("static")),
    )
    app.config.update(settings.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    app.session_interface = WikiSessionInterface()
    if config and "MAX_PAGE_BYTES" in config and "MAX_CONTENT_LENGTH" not in config:
        request_limit = settings.request_limit(app.config["MAX_PAGE_BYTES"])
        app.config.update(MAX_CONTENT_LENGTH=request_limit, MAX_FORM_MEMORY_SIZE=request_limit)

    app.request_class = views.WikiRequest
    db.init_app(app)
    login.init_app(app)
    views.init_app(app)
    security.init_app(app)  # headers, rate limits, proxy fix (after the views)
    cli.init_app(app)
    search_runtime.init_app(app)
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["can_in_space"] = can_in_space
    app.jinja_env.globals["level_labels"] = LEVEL_LABELS
    app.jinja_env.globals["site_url"] = views.site_url
    app.jinja_env.globals["page_urls"] = views.page_urls  # for long lists of pages
    # Every tag link goes through tag_query, so that any tag finds its pages.
    app.jinja_env.globals["tag_query"] = tag_query
    app.jinja_env.globals["field_query"] = field_query
    app.jinja_env.globals["max_query_chars"] = MAX_QUERY_CHARS
    # User text (titles, names, summaries, tags) is shown through these, so that a
    # right-to-left override in it cannot run into the wiki's own words around it.
    app.jinja_env.filters["bdi"] = views.bdi
    app.jinja_env.filters["isolate"] = textsafety.isolate

    @app.context_processor
    def viewer():
        # The logged-in user (or anonymous), resolved once rather than through
        # flask-login's proxy at every use in a template.
        return {"viewer": current_user._get_current_object()}

    return app
