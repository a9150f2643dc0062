"""Domain errors and HTTP errors become friendly pages; unsaved text is never dropped."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from wiki.errors import Forbidden, NotFound


def _rollback() -> None:
    from flask import g

    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _page(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        _rollback()
        return _page(404, "Not found", exc.message)

    @app.errorhandler(Forbidden)
    def forbidden(exc: Forbidden):
        _rollback()
        return _page(403, "Not allowed", exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        _rollback()
        # A page's text comes back, so an expired form never costs the user their writing;
        # forms without one (login, rename, delete, admin...) only get the plain facts.
        kept_text = request.form.get("body", "") if request.form else ""
        if kept_text:
            advice = "Your text is below: copy it, reload the page and try again."
        else:
            advice = "Go back, reload the page and try again."
        return (
            render_template(
                "error.html",
                status=400,
                title="Your form expired",
                message="The form was too old or came from elsewhere, so nothing was saved. "
                + advice,
                kept_text=kept_text,
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        _rollback()
        messages = {
            403: "You do not have permission to do this. Ask an admin if you need it.",
            404: "There is nothing at this address.",
            405: "That action is not possible here.",
            413: "What you sent is too large.",
            414: "The address is too long. If you were searching, use fewer words.",
        }
        body, status = _page(
            exc.code or 500, exc.name, messages.get(exc.code or 500, exc.description or "")
        )
        # Keep headers such as Allow (405) and Retry-After; the body is ours.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return body, status, headers

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        _rollback()
        if app.testing or app.config.get("PROPAGATE_EXCEPTIONS"):
            raise exc  # tests see the real traceback
        app.logger.exception("Unhandled error on %s", request.path)
        return _page(500, "Something went wrong", "The error has been logged. Please try again.")
