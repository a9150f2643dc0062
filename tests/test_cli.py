"""The operator's command line: schema upgrades and account management."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from wiki.db import get_database
from wiki.errors import NotFound
from wiki.models import Role
from wiki.ops.migrate import MIGRATIONS_DIR

from .conftest import PASSWORD, make_app
from .helpers import stored

NEW_PASSWORD = "a brand new passphrase"

# The newest schema revision, whatever it is called.
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def can_log_in(app, username, password=PASSWORD) -> bool:
    response = app.test_client().post("/-/login", data={"username": username, "password": password})
    return response.status_code == 302 and response.location == "/"


def logged_in_browser(app, username):
    browser = app.test_client()
    assert (
        browser.post("/-/login", data={"username": username, "password": PASSWORD}).status_code
        == 302
    )
    assert browser.get("/-/recent").status_code == 200
    return browser


def test_upgrade_creates_the_schema_in_an_empty_sqlite_database(tmp_path):
    """SQLite only: a brand-new empty database is easy to make there."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = make_app(url, tmp_path)
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(args=["upgrade"])

        assert result.exit_code == 0, result.output
        assert f"Database schema: empty -> {HEAD}." in result.output
        engine = create_engine(url)
        assert {"users", "pages", "revisions", "page_aliases", "rendered_revisions"} <= set(
            inspect(engine).get_table_names()
        )
        engine.dispose()
        assert app.test_client().get("/").location == "/-/setup"  # a working, empty wiki

        again = runner.invoke(args=["upgrade"])  # every deploy runs it
        assert again.exit_code == 0, again.output
        assert f"Database schema: {HEAD} -> {HEAD}." in again.output
    finally:
        get_database(app).dispose()


def test_upgrade_on_an_up_to_date_database_changes_nothing(app, runner, users):
    result = runner.invoke(args=["upgrade"])
    assert result.exit_code == 0, result.output
    assert f"{HEAD} -> {HEAD}" in result.output
    assert can_log_in(app, "editor")


def test_create_user_makes_an_admin_with_a_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["create-user", "Ops", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n"
    )

    assert result.exit_code == 0, result.output
    assert "Created admin Ops." in result.output
    assert PASSWORD not in result.output
    assert stored(app, "ops").role is Role.ADMIN
    assert can_log_in(app, "ops")
    assert app.test_client().get("/-/setup").location == "/-/login"  # no setup page any more


def test_create_user_asks_for_the_password_twice_and_makes_an_editor_by_default(app, runner):
    result = runner.invoke(args=["create-user", "writer"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert stored(app, "writer").role is Role.EDITOR
    assert can_log_in(app, "writer")


MISTAKES = [
    (["create-user", "newbie", "--password-stdin"], "short\n", "at least 10 characters"),
    (
        ["create-user", "Editor", "--password-stdin"],
        PASSWORD + "\n",
        "The username Editor is taken by the account editor.",
    ),
    (["create-user", "a<b", "--password-stdin"], PASSWORD + "\n", "letters, digits, dots"),
    (
        ["create-user", "newbie", "--role", "owner", "--password-stdin"],
        PASSWORD + "\n",
        "Invalid value for '--role'",
    ),
    (["set-role", "editor", "owner"], None, "'owner' is not one of 'reader', 'editor', 'admin'"),
    (["set-role", "admin", "reader"], None, "The wiki needs at least one active admin."),
    (["disable-user", "admin"], None, "The wiki needs at least one active admin."),
    (["set-password", "editor", "--password-stdin"], "short\n", "at least 10 characters"),
    (["set-role", "ghost", "admin"], None, "There is no user called ghost."),
    (
        ["set-password", "ghost", "--password-stdin"],
        PASSWORD + "\n",
        "There is no user called ghost.",
    ),
    (["disable-user", "ghost"], None, "There is no user called ghost."),
    (["enable-user", "ghost"], None, "There is no user called ghost."),
]


def test_mistakes_exit_non_zero_with_a_clear_message_and_change_nothing(app, runner, users):
    for args, stdin, message in MISTAKES:
        result = runner.invoke(args=args, input=stdin)
        command = " ".join(args)
        assert result.exit_code != 0, command
        assert message in result.output, command
        assert "Traceback" not in result.output, command
    for name in ["admin", "editor", "reader"]:
        user = stored(app, name)
        assert (user.role.value, user.disabled) == (name, False)
    with pytest.raises(NotFound):
        stored(app, "newbie")
    assert can_log_in(app, "editor")  # the password is unchanged


def test_set_role_gives_a_user_another_role(app, runner, users):
    result = runner.invoke(args=["set-role", "editor", "admin"])
    assert result.exit_code == 0, result.output
    assert "editor is now admin." in result.output
    assert stored(app, "editor").role is Role.ADMIN


def test_set_password_changes_the_password_and_ends_open_sessions(app, runner, users):
    browser = logged_in_browser(app, "editor")

    result = runner.invoke(
        args=["set-password", "editor", "--password-stdin"], input=NEW_PASSWORD + "\n"
    )

    assert result.exit_code == 0, result.output
    assert "New password set for editor." in result.output
    assert browser.get("/-/recent").status_code == 302
    assert not can_log_in(app, "editor")
    assert can_log_in(app, "editor", NEW_PASSWORD)


def test_disable_user_locks_the_account_out_at_once_and_enable_user_lets_it_back(
    app, runner, users
):
    browser = logged_in_browser(app, "editor")

    result = runner.invoke(args=["disable-user", "editor"])

    assert result.exit_code == 0, result.output
    assert "Disabled editor." in result.output
    assert browser.get("/-/recent").status_code == 302
    assert not can_log_in(app, "editor")

    result = runner.invoke(args=["enable-user", "EDITOR"])

    assert result.exit_code == 0, result.output
    assert can_log_in(app, "editor")
