"""The database settings the wiki relies on for safe concurrent writes."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from wiki.db import get_database


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(sqlite_app):
    with get_database(sqlite_app).engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_a_sqlite_write_transaction_takes_the_write_lock_when_it_begins(sqlite_app):
    """A second writer waits at BEGIN instead of failing later with 'database is locked'."""
    database = get_database(sqlite_app)
    first = database.session(write=True)
    first.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: holds the write lock from here
    started = threading.Event()
    waited = []

    def second_writer():
        with database.session(write=True) as second:
            started.set()
            begun = time.monotonic()
            second.execute(text("SELECT 1"))
            waited.append(time.monotonic() - begun)
            second.rollback()

    thread = threading.Thread(target=second_writer)
    thread.start()
    started.wait(5)
    time.sleep(0.3)
    first.rollback()
    first.close()
    thread.join(10)
    assert waited and waited[0] >= 0.25


def test_readers_are_not_blocked_by_a_writer(app):
    database = get_database(app)
    with database.session(write=True) as writer, database.session() as reader:
        writer.execute(text("UPDATE users SET disabled = disabled"))
        began = time.monotonic()
        reader.execute(text("SELECT count(*) FROM users")).scalar()
        assert time.monotonic() - began < 5  # a blocked reader would wait out the 10 s busy timeout
        writer.rollback()


def test_hand_typed_page_addresses_lead_to_the_canonical_one(client, auth):
    auth.login("reader")
    response = client.get("/wiki/Office_Move")
    assert response.status_code == 301 and response.location == "/wiki/office-move"
