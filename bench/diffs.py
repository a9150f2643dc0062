"""Worst cases of big pages: how long saving, diffs and blame take and how much HTML they send.

    python bench/diffs.py                          # a temporary SQLite database
    python bench/diffs.py --database-url postgresql://user@127.0.0.1/empty_db
    python bench/diffs.py --case every-line --profile save
    python bench/diffs.py --case shuffle --revisions 20     # blame of a longer history

Each case is a page saved twice through the edit form, with two texts of up to the page
size limit (1 MiB) that differ in a hostile way (every line changed, a few huge lines,
...). For each, in-process through Flask's test client (CSRF off), it prints the wall time
of the second save, of the search indexing that follows it, of the diff (inline and side
by side), of blame and of the page view, each the best of ``--repeat`` runs, and the size
of the HTML sent. In production the indexing runs in a background thread of the process
that saved, after the answer; here it runs between the requests, so it slows none of them.
``--revisions N`` then saves the two texts in turn until the page has N revisions, for
blame over a longer history. ``--profile WHAT`` (save, index, diff, side, blame, view)
prints a cProfile of one such request instead.

The database must be empty or made by this script (``--database-url``); a SQLite file is
made in a temporary folder by default. The target is under a second for every request.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PASSWORD = "bench-password-2024"
MIB = 1024 * 1024
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()


def _fill(make_line: Callable[[int], str], limit: int = MIB) -> str:
    """Lines ``make_line(0)``, ``make_line(1)``... while the text stays within ``limit`` bytes
    and the renderer's line limit."""
    lines, size = [], 0
    for number in range(49_000):
        line = make_line(number)
        size += len(line.encode()) + 1
        if size > limit:
            break
        lines.append(line)
    return "\n".join(lines) + "\n"


def _sentence(number: int, word: str) -> str:
    return f"Line {number:06d}: the {word} jumps over the lazy dog near the {WORDS[number % 13]}."


def _long_line(number: int, changed: bool) -> str:
    words = [WORDS[(number * 7 + i) % 13] for i in range(1_700)]
    if changed:
        for i in range(0, len(words), 5):
            words[i] = words[i].upper()
    return " ".join(words)


# name -> (first text, second text)
CASES: dict[str, Callable[[], tuple[str, str]]] = {
    # Every line changed by one word: word highlights everywhere.
    "every-line": lambda: (
        _fill(lambda n: _sentence(n, "fox")),
        _fill(lambda n: _sentence(n, "cat")),
    ),
    # As many short lines as a page may have, each one different.
    "short-lines": lambda: (
        _fill(lambda n: f"old {n:05x} " + "x" * 12),
        _fill(lambda n: f"new {n:05x} " + "y" * 12),
    ),
    # Every other line changed: thousands of small hunks, each with context.
    "alternate": lambda: (
        _fill(lambda n: _sentence(n, "fox")),
        _fill(lambda n: _sentence(n, "cat" if n % 2 else "fox")),
    ),
    # A page of ~10 KB lines (long paragraphs), every fifth word changed in each.
    "long-lines": lambda: (
        _fill(lambda n: _long_line(n, False)),
        _fill(lambda n: _long_line(n, True)),
    ),
    # One line of a megabyte, changed in the middle.
    "one-line": lambda: (
        " ".join(WORDS[i % 13] for i in range(150_000)) + "\n",
        " ".join(WORDS[i % 13] if i != 75_000 else "CHANGED" for i in range(150_000)) + "\n",
    ),
    # The same lines in another order: the line diff's worst case (it gives up at its limit).
    "shuffle": lambda: (
        _fill(lambda n: _sentence(n, "fox")),
        _fill(lambda n: _sentence((n * 7919) % 17_000, "fox")),
    ),
    # A short page replaced by a full one: every line inserted.
    "grow": lambda: ("A short page.\n", _fill(lambda n: _sentence(n, "fox"))),
}


def make_app(database_url: str | None, folder: Path):
    from sqlalchemy import create_engine

    from wiki import create_app
    from wiki.access import accounts
    from wiki.db import make_database
    from wiki.models import Role
    from wiki.ops.migrate import upgrade

    url = database_url or f"sqlite:///{folder / 'wiki.db'}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    upgrade(engine)
    engine.dispose()
    database = make_database(url)
    with database.session(write=True) as session:  # before the app: no setup token printed
        if not accounts.has_users(session):
            accounts.create_user(session, "admin", PASSWORD, Role.ADMIN)
            session.commit()
    database.dispose()
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder / "instance"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SEARCH_BACKGROUND": False,  # indexed between the requests (see index_now)
        }
    )


def timed(request: Callable[[], object], repeat: int) -> tuple[float, int]:
    """Best wall time of ``repeat`` calls of ``request`` and the size of its answer (0 when
    it is not an HTTP answer); raises when an answer is not 200 or 302."""
    best, size = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        reply = request()
        best = min(best, time.perf_counter() - started)
        if reply is None:
            continue
        if reply.status_code not in (200, 302):  # type: ignore[attr-defined]
            raise RuntimeError(f"{reply.status_code}: {reply.get_data(as_text=True)[:2000]}")  # type: ignore[attr-defined]
        size = len(reply.get_data())  # type: ignore[attr-defined]
    return best, size


def index_now(app) -> None:
    """Bring the search index up to date in this thread, as the background indexer would."""
    from wiki.search.runtime import get_search

    with app.app_context():
        search = get_search()
        assert search.indexer is not None
        search.indexer.run_once()


def run_case(app, client, name: str, texts: tuple[str, str], args) -> None:
    old, new = texts
    slug = f"bench-{name}-{time.time_ns()}"
    reply = client.post("/-/new", data={"title": slug, "body": old, "summary": ""})
    if reply.status_code != 302:
        raise RuntimeError(f"creating {name}: {reply.get_data(as_text=True)[:2000]}")
    index_now(app)

    def save(number: int):
        """Save revision ``number`` (the second text when it is even, else the first).
        The form is encoded beforehand: the time is the server's, as with a browser."""
        form = urlencode({"body": new if number % 2 == 0 else old, "base": number - 1})
        return client.post(
            f"/wiki/{slug}/edit", data=form, content_type="application/x-www-form-urlencoded"
        )

    requests: dict[str, Callable[[], object]] = {
        "save": lambda: save(2),
        "index": lambda: index_now(app),
        "diff": lambda: client.get(f"/wiki/{slug}/diff/1/2"),
        "side": lambda: client.get(f"/wiki/{slug}/diff/1/2?view=side"),
        "blame": lambda: client.get(f"/wiki/{slug}/blame"),
        "view": lambda: client.get(f"/wiki/{slug}"),
    }
    if args.profile:
        for what in ("save", "index"):
            if what == args.profile:
                break
            requests[what]()
        profiler = cProfile.Profile()
        profiler.enable()
        requests[args.profile]()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        print(out.getvalue())
        return
    figures = [f"{name:<12} {len(old.encode()) / MIB:4.2f}/{len(new.encode()) / MIB:4.2f} MiB"]
    for what in ("save", "index"):  # once each: saving the same text again changes nothing
        seconds, _ = timed(requests[what], 1)
        figures.append(f"{what} {seconds:5.2f} s")
    for number in range(3, args.revisions + 1):
        save(number)
    if args.revisions > 2:
        index_now(app)
        figures.append(f"{args.revisions} revisions")
    for what in ("diff", "side", "blame", "view"):
        seconds, size = timed(requests[what], args.repeat)
        figures.append(f"{what} {seconds:5.2f} s {size / 1000:5,.0f} kB")
    print(" | ".join(figures), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="default: all")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--revisions", type=int, default=2, help="revisions of each page")
    parser.add_argument("--profile", choices=["save", "index", "diff", "side", "blame", "view"])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app = make_app(args.database_url, Path(folder))
        client = app.test_client()
        reply = client.post("/-/login", data={"username": "admin", "password": PASSWORD})
        if reply.status_code != 302:
            raise RuntimeError("could not log in")
        for name in args.case or list(CASES):
            run_case(app, client, name, CASES[name](), args)


if __name__ == "__main__":
    main()
