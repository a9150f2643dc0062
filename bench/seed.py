"""Seed an empty wiki database with realistic pages, through the wiki's own service layer.

    python bench/seed.py --database-url sqlite:///wiki.db --pages 2000
    python bench/seed.py --database-url postgresql://user@127.0.0.1/bench --pages 20000

What it writes (all through ``wiki.access.accounts.create_user``, ``wiki.content.pages.create_page`` and
``wiki.content.pages.edit_page``, so every revision has its rendered-HTML cache row, exactly as the
running wiki writes them):

* users ``admin``, ``editor`` and ``reader`` (roles as named) plus editors ``alice``, ``bob``,
  ``carol`` and ``dave``; all have the password printed at the end (:data:`PASSWORD`);
* ``--pages`` pages of 3-5 KB Markdown made by :mod:`corpus` (default 2,000), authored by the
  editors in turn, committed in batches of ``--batch`` pages;
* the page "Office move lessons learned" with ``--revisions-page`` revisions (default 1,000;
  0 leaves it out): a first text and then successive small edits (rewording, typos and their
  fixes, added and removed sentences, list items and paragraphs) by the editors in turn.

The database must be empty: the script runs the migrations (``wiki.ops.migrate.upgrade``) itself.
Use ``--profile`` to see where the seeding time goes (cProfile, top functions).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from corpus import OFFICE_MOVE_TITLE, Corpus, HistoryWriter
from sqlalchemy import inspect as sa_inspect

from wiki.access import accounts
from wiki.content.pages import Limits, create_page, edit_page
from wiki.db import make_database
from wiki.models import Role
from wiki.ops.migrate import upgrade
from wiki.slugs import slugify

PASSWORD = "bench-password-2024"
ROLE_USERS = {"admin": Role.ADMIN, "editor": Role.EDITOR, "reader": Role.READER}
EXTRA_EDITORS = ["alice", "bob", "carol", "dave"]
OFFICE_MOVE_SLUG = slugify(OFFICE_MOVE_TITLE)


def _progress(done: int, total: int, started: float, what: str) -> None:
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed else 0.0
    print(f"  {done:>6,}/{total:,} {what} in {elapsed:6.1f} s ({rate:,.0f}/s)", flush=True)


def seed(
    database_url: str,
    pages: int,
    revisions: int = 1000,
    *,
    seed_value: int = 1,
    batch: int = 500,
    quiet: bool = False,
) -> dict:
    """Seed the empty database at ``database_url``; returns timings in seconds."""
    say = (lambda *a, **k: None) if quiet else print
    database = make_database(database_url)
    engine = database.engine
    timings: dict[str, float] = {}
    try:
        existing = set(sa_inspect(engine).get_table_names())
        if existing:
            raise SystemExit(
                f"The database is not empty (it has tables: {', '.join(sorted(existing))}). "
                "Give an empty database: the seed runs the migrations itself."
            )
        started = time.perf_counter()
        upgrade(engine)
        timings["migrate"] = time.perf_counter() - started

        step = time.perf_counter()
        corpus = Corpus.load()
        titles = corpus.titles(pages, seed_value)
        if slugify(OFFICE_MOVE_TITLE) in {slugify(t) for t in titles}:  # cannot happen, but cheap
            raise SystemExit("corpus title clashes with the history page title")
        timings["corpus"] = time.perf_counter() - step
        say(f"Corpus: {len(corpus.docs):,} docstrings harvested in {timings['corpus']:.1f} s")

        step = time.perf_counter()
        with database.session(write=True) as session:
            users = {
                name: accounts.create_user(session, name, PASSWORD, role)
                for name, role in [*ROLE_USERS.items(), *((n, Role.EDITOR) for n in EXTRA_EDITORS)]
            }
            session.commit()
            user_ids = {name: user.id for name, user in users.items()}
        timings["users"] = time.perf_counter() - step
        authors = ["editor", *EXTRA_EDITORS, "admin"]
        limits = Limits()

        step = time.perf_counter()
        say(f"Creating {pages:,} pages (batches of {batch})...")
        for first in range(0, pages, batch):
            with database.session(write=True) as session:
                people = {
                    name: session.get(type(users["admin"]), uid) for name, uid in user_ids.items()
                }
                for index in range(first, min(first + batch, pages)):
                    body = corpus.page_body(titles, index, seed_value)
                    summary = ("Created the page", "First version", "Imported from the old wiki")[
                        index % 3
                    ]
                    create_page(
                        session,
                        people[authors[index % len(authors)]],
                        titles[index],
                        body,
                        summary,
                        limits,
                    )
                session.commit()
            done = min(first + batch, pages)
            if not quiet and (done == pages or (done // batch) % max(1, 2000 // batch) == 0):
                _progress(done, pages, step, "pages")
        timings["pages"] = time.perf_counter() - step

        if revisions > 0:
            step = time.perf_counter()
            say(f"Writing {revisions:,} revisions of '{OFFICE_MOVE_TITLE}'...")
            writer = HistoryWriter(corpus, seed_value)
            text = writer.first_text()
            commit_every = 50
            with database.session(write=True) as session:
                people = {
                    name: session.get(type(users["admin"]), uid) for name, uid in user_ids.items()
                }
                page = create_page(
                    session, people["editor"], OFFICE_MOVE_TITLE, text, "Started the page", limits
                ).page
                session.commit()
                number = 1
                for _ in range(revisions * 2):  # bounded; each round normally adds one revision
                    if number >= revisions:
                        break
                    text, summary = writer.edit(text)
                    author = people[authors[number % len(authors)]]
                    result = edit_page(
                        session, author, page, page.latest_number, text, summary, limits
                    )
                    if result.revision is not None:
                        number = result.revision.number
                        page = result.page
                    if number % commit_every == 0 or number >= revisions:
                        session.commit()
                session.commit()
            timings["history"] = time.perf_counter() - step
            say(f"  {number:,} revisions in {timings['history']:.1f} s")
        timings["total"] = time.perf_counter() - started
        return timings
    finally:
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", required=True, help="sqlite:///path.db or postgresql://..."
    )
    parser.add_argument(
        "--pages", type=int, default=2000, help="number of ordinary pages (default 2,000)"
    )
    parser.add_argument(
        "--revisions-page",
        type=int,
        default=1000,
        help="revisions of the 'Office move lessons learned' page (default 1,000; 0: no such page)",
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--batch", type=int, default=500, help="pages per commit (default 500)")
    parser.add_argument("--profile", action="store_true", help="print the top costs (cProfile)")
    args = parser.parse_args()

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    timings = seed(
        args.database_url, args.pages, args.revisions_page, seed_value=args.seed, batch=args.batch
    )
    if profiler:
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
        print(out.getvalue())

    print()
    print(
        f"Seeded {args.pages:,} pages + '{OFFICE_MOVE_TITLE}' ({args.revisions_page:,} revisions) "
        f"in {timings['total']:.1f} s"
    )
    print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total"))
    print(f"  per page: {1000 * timings['pages'] / max(args.pages, 1):.2f} ms", end="")
    if args.revisions_page:
        print(
            f"; per revision of the history page: {1000 * timings['history'] / args.revisions_page:.2f} ms"
        )
    else:
        print()
    print(
        f"Users (password for all: {PASSWORD}): "
        + ", ".join(f"{name} ({role.value})" for name, role in ROLE_USERS.items())
        + ", "
        + ", ".join(f"{n} (editor)" for n in EXTRA_EDITORS)
    )


if __name__ == "__main__":
    main()
