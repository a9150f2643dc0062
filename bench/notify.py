"""Notifications at scale, in-process, against the notifications issue's targets.

    python bench/notify.py                      # 2,000 pages, a page watched by 1,000 people
    python bench/notify.py --watchers 5000 --saves 100

Works on a copy of ``bench/out/wiki-<N>-1000.db`` (seeded by ``bench/seed.py`` when
missing, see ``bench/views.py``). Adds ``--watchers`` accounts (rows written directly: they
never log in) who all watch one page, and makes ``reader`` one of them. Then, through
Flask's test client (CSRF on):

1. **Saves**: ``editor`` saves the watched page ``--saves`` times through the edit form
   (form fetched untimed, the POST timed), and as many times a page nobody watches; every
   save must add a revision. The fan-out is the worker's: a save only writes its outbox row.
2. **The worker**: one pass of ``wiki worker`` over those saves' events
   (:func:`wiki.ops.notifier.handle_pending`), timed; it must make one notification per
   watcher and event.
3. **The bell**: ``reader`` (now with thousands of unread notifications) views a page,
   kept (the bell's count is part of the one statement that checks a kept view) and
   rendered afresh, against ``editor`` (no notifications) viewing the same page; and the
   count alone (:func:`wiki.notify.inbox.unread_count`) as a fresh render runs it.

Wall-clock times per request, p50 / p95; nothing here is a test and CI does not run it.
"""

from __future__ import annotations

import argparse
import gc
import html
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from access import Measure, _get, _login
from views import copy_sqlite, ms, percentile, seeded_sqlite

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_BASE = re.compile(r'name="base" value="(\d+)"')
_BODY = re.compile(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', re.S)


def add_watchers(app, slug: str, count: int) -> int:
    """``count`` accounts watching the page ``slug``, and ``reader`` too; the page's id."""
    from sqlalchemy import insert, select

    from wiki.db import get_database
    from wiki.models import Page, Role, User, Watch, WatchTarget, utcnow

    database = get_database(app)
    with database.session(write=True) as session:
        page_id = session.scalar(select(Page.id).where(Page.slug == slug))
        now = utcnow()
        session.execute(
            insert(User),
            [
                {
                    "username": f"watcher{n}",
                    "username_key": f"watcher{n}",
                    "password_hash": "!",  # never logs in
                    "role": Role.READER,
                    "disabled": False,
                    "session_token": secrets.token_hex(16),
                    "created_at": now,
                    "watch_own_edits": True,
                    "email_frequency": "off",
                }
                for n in range(count)
            ],
        )
        ids = list(session.scalars(select(User.id).where(User.username.like("watcher%"))))
        ids.append(session.scalar(select(User.id).where(User.username == "reader")))
        session.execute(
            insert(Watch),
            [
                {
                    "user_id": user_id,
                    "target": WatchTarget.PAGE,
                    "target_key": f"page:{page_id}",
                    "page_id": page_id,
                    "tag": "",
                    "automatic": False,
                    "created_at": now,
                }
                for user_id in ids
            ],
        )
        session.commit()
    return page_id


def timed_saves(client, slug: str, count: int) -> Measure:
    taken = Measure(f"save ({slug[:30]})")
    for n in range(count + 1):
        form = _get(client, f"/wiki/{slug}/edit")
        body = html.unescape(_BODY.search(form).group(1))
        data = {
            "csrf_token": html.unescape(_TOKEN.search(form).group(1)),
            "base": _BASE.search(form).group(1),
            "body": body + f"\nNote {n} of the bench.\n",
            "summary": "bench",
            "action": "save",
        }

        def save(data=data):
            reply = client.post(f"/wiki/{slug}/edit", data=data)
            if reply.status_code != 302:
                raise RuntimeError(f"save {slug}: {reply.status_code}")

        if n == 0:
            save()  # the first write pays for setting things up
        else:
            taken.time(save)
    return taken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--views", type=int, default=500)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from wiki import create_app
    from wiki.db import get_database
    from wiki.models import Notification, Page
    from wiki.notify.inbox import unread_count
    from wiki.ops.notifier import handle_pending

    args.workdir.mkdir(parents=True, exist_ok=True)
    seeded = seeded_sqlite(args.workdir, args.pages, 1000, False)
    work = Path(tempfile.mkdtemp(prefix="notify-run-"))
    copy = work / "wiki.db"
    copy_sqlite(seeded, copy)
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{copy}",
            "INSTANCE_PATH": str(work / "instance"),
            "SEARCH_INDEX_PATH": str(work / "index"),
            "SEARCH_BACKGROUND": False,
            "WTF_CSRF_ENABLED": True,
        }
    )
    database = get_database(app)
    with database.session() as session:
        slugs = list(session.scalars(select(Page.slug).order_by(Page.id).limit(3)))
    watched, quiet, viewed = slugs
    watched_id = add_watchers(app, watched, args.watchers)
    while handle_pending(database, limit=1000)[0]:  # the seed's own events: not measured
        pass
    editor = _login(app, "editor")
    gc.collect()
    gc.freeze()

    results = [timed_saves(editor, watched, args.saves), timed_saves(editor, quiet, args.saves)]

    from wiki.models import User, Watch

    with database.session() as session:
        before = session.scalar(select(func.max(Notification.id))) or 0
        # Everyone watching the page but the editor (who never hears of their own saves):
        # the watchers, reader, and whoever the seed's history made watch it.
        told = session.scalar(
            select(func.count(Watch.id))
            .join(User, User.id == Watch.user_id)
            .where(Watch.target_key == f"page:{watched_id}", User.username != "editor")
        )
    started = time.perf_counter()
    events, made = handle_pending(database, limit=10 * args.saves)
    worker_seconds = time.perf_counter() - started
    with database.session() as session:
        about_watched = session.scalar(
            select(func.count(Notification.id)).where(
                Notification.id > before, Notification.page_id == watched_id
            )
        )
    expected = (args.saves + 1) * told  # the untimed first save too
    if about_watched != expected:
        raise RuntimeError(f"the worker told {about_watched} of the page's saves, not {expected}")

    reader = _login(app, "reader")
    with database.session() as session:
        unread = session.scalar(
            select(func.count(Notification.id)).where(Notification.read_at.is_(None))
        )
    for who, client in (("reader, with the bell", reader), ("editor, no notifications", editor)):
        kept = Measure(f"kept page view ({who})")
        for _ in range(20):
            _get(client, f"/wiki/{viewed}")
        for _ in range(args.views):
            kept.time(lambda client=client: _get(client, f"/wiki/{viewed}"))
        results.append(kept)
    count = Measure("the bell's count alone (a fresh render)")
    with app.test_request_context():
        from wiki.access.accounts import get_user

        with database.session() as session:
            user = get_user(session, "reader")
            for _ in range(args.views):
                count.time(lambda: unread_count(session, user, user.id))

    print(
        f"\n{args.pages:,} pages, SQLite, in-process; {args.watchers:,} people (and reader) "
        f"watch one page; {unread:,} unread notifications in all"
    )
    print("| what | p50 ms | p95 ms |")
    print("|---|---|---|")
    for measure in results + [count]:
        print(
            f"| {measure.name} | {ms(percentile(measure.wall, 50))} | {ms(percentile(measure.wall, 95))} |"
        )
    print(
        f"| worker: {events} events into {made:,} notifications | "
        f"{worker_seconds:.2f} s in all | {made / worker_seconds:,.0f} notifications/s |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
