"""The text of files is found where its page is: a search for a word of a document finds
the page, says which file, and links to it; deleted files and replaced versions stop being
found; the text is read outside requests, within its limits, and a hostile file costs the
indexer no more than the time allowed. The index follows file changes through the page
change feed, across processes and out-of-order commits."""

from __future__ import annotations

import html
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.files import corpus
from tests.helpers import attach, make_page
from wiki.access import restrictions
from wiki.content.page_changes import KEPT_FOR, note_page_changes
from wiki.db import get_database
from wiki.files import texts
from wiki.files.attachments import delete_file, restore_version, undelete_file
from wiki.files.storage import DatabaseStore
from wiki.files.texts import WORKING, ExtractionLimits, extract_pending
from wiki.models import FileText, SearchPageChange, utcnow
from wiki.search import indexer
from wiki.search.backend import FileDocument, IndexState, PageDocument
from wiki.search.engine import WhooshEngine
from wiki.search.query import parse
from wiki.search.runtime import extraction_limits, get_search
from wiki.search.schema import build_schema

from .conftest import make_app
from .test_search import search_now

DOCUMENTS = {
    "pdf": ("Forklift checklist.pdf", lambda word: corpus.text_pdf([f"Check the {word} daily."])),
    "docx": (
        "Forklift manual.docx",
        lambda word: corpus.docx_file(["Safety first.", f"Inspect the {word} weekly."]),
    ),
    "xlsx": (
        "Forklift parts.xlsx",
        lambda word: corpus.xlsx_file({"Parts": [["part", "count"], [word, 4]]}),
    ),
    "csv": ("Forklift parts.csv", lambda word: f"part,count\n{word},4\n".encode()),
}


def results(client, query: str) -> str:
    return client.get("/-/search", query_string={"q": query}).get_data(as_text=True)


def file_labels(client, query: str) -> list[tuple[str, str]]:
    """(page title, file name) of each result of ``query`` ("" for the page itself)."""
    found = []
    for item in results(client, query).split('<li class="hit-')[1:]:
        if item.startswith("file"):
            named = re.search(
                r'In file <a href="[^"]*"><bdi>([^<]*)</bdi></a> on page '
                r'<a href="/wiki/[^"]*"><bdi>([^<]*)</bdi></a>',
                item,
            )
            found.append((html.unescape(named.group(2)), html.unescape(named.group(1))))
        else:
            title = re.search(r'<h2 dir="auto"><a href="/wiki/[^"]*">([^<]*)</a>', item)
            found.append((html.unescape(title.group(1)), ""))
    return found


def pages_found(client, query: str) -> list[str]:
    """The titles of the pages found by ``query``, by their own text or by a file's."""
    return list(dict.fromkeys(title for title, _file in file_labels(client, query)))


def text_row(db_session, sha256: str) -> FileText | None:
    db_session.rollback()
    return db_session.get(FileText, sha256)


@pytest.fixture
def page(db_session, users):
    return make_page(db_session, users["editor"], "Warehouse", "Where the forklifts live.\n")


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_a_word_of_a_document_finds_its_page_and_names_the_file(
    app, client, auth, db_session, users, page, kind
):
    name, make = DOCUMENTS[kind]
    attach(db_session, users["editor"], page, name, make("hydraulics"))
    search_now(app)  # reads the text and indexes it in the same round
    auth.login("reader")

    assert file_labels(client, "hydraulics") == [("Warehouse", name)]
    answer = results(client, "hydraulics")
    assert f'href="/-/pages/{page.id}/files/' in answer
    assert "<mark>hydraulics</mark>" in answer  # the snippet is the file's
    assert "1 result found" in answer
    # The page's own words find the page itself, first (the file's name has the word too).
    assert file_labels(client, "forklifts")[0] == ("Warehouse", "")
    # Words of the page and of its file: neither has both, so each shows for most words.
    assert sorted(file_labels(client, "hydraulics forklifts")) == [
        ("Warehouse", ""),
        ("Warehouse", name),
    ]


def test_the_link_of_a_file_result_downloads_the_file(app, client, auth, db_session, users, page):
    attach(db_session, users["editor"], page, "Notes #1.txt", b"The gearbox squeaks.\n")
    search_now(app)
    auth.login("reader")
    link = re.search(r'<h2 dir="auto"><a href="(/-/pages/[^"]*)"', results(client, "gearbox"))
    link = link.group(1)
    assert client.get(html.unescape(link)).data == b"The gearbox squeaks.\n"


def test_a_deleted_file_is_no_longer_found_and_comes_back_with_undelete(
    app, client, auth, db_session, users, page
):
    file = attach(db_session, users["editor"], page, "Old memo.txt", b"Mention of zeppelins.\n")
    search_now(app)
    auth.login("reader")
    assert pages_found(client, "zeppelins") == ["Warehouse"]

    delete_file(db_session, users["editor"], file)
    db_session.commit()
    search_now(app)
    assert pages_found(client, "zeppelins") == []

    undelete_file(db_session, users["admin"], file)
    db_session.commit()
    search_now(app)
    assert file_labels(client, "zeppelins") == [("Warehouse", "Old memo.txt")]


def test_a_new_version_replaces_the_text_and_a_restore_brings_it_back(
    app, client, auth, db_session, users, page
):
    name, make = DOCUMENTS["docx"]
    file = attach(db_session, users["editor"], page, name, make("carburettor"))
    search_now(app)
    attach(db_session, users["editor"], page, name, make("alternator"))
    search_now(app)
    auth.login("reader")
    assert pages_found(client, "alternator") == ["Warehouse"]
    assert pages_found(client, "carburettor") == []

    restore_version(db_session, users["admin"], file, 1)
    db_session.commit()
    search_now(app)  # the content's text is known already: nothing to read again
    assert pages_found(client, "carburettor") == ["Warehouse"]
    assert pages_found(client, "alternator") == []


def test_one_content_on_two_pages_is_read_once_and_found_on_both(
    app, client, auth, db_session, users, page
):
    other = make_page(db_session, users["editor"], "Depot", "The other site.\n")
    data = corpus.text_pdf(["Quarterly tachograph readings."])
    attach(db_session, users["editor"], page, "readings.pdf", data)
    attach(db_session, users["editor"], other, "copy of readings.pdf", data)
    search_now(app)
    auth.login("reader")
    assert sorted(file_labels(client, "tachograph")) == [
        ("Depot", "copy of readings.pdf"),
        ("Warehouse", "readings.pdf"),
    ]
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(FileText)) == 1


def test_in_files_searches_only_the_files(app, client, auth, db_session, users, page):
    make_page(db_session, users["editor"], "Pallets", "Pallets are stacked by the dock.\n")
    attach(db_session, users["editor"], page, "Inventory.csv", b"item,where\npallets,dock\n")
    search_now(app)
    auth.login("reader")
    assert sorted(pages_found(client, "pallets")) == ["Pallets", "Warehouse"]
    assert file_labels(client, "in:files pallets") == [("Warehouse", "Inventory.csv")]
    assert file_labels(client, "pallets IN:FILES dock") == [("Warehouse", "Inventory.csv")]
    assert pages_found(client, "in:files forklifts") == []  # a word of the page only
    assert pages_found(client, "in:files inventory") == ["Warehouse"]  # file names count
    assert "Nothing to search for" in results(client, "in:files")


def test_a_file_of_a_page_the_reader_may_not_read_is_never_found(
    app, client, auth, db_session, users, page
):
    secret = make_page(db_session, users["admin"], "Board minutes", "Private.\n")
    attach(db_session, users["admin"], secret, "Merger plan.txt", b"Project quicksilver.\n")
    restrictions.set_restriction(db_session, users["admin"], secret, "read", "", "admin")
    db_session.commit()
    search_now(app)
    auth.login("reader")
    for query in ("quicksilver", "in:files quicksilver", "merger"):
        answer = results(client, query)
        assert pages_found(client, query) == []
        assert "Merger plan" not in answer and "Board minutes" not in answer
    auth.logout()
    auth.login("admin")
    assert file_labels(client, "quicksilver") == [("Board minutes", "Merger plan.txt")]


def test_a_zip_bomb_disguised_as_a_document_fails_and_the_indexer_carries_on(
    app, client, auth, db_session, users, page
):
    bomb = attach(db_session, users["editor"], page, "Report.docx", corpus.docx_bomb())
    good = attach(db_session, users["editor"], page, "Minutes.txt", b"Lorries arrive at noon.\n")
    search_now(app)
    make_page(db_session, users["editor"], "After the bomb", "Saved afterwards: dromedary.\n")
    search_now(app)
    auth.login("reader")
    assert pages_found(client, "lorries") == ["Warehouse"]
    assert pages_found(client, "dromedary") == ["After the bomb"]
    row = text_row(db_session, bomb.current.blob_sha256)
    assert row is not None and (row.status, row.text) == ("failed", "")
    assert row.error
    assert text_row(db_session, good.current.blob_sha256).status == "done"


def test_a_slow_document_holds_the_indexer_no_longer_than_the_timeout(
    database_url, tmp_path, db_session, users, page
):
    app = make_app(database_url, tmp_path, EXTRACT_TIMEOUT=1.0)
    try:
        slow = attach(
            db_session, users["editor"], page, "Drawing.pdf", corpus.pdf_with_endless_drawing()
        )
        make_page(db_session, users["editor"], "Meanwhile", "Saved with it: okapi.\n")
        started = time.monotonic()
        search_now(app)
        assert time.monotonic() - started < 10  # the timeout, a child's start, two rounds
        client = app.test_client()
        client.post("/-/login", data={"username": "reader", "password": "correct horse battery"})
        assert pages_found(client, "okapi") == ["Meanwhile"]
        assert text_row(db_session, slow.current.blob_sha256).status == "timeout"
    finally:
        get_database(app).dispose()


def test_the_extraction_limits_come_from_the_settings(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("WIKI_EXTRACT_TIMEOUT", "7.5")
    monkeypatch.setenv("WIKI_EXTRACT_MEMORY_MB", "300")
    app = make_app(database_url, tmp_path)
    try:
        assert extraction_limits(app.config) == ExtractionLimits(7.5, 300 * 1024 * 1024)
        with app.app_context():
            assert get_search().indexer.limits == ExtractionLimits(7.5, 300 * 1024 * 1024)
    finally:
        get_database(app).dispose()
    with pytest.raises(ValueError):
        extraction_limits({"EXTRACT_TIMEOUT": 0, "EXTRACT_MEMORY_MB": 512})


# ---------------------------------------------------------------------- reading texts


def test_no_database_connection_is_held_while_a_file_is_read(
    app, db_session, users, page, monkeypatch
):
    attach(db_session, users["editor"], page, "a.txt", b"alpha\n")
    attach(db_session, users["editor"], page, "b.pdf", corpus.text_pdf(["bravo"]))
    database = get_database(app)
    held = []
    extract = texts.extract_text

    def watched(data, mime, **limits):
        held.append(database.engine.pool.checkedout())
        return extract(data, mime, **limits)

    monkeypatch.setattr(texts, "extract_text", watched)
    done = extract_pending(database, DatabaseStore(), ExtractionLimits())
    assert (done.written, done.more) == (2, False)
    assert held == [0, 0]


def test_each_round_reads_a_few_files_newest_first_and_reindex_reads_them_all(
    app, runner, db_session, users, page
):
    for number in range(indexer.TEXTS_PER_ROUND + 2):
        attach(db_session, users["editor"], page, f"note {number}.txt", f"word{number}\n".encode())
    database = get_database(app)
    with database.session() as session:
        pending = texts.pending_contents(session, ExtractionLimits())
    assert len(pending) == indexer.TEXTS_PER_ROUND + 2
    first = extract_pending(database, DatabaseStore(), ExtractionLimits(), most=2)
    assert (first.written, first.more) == (2, True)
    db_session.rollback()
    newest = {row.sha256 for row in db_session.scalars(select(FileText))}
    assert newest == {sha256 for sha256, _mime in pending[:2]}

    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert f"Read the text of {indexer.TEXTS_PER_ROUND} files" in result.output
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(FileText)) == len(pending)


def test_a_claim_of_another_process_is_left_alone_until_it_is_abandoned(
    app, db_session, users, page
):
    file = attach(db_session, users["editor"], page, "claimed.txt", b"walrus\n")
    sha256 = file.current.blob_sha256
    limits = ExtractionLimits(timeout=5)
    db_session.add(
        FileText(sha256=sha256, status=WORKING, text="", error="", extracted_at=utcnow())
    )
    db_session.commit()
    database = get_database(app)
    assert extract_pending(database, DatabaseStore(), limits).written == 0
    assert text_row(db_session, sha256).status == WORKING

    # Its process died: past the time limit and the margin, the claim is taken over.
    abandoned = utcnow() - timedelta(seconds=5) - texts.CLAIM_MARGIN - timedelta(seconds=1)
    db_session.execute(update(FileText).values(extracted_at=abandoned))
    db_session.commit()
    assert extract_pending(database, DatabaseStore(), limits).written == 1
    row = text_row(db_session, sha256)
    assert (row.status, row.text) == ("done", "walrus\n")


def test_two_processes_claiming_one_file_at_once_read_it_once(
    app, db_session, users, page, monkeypatch
):
    file = attach(db_session, users["editor"], page, "race.txt", b"narwhal\n")
    sha256 = file.current.blob_sha256
    database = get_database(app)
    claims = []
    claim = texts._claim

    def racing_claim(database, sha, limits):
        # The other process's claim commits between this one's look and its insert.
        with database.session(write=True) as other:
            other.add(
                FileText(sha256=sha, status=WORKING, text="", error="", extracted_at=utcnow())
            )
            other.commit()
        claims.append(claim(database, sha, limits))
        return claims[-1]

    monkeypatch.setattr(texts, "_claim", racing_claim)
    assert (
        texts.extract_one(database, DatabaseStore(), sha256, "text/plain", ExtractionLimits())
        is None
    )
    assert claims == [False]
    assert text_row(db_session, sha256).status == WORKING  # the other process's claim


def test_a_file_on_a_deleted_page_waits_for_the_page_to_come_back(
    app, client, auth, db_session, users, page
):
    from wiki.content.pages import delete_page, undelete_page

    attach(db_session, users["editor"], page, "Kept.txt", b"Capybara census.\n")
    delete_page(db_session, users["admin"], page, "")
    db_session.commit()
    with get_database(app).session() as session:
        assert texts.pending_contents(session, ExtractionLimits()) == []
    undelete_page(db_session, users["admin"], page, "")
    db_session.commit()
    search_now(app)
    auth.login("reader")
    assert file_labels(client, "capybara") == [("Warehouse", "Kept.txt")]


# ---------------------------------------------------------------------- the change feed


def test_every_file_change_is_noted_in_the_change_feed_in_its_own_transaction(
    app, db_session, users, page
):
    def noted() -> int:
        db_session.rollback()
        return db_session.scalar(select(func.count()).where(SearchPageChange.page_id == page.id))

    file = attach(db_session, users["editor"], page, "a.txt", b"one\n")
    assert noted() == 1
    attach(db_session, users["editor"], page, "a.txt", b"one\n")  # unchanged: nothing
    assert noted() == 1
    attach(db_session, users["editor"], page, "a.txt", b"two\n")
    assert noted() == 2
    restore_version(db_session, users["admin"], file, 1)
    db_session.commit()
    assert noted() == 3
    delete_file(db_session, users["editor"], file)
    db_session.rollback()  # not committed: no note either
    assert noted() == 3
    delete_file(db_session, users["editor"], file)
    db_session.commit()
    undelete_file(db_session, users["admin"], file)
    db_session.commit()
    assert noted() == 5
    extract_pending(get_database(app), DatabaseStore(), ExtractionLimits())
    assert noted() == 6  # the text read: one note for the page holding it


def test_another_process_s_file_change_reaches_this_process_s_index(
    app, more_apps, client, auth, db_session, users, page
):
    search_now(app)
    other = more_apps()  # another worker, sharing the index folder
    with other.app_context():
        get_search()
    attach(db_session, users["editor"], page, "From elsewhere.txt", b"Wombat crossing.\n")
    search_now(other)  # reads the text and indexes it, in the folder both share
    with app.app_context():
        # This process's round finds the work done: it only opens the newer index.
        assert get_search().indexer.run_once() == 0
    auth.login("reader")
    assert file_labels(client, "wombat") == [("Warehouse", "From elsewhere.txt")]


def test_a_change_committed_out_of_order_is_picked_up_in_the_late_commit_window(
    app, client, auth, db_session, users, page
):
    """On PostgreSQL a change can commit after one with a larger id that the index already
    applied: the index's mark is past it. The last minute of the feed is looked at again,
    and a page whose files differ from what is indexed is indexed again."""
    search_now(app)
    file = attach(db_session, users["editor"], page, "Late.txt", b"Tardigrade survey.\n")
    search_now(app)
    auth.login("reader")
    assert pages_found(client, "tardigrade") == ["Warehouse"]
    # The delete's note gets an id below the mark, as a late commit's would.
    delete_file(db_session, users["editor"], file)
    db_session.flush()
    with app.app_context():
        mark = get_search().engine.state().change_mark
    db_session.execute(
        update(SearchPageChange)
        .where(SearchPageChange.id > mark)
        .values(id=SearchPageChange.id - mark - 1000)
    )
    db_session.commit()
    search_now(app)
    assert pages_found(client, "tardigrade") == []


def test_the_feed_is_pruned_and_an_index_behind_it_is_rebuilt(
    app, client, auth, db_session, users, page, caplog
):
    search_now(app)
    old = utcnow() - KEPT_FOR - timedelta(minutes=1)
    note_page_changes(db_session, [page.id])
    db_session.commit()
    db_session.execute(update(SearchPageChange).values(created_at=old))
    note_page_changes(db_session, [page.id])  # a recent one stays
    db_session.commit()
    with app.app_context():
        background = get_search().indexer
        background._pruned = 0.0
        search_now(app)
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(SearchPageChange)) == 1

    # An index that last read the feed a day ago may have missed pruned changes.
    with app.app_context():
        engine = get_search().engine
        state = engine.state()
        stale = utcnow() - KEPT_FOR
        engine.rebuild([], high_water_mark=state.revision_mark, change_mark=0, checked_at=stale)
        assert engine.indexed_revisions() == {}
        search_now(app)  # rebuilds it
        assert engine.state().checked_at > stale
    auth.login("reader")
    assert pages_found(client, "forklifts") == ["Warehouse"]


# ---------------------------------------------------------------------- the engine


def _engine(tmp_path, *docs: PageDocument) -> WhooshEngine:
    engine = WhooshEngine(tmp_path / "index")
    engine.create()
    engine.apply(list(docs), [], high_water_mark=max(doc.revision_id for doc in docs))
    return engine


def _page(page_id: int, title: str, body: str, files=(), stamp: str = "") -> PageDocument:
    uploaded = datetime(2024, 5, 2, tzinfo=UTC)
    files = [FileDocument(name, text, "Bob", uploaded) for name, text in files]
    return PageDocument(
        page_id=page_id,
        slug=title.lower().replace(" ", "-"),
        title=title,
        headings="",
        body=body,
        tags=(),
        author="Alice",
        updated=datetime(2024, 5, 1, tzinfo=UTC),
        revision_id=page_id * 10,
        files=tuple(files),
        files_stamp=stamp,
    )


def test_a_page_document_takes_files_as_file_documents():
    (file,) = _page(1, "A", "b", [("x.txt", "y")]).files
    assert (file.name, file.text, file.author) == ("x.txt", "y", "Bob")
    for bad in (["x.txt"], [("x.txt", "y")], "x.txt"):
        with pytest.raises(TypeError):
            replace(_page(1, "A", "b"), files=bad)
    with pytest.raises(TypeError):
        FileDocument("x.txt", 1, "Bob", datetime(2024, 5, 2, tzinfo=UTC))  # type: ignore[arg-type]


def test_a_word_in_a_file_ranks_below_the_same_word_in_a_page(tmp_path):
    engine = _engine(
        tmp_path,
        _page(1, "Fleet", "Servicing notes.", [("log.txt", "The axle was replaced.")]),
        _page(2, "Axles", "Replace a worn axle quickly.", []),
    )
    try:
        found = engine.search("axle")
        assert [(hit.page_id, hit.file_name) for hit in found.hits] == [(2, None), (1, "log.txt")]
        assert "<mark>axle</mark>" in found.hits[1].snippet
    finally:
        engine.close()


def test_each_file_is_a_result_of_its_own_on_its_page(tmp_path):
    engine = _engine(
        tmp_path,
        _page(
            1,
            "Fleet",
            "Mentions brakes once.",
            [("a.txt", "Brakes only."), ("b.txt", "Brakes and tyres together."), ("c.txt", "")],
        ),
    )
    try:
        (hit,) = engine.search("brakes tyres", as_typed=True).hits
        assert (hit.kind, hit.file_name, hit.title, hit.slug) == ("file", "b.txt", "Fleet", "fleet")
        assert "<mark>Brakes</mark> and <mark>tyres</mark>" in hit.snippet
        found = engine.search("brakes")
        assert sorted((hit.kind, hit.file_name) for hit in found.hits) == [
            ("file", "a.txt"),
            ("file", "b.txt"),
            ("page", None),
        ]
        assert found.hits[0].kind == "page"  # the page's own word weighs most
        found = engine.search("in:files brakes")
        assert sorted(hit.file_name for hit in found.hits) == ["a.txt", "b.txt"]
    finally:
        engine.close()


def test_a_match_deep_in_a_long_file_is_shown_and_past_the_cap_nothing_is_indexed(tmp_path):
    filler = "Routine entry with nothing special. " * 4_000  # ~144,000 characters
    engine = _engine(
        tmp_path,
        _page(
            1,
            "Fleet",
            "Logs.",
            [("log.txt", filler + "An ocelot was seen. " + filler + "A lynx too.")],
        ),
    )
    try:
        (hit,) = engine.search("ocelot").hits
        assert hit.file_name == "log.txt"
        assert "<mark>ocelot</mark>" in hit.snippet and hit.snippet.startswith("…")
        assert engine.search("lynx").total == 0  # past MAX_FILE_CHARS
    finally:
        engine.close()


def test_a_file_name_alone_finds_the_file(tmp_path):
    engine = _engine(tmp_path, _page(1, "Fleet", "Logs.", [("Budget 2024.xlsx", "")]))
    try:
        (hit,) = engine.search("in:files budget").hits
        assert hit.file_name == "Budget 2024.xlsx"
    finally:
        engine.close()


def test_the_index_state_keeps_both_marks_and_the_time_and_none_goes_down(tmp_path):
    engine = _engine(tmp_path, _page(1, "Fleet", "Logs."))
    try:
        when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        engine.apply([], [], high_water_mark=50, change_mark=7, checked_at=when)
        engine.apply([], [], high_water_mark=40, change_mark=3, checked_at=when - timedelta(1))
        engine.apply([], [], high_water_mark=45)
        assert engine.state() == IndexState(50, 7, when)
        with pytest.raises(ValueError):
            engine.apply([], [], high_water_mark=1, change_mark=-1)
        with pytest.raises(ValueError):
            engine.apply([], [], high_water_mark=1, checked_at=datetime(2026, 1, 1))
        assert engine.indexed_file_stamps([1, 2]) == {1: ""}
        engine.apply(
            [_page(1, "Fleet", "Logs.", [("a.txt", "")], stamp="s1")], [], high_water_mark=0
        )
        assert engine.indexed_file_stamps([1]) == {1: "s1"}
        engine.rebuild([], high_water_mark=60, change_mark=9, checked_at=when)
        assert engine.state() == IndexState(60, 9, when)
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("in:files budget", {"files"}),
        ("budget in:FILES", {"files"}),
        ("in:file budget", {"files"}),
        ("budget", {"title", "tag_words", "headings", "body", "files"}),
        ("(in:files) budget", {"title", "tag_words", "headings", "body", "files"}),  # nested
        ("-in:files budget", {"title", "tag_words", "headings", "body", "files"}),
        ('in:files budget "open', {"files"}),  # unparseable: plain words, still in files
        ("in:pages budget", {"title", "tag_words", "headings", "body", "files"}),  # a record field
    ],
)
def test_in_files_narrows_where_plain_words_are_searched(text, fields):
    q, _fallback = parse(text, build_schema())
    searched = {term[0] for term in q.iter_all_terms() if term[1] == "budget"}
    assert searched == fields
