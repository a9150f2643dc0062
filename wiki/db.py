"""Database engine and the request-owned session.

The session belongs to the request (or to the CLI command, or the test): service functions
receive it and never commit or close it themselves.

A new SQLite database file is created readable by its owner only (and its folder private).
SQLite gets WAL, a busy timeout, foreign keys and, for write requests, ``BEGIN IMMEDIATE``:
with a plain deferred ``BEGIN`` a transaction that reads and then writes fails at once with
"database is locked" when another writer is active, whatever the busy timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from wiki.instance import create_private_file

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class _Prepared:
    """A statement compiled for one database: its SQL, how to pass its parameters and how
    to read its columns."""

    sql: str
    defaults: dict[str, Any]  # every parameter, with the values bound in the statement
    order: Sequence[str] | None  # names in order for positional drivers (SQLite), else None
    readers: list[Callable[[Any], Any] | None]  # each column's type conversion


@dataclass
class Database:
    engine: Engine
    #: The same pool, but on SQLite its transactions start with BEGIN IMMEDIATE.
    write_engine: Engine
    sessions: sessionmaker[Session]
    _prepared: dict[int, _Prepared] = field(default_factory=dict)
    _prepare_lock: threading.Lock = field(default_factory=threading.Lock)

    def session(self, *, write: bool = False) -> Session:
        """Open a new session; ``write=True`` takes SQLite's write lock at BEGIN."""
        return self.sessions(bind=self.write_engine if write else self.engine)

    def read_row(self, statement: Select[Any], params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row of a read-only ``statement``, run straight on a pooled driver
        connection, outside any transaction (one statement sees one consistent state).

        For the few statements on the hottest path (a kept page view): the ORM session and
        SQLAlchemy's connection layer cost several times the statement itself. Values come
        back converted by the columns' types, as SQLAlchemy would. ``statement`` must be a
        long-lived object (it is compiled once per database). Database errors propagate
        as the driver's exceptions.
        """
        prepared = self._prepared.get(id(statement))
        if prepared is None:
            prepared = self._prepare(statement)
        values = {**prepared.defaults, **params}
        arguments: Any = [values[name] for name in prepared.order] if prepared.order else values
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(prepared.sql, arguments)
                row = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool, rolled back
        if row is None:
            return None
        return tuple(
            read(value) if read is not None and value is not None else value
            for read, value in zip(prepared.readers, row, strict=True)
        )

    def _prepare(self, statement: Select[Any]) -> _Prepared:
        dialect = self.engine.dialect
        compiled = statement.compile(dialect=dialect)
        # The conversions SQLAlchemy itself applies to these columns on this database.
        readers: list[Callable[[Any], Any] | None] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]
        prepared = _Prepared(
            sql=str(compiled),
            # Every parameter: the values bound in the statement, the caller's filled in later.
            defaults=dict(
                compiled.construct_params(
                    {bind.key: None for bind in compiled.binds.values() if bind.required}
                )
            ),
            order=compiled.positiontup,
            readers=readers,
        )
        with self._prepare_lock:
            self._prepared[id(statement)] = prepared
        return prepared

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_file(cargs: list, cparams: dict) -> Path | None:
    """The database file a SQLite connection is about to open (None: in memory, or a
    ``file:`` URI the driver resolves itself)."""
    database = cargs[0] if cargs else cparams.get("database")
    if not isinstance(database, str) or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or cparams.get("uri"):
        return None
    return Path(database)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "do_connect")
    def create_private_database(_dialect, _record, cargs, cparams):
        # sqlite creates a new database file with the umask's mode (usually 0644) and never
        # makes its folder: make both first, readable by the owner only. SQLite gives its
        # -wal and -shm files the database file's mode.
        path = _sqlite_file(cargs, cparams)
        if path is not None and not path.exists():
            create_private_file(path)

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


def make_database(url: str, **engine_options: Any) -> Database:
    """Create the engine(s) for ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``).
    No connection is made until one is needed. ``engine_options`` go to SQLAlchemy's
    ``create_engine`` (``poolclass=NullPool`` for a short-lived one).

    Raises sqlalchemy.exc.ArgumentError for a URL it cannot read, and ImportError when the
    URL's driver is not installed.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine_options.setdefault("pool_pre_ping", not url.startswith("sqlite"))
    engine = create_engine(url, **engine_options)
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


_WROTE = "wiki.wrote"  # in Session.info while the session's transaction has written


def has_written(session: Session) -> bool:
    """Whether ``session``'s transaction has written (flushed, or run an INSERT, UPDATE or
    DELETE) since it began. What such a transaction reads may never be committed, and on
    SQLite a rolled-back row's id is given again to the next row, so process-wide caches
    keyed by newest ids must not keep it. Raises nothing."""
    return bool(session.info.get(_WROTE))


def _wrote(session: Session, *_args: Any) -> None:
    session.info[_WROTE] = True


def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _wrote(state.session)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(_WROTE, None)


event.listen(Session, "after_flush", _wrote)
event.listen(Session, "do_orm_execute", _executed)
event.listen(Session, "after_transaction_end", _ended)


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
