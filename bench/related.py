"""Related pages, in-process: working the lists out, and the page view that shows them.

    python bench/related.py                    # 2,000 pages
    python bench/related.py --pages 10000 --sample 300

Works on a copy of ``bench/out/wiki-<N>-1000.db`` (seeded by ``bench/seed.py`` when
missing, see ``bench/views.py``) and builds its search index first (untimed), then:

1. **One page's list**: for ``--sample`` random pages, the links read from the database
   (:func:`wiki.search.related_lists.links_between`) and the list worked out from the index
   (``WhooshEngine.related``), each timed.
2. **Every page's list**: :func:`~wiki.search.related_lists.refresh_lists` over all pages in
   one go (no time box), as after a rebuild; then, the lists dropped, the way the background
   indexer does it: :class:`~wiki.search.related_lists.RelatedRefresher` rounds of at most
   0.25 s each, counted until every page has its list.
3. **The page view**: ``reader`` views ``--views`` random pages through Flask's test client,
   rendered afresh (no kept views) with their related pages shown, and the same with the
   list's query taken out; kept views (the list's time is part of the one statement that
   checks a kept view); and the list's query alone
   (:func:`wiki.content.related.related_pages`).

Wall-clock times, p50 / p95; nothing here is a test and CI does not run it.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from access import Measure, _get, _login
from views import copy_sqlite, ms, percentile, seeded_sqlite


def _app(copy: Path, work: Path, cache_mb: int):
    from wiki import create_app

    return create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{copy}",
            "INSTANCE_PATH": str(work / "instance"),
            "SEARCH_INDEX_PATH": str(work / "index"),
            "SEARCH_BACKGROUND": False,
            "PAGE_CACHE_MB": cache_mb,
        }
    )


def _clear_lists(database) -> None:
    from sqlalchemy import delete

    from wiki.models import RelatedList, RelatedPage

    with database.session(write=True) as writer:
        writer.execute(delete(RelatedPage))
        writer.execute(delete(RelatedList))
        writer.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()

    from sqlalchemy import func, select

    import wiki.content.related as related_module
    from wiki.access.accounts import get_user
    from wiki.db import get_database
    from wiki.models import Page, RelatedList, RelatedPage, utcnow
    from wiki.search.indexer import rebuild
    from wiki.search.related import KEEP
    from wiki.search.related_lists import (
        SCAN_BATCH,
        RelatedRefresher,
        due_pages,
        links_between,
        refresh_lists,
    )
    from wiki.search.runtime import get_engine

    args.workdir.mkdir(parents=True, exist_ok=True)
    seeded = seeded_sqlite(args.workdir, args.pages, 1000, False)
    work = Path(tempfile.mkdtemp(prefix="related-run-"))
    copy = work / "wiki.db"
    copy_sqlite(seeded, copy)
    app = _app(copy, work, cache_mb=0)
    database = get_database(app)
    rng = random.Random(args.seed)
    with app.app_context():
        engine = get_engine()
        print("Building the search index (untimed)...", flush=True)
        with database.session() as session:
            rebuild(session, engine)
            ids = list(session.scalars(select(Page.id).where(Page.deleted.is_(False))))
        gc.collect()
        gc.freeze()

        # 1. One page's list.
        sample = rng.sample(ids, min(args.sample, len(ids)))
        links, lists = Measure("links of one page (database)"), Measure("one page's list (index)")
        sizes = []
        with database.session() as session:
            for page_id in sample:
                linked = links.time(lambda p=page_id: links_between(session, [p]))[page_id]
                sizes.append(
                    len(lists.time(lambda p=page_id, k=linked: engine.related(p, KEEP, linked=k)))
                )

        # 2. Every page's list: in one go, then in the background indexer's rounds.
        started = time.perf_counter()
        written, _left = refresh_lists(database, engine, ids, skip_fresh=False)
        one_go = time.perf_counter() - started
        with database.session() as session:
            listed = session.scalar(select(func.count(RelatedList.page_id)))
            entries = session.scalar(select(func.count()).select_from(RelatedPage))
        _clear_lists(database)
        refresher, rounds, busy = RelatedRefresher(), 0, 0.0
        started = time.perf_counter()
        while True:
            round_started = time.perf_counter()
            done = refresher.run(database, engine)
            busy = max(busy, time.perf_counter() - round_started)
            if not done:
                break
            rounds += 1
        in_rounds = time.perf_counter() - started

    # 3. The page view.
    with database.session() as session:
        slugs = dict(session.execute(select(Page.id, Page.slug)).all())
    paths = [f"/wiki/{slugs[rng.choice(ids)]}" for _ in range(args.views)]
    reader = _login(app, "reader")
    shown = sum('<section class="related"' in _get(reader, path) for path in paths[:50])
    # With and without the list, one after the other on each page: the machine's mood
    # weighs on both alike.
    fresh = Measure("page view, rendered, with related pages")
    without = Measure("page view, rendered, without them")
    real = related_module.related_pages
    for path in paths:
        fresh.time(lambda path=path: _get(reader, path))
        related_module.related_pages = lambda *_args, **_kwargs: []
        try:
            without.time(lambda path=path: _get(reader, path))
        finally:
            related_module.related_pages = real
    kept_app = _app(copy, work, cache_mb=64)
    kept_reader = _login(kept_app, "reader")
    kept = Measure("page view, kept (checked by one statement)")
    for path in dict.fromkeys(paths):
        _get(kept_reader, path)
    for path in paths:
        kept.time(lambda path=path: _get(kept_reader, path))
    scan = Measure("looking for missing and old lists (a round's query)")
    with database.session() as session:
        for _ in range(20):
            scan.time(lambda: due_pages(session, utcnow(), SCAN_BATCH))
    query = Measure("the list's query alone")
    with app.test_request_context(), database.session() as session:
        user = get_user(session, "reader")
        for page_id in sample:
            page = session.get(Page, page_id)
            query.time(lambda p=page: related_module.related_pages(session, user, p))

    print(f"\n{len(ids):,} pages, SQLite, in-process")
    print("| what | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    for measure in (links, lists, scan, fresh, without, kept, query):
        print(
            f"| {measure.name} | {ms(percentile(measure.wall, 50))} | "
            f"{ms(percentile(measure.wall, 95))} | {ms(max(measure.wall))} |"
        )
    print(
        f"\nLists of the sample: {sum(sizes) / len(sizes):.1f} pages on average, "
        f"{sizes.count(0)} empty; of 50 views, {shown} showed related pages."
    )
    print(
        f"Every page's list in one go: {written:,} lists ({entries:,} related pages in all, "
        f"{listed:,} lists stored) in {one_go:.1f} s, {written / one_go:,.0f} lists/s."
    )
    print(
        f"In the background indexer's rounds: {rounds} rounds in {in_rounds:.1f} s "
        f"(the longest {busy * 1000:.0f} ms)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
