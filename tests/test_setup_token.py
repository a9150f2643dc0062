"""First-run setup cannot be hijacked: the setup page asks for a one-time token that only
the person who runs the server can see (its console, its log, its instance folder)."""

from __future__ import annotations

import logging
import os
import stat
import threading

import pytest
from sqlalchemy import event, func, select

from wiki.access import accounts, security
from wiki.db import get_database
from wiki.models import Role, User

from .conftest import PASSWORD, make_app

TOKEN_LABEL = "Setup token (printed in the server's console)"


def count_users(app) -> int:
    with get_database(app).session() as session:
        return session.scalar(select(func.count(User.id)))


def setup_form(token, username="Grace", password=PASSWORD):
    return {
        "setup_token": token,
        "username": username,
        "password": password,
        "password_confirm": password,
    }


# --- the token when the server starts -------------------------------------------------------
# `wiki serve` calls announce_setup_token before it starts its workers (tests/test_serve.py
# watches it do so under gunicorn).


@pytest.fixture
def token(app):
    """The setup token, as `wiki serve` makes it before it starts."""
    security.announce_setup_token(app)
    return security.read_setup_token(app)


def test_on_an_empty_wiki_the_server_makes_a_private_token_and_prints_and_logs_it(
    app, tmp_path, capsys, caplog
):
    caplog.set_level(logging.WARNING, logger="wiki.setup")

    security.announce_setup_token(app)

    path = security.setup_token_path(app)
    token = security.read_setup_token(app)
    assert path.parent == tmp_path / "instance"
    assert token and len(token) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert token in capsys.readouterr().err  # on the console
    logged = [r for r in caplog.records if r.name == "wiki.setup" and r.levelno == logging.WARNING]
    assert len(logged) == 1 and token in logged[0].getMessage()


def test_building_the_app_makes_and_prints_no_token(app, capsys):
    assert not security.setup_token_path(app).exists()
    assert "setup token" not in capsys.readouterr().err


def test_a_restarted_server_shows_the_same_token_again(app, more_apps, capsys):
    security.announce_setup_token(app)
    first = security.read_setup_token(app)
    capsys.readouterr()

    restarted = more_apps()
    security.announce_setup_token(restarted)

    assert security.read_setup_token(restarted) == first
    assert first in capsys.readouterr().err


def test_the_announcement_leaves_no_connection_for_workers_to_inherit(app):
    connections = []
    event.listen(get_database(app).engine, "connect", lambda *args: connections.append(args))

    security.announce_setup_token(app)

    assert security.read_setup_token(app)  # it did ask the database
    assert connections == []  # on a connection of its own, not one of the app's pool


def test_workers_starting_at_once_agree_on_one_token(tmp_path):
    class Instance:
        instance_path = str(tmp_path)

    tokens, start = [], threading.Barrier(8)

    def worker():
        start.wait()
        tokens.append(security.ensure_setup_token(Instance, announce=False))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tokens) == 8 and len(set(tokens)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["setup_token"]  # nothing left aside


def test_once_an_account_exists_the_server_deletes_the_token_and_prints_none(
    app, token, users, capsys
):
    assert security.setup_token_path(app).exists()  # made while the wiki was empty
    capsys.readouterr()

    security.announce_setup_token(app)

    assert not security.setup_token_path(app).exists()
    assert "setup token" not in capsys.readouterr().err


def test_a_database_without_tables_does_not_stop_the_server(tmp_path, capsys):
    app = make_app(f"sqlite:///{tmp_path / 'not-migrated.db'}", tmp_path)
    try:
        security.announce_setup_token(app)

        assert security.read_setup_token(app) is None
        assert "setup token" not in capsys.readouterr().err
    finally:
        get_database(app).dispose()


def test_an_unreachable_database_does_not_stop_the_server(tmp_path):
    app = make_app("postgresql://nobody@127.0.0.1:1/wiki", tmp_path)  # nothing listens there
    try:
        security.announce_setup_token(app)

        assert security.read_setup_token(app) is None
    finally:
        get_database(app).dispose()


# --- the setup form --------------------------------------------------------------------------


def test_the_setup_form_asks_for_the_token(client):
    html = client.get("/-/setup").get_data(as_text=True)
    assert TOKEN_LABEL in html.replace("&#39;", "'")
    assert 'name="setup_token"' in html


@pytest.mark.parametrize(
    ("given", "message"),
    [("", "Enter the setup token"), ("guessed-token", "That is not the setup token")],
)
def test_setup_without_the_right_token_is_refused_and_keeps_the_username(
    app, client, given, message
):
    response = client.post("/-/setup", data=setup_form(given))

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'value="Grace"' in html
    assert count_users(app) == 0
    assert client.get("/").location == "/-/setup"  # still not set up, and not logged in


def test_every_error_of_the_setup_form_shows_at_once_and_the_right_token_stays(app, client, token):
    """One round of corrections: a bad username, a short password and a confirmation
    that differs are all named together; the username and the (right) token come back,
    the passwords never do."""
    response = client.post(
        "/-/setup",
        data={
            "setup_token": token,
            "username": "-grace-",
            "password": "short",
            "password_confirm": "shorter",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Use 1 to 64 letters" in html
    assert "at least 10 characters." in html
    assert "The two passwords differ." in html
    assert 'value="-grace-"' in html and f'value="{token}"' in html
    assert 'value="short"' not in html and 'value="shorter"' not in html

    wrong_token = client.post(
        "/-/setup",
        data={
            "setup_token": "guessed",
            "username": "grace",
            "password": "x",
            "password_confirm": "x",
        },
    ).get_data(as_text=True)
    assert "That is not the setup token" in wrong_token and "at least 10 characters." in wrong_token
    assert count_users(app) == 0


def test_a_near_miss_token_is_refused(app, client, token):
    for wrong in [
        token[:-1],
        token + "x",
        token.upper() if token.upper() != token else token.lower(),
    ]:
        assert client.post("/-/setup", data=setup_form(wrong)).status_code == 400
    assert count_users(app) == 0


def test_the_token_is_compared_in_constant_time(app, client, token, monkeypatch):
    compared = []
    real = security.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    client.post("/-/setup", data=setup_form("guessed-token"))
    assert compared == [(b"guessed-token", token.encode())]


def test_the_right_token_creates_the_admin_and_is_then_deleted(app, client, token):
    response = client.post("/-/setup", data=setup_form(f"  {token}\n"))  # pasted with spaces

    assert response.status_code == 302 and response.location == "/"
    assert count_users(app) == 1
    assert client.get("/-/admin/users").status_code == 200  # logged in as the admin
    assert not security.setup_token_path(app).exists()
    # The used token opens nothing any more.
    assert (
        app.test_client().post("/-/setup", data=setup_form(token, "Mallory")).location == "/-/login"
    )
    assert count_users(app) == 1


def test_a_correct_token_stays_in_the_form_while_other_mistakes_are_fixed(app, client, token):
    form = setup_form(token) | {"password_confirm": "something else"}
    html = client.post("/-/setup", data=form).get_data(as_text=True)
    assert "The two passwords differ." in html
    assert f'value="{token}"' in html


def test_an_empty_token_file_never_lets_an_empty_token_in(app, client, token):
    security.setup_token_path(app).write_text("")
    assert client.post("/-/setup", data=setup_form("")).status_code == 400
    assert count_users(app) == 0
    assert security.read_setup_token(app)  # a new token was made


def test_a_lost_token_is_made_again_and_announced_when_the_setup_page_opens(
    app, client, token, capsys, caplog
):
    caplog.set_level(logging.WARNING, logger="wiki.setup")
    security.discard_setup_token(app)
    capsys.readouterr()
    caplog.clear()

    assert client.get("/-/setup").status_code == 200

    remade = security.read_setup_token(app)
    assert remade and remade != token and remade in capsys.readouterr().err
    assert any(remade in r.getMessage() for r in caplog.records if r.name == "wiki.setup")


def test_setup_attempts_are_rate_limited_per_client(more_apps):
    app = more_apps(LOGIN_LIMIT_PER_CLIENT="3 per minute")
    client = app.test_client()
    for n in range(3):
        assert client.post("/-/setup", data=setup_form(f"guess {n}")).status_code == 400

    refused = client.post("/-/setup", data=setup_form(security.read_setup_token(app), "Ada"))

    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Too many attempts, try again in" in html
    assert 'value="Ada"' in html and TOKEN_LABEL in html.replace("&#39;", "'")
    assert count_users(app) == 0


# --- wiki setup-token ------------------------------------------------------------------------


def test_the_command_prints_the_current_token(app, runner, token):
    result = runner.invoke(args=["setup-token"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == token


def test_the_command_makes_a_token_when_there_is_none(app, runner):
    result = runner.invoke(args=["setup-token"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token and token == security.read_setup_token(app)
    assert stat.S_IMODE(os.stat(security.setup_token_path(app)).st_mode) == 0o600


def test_the_command_says_when_the_wiki_is_already_set_up(app, runner, db_session):
    accounts.create_user(db_session, "ops", PASSWORD, Role.ADMIN)
    db_session.commit()

    result = runner.invoke(args=["setup-token"])

    assert result.exit_code == 0
    assert "already set up" in result.output
    assert not security.setup_token_path(app).exists()
