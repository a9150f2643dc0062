"""The wiki under real gunicorn servers keeps working and loses nothing: a worker killed in
the middle of a save, several worker processes and client processes saving the same page at
once, on PostgreSQL and on one SQLite file.

Each test starts ``gunicorn wsgi:app`` on a free loopback port (tests/servers.py) against the
per-test database of the ``database_url`` fixture, drives it over HTTP like browsers do
(login form, CSRF tokens, the edit form's ``base`` revision) and checks the database
afterwards.
"""

from __future__ import annotations

import multiprocessing
import re
import secrets
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from wiki.access import accounts
from wiki.content.pages import Limits, create_page
from wiki.db import make_database
from wiki.models import Page, RenderedRevision, Revision, Role, User

from .conftest import PASSWORD
from .servers import Browser, WikiServer, editing_client, parse_slots, slot_text

CRASH_CONF = Path(__file__).with_name("gunicorn_crash_conf.py")
TOKEN = re.compile(r"c(\d+)t\d+x[0-9a-f]+\Z")


# ---------------------------------------------------------------------- helpers


def arrange(database_url: str, usernames: list[str], pages: dict[str, str]) -> None:
    """Create editors (password PASSWORD) and pages {title: text} by the first of them."""
    database = make_database(database_url)
    try:
        with database.session(write=True) as session:
            users = [
                accounts.create_user(session, name, PASSWORD, Role.EDITOR) for name in usernames
            ]
            for title, text in pages.items():
                create_page(session, users[0], title, text, "", Limits())
            session.commit()
    finally:
        database.dispose()


def history(database_url: str, slug: str) -> tuple[Page, list[tuple[Revision, str, bool]]]:
    """The page and its revisions in number order: (revision, author name, has cached HTML)."""
    database = make_database(database_url)
    try:
        with database.session() as session:
            page = session.scalars(select(Page).where(Page.slug == slug)).one()
            rows = session.execute(
                select(Revision, User.username, RenderedRevision.revision_id.is_not(None))
                .join(User, User.id == Revision.author_id)
                .outerjoin(RenderedRevision, RenderedRevision.revision_id == Revision.id)
                .where(Revision.page_id == page.id)
                .order_by(Revision.number)
            ).all()
            session.expunge_all()
            return page, [tuple(row) for row in rows]
    finally:
        database.dispose()


def assert_consistent(page: Page, revisions) -> None:
    """Numbers 1..N without gaps, the page points at N, every revision complete."""
    numbers = [revision.number for revision, _, _ in revisions]
    assert numbers == list(range(1, len(numbers) + 1))
    last = revisions[-1][0]
    assert page.latest_number == last.number
    assert page.current_revision_id == last.id
    for revision, _, rendered in revisions:
        assert rendered, f"revision {revision.number} has no rendered HTML row"
        assert revision.size == len(revision.body.encode("utf-8"))


def titles_found(browser: Browser, query: str) -> list[str]:
    reply = browser.get(f"/-/search?q={query}")
    assert reply.status == 200, reply.status
    return [
        part.split("</a>")[0].split(">")[-1]
        for part in reply.body.split('<h2 dir="auto"><a href="/wiki/')[1:]
    ]


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(interval)


def run_clients(specs: list[dict], timeout: float = 60.0) -> list[dict]:
    """Run :func:`editing_client` once per spec, each in its own process."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(specs)) as pool:
        results = pool.map_async(editing_client, specs).get(timeout=timeout)
        pool.close()
        pool.join()
    return results


SERVER_ERROR = re.compile(r'^127\.0\.0\.1 "[^"]*" 5\d\d ')


def server_log_problems(server: WikiServer) -> list[str]:
    """Tracebacks, locked-database errors and 5xx replies in gunicorn's log."""
    return [
        line
        for line in server.log_text().splitlines()
        if "Traceback" in line or "database is locked" in line or SERVER_ERROR.match(line)
    ]


def check_saves(database_url: str, slug: str, results: list[dict]) -> dict[str, int]:
    """Every acknowledged save of the page is exactly one revision, by its author, that
    changed exactly the lines it sent; rejected saves left no trace; no change was lost or
    undone. Returns counts of saves by outcome."""
    saves = [save for result in results if result["slug"] == slug for save in result["saves"]]
    acknowledged = [save for save in saves if save["status"] == 302]
    rejected = [save for save in saves if save["status"] == 409]
    assert len(acknowledged) + len(rejected) == len(saves), [
        s for s in saves if s["status"] not in (302, 409)
    ]
    for save in acknowledged:
        assert save["redirect"] == f"/wiki/{slug}", save
    for save in rejected:
        assert save["conflict_page"] and save["mine_ok"], save  # the user's own text, in full

    page, revisions = history(database_url, slug)
    assert_consistent(page, revisions)
    assert len(revisions) == 1 + len(acknowledged)
    author_of_client = {result["client"]: result["username"] for result in results}
    previous = parse_slots(revisions[0][0].body)
    seen = set(previous.values())
    introduced = []
    for revision, author, _ in revisions[1:]:
        assert "<<<<<<<" not in revision.body and ">>>>>>>" not in revision.body
        slots = parse_slots(revision.body)
        assert slots.keys() == previous.keys(), f"revision {revision.number} lost or added lines"
        changed = {slot: token for slot, token in slots.items() if previous[slot] != token}
        assert changed, f"revision {revision.number} changed nothing"
        for token in changed.values():
            assert token not in seen, (
                f"revision {revision.number} brought back {token!r}: a lost update"
            )
            match = TOKEN.match(token)
            assert match, token
            assert author_of_client[int(match.group(1))] == author, (revision.number, token, author)
        seen.update(changed.values())
        introduced.append(frozenset(changed.values()))
        previous = slots
    # Each acknowledged save introduced its tokens together, in one revision of its own.
    assert Counter(introduced) == Counter(frozenset(save["tokens"]) for save in acknowledged)
    # A rejected save changed nothing.
    for save in rejected:
        assert not set(save["tokens"]) & seen, save
    return {
        "acknowledged": len(acknowledged),
        "merged": sum(save["merged"] for save in acknowledged),
        "conflicts": len(rejected),
        "revisions": len(revisions),
    }


def check_clients(results: list[dict]) -> None:
    """No client failed, no reply was a server error or mentioned a locked database, and
    saves that could not clash never did."""
    for result in results:
        assert result["errors"] == [], result["errors"]
        assert set(result["statuses"]) <= {200, 302, 409}, result["statuses"]
        assert result["locked"] == 0
        for save in result["saves"]:
            if save["kind"] == "plain" or (save["kind"] == "tab2" and len(save["tokens"]) == 1):
                # Only the client's own line changed: it saves, merged when others saved meanwhile.
                assert save["status"] == 302, save
            if save["kind"] == "tab2":
                if len(save["tokens"]) == 1:
                    assert save["merged"], save  # the first tab's save came in between
                else:
                    assert save["status"] == 409, save  # both tabs changed the hot line


# ---------------------------------------------------------------------- 1. crash mid-save


def crash_mid_save(database_url: str, tmp_path: Path, point: str) -> None:
    arrange(database_url, ["editor"], {"Crash course": "Wombats dig burrows.\n"})
    marker = f"zq{secrets.token_hex(4)}"
    flag, pids = tmp_path / "crashed", tmp_path / "worker-pids"
    server = WikiServer(
        database_url=database_url,
        instance_path=tmp_path / "instance",
        search_index_path=tmp_path / "search",
        workers=1,
        config_file=CRASH_CONF,
        env={
            "CRASH_TEST_MARKER": marker,
            "CRASH_TEST_FLAG": str(flag),
            "CRASH_TEST_PIDS": str(pids),
            "CRASH_TEST_POINT": point,
        },
    )
    with server:
        browser = Browser(server.port)
        browser.login("editor", PASSWORD)
        # The first worker builds the index from the database.
        wait_for(lambda: titles_found(browser, "wombats") == ["Crash course"], 20, "first index")
        base, text, csrf = browser.edit_form("crash-course")
        assert base == 1
        try:
            reply = browser.save("crash-course", base, text + f"\nThe {marker} was saved.\n", csrf)
        except OSError:
            reply = None  # the worker died before its reply was sent: acceptable
        assert reply is None or (reply.status, reply.location) == (302, "/wiki/crash-course")

        # The worker died after the commit, and gunicorn replaced it.
        wait_for(flag.exists, 10, "the worker killing itself")
        dead = int(wait_for(lambda: flag.read_text(), 5, "the flag's pid"))
        booted = wait_for(lambda: pids.read_text().split()[1:], 20, "a new worker")
        assert pids.read_text().split()[0] == str(dead) and dead not in server.worker_pids()
        assert int(booted[-1]) in server.worker_pids()

        page, revisions = history(database_url, "crash-course")
        assert_consistent(page, revisions)
        assert [r.number for r, _, _ in revisions] == [1, 2]
        assert marker in revisions[-1][0].body

        # Search catches up by itself: no reindex, just the new worker's indexer.
        started = time.monotonic()
        wait_for(
            lambda: titles_found(browser, marker) == ["Crash course"],
            20,
            "the saved page in search",
        )
        caught_up = time.monotonic() - started
        assert titles_found(browser, "wombats") == ["Crash course"]
        view = browser.get("/wiki/crash-course")
        assert view.status == 200 and marker in view.body
        browser.close()
    assert not server_log_problems(server), server_log_problems(server)
    assert "SIGKILL" in server.log_text()  # gunicorn saw the worker die
    print(
        f"{point}: reply {'302' if reply else 'dropped'}, searchable {caught_up:.2f} s after restart"
    )


def test_a_save_survives_its_worker_being_killed_before_indexing(database_url, tmp_path):
    """SIGKILL between the save's commit and the index update: the revision is kept whole,
    gunicorn replaces the worker and the page becomes searchable without a reindex."""
    crash_mid_save(database_url, tmp_path, "before-index")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_index_recovers_from_a_worker_killed_while_writing_it(database_url, tmp_path):
    """SIGKILL inside the index commit, holding its write locks, with a half-written
    segment on disk: the next worker gets the locks and indexes the page."""
    crash_mid_save(database_url, tmp_path, "mid-index")


# ---------------------------------------------------------------------- 2. concurrent editors


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_concurrent_editors_lose_nothing_on_postgresql(database_url, tmp_path):
    """Five editors in five processes save one page 25 times each through three gunicorn
    workers, always from the revision their edit form showed: non-overlapping saves merge,
    overlapping ones get the conflict page with the user's text, every acknowledged save is
    exactly one revision and no change is lost."""
    clients = 5
    names = [f"editor{n}" for n in range(clients)]
    slots = [f"c{n}{line}" for n in range(clients) for line in "ab"]
    arrange(database_url, ["starter", *names], {"Shared notes": slot_text(slots)})
    with WikiServer(
        database_url=database_url,
        instance_path=tmp_path / "instance",
        search_index_path=tmp_path / "search",
        workers=3,
    ) as server:
        specs = [
            {
                "port": server.port,
                "username": names[n],
                "password": PASSWORD,
                "client": n,
                "slug": "shared-notes",
                "rounds": 20,
                "every": 4,
            }
            for n in range(clients)
        ]
        results = run_clients(specs)
    check_clients(results)
    counts = check_saves(database_url, "shared-notes", results)
    assert counts["acknowledged"] + counts["conflicts"] == clients * 25
    assert counts["conflicts"] >= clients * 2  # the hot-line rounds (rounds 8 and 16)
    assert counts["merged"] >= clients * 3  # the two-tab rounds 4, 12 and 20
    assert not server_log_problems(server), server_log_problems(server)
    print(counts)


# ---------------------------------------------------------------------- 3. many workers, one database


def test_many_workers_and_clients_on_one_database(database_url, tmp_path):
    """gunicorn -w 4 and eight client processes for five seconds, four saving their own
    pages and four the same page: no server error, no "database is locked", every
    acknowledged save stored, merges and conflicts only where expected."""
    clients = 8
    names = [f"editor{n}" for n in range(clients)]
    own = {n: f"Own page {n}" for n in range(4)}
    shared = range(4, clients)
    pages = {title: slot_text([f"c{n}a", f"c{n}b"], hot=False) for n, title in own.items()}
    pages["Busy page"] = slot_text([f"c{n}{line}" for n in shared for line in "ab"])
    arrange(database_url, ["starter", *names], pages)
    with WikiServer(
        database_url=database_url,
        instance_path=tmp_path / "instance",
        search_index_path=tmp_path / "search",
        workers=4,
    ) as server:
        specs = [
            {
                "port": server.port,
                "username": names[n],
                "password": PASSWORD,
                "client": n,
                "slug": f"own-page-{n}" if n in own else "busy-page",
                "duration": 5.0,
                "every": 4,
                "hot": n not in own,
            }
            for n in range(clients)
        ]
        results = run_clients(specs)
    check_clients(results)
    totals = Counter()
    for n in own:
        counts = check_saves(database_url, f"own-page-{n}", results)
        assert counts["conflicts"] == 0 and counts["acknowledged"] >= 4
        totals.update(counts)
    counts = check_saves(database_url, "busy-page", results)
    assert counts["acknowledged"] >= 4
    totals.update(counts)
    assert not server_log_problems(server), server_log_problems(server)
    print(dict(totals))
