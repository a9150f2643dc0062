"""Building the app has no side effects, and what the wiki writes for itself is private.

Building an app (gunicorn does it in every worker, the CLI for every command) touches
neither the database nor the file system. The instance folder, the secret key, a new SQLite
database (with its -wal and -shm files) and the search index are made when first needed,
readable by their owner only.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from wiki import create_app
from wiki.db import get_database

from .conftest import make_app


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@contextmanager
def usual_umask():
    # The modes below must come from the wiki, not from a strict umask of the test run.
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@contextmanager
def counting_connections():
    """Every new database connection made by any engine meanwhile."""
    made = []

    def connected(*_args):
        made.append(1)

    event.listen(Pool, "connect", connected)
    try:
        yield made
    finally:
        event.remove(Pool, "connect", connected)


def fresh_settings(tmp_path, **extra):
    """An app on a new instance folder, with its SQLite database and search index in it."""
    instance = tmp_path / "instance"
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'wiki.db'}",
        "SEARCH_INDEX_PATH": str(instance / "search"),
        "SECRET_KEY": None,
        "SEARCH_BACKGROUND": False,
        **extra,
    }


def test_building_the_app_touches_no_file(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with counting_connections() as connections:
        app = create_app(fresh_settings(tmp_path))

    assert app.instance_path == str(tmp_path / "instance")
    assert list(tmp_path.iterdir()) == []  # no instance folder, key, database or index
    assert connections == []


def test_building_the_app_connects_to_no_database(database_url, tmp_path):
    with counting_connections() as connections:
        app = make_app(database_url, tmp_path)
    get_database(app).dispose()
    assert connections == []


def test_an_unreachable_database_does_not_stop_the_app_being_built(tmp_path):
    app = make_app("postgresql://nobody@127.0.0.1:1/wiki", tmp_path)  # nothing listens there
    assert app.config["DATABASE_URL"].endswith("127.0.0.1:1/wiki")
    get_database(app).dispose()


def test_a_new_sqlite_database_and_its_instance_folder_are_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app(fresh_settings(tmp_path))
    instance = tmp_path / "instance"
    try:
        with usual_umask():
            result = app.test_cli_runner().invoke(args=["upgrade"])
            assert result.exit_code == 0, result.output
            with app.test_client().get("/static/css/wiki.css") as response:  # a session: the key
                assert response.status_code == 200
            with get_database(app).engine.connect() as connection:  # stays open in the pool
                connection.exec_driver_sql("SELECT 1")

            made = {path.name: mode(path) for path in instance.iterdir()}
        assert mode(instance) == 0o700
        assert made == {
            "wiki.db": 0o600,
            "wiki.db-wal": 0o600,
            "wiki.db-shm": 0o600,
            "secret_key": 0o600,
        }
    finally:
        get_database(app).dispose()


def test_the_search_index_written_first_makes_the_instance_folder_private(database_url, tmp_path):
    app = make_app(database_url, tmp_path)  # its database lives outside the instance folder
    try:
        with usual_umask():
            result = app.test_cli_runner().invoke(args=["reindex"])

        assert result.exit_code == 0, result.output
        assert mode(tmp_path / "instance") == 0o700
        assert (tmp_path / "instance" / "search").is_dir()
    finally:
        get_database(app).dispose()


def test_a_new_instance_folder_is_private_with_its_missing_parents(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    deep = tmp_path / "srv" / "wiki"
    app = create_app(fresh_settings(deep))
    try:
        with usual_umask():
            with app.test_client().get("/static/css/wiki.css") as response:
                assert response.status_code == 200

        assert [mode(p) for p in (tmp_path / "srv", deep, deep / "instance")] == [0o700] * 3
        assert mode(deep / "instance" / "secret_key") == 0o600
    finally:
        get_database(app).dispose()


def test_an_existing_instance_folder_keeps_the_mode_its_operator_chose(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    instance.chmod(0o750)
    app = create_app(fresh_settings(tmp_path))
    try:
        with app.test_client().get("/static/css/wiki.css") as response:
            assert response.status_code == 200

        assert mode(instance) == 0o750
        assert mode(instance / "secret_key") == 0o600
    finally:
        get_database(app).dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_writes_no_file(tmp_path, monkeypatch, url):
    monkeypatch.chdir(tmp_path)
    app = create_app(fresh_settings(tmp_path / "unused", DATABASE_URL=url, SECRET_KEY="x"))
    try:
        with get_database(app).engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        assert list(tmp_path.iterdir()) == []
    finally:
        get_database(app).dispose()
