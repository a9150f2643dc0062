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

With ``--corpus everything`` (the corpus of the search benchmark's "search across
everything" figures: ``--fields --files <pages/5> --revisions <pages*5>``) it also writes:

* ``--fields``: five spaces besides the default one (``eng``, ``ops``, ``people``, ``finance``,
  ``sales``) holding the pages, and about a third of the pages as records made from the
  built-in templates (lessons learned 20 %, incident post-mortems 8 %, meeting notes 4 %,
  decision records 3 %) with field values from small vocabularies (30 teams, 40 projects,
  15 customers, 20 services, the four severities...), through ``wiki.content.records.page_templates.start``
  and ``create_page``;
* ``--files N`` files (status reports, meeting minutes, spreadsheets saved as CSV; 2-6 KB of
  text each) attached to pages through ``wiki.files.attachments.upload_files``, with their
  extracted text written to ``file_texts`` (status ``done``) as the extractor would;
* ``--revisions N`` revisions in all (page creations and the history page included): the
  rest are edits spread over the pages (a few pages get hundreds, most a handful) through
  ``edit_page``, which add, reword and remove sentences, paragraphs and list items, fix
  typos and now and then change a record's field.

The database must be empty: the script runs the migrations (``wiki.ops.migrate.upgrade``) itself.
Use ``--profile`` to see where the seeding time goes (cProfile, top functions).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import pstats
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from corpus import (
    EPOCH,
    OFFICE_MOVE_TITLE,
    SEVERITIES,
    SPACES,
    Corpus,
    EditWriter,
    HistoryWriter,
    PagePlan,
    file_document,
    plan_pages,
    record_body,
)
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from wiki.access import accounts
from wiki.content import spaces as wiki_spaces
from wiki.content.pages import Limits, create_page, edit_page
from wiki.content.records import page_templates
from wiki.db import make_database
from wiki.files.attachments import Upload, upload_files
from wiki.files.storage import DatabaseStore
from wiki.models import DEFAULT_SPACE_ID, FileText, Page, Revision, Role, Space, User, utcnow
from wiki.ops.migrate import upgrade
from wiki.slugs import slugify

PASSWORD = "bench-password-2024"
ROLE_USERS = {"admin": Role.ADMIN, "editor": Role.EDITOR, "reader": Role.READER}
EXTRA_EDITORS = ["alice", "bob", "carol", "dave"]
OFFICE_MOVE_SLUG = slugify(OFFICE_MOVE_TITLE)
CORPORA = ("plain", "everything")
EDIT_EXPONENT = 0.6
"""Edits go to pages with Zipf weights of this exponent (the page of rank *k* gets
1/k^0.6 of them): at 10,000 pages and 39,000 edits the busiest page gets ~400 edits and the
median page 2-3."""


def corpus_options(corpus: str, pages: int) -> dict:
    """The ``seed`` keyword arguments of a named corpus for ``pages`` pages."""
    if corpus == "plain":
        return {}
    if corpus == "everything":
        return {"fields": True, "files": pages // 5, "total_revisions": pages * 5}
    raise ValueError(f"no corpus named {corpus!r}; choose from {', '.join(CORPORA)}")


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
    fields: bool = False,
    files: int = 0,
    total_revisions: int = 0,
) -> dict:
    """Seed the empty database at ``database_url``; returns timings in seconds (and the
    number of revisions written, ``revisions``). ``fields``, ``files`` and
    ``total_revisions`` add the spaces and records, files and edits of the module's
    docstring."""
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
        plans = plan_pages(corpus, pages, seed_value) if fields else None
        titles = [plan.title for plan in plans] if plans else corpus.titles(pages, seed_value)
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
            space_ids: dict[str, int | None] = {"": None}
            if fields:
                for key, name, description in SPACES:
                    made = wiki_spaces.create_space(session, users["admin"], key, name, description)
                    session.flush()
                    space_ids[key] = made.id
                session.commit()
        timings["users"] = time.perf_counter() - step
        authors = ["editor", *EXTRA_EDITORS, "admin"]
        limits = Limits()
        page_ids: list[int] = []
        bodies: list[str] = []

        step = time.perf_counter()
        say(f"Creating {pages:,} pages (batches of {batch})...")
        for first in range(0, pages, batch):
            with database.session(write=True) as session:
                people = {
                    name: session.get(type(users["admin"]), uid) for name, uid in user_ids.items()
                }
                for index in range(first, min(first + batch, pages)):
                    summary = ("Created the page", "First version", "Imported from the old wiki")[
                        index % 3
                    ]
                    author = people[authors[index % len(authors)]]
                    if plans is None:
                        body = corpus.page_body(titles, index, seed_value)
                        made = create_page(session, author, titles[index], body, summary, limits)
                    else:
                        made = _create_planned(
                            session, corpus, author, plans, titles, index, seed_value, space_ids
                        )
                        body = made.revision.body
                    page_ids.append(made.page.id)
                    bodies.append(body)
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

        if files > 0:
            step = time.perf_counter()
            say(f"Attaching {files:,} files with their text...")
            _attach_files(database, corpus, files, plans, titles, page_ids, user_ids, seed_value)
            timings["files"] = time.perf_counter() - step
            say(f"  {files:,} files in {timings['files']:.1f} s")

        with database.session() as session:
            written = session.scalar(select(func.count(Revision.id))) or 0
        if total_revisions > written:
            step = time.perf_counter()
            edits = total_revisions - written
            say(f"Editing pages: {edits:,} edits, to {total_revisions:,} revisions in all...")
            _edit_pages(
                database, corpus, edits, plans, page_ids, bodies, user_ids, authors, seed_value
            )
            timings["edits"] = time.perf_counter() - step
            with database.session() as session:
                written = session.scalar(select(func.count(Revision.id))) or 0
        timings["total"] = time.perf_counter() - started
        timings["revisions"] = written
        return timings
    finally:
        database.dispose()


def _create_planned(
    session,
    corpus: Corpus,
    author: User,
    plans: list[PagePlan],
    titles: list[str],
    index: int,
    seed_value: int,
    space_ids: dict[str, int | None],
):
    """Create page ``index`` of the plan: an ordinary page or a record, in its space."""
    plan = plans[index]
    space_id = space_ids[plan.space]
    space = session.get(Space, space_id) if space_id is not None else None
    summary = ("Created the page", "First version", "Imported from the old wiki")[index % 3]
    if not plan.kind:
        body = corpus.page_body(titles, index, seed_value)
        return create_page(session, author, plan.title, body, summary, Limits(), space=space)
    start = page_templates.start(
        session, author, space or session.get(Space, DEFAULT_SPACE_ID), plan.kind, plan.day
    )
    if start is None:
        raise SystemExit(f"no built-in template {plan.kind!r}")
    body = record_body(corpus, start.body, plan, titles, index, seed_value)
    return create_page(
        session,
        author,
        plan.title,
        body,
        summary,
        Limits(),
        tags=start.tags,
        space=space,
        record=start.record.with_values(plan.values),
    )


def _attach_files(
    database,
    corpus: Corpus,
    files: int,
    plans: list[PagePlan] | None,
    titles: list[str],
    page_ids: list[int],
    user_ids: dict[str, int],
    seed_value: int,
    batch: int = 200,
) -> None:
    """``files`` text files on pages (a page chosen at random for each: some get two or
    three), uploaded through the wiki's own service; their text written as extracted."""
    store = DatabaseStore()
    uploaders = ["editor", *EXTRA_EDITORS]
    started = time.perf_counter()
    for first in range(0, files, batch):
        with database.session(write=True) as session:
            for number in range(first, min(first + batch, files)):
                rng = random.Random(f"{seed_value}:file-page:{number}")
                index = rng.randrange(len(page_ids))
                plan = plans[index] if plans else PagePlan("", "", titles[index], {}, EPOCH)
                name, text = file_document(corpus, seed_value, number, plan)
                author = session.get(User, user_ids[uploaders[number % len(uploaders)]])
                page = session.get(Page, page_ids[index])
                stored = upload_files(
                    session,
                    store,
                    author,
                    page,
                    [Upload(name, text.encode())],
                    rng.choice(["", "Latest version", "From the shared drive", "Minutes"]),
                )
                sha256 = stored[0].attachment.current_version.blob_sha256
                if session.get(FileText, sha256) is None:
                    session.add(
                        FileText(
                            sha256=sha256,
                            status="done",
                            text=text,
                            error="",
                            extracted_at=utcnow(),
                        )
                    )
            session.commit()
        done = min(first + batch, files)
        if done % 1000 == 0 or done == files:
            _progress(done, files, started, "files")


def _edit_pages(
    database,
    corpus: Corpus,
    edits: int,
    plans: list[PagePlan] | None,
    page_ids: list[int],
    bodies: list[str],
    user_ids: dict[str, int],
    authors: list[str],
    seed_value: int,
    batch: int = 500,
) -> None:
    """``edits`` revisions over the pages, in a random order where a few pages get many."""
    rng = random.Random(f"{seed_value}:edit-order")
    ranks = list(range(len(page_ids)))
    rng.shuffle(ranks)  # ranks[i]: how busy page i is (0 the busiest)
    weights = [1 / (rank + 1) ** EDIT_EXPONENT for rank in ranks]
    cumulative = list(itertools.accumulate(weights))
    writer = EditWriter(corpus, seed_value)
    values = {i: dict(plan.values) for i, plan in enumerate(plans or []) if plan.kind}
    texts = list(bodies)
    started = time.perf_counter()
    done = unchanged = 0
    limits = Limits()
    while done < edits:
        with database.session(write=True) as session:
            people = {name: session.get(User, uid) for name, uid in user_ids.items()}
            for _ in range(min(batch, edits - done)):
                index = rng.choices(range(len(page_ids)), cum_weights=cumulative)[0]
                text, summary = writer.edit_of(index, texts[index])
                changed = None
                if index in values and rng.random() < 0.05:
                    changed = _changed_values(rng, values[index])
                    summary = "Update the fields"
                page = session.get(Page, page_ids[index])
                result = edit_page(
                    session,
                    people[authors[(done + index) % len(authors)]],
                    page,
                    page.latest_number,
                    text,
                    summary,
                    limits,
                    values=changed,
                )
                if result.revision is None:
                    unchanged += 1
                    if unchanged > edits:  # never: every edit changes the text
                        raise SystemExit("edits keep changing nothing")
                    continue
                texts[index] = text
                if changed is not None:
                    values[index] = changed
                done += 1
            session.commit()
        if done % 5000 < batch or done == edits:
            _progress(done, edits, started, "edits")


def _changed_values(rng: random.Random, values: dict[str, str]) -> dict[str, str]:
    """A record's values with one changed: its severity, status, outcome or contact."""
    new = dict(values)
    if "severity" in new:
        new["severity"] = rng.choice([s for s in SEVERITIES if s != new["severity"]])
    elif "status" in new:
        new["status"] = rng.choice(["accepted", "superseded", "rejected"])
    elif "owner" in new:
        new["owner"] = rng.choice([p for p in EXTRA_EDITORS if p != new["owner"]])
    else:
        new["team"] = rng.choice(["Platform", "Support", "Finance"])
    return new


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
    parser.add_argument(
        "--corpus",
        choices=CORPORA,
        default="plain",
        help="everything: the search benchmark's corpus, i.e. --fields --files <pages/5> "
        "--revisions <pages*5> (default plain: pages and the history page only)",
    )
    parser.add_argument(
        "--fields", action="store_true", help="spaces, and a third of the pages as records"
    )
    parser.add_argument("--files", type=int, help="files with their text, on random pages")
    parser.add_argument(
        "--revisions",
        type=int,
        help="revisions in all: edits of the pages are added up to this number",
    )
    parser.add_argument("--profile", action="store_true", help="print the top costs (cProfile)")
    args = parser.parse_args()
    options = corpus_options(args.corpus, args.pages)
    if args.fields:
        options["fields"] = True
    if args.files is not None:
        options["files"] = args.files
    if args.revisions is not None:
        options["total_revisions"] = args.revisions

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    timings = seed(
        args.database_url,
        args.pages,
        args.revisions_page,
        seed_value=args.seed,
        batch=args.batch,
        **options,
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
    print(
        "  "
        + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k not in ("total", "revisions"))
    )
    if options:
        print(
            f"  {timings['revisions']:,} revisions in all; {options.get('files', 0):,} files; "
            f"records and spaces: {'yes' if options.get('fields') else 'no'}"
        )
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
