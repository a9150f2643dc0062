"""Lessons, action items and reviews at scale, in-process, against the lessons issue's targets.

    python bench/records.py                     # 10,000 pages, 3,000 records, 20,000+ items
    python bench/records.py --pages 2000 --records 600 --samples 30

Starts from ``bench/out/wiki-<N>-1000.db`` (seeded by ``bench/seed.py`` when missing, see
``bench/views.py``) and adds, through the wiki's own services, once (kept as
``bench/out/records-<N>-<R>.db`` and reused; each run works on a copy):

- a space ``ops`` with ``--records`` lesson records made from the *Lessons learned*
  template, with fields (project, team, event date, outcome, severity, customer, contact)
  drawn from small vocabularies, each with seven action items owned by 50 people (``reader``
  among them) and due over two years around today;
- review intervals on a third of the wiki's pages, verified or not, about a sixth of them
  overdue; some pages given to people whose accounts are then disabled.

Then, through Flask's test client logged in as ``reader`` (CSRF on), each request once
untimed and ``--samples`` times timed: the Lessons view of ``ops`` (a filter, a sort, a
page of 50; several combinations), "My action items", the space's open items, the review
dashboards (site and space), the tag index, orphaned and wanted pages (no targets), and,
as ``editor``, saves of a record (a field and an action item changed, through the edit
form). Times are wall-clock per request with the thread's
CPU time beside them; the table judges each target on the wall p95.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from access import Measure, _get, _login
from views import copy_sqlite, ms, percentile, seeded_sqlite

TARGETS_MS = {
    "Lessons view": 50,
    "My action items": 50,
    "space's open items": 50,
    "review dashboard (site)": 100,
    "review dashboard (space)": 100,
    "save a record": 30,
}
TEAMS = ["Logistics", "Finance", "Sales", "Platform", "Facilities", "Legal", "Support",
         "Security", "Data", "Payroll", "Procurement", "Research"]  # fmt: skip
CUSTOMERS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", ""]
PEOPLE = 50
ITEMS_PER_RECORD = 7
WORLD_VERSION = 1


def build_world(base: Path, target: Path, records: int, seed: int) -> None:
    """Add the records, items and reviews to a copy of ``base`` at ``target``."""
    from sqlalchemy import select, update

    from wiki import create_app
    from wiki.access import accounts
    from wiki.content import spaces
    from wiki.content.pages import Limits, create_page
    from wiki.content.records import page_templates, reviews
    from wiki.db import get_database
    from wiki.models import Page, PageReview, Role

    partial = Path(f"{target}.partial")
    partial.unlink(missing_ok=True)
    copy_sqlite(base, partial)
    rng = random.Random(seed)
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{partial}",
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="records-instance-"),
            "SEARCH_INDEX_PATH": tempfile.mkdtemp(prefix="records-index-"),
            "SEARCH_BACKGROUND": False,
        }
    )
    database = get_database(app)
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    with app.app_context(), database.session(write=True) as session:
        admin = accounts.get_user(session, "admin")
        people = ["reader"] + [f"person{n:02d}" for n in range(PEOPLE - 1)]
        for name in people[1:]:
            accounts.create_user(session, name, "bench-password-2024", Role.EDITOR)
        space = spaces.create_space(session, admin, "ops", "Operations", "Lessons and incidents.")
        session.commit()
        editor = accounts.get_user(session, "editor")
        template = page_templates.start(session, editor, space, "lessons-learned", today)
        assert template is not None
        for number in range(records):
            values = {
                "project": f"Project {rng.randrange(80)}",
                "team": rng.choice(TEAMS),
                "event_date": (today - timedelta(days=rng.randrange(1500))).isoformat(),
                "outcome": rng.choice(["success", "partial success", "failure"]),
                "severity": rng.choice(["low", "medium", "high", "critical"]),
                "customer": rng.choice(CUSTOMERS),
                "owner": rng.choice(people),
            }
            items = "".join(
                f"- [{'x' if rng.random() < 0.3 else ' '}] @{rng.choice(people)} "
                f"{(today + timedelta(days=rng.randrange(-365, 365))).isoformat()} "
                f"follow-up {number}-{item}\n"
                for item in range(ITEMS_PER_RECORD)
            )
            body = template.body.split("## Action items")[0] + "## Action items\n\n" + items
            create_page(
                session,
                editor,
                f"Lesson {number:05d} {rng.choice(TEAMS)}",
                body,
                "",
                Limits(),
                tags=template.tags,
                space=space,
                record=template.record.with_values(values),
            )
            if number % 500 == 499:
                session.commit()
                print(f"  {number + 1:,} records", flush=True)
        session.commit()
        page_ids = list(session.scalars(select(Page.id)))
        for page_id in rng.sample(page_ids, len(page_ids) // 3):
            every = rng.choice([30, 90, 180, 365])
            due = today + timedelta(days=rng.randrange(-every // 2, every * 5))
            session.execute(
                update(PageReview)
                .where(PageReview.page_id == page_id)
                .values(review_every_days=every, review_due=due)
            )
        leaver = accounts.create_user(session, "leaver", "bench-password-2024", Role.EDITOR)
        session.flush()
        for page_id in rng.sample(page_ids, 300):
            session.execute(
                update(PageReview)
                .where(PageReview.page_id == page_id)
                .values(owner_user_id=leaver.id)
            )
        accounts.set_disabled(session, leaver, True)
        session.commit()
        assert reviews.INTERVALS  # the service the dashboards read
    database.dispose()
    (partial.parent / f"{partial.name}.version").write_text(str(WORLD_VERSION))
    partial.rename(target)
    Path(f"{partial}.version").rename(Path(f"{target}.version"))
    print(f"Made {target.name} in {time.perf_counter() - started:.0f} s")


def kept_world(workdir: Path, pages: int, records: int, seed: int) -> Path:
    target = workdir / f"records-{pages}-{records}.db"
    version = Path(f"{target}.version")
    if target.exists() and version.exists() and version.read_text() == str(WORLD_VERSION):
        print(f"Using {target}")
        return target
    base = seeded_sqlite(workdir, pages, 1000, reseed=False)
    print(f"Adding {records:,} records to a copy of {base.name}...", flush=True)
    build_world(base, target, records, seed)
    return target


def measure(args, world: Path) -> list[Measure]:
    import html
    import re

    from wiki import create_app

    work = Path(tempfile.mkdtemp(prefix="records-run-"))
    copy = work / "wiki.db"
    copy_sqlite(world, copy)
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
    rng = random.Random(args.seed)
    reader = _login(app, "reader")
    lessons = [
        "/-/spaces/ops/lessons",
        "/-/spaces/ops/lessons?f.team=logistics&sort=event_date&order=desc",
        "/-/spaces/ops/lessons?kind=lessons-learned&f.severity=high&sort=title&order=asc",
        "/-/spaces/ops/lessons?f.outcome=failure&f.team=finance&sort=severity",
        "/-/spaces/ops/lessons?sort=project&order=asc&page=20",
    ]
    results = []
    gc.collect()
    gc.freeze()  # the long-lived objects of the app: out of the collector's way while timing

    def timed(name: str, client, paths: list[str]) -> Measure:
        taken = Measure(name)
        for path in dict.fromkeys(paths):
            _get(client, path)
        for n in range(args.samples):
            path = paths[n % len(paths)]
            taken.time(lambda path=path: _get(client, path))
        return taken

    results.append(timed("Lessons view", reader, lessons))
    results.append(timed("My action items", reader, ["/-/actions"]))
    results.append(timed("space's open items", reader, ["/-/spaces/ops/actions"]))
    results.append(timed("review dashboard (site)", reader, ["/-/reviews"]))
    results.append(timed("review dashboard (space)", reader, ["/-/spaces/ops/reviews"]))
    # Links between pages (no targets set): the whole wiki's lists, and one page's links in.
    results.append(timed("tag index", reader, ["/-/tags"]))
    results.append(timed("orphaned pages", reader, ["/-/orphans"]))
    results.append(timed("wanted pages", reader, ["/-/wanted"]))

    editor = _login(app, "editor")
    listing = _get(editor, "/-/spaces/ops/lessons?sort=title&order=asc")
    slugs = [
        html.unescape(s) for s in re.findall(r'<a dir="auto" href="/wiki/([^"]+)">Lesson', listing)
    ]
    saves = Measure("save a record")
    revisions_before = _revision_count(app)
    token_pattern = re.compile(r'name="csrf_token" value="([^"]+)"')
    base_pattern = re.compile(r'name="base" value="(\d+)"')
    body_pattern = re.compile(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', re.S)
    for n in range(args.samples + 1):
        slug = slugs[n % len(slugs)]
        form = _get(editor, f"/wiki/{slug}/edit")
        body = html.unescape(body_pattern.search(form).group(1))
        data = {
            "csrf_token": html.unescape(token_pattern.search(form).group(1)),
            "base": base_pattern.search(form).group(1),
            "body": body.replace("follow-up", "follow up", 1)
            + f"- [ ] @reader 2030-01-0{n % 9 + 1} check {n}\n",
            "summary": "bench",
            "tags": "lessons-learned",
            "fields": "1",
            "field-team": rng.choice(TEAMS),
            "field-severity": rng.choice(["low", "medium", "high", "critical"]),
            "action": "save",
        }

        def save(slug=slug, data=data):
            reply = editor.post(f"/wiki/{slug}/edit", data=data)
            if reply.status_code != 302:
                raise RuntimeError(
                    f"save {slug}: {reply.status_code}\n{reply.get_data(as_text=True)[:1500]}"
                )

        if n == 0:
            save()  # untimed: the first save pays for the first write's setup
        else:
            saves.time(save)
    added = _revision_count(app) - revisions_before
    if added != args.samples + 1:  # a save that changed nothing would also answer 302
        raise RuntimeError(f"{args.samples + 1} saves added {added} revisions")
    results.append(saves)
    return results


def _revision_count(app) -> int:
    from sqlalchemy import func, select

    from wiki.db import get_database
    from wiki.models import Revision

    with get_database(app).session() as session:
        return session.scalar(select(func.count(Revision.id))) or 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=3_000)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    world = kept_world(args.workdir, args.pages, args.records, args.seed)
    results = measure(args, world)
    print()
    print(
        f"{args.pages:,} pages, {args.records:,} records, about "
        f"{args.records * ITEMS_PER_RECORD:,} action items; {args.samples} samples each"
    )
    print()
    print("| what | p50 ms | p95 ms | CPU p50 / p95 ms | samples | target |")
    print("|---|---|---|---|---|---|")
    missed = False
    for taken in results:
        target = TARGETS_MS.get(taken.name)
        p95 = percentile(taken.wall, 95)
        verdict = "-"
        if target is not None:
            met = p95 * 1000 < target
            missed |= not met
            verdict = f"< {target} ms: " + ("met" if met else "**missed**")
        print(
            f"| {taken.name} | {ms(percentile(taken.wall, 50))} | {ms(p95)} | "
            f"{ms(percentile(taken.cpu, 50))} / {ms(percentile(taken.cpu, 95))} | "
            f"{len(taken.wall)} | {verdict} |"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
