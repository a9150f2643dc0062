"""Lists, search and access previews with access rules on, in-process, against the issue's
targets.

    python bench/access.py                      # 10,000 pages (makes the worlds once, kept)
    python bench/access.py --pages 2000 --samples 30
    python bench/access.py --database-url sqlite:///world.db --preview-database-url sqlite:///big.db

Two organisations made by ``bench/access_world.py`` from ``bench/out/wiki-<N>-1000.db`` and
kept in ``bench/out`` (``access-<N>-s<seed>.db``, and ``...-big<N>.db`` where one space
holds all ``N`` pages under a single top page); each run works on copies, so a run never
changes them:

1. **requests**, through Flask's test client with CSRF on (like ``profile_requests.py``:
   the search index built first with ``wiki reindex``, no background indexer), logged in
   as ``--user`` (default ``reader``: 20 groups, a reader): page views (pages the user may
   read), All pages (``/-/pages``: the first window and the one reached by following its
   "Next" link ``--deep`` times), Recent changes (``/-/recent``: the first window, all on
   the 1,000-revision page of the default space, and the first window past that page's
   revisions, reached by following "Older" links), the space directory (``/-/spaces``),
   the page of the largest space the user sees, search (``/-/search?q=``: the query classes
   of ``bench/search.py``, built the same way from the corpus) and title suggestions
   (``/-/search/titles?q=``, its prefixes). Each request once untimed, then ``--samples``
   timed (search: every query ``--repeat`` times); every reply must be 200. Then the same
   queries on the engine alone (``engine.search(q, per_page=10)``, as ``bench/search.py``
   times them and judges the search issue's targets) with the user's ``readable_pages``
   check, built for each query in a request context of its own;
2. **readable_pages**: building the id check that search and suggestions pass to the
   engine, in a fresh request context each time: with the process's rules, reach and page
   placements kept (what every search request pays), with the placements read again (the
   first search after a page was created, deleted or undeleted), and cold (after an access
   change: rules loaded again, reach worked out, placements read);
3. **previews**, on the big world, called directly (a database session, the site admin):
   ``grants.preview_grant`` of a group not granted in the big space (read), and
   ``restrictions.preview_restriction`` of reading on its top page (the subtree is the
   whole space) for two of its groups; then the same two previews as a space admin
   sees them (POST of the access forms, without ``confirm``, as ``admin``) and the top
   page's Access tab.

Times are wall-clock per request, with the requesting thread's CPU time beside them (which
other load on the machine hardly changes). The table judges each target on the wall p95.
"""

from __future__ import annotations

import argparse
import gc
import html
import os
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import search as search_bench
from access_world import describe_summary, kept_world
from views import USER_AGENT, copy_sqlite, ms, percentile

SEARCH_CLASSES = search_bench.CLASSES
# The search issue's targets, which bench/search.py judges on the engine alone.
SEARCH_TARGETS_MS = {cls: search_bench.TARGETS_MS[cls] for cls in SEARCH_CLASSES}
TARGETS_MS = {
    "all pages, first window": 20,
    "all pages, later window": 20,
    "recent changes, first window": 20,
    "recent changes, later window": 20,
    **{f"search: {cls}": target for cls, target in SEARCH_TARGETS_MS.items()},
    "title suggestions": 20,
    **{f"engine: {cls}": target for cls, target in SEARCH_TARGETS_MS.items()},
    "preview_grant (service)": 1000,
    "preview_restriction (service)": 1000,
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
_OLDER = re.compile(r'<a href="([^"]+)">Older')
_HIT = re.compile(r'<h2[^>]*><a href="/wiki/')


@dataclass
class Measure:
    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    note: str = ""

    def time(self, run) -> object:
        started, cpu = time.perf_counter(), time.thread_time()
        out = run()
        self.wall.append(time.perf_counter() - started)
        self.cpu.append(time.thread_time() - cpu)
        return out

    def row(self) -> str:
        target = TARGETS_MS.get(self.name)
        p95 = percentile(self.wall, 95)
        verdict = "-"
        if target is not None:
            verdict = f"< {target:,} ms: " + ("met" if p95 * 1000 < target else "**missed**")
        return (
            f"| {self.name} | {ms(percentile(self.wall, 50))} | {ms(p95)} | "
            f"{ms(percentile(self.cpu, 50))} / {ms(percentile(self.cpu, 95))} | {len(self.wall)} "
            f"| {verdict} |"
        )


def _login(app, username: str):
    from seed import PASSWORD

    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    token = _CSRF.search(client.get("/-/login").get_data(as_text=True)).group(1)
    reply = client.post(
        "/-/login",
        data={"username": username, "password": PASSWORD, "csrf_token": html.unescape(token)},
    )
    if reply.status_code != 302:
        raise RuntimeError(f"login as {username}: {reply.status_code}")
    return client


def _get(client, path: str) -> str:
    reply = client.get(path)
    if reply.status_code != 200:
        raise RuntimeError(
            f"GET {path}: {reply.status_code}\n{reply.get_data(as_text=True)[:2000]}"
        )
    return reply.get_data(as_text=True)


def _post(client, path: str, form: dict, csrf_from: str) -> str:
    token = html.unescape(_CSRF.search(_get(client, csrf_from)).group(1))
    reply = client.post(path, data={**form, "csrf_token": token})
    if reply.status_code != 200:
        raise RuntimeError(
            f"POST {path}: {reply.status_code}\n{reply.get_data(as_text=True)[:2000]}"
        )
    return reply.get_data(as_text=True)


def _follow(client, path: str, link: re.Pattern, times: int, until=None) -> str:
    """The address reached from ``path`` by following ``link`` ``times`` times (or until
    ``until(text)`` holds)."""
    for _ in range(times):
        text = _get(client, path)
        if until is not None and until(text):
            return path
        found = link.search(text)
        if found is None:
            raise RuntimeError(f"no further window after {path}")
        path = html.unescape(found.group(1))
    return path


def timed_gets(client, name: str, paths: list[str], warmup: bool = True) -> Measure:
    measure = Measure(name)
    if warmup:
        for path in dict.fromkeys(paths):
            _get(client, path)
    for path in paths:
        measure.time(lambda path=path: _get(client, path))
    return measure


def request_measures(args, world_url: str, work: Path) -> tuple[list[Measure], list[str]]:
    from profile_requests import make_client
    from search import autocomplete_prefixes, build_queries, vocabulary
    from sqlalchemy import create_engine, func, select

    from wiki.access.permissions import readable_pages, visible_pages
    from wiki.content.spaces import list_spaces
    from wiki.db import get_database, get_session
    from wiki.models import Page, Revision, User
    from wiki.ops.migrate import upgrade

    engine = create_engine(world_url)  # a database made by an older version: newest schema
    upgrade(engine)
    engine.dispose()
    notes: list[str] = []
    instance = work / "instance"
    instance.mkdir()
    app, client = make_client(world_url, args.user, str(instance))
    database = get_database(app)
    with database.session() as session:
        user = session.scalars(select(User).where(User.username == args.user)).one()
        readable = list(
            session.scalars(select(Page.slug).where(visible_pages(user)).order_by(Page.id))
        )
        total = session.scalar(select(func.count()).select_from(Page))
        history_first = session.scalar(
            select(func.min(Revision.id))
            .join(Page, Page.id == Revision.page_id)
            .where(Page.space_id == 1)
        )
        shown = sorted(list_spaces(session, user), key=lambda s: -s.pages)
        vocab = vocabulary(session)
    notes.append(
        f"{args.user} reads {len(readable):,} of {total:,} pages and sees {len(shown)} spaces"
    )
    rng = random.Random(args.seed)
    measures: list[Measure] = []
    n = args.samples

    measures.append(
        timed_gets(client, "page view", [f"/wiki/{rng.choice(readable)}" for _ in range(n)])
    )
    measures.append(timed_gets(client, "all pages, first window", ["/-/pages"] * n))
    later = _follow(client, "/-/pages", _NEXT, args.deep)
    m = timed_gets(client, "all pages, later window", [later] * n)
    m.note = f"{later} ({args.deep} x Next)"
    measures.append(m)
    measures.append(timed_gets(client, "recent changes, first window", ["/-/recent"] * n))
    # The newest revisions are the history page's: follow "Older" past them.
    past = _follow(
        client,
        "/-/recent",
        _OLDER,
        100,
        until=lambda text: "office-move-lessons-learned" not in text.split("<main", 1)[-1],
    )
    m = timed_gets(client, "recent changes, later window", [past] * n)
    m.note = (
        f"{past} (first window past the 1,000-revision page; its first revision {history_first})"
    )
    measures.append(m)
    measures.append(timed_gets(client, "space directory", ["/-/spaces"] * n))
    biggest = shown[0]
    m = timed_gets(client, "space page (largest seen)", [f"/-/spaces/{biggest.space.key}"] * n)
    m.note = f"/-/spaces/{biggest.space.key}: {biggest.pages:,} pages the user may read"
    measures.append(m)

    queries = build_queries(vocab)
    prefixes = autocomplete_prefixes(vocab)
    del vocab
    # What the bench holds (the corpus's words, the pages' slugs) is no part of a server:
    # kept out of the garbage collector's passes, which would otherwise scan it in the
    # middle of timed requests.
    gc.collect()
    gc.freeze()
    empty = []
    for cls in SEARCH_CLASSES:
        paths = [f"/-/search?{urlencode({'q': q})}" for q in queries[cls]]
        for path, q in zip(paths, queries[cls], strict=True):  # also the warm-up
            if not _HIT.search(_get(client, path)):
                empty.append(q)
        measures.append(timed_gets(client, f"search: {cls}", paths * args.repeat, warmup=False))
    if empty:
        notes.append(f"{len(empty)} queries showed the user no result: {', '.join(empty)}")
    measures.append(
        timed_gets(
            client,
            "title suggestions",
            [f"/-/search/titles?{urlencode({'q': p})}" for p in prefixes] * args.repeat,
        )
    )

    # The engine alone, as bench/search.py times it, with the user's check of page ids
    # (built in each request: what the results page passes it).
    from wiki.search.runtime import get_engine

    for cls in SEARCH_CLASSES:
        engine_measure = Measure(f"engine: {cls}")
        for q in queries[cls] * args.repeat:
            with app.test_request_context():
                session = get_session()
                viewer = session.get(User, user.id)
                engine_measure.time(
                    lambda q=q, s=session, v=viewer: get_engine().search(
                        q, per_page=10, allowed=readable_pages(s, v)
                    )
                )
        measures.append(engine_measure)

    # readable_pages: what each search request builds, in a fresh request context.
    from wiki.access import placements as placements_module
    from wiki.access import reach as reach_module

    warm = Measure("readable_pages (all kept)")
    moved = Measure("readable_pages (placements read again)")
    cold = Measure("readable_pages (cold)")
    for _ in range(n):
        for measure in (cold, moved, warm):
            with app.test_request_context():
                session = get_session()
                viewer = session.get(User, user.id)
                # What a new page (placements) or an access change (rules, reaches and
                # placements) makes the next search read again.
                if measure is not warm:
                    app.extensions.pop(placements_module._APP_KEY, None)
                if measure is cold:
                    app.extensions.pop(reach_module._APP_KEY, None)
                measure.time(lambda s=session, v=viewer: readable_pages(s, v))
    measures += [warm, moved, cold]
    app.extensions["wiki.search"].engine.close() if app.extensions["wiki.search"].engine else None
    database.dispose()
    return measures, notes


def preview_measures(args, big_url: str, summary: dict, work: Path) -> list[Measure]:
    from sqlalchemy import select

    from wiki import create_app
    from wiki.access import grants, restrictions
    from wiki.db import get_database
    from wiki.models import Group, Page, Space, SpaceGrant, User

    app = create_app(
        {
            "DATABASE_URL": big_url,
            "SECRET_KEY": "access-bench",
            "INSTANCE_PATH": str(work / "big-instance"),
            "SEARCH_BACKGROUND": False,
        }
    )
    database = get_database(app)
    key, top = summary["big_space_key"], summary["big_space_top"]
    with database.session() as session:
        space = session.scalars(select(Space).where(Space.key == key)).one()
        granted = set(
            session.scalars(select(SpaceGrant.group_id).where(SpaceGrant.space_id == space.id))
        )
        keys = list(session.scalars(select(Group.key).order_by(Group.id)))
        ids = dict(session.execute(select(Group.key, Group.id)).all())
    newcomer = next(k for k in keys if ids[k] not in granted)
    ours = [k for k in keys if ids[k] in granted][:2]
    n = args.preview_runs
    service_grant = Measure("preview_grant (service)")
    service_restrict = Measure("preview_restriction (service)")
    with database.session() as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        space = session.scalars(select(Space).where(Space.key == key)).one()
        page = session.scalars(select(Page).where(Page.slug == top)).one()
        grants.preview_grant(session, admin, space, "group", newcomer, "read")
        restrictions.preview_restriction(session, admin, page, "read", " ".join(ours), "")
        for _ in range(n):
            change = service_grant.time(
                lambda: grants.preview_grant(session, admin, space, "group", newcomer, "read")
            )
            plan = service_restrict.time(
                lambda: restrictions.preview_restriction(
                    session, admin, page, "read", " ".join(ours), ""
                )
            )
    service_grant.note = f"group {newcomer} given read in {key}: " + ", ".join(
        f"{s.what} +{s.gained_count}" for s in change.impact.shifts
    )
    service_restrict.note = (
        f"reading of {top} ({plan.subtree_pages:,} pages in its subtree) narrowed to "
        f"{' '.join(ours)}: " + ", ".join(f"{s.what} -{s.lost_count}" for s in plan.impact.shifts)
    )

    client = _login(app, "admin")
    access_page = f"/wiki/{top}/access"
    http_grant, http_restrict = (
        Measure("grant preview (POST, admin)"),
        Measure("restriction preview (POST, admin)"),
    )
    tab = timed_gets(client, "Access tab of the top page", [access_page] * n)
    space_access = f"/-/spaces/{key}/access"
    form_grant = {"who": "group", "name": newcomer, "level": "read"}
    form_restrict = {"kind": "read", "groups": " ".join(ours), "people": ""}
    for _ in range(n):
        token = html.unescape(_CSRF.search(_get(client, space_access)).group(1))
        http_grant.time(
            lambda token=token: _expect(
                client.post(f"{space_access}/grant", data={**form_grant, "csrf_token": token})
            )
        )
        token = html.unescape(_CSRF.search(_get(client, access_page)).group(1))
        http_restrict.time(
            lambda token=token: _expect(
                client.post(f"{access_page}/restrict", data={**form_restrict, "csrf_token": token})
            )
        )
    database.dispose()
    return [service_grant, service_restrict, http_grant, http_restrict, tab]


def _expect(reply) -> None:
    if reply.status_code != 200:
        raise RuntimeError(f"{reply.status_code}: {reply.get_data(as_text=True)[:2000]}")


def machine_state() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10000, help="corpus size (default 10,000)")
    parser.add_argument("--seed", type=int, default=1, help="the organisation's seed")
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    parser.add_argument("--database-url", help="an organisation made already (used as it is)")
    parser.add_argument(
        "--preview-database-url",
        help="an organisation made with --big-space (used as it is): the previews' world",
    )
    parser.add_argument("--user", default="reader", help="who makes the requests")
    parser.add_argument("--samples", type=int, default=50, help="timed requests per measure")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--preview-runs", type=int, default=10)
    parser.add_argument("--deep", type=int, default=10, help="'Next' links to a later window")
    parser.add_argument("--reseed", action="store_true", help="make the organisations again")
    parser.add_argument("--skip", choices=["requests", "previews"], action="append", default=[])
    args = parser.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {machine_state()}")
    measures: list[Measure] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="wiki-access-") as tmp:
        work = Path(tmp)
        if "requests" not in args.skip:
            if args.database_url:
                world_url = args.database_url
            else:
                kept, summary = kept_world(
                    args.workdir, args.pages, seed_value=args.seed, reseed=args.reseed
                )
                print(describe_summary(summary))
                copy_sqlite(kept, work / "world.db")
                world_url = f"sqlite:///{work / 'world.db'}"
            started = time.perf_counter()
            found, said = request_measures(args, world_url, work)
            measures += found
            notes += said
            print(f"requests measured in {time.perf_counter() - started:.0f} s", flush=True)
        if "previews" not in args.skip:
            if args.preview_database_url:
                from sqlalchemy import create_engine, select

                from wiki.models import Page, Space

                big_url = args.preview_database_url
                engine = create_engine(big_url)
                with engine.connect() as connection:
                    space_id, key = connection.execute(
                        select(Space.id, Space.key).where(Space.key == "big")
                    ).one()
                    top = connection.scalar(
                        select(Page.slug).where(Page.space_id == space_id, Page.parent_id.is_(None))
                    )
                engine.dispose()
                big_summary = {"big_space_key": key, "big_space_top": top}
            else:
                kept, big_summary = kept_world(
                    args.workdir,
                    args.pages,
                    seed_value=args.seed,
                    big_space=args.pages,
                    reseed=args.reseed,
                )
                print(describe_summary(big_summary))
                copy_sqlite(kept, work / "big.db")
                big_url = f"sqlite:///{work / 'big.db'}"
            measures += preview_measures(args, big_url, big_summary, work)
        shutil.rmtree(work / "instance", ignore_errors=True)

    print(f"\nMachine after the run: {machine_state()}")
    print(
        "\n| measure | p50 ms | p95 ms | CPU p50 / p95 ms | n | target (p95) |\n"
        "| --- | --- | --- | --- | --- | --- |"
    )
    for measure in measures:
        print(measure.row())
    for measure in measures:
        if measure.note:
            print(f"  {measure.name}: {measure.note}")
    for note in notes:
        print(f"  {note}")
    missed = [
        m.name
        for m in measures
        if m.name in TARGETS_MS and percentile(m.wall, 95) * 1000 >= TARGETS_MS[m.name]
    ]
    if missed:
        print(f"\nTargets missed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
