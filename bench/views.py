"""HTTP benchmark of the wiki under gunicorn: page views per second against Flask's hello
world, and the latency of saves, history, diffs and blame on a page with 1,000 revisions.

    python bench/views.py                       # SQLite, 2,000 and then 20,000 pages
    python bench/views.py --pages 2000          # one size only
    python bench/views.py --database-url postgresql://user@127.0.0.1/bench   # seeded already

For each corpus size it:

1. seeds a SQLite database with ``bench/seed.py`` (kept in ``--workdir``, default
   ``bench/out/``, and reused by later runs while it fits the code) and copies it to a
   temporary folder, so the saves of one run never change the next run's data; with
   ``--database-url`` it uses that database as it is (it must have been seeded; the saves
   add revisions to it);
2. builds the search index with ``wiki reindex`` and the server's environment (a worker
   finding no index would build it during the first rounds), then starts, side by side and
   with the same settings, ``gunicorn -w 2 --threads 1 -b 127.0.0.1:PORT hello:app``
   (``bench/hello.py``) and ``... wsgi:app`` with ``DATABASE_URL``, ``SECRET_KEY``,
   ``WIKI_INSTANCE_PATH`` and ``WIKI_SEARCH_INDEX_PATH`` (a temporary folder); a search for
   the titles of the first and the last page must find them;
3. logs in as the reader like a browser (GET /-/login for the CSRF token, POST, every
   Set-Cookie kept), views a page until the server stops setting a cookie, and measures
   requests per second on each server in turn over the same fixed list of ``--urls`` random
   page URLs with that settled cookie (warm-up, then ``--duration`` seconds), ``--repeat``
   times, keeping the best round of each; it also reports the CPU time the gunicorn
   processes used per request, which other load on the machine hardly changes. Every reply
   must be 200; replies that set a cookie are counted, with a warning if there are any;
4. measures, one request at a time through HTTP: saves (editor: GET the edit form, then
   the timed POST of a small change with that form's CSRF token; every one must answer 302
   and add a revision), page views, the history page (newest and a deep ``?before=``
   page), diffs of neighbouring and of distant revisions, and blame, all on "Office move
   lessons learned" (1,000 revisions); every reply must be 200.

With ``--access-world`` each seeded database is first turned into an organisation by
``bench/access_world.py`` (2,000 people, 200 groups, 50 spaces with grants, page trees and
restricted subtrees; kept as ``access-<N>-s<seed>.db`` beside the seeded file and reused):
the viewer is still ``reader``, now in 20 groups, and the rotated URLs are pages the reader
may read (:func:`wiki.access.permissions.visible_pages`); the saves go to pages ``editor``
may edit, and the search check looks for the first and last page the reader may read.

Any reply that breaks these rules makes the run fail: the figures are still printed, then
what failed, and the exit status is 1.

Load generator: ``wrk`` with ``bench/rotate.lua`` when it is installed (Debian/Ubuntu:
``apt-get install wrk``; macOS: ``brew install wrk``), otherwise a Python generator
(several processes; it needs more CPU than wrk, so its req/s are lower: compare ratios,
not absolute figures, across generators). ``--load python`` forces the Python one.

gunicorn is always stopped at the end (its whole process group), whatever happens; its log
is scanned and any traceback is printed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import html
import http.client
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))

USER_AGENT = "bureaupedia-bench/1.0"
HOST = "127.0.0.1"
HISTORY_SLUG = "office-move-lessons-learned"
#: Page views after which a cookie that still changes is taken to change on every view.
SETTLE_LIMIT = 5


# ---------------------------------------------------------------------- small HTTP client


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float
    #: Every Set-Cookie header of the reply, as sent (a dict of headers keeps only one).
    set_cookies: list[str] = field(default_factory=list)


def http_request(
    port: int,
    method: str,
    path: str,
    *,
    cookie: str = "",
    form: dict | None = None,
    timeout: float = 30.0,
) -> Reply:
    """One request on a new connection (gunicorn's sync workers close it after each reply)."""
    headers = {"User-Agent": USER_AGENT, "Host": f"{HOST}:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    data = None
    if form is not None:
        data = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        seconds = time.perf_counter() - started
        return Reply(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            body,
            seconds,
            response.headers.get_all("Set-Cookie") or [],
        )
    finally:
        connection.close()


class Browser:
    """What the benchmark needs of a browser: the same User-Agent on every request (the
    login is bound to it), and every cookie the server sets kept, the newest one of each
    name winning and a deleted one dropped. (Keeping only the login reply's cookie is not
    enough: the session cookie changes again when the session gains its CSRF token.)"""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None, **kw) -> Reply:
        reply = http_request(self.port, method, path, cookie=self.cookie_header(), form=form, **kw)
        self.keep(reply.set_cookies)
        return reply

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict, **kw) -> Reply:
        return self.request("POST", path, form=form, **kw)

    def keep(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            pair, *attributes = header.split(";")
            name, _, value = pair.strip().partition("=")
            if not value or _expired(attributes):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()

    def settle(self, path: str, limit: int = SETTLE_LIMIT) -> int:
        """GET ``path`` until a reply sets no cookie, as a browser's cookies settle after a
        page view or two; returns how many replies set one. When the server still sets
        one after ``limit`` views, it does so on every view: a cost of the wiki, reported
        by the load measurement, not hidden here."""
        for attempt in range(limit):
            reply = self.get(path)
            if reply.status != 200:
                raise RuntimeError(
                    f"GET {path} gave {reply.status}:\n{_text_of(reply.body)[:2000]}"
                )
            if not reply.set_cookies:
                return attempt
        return limit


def _expired(attributes: list[str]) -> bool:
    """Whether a Set-Cookie's attributes delete the cookie (Max-Age=0 or Expires past)."""
    for attribute in attributes:
        key, _, value = attribute.strip().partition("=")
        key = key.lower()
        try:
            if key == "max-age" and int(value) <= 0:
                return True
            if key == "expires" and parsedate_to_datetime(value).timestamp() <= time.time():
                return True
        except (TypeError, ValueError):
            continue
    return False


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_BASE = re.compile(r'name="base" value="(\d+)"')


def login(port: int, username: str, password: str) -> Browser:
    """Log in through the form (GET it for its CSRF token, then POST), keeping every cookie."""
    browser = Browser(port)
    page = browser.get("/-/login")
    match = _CSRF.search(page.body)
    if page.status != 200 or not match:
        raise RuntimeError(
            f"GET /-/login gave {page.status} without a csrf_token:\n{page.body[:2000]}"
        )
    reply = browser.post(
        "/-/login",
        {
            "username": username,
            "password": password,
            "csrf_token": html.unescape(match.group(1)),
            "next": "/",
        },
    )
    if reply.status != 302 or "session" not in browser.cookies:
        raise RuntimeError(f"Logging in as {username} gave {reply.status}:\n{reply.body[:2000]}")
    return browser


# ---------------------------------------------------------------------- statistics


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


# ---------------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def gunicorn_command() -> list[str]:
    beside = Path(sys.executable).with_name("gunicorn")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "gunicorn"]


class Gunicorn:
    """``gunicorn -w 2 --threads 1 -b 127.0.0.1:PORT APP`` in its own process group."""

    def __init__(
        self, app: str, chdir: Path, env: dict[str, str], log_path: Path, workers: int = 2
    ):
        self.port = free_port()
        self.log_path = log_path
        self.command = [
            *gunicorn_command(),
            "-w",
            str(workers),
            "--threads",
            "1",
            "-b",
            f"{HOST}:{self.port}",
            "--chdir",
            str(chdir),
            app,
        ]
        self._log = open(log_path, "ab")
        self.process = subprocess.Popen(
            self.command,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def cpu_seconds(self) -> float | None:
        """User+system CPU time used so far by the master and its workers (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        total = 0
        try:
            pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        except OSError:
            return None
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # fields[0] is the state (3rd field of stat); ppid 4th, pgrp 5th; utime 14th, stime 15th.
            if int(fields[2]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                reply = http_request(self.port, "GET", path, timeout=5)
                if reply.status < 500:
                    return
                last = f"{reply.status}: {reply.body[:500]}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s ({last}):\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL after 10 s; safe to call twice."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=10)
        # Workers are in the same group; make sure none outlived the master.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()

    def log_tail(self, lines: int = 60) -> str:
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def tracebacks(self) -> list[str]:
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(errors="replace")
        found = []
        for match in re.finditer(
            r"(?ms)^.*?(?:Traceback \(most recent call last\):.*?)(?=^\[\d{4}-|\Z)", text
        ):
            found.append(match.group(0).strip())
        return found

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------------- load generators


@dataclass
class Load:
    rps: float
    requests: int
    not_ok: int
    example_bad: str
    p50_ms: float
    p95_ms: float
    tool: str
    #: Replies that carried a Set-Cookie header: each is a session cookie signed again.
    set_cookie: int = 0
    #: Non-200 replies during the warm-up before this measurement (checked as well).
    warmup_not_ok: int = 0
    #: CPU time the server's processes used per request (ms): robust to other load on the
    #: machine, unlike req/s.
    cpu_ms: float | None = None


def run_wrk(
    port: int, paths_file: Path, cookie: str, duration: float, connections: int, threads: int
) -> Load:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "rotate.lua"),
        f"http://{HOST}:{port}",
        "--",
        str(paths_file),
        cookie,
        USER_AGENT,
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    text = out.stdout + out.stderr
    rps = re.search(r"Requests/sec:\s*([\d.]+)", text)
    rotate = re.search(r"ROTATE requests=(\d+) not_200=(\d+) set_cookie=(\d+) first_bad=(.*)", text)
    lat = re.search(r"ROTATE latency_p50_us=(\d+) p95_us=(\d+)", text)
    if out.returncode != 0 or not rps or not rotate or not lat:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{text}")
    errors = re.search(r"Socket errors:.*", text)
    bad = rotate.group(4).strip()
    if errors:
        bad = f"{bad} {errors.group(0)}".strip()
    return Load(
        float(rps.group(1)),
        int(rotate.group(1)),
        int(rotate.group(2)),
        bad,
        int(lat.group(1)) / 1000,
        int(lat.group(2)) / 1000,
        "wrk",
        set_cookie=int(rotate.group(3)),
    )


def _python_load_worker(port: int, paths: list[str], cookie: str, duration: float, offset: int):
    deadline = time.perf_counter() + duration
    count = bad = set_cookie = 0
    example = ""
    latencies = []
    index = offset
    for _ in range(10_000_000):  # bounded; the deadline ends it long before
        if time.perf_counter() >= deadline:
            break
        path = paths[index % len(paths)]
        index += 1
        try:
            reply = http_request(port, "GET", path, cookie=cookie, timeout=10)
            status = reply.status
            latencies.append(reply.seconds)
            set_cookie += bool(reply.set_cookies)
        except OSError as exc:
            status, example = 0, example or str(exc)
        count += 1
        if status != 200:
            bad += 1
            example = example or f"{status} {path}"
    return count, bad, example, latencies, set_cookie


def run_python_load(
    port: int, paths: list[str], cookie: str, duration: float, connections: int
) -> Load:
    with concurrent.futures.ProcessPoolExecutor(max_workers=connections) as pool:
        started = time.perf_counter()
        futures = [
            pool.submit(
                _python_load_worker, port, paths, cookie, duration, i * len(paths) // connections
            )
            for i in range(connections)
        ]
        results = [f.result(timeout=duration + 60) for f in futures]
        elapsed = time.perf_counter() - started
    count = sum(r[0] for r in results)
    latencies = [x for r in results for x in r[3]]
    example = next((r[2] for r in results if r[2]), "")
    return Load(
        count / elapsed,
        count,
        sum(r[1] for r in results),
        example,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 95) * 1000,
        "python",
        set_cookie=sum(r[4] for r in results),
    )


class LoadGenerator:
    def __init__(self, kind: str, connections: int, threads: int, work: Path):
        self.kind = kind
        self.connections = connections
        self.threads = threads
        self.work = work

    def measure(
        self, server: Gunicorn, paths: list[str], cookie: str, warmup: float, duration: float
    ) -> Load:
        paths_file = self.work / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        port = server.port
        warm = None
        if self.kind == "wrk":
            if warmup > 0:
                warm = run_wrk(port, paths_file, cookie, warmup, self.connections, self.threads)
            cpu_before = server.cpu_seconds()
            load = run_wrk(port, paths_file, cookie, duration, self.connections, self.threads)
        else:
            if warmup > 0:
                warm = run_python_load(port, paths, cookie, warmup, self.connections)
            cpu_before = server.cpu_seconds()
            load = run_python_load(port, paths, cookie, duration, self.connections)
        cpu_after = server.cpu_seconds()
        if warm is not None:
            load.warmup_not_ok = warm.not_ok
        if cpu_before is not None and cpu_after is not None and load.requests:
            load.cpu_ms = 1000 * (cpu_after - cpu_before) / load.requests
        return load


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Fraction of all CPUs busy over ``seconds`` (Linux /proc/stat), None elsewhere."""

    def sample():
        with open("/proc/stat") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return None
    total = total1 - total0
    return 1 - (idle1 - idle0) / total if total else None


def warn_if_busy(when: str) -> float | None:
    busy = cpu_busy()
    if busy is not None:
        flag = (
            "  WARNING: other processes are using the CPU; figures will be low and noisy"
            if busy > 0.15
            else ""
        )
        print(f"CPU busy {when}: {busy:.0%}{flag}")
    return busy


# ---------------------------------------------------------------------- the measurements


@dataclass
class Latencies:
    """Timed requests of one kind: every one must answer ``expected``."""

    name: str
    #: How many timed requests there should be.
    wanted: int
    expected: int = 200
    seconds: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    #: Timed replies that set a cookie (a settled browser's page views set none).
    set_cookie: int = 0
    note: str = ""

    def add(self, reply: Reply) -> bool:
        """Count a timed reply; its time is kept when its status is the expected one."""
        self.statuses[reply.status] = self.statuses.get(reply.status, 0) + 1
        self.set_cookie += bool(reply.set_cookies)
        if reply.status != self.expected:
            return False
        self.seconds.append(reply.seconds)
        return True

    @property
    def failure(self) -> str:
        """'' when all ``wanted`` timed requests answered ``expected``, else what went wrong."""
        if len(self.seconds) == self.wanted:
            return ""
        return (
            f"{self.name}: {len(self.seconds)} of {self.wanted} timed requests answered "
            f"{self.expected} (statuses: {_statuses(self.statuses) or 'none'})"
        )

    @property
    def p50(self) -> float:
        return percentile(self.seconds, 50)

    @property
    def p95(self) -> float:
        return percentile(self.seconds, 95)

    def line(self) -> str:
        flag = "  FAILED" if self.failure else ""
        return (
            f"  {self.name:<38} p50 {ms(self.p50):>7} ms  p95 {ms(self.p95):>7} ms  "
            f"max {ms(max(self.seconds)) if self.seconds else '-':>7} ms  "
            f"[{_statuses(self.statuses)}; Set-Cookie {self.set_cookie}]{flag}{self.note}"
        )


def _statuses(counts: dict[int, int]) -> str:
    return ", ".join(f"{n} x {status}" for status, n in sorted(counts.items()))


class Problems:
    """What makes the run fail: one line each, plus the first few unexpected replies with
    their text, so the report shows what broke."""

    def __init__(self):
        self.failures: list[str] = []
        self.examples: list[str] = []

    def check(self, reply: Reply, what: str, expected=(200,)) -> bool:
        if reply.status in expected:
            return True
        if len(self.examples) < 3:
            self.examples.append(f"{what}: HTTP {reply.status}\n{_text_of(reply.body)[:600]}")
        return False

    def fail(self, message: str) -> None:
        self.failures.append(message)

    def verify(self, latencies: Latencies) -> None:
        if latencies.failure:
            self.fail(latencies.failure)


def _text_of(body: str) -> str:
    text = re.sub(r"(?s)<(script|style).*?</\1>", "", body)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def timed_gets(
    browser: Browser, name: str, paths: list[str], problems: Problems, warmup: int = 2
) -> Latencies:
    """GET each path in turn (after ``warmup`` untimed ones); every reply must be 200."""
    for path in paths[:warmup]:
        if not problems.check(browser.get(path), f"GET {path} (warm-up)"):
            problems.fail(f"{name}: the warm-up GET {path} did not answer 200")
    result = Latencies(name, wanted=len(paths))
    for path in paths:
        reply = browser.get(path)
        if not result.add(reply):
            problems.check(reply, f"GET {path}")
    problems.verify(result)
    return result


def timed_saves(
    browser: Browser,
    slugs: list[str],
    count: int,
    problems: Problems,
    rng: random.Random,
    warmup: int = 5,
) -> tuple[Latencies, int]:
    """Edit ``count`` random pages through the form as a browser does: GET the edit form
    (untimed) and POST it back with that form's CSRF token and base revision (timed). Every
    timed save must answer 302 to the page; ``warmup`` untimed saves come first. Returns the
    timed saves and how many saves in all (warm-up included) answered 302."""
    from corpus import Corpus, HistoryWriter

    writer = HistoryWriter(Corpus.load(), seed=rng.randrange(1 << 30))
    result = Latencies("save (HTTP POST edit form)", wanted=count, expected=302)
    acknowledged = 0
    for index in range(count + warmup):
        timed = index >= warmup
        slug = rng.choice(slugs)
        form_page = browser.get(f"/wiki/{slug}/edit")
        base = _BASE.search(form_page.body)
        csrf = _CSRF.search(form_page.body)
        if not problems.check(form_page, f"GET /wiki/{slug}/edit") or not (base and csrf):
            problems.fail(f"GET /wiki/{slug}/edit gave {form_page.status} without a full form")
            continue
        raw = browser.get(f"/wiki/{slug}/rev/{base.group(1)}/raw")
        if not problems.check(raw, f"GET raw of {slug}"):
            problems.fail(f"GET /wiki/{slug}/rev/{base.group(1)}/raw gave {raw.status}")
            continue
        text, summary = writer.edit(raw.body)
        reply = browser.post(
            f"/wiki/{slug}/edit",
            {
                "csrf_token": html.unescape(csrf.group(1)),
                "base": base.group(1),
                "body": text,
                "summary": summary,
                "action": "save",
            },
        )
        acknowledged += reply.status == 302
        location = reply.headers.get("location", "")
        if reply.status == 302 and not location.endswith(f"/wiki/{slug}"):
            problems.fail(f"POST /wiki/{slug}/edit redirected to {location!r}, not to the page")
        if timed:
            if not result.add(reply):
                problems.check(reply, f"POST /wiki/{slug}/edit", expected=(302,))
        elif not problems.check(reply, f"POST /wiki/{slug}/edit (warm-up)", expected=(302,)):
            problems.fail(f"the warm-up save of {slug} answered {reply.status}, not 302")
    problems.verify(result)
    return result, acknowledged


# ---------------------------------------------------------------------- databases


def _database_engine(database_url: str):
    from sqlalchemy import create_engine

    return create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))


def page_slugs(database_url: str) -> tuple[list[str], int]:
    """Slugs of the live pages (sorted) and the number of revisions of the history page."""
    from sqlalchemy import func, select

    from wiki.models import Page

    engine = _database_engine(database_url)
    try:
        with engine.connect() as connection:
            slugs = list(
                connection.scalars(
                    select(Page.slug).where(Page.deleted.is_(False)).order_by(Page.slug)
                )
            )
            latest = connection.scalar(
                select(func.max(Page.latest_number)).where(Page.slug == HISTORY_SLUG)
            )
    finally:
        engine.dispose()
    return slugs, latest or 0


def probe_pages(database_url: str) -> list[tuple[str, str]]:
    """(slug, title) of the first and the last live page created: a complete search index
    finds both by their titles."""
    from sqlalchemy import select

    from wiki.models import Page

    engine = _database_engine(database_url)
    try:
        with engine.connect() as connection:
            live = select(Page.slug, Page.title).where(Page.deleted.is_(False))
            first = connection.execute(live.order_by(Page.id).limit(1)).one()
            last = connection.execute(live.order_by(Page.id.desc()).limit(1)).one()
    finally:
        engine.dispose()
    return [tuple(first), tuple(last)]


def user_pages(database_url: str, username: str, action: str) -> list[tuple[str, str]]:
    """(slug, title) of the live pages ``username`` may do ``action`` ("read", "edit") on,
    by page id, as the access rules decide (``can`` and ``visible_pages`` agree on them)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from wiki.access.permissions import page_actions, reach_of
    from wiki.models import Page, User

    engine = _database_engine(database_url)
    try:
        with Session(engine) as session:
            user = session.scalars(select(User).where(User.username == username)).one()
            reach = reach_of(user, session)
            rows = session.execute(
                select(
                    Page.slug,
                    Page.title,
                    Page.deleted,
                    Page.space_id,
                    Page.read_scope_id,
                    Page.edit_scope_id,
                ).order_by(Page.id)
            )
            return [(row.slug, row.title) for row in rows if action in page_actions(reach, row)]
    finally:
        engine.dispose()


def revision_count(database_url: str) -> int:
    from sqlalchemy import func, select

    from wiki.models import Revision

    engine = _database_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Revision))
    finally:
        engine.dispose()


def _seed_is_current(path: Path, pages: int, revisions: int) -> str:
    """'' when the seeded database at ``path`` fits the current code, else why not."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from wiki.content.render import RENDERER_VERSION
    from wiki.ops.migrate import alembic_config, current_revision

    engine = create_engine(f"sqlite:///{path}")
    try:
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        if current_revision(engine) != head:
            return "its schema is not the newest migration"
    finally:
        engine.dispose()
    with sqlite3.connect(path) as connection:
        count = connection.execute("select count(*) from pages").fetchone()[0]
        stale = connection.execute(
            "select count(*) from rendered_revisions where renderer_version != ?",
            (RENDERER_VERSION,),
        ).fetchone()[0]
    if count != pages + (1 if revisions else 0):
        return f"it has {count:,} pages"
    if stale:
        return "its cached HTML is from another renderer version"
    return ""


def seeded_sqlite(workdir: Path, pages: int, revisions: int, reseed: bool) -> Path:
    """``workdir/wiki-<pages>-<revisions>.db``, seeded with bench/seed.py unless it is there
    already and still fits the code (newest migration, current renderer version)."""
    from seed import seed

    path = workdir / f"wiki-{pages}-{revisions}.db"
    if path.exists() and not reseed:
        try:
            why = _seed_is_current(path, pages, revisions)
        except Exception as exc:  # noqa: BLE001 - any doubt means seeding again
            why = f"it cannot be read ({exc})"
        if not why:
            print(f"Using the seeded database {path} ({pages:,} pages)")
            return path
        print(f"Seeding {path.name} again: {why}.")
    for suffix in ("", "-wal", "-shm", ".partial", ".partial-wal", ".partial-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    partial = Path(f"{path}.partial")
    print(f"Seeding {pages:,} pages into {path} (kept for later runs)...", flush=True)
    timings = seed(f"sqlite:///{partial}", pages, revisions, quiet=True)
    print(
        f"  seeded in {timings['total']:.1f} s "
        f"(pages {timings['pages']:.1f} s, history {timings.get('history', 0):.1f} s)"
    )
    partial.rename(path)
    return path


def copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


# ---------------------------------------------------------------------- one run


@dataclass
class Result:
    label: str
    pages: int
    hello: Load | None = None
    wiki: Load | None = None
    hello_runs: list[Load] = field(default_factory=list)
    wiki_runs: list[Load] = field(default_factory=list)
    busy_before: float | None = None
    index_seconds: float | None = None
    #: Server CPU per acknowledged save (form, raw text, POST, then the index update).
    save_cpu_ms: float | None = None
    latencies: list[Latencies] = field(default_factory=list)
    #: What makes the run fail (the exit status is then 1), one line each.
    failures: list[str] = field(default_factory=list)
    #: Details: unexpected replies with their text, tracebacks from gunicorn's logs.
    problems: list[str] = field(default_factory=list)


def _cpu(load: Load) -> str:
    return f"server CPU {load.cpu_ms:.2f} ms/req" if load.cpu_ms is not None else "server CPU n/a"


def _cpu_ratio(result: Result) -> float | None:
    hello = [r.cpu_ms for r in result.hello_runs if r.cpu_ms]
    wiki = [r.cpu_ms for r in result.wiki_runs if r.cpu_ms]
    if not hello or not wiki:
        return None
    return min(hello) / min(wiki)


def wiki_command(*arguments: str) -> list[str]:
    """The ``wiki`` command of this environment (README's ``.venv/bin/wiki``)."""
    beside = Path(sys.executable).with_name("wiki")
    if beside.exists():
        return [str(beside), *arguments]
    return [sys.executable, "-m", "flask", "--app", "wsgi", *arguments]


def build_search_index(env: dict[str, str], pages: int) -> float:
    """Build the search index with ``wiki reindex`` and the server's environment before
    gunicorn starts, as an operator does; returns the seconds it took. Without it the index
    starts empty and each worker's background indexer builds it during the first rounds,
    which then measure indexing instead of page views."""
    started = time.perf_counter()
    out = subprocess.run(
        wiki_command("reindex"),
        cwd=ROOT,
        # This checkout's code, also when the environment's ``wiki`` is installed in
        # editable mode from another checkout (the script would import that one).
        env={
            **os.environ,
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        },
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    done = re.search(r"Indexed (\d+) pages", out.stdout)
    if out.returncode != 0 or not done:
        raise RuntimeError(f"wiki reindex failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    if int(done.group(1)) != pages:
        raise RuntimeError(f"wiki reindex indexed {done.group(1)} pages, not {pages}")
    return seconds


def check_search(browser: Browser, probes: list[tuple[str, str]]) -> None:
    """Each probe page is found by the words of its title: the index is there, complete."""
    for slug, title in probes:
        query = " ".join(re.findall(r"\w+", title))
        path = "/-/search?" + urlencode({"q": query})
        reply = browser.get(path)
        hit = re.compile(rf'<h2[^>]*><a href="/wiki/{re.escape(slug)}">')
        if reply.status != 200 or not hit.search(reply.body):
            raise RuntimeError(
                f"The search index is not ready: GET {path} gave {reply.status} without "
                f"/wiki/{slug}:\n{_text_of(reply.body)[:1000]}"
            )


def idle_cpu(server: Gunicorn, seconds: float = 2.0) -> float | None:
    """Server CPU (ms) used in ``seconds`` without requests: background work (an indexer
    still catching up) would be counted into every request's CPU."""
    before = server.cpu_seconds()
    time.sleep(seconds)
    after = server.cpu_seconds()
    if before is None or after is None:
        return None
    return 1000 * (after - before)


def settle_cpu(server: Gunicorn, limit: float = 20.0) -> bool:
    """Wait until the server has been idle for a second (the indexer has caught up with the
    saves); False if it still works after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        used = idle_cpu(server, 1.0)
        if used is None or used < 50:
            return True
    return False


def run_one(label: str, database_url: str, args, load: LoadGenerator, work: Path) -> Result:
    from seed import PASSWORD
    from sqlalchemy import create_engine

    from wiki.ops.migrate import upgrade

    # A database seeded by an older version gets the current schema first.
    engine = create_engine(database_url)
    upgrade(engine)
    engine.dispose()
    slugs, history_revisions = page_slugs(database_url)
    rng = random.Random(args.seed)
    viewed, saved, probes = slugs, slugs, None
    if args.access_world:
        readable = user_pages(database_url, "reader", "read")
        viewed = [slug for slug, _title in readable]
        saved = [slug for slug, _title in user_pages(database_url, "editor", "edit")]
        probes = [readable[0], readable[-1]]
    url_slugs = [rng.choice(viewed) for _ in range(args.urls)]
    save_slugs = [rng.choice(saved) for _ in range(args.urls)]
    paths = [f"/wiki/{slug}" for slug in url_slugs]
    result = Result(label, len(slugs))
    problems = Problems()
    print(
        f"\n=== {label}: {len(slugs):,} pages; '{HISTORY_SLUG}' has {history_revisions:,} revisions"
    )
    if args.access_world:
        print(
            f"Access rules on: reader may read {len(viewed):,} pages (the rotation is drawn from "
            f"them), editor may edit {len(saved):,} (the saves are)"
        )

    instance = work / "instance"
    instance.mkdir(exist_ok=True)
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "WIKI_INSTANCE_PATH": str(instance),
        "WIKI_SEARCH_INDEX_PATH": str(instance / "search"),
    }
    print("Building the search index (wiki reindex)...", flush=True)
    result.index_seconds = build_search_index(env, len(slugs))
    print(f"  {len(slugs):,} pages indexed in {result.index_seconds:.1f} s")
    result.busy_before = warn_if_busy("before the run")
    hello = Gunicorn("hello:app", HERE, {}, work / "hello.log", args.workers)
    server = None
    try:
        server = Gunicorn("wsgi:app", ROOT, env, work / "wiki.log", args.workers)
        hello.wait_ready("/")
        server.wait_ready("/-/login")
        reader = login(server.port, "reader", PASSWORD)
        # wrk sends one cookie on every request: the one a browser holds once its cookies
        # have settled. (The login reply's cookie lacks the CSRF token that the first page
        # with a form adds to the session; replayed, every view would sign a new cookie.)
        changed = reader.settle(paths[0], limit=SETTLE_LIMIT)
        if changed < SETTLE_LIMIT:
            print(f"Reader's cookie settled: {changed} page view(s) after the login set one")
        else:
            print(
                f"WARNING: the reader's cookie never settled: each of {changed} page views set a "
                "new one (the load rounds measure that cost; a browser would pay it too)"
            )
        check_search(reader, probes or probe_pages(database_url))
        idle = idle_cpu(server)
        if idle is not None:
            flag = "  WARNING: background work is counted as page views" if idle > 200 else ""
            print(f"Search index checked; server CPU while idle for 2 s: {idle:.0f} ms{flag}")
        # Both servers run side by side (an idle one costs nothing) and are measured in turn,
        # --repeat times; the best run of each counts, which filters out moments when
        # something else on the machine took the CPU.
        cookie = reader.cookie_header()
        for round_ in range(args.repeat):
            h = load.measure(hello, paths, "", args.warmup, args.duration)
            w = load.measure(server, paths, cookie, args.warmup, args.duration)
            print(
                f"  round {round_ + 1}: hello {h.rps:,.0f} req/s ({_cpu(h)}), wiki {w.rps:,.0f} req/s "
                f"({_cpu(w)}); ratio {w.rps / h.rps:.2f}; wiki p50 {w.p50_ms:.1f} ms, p95 {w.p95_ms:.1f} ms; "
                f"non-200: hello {h.not_ok}, wiki {w.not_ok} {w.example_bad}; "
                f"Set-Cookie: hello {h.set_cookie}, wiki {w.set_cookie}",
                flush=True,
            )
            for name, run in (("hello", h), ("wiki", w)):
                if run.not_ok or run.warmup_not_ok:
                    problems.fail(
                        f"load round {round_ + 1}, {name}: {run.not_ok} of {run.requests} "
                        f"measured page views (and {run.warmup_not_ok} in the warm-up) did not "
                        f"answer 200, e.g. {run.example_bad}"
                    )
                if run.set_cookie:
                    print(
                        f"  WARNING: {run.set_cookie} of {run.requests} {name} replies set a "
                        "cookie: each is a session cookie signed again, a cost that a browser "
                        "whose cookie has settled would not cause (unless the server sets one "
                        "on every view)"
                    )
            result.hello_runs.append(h)
            result.wiki_runs.append(w)
        result.hello = max(result.hello_runs, key=lambda x: x.rps)
        result.wiki = max(result.wiki_runs, key=lambda x: x.rps)
        hello.stop()
        ratio = result.wiki.rps / result.hello.rps
        print(
            f"hello world: {result.hello.rps:,.0f} req/s (best of {args.repeat}; {_cpu(result.hello)})"
        )
        print(
            f"wiki page views: {result.wiki.rps:,.0f} req/s (best of {args.repeat}; {_cpu(result.wiki)})"
        )
        print(f"ratio wiki / hello: {ratio:.2f}  (target >= 0.50)")
        cpu_ratio = _cpu_ratio(result)
        if cpu_ratio is not None:
            print(
                f"ratio of server CPU per request, hello / wiki: {cpu_ratio:.2f} "
                "(the same comparison, much less sensitive to other load on the machine)"
            )
        if any(w.not_ok for w in result.wiki_runs):
            problems.check(reader.get(paths[0]), f"GET {paths[0]} after the load run")

        print("Latency, one request at a time over HTTP [statuses; replies that set a cookie]:")
        views = timed_gets(reader, "page view", paths[: args.samples], problems)
        result.latencies.append(views)
        print(views.line())

        editor = login(server.port, "editor", PASSWORD)
        editor.settle(f"/wiki/{save_slugs[0]}")
        revisions_before = revision_count(database_url)
        cpu_before = server.cpu_seconds()
        saves, acknowledged = timed_saves(
            editor, save_slugs, args.saves, problems, random.Random(args.seed + 1)
        )
        settled = settle_cpu(server)
        cpu_after = server.cpu_seconds()
        added = revision_count(database_url) - revisions_before
        saves.note = f"  ({added} revisions added by {acknowledged} saves, warm-up included)"
        if added != acknowledged:
            problems.fail(f"{acknowledged} saves answered 302 but {added} revisions were added")
        result.latencies.append(saves)
        print(saves.line())
        if None not in (cpu_before, cpu_after) and acknowledged:
            result.save_cpu_ms = 1000 * (cpu_after - cpu_before) / acknowledged
            print(
                f"  server CPU per save: {result.save_cpu_ms:.1f} ms (edit form, raw text, POST "
                "and the index update that follows; measured until the server was idle again"
                f"{'' if settled else ', which it was not after 20 s'})"
            )

        if history_revisions >= 2:
            n = history_revisions
            history = timed_gets(
                reader,
                f"history ({n:,} revisions), newest 50",
                [f"/wiki/{HISTORY_SLUG}/history"] * args.samples,
                problems,
            )
            deep = timed_gets(
                reader,
                "history, ?before=mid (keyset page)",
                [f"/wiki/{HISTORY_SLUG}/history?before={n // 2}"] * args.samples,
                problems,
            )
            pair_rng = random.Random(args.seed + 2)
            near = [pair_rng.randrange(2, n + 1) for _ in range(args.samples)]
            diff_near = timed_gets(
                reader,
                "diff of neighbouring revisions",
                [f"/wiki/{HISTORY_SLUG}/diff/{b - 1}/{b}" for b in near],
                problems,
            )
            far = [pair_rng.randrange(1, n - 99) for _ in range(args.samples)]
            diff_far = timed_gets(
                reader,
                "diff of revisions 100 apart",
                [f"/wiki/{HISTORY_SLUG}/diff/{a}/{a + 100}" for a in far],
                problems,
            )
            diff_all = timed_gets(
                reader,
                f"diff 1 -> {n} (whole history)",
                [f"/wiki/{HISTORY_SLUG}/diff/1/{n}"] * min(args.samples, 20),
                problems,
            )
            blame = timed_gets(
                reader,
                f"blame ({n:,} revisions)",
                [f"/wiki/{HISTORY_SLUG}/blame"] * args.blame_samples,
                problems,
                warmup=1,
            )
            for item in (history, deep, diff_near, diff_far, diff_all, blame):
                result.latencies.append(item)
                print(item.line())
        else:
            print(f"  (no '{HISTORY_SLUG}' page with a history: history/diff/blame skipped)")
    finally:
        hello.stop()
        if server is not None:
            server.stop()
        tracebacks = [
            f"gunicorn log ({name}):\n{tb}"
            for name, g in (("wiki", server), ("hello", hello))
            if g
            for tb in g.tracebacks()
        ]
        if tracebacks:
            problems.fail(f"{len(tracebacks)} traceback(s) in gunicorn's logs")
        result.failures = problems.failures
        result.problems = problems.examples + tracebacks
        for problem in result.problems:
            print(f"\n!!! {problem}")
        for failure in result.failures:
            print(f"FAILED: {failure}")
    return result


# ---------------------------------------------------------------------- main


def summary_table(results: list[Result]) -> str:
    names = []
    for r in results:
        for item in r.latencies:
            if item.name not in names:
                names.append(item.name)
    head = "| measure | " + " | ".join(f"{r.pages:,} pages" for r in results) + " |"
    rows = [head, "|" + "---|" * (len(results) + 1)]
    rows.append(
        "| hello world req/s | "
        + " | ".join(f"{r.hello.rps:,.0f}" if r.hello else "-" for r in results)
        + " |"
    )
    rows.append(
        "| wiki page views req/s | "
        + " | ".join(f"{r.wiki.rps:,.0f}" if r.wiki else "-" for r in results)
        + " |"
    )
    rows.append(
        "| ratio (target >= 0.50) | "
        + " | ".join(
            f"{r.wiki.rps / r.hello.rps:.2f}" if r.wiki and r.hello else "-" for r in results
        )
        + " |"
    )
    rows.append(
        "| server CPU ms/request, hello / wiki | "
        + " | ".join(
            f"{min(x.cpu_ms for x in r.hello_runs):.2f} / {min(x.cpu_ms for x in r.wiki_runs):.2f}"
            if r.hello_runs and r.wiki_runs and all(x.cpu_ms for x in r.hello_runs + r.wiki_runs)
            else "-"
            for r in results
        )
        + " |"
    )
    rows.append(
        "| CPU-cost ratio hello / wiki | "
        + " | ".join(f"{_cpu_ratio(r):.2f}" if _cpu_ratio(r) is not None else "-" for r in results)
        + " |"
    )
    rows.append(
        "| wiki load replies that set a cookie (all rounds; 0 expected) | "
        + " | ".join(
            f"{sum(x.set_cookie for x in r.wiki_runs):,} of {sum(x.requests for x in r.wiki_runs):,}"
            if r.wiki_runs
            else "-"
            for r in results
        )
        + " |"
    )
    rows.append(
        "| server CPU per save (form + raw + POST + index update) | "
        + " | ".join(f"{r.save_cpu_ms:.1f} ms" if r.save_cpu_ms else "-" for r in results)
        + " |"
    )
    rows.append(
        "| search index built before (wiki reindex) | "
        + " | ".join(f"{r.index_seconds:.1f} s" if r.index_seconds else "-" for r in results)
        + " |"
    )
    rows.append(
        "| CPU busy before the run | "
        + " | ".join(f"{r.busy_before:.0%}" if r.busy_before is not None else "-" for r in results)
        + " |"
    )
    for name in names:
        cells = []
        for r in results:
            item = next((x for x in r.latencies if x.name == name), None)
            if item is None:
                cells.append("-")
            else:
                cells.append(
                    f"{ms(item.p50) if item.seconds else '-'} / {ms(item.p95) if item.seconds else '-'}"
                    f" ({len(item.seconds)} of {item.wanted} x {item.expected})"
                )
        rows.append(f"| {name} p50 / p95 ms | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pages",
        type=int,
        nargs="+",
        default=[2000, 20000],
        help="corpus sizes to seed and measure on SQLite (default 2000 20000)",
    )
    parser.add_argument("--revisions-page", type=int, default=1000)
    parser.add_argument(
        "--database-url", help="measure this already seeded database instead (any backend)"
    )
    parser.add_argument(
        "--workdir", type=Path, default=HERE / "out", help="where seeded databases are kept"
    )
    parser.add_argument(
        "--reseed", action="store_true", help="seed again even if a seeded database exists"
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds of measured load (default 10)"
    )
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds of load before it (default 3)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of hello/wiki load, best of each counts (default 3)",
    )
    parser.add_argument(
        "--connections", type=int, default=4, help="concurrent connections (default 4)"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--urls", type=int, default=1000, help="distinct page URLs in the rotation")
    parser.add_argument(
        "--samples", type=int, default=50, help="requests per latency measure (default 50)"
    )
    parser.add_argument("--saves", type=int, default=100, help="timed saves (default 100)")
    parser.add_argument("--blame-samples", type=int, default=10)
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--access-world",
        action="store_true",
        help="turn each seeded database into an organisation first (bench/access_world.py)",
    )
    parser.add_argument("--world-seed", type=int, default=1, help="the organisation's seed")
    args = parser.parse_args()
    if args.access_world and args.database_url:
        parser.error("--access-world makes its databases: give --pages, not --database-url")

    kind = args.load
    if kind in ("auto", "wrk") and shutil.which("wrk") is None:
        if kind == "wrk":
            print(
                "wrk is not installed. Install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk) "
                "or use --load python.",
                file=sys.stderr,
            )
            return 2
        print(
            "NOTE: wrk is not installed (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk); "
            "using the Python load generator, whose own CPU use lowers both figures."
        )
        kind = "python"
    elif kind == "auto":
        kind = "wrk"

    # SIGTERM (e.g. a CI timeout) must still run the finally blocks that stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(143)))

    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="wiki-bench-") as tmp:
        work = Path(tmp)
        load = LoadGenerator(kind, args.connections, args.threads, work)
        print(
            f"Load: {kind}, {args.connections} connections, {args.warmup:g} s warm-up + {args.duration:g} s; "
            f"gunicorn -w {args.workers} --threads 1; {os.cpu_count()} CPUs"
        )
        if args.database_url:
            results.append(run_one("given database", args.database_url, args, load, work))
        else:
            args.workdir.mkdir(parents=True, exist_ok=True)
            for pages in args.pages:
                label = f"SQLite, {pages:,} pages"
                if args.access_world:
                    from access_world import describe_summary, kept_world

                    if args.revisions_page != 1000:
                        parser.error(
                            "--access-world uses the databases seeded with 1,000 revisions"
                        )
                    seeded, summary = kept_world(
                        args.workdir, pages, seed_value=args.world_seed, reseed=args.reseed
                    )
                    print(describe_summary(summary))
                    label += ", organisation"
                else:
                    seeded = seeded_sqlite(args.workdir, pages, args.revisions_page, args.reseed)
                run_dir = work / f"run-{pages}"
                run_dir.mkdir()
                copy = run_dir / "wiki.db"
                copy_sqlite(seeded, copy)
                results.append(run_one(label, f"sqlite:///{copy}", args, load, run_dir))
    print("\n" + summary_table(results))
    failures = [f"{r.label}: {failure}" for r in results for failure in r.failures]
    if failures:
        print("\nFAILED: these figures do not measure what they say:", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        print("(the unexpected replies are shown in the '!!!' lines above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
