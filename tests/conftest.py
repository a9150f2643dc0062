"""Fixtures: an app with a temporary database (SQLite, and PostgreSQL when configured).

Every test that uses ``app`` runs once per database backend. The schema always comes from
the alembic migrations. The PostgreSQL variant needs ``WIKI_TEST_DATABASE_URL`` (a server
where the tests may create and drop their own database); without it, it is skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from wiki import create_app
from wiki.access import accounts
from wiki.content.pages import Limits, create_page, delete_page, edit_page
from wiki.db import get_database
from wiki.models import DEFAULT_SPACE_ID, Base, Role
from wiki.ops.migrate import upgrade

POSTGRES_URL = os.environ.get("WIKI_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    # scrypt costs ~50 ms per hash by design; tests create and log in many users.
    monkeypatch.setattr(accounts, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite database file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "wiki.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _new_postgres_database(prefix: str):
    """A new, empty database on the test server: (an engine on the server, its URL).
    Skips the test when no server is given (fails when one is required)."""
    if not POSTGRES_URL:
        if os.environ.get("WIKI_TEST_REQUIRE_POSTGRES"):
            pytest.fail("WIKI_TEST_REQUIRE_POSTGRES is set but WIKI_TEST_DATABASE_URL is not")
        pytest.skip("PostgreSQL variant: set WIKI_TEST_DATABASE_URL to run it")
    server = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, server.set(database=name)


def _drop_postgres_database(admin, url) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh migrated PostgreSQL database for this test run, dropped at the end."""
    admin, url = _new_postgres_database("wiki_test")
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url.render_as_string(hide_password=False)
    _drop_postgres_database(admin, url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "wiki.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url, poolclass=NullPool)
    # DELETE is much faster than TRUNCATE on the few rows a test leaves behind. The audit
    # log's trigger refuses DELETE: it is switched off for this one transaction only (DDL
    # is transactional; the tables' owner may do it, no superuser needed).
    with engine.begin() as connection:
        connection.execute(
            text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        )
        connection.execute(text("UPDATE pages SET current_revision_id = NULL"))
        connection.execute(text("UPDATE attachments SET current_version_id = NULL"))
        # Spaces let go of their home pages; the default space is kept, as the migrations
        # made it (a test may change it).
        spaces = Base.metadata.tables["spaces"]
        connection.execute(spaces.update().values(home_page_id=None))
        connection.execute(
            spaces.update().where(spaces.c.id == DEFAULT_SPACE_ID).values(_default_space(url))
        )
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "spaces":  # the default space is the migrations' own row
                connection.execute(table.delete().where(table.c.id != DEFAULT_SPACE_ID))
            else:
                connection.execute(table.delete())
        # The default space's grants are the migrations' own rows too; a test may change them.
        connection.execute(
            Base.metadata.tables["space_grants"].insert(),
            [
                {"space_id": DEFAULT_SPACE_ID, "subject": "signed_in", "level": "edit"},
                {"space_id": DEFAULT_SPACE_ID, "subject": "anonymous", "level": "read"},
            ],
        )
        connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    return url


_DEFAULT_SPACES: dict[str, dict] = {}


def _default_space(url: str) -> dict:
    """The default space's settings as the migrations of the database at ``url`` made them
    (read once, before any test changed them)."""
    if url not in _DEFAULT_SPACES:
        engine = create_engine(url, poolclass=NullPool)
        spaces = Base.metadata.tables["spaces"]
        with engine.connect() as connection:
            row = connection.execute(
                select(spaces.c.name, spaces.c.description).where(spaces.c.id == DEFAULT_SPACE_ID)
            ).one()
        engine.dispose()
        _DEFAULT_SPACES[url] = {"name": row.name, "description": row.description}
    return _DEFAULT_SPACES[url]


def open_engine(url: str):
    """An engine for a database URL as the tests write it (psycopg 3 for PostgreSQL)."""
    url = make_url(url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, poolclass=NullPool)


@pytest.fixture
def empty_database(tmp_path):
    """Makes empty, unmigrated target databases: ``empty_database("sqlite")`` or
    ``("postgresql")`` (a new database on the test server, dropped afterwards)."""
    made = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:6]}.db'}"
        admin, url = _new_postgres_database("wiki_restore")
        made.append((admin, url))
        return url.render_as_string(hide_password=False)

    yield make
    for admin, url in made:
        _drop_postgres_database(admin, url)


def make_app(database_url, tmp_path, **config):
    """A wiki app for tests on ``database_url`` (CSRF off unless ``config`` turns it on)."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        # Tests catch the index up explicitly (search_now) instead of waiting for a thread.
        "SEARCH_BACKGROUND": False,
    }
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    get_database(app).dispose()


@pytest.fixture
def more_apps(database_url, tmp_path):
    """Makes more apps on the test database and instance folder: other worker processes,
    or other settings. ``more_apps(**config)`` returns a new app."""
    made = []

    def make(**config):
        app = make_app(database_url, tmp_path, **config)
        made.append(app)
        return app

    yield make
    for app in made:
        get_database(app).dispose()


@pytest.fixture
def sqlite_app(sqlite_template, tmp_path):
    """An app on SQLite only, for what is specific to SQLite."""
    path = tmp_path / "wiki.db"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}", tmp_path)
    yield app
    get_database(app).dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    """A session on the test database, for arranging and checking data.

    Tests end its transaction (commit or rollback) before checking what a request did, so
    they read fresh data.
    """
    session = get_database(app).session()
    yield session
    session.close()


@pytest.fixture
def users(app, db_session):
    """An admin, an editor and a reader, all with the password ``PASSWORD``."""
    made = {
        role.value: accounts.create_user(db_session, role.value, PASSWORD, role) for role in Role
    }
    db_session.commit()
    return made


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str = "editor", password: str = PASSWORD, **extra):
        return self.client.post(
            "/-/login", data={"username": username, "password": password, **extra}
        )

    def logout(self):
        return self.client.post("/-/logout")


@pytest.fixture
def auth(client, users):
    return Auth(client)


@pytest.fixture
def pages(users, db_session):
    """ "Policy" (two revisions by the editor) and "Old plan" (deleted by the admin)."""
    editor, admin = users["editor"], users["admin"]
    policy = create_page(db_session, editor, "Policy", "Book trains.\n", "", Limits()).page
    edit_page(db_session, editor, policy, 1, "Book trains.\nFly overseas.\n", "flights", Limits())
    old = create_page(db_session, editor, "Old plan", "Outdated.\n", "", Limits()).page
    delete_page(db_session, admin, old, "")
    db_session.commit()
    return {"policy": policy, "old": old}


@pytest.fixture
def policy_files(pages, users, db_session):
    """Files of "Policy": plan.txt (two versions), photo.png, and gone.txt (deleted)."""
    from tests.helpers import TINY_PNG, attach
    from wiki.files.attachments import delete_file

    policy, editor = pages["policy"], users["editor"]
    attach(db_session, editor, policy, "plan.txt", b"First plan.\n")
    attach(db_session, editor, policy, "plan.txt", b"Second plan.\n")
    attach(db_session, editor, policy, "photo.png", TINY_PNG)
    delete_file(db_session, users["admin"], attach(db_session, editor, policy, "gone.txt", b"x"))
    db_session.commit()
    return policy


#: The address mail from the tests' wiki gives for it.
MAIL_BASE = "https://wiki.example.com"


@pytest.fixture
def smtp():
    """A real SMTP server on loopback (aiosmtpd) and what it received."""
    from tests.mailserver import Inbox

    inbox = Inbox()
    inbox.start()
    yield inbox
    inbox.stop()


@pytest.fixture
def mail_app(more_apps, smtp):
    """The wiki on the test database, sending its mail to :func:`smtp`."""
    return more_apps(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, BASE_URL=MAIL_BASE)
