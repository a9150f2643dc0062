"""Accounts: first-run setup, logging in and out, sessions, passwords, and who may read."""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, text
from werkzeug.security import check_password_hash

from wiki import create_app
from wiki.access import accounts, security
from wiki.content.pages import Limits, create_page, delete_page
from wiki.db import get_database
from wiki.errors import InvalidInput, NotFound
from wiki.models import Revision, Role, User

from .conftest import PASSWORD, make_app

NEW_PASSWORD = "a brand new passphrase"


def fetch_user(app, username):
    """The user as stored now (a fresh session, so nothing cached)."""
    with app.app_context():
        session = get_database(app).session()
        try:
            return accounts.get_user(session, username)
        finally:
            session.close()


def count_users(app) -> int:
    with app.app_context():
        session = get_database(app).session()
        try:
            return session.scalar(select(func.count(User.id)))
        finally:
            session.close()


def change_account(app, username, change):
    """What an admin does from elsewhere: ``change(session, user)`` in its own transaction."""
    with app.app_context():
        session = get_database(app).session(write=True)
        try:
            change(session, accounts.get_user(session, username))
            session.commit()
        finally:
            session.close()


def setup_form(app, **fields) -> dict:
    """The setup form as the server's operator fills it in: with the printed setup token
    (made as `wiki serve` makes it at start)."""
    return {"setup_token": security.ensure_setup_token(app, announce=False), **fields}


def login_error(response) -> str:
    match = re.search(
        r'<p class="field-error" role="alert">(.*?)</p>', response.get_data(as_text=True)
    )
    assert match, "the login page shows no error message"
    return match.group(1)


def logged_in(client) -> bool:
    """Whether the client's session is logged in (a members-only page answers 200)."""
    response = client.get("/-/recent")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and urlsplit(response.location).path == "/-/login"
    return False


# --- first run --------------------------------------------------------------------------


def test_on_an_empty_wiki_every_address_leads_to_the_setup_page(client):
    for url in [
        "/",
        "/wiki/home",
        "/-/login",
        "/-/recent",
        "/-/new",
        "/-/admin/users",
        "/-/nothing-here",
    ]:
        response = client.get(url)
        assert (response.status_code, response.location) == (302, "/-/setup"), url
    response = client.post("/-/login", data={"username": "admin", "password": PASSWORD})
    assert (response.status_code, response.location) == (302, "/-/setup")


def test_the_setup_page_creates_the_first_admin_and_logs_them_in(app, client):
    page = client.get("/-/setup")
    assert page.status_code == 200
    assert "Create admin account" in page.get_data(as_text=True)

    response = client.post(
        "/-/setup",
        data=setup_form(app, username="Grace", password=PASSWORD, password_confirm=PASSWORD),
    )

    assert response.status_code == 302
    assert response.location == "/"
    grace = fetch_user(app, "grace")
    assert (grace.username, grace.role, grace.disabled) == ("Grace", Role.ADMIN, False)
    assert client.get("/-/admin/users").status_code == 200  # logged in, as an admin
    assert client.get("/-/recent").status_code == 200  # the setup redirect is over


def test_the_setup_page_is_gone_once_an_account_exists(app, client, users):
    response = client.get("/-/setup")
    assert (response.status_code, response.location) == (302, "/-/login")

    response = client.post(
        "/-/setup",
        data=setup_form(app, username="mallory", password=PASSWORD, password_confirm=PASSWORD),
    )

    assert (response.status_code, response.location) == (302, "/-/login")
    assert count_users(app) == 3
    with pytest.raises(NotFound):
        fetch_user(app, "mallory")
    assert not logged_in(client)


def test_a_second_setup_form_sent_after_the_first_does_not_create_another_admin(app):
    first, second = app.test_client(), app.test_client()
    assert second.get("/-/setup").status_code == 200  # both opened the form on an empty wiki
    form = setup_form(app, password=PASSWORD, password_confirm=PASSWORD)
    assert first.post("/-/setup", data={"username": "first", **form}).status_code == 302

    response = second.post("/-/setup", data={"username": "second", **form})

    assert response.location == "/-/login"
    assert count_users(app) == 1
    assert not logged_in(second)


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        (PASSWORD, PASSWORD + "!", "The two passwords differ."),
        ("short", "short", "at least 10 characters"),
    ],
)
def test_setup_errors_are_explained_and_keep_the_username(app, client, password, confirm, message):
    response = client.post(
        "/-/setup",
        data=setup_form(app, username="Grace", password=password, password_confirm=confirm),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'value="Grace"' in html
    assert f'value="{password}"' not in html  # passwords are never sent back
    assert count_users(app) == 0
    assert client.get("/").location == "/-/setup"  # still not set up


def test_setup_refuses_a_username_with_markup(app, client):
    response = client.post(
        "/-/setup",
        data=setup_form(app, username="<b>boss</b>", password=PASSWORD, password_confirm=PASSWORD),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "letters, digits, dots, dashes or underscores" in html
    assert "<b>boss</b>" not in html
    assert count_users(app) == 0


# --- logging in and out ------------------------------------------------------------------


def test_a_user_logs_in_and_out(client, auth):
    response = auth.login("editor")
    assert response.status_code == 302
    assert response.location == "/"
    page = client.get("/-/recent")
    assert page.status_code == 200
    assert "Log out" in page.get_data(as_text=True)

    response = auth.logout()

    assert response.status_code == 302
    assert response.location == "/-/login"
    assert not logged_in(client)


def test_the_username_is_not_case_sensitive_at_login(client, auth):
    assert auth.login(" EDITOR ").status_code == 302
    assert logged_in(client)


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, auth):
    wrong_password = auth.login("editor", "not the password")
    unknown_user = auth.login("nobody", PASSWORD)

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert login_error(wrong_password) == login_error(unknown_user)
    assert "Wrong username or password" in login_error(unknown_user)
    assert 'value="nobody"' in unknown_user.get_data(as_text=True)  # the name stays typed in
    assert not logged_in(client)


def test_a_disabled_account_cannot_log_in(app, client, auth):
    change_account(app, "editor", lambda s, u: accounts.set_disabled(s, u, True))

    response = auth.login("editor")

    assert response.status_code == 401
    assert login_error(response) == login_error(auth.login("editor", "not the password"))
    assert not logged_in(client)


def test_disabling_an_account_ends_its_open_sessions_at_once(app, client, auth):
    auth.login("editor")
    remembered = app.test_client()
    remembered.post("/-/login", data={"username": "editor", "password": PASSWORD, "remember": "on"})
    assert logged_in(client) and logged_in(remembered)

    change_account(app, "editor", lambda s, u: accounts.set_disabled(s, u, True))

    assert not logged_in(client)
    assert not logged_in(remembered)


def test_a_password_reset_ends_every_session_of_the_user(app, client, auth):
    auth.login("editor", remember="on")
    remembered = client.get_cookie("remember_token").value
    other_computer = app.test_client()
    assert (
        other_computer.post(
            "/-/login", data={"username": "editor", "password": PASSWORD}
        ).status_code
        == 302
    )

    change_account(app, "editor", lambda s, u: accounts.set_password(s, u, NEW_PASSWORD))

    assert not logged_in(client)
    assert not logged_in(other_computer)
    only_the_cookie = app.test_client()
    only_the_cookie.set_cookie("remember_token", remembered)
    assert not logged_in(only_the_cookie)
    assert auth.login("editor", PASSWORD).status_code == 401
    assert auth.login("editor", NEW_PASSWORD).status_code == 302


def test_remember_me_keeps_the_user_logged_in_after_the_browser_session(app, client, auth):
    auth.login("editor", remember="on")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None

    browser_restarted = app.test_client()  # the session cookie is gone, the remember cookie is not
    browser_restarted.set_cookie("remember_token", cookie.value)

    assert logged_in(browser_restarted)


def test_without_remember_me_no_remember_cookie_is_set(client, auth):
    auth.login("editor")
    assert logged_in(client)
    assert client.get_cookie("remember_token") is None


def test_logging_out_forgets_the_remembered_login(client, auth):
    auth.login("editor", remember="on")
    auth.logout()
    assert client.get_cookie("remember_token") is None
    assert not logged_in(client)


# --- account rules -----------------------------------------------------------------------


def test_usernames_are_unique_whatever_their_case(db_session):
    accounts.create_user(db_session, "Alice", PASSWORD, Role.EDITOR)
    db_session.commit()
    for taken in ["alice", "ALICE", " Alice "]:
        with pytest.raises(InvalidInput) as caught:
            accounts.create_user(db_session, taken, PASSWORD, Role.READER)
        db_session.rollback()
        assert "is taken" in caught.value.errors["username"]
    assert accounts.get_user(db_session, "aLiCe").username == "Alice"


@pytest.mark.parametrize(
    "name", ["reader.", "reader-", "Reader_", ".reader", "-x", "a_", "x" * 63 + "."]
)
def test_usernames_start_and_end_with_a_letter_or_digit(db_session, name):
    with pytest.raises(InvalidInput) as caught:
        accounts.create_user(db_session, name, PASSWORD, Role.EDITOR)
    assert "starting and ending with a letter or digit" in caught.value.errors["username"]


def test_separators_between_letters_and_digits_are_fine(db_session):
    for name in ["a", "7", "anna.berg-2_x", "j.r.r.tolkien", "x" * 64]:
        accounts.create_user(db_session, name, PASSWORD, Role.EDITOR)
    db_session.commit()
    assert len(accounts.list_users(db_session)) == 5


@pytest.mark.parametrize("name", ["jsmith", "J-Smith", "j_smith", "JS.MITH", "j.s-m_i.t.h"])
def test_a_name_differing_only_in_case_or_separators_is_taken_naming_the_account(db_session, name):
    accounts.create_user(db_session, "j.smith", PASSWORD, Role.EDITOR)
    db_session.commit()
    with pytest.raises(InvalidInput) as caught:
        accounts.create_user(db_session, name, PASSWORD, Role.ADMIN)
    assert "is taken" in caught.value.errors["username"]
    assert "the account j.smith" in caught.value.errors["username"]
    db_session.rollback()
    assert [user.username for user in accounts.list_users(db_session)] == ["j.smith"]


def test_accounts_whose_names_are_now_refused_keep_working(app, client, users, db_session):
    # Made before the rule: a name ending in a dot, next to the same name without it.
    accounts.create_user(db_session, "old-timer", PASSWORD, Role.READER)
    db_session.flush()
    db_session.execute(
        text(
            "UPDATE users SET username = 'reader.', username_key = 'reader.' WHERE username = 'old-timer'"
        )
    )
    db_session.commit()
    browser = app.test_client()
    reply = browser.post("/-/login", data={"username": "reader.", "password": PASSWORD})
    assert reply.status_code == 302
    assert browser.get("/-/users/reader./contributions").status_code == 200
    admin = app.test_client()
    admin.post("/-/login", data={"username": "admin", "password": PASSWORD})
    admin.post("/-/admin/users/reader./role", data={"role": "editor"})
    assert fetch_user(app, "reader.").role is Role.EDITOR
    assert fetch_user(app, "reader").role is Role.READER


def test_usernames_with_markup_or_odd_characters_are_refused(db_session):
    for name in ["<script>", "a<b", "bob>", 'x"y', "a&b", "with space", "", "-dash", "x" * 65]:
        with pytest.raises(InvalidInput) as caught:
            accounts.create_user(db_session, name, PASSWORD, Role.EDITOR)
        assert "username" in caught.value.errors, name
    db_session.rollback()
    assert accounts.list_users(db_session) == []


def test_the_last_active_admin_cannot_be_demoted_or_disabled(app, users, db_session):
    admin = accounts.get_user(db_session, "admin")
    for change in (
        lambda: accounts.set_role(db_session, admin, Role.EDITOR),
        lambda: accounts.set_disabled(db_session, admin, True),
    ):
        with pytest.raises(InvalidInput) as caught:
            change()
        assert "at least one active admin" in caught.value.message
    db_session.rollback()
    stored = fetch_user(app, "admin")
    assert (stored.role, stored.disabled) == (Role.ADMIN, False)


def test_a_disabled_second_admin_does_not_count_as_a_spare(app, users, db_session):
    spare = accounts.create_user(db_session, "spare", PASSWORD, Role.ADMIN)
    accounts.set_disabled(db_session, spare, True)
    db_session.commit()
    with pytest.raises(InvalidInput):
        accounts.set_role(db_session, accounts.get_user(db_session, "admin"), Role.READER)
    db_session.rollback()
    assert fetch_user(app, "admin").role is Role.ADMIN


def test_an_admin_can_be_demoted_while_another_admin_is_active(app, users, db_session):
    accounts.create_user(db_session, "second", PASSWORD, Role.ADMIN)
    db_session.commit()
    accounts.set_role(db_session, accounts.get_user(db_session, "admin"), Role.EDITOR)
    accounts.set_disabled(db_session, accounts.get_user(db_session, "editor"), True)
    db_session.commit()
    assert fetch_user(app, "admin").role is Role.EDITOR
    with pytest.raises(InvalidInput):  # "second" is now the last one
        accounts.set_disabled(db_session, accounts.get_user(db_session, "second"), True)


def test_passwords_are_stored_only_as_salted_hashes(app, users):
    reader, editor = fetch_user(app, "reader"), fetch_user(app, "editor")
    assert PASSWORD not in editor.password_hash
    assert editor.password_hash != reader.password_hash  # same password, different salt
    assert check_password_hash(editor.password_hash, PASSWORD)


def test_production_passwords_are_hashed_with_scrypt(monkeypatch, db_session):
    # The suite swaps in a cheap hash (an autouse monkeypatch); undo it to see the real setting.
    monkeypatch.undo()
    assert accounts.PASSWORD_HASH_METHOD == "scrypt"

    user = accounts.create_user(db_session, "hashed", PASSWORD, Role.EDITOR)

    assert user.password_hash.startswith("scrypt:")
    assert accounts.authenticate(db_session, "hashed", PASSWORD) is user
    assert accounts.authenticate(db_session, "hashed", NEW_PASSWORD) is None
    db_session.rollback()


def test_passwords_that_are_too_short_or_too_long_are_refused(db_session):
    for password in ["", "123456789", "x" * 1025]:
        with pytest.raises(InvalidInput) as caught:
            accounts.create_user(db_session, "newbie", password, Role.EDITOR)
        assert "password" in caught.value.errors
    accounts.create_user(db_session, "newbie", "1234567890", Role.EDITOR)  # 10 is enough
    db_session.rollback()


# --- who may read -----------------------------------------------------------------------


@pytest.fixture
def policy_page(users, db_session):
    """A page "Travel policy" and a deleted page "Old plan"."""
    editor, admin = users["editor"], users["admin"]
    create_page(db_session, editor, "Travel policy", "Book trains.\n", "", Limits())
    old = create_page(db_session, editor, "Old plan", "Outdated.\n", "", Limits()).page
    delete_page(db_session, admin, old, "obsolete")
    db_session.commit()
    return "travel-policy"


def test_the_whole_wiki_requires_a_login(client, policy_page):
    for url in [
        f"/wiki/{policy_page}",
        f"/wiki/{policy_page}/history",
        f"/wiki/{policy_page}/rev/1",
        f"/wiki/{policy_page}/rev/1/raw",
        f"/wiki/{policy_page}/blame",
        "/wiki/no-such-page",
        "/-/recent",
        "/-/users/editor/contributions",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        target = urlsplit(response.location)
        assert target.path == "/-/login", url
        assert parse_qs(target.query)["next"] == [url], url
        assert "Book trains" not in response.get_data(as_text=True)


def test_after_logging_in_the_visitor_gets_the_page_they_asked_for(client, auth, policy_page):
    login_url = client.get(f"/wiki/{policy_page}/history").location
    form = client.get(login_url).get_data(as_text=True)
    assert f'name="next" value="/wiki/{policy_page}/history"' in form

    response = client.post(login_url, data={"username": "reader", "password": PASSWORD})

    assert response.status_code == 302
    assert response.location == f"/wiki/{policy_page}/history"


def test_anonymous_visitors_cannot_change_anything(app, client, policy_page):
    for url, data in [
        ("/-/new", {"title": "Spam", "body": "spam"}),
        (f"/wiki/{policy_page}/edit", {"body": "spam", "base": "1"}),
        (f"/wiki/{policy_page}/rename", {"title": "Spam"}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 302, url
        assert urlsplit(response.location).path == "/-/login", url
    with app.app_context():
        session = get_database(app).session()
        assert session.scalar(select(func.count()).select_from(User)) == 3
        assert session.scalar(select(func.count(Revision.id))) == 3
        session.close()


@pytest.fixture
def open_app(database_url, tmp_path, policy_page):
    """The same wiki, configured to let anonymous visitors read."""
    app = make_app(database_url, tmp_path, ANONYMOUS_READ=True)
    yield app
    get_database(app).dispose()


def test_with_anonymous_reading_visitors_can_read_without_logging_in(open_app, policy_page):
    client = open_app.test_client()
    page = client.get(f"/wiki/{policy_page}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Book trains." in html
    assert f"/wiki/{policy_page}/edit" not in html  # no edit tab
    assert "Log in" in html
    for url in [
        f"/wiki/{policy_page}/history",
        f"/wiki/{policy_page}/blame",
        "/-/recent",
        "/-/users/editor/contributions",
        f"/wiki/{policy_page}/rev/1",
    ]:
        assert client.get(url).status_code == 200, url
    missing = client.get("/wiki/no-such-page")
    assert missing.status_code == 404
    assert "Create this page" not in missing.get_data(as_text=True)


def test_with_anonymous_reading_deleted_pages_stay_hidden(open_app, policy_page):
    client = open_app.test_client()
    assert client.get("/wiki/old-plan").status_code == 404
    assert "Old plan" not in client.get("/-/recent").get_data(as_text=True)


def test_with_anonymous_reading_visitors_still_cannot_edit(open_app, policy_page):
    client = open_app.test_client()
    for method, url, data in [
        ("GET", "/-/new", None),
        ("POST", "/-/new", {"title": "Spam", "body": "spam"}),
        ("GET", f"/wiki/{policy_page}/edit", None),
        ("POST", f"/wiki/{policy_page}/edit", {"body": "spam", "base": "1"}),
        ("POST", f"/wiki/{policy_page}/rename", {"title": "Spam"}),
        ("POST", f"/wiki/{policy_page}/delete", {}),
        ("POST", f"/wiki/{policy_page}/rev/1/restore", {}),
        ("POST", "/-/preview", {"body": "x"}),
        ("GET", "/-/admin/users", None),
    ]:
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302, url
        assert urlsplit(response.location).path == "/-/login", url
    assert "Book trains." in client.get(f"/wiki/{policy_page}").get_data(as_text=True)
    assert client.get("/wiki/spam").status_code == 404


def test_anonymous_reading_can_be_switched_on_from_the_environment(monkeypatch, tmp_path):
    settings = {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(tmp_path)}
    monkeypatch.delenv("WIKI_ANONYMOUS_READ", raising=False)
    assert create_app(settings).config["ANONYMOUS_READ"] is False
    monkeypatch.setenv("WIKI_ANONYMOUS_READ", "1")
    assert create_app(settings).config["ANONYMOUS_READ"] is True


def test_two_admins_demoting_each_other_at_once_leave_an_admin(app, users, db_session):
    """PostgreSQL only: SQLite runs write transactions one at a time (BEGIN IMMEDIATE)."""
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("SQLite serialises write transactions")
    accounts.create_user(db_session, "deputy", PASSWORD, Role.ADMIN)
    db_session.commit()
    database = get_database(app)
    first, second = database.session(write=True), database.session(write=True)
    outcome = {}

    def deputy_demotes_themselves():
        try:
            accounts.set_role(second, accounts.get_user(second, "deputy"), Role.EDITOR)
            second.commit()
            outcome["second"] = "saved"
        except InvalidInput:
            second.rollback()
            outcome["second"] = "refused"

    try:
        accounts.set_role(first, accounts.get_user(first, "admin"), Role.EDITOR)
        first.flush()  # the admin's demotion is written but not yet committed
        other = threading.Thread(target=deputy_demotes_themselves)
        other.start()
        deadline = time.monotonic() + 5
        while (
            other.is_alive()
            and not _someone_waits_for_a_lock(db_session)
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        first.commit()
        other.join(5)
    finally:
        first.close()
        second.close()

    db_session.rollback()
    admins = db_session.scalar(
        select(func.count(User.id)).where(User.role == Role.ADMIN, User.disabled.is_(False))
    )
    assert admins == 1
    assert outcome == {"second": "refused"}


def _someone_waits_for_a_lock(session) -> bool:
    waiting = session.scalar(
        text(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    )
    session.rollback()
    return waiting > 0
