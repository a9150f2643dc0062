"""The alembic migrations own the schema and produce exactly the models' tables."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column, create_engine, inspect, table, text

from wiki.db import get_database
from wiki.models import Base
from wiki.ops.migrate import alembic_config, current_revision, upgrade

from .conftest import open_engine

ROOT = Path(__file__).resolve().parent.parent


def test_the_migrated_schema_matches_the_models(app):
    engine = get_database(app).engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrading_an_up_to_date_database_changes_nothing(app):
    engine = get_database(app).engine
    before = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == before is not None


def test_upgrade_builds_every_table_from_an_empty_sqlite_file(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {table.name for table in Base.metadata.sorted_tables} <= tables


@pytest.mark.parametrize(
    "kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_every_migration_goes_down_and_up_again(empty_database, kind):
    """A deploy can be rolled back: each migration's downgrade undoes its upgrade, down to an
    empty database, and the schema that comes back up is the models' schema again."""
    engine = open_engine(empty_database(kind))
    config = alembic_config(engine)
    steps = [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]
    upgrade(engine)
    for revision in steps:  # newest first
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "-1")
        assert current_revision(engine) != revision
    assert current_revision(engine) is None
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_no_production_code_creates_tables_behind_the_migrations_back():
    found = subprocess.run(
        ["grep", "-rn", "create_all", str(ROOT / "wiki"), str(ROOT / "wsgi.py")],
        capture_output=True,
        text=True,
    )
    assert found.stdout == ""


def test_upgrading_a_database_with_pages_keeps_them_and_adds_empty_tags(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO users (id, username, username_key, password_hash, role, disabled,"
            " session_token, created_at) VALUES (1, 'a', 'a', 'x', 'admin', 0, 't', '2024-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO pages (id, slug, title, latest_number, deleted, created_at, updated_at)"
            " VALUES (1, 'p', 'P', 1, 0, '2024-01-01', '2024-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO revisions (id, page_id, number, author_id, created_at, kind, summary,"
            " title, body, size, size_delta) VALUES (1, 1, 1, 1, '2024-01-01', 'create', '',"
            " 'P', 'old text', 8, 8)"
        )
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT body, tags FROM revisions").one()
    engine.dispose()
    assert tuple(row) == ("old text", "")


@pytest.mark.parametrize(
    "kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_upgrading_files_existing_pages_under_their_letter_without_accents(empty_database, kind):
    engine = open_engine(empty_database(kind))
    upgrade(engine, "0004")
    pages = table(
        "pages",
        column("id"),
        column("slug"),
        column("title"),
        column("latest_number"),
        column("deleted"),
        column("created_at"),
        column("updated_at"),
    )
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            pages.insert(),
            [
                {
                    "id": n,
                    "slug": slug,
                    "title": slug,
                    "latest_number": 0,
                    "deleted": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, slug in enumerate(["zebra", "éclair", "øresund", "eclipse"], start=1)
            ],
        )
    upgrade(engine)
    with engine.connect() as connection:
        keys = {
            slug: key for slug, key in connection.execute(text("SELECT slug, sort_key FROM pages"))
        }
    engine.dispose()
    assert keys == {
        "zebra": "zebra",
        "éclair": "eclair",
        "øresund": "oresund",
        "eclipse": "eclipse",
    }
