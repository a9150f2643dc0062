"""A broken search index never hurts saving or reading, and search recovers by itself.

The index is derived from the database. Here it is broken under a RUNNING wiki (its engine
has the index open), in ways root cannot simply bypass: the folder deleted, a regular file
where the folder should be, segment files truncated, segment files overwritten with
garbage. (tests/test_search.py covers a wiki that starts with a lost index.) The
background indexer's rounds are driven with ``run_once``, as its thread would run them,
instead of waiting for the thread; nobody runs ``wiki reindex``.
"""

from __future__ import annotations

import logging
import shutil
import time
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wiki.models import Page, Revision
from wiki.search import indexer
from wiki.search.runtime import get_search

from .helpers import make_page
from .test_search import search_now, titles_found

REBUILDING = "being rebuilt"


def _segment_files(directory: Path) -> list[Path]:
    files = [path for path in directory.glob("index-*/*") if path.is_file() and path.stat().st_size]
    assert files, "the index has files to damage"
    return files


def _truncate(directory: Path) -> None:
    for path in _segment_files(directory):
        with open(path, "r+b") as handle:
            handle.truncate(16)


def _garbage(directory: Path) -> None:
    for path in _segment_files(directory):
        size = path.stat().st_size
        with open(path, "r+b") as handle:  # same size, same inode: what open readers see
            handle.write((b"\xde\xad\xbe\xef garbage " * (size // 16 + 1))[:size])


def _file_instead_of_folder(directory: Path) -> None:
    shutil.rmtree(directory)
    directory.write_text("not an index\n")


# damage -> (break it, remove the cause or None, does search still answer from the files it
# has open until the indexer's next round?)
DAMAGES = {
    "folder deleted": (shutil.rmtree, None, True),
    "a file where the folder was": (_file_instead_of_folder, Path.unlink, True),
    "segments truncated": (_truncate, None, False),
    "segments overwritten with garbage": (_garbage, None, False),
}


def indexer_round(app) -> Exception | None:
    """One round of the background indexer, in this thread. A failed round is not fatal to
    the thread (it logs the error and tries again next round): return the error."""
    with app.app_context():
        try:
            get_search().indexer.run_once()
        except Exception as exc:  # noqa: BLE001 - as the thread does
            return exc
    return None


def search_reply(client, query: str) -> str:
    reply = client.get("/-/search", query_string={"q": query})
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_broken_index_never_stops_saving_or_reading_and_search_recovers_by_itself(
    app, client, auth, db_session, users, monkeypatch, damage
):
    break_index, remove_cause, still_answers = DAMAGES[damage]
    make_page(db_session, users["editor"], "Survivor", "Indexed before the damage: wombat.\n")
    search_now(app)
    auth.login("editor")
    assert titles_found(client, "wombat") == ["Survivor"]  # the running engine has it open
    directory = Path(app.config["SEARCH_INDEX_PATH"])

    break_index(directory)

    # Saving and reading never need the index.
    edited = client.post(
        "/wiki/survivor/edit",
        data={"base": "1", "body": "Edited during the damage: quokka.\n", "summary": "x"},
    )
    created = client.post(
        "/-/new", data={"title": "Newcomer", "body": "Created during the damage: kakapo.\n"}
    )
    assert (edited.status_code, created.status_code) == (302, 302)
    db_session.rollback()
    assert (
        db_session.scalar(
            select(func.count(Revision.id))
            .join(Page, Page.id == Revision.page_id)
            .where(Page.slug == "survivor")
        )
        == 2
    )
    assert db_session.scalar(select(Page.latest_number).where(Page.slug == "newcomer")) == 1
    assert "quokka" in client.get("/wiki/survivor").get_data(as_text=True)
    assert "kakapo" in client.get("/wiki/newcomer").get_data(as_text=True)
    assert client.get("/wiki/survivor/history").status_code == 200
    diff = client.get("/wiki/survivor/diff/1/2")
    assert diff.status_code == 200 and "quokka" in diff.get_data(as_text=True)

    # Search answers, never with an error: from the index files it still has open, or
    # saying that the index is being rebuilt (title suggestions: none).
    titles = client.get("/-/search/titles", query_string={"q": "sur"})
    assert titles.status_code == 200
    reply = search_reply(client, "wombat")
    if still_answers:
        assert titles.get_json() == [{"title": "Survivor", "url": "/wiki/survivor"}]
        assert titles_found(client, "wombat") == ["Survivor"]
    else:
        assert titles.get_json() == []
        assert REBUILDING in reply

    # While the indexer rebuilds, search says so.
    during_rebuild = []
    rebuild = indexer.rebuild

    def watched_rebuild(session, engine, progress=None):
        during_rebuild.append(search_reply(client, "kakapo"))
        return rebuild(session, engine, progress=progress)

    monkeypatch.setattr(indexer, "rebuild", watched_rebuild)

    failure = indexer_round(app)
    if remove_cause is not None:
        assert isinstance(failure, OSError)  # it cannot make its folder yet
        assert REBUILDING in search_reply(client, "kakapo")
        assert client.get("/-/search/titles", query_string={"q": "new"}).get_json() == []
        remove_cause(directory)
        failure = indexer_round(app)
    assert failure is None
    assert during_rebuild and all(REBUILDING in reply for reply in during_rebuild)

    # Recovered by itself, with what was saved during the damage.
    assert titles_found(client, "kakapo") == ["Newcomer"]
    assert titles_found(client, "quokka") == ["Survivor"]
    assert titles_found(client, "wombat") == []  # the old text is gone from the index too
    assert client.get("/-/search/titles", query_string={"q": "new"}).get_json() == [
        {"title": "Newcomer", "url": "/wiki/newcomer"}
    ]
    assert indexer_round(app) is None  # and stays healthy


def test_a_lasting_index_fault_is_retried_less_and_less_often_and_logged_once_in_full(
    app, monkeypatch, caplog
):
    with app.app_context():
        background = get_search().indexer
    attempts = []
    disk_full = True

    def round_on_a_full_disk():
        attempts.append(time.monotonic())
        if disk_full:
            raise OSError(28, "No space left on device")
        return 0

    def wait_for(condition):
        deadline = time.monotonic() + 10
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert condition()

    monkeypatch.setattr(background, "run_once", round_on_a_full_disk)
    monkeypatch.setattr(background, "interval", 0.01)
    caplog.set_level(logging.WARNING, logger="wiki.search.indexer")
    background.start()
    try:
        wait_for(lambda: len(attempts) >= 6)
        pauses = [later - earlier for earlier, later in pairwise(attempts)]
        assert pauses[-1] > 4 * pauses[0]  # backing off, not spinning once a round
        tracebacks = [record for record in caplog.records if record.exc_info]
        assert len(tracebacks) == 1  # the cause in full once, then one line per attempt
        assert "still failing" in caplog.records[-1].getMessage()

        disk_full = False
        background.wake()  # a save does not wait for the back-off
        wait_for(lambda: "works again" in caplog.records[-1].getMessage())
    finally:
        background.stop()
