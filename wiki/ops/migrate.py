"""Run the alembic migrations that own the schema (tables are never made any other way)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from wiki.resources import shipped_folder

MIGRATIONS_DIR = shipped_folder("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


@contextmanager
def schema_change(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for changing the schema, committed at the end.

    On SQLite, foreign keys are not enforced while the schema changes and are checked in
    full before the commit (SQLite's own procedure for schema changes): a migration that
    rebuilds a table drops and renames it, which enforced keys would refuse or count as
    violations. Raises ForeignKeyViolation (the transaction rolled back) when a row then
    refers to a missing one.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Through the driver, outside any transaction (where SQLite honours it):
            # SQLAlchemy would begin one first.
            _pragma(connection, "foreign_keys = OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        table, row, parent = broken[0][0], broken[0][1], broken[0][2]
                        raise ForeignKeyViolation(
                            f"{len(broken)} rows refer to missing rows (the first: row {row} "
                            f"of {table}, to {parent})"
                        )
        finally:
            if sqlite:
                _pragma(connection, "foreign_keys = ON")


def _pragma(connection: Connection, setting: str) -> None:
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA {setting}")
    finally:
        cursor.close()


class ForeignKeyViolation(Exception):
    """After a schema change, rows refer to rows that do not exist."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database at ``engine`` to ``revision`` (default: the newest schema).
    Raises ForeignKeyViolation, and what alembic and the database raise."""
    config = alembic_config(engine)
    with schema_change(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
