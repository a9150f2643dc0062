"""Load test: simulated users browsing, searching and editing the wiki under gunicorn on
PostgreSQL, on this machine only (127.0.0.1); then a check that no acknowledged edit was lost.

    python bench/load.py                                  # 20 users, 60 s, 3,000 pages
    python bench/load.py --users 40 --duration 120 --pages 5000
    python bench/load.py --server postgresql://user@127.0.0.1:5432/postgres
    python bench/load.py --database-url postgresql://user@127.0.0.1/wiki_bench  # seeded already

What it does:

1. creates a fresh database ``wiki_load_<random>`` on the PostgreSQL server given by
   ``--server`` (default ``$WIKI_LOAD_SERVER`` or ``postgresql://postgres@127.0.0.1:5432/postgres``),
   seeds it with ``bench/seed.py`` (``--pages`` pages of 3-5 KB Markdown, default 3,000) and
   builds the search index from it, as ``wiki reindex`` does; the database is dropped at the
   end unless ``--keep``. With ``--database-url`` it uses that seeded database as it is
   (the edits add revisions to it) and builds the index the same way;
2. creates one editor account per simulated user (``load01``, ``load02``...);
3. starts ``gunicorn --workers 4 wsgi:app`` (sync workers; ``--workers``, ``--worker-class``
   and ``--threads`` change it: ``--worker-class gthread --threads 4`` is what README's
   production command, ``wiki serve``, runs) with
   ``DATABASE_URL``, ``SECRET_KEY``, ``WIKI_INSTANCE_PATH`` and ``WIKI_SEARCH_INDEX_PATH``
   (temporary folder) and the access log on, as in production;
4. runs ``--users`` simulated users (default 20), each in its own process (so the client's
   Python does not share one GIL and measure itself), each with its own login and cookies,
   one request at a time over an ``http.client`` connection (reopened whenever gunicorn's
   sync workers close it), for ``--duration`` seconds (default 60) after all have logged in:
   80 % page views (a random page), 15 % searches (one or two words from the pages' own
   text), 5 % edits (GET the edit form, then POST from its ``base`` revision with a line and a
   unique token appended; 302 is an acknowledged save, 409 a conflict);
5. prints requests/s overall and per kind, p50/p95/p99 latency per kind, the number of 5xx
   replies (must be 0) and other unexpected replies, conflicts, and checks that nothing was
   lost: new revisions in the database == acknowledged saves, and every acknowledged token is
   in its page's current text. Exits non-zero when any of that fails.

gunicorn is always stopped (its whole process group), and the fresh database dropped, in a
``finally``; tracebacks found in gunicorn's log are printed.
"""

from __future__ import annotations

import argparse
import html
import http.client
import math
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))

HOST = "127.0.0.1"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
KINDS = ("view", "search", "edit form", "save")
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_BASE = re.compile(r'name="base" value="(\d+)"')
_BODY = re.compile(r'<textarea[^>]*\bname="body"[^>]*>(.*?)</textarea>', re.S)


# ---------------------------------------------------------------------- one simulated user


class Client:
    """One browser: its own cookies and connection, one request at a time."""

    def __init__(self, port: int, user_agent: str):
        self.port = port
        self.user_agent = user_agent
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, form: dict | None = None
    ) -> tuple[int, str, str, float]:
        """(status, body, Location, seconds); raises OSError/HTTPException on a dropped
        connection."""
        headers = {"User-Agent": self.user_agent, "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.connection is None:
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            body = response.read().decode("utf-8", "replace")
        except BaseException:
            self.close()
            raise
        seconds = time.perf_counter() - started
        if response.will_close:  # gunicorn's sync workers close every connection
            self.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            pair, *attributes = header.split(";")
            name, _, value = pair.strip().partition("=")
            if not value or any(a.strip().lower() == "max-age=0" for a in attributes):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, body, urlsplit(response.getheader("Location", "")).path, seconds

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def textarea_text(raw: str) -> str:
    """A textarea's text as a browser submits it (it drops one newline after the tag)."""
    text = html.unescape(raw)
    return text[1:] if text.startswith("\n") else text


def user_loop(spec: dict, barrier, results) -> None:
    """Log in, wait for everyone, browse/search/edit for ``warmup`` seconds (not measured,
    but checked) and then ``duration`` seconds; put a summary on ``results``."""
    rng = random.Random(spec["seed"])
    client = Client(spec["port"], f"bureaupedia-load/{spec['username']}")
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    statuses: dict[str, Counter] = {kind: Counter() for kind in KINDS}
    warmup_statuses: Counter = Counter()
    unexpected: list[str] = []
    saved: list[tuple[str, str]] = []
    counts = Counter()  # conflicts, dropped connections
    measuring = False
    elapsed = cpu = 0.0

    def call(kind: str, method: str, path: str, form=None, expected=(200,)):
        try:
            status, body, location, seconds = client.request(method, path, form)
        except (OSError, http.client.HTTPException) as exc:
            counts["dropped"] += 1
            if len(unexpected) < 5:
                unexpected.append(f"{method} {path}: {exc!r}")
            return None, "", ""
        if measuring:
            statuses[kind][status] += 1
            if status in expected:
                latencies[kind].append(seconds)
        else:
            warmup_statuses[status] += 1
        if status not in expected and len(unexpected) < 5:
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))[:300]
            unexpected.append(f"{method} {path}: HTTP {status} {text}")
        return status, body, location

    def act(number: int) -> None:
        roll = rng.random()
        if roll < spec["view_share"]:
            call("view", "GET", f"/wiki/{rng.choice(slugs)}")
        elif roll < spec["view_share"] + spec["search_share"]:
            query = " ".join(rng.sample(words, 2 if rng.random() < 0.3 else 1))
            call("search", "GET", f"/-/search?q={quote(query)}")
        else:
            slug = rng.choice(slugs)
            status, body, _ = call("edit form", "GET", f"/wiki/{slug}/edit")
            base, csrf, text = _BASE.search(body), _CSRF.search(body), _BODY.search(body)
            if status != 200 or not (base and csrf and text):
                return
            token = f"load{spec['index']:02d}x{number}x{secrets.token_hex(3)}"
            form = {
                "csrf_token": html.unescape(csrf.group(1)),
                "base": base.group(1),
                "body": textarea_text(text.group(1)).rstrip("\n")
                + f"\n\nLoad test note {token}.\n",
                "summary": "load test",
                "action": "save",
            }
            status, _, location = call(
                "save", "POST", f"/wiki/{slug}/edit", form, expected=(302, 409)
            )
            if status == 302 and location == f"/wiki/{slug}":
                saved.append((slug, token))
            elif status == 409:
                counts["conflicts"] += 1

    slugs, words = spec["slugs"], spec["words"]
    try:
        status, body, _ = call("view", "GET", "/-/login")
        csrf = _CSRF.search(body or "")
        status, _, _ = call(
            "view",
            "POST",
            "/-/login",
            {
                "username": spec["username"],
                "password": spec["password"],
                "csrf_token": html.unescape(csrf.group(1)) if csrf else "",
                "next": "/",
            },
            expected=(302,),
        )
        if status != 302:
            raise RuntimeError(f"login as {spec['username']} gave {status}")
        barrier.wait(timeout=120)
        number = 0
        deadline = time.monotonic() + spec["warmup"]
        while time.monotonic() < deadline and number < 10_000_000:  # bounded
            number += 1
            act(number)
        measuring = True
        started, cpu_started = time.monotonic(), time.process_time()
        deadline = started + spec["duration"]
        while time.monotonic() < deadline and number < 10_000_000:
            number += 1
            act(number)
        elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        unexpected.append(f"{spec['username']}: {type(exc).__name__}: {exc}")
        barrier.abort()  # nobody waits for a user who will never come
    finally:
        client.close()
    results.put(
        {
            "latencies": latencies,
            "statuses": {k: dict(v) for k, v in statuses.items()},
            "warmup_statuses": dict(warmup_statuses),
            "unexpected": unexpected,
            "saved": saved,
            "conflicts": counts["conflicts"],
            "dropped": counts["dropped"],
            "elapsed": elapsed,
            "cpu": cpu,
        }
    )


# ---------------------------------------------------------------------- gunicorn


class Server:
    """gunicorn on a loopback socket that this process binds (no port race), in its own
    process group."""

    def __init__(
        self, env: dict[str, str], log_path: Path, workers: int, worker_class: str, threads: int
    ):
        listener = socket.create_server((HOST, 0), backlog=1024)
        self.port = listener.getsockname()[1]
        self.log_path = log_path
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--chdir",
            str(ROOT),
            "--bind",
            f"fd://{listener.fileno()}",
            "wsgi:app",
        ]
        from gunicorn.config import Config

        if "control_socket_disable" in Config().settings:
            self.command.insert(-1, "--no-control-socket")
        self._log = open(log_path, "ab")
        try:
            self.process = subprocess.Popen(
                self.command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                pass_fds=(listener.fileno(),),
                start_new_session=True,
            )
        finally:
            listener.close()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            client = Client(self.port, "bureaupedia-load/ready")
            try:
                if client.request("GET", "/-/login")[0] < 500:
                    return
            except OSError:
                pass
            finally:
                client.close()
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to the whole process group; safe to call twice."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait(timeout=15)
        self._log.close()

    def tracebacks(self) -> list[str]:
        text = self.log_path.read_text(errors="replace")
        return [m.group(0) for m in re.finditer(r"(?ms)^Traceback.*?(?=^\S*\[|^127\.|\Z)", text)]

    def status_counts(self) -> Counter:
        """Replies by status class, from the access log."""
        counts = Counter()
        for match in re.finditer(r'" (\d)\d\d ', self.log_path.read_text(errors="replace")):
            counts[f"{match.group(1)}xx"] += 1
        return counts


# ---------------------------------------------------------------------- database


def sa_url(url: str) -> str:
    return (
        "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith("postgresql://") else url
    )


def _on_server(server: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE) on the server."""
    from sqlalchemy import create_engine, text

    admin = create_engine(sa_url(server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def create_database(server: str) -> str:
    from sqlalchemy.engine import make_url

    name = f"wiki_load_{secrets.token_hex(4)}"
    _on_server(server, f'CREATE DATABASE "{name}"')
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    _on_server(server, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def prepare(
    url: str, users: int, password: str, index_path: Path
) -> tuple[list[str], list[str], int]:
    """Create the load users, build the search index; return (slugs, search words, revisions)."""
    from sqlalchemy import func, select

    from wiki.access import accounts
    from wiki.db import make_database
    from wiki.models import Page, Revision, Role, User
    from wiki.search import indexer
    from wiki.search.engine import WhooshEngine

    database = make_database(url)
    try:
        with database.session(write=True) as session:
            existing = set(session.scalars(select(User.username)))
            for n in range(1, users + 1):
                if f"load{n:02d}" not in existing:
                    accounts.create_user(session, f"load{n:02d}", password, Role.EDITOR)
            session.commit()
        with database.session() as session:
            slugs = list(
                session.scalars(
                    select(Page.slug).where(Page.deleted.is_(False)).order_by(Page.slug)
                )
            )
            revisions = session.scalar(select(func.count(Revision.id)))
            # Search words: from the text of 300 random pages, words found on several of them.
            sample = random.Random(7).sample(slugs, min(300, len(slugs)))
            counts: Counter = Counter()
            for body in session.scalars(
                select(Revision.body)
                .join(Page, Page.current_revision_id == Revision.id)
                .where(Page.slug.in_(sample))
            ):
                counts.update({w.lower() for w in re.findall(r"\b[A-Za-z]{5,12}\b", body)})
            words = sorted(w for w, n in counts.items() if 3 <= n <= len(sample) // 2)[:2000]
            started = time.perf_counter()
            indexer.rebuild(session, WhooshEngine(index_path))
            print(
                f"Search index of {len(slugs):,} pages built in {time.perf_counter() - started:.1f} s"
            )
    finally:
        database.dispose()
    return slugs, words, revisions


def check_saves(
    url: str, saved: list[tuple[str, str]], revisions_before: int
) -> tuple[int, list[str]]:
    """(new revisions, acknowledged tokens missing from their page's current text)."""
    from sqlalchemy import func, select

    from wiki.db import make_database
    from wiki.models import Page, Revision

    database = make_database(url)
    try:
        with database.session() as session:
            new = session.scalar(select(func.count(Revision.id))) - revisions_before
            by_page: dict[str, list[str]] = {}
            for slug, token in saved:
                by_page.setdefault(slug, []).append(token)
            missing = []
            for slug, body in session.execute(
                select(Page.slug, Revision.body)
                .join(Revision, Revision.id == Page.current_revision_id)
                .where(Page.slug.in_(list(by_page)))
            ):
                missing += [token for token in by_page.pop(slug) if token not in body]
            missing += [token for tokens in by_page.values() for token in tokens]  # page gone?
    finally:
        database.dispose()
    return new, missing


# ---------------------------------------------------------------------- report


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def cpu_busy(seconds: float = 1.0) -> float | None:
    try:

        def sample():
            with open("/proc/stat") as handle:
                values = [int(v) for v in handle.readline().split()[1:]]
            return sum(values), values[3] + values[4]

        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, IndexError):
        return None
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def process_cpu(match) -> float:
    """CPU seconds (user + system) used so far by the processes for which ``match(pid,
    ppid, name)`` is true (Linux /proc)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                head, _, rest = handle.read().rpartition(")")
            fields = rest.split()
        except OSError:
            continue
        if match(int(entry), int(fields[1]), head.partition("(")[2]):
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def cpu_snapshot(server: Server) -> dict[str, float]:
    master = server.process.pid
    return {
        "gunicorn": process_cpu(lambda pid, ppid, name: master in (pid, ppid)),
        "postgres": process_cpu(lambda pid, ppid, name: name.startswith("postgres")),
        "wall": time.monotonic(),
    }


def report(outcomes: list[dict], args, server: Server, cpu: tuple[dict, dict] | None) -> bool:
    elapsed = max(o["elapsed"] for o in outcomes) or args.duration
    print()
    print(
        f"{args.users} users, {elapsed:.1f} s measured after {args.warmup:.0f} s of warm-up, "
        f"gunicorn --workers {args.workers} --worker-class {args.worker_class} --threads {args.threads}, "
        f"PostgreSQL, {os.cpu_count()} CPUs"
    )
    total = 0
    all_statuses: Counter = Counter()
    print(
        f"  {'kind':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses"
    )
    for kind in KINDS:
        seconds = [s for o in outcomes for s in o["latencies"][kind]]
        statuses: Counter = Counter()
        for o in outcomes:
            statuses.update(o["statuses"][kind])
        count = sum(statuses.values())
        total += count
        all_statuses.update(statuses)
        print(
            f"  {kind:<10} {count:>9,} {count / elapsed:>8.1f} {percentile(seconds, 50) * 1000:>8.1f} "
            f"{percentile(seconds, 95) * 1000:>8.1f} {percentile(seconds, 99) * 1000:>8.1f}  "
            + ", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items()))
        )
    print(f"  {'all':<10} {total:>9,} {total / elapsed:>8.1f}")
    server_errors = sum(n for s, n in all_statuses.items() if s >= 500)
    dropped = sum(o["dropped"] for o in outcomes)
    conflicts = sum(o["conflicts"] for o in outcomes)
    saved = [pair for o in outcomes for pair in o["saved"]]
    print(
        f"5xx replies: {server_errors} (access log: {dict(server.status_counts())}); "
        f"dropped connections: {dropped}"
    )
    print(
        f"Saves, warm-up included: {len(saved)} acknowledged (302), {conflicts} conflicts (409, "
        "the user's text shown back)"
    )
    warmup: Counter = Counter()
    for o in outcomes:
        warmup.update(o["warmup_statuses"])
    warmup_errors = sum(n for s, n in warmup.items() if s >= 500)
    print(
        f"Warm-up and logins (not measured): {sum(warmup.values()):,} replies, 5xx: {warmup_errors}"
    )
    if cpu is not None:
        before, after = cpu
        wall = after["wall"] - before["wall"]
        clients = sum(o["cpu"] for o in outcomes)
        print(
            f"CPU used in the measured window (of {os.cpu_count() * wall:.0f} CPU-s): "
            f"gunicorn {after['gunicorn'] - before['gunicorn']:.1f} s, "
            f"PostgreSQL (all its processes) {after['postgres'] - before['postgres']:.1f} s, "
            f"the simulated users {clients:.1f} s"
        )
        served = (after["gunicorn"] - before["gunicorn"]) * 1000 / max(1, total)
        print(
            f"gunicorn CPU per request: {served:.1f} ms (less affected than req/s by other programs on the "
            f"machine; {os.cpu_count()} idle CPUs would serve about "
            f"{os.cpu_count() * 1000 / served:.0f} req/s of this mix, PostgreSQL aside)"
        )
    problems = [line for o in outcomes for line in o["unexpected"]]
    for line in problems[:10]:
        print(f"  unexpected: {line}")
    return server_errors == 0 and warmup_errors == 0 and dropped == 0 and not problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server",
        default=os.environ.get("WIKI_LOAD_SERVER", DEFAULT_SERVER),
        help="PostgreSQL server where a fresh database is created and dropped",
    )
    parser.add_argument("--database-url", help="use this already seeded database instead (kept)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the fresh database and the work folder (index, gunicorn log)",
    )
    parser.add_argument("--pages", type=int, default=3000, help="pages to seed (default 3,000)")
    parser.add_argument(
        "--revisions-page",
        type=int,
        default=100,
        help="revisions of seed.py's history page (default 100)",
    )
    parser.add_argument("--users", type=int, default=20, help="simulated users (default 20)")
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds measured (default 60)"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds of the same load before measuring (default 5)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (default sync)"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (default 1)"
    )
    parser.add_argument(
        "--mix", default="80/15/5", help="views/searches/edits in percent (default 80/15/5)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the users (default 1)")
    args = parser.parse_args()
    views, searches, edits = (float(x) for x in args.mix.split("/"))
    if abs(views + searches + edits - 100) > 0.01:
        parser.error("--mix must add up to 100")
    for url in (args.server, args.database_url):
        if url and (urlsplit(url).hostname or "127.0.0.1") not in ("127.0.0.1", "localhost", "::1"):
            parser.error("load tests run against this machine only (127.0.0.1)")

    from seed import PASSWORD, seed

    fresh = args.database_url is None
    url = args.database_url or create_database(args.server)
    server = None
    work = Path(tempfile.mkdtemp(prefix="wiki-load-"))
    try:
        if fresh:
            print(f"Seeding {make_safe(url)} with {args.pages:,} pages...")
            timings = seed(url, args.pages, args.revisions_page, quiet=True)
            print(f"Seeded in {timings['total']:.1f} s")
        slugs, words, revisions_before = prepare(url, args.users, PASSWORD, work / "search")
        env = {k: v for k, v in os.environ.items() if not k.startswith("WIKI_")}
        env.update(
            DATABASE_URL=url,
            SECRET_KEY=secrets.token_hex(32),
            WIKI_INSTANCE_PATH=str(work / "instance"),
            WIKI_SEARCH_INDEX_PATH=str(work / "search"),
            # Every simulated user logs in from 127.0.0.1: allow that many logins a minute.
            WIKI_LOGIN_LIMIT_PER_CLIENT=f"{max(20, 2 * args.users)} per minute",
        )
        server = Server(env, work / "gunicorn.log", args.workers, args.worker_class, args.threads)
        server.wait_ready()
        print(f"gunicorn: {' '.join(server.command[2:])}")
        busy = cpu_busy()
        if busy is not None:
            print(
                f"CPU busy before the load: {busy:.0%}, load average {os.getloadavg()[0]:.2f}"
                + (
                    "  WARNING: other processes use the CPU; figures will be low and noisy"
                    if busy > 0.15
                    else ""
                )
            )
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(args.users + 1)
        results = context.Queue()
        processes = [
            context.Process(
                target=user_loop,
                args=(
                    {
                        "port": server.port,
                        "username": f"load{n:02d}",
                        "password": PASSWORD,
                        "index": n,
                        "seed": args.seed * 1000 + n,
                        "duration": args.duration,
                        "warmup": args.warmup,
                        "slugs": slugs,
                        "words": words,
                        "view_share": views / 100,
                        "search_share": searches / 100,
                    },
                    barrier,
                    results,
                ),
            )
            for n in range(1, args.users + 1)
        ]
        for process in processes:
            process.start()
        cpu = None
        try:
            barrier.wait(timeout=180)
            print(
                f"{args.users} users logged in; {args.warmup:.0f} s of warm-up, then "
                f"{args.duration:.0f} s measured..."
            )
            time.sleep(args.warmup)
            before = cpu_snapshot(server)
            time.sleep(args.duration)
            cpu = (before, cpu_snapshot(server))
        except threading.BrokenBarrierError:
            print("Some users could not log in (see below); stopping.")
        outcomes = [results.get(timeout=args.duration + args.warmup + 120) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        server.stop()
        ok = report(outcomes, args, server, cpu)
        saved = [pair for o in outcomes for pair in o["saved"]]
        new, missing = check_saves(url, saved, revisions_before)
        lost = new != len(saved) or missing
        print(
            f"Lost edits: new revisions {new} vs acknowledged saves {len(saved)}; "
            f"acknowledged tokens missing from their page: {len(missing)} -> "
            + ("NONE LOST" if not lost else "LOST EDITS")
        )
        for trace in server.tracebacks()[:3]:
            print(f"gunicorn log:\n{trace}")
        return 0 if ok and not lost else 1
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"Kept the database {make_safe(url)} and {work} (search index, gunicorn.log)")
        else:
            shutil.rmtree(work, ignore_errors=True)
            if fresh:
                drop_database(args.server, url)


def make_safe(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
