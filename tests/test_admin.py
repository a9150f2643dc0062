"""User management by admins through the web interface (/-/admin/users)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from wiki.db import get_database
from wiki.models import Role, User

from .conftest import PASSWORD
from .helpers import stored

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def admin(client, auth):
    """The test client, logged in as the admin."""
    assert auth.login("admin").status_code == 302
    return client


def user_count(app):
    session = get_database(app).session()
    try:
        return session.scalar(select(func.count(User.id)))
    finally:
        session.close()


def log_in(app, username, password=PASSWORD):
    """A separate browser logging in; returns it, or None when the login was refused."""
    browser = app.test_client()
    response = browser.post("/-/login", data={"username": username, "password": password})
    return browser if response.status_code == 302 else None


def is_logged_in(browser) -> bool:
    response = browser.get("/-/recent")
    return response.status_code == 200


def test_the_user_list_shows_every_account_with_its_role_and_status(admin, users):
    html = admin.get("/-/admin/users").get_data(as_text=True)
    for name in ["admin", "editor", "reader"]:
        assert f'href="/-/users/{name}/contributions">{name}</a>' in html
        assert f'action="/-/admin/users/{name}/disable"' in html
    assert html.count('<option value="reader" selected>') == 1


def test_an_admin_creates_accounts_with_any_role(app, admin):
    for role in Role:
        name = f"new-{role.value}"
        response = admin.post(
            "/-/admin/users",
            data={"username": name, "password": PASSWORD, "role": role.value},
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert f"Created the account {name}." in response.get_data(as_text=True)
        assert stored(app, name).role is role
        assert log_in(app, name) is not None
    assert user_count(app) == 6


def test_a_taken_username_is_refused_and_the_form_keeps_what_was_typed(app, admin):
    response = admin.post(
        "/-/admin/users", data={"username": "EDITOR", "password": PASSWORD, "role": "admin"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The username EDITOR is taken by the account editor." in html
    assert 'id="username" name="username" value="EDITOR"' in html
    assert '<option value="admin" selected>' in html
    assert PASSWORD not in html  # the password is not sent back
    assert user_count(app) == 3
    assert stored(app, "editor").role is Role.EDITOR


def test_a_look_alike_username_is_refused_naming_the_account_and_the_form_is_kept(app, admin):
    response = admin.post(
        "/-/admin/users", data={"username": "Reader_", "password": PASSWORD, "role": "reader"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "starting and ending with a letter or digit" in html
    assert 'id="username" name="username" value="Reader_"' in html
    response = admin.post(
        "/-/admin/users", data={"username": "re.ader", "password": PASSWORD, "role": "reader"}
    )
    assert (
        "The username re.ader is taken: it differs from the account reader only in capitals, "
        "dots, dashes or underscores." in response.get_data(as_text=True)
    )
    assert user_count(app) == 3


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"username": "new.hire", "password": "short", "role": "reader"}, "at least 10 characters"),
        (
            {"username": "<b>boss</b>", "password": PASSWORD, "role": "reader"},
            "letters, digits, dots",
        ),
        ({"username": "new.hire", "password": PASSWORD, "role": "owner"}, "Unknown role"),
    ],
    ids=["short password", "bad username", "unknown role"],
)
def test_bad_account_details_are_explained_and_the_form_is_kept(app, admin, form, message):
    response = admin.post("/-/admin/users", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert "<b>boss</b>" not in html
    if form["username"] == "new.hire":
        assert 'name="username" value="new.hire"' in html
    assert user_count(app) == 3


def test_an_admin_changes_a_role_and_it_applies_at_once(app, admin, users):
    reader = log_in(app, "reader")
    assert reader.get("/-/new").status_code == 403

    response = admin.post("/-/admin/users/reader/role", data={"role": "editor"})
    assert (response.status_code, response.location) == (302, "/-/admin/users")
    response = admin.get(response.location)

    assert "Changed the role of reader." in response.get_data(as_text=True)
    assert stored(app, "reader").role is Role.EDITOR
    assert reader.get("/-/new").status_code == 200


def test_an_unknown_role_is_refused(app, admin, users):
    response = admin.post(
        "/-/admin/users/reader/role", data={"role": "owner"}, follow_redirects=True
    )
    assert "Unknown role" in response.get_data(as_text=True)
    assert stored(app, "reader").role is Role.READER


def test_the_last_admin_cannot_be_demoted_or_disabled_from_the_user_list(app, admin):
    for change, data in [("role", {"role": "editor"}), ("disable", {})]:
        response = admin.post(f"/-/admin/users/admin/{change}", data=data, follow_redirects=True)
        assert "The wiki needs at least one active admin." in response.get_data(as_text=True)
    admin_now = stored(app, "admin")
    assert (admin_now.role, admin_now.disabled) == (Role.ADMIN, False)
    assert admin.get("/-/admin/users").status_code == 200


def test_an_admin_who_demotes_themselves_loses_user_management_at_once(app, admin):
    admin.post("/-/admin/users", data={"username": "deputy", "password": PASSWORD, "role": "admin"})
    response = admin.post("/-/admin/users/admin/role", data={"role": "editor"})
    assert response.status_code == 302
    assert admin.get("/-/admin/users").status_code == 403


def test_an_admin_disables_and_enables_an_account(app, admin):
    editor = log_in(app, "editor")
    assert is_logged_in(editor)

    response = admin.post("/-/admin/users/editor/disable", follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Disabled editor." in html
    assert 'action="/-/admin/users/editor/enable"' in html
    assert stored(app, "editor").disabled
    assert not is_logged_in(editor)  # their open session ended
    assert log_in(app, "editor") is None

    response = admin.post("/-/admin/users/editor/enable", follow_redirects=True)

    assert "Enabled editor." in response.get_data(as_text=True)
    assert not stored(app, "editor").disabled
    assert log_in(app, "editor") is not None


def test_an_admin_resets_a_password_and_the_users_sessions_end(app, admin):
    editor = log_in(app, "editor")

    response = admin.post(
        "/-/admin/users/editor/password", data={"password": NEW_PASSWORD}, follow_redirects=True
    )

    assert "Set a new password for editor; their sessions were ended." in response.get_data(
        as_text=True
    )
    assert not is_logged_in(editor)
    assert log_in(app, "editor") is None
    assert log_in(app, "editor", NEW_PASSWORD) is not None


def test_a_too_short_new_password_is_refused_and_the_old_one_kept(app, admin):
    editor = log_in(app, "editor")
    response = admin.post(
        "/-/admin/users/editor/password", data={"password": "short"}, follow_redirects=True
    )
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert is_logged_in(editor)
    assert log_in(app, "editor") is not None


def test_changing_an_unknown_user_gives_a_friendly_not_found_page(admin):
    response = admin.post("/-/admin/users/ghost/disable")
    assert response.status_code == 404
    assert "There is no user called ghost." in response.get_data(as_text=True)
