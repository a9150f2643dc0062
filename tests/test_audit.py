"""The audit log: every admin action (and page rename) leaves one event that nobody can
change or remove, and admins read the log at /-/admin/audit with filters."""

from __future__ import annotations

import html as html_lib
import re
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from alembic import command
from sqlalchemy import create_engine, delete, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from wiki.access import accounts, audit
from wiki.db import get_database
from wiki.models import AuditEvent, Page, Role
from wiki.ops.migrate import alembic_config, schema_change, upgrade

from .conftest import PASSWORD, POSTGRES_URL, make_app
from .helpers import stored

NEW_PASSWORD = "a brand new passphrase"


def all_events(app) -> list[AuditEvent]:
    """Every event, oldest first, as stored now."""
    session = get_database(app).session()
    try:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    finally:
        session.close()


class Log:
    """Watches the log: ``new()`` gives the events added since the last call."""

    def __init__(self, app):
        self.app = app
        self.seen = len(all_events(app))

    def new(self) -> list[tuple]:
        events = all_events(self.app)
        added, self.seen = events[self.seen :], len(events)
        return [(e.actor_name, e.action, e.target_type, e.target, e.details) for e in added]


def log_in(client, username):
    client.post("/-/logout")
    response = client.post("/-/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def admin(client, users):
    log_in(client, "admin")
    return client


def shown_targets(page_html: str) -> list[str]:
    """The target column of the audit table, top to bottom."""
    cells = re.findall(r'class="audit-target">(?:<a [^>]*>)?([^<]*)', page_html)
    return [html_lib.unescape(cell.strip()) for cell in cells]


# --- recording -----------------------------------------------------------------------------


def test_each_account_change_by_an_admin_records_one_event(app, admin):
    log = Log(app)

    admin.post(
        "/-/admin/users", data={"username": "newbie", "password": PASSWORD, "role": "reader"}
    )
    assert log.new() == [("admin", "user.create", "user", "newbie", {"role": "reader"})]

    admin.post("/-/admin/users/newbie/role", data={"role": "editor"})
    assert log.new() == [
        ("admin", "user.role", "user", "newbie", {"from": "reader", "to": "editor"})
    ]

    admin.post("/-/admin/users/newbie/password", data={"password": NEW_PASSWORD})
    assert log.new() == [("admin", "user.password", "user", "newbie", {})]

    admin.post("/-/admin/users/newbie/disable")
    assert log.new() == [("admin", "user.disable", "user", "newbie", {})]

    admin.post("/-/admin/users/newbie/enable")
    assert log.new() == [("admin", "user.enable", "user", "newbie", {})]

    event = all_events(app)[-1]
    assert event.actor_id == stored(app, "admin").id
    assert event.occurred_at.tzinfo is not None


def test_page_renames_deletes_undeletes_and_restores_record_one_event_each(app, client, pages):
    log = Log(app)
    log_in(client, "editor")  # editors may rename, and that is recorded too
    client.post("/wiki/policy/rename", data={"title": "Travel policy", "summary": "clearer"})
    assert log.new() == [
        (
            "editor",
            "page.rename",
            "page",
            "Policy",
            {"from": "Policy", "to": "Travel policy", "revision": 3, "summary": "clearer"},
        ),
    ]

    log_in(client, "admin")
    client.post(
        "/wiki/travel-policy/rev/1/restore", data={"current": "3", "reason": "flights are out"}
    )
    assert log.new() == [
        (
            "admin",
            "page.restore",
            "page",
            "Travel policy",
            {"restored": 1, "author": "editor", "revision": 4, "reason": "flights are out"},
        )
    ]
    client.post("/wiki/travel-policy/delete", data={"summary": "obsolete"})
    assert log.new() == [
        ("admin", "page.delete", "page", "Travel policy", {"revision": 5, "summary": "obsolete"})
    ]
    client.post("/wiki/travel-policy/undelete", data={"summary": ""})
    assert log.new() == [
        ("admin", "page.undelete", "page", "Travel policy", {"revision": 6, "summary": ""})
    ]

    session = get_database(app).session()
    page_id = session.scalar(select(Page.id).where(Page.slug == "travel-policy"))
    session.close()
    assert {event.page_id for event in all_events(app)[-4:]} == {page_id}


def test_the_first_admin_is_recorded_as_creating_their_own_account(app, db_session):
    founder = accounts.create_first_admin(db_session, "Founder", PASSWORD)  # the setup page
    db_session.commit()
    [event] = all_events(app)
    assert (event.actor_id, event.actor_name, event.action, event.target, event.details) == (
        founder.id,
        "Founder",
        "user.create",
        "Founder",
        {"role": "admin"},
    )


def test_command_line_actions_are_recorded_as_the_command_line(app, runner, users):
    log = Log(app)
    steps = [
        (
            ["create-user", "ops", "--role", "admin", "--password-stdin"],
            PASSWORD + "\n",
            ("user.create", "ops", {"role": "admin"}),
        ),
        (
            ["set-role", "reader", "editor"],
            None,
            ("user.role", "reader", {"from": "reader", "to": "editor"}),
        ),
        (
            ["set-password", "reader", "--password-stdin"],
            NEW_PASSWORD + "\n",
            ("user.password", "reader", {}),
        ),
        (["disable-user", "reader"], None, ("user.disable", "reader", {})),
        (["enable-user", "reader"], None, ("user.enable", "reader", {})),
    ]
    for args, stdin, (action, target, details) in steps:
        result = runner.invoke(args=args, input=stdin)
        assert result.exit_code == 0, result.output
        assert log.new() == [("command line", action, "user", target, details)], args
    assert all(event.actor_id is None for event in all_events(app)[-5:])


def test_failed_or_empty_actions_record_nothing(app, client, runner, pages):
    log = Log(app)
    log_in(client, "admin")
    attempts = [
        ("/-/admin/users/admin/role", {"role": "editor"}),  # the last admin
        ("/-/admin/users/admin/disable", {}),  # the last admin
        ("/-/admin/users/reader/role", {"role": "owner"}),
        ("/-/admin/users/reader/role", {"role": "reader"}),  # no change
        ("/-/admin/users/reader/enable", {}),  # already enabled
        ("/-/admin/users/reader/password", {"password": "short"}),
        ("/-/admin/users", {"username": "Editor", "password": PASSWORD, "role": "reader"}),
        ("/wiki/policy/rev/2/restore", {"current": "2"}),  # already the current text
        ("/wiki/policy/rev/1/restore", {"current": "1"}),  # the page changed since
        ("/wiki/policy/rev/1/restore", {"current": "2", "reason": "x" * 301}),  # too long
        ("/wiki/policy/rev/1/restore", {}),  # not confirmed
        ("/wiki/policy/rename", {"title": "Policy", "summary": ""}),  # the same title
        ("/wiki/old-plan/delete", {"summary": ""}),  # already deleted
        ("/wiki/policy/undelete", {"summary": ""}),  # not deleted
    ]
    for url, data in attempts:
        client.post(url, data=data)
        assert log.new() == [], url
    result = runner.invoke(args=["set-role", "admin", "reader"])
    assert result.exit_code != 0
    assert log.new() == []


def test_an_action_and_its_event_are_rolled_back_together(app, db_session, users):
    log = Log(app)
    reader = accounts.get_user(db_session, "reader")
    accounts.set_role(db_session, reader, Role.EDITOR, actor=accounts.get_user(db_session, "admin"))
    db_session.rollback()
    assert log.new() == []
    assert stored(app, "reader").role is Role.READER


# --- append-only -------------------------------------------------------------------------


def test_events_cannot_be_updated_or_deleted_even_with_sql(app, db_session, users):
    before = [(e.id, e.action, e.target) for e in all_events(app)]
    assert len(before) == 3  # the three accounts made by the fixture

    attempts = [
        update(AuditEvent).values(actor_name="someone else"),
        update(AuditEvent).where(AuditEvent.target == "admin").values(action="user.enable"),
        delete(AuditEvent),
        delete(AuditEvent).where(AuditEvent.target == "reader"),
        text("DELETE FROM audit_events"),
    ]
    for statement in attempts:
        with pytest.raises(DBAPIError, match="append-only"):
            db_session.execute(statement)
            db_session.flush()
        db_session.rollback()

    assert [(e.id, e.action, e.target) for e in all_events(app)] == before
    assert {e.actor_name for e in all_events(app)} == {"command line"}


TRIGGERS = {
    "postgresql": {"audit_events_append_only"},
    "sqlite": {"audit_events_no_update", "audit_events_no_delete"},
}


def _triggers(engine) -> set[str]:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        return set(connection.exec_driver_sql(query).scalars())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_engine(request, tmp_path):
    """An engine on a new, empty database (PostgreSQL: made for this test, then dropped)."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        request.getfixturevalue("postgres_url")  # skips, or fails when PostgreSQL is required
    server = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"wiki_audit_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(server.set(database=name), poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin_engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def test_the_migration_downgrades_and_upgrades_cleanly(empty_engine):
    engine = empty_engine
    upgrade(engine)
    assert TRIGGERS[engine.dialect.name] <= _triggers(engine)
    config = alembic_config(engine)
    # As every schema change is made (wiki.ops.migrate): on SQLite, foreign keys are checked
    # once at the end, since downgrades rebuild tables that others refer to.
    with schema_change(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert "audit_events" not in inspect(engine).get_table_names()
    assert _triggers(engine) == set()

    upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO audit_events (occurred_at, actor_name, action, target_type, target,"
            " details) VALUES ('2024-01-01 00:00:00', 'x', 'user.role', 'user', 'y', '{}')"
        )
    for statement in ["UPDATE audit_events SET target = 'z'", "DELETE FROM audit_events"]:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.exec_driver_sql(statement)


def test_the_append_only_triggers_exist_on_every_database(app):
    engine = get_database(app).engine
    assert TRIGGERS[engine.dialect.name] <= _triggers(engine)


# --- reading -------------------------------------------------------------------------------


def day(text_date: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(text_date).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def history(app, db_session, users, pages):
    """Six events on known days in 2024 (oldest first), after those the fixtures recorded."""
    editor = accounts.get_user(db_session, "editor")
    admin_user = accounts.get_user(db_session, "admin")
    policy = db_session.scalar(select(Page).where(Page.slug == "policy"))
    rows = [
        (
            day("2024-01-10"),
            admin_user,
            "user.role",
            "user",
            "reader",
            None,
            {"from": "reader", "to": "editor"},
        ),
        (
            day("2024-02-15"),
            editor,
            "page.rename",
            "page",
            "Office move",
            policy.id,
            {"from": "Office move", "to": "Policy", "revision": 2, "summary": ""},
        ),
        (day("2024-03-20", 0), None, "user.password", "user", "editor", None, {}),
        (
            day("2024-03-20", 23),
            admin_user,
            "page.delete",
            "page",
            "100%_done",
            policy.id,
            {"revision": 3, "summary": "<b>gone</b>"},
        ),
        (
            day("2024-03-21"),
            admin_user,
            "page.restore",
            "page",
            "Policy",
            policy.id,
            {"restored": 1, "author": "editor", "revision": 4, "reason": "the draft was better"},
        ),
        (day("2024-04-01"), admin_user, "user.disable", "user", "Old_Timer", None, {}),
    ]
    for when, actor, action, target_type, target, page_id, details in rows:
        db_session.add(
            AuditEvent(
                occurred_at=when,
                actor_id=actor.id if actor else None,
                actor_name=actor.username if actor else audit.COMMAND_LINE,
                action=action,
                target_type=target_type,
                target=target,
                page_id=page_id,
                details=details,
            )
        )
    db_session.commit()


# Listed newest first (by when they were recorded): the six above, then the four the
# fixtures recorded before them (three accounts from the command line, a page deleted).
SEEDED = ["Old_Timer", "Policy", "100%_done", "editor", "Office move", "reader"]
FIXTURES = ["Old plan", "admin", "editor", "reader"]

FILTERS = [
    ({"actor": "admin"}, ["Old_Timer", "Policy", "100%_done", "reader", "Old plan"]),
    ({"actor": "EDITOR"}, ["Office move"]),
    ({"actor": "command line"}, ["editor", "admin", "editor", "reader"]),
    ({"actor": "nobody"}, []),
    ({"action": "page.rename"}, ["Office move"]),
    ({"action": "user.password"}, ["editor"]),
    ({"target": "policy"}, ["Policy", "100%_done", "Office move"]),  # also the page's title now
    ({"target": "OFFICE"}, ["Office move"]),
    ({"target": "%"}, ["100%_done"]),  # LIKE wildcards are plain characters
    ({"target": "0%_d"}, ["100%_done"]),
    ({"target": "old_"}, ["Old_Timer"]),  # not "Old plan"
    ({"from": "2024-03-20"}, ["Old_Timer", "Policy", "100%_done", "editor", *FIXTURES]),
    ({"to": "2024-03-20"}, ["100%_done", "editor", "Office move", "reader"]),
    ({"from": "2024-03-20", "to": "2024-03-20"}, ["100%_done", "editor"]),
    ({"actor": "admin", "action": "page.delete"}, ["100%_done", "Old plan"]),
    (
        {
            "actor": "admin",
            "action": "page.delete",
            "target": "done",
            "from": "2024-03-01",
            "to": "2024-03-31",
        },
        ["100%_done"],
    ),
    ({"actor": "admin", "target": "policy", "to": "2024-03-20"}, ["100%_done"]),
]


def test_each_filter_alone_and_combined_finds_the_right_events(app, admin, history):
    for args, expected in FILTERS:
        response = admin.get("/-/admin/audit", query_string=args)
        assert response.status_code == 200, args
        assert shown_targets(response.get_data(as_text=True)) == expected, args


def test_the_log_lists_everything_newest_first_in_words(app, admin, history):
    response = admin.get("/-/admin/audit")
    page_html = response.get_data(as_text=True)
    assert shown_targets(page_html) == SEEDED + FIXTURES
    assert "role reader → editor" in page_html
    assert "renamed “\u2068Office move\u2069” → “\u2068Policy\u2069” as revision 2" in page_html
    assert (
        "restored revision 1 (by \u2068editor\u2069) as revision 4; "
        "reason: “\u2068the draft was better\u2069”" in page_html
    )
    assert "deleted as revision 3 (“\u2068&lt;b&gt;gone&lt;/b&gt;\u2069”)" in page_html
    assert "<b>gone" not in page_html
    assert "with role reader" in page_html
    # Who is linked to their contributions, the command line is not; pages link to the page.
    assert '<td><a dir="auto" href="/-/users/admin/contributions">admin</a></td>' in page_html
    assert "<td>command line</td>" in page_html
    assert '<a dir="auto" href="/wiki/policy">100%_done</a>' in page_html
    assert '<a dir="auto" href="/-/users/Old_Timer/contributions">Old_Timer</a>' in page_html


def test_the_log_is_paginated_and_pages_keep_the_filters(database_url, tmp_path, history):
    small = make_app(database_url, tmp_path / "small", PAGE_SIZE=2)
    try:
        browser = small.test_client()
        log_in(browser, "admin")
        url, seen = "/-/admin/audit?actor=admin&to=2024-12-31", []
        for _ in range(3):
            response = browser.get(url)
            page_html = response.get_data(as_text=True)
            seen.append(shown_targets(page_html))
            older = re.search(r'href="([^"]*)">Older →', page_html)
            if older is None:
                break
            url = html_lib.unescape(older.group(1))
            query = urlsplit(url).query
            assert "actor=admin" in query and "to=2024-12-31" in query
        assert seen == [["Old_Timer", "Policy"], ["100%_done", "reader"]]

        newer = re.search(r'href="([^"]*)">← Newer', page_html)
        back = browser.get(html_lib.unescape(newer.group(1))).get_data(as_text=True)
        assert shown_targets(back) == ["Old_Timer", "Policy"]
    finally:
        get_database(small).dispose()


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"from": "yesterday"}, "from", "The start date “yesterday” is not a date"),
        ({"to": "2024-02-30"}, "to", "The end date “2024-02-30” is not a date"),
        ({"from": "20240301"}, "from", "write it as yyyy-mm-dd"),
        (
            {"from": "2024-05-01", "to": "2024-04-01"},
            "to",
            "The end date is before the start date.",
        ),
        ({"action": "user.delete"}, "action", "There is no action called “user.delete”."),
    ],
    ids=["words", "no such day", "no dashes", "reversed range", "unknown action"],
)
def test_bad_filters_are_explained_not_failed(app, admin, args, field, message):
    response = admin.get("/-/admin/audit", query_string=args)
    page_html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page_html
    assert message in page_html
    assert shown_targets(page_html) == []


def test_filters_that_match_nothing_say_so(app, admin):
    response = admin.get("/-/admin/audit?target=%3Cscript%3Ex")
    page_html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No events match these filters." in page_html
    assert 'value="&lt;script&gt;x"' in page_html
    assert "<script>x" not in page_html


def test_the_user_list_links_to_the_audit_log(admin):
    page_html = admin.get("/-/admin/users").get_data(as_text=True)
    assert '<a href="/-/admin/audit">Audit log</a>' in page_html


@pytest.mark.parametrize("who", ["editor", "reader"])
def test_only_admins_may_read_the_log(client, users, who):
    log_in(client, who)
    response = client.get("/-/admin/audit")
    assert response.status_code == 403
    assert "user.create" not in response.get_data(as_text=True)


def test_visitors_are_sent_to_log_in(client, users):
    response = client.get("/-/admin/audit?actor=admin")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/-/login"
