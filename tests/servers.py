"""Real servers for reliability tests: the wiki under gunicorn on a loopback port, and a
browser-like HTTP client. Standard library only, so client processes start quickly.

    with WikiServer(database_url=url, instance_path=tmp / "instance",
                    search_index_path=tmp / "search", workers=2) as server:
        browser = Browser(server.port)
        browser.login("editor", PASSWORD)
        base, text, csrf = browser.edit_form("office-move")
        reply = browser.save("office-move", base, text + "More.\\n", csrf)  # 302, 409 or 400

:class:`WikiServer` starts ``gunicorn wsgi:app`` (with the worker class and test hooks a
test chooses) in its own process group with ``DATABASE_URL``, ``WIKI_INSTANCE_PATH``,
``SECRET_KEY`` and ``WIKI_SEARCH_INDEX_PATH`` set and every other ``WIKI_*`` setting of the
calling environment removed; it listens on a socket that this process binds to a free
loopback port and hands over (``fd://``), so no other program can take the port in between.
It waits until the wiki answers, and :meth:`WikiServer.stop` ends it (SIGTERM, then SIGKILL
for the whole group). :class:`ServeCommand` starts ``wiki serve``, the production command of
README.md, the same way.

:func:`editing_client` is one simulated editor for concurrency tests: it logs in once and
saves its own lines of a page from the revision it last saw, like a browser; it runs in
separate processes (``multiprocessing`` with ``spawn``).
"""

from __future__ import annotations

import html
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
# Settings the wiki reads from the environment (wiki/config.py); the caller's are not passed on.
_WIKI_VARIABLES = ("DATABASE_URL", "SECRET_KEY")


#: How the background worker started by ``wiki serve`` shows in its command line.
BACKGROUND = b"wiki.ops.cli\x00worker"


class ServerError(RuntimeError):
    """gunicorn did not start, or did not answer in time; carries the end of its log."""


# ---------------------------------------------------------------------- gunicorn


def _has_control_socket() -> bool:
    from gunicorn.config import Config

    return "control_socket_disable" in Config().settings


class WikiServer:
    """The wiki under gunicorn on 127.0.0.1 (a free port), for the length of a test.

    ``config_file`` is given to gunicorn as ``-c`` (server hooks for tests); ``env`` adds
    environment variables. The log (gunicorn's own messages and the access log) goes to
    ``log_path``, by default ``gunicorn.log`` beside the instance folder.
    """

    def __init__(
        self,
        *,
        database_url: str,
        instance_path: Path,
        search_index_path: Path,
        secret_key: str | None = None,
        workers: int = 1,
        worker_class: str = "sync",
        threads: int = 1,
        config_file: Path | None = None,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
    ):
        self.instance_path = Path(instance_path)
        self.log_path = Path(log_path) if log_path else self.instance_path.parent / "gunicorn.log"
        self.workers = workers
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("WIKI_") and key not in _WIKI_VARIABLES
        }
        environment.update(
            DATABASE_URL=database_url,
            WIKI_INSTANCE_PATH=str(self.instance_path),
            WIKI_SEARCH_INDEX_PATH=str(search_index_path),
            SECRET_KEY=secret_key or secrets.token_hex(32),
            PYTHONUNBUFFERED="1",
        )
        environment.update(env or {})
        self.environment = environment
        self.options = [
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--graceful-timeout",
            "5",
            "--access-logfile",
            "-",
            "--access-logformat",
            '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
            "--chdir",
            str(ROOT),
        ]
        if _has_control_socket():
            # gunicorn 24+ opens a control socket at one fixed path in the home folder by
            # default: servers running side by side would take it from each other.
            self.options.append("--no-control-socket")
        if config_file is not None:
            self.options += ["--config", str(config_file)]
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> WikiServer:
        """Start gunicorn and wait until the wiki answers (raises ServerError)."""
        self.instance_path.mkdir(parents=True, exist_ok=True)
        listener = socket.create_server((HOST, 0), backlog=128)
        self.port = listener.getsockname()[1]
        try:
            self._launch(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    *self.options,
                    "--bind",
                    f"fd://{listener.fileno()}",
                    "wsgi:app",
                ],
                pass_fds=(listener.fileno(),),
            )
        finally:
            listener.close()  # gunicorn holds its own copy
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self, command: list[str], **popen) -> None:
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command,
            env=self.environment,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends every worker
            **popen,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until a request gets an answer below 500 (the login page)."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            browser = Browser(self.port, timeout=max(1.0, deadline - time.monotonic()))
            try:
                reply = browser.get("/-/login")
                if reply.status < 500:
                    return
                last = f"{reply.status}: {reply.body[:300]}"
            except OSError as exc:
                last = repr(exc)
            finally:
                browser.close()
            time.sleep(0.1)
        raise ServerError(
            f"the wiki did not answer within {timeout:.0f} s ({last}):\n{self.log_tail()}"
        )

    def _children(self) -> dict[int, bytes]:
        """The master's live children (Linux /proc), with their command lines."""
        found = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    command = handle.read()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                found[int(entry)] = command
        return found

    def worker_pids(self) -> set[int]:
        """The pids of gunicorn's workers: the master's children but the background worker."""
        return {pid for pid, command in self._children().items() if BACKGROUND not in command}

    def background_pids(self) -> set[int]:
        """The pids of the background worker ``wiki serve`` starts beside gunicorn's."""
        return {pid for pid, command in self._children().items() if BACKGROUND in command}

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM to gunicorn, SIGKILL to its process group after ``timeout`` s; returns the
        master's exit status. Safe to call twice."""
        process, status = self.process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # anything still in the group it made
            except (ProcessLookupError, PermissionError):
                pass
            status = process.wait(timeout=timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        return status

    def log_text(self) -> str:
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def __enter__(self) -> WikiServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+) ")


class ServeCommand(WikiServer):
    """``wiki serve`` itself, the installed command that ./scripts/run and a production host
    start, on a free port (``--port 0``: the port is read from gunicorn's log), run from
    the folder above the instance folder. Without ``secret_key`` the wiki makes its own.
    The instance folder is left for the wiki to create."""

    def __init__(self, *, threads: int = 2, secret_key: str | None = None, **options):
        super().__init__(threads=threads, secret_key=secret_key, **options)
        if secret_key is None:
            del self.environment["SECRET_KEY"]
        self.command = [
            str(Path(sys.executable).with_name("wiki")),  # the console script beside python
            "serve",
            "--host",
            HOST,
            "--port",
            "0",
            "--workers",
            str(self.workers),
            "--threads",
            str(threads),
        ]

    def start(self, timeout: float = 30.0) -> ServeCommand:
        """Start ``wiki serve`` and wait until the wiki answers (raises ServerError)."""
        self._launch(self.command, cwd=self.instance_path.parent)
        try:
            self.port = self._wait_for_port(timeout)
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_port(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _LISTENING.search(self.log_text())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                raise ServerError(
                    f"wiki serve exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            time.sleep(0.05)
        raise ServerError(f"wiki serve did not listen within {timeout:.0f} s:\n{self.log_tail()}")


# ---------------------------------------------------------------------- HTTP client


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; the last value of repeated headers
    body: str
    seconds: float

    @property
    def location(self) -> str:
        """The path a redirect leads to ("" when it is not one)."""
        return urlsplit(self.headers.get("location", "")).path


_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_BASE = re.compile(r'name="base" value="(\d+)"')
_BODY = re.compile(r'<textarea[^>]*\bname="body"[^>]*>(.*?)</textarea>', re.S)
_MINE = re.compile(r'<textarea id="mine"[^>]*>(.*?)</textarea>', re.S)


def csrf_token(page: str) -> str:
    match = _CSRF.search(page)
    if not match:
        raise ValueError("no csrf_token in the page")
    return html.unescape(match.group(1))


def textarea(page: str, pattern: re.Pattern = _BODY) -> str | None:
    """The text of a textarea as a browser submits it (HTML-unescaped; a browser drops one
    newline right after the opening tag)."""
    match = pattern.search(page)
    if match is None:
        return None
    text = html.unescape(match.group(1))
    return text[1:] if text.startswith("\n") else text


def conflict_mine(page: str) -> str | None:
    """The user's own text on the conflict page (the read-only "Your text" box)."""
    return textarea(page, _MINE)


class LoginFailed(RuntimeError):
    pass


class Browser:
    """One simulated person: its own cookies, one connection reused while the server keeps
    it open, a fixed User-Agent (flask-login's strong session protection checks it).
    Redirects are not followed: callers see the 302 itself."""

    def __init__(self, port: int, *, timeout: float = 30.0, user_agent: str | None = None):
        self.port = port
        self.timeout = timeout
        self.user_agent = user_agent or f"bureaupedia-test/{secrets.token_hex(4)}"
        self.cookies: dict[str, str] = {}
        self._connection: http.client.HTTPConnection | None = None
        self._used_at = 0.0

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> http.client.HTTPConnection:
        # A connection idle for long may have been closed by the server (keep-alive timeout):
        # start a fresh one rather than risk sending a POST into a closed socket.
        if self._connection is not None and time.monotonic() - self._used_at > 1.0:
            self.close()
        if self._connection is None:
            self._connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        return self._connection

    def request(self, method: str, path: str, form: dict | None = None) -> Reply:
        """One request; raises OSError (http.client errors included) when the connection
        fails or drops before a complete reply."""
        headers = {"User-Agent": self.user_agent, "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = self._connect()
        started = time.perf_counter()
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            if isinstance(exc, OSError):
                raise
            raise ConnectionError(f"{method} {path}: {exc!r}") from exc
        seconds = time.perf_counter() - started
        self._used_at = time.monotonic()
        if response.will_close:
            self.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            self._store_cookie(value)
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Reply(response.status, headers, raw.decode("utf-8", "replace"), seconds)

    def _store_cookie(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        expired = any(a.strip().lower() in ("max-age=0", "max-age=-1") for a in attributes)
        if expired or not value:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Reply:
        return self.request("POST", path, form)

    def login(self, username: str, password: str) -> None:
        """Log in through the form (raises LoginFailed). Once per simulated person: the wiki
        limits login attempts."""
        page = self.get("/-/login")
        if page.status != 200:
            raise LoginFailed(f"GET /-/login gave {page.status}")
        reply = self.post(
            "/-/login",
            {
                "username": username,
                "password": password,
                "csrf_token": csrf_token(page.body),
                "next": "/",
            },
        )
        if reply.status != 302:
            raise LoginFailed(f"logging in as {username} gave {reply.status}: {reply.body[:500]}")

    def edit_form(self, slug: str) -> tuple[int, str, str]:
        """GET the edit form: (base revision number, text, CSRF token), as a browser has them."""
        reply = self.get(f"/wiki/{slug}/edit")
        if reply.status != 200:
            raise RuntimeError(f"GET /wiki/{slug}/edit gave {reply.status}: {reply.body[:500]}")
        base = _BASE.search(reply.body)
        text = textarea(reply.body)
        if base is None or text is None:
            raise RuntimeError(f"no edit form at /wiki/{slug}/edit")
        return int(base.group(1)), text, csrf_token(reply.body)

    def save(self, slug: str, base: int, text: str, csrf: str, summary: str = "") -> Reply:
        """POST the edit form (Save)."""
        return self.post(
            f"/wiki/{slug}/edit",
            {
                "csrf_token": csrf,
                "base": str(base),
                "body": text,
                "summary": summary,
                "action": "save",
            },
        )


# ---------------------------------------------------------------------- simulated editors

# A shared page is made of paragraphs (blank lines between them, so that edits of different
# lines merge): a title, one "hot" line that every client may change, and lines that each
# belong to one client ("c3a: <token>"). Each save writes a token found nowhere else.

MERGED_FLASH = "your changes were merged"


def slot_text(slots: list[str], hot: bool = True) -> str:
    """The first text of a page with the given line slots (e.g. ["c0a", "c0b"])."""
    lines = [
        "# Shared notes",
        *(["hot: start"] if hot else []),
        *(f"{slot}: start" for slot in slots),
    ]
    return "\n\n".join(lines) + "\n"


def parse_slots(text: str) -> dict[str, str]:
    """slot -> token for every "slot: token" line of a text made by :func:`slot_text`."""
    found = {}
    for line in text.split("\n"):
        slot, sep, token = line.partition(": ")
        if sep and " " not in slot and slot != "#":
            found[slot] = token
    return found


def set_slot(text: str, slot: str, token: str) -> str:
    prefix = f"{slot}: "
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    lines[index] = prefix + token
    return "\n".join(lines)


def editing_client(spec: dict) -> dict:
    """One simulated editor (run in its own process). Returns what happened.

    ``spec``: ``port``, ``username``, ``password``, ``client`` (its number; its lines are
    ``c<n>a`` and ``c<n>b``), ``slug``, and either ``rounds`` or ``duration`` (seconds of saving
    after logging in); optional ``every`` (default 4): every ``every``-th round is a "two tabs"
    round: two tabs show the same revision; the first saves line a, then the second saves
    line b (always merged), and every ``2*every``-th round both also change the hot line (the
    second then always conflicts).

    Each save is recorded as ``{"tokens", "status", "merged", "kind"}``; conflicts also
    carry ``mine_ok`` (the conflict page shows the text sent in full) and ``conflict_page``
    (it says it is a conflict). ``statuses`` counts every reply, ``locked`` the replies
    mentioning "database is locked", ``errors`` lists failures (dropped connections...).
    """
    browser = Browser(spec["port"], timeout=spec.get("timeout", 30.0))
    client, slug = spec["client"], spec["slug"]
    every = spec.get("every", 4)
    hot = spec.get("hot", True)
    saves: list[dict] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    locked = 0
    counter = 0

    def count(reply: Reply) -> Reply:
        nonlocal locked
        statuses[reply.status] = statuses.get(reply.status, 0) + 1
        if "database is locked" in reply.body:
            locked += 1
        return reply

    def token() -> str:
        nonlocal counter
        counter += 1
        return f"c{client}t{counter}x{secrets.token_hex(3)}"

    def save(base: int, text: str, csrf: str, changes: dict[str, str], kind: str) -> dict:
        for slot, value in changes.items():
            text = set_slot(text, slot, value)
        record = {"tokens": list(changes.values()), "kind": kind, "merged": False}
        reply = count(browser.save(slug, base, text, csrf, summary=kind))
        record["status"] = reply.status
        if reply.status == 302:
            # Follow the redirect as a browser would; the page tells whether it merged.
            page = count(browser.get(reply.location))
            record["merged"] = MERGED_FLASH in page.body
            record["redirect"] = reply.location
        elif reply.status == 409:
            record["mine_ok"] = conflict_mine(reply.body) == text
            record["conflict_page"] = "Edit conflict" in reply.body
        else:
            record["body"] = reply.body[:2000]
        saves.append(record)
        return record

    try:
        browser.login(spec["username"], spec["password"])
        until = time.monotonic() + spec["duration"] if "duration" in spec else None
        round_number = 0
        while True:
            if "rounds" in spec and round_number >= spec["rounds"]:
                break
            if until is not None and time.monotonic() >= until:
                break
            round_number += 1
            base, text, csrf = browser.edit_form(slug)
            if every and round_number % every == 0:
                # Two tabs showing the same revision: the second saves after the first.
                first = {f"c{client}a": token()}
                second = {f"c{client}b": token()}
                if hot and round_number % (2 * every) == 0:
                    first["hot"], second["hot"] = token(), token()
                save(base, text, csrf, first, "tab1")
                save(base, text, csrf, second, "tab2")
            else:
                save(base, text, csrf, {f"c{client}a": token()}, "plain")
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        browser.close()
    return {
        "client": client,
        "username": spec["username"],
        "slug": slug,
        "saves": saves,
        "statuses": statuses,
        "locked": locked,
        "errors": errors,
    }
