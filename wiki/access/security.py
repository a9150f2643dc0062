"""Security plumbing: response headers, the reverse-proxy fix, and the one-time token that
guards the first-run setup page. (Failed login attempts are limited by
:mod:`wiki.access.attempts`.)

Headers
    Every response carries a strict Content-Security-Policy (scripts and styles only from
    the wiki's own static files: no inline script, no ``style=""`` attribute), nosniff,
    a same-origin referrer policy, frame denial and a minimal Permissions-Policy;
    Strict-Transport-Security too when the cookies are marked Secure (the wiki is on HTTPS).

Setup token
    While no account exists, a random token is kept in the instance folder (mode 0600,
    shared by every worker of the instance), printed on the console and logged (logger
    ``wiki.setup``, WARNING) by ``wiki serve`` before it starts its workers, or by the setup
    page when it is first opened; the setup form asks for it. It is deleted once the first
    admin exists. ``wiki setup-token`` prints it.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import sys
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from wiki.access import accounts, attempts
from wiki.db import make_database
from wiki.errors import InvalidInput
from wiki.instance import private_folder

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "FILE_CONTENT_SECURITY_POLICY",
    "announce_setup_token",
    "check_setup_token",
    "current_setup_token",
    "discard_setup_token",
    "ensure_setup_token",
    "init_app",
    "read_setup_token",
    "setup_token_path",
]

# --------------------------------------------------------------------------- headers

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Pages may show pictures from anywhere (Markdown images); data: for small inline ones.
        "img-src 'self' data: https: http:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# For files sent as they were uploaded: nothing in them may run, load or frame anything.
FILE_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
STRICT_TRANSPORT_SECURITY = "max-age=31536000"  # a year; not includeSubDomains: not ours


def _add_security_headers(response: Response) -> Response:
    headers = response.headers
    if headers.get("Content-Security-Policy") != FILE_CONTENT_SECURITY_POLICY:
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY  # the only other one
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"  # frame-ancestors, for browsers without CSP 2
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return response


# --------------------------------------------------------------------------- setup token

SETUP_TOKEN_FILE = "setup_token"
setup_log = logging.getLogger("wiki.setup")


def setup_token_path(app: Flask | None = None) -> Path:
    """Where the setup token of ``app``'s instance is kept."""
    return Path((app or current_app).instance_path) / SETUP_TOKEN_FILE


def read_setup_token(app: Flask | None = None) -> str | None:
    """The current setup token, or None when there is none."""
    try:
        token = setup_token_path(app).read_text().strip()
    except FileNotFoundError:
        return None
    return token or None


def ensure_setup_token(app: Flask | None = None, *, announce: bool = True) -> str:
    """The setup token, made (readable by the owner only) if there is none yet.

    Workers that start at once agree on one token: it is written aside and linked into
    place, which fails for all but the first. A new token is announced (console and log)
    unless ``announce`` is false. Raises OSError when the instance folder is not writable.
    """
    existing = read_setup_token(app)
    if existing:
        return existing
    path = setup_token_path(app)
    private_folder(path.parent)
    aside = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(24) + "\n")
    try:
        os.link(aside, path)
    except FileExistsError:
        if read_setup_token(app) is None:  # an empty or broken file: replace it
            os.replace(aside, path)
    except OSError:  # a file system without hard links
        os.replace(aside, path)
    finally:
        aside.unlink(missing_ok=True)
    token = read_setup_token(app)
    assert token, f"could not write {path}"
    if announce:
        _announce(token, path)
    return token


def _announce(token: str, path: Path) -> None:
    print(  # noqa: T201  (the operator reads the token on the console)
        "\n"
        "  This wiki has no account yet. To create the first admin, open /-/setup and\n"
        "  enter this setup token (it is also in the file below; `wiki setup-token`\n"
        "  prints it again):\n"
        "\n"
        f"      {token}\n"
        "\n"
        f"  {path}\n",
        file=sys.stderr,
        flush=True,
    )
    setup_log.warning("First-run setup token (enter it at /-/setup): %s", token)


def discard_setup_token(app: Flask | None = None) -> None:
    """Delete the setup token (the first admin exists)."""
    setup_token_path(app).unlink(missing_ok=True)


def check_setup_form(given_token: str, username: str, password: str, confirm: str) -> None:
    """Raise InvalidInput with every error of the first-run form at once (the setup token,
    the username, the password and its confirmation), so one correction round is enough.
    Raises nothing when all is well."""
    errors = accounts.account_errors(username, password, confirm)
    try:
        check_setup_token(given_token)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)


def check_setup_token(given: str, app: Flask | None = None) -> None:
    """Raise InvalidInput unless ``given`` is the setup token (constant-time comparison)."""
    expected = ensure_setup_token(app)
    given = given.strip()
    if not given:
        raise InvalidInput(
            {
                "setup_token": "Enter the setup token printed in the server's console "
                "(or run 'wiki setup-token' on the server)."
            }
        )
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InvalidInput(
            {
                "setup_token": "That is not the setup token. Copy it from the server's console "
                "(or run 'wiki setup-token' on the server)."
            }
        )


def current_setup_token(session: Session, app: Flask | None = None) -> str | None:
    """The setup token (made if needed, not announced), or None once an account exists
    (and then any leftover token file is deleted)."""
    if accounts.has_users(session):
        discard_setup_token(app)
        return None
    return ensure_setup_token(app, announce=False)


def _database_has_users(app: Flask) -> bool:
    """Ask the database on a connection of its own, closed at once (a server's workers
    must not inherit a pooled connection from their parent), giving up quickly when the
    database cannot be reached. Raises SQLAlchemyError."""
    url = app.config["DATABASE_URL"]
    options: dict = {"poolclass": NullPool}
    if make_url(url).get_backend_name() == "postgresql":
        options["connect_args"] = {"connect_timeout": 5}
    probe = make_database(url, **options)
    try:
        with probe.session() as session:
            return accounts.has_users(session)
    finally:
        probe.dispose()


def announce_setup_token(app: Flask) -> None:
    """Before the server starts: while the wiki has no account, make sure the setup token
    exists and show it on the console and in the log; once an account exists, delete a
    leftover token.

    Never raises: with a database that is not migrated or not reachable it only logs a hint
    (the setup page makes and announces the token when it is first opened).
    """
    try:
        has_users = _database_has_users(app)
    except SQLAlchemyError as exc:
        setup_log.info(
            "Cannot tell whether the wiki is set up yet (%s); run `wiki upgrade` if the "
            "database is new. The setup token is shown when /-/setup is first opened.",
            type(exc).__name__,
        )
        return
    try:
        if has_users:
            discard_setup_token(app)
        else:
            _announce(ensure_setup_token(app, announce=False), setup_token_path(app))
    except OSError as exc:
        setup_log.error("Cannot write the setup token in %s: %s", app.instance_path, exc)


# --------------------------------------------------------------------------- wiring


def init_app(app: Flask) -> None:
    """Wire it all in; call after the blueprints are registered."""
    trusted = int(app.config.get("PROXY_FIX") or 0)
    if trusted > 0:
        # Believe the last ``trusted`` proxies' X-Forwarded-For and -Proto: the client's
        # address (rate limits) and https (secure redirects). The proxies must set them.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=trusted, x_proto=trusted
        )
    app.after_request(_add_security_headers)
    attempts.init_app(app)
