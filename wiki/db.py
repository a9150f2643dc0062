"""Database engine and the request-owned session.

The session belongs to the request (or to the CLI command, or the test): service functions
receive it and never commit or close it themselves.

SQLite gets WAL, a busy timeout, foreign keys and, for write requests, ``BEGIN IMMEDIATE``:
with a plain deferred ``BEGIN`` a transaction that reads and then writes fails at once with
"database is locked" when another writer is active, whatever the busy timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Database:
    engine: Engine
    #: The same pool, but on SQLite its transactions start with BEGIN IMMEDIATE.
    write_engine: Engine
    sessions: sessionmaker[Session]

    def session(self, *, write: bool = False) -> Session:
        """Open a new session; ``write=True`` takes SQLite's write lock at BEGIN."""
        return self.sessions(bind=self.write_engine if write else self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_database(url: str) -> Database:
    """Create the engine(s) for ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    write_engine = engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
        write_engine = engine.execution_options(sqlite_immediate=True)
    sessions = sessionmaker(expire_on_commit=False)
    return Database(engine=engine, write_engine=write_engine, sessions=sessions)


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["wiki.db"]


def get_session() -> Session:
    """The session of the current request, opened on first use.

    Requests that change state (and CLI commands) get a write transaction from the start.
    """
    if "db_session" not in g:
        write = not has_request_context() or request.method in WRITE_METHODS
        g.db_session = get_database().session(write=write)
    return g.db_session


def _close_session(_exc):
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back anything not committed


def init_app(app: Flask) -> None:
    app.extensions["wiki.db"] = make_database(app.config["DATABASE_URL"])
    # A request may run inside an outer app context (tests, scripts) that outlives it, so
    # the session ends with the request; CLI commands end theirs with the app context.
    app.teardown_request(_close_session)
    app.teardown_appcontext(_close_session)
