"""Settings from environment variables, with safe defaults.

Every setting can be overridden by the mapping given to ``create_app`` (tests do that).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from wiki.instance import FILE_MODE, private_folder


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def app_secret(app) -> str:
    """The secret key ``app`` signs with: its configured one, else the instance folder's
    (as the server reads or makes it). Raises OSError when that file cannot be made."""
    return str(app.secret_key or load_secret_key(Path(app.instance_path)))


def load_secret_key(instance_path: Path) -> str:
    """Return ``SECRET_KEY`` from the environment, or from a file in the instance folder.

    The file is created with a random key on first use (readable by the owner only, in a
    private instance folder), so no secret is ever hard-coded and restarts keep sessions
    valid. Raises OSError when the instance folder cannot be made or the file written.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        pass
    private_folder(instance_path)
    key = secrets.token_hex(32)
    # O_EXCL: if two workers start at once, exactly one writes and both read the same key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def request_limit(max_page_bytes: int) -> int:
    """The largest request accepted: a page at the size limit, percent-encoded, plus the
    rest of the form. Larger requests get 413. (Flask's defaults accept requests of any
    size, yet refuse multipart form fields over 500 kB.)"""
    return 4 * max_page_bytes + 65536


def from_environment(instance_path: Path) -> dict:
    """Build the configuration mapping from environment variables."""
    secure_cookies = _flag("WIKI_SECURE_COOKIES", False)
    max_page_bytes = _int("WIKI_MAX_PAGE_BYTES", 1024 * 1024)
    max_request_bytes = request_limit(max_page_bytes)
    return {
        # Unset: generated into the instance folder when a session first needs it.
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'wiki.db'}",
        "SITE_NAME": os.environ.get("WIKI_SITE_NAME", "Bureaupedia"),
        "HOME_PAGE": os.environ.get("WIKI_HOME_PAGE", "Home"),
        # Derived from the database and rebuilt from it when lost; one per host.
        "SEARCH_INDEX_PATH": os.environ.get("WIKI_SEARCH_INDEX_PATH")
        or str(instance_path / "search"),
        # An internal wiki: reading needs a login unless an operator opens it up.
        "ANONYMOUS_READ": _flag("WIKI_ANONYMOUS_READ", False),
        "MAX_PAGE_BYTES": max_page_bytes,
        "MAX_CONTENT_LENGTH": max_request_bytes,
        "MAX_FORM_MEMORY_SIZE": max_request_bytes,
        "MAX_TITLE_CHARS": 200,
        # Files attached to pages: their bytes live in the database unless a folder is named
        # (for large installs; on several hosts, a folder they share).
        "FILES_PATH": os.environ.get("WIKI_FILES_PATH") or None,
        "MAX_FILE_BYTES": _int("WIKI_MAX_FILE_MB", 50) * 1024 * 1024,
        # One upload request (several files at once): larger ones get 413 and store nothing.
        "MAX_UPLOAD_BYTES": _int("WIKI_MAX_UPLOAD_MB", 200) * 1024 * 1024,
        # Reading the text of a document for search (wiki.files.texts), in a child process
        # of each worker's search indexer: the most time and memory one reading may take.
        "EXTRACT_TIMEOUT": _float("WIKI_EXTRACT_TIMEOUT", 20.0),
        "EXTRACT_MEMORY_MB": _int("WIKI_EXTRACT_MEMORY_MB", 512),
        "PAGE_SIZE": _int("WIKI_PAGE_SIZE", 50),
        # Dates are shown in this zone to visitors and to users who chose none (an IANA
        # name such as Europe/Paris).
        "DEFAULT_TIME_ZONE": os.environ.get("WIKI_DEFAULT_TIME_ZONE") or "UTC",
        # How long an invite's sign-up link works.
        "INVITE_DAYS": _int("WIKI_INVITE_DAYS", 7),
        # Memory per worker for rendered page views (wiki.views.page_cache); 0 turns it off.
        "PAGE_CACHE_MB": _int("WIKI_PAGE_CACHE_MB", 64),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "PREFERRED_URL_SCHEME": "https" if secure_cookies else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: long edits stay savable
        # Failed login and setup attempts (see wiki.access.attempts); counters live in
        # memory (per worker) unless a Redis URI is given.
        "RATELIMIT_ENABLED": _flag("WIKI_RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("WIKI_RATELIMIT_STORAGE_URI") or "memory://",
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("WIKI_LOGIN_LIMIT_PER_ACCOUNT") or "5 per minute",
        "LOGIN_LIMIT_PER_CLIENT": os.environ.get("WIKI_LOGIN_LIMIT_PER_CLIENT") or "20 per minute",
        # Mail (wiki.notify.mail), sent by the background worker; no host: no mail. Links
        # in messages start with BASE_URL, the address people open the wiki at.
        "BASE_URL": (os.environ.get("WIKI_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "SMTP_HOST": os.environ.get("WIKI_SMTP_HOST") or "",
        "SMTP_PORT": _int("WIKI_SMTP_PORT", 25),
        "SMTP_STARTTLS": _flag("WIKI_SMTP_STARTTLS", False),
        "SMTP_USERNAME": os.environ.get("WIKI_SMTP_USERNAME") or "",
        "SMTP_PASSWORD": os.environ.get("WIKI_SMTP_PASSWORD") or "",
        "SMTP_TIMEOUT": _float("WIKI_SMTP_TIMEOUT", 20.0),
        "MAIL_FROM": os.environ.get("WIKI_MAIL_FROM") or "Bureaupedia <wiki@localhost>",
        # Number of trusted reverse proxies in front of the wiki (their X-Forwarded-For and
        # X-Forwarded-Proto are believed); 0 trusts none.
        "PROXY_FIX": _int("WIKI_PROXY_FIX", 0),
    }
