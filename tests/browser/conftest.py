"""Fixtures for end-to-end tests in a real browser: the wiki served on a loopback port and
Debian's Chromium driven by Playwright.

The browser is the system's own Chromium (``/usr/bin/chromium``, or ``WIKI_TEST_CHROMIUM``);
Playwright never downloads one. Without it the tests are skipped with the reason, unless
``WIKI_TEST_REQUIRE_BROWSER`` is set (as CI does), where a missing browser fails the run.
Each test gets its own wiki (fresh database, index and secret key, CSRF on, the search
indexer running in the background as in production) on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field

import pytest
from flask import got_request_exception
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, make_app
from wiki.access import accounts
from wiki.db import get_database
from wiki.models import Role

CHROMIUM = os.environ.get("WIKI_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# What a sandboxed, offline machine needs: no first-run UI, no calls to Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 8000


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


def _why_no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401  (only: is it installed?)
    except ImportError:
        return "browser tests: the Python package playwright is not installed (./scripts/test installs it)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"browser tests: no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _why_no_browser()
    if reason:
        if os.environ.get("WIKI_TEST_REQUIRE_BROWSER"):
            pytest.fail(reason + "; WIKI_TEST_REQUIRE_BROWSER is set")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class LiveWiki:
    """A wiki served over HTTP on 127.0.0.1 for the duration of one test."""

    app: object
    url: str
    server_errors: list = field(default_factory=list)

    def session(self):
        """A session that takes SQLite's write lock at BEGIN: the server's background
        indexer writes (related pages) while tests set things up, and a session that read
        first could not turn into a writer then ("database is locked"); this one waits its
        turn."""
        return get_database(self.app).session(write=True)

    def add_user(self, username: str, role: Role, password: str = PASSWORD):
        with self.session() as session:
            accounts.create_user(session, username, password, role)
            session.commit()

    def catch_up_search(self) -> None:
        """Bring the index up to date now instead of waiting for the background indexer."""
        from wiki.search.runtime import get_search

        with self.app.app_context():
            get_search().indexer.run_once()


def _closing(app):
    """``app``, whose responses are closed even when the browser drops the connection
    midway: werkzeug's development server then skips closing them, and a static file left
    open fails the test that happens to collect it with a ResourceWarning."""

    def serve(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:  # also when the abandoned generator is collected
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return serve


class _Requests:
    """Counts the requests the live server is handling, so that the database is closed only
    once the last one is done: one the browser sent in the background as its test ended (a
    draft saved as the page went) would otherwise put its connection back into a pool
    already closed, and a later test would collect the ResourceWarning."""

    def __init__(self):
        self._count = 0
        self._idle = threading.Condition()

    def started(self) -> None:
        with self._idle:
            self._count += 1

    def finished(self) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_until_done(self, timeout: float) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._count == 0, timeout=timeout)


def _serve(app):
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    requests = _Requests()
    spawn, handle = server.process_request, server.process_request_thread

    def process_request(request, client_address):  # counted before its thread starts
        requests.started()
        try:
            spawn(request, client_address)
        except BaseException:
            requests.finished()
            raise

    def process_request_thread(request, client_address):
        try:
            handle(request, client_address)
        finally:
            requests.finished()

    server.process_request = process_request
    server.process_request_thread = process_request_thread
    thread = threading.Thread(target=server.serve_forever, name="live-wiki", daemon=True)
    thread.start()
    return server, thread, requests


@pytest.fixture
def live(database_url, tmp_path):
    """A fresh wiki without accounts, served over HTTP (first-run setup still to do)."""
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True, SEARCH_BACKGROUND=True)
    wiki = LiveWiki(app=app, url="")

    def record(sender, exception, **extra):
        wiki.server_errors.append(repr(exception))

    got_request_exception.connect(record, app)
    server, thread, requests = _serve(app)
    wiki.url = f"http://127.0.0.1:{server.server_port}"
    yield wiki
    server.shutdown()
    thread.join(timeout=10)
    requests.wait_until_done(timeout=10)
    runtime = app.extensions["wiki.search"]
    if runtime.indexer is not None:
        runtime.indexer.stop()
    get_database(app).dispose()
    got_request_exception.disconnect(record, app)
    assert not wiki.server_errors, (
        f"the server failed while the browser used it: {wiki.server_errors}"
    )


@pytest.fixture
def staff(live):
    """The live wiki with an admin, an editor and a reader (password ``PASSWORD``)."""
    for role in Role:
        live.add_user(role.value, role)
    return live


class BrowserProblems:
    """Script errors, console errors and dialogs seen in a browser context.

    Every test fails if a page of the wiki logs an error or opens a dialog it did not expect.
    """

    def __init__(self):
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.expected_dialogs = 0

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", self._console)
        page.on("dialog", self._dialog)
        page.on("response", self._response)

    def _console(self, message) -> None:
        # Chromium logs every 4xx answer, including pages that are meant to be 404 or 401;
        # broken assets and server errors are caught from the responses instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console error: {message.text}")

    def _response(self, response) -> None:
        asset = response.request.resource_type in {"stylesheet", "script", "image", "font"}
        if response.status >= 500 or (asset and response.status >= 400):
            self.errors.append(f"{response.status} for {response.url}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def new_page(browser, live):
    """Opens a page in a new browser context (its own cookies: a separate person)."""
    contexts = []
    problems = BrowserProblems()

    def open_page(color_scheme: str = "light", **options):
        context = browser.new_context(base_url=live.url, color_scheme=color_scheme, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    open_page.problems = problems
    yield open_page
    for context in contexts:
        context.close()
    assert not problems.errors, problems.errors
    assert len(problems.dialogs) == problems.expected_dialogs, problems.dialogs


@pytest.fixture
def page(new_page):
    return new_page()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would."""
    page.goto("/-/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/-/login" not in url)
