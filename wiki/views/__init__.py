"""HTTP views, one blueprint per area. Views parse the request, call a service, render."""

from __future__ import annotations

from flask import Flask, abort

from wiki.access import people as people_service
from wiki.files.attachments import size_label
from wiki.notify.inbox import BELL_MOST
from wiki.views.common import (
    RowNumberConverter,
    WikiRequest,
    bdi,
    localtime,
    page_urls,
    site_url,
)

__all__ = ["WikiRequest", "bdi", "init_app", "page_urls", "site_url"]


def init_app(app: Flask) -> None:
    from wiki.views import (
        access,
        actions,
        admin,
        auth,
        drafts,
        errors,
        feeds,
        files,
        groups,
        help,
        history,
        links,
        notifications,
        page_cache,
        pages,
        people,
        reviews,
        search,
        spaces,
        tree,
    )

    page_cache.init_app(app, app.config["PAGE_CACHE_MB"] * 1024 * 1024)
    # Every date a template shows goes through these: the text in the viewer's zone, the
    # datetime attribute in UTC.
    people_service.check_site_zone(app.config["DEFAULT_TIME_ZONE"])
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["utc_iso"] = people_service.utc_iso
    # Sizes of files as the upload messages give them (KB and MB of 1,024 bytes).
    app.jinja_env.filters["file_size"] = size_label
    # The bell's number, counted only where a template shows it.
    app.context_processor(
        lambda: {
            "unread_count": notifications.bell_count,
            "bell_most": BELL_MOST,
            "watched_as": notifications.watched_as,
            "watching_key": notifications.watching_key,
        }
    )

    # Before any route is added: every <int:...> is bounded, so no number in an address
    # reaches the database beyond what its columns hold.
    app.url_map.converters["int"] = RowNumberConverter
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(drafts.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(groups.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(spaces.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(access.bp)
    app.register_blueprint(tree.bp)
    app.register_blueprint(links.bp)
    app.register_blueprint(actions.bp)
    app.register_blueprint(files.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(help.bp)
    errors.init_app(app)

    @app.url_value_preprocessor
    def refuse_nul_in_addresses(endpoint, values):
        # No page or user name holds a NUL, and PostgreSQL refuses it in a query: answer
        # "not found" before any lookup.
        if values and any(isinstance(v, str) and "\x00" in v for v in values.values()):
            abort(404)
