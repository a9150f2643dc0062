"""Login hardening: rate limits on failed attempts, the same cost for every failed login,
a fresh session at login, and logins that end for real at logout."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import event, select, update

from wiki.access import accounts
from wiki.db import get_database
from wiki.models import LoginSession, Role, User, utcnow

from .conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"
# Addresses from the documentation ranges (RFC 5737): only ever strings in a WSGI environ.
ALICE_PC, BOB_PC, MALLORY_PC = "192.0.2.10", "192.0.2.20", "198.51.100.66"


def log_in(client, username="editor", password=PASSWORD, address=None, **extra):
    """Log in through the form (from ``address``: later requests come from the test
    client's own address, and flask-login's strong protection ends a login that moves)."""
    where = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    return client.post(
        "/-/login", data={"username": username, "password": password, **extra}, **where
    )


def browser(app, user_agent: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def logged_in(client) -> bool:
    response = client.get("/-/recent")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def login_sessions(app, username="editor") -> list[LoginSession]:
    with get_database(app).session() as session:
        return list(
            session.scalars(select(LoginSession).join(User).where(User.username_key == username))
        )


def change_account(app, username, change):
    with get_database(app).session(write=True) as session:
        change(session, accounts.get_user(session, username))
        session.commit()


# --- rate limits ------------------------------------------------------------------------


def test_the_default_limits_are_5_per_account_and_20_per_client_each_minute(app):
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per minute"
    assert app.config["LOGIN_LIMIT_PER_CLIENT"] == "20 per minute"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["RATELIMIT_ENABLED"] is True


def test_the_limits_and_their_storage_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WIKI_RATELIMIT_STORAGE_URI", "redis://cache.invalid:6379/3")
    monkeypatch.setenv("WIKI_LOGIN_LIMIT_PER_ACCOUNT", "3 per minute")
    monkeypatch.setenv("WIKI_LOGIN_LIMIT_PER_CLIENT", "50 per hour")
    monkeypatch.setenv("WIKI_PROXY_FIX", "2")
    from wiki.config import from_environment

    config = from_environment(tmp_path)

    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache.invalid:6379/3"
    assert config["LOGIN_LIMIT_PER_ACCOUNT"] == "3 per minute"
    assert config["LOGIN_LIMIT_PER_CLIENT"] == "50 per hour"
    assert config["PROXY_FIX"] == 2


def test_after_5_failed_logins_the_account_is_refused_for_a_while_with_a_clear_page(client, users):
    for _ in range(5):
        assert log_in(client, "editor", "wrong password!").status_code == 401

    refused = log_in(client, "Editor", PASSWORD)  # even the right password, for now

    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    seconds = int(re.search(r"Too many attempts, try again in (\d+) seconds\.", html).group(1))
    assert 1 <= seconds <= 60
    assert refused.headers["Retry-After"] == str(seconds)
    assert 'value="Editor"' in html  # the username stays typed in
    assert 'name="password"' in html  # the login form again, not a bare error page
    assert not logged_in(client)
    assert client.get("/-/login").status_code == 200  # showing the form is never limited
    # Other accounts are not affected, from the same computer either.
    assert log_in(client, "reader").status_code == 302


def test_successful_logins_do_not_count(app, users):
    for _ in range(8):
        client = app.test_client()
        assert log_in(client, "editor").status_code == 302
        assert client.post("/-/logout").status_code == 302
    for _ in range(5):
        assert log_in(app.test_client(), "editor", "wrong password!").status_code == 401
    assert log_in(app.test_client(), "editor").status_code == 429


def test_one_client_trying_many_accounts_is_limited(more_apps, users):
    app = more_apps(LOGIN_LIMIT_PER_CLIENT="3 per minute")
    mallory, alice = app.test_client(), app.test_client()
    for name in ["admin", "editor", "reader"]:
        assert log_in(mallory, name, "guess number one", address=MALLORY_PC).status_code == 401

    refused = log_in(mallory, "nobody", "guess number two", address=MALLORY_PC)

    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert log_in(alice, "editor", address=ALICE_PC).status_code == 302  # others log in


def test_each_app_counts_on_its_own(more_apps, users, client):
    """In-memory counters belong to one app, so tests (and apps) never share them."""
    for _ in range(5):
        log_in(client, "editor", "wrong password!")
    assert log_in(client, "editor").status_code == 429

    other = more_apps()
    assert log_in(other.test_client(), "editor").status_code == 302


def test_rate_limits_can_be_switched_off(more_apps, users):
    app = more_apps(RATELIMIT_ENABLED=False)
    client = app.test_client()
    for _ in range(12):
        assert log_in(client, "editor", "wrong password!").status_code == 401
    assert log_in(client, "editor").status_code == 302


def test_without_proxy_fix_a_forged_forwarded_for_does_not_escape_the_limit(more_apps, users):
    app = more_apps(LOGIN_LIMIT_PER_CLIENT="3 per minute")
    client = app.test_client()
    statuses = [
        client.post(
            "/-/login",
            data={"username": f"user{n}", "password": "guess guess"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        ).status_code
        for n in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]


def test_behind_a_trusted_proxy_clients_are_told_apart_by_forwarded_for(more_apps, users):
    app = more_apps(LOGIN_LIMIT_PER_CLIENT="3 per minute", PROXY_FIX=1)
    client = app.test_client()

    def attempt(client_address, username="nobody", password="guess guess"):
        return client.post(
            "/-/login",
            data={"username": username, "password": password},
            headers={"X-Forwarded-For": client_address},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},  # the proxy
        )

    assert [attempt(MALLORY_PC).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert attempt(ALICE_PC, "editor", PASSWORD).status_code == 302


def test_a_rate_limit_storage_that_is_down_never_turns_a_login_into_a_500(more_apps, users, caplog):
    app = more_apps(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")  # nothing listens there
    client = app.test_client()
    assert log_in(client, "editor", "wrong password!").status_code == 401
    assert log_in(client, "editor").status_code == 302
    assert any("rate limit" in record.getMessage().lower() for record in caplog.records)


def _redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {url} ({type(exc).__name__}): the shared-storage test needs one")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_with_redis_every_worker_shares_the_counters(more_apps, users):
    url = "redis://127.0.0.1:6379/0"
    _redis_or_skip(url)
    prefix = f"wiki-test-{uuid.uuid4().hex}"  # this test's own keys
    first, second = (
        more_apps(RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix) for _ in range(2)
    )
    try:
        for worker in [first, second, first, second, first]:
            assert log_in(worker.test_client(), "editor", "wrong password!").status_code == 401
        assert log_in(second.test_client(), "editor").status_code == 429
        assert log_in(first.test_client(), "reader").status_code == 302
    finally:
        import redis

        connection = redis.Redis.from_url(url)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
        connection.close()


# --- failed logins all cost the same ---------------------------------------------------------


def test_every_failed_login_costs_exactly_one_password_hash_check(db_session, monkeypatch, users):
    real_check = accounts.check_password_hash
    checks = []

    def counting(stored, password):
        checks.append(stored)
        return real_check(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    accounts.set_disabled(db_session, accounts.get_user(db_session, "reader"), True)
    db_session.commit()

    cases = {
        "unknown user": ("nobody", PASSWORD),
        "wrong password": ("editor", "not the password"),
        "disabled, right password": ("reader", PASSWORD),
        "disabled, wrong password": ("reader", "not the password"),
        "success": ("editor", PASSWORD),
    }
    for case, (username, password) in cases.items():
        checks.clear()
        result = accounts.authenticate(db_session, username, password)
        assert len(checks) == 1, case
        assert (result is not None) == (case == "success"), case
    # The unknown user's check runs against a hash of the configured method, like the rest.
    checks.clear()
    accounts.authenticate(db_session, "nobody", PASSWORD)
    assert checks[0].startswith(accounts.PASSWORD_HASH_METHOD.split(":")[0] + ":")


def test_failed_logins_take_about_as_long_whatever_the_reason(sqlite_app, monkeypatch):
    """A loose bound with the real scrypt: the fastest of interleaved runs within 0.5x-2x.

    Each case costs one scrypt run (tens of milliseconds); the database part is far below
    that. The runs are interleaved, and the fastest of each case is compared: what a busy
    machine adds to some runs is left out.
    """
    monkeypatch.setattr(accounts, "PASSWORD_HASH_METHOD", "scrypt")
    with get_database(sqlite_app).session() as session:
        for name in ("alice", "dora"):
            accounts.create_user(session, name, PASSWORD, Role.EDITOR)
        session.flush()
        accounts.get_user(session, "dora").disabled = True
        session.commit()
        cases = {
            "unknown": ("nobody", PASSWORD),
            "wrong": ("alice", "not the password"),
            "disabled": ("dora", PASSWORD),
        }
        accounts.authenticate(session, "nobody", PASSWORD)  # warm up (the dummy hash is made)
        times: dict[str, list[float]] = {case: [] for case in cases}
        for _ in range(7):
            for case, (username, password) in cases.items():
                start = time.perf_counter()
                assert accounts.authenticate(session, username, password) is None
                times[case].append(time.perf_counter() - start)
    fastest = {case: min(runs) for case, runs in times.items()}
    reference = fastest["wrong"]
    for least in fastest.values():
        assert 0.5 <= least / reference <= 2.0, fastest


# --- a fresh session at login -----------------------------------------------------------


def test_logging_in_starts_a_fresh_session(more_apps, users):
    app = more_apps(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    form = client.get("/-/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
        csrf_before = before["csrf_token"]
    cookie_before = client.get_cookie("session").value

    response = client.post(
        "/-/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token}
    )

    assert response.status_code == 302
    assert client.get_cookie("session").value != cookie_before
    with client.session_transaction() as after:
        assert "planted" not in after
        assert "csrf_token" not in after  # a new one is made when a form needs it
    assert logged_in(client)
    with client.session_transaction() as later:
        assert later["csrf_token"] != csrf_before


def _take_cookies(client, answer) -> None:
    """Let ``client`` keep the cookies ``answer`` sets or deletes, as a browser does."""
    for header in answer.headers.getlist("Set-Cookie"):
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0":
                client.delete_cookie(name)
            else:
                client.set_cookie(name, morsel.value)


def test_answers_still_on_their_way_at_login_do_not_undo_the_login(more_apps, users):
    """The login page's icon (or the same page in another tab) was asked for with the cookie
    from before the login; its answer arrives after the login and must not put that cookie
    back."""
    app = more_apps(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    form = client.get("/-/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    from_before = client.get_cookie("session").value
    late = app.test_client()
    late.set_cookie("session", from_before)

    assert log_in(client, csrf_token=token).status_code == 302
    for address in ("/favicon.ico", "/-/login"):
        _take_cookies(client, late.get(address))

    assert logged_in(client)


def test_a_session_cookie_from_before_the_login_is_never_logged_in(app, users):
    """Session fixation: Mallory plants her session cookie in Alice's browser, Alice logs
    in with it; Mallory's copy of that cookie must not become Alice's login."""
    alice = app.test_client()
    with alice.session_transaction() as session:
        session["planted"] = "mallory was here"
    planted = alice.get_cookie("session").value

    assert log_in(alice, "admin").status_code == 302
    assert logged_in(alice)

    mallory = app.test_client()
    mallory.set_cookie("session", planted)
    assert not logged_in(mallory)
    assert mallory.get("/-/admin/users").status_code == 302


def test_every_login_gets_its_own_id(app, users):
    first, second = app.test_client(), app.test_client()
    log_in(first, "editor")
    log_in(second, "editor")
    with first.session_transaction() as one, second.session_transaction() as two:
        assert one["_user_id"] != two["_user_id"]
    assert {row.id for row in login_sessions(app)} == {one["_user_id"], two["_user_id"]}


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_login_cookies_are_http_only_same_site_lax_and_secure_on_https(
    more_apps, users, monkeypatch, secure
):
    if secure:
        monkeypatch.setenv("WIKI_SECURE_COOKIES", "1")
    else:
        monkeypatch.delenv("WIKI_SECURE_COOKIES", raising=False)
    app = more_apps()
    response = log_in(app.test_client(), "editor", remember="on")
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    assert set(cookies) == {"session", "remember_token"}
    for header in cookies.values():
        flags = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
        assert {"httponly", "samesite"} <= flags, header
        assert "SameSite=Lax" in header, header
        assert ("secure" in flags) is secure, header


# --- logging out ends the login for real --------------------------------------------------


def test_a_copy_of_the_cookies_taken_before_logout_does_not_work_after_it(app, users):
    laptop, phone = browser(app, "Laptop browser"), browser(app, "Phone browser")
    log_in(laptop, "editor", remember="on")
    log_in(phone, "editor", remember="on")
    session_copy = laptop.get_cookie("session").value
    remember_copy = laptop.get_cookie("remember_token").value

    assert laptop.post("/-/logout").status_code == 302

    stolen_session = browser(app, "Laptop browser")
    stolen_session.set_cookie("session", session_copy)
    assert not logged_in(stolen_session)
    stolen_remember = browser(app, "Laptop browser")
    stolen_remember.set_cookie("remember_token", remember_copy)
    assert not logged_in(stolen_remember)
    # The same user's other devices stay logged in.
    assert logged_in(phone)
    assert [row.user_agent for row in login_sessions(app)] == ["Phone browser"]


def test_a_login_is_a_row_that_logout_deletes(app, users):
    client = browser(app, "Firefox on the desk")
    assert login_sessions(app) == []
    log_in(client, "editor")

    (row,) = login_sessions(app)
    assert row.user_agent == "Firefox on the desk"
    assert row.created_at == row.last_seen_at
    assert utcnow() - row.created_at < timedelta(minutes=1)

    client.post("/-/logout")
    assert login_sessions(app) == []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s, u: accounts.set_password(s, u, NEW_PASSWORD), id="password reset"),
        pytest.param(lambda s, u: accounts.set_disabled(s, u, True), id="disabled"),
    ],
)
def test_a_password_reset_or_disabling_deletes_every_login_of_the_user(app, users, change):
    browsers = [app.test_client() for _ in range(3)]
    for browser in browsers:
        log_in(browser, "editor", remember="on")
    reader = app.test_client()
    log_in(reader, "reader")

    change_account(app, "editor", change)

    assert login_sessions(app, "editor") == []
    assert not any(logged_in(browser) for browser in browsers)
    assert logged_in(reader)


def test_logins_not_seen_for_a_year_are_forgotten_at_the_next_login(app, users):
    old, recent = app.test_client(), app.test_client()
    log_in(old, "editor")
    log_in(recent, "editor")
    with old.session_transaction() as session:
        old_id = session["_user_id"]
    with get_database(app).session(write=True) as session:
        session.execute(
            update(LoginSession)
            .where(LoginSession.id == old_id)
            .values(last_seen_at=utcnow() - accounts.FORGET_LOGINS_AFTER - timedelta(days=1))
        )
        session.commit()

    log_in(app.test_client(), "editor")

    assert old_id not in {row.id for row in login_sessions(app)}
    assert len(login_sessions(app)) == 2
    assert logged_in(recent)


def test_a_page_view_resolves_the_login_in_one_query(app, users):
    client = app.test_client()
    log_in(client, "reader")
    engine = get_database(app).engine
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (a one-line event listener)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/-/recent").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    about_logins = [sql for sql in statements if "login_sessions" in sql]
    assert len(about_logins) == 1
    assert "JOIN" in about_logins[0].upper() and "users" in about_logins[0]


def test_last_seen_is_written_now_and_then_not_on_every_request(app, users):
    client = app.test_client()
    log_in(client, "editor")
    (row,) = login_sessions(app)
    client.get("/-/recent")
    assert login_sessions(app)[0].last_seen_at == row.last_seen_at  # too soon

    long_ago = utcnow() - accounts.LAST_SEEN_EVERY - timedelta(minutes=1)
    with get_database(app).session(write=True) as session:
        session.execute(update(LoginSession).values(last_seen_at=long_ago))
        session.commit()
    assert client.get("/-/recent").status_code == 200  # a page view (a read)
    seen = login_sessions(app)[0].last_seen_at
    assert utcnow() - seen < timedelta(minutes=1)

    with get_database(app).session(write=True) as session:
        session.execute(update(LoginSession).values(last_seen_at=long_ago))
        session.commit()
    saved = client.post("/-/new", data={"title": "Seen", "body": "x", "summary": ""})
    assert saved.status_code == 302  # a POST that saves: its transaction records it too
    assert utcnow() - login_sessions(app)[0].last_seen_at < timedelta(minutes=1)


def test_the_account_itself_cannot_be_put_in_a_cookie(users):
    with pytest.raises(TypeError):
        users["editor"].get_id()
