"""Who may do what: readers read, editors also write, admins also restore, delete, manage."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from wiki.access import groups
from wiki.content.pages import Limits, create_page
from wiki.models import Role, User

from .conftest import PASSWORD
from .helpers import snapshot

# name: (method, url, form data, changes something when allowed, status when allowed)
ACTIONS = {
    "read a page": ("GET", "/wiki/policy", None, False, 200),
    "see what links to a page": ("GET", "/wiki/policy/links", None, False, 200),
    "list the orphaned pages": ("GET", "/-/orphans", None, False, 200),
    "list the wanted pages": ("GET", "/-/wanted", None, False, 200),
    "open the tag index": ("GET", "/-/tags", None, False, 200),
    "create a page": (
        "POST",
        "/-/new",
        {"title": "Fresh page", "body": "New.", "summary": ""},
        True,
        302,
    ),
    "edit a page": (
        "POST",
        "/wiki/policy/edit",
        {"body": "Walk.\n", "base": "2", "summary": ""},
        True,
        302,
    ),
    "preview an edit": ("POST", "/-/preview", {"body": "*hi*"}, False, 200),
    "save a draft": ("POST", "/wiki/policy/draft", {"body": "Run.\n", "base": "2"}, True, 200),
    # Nobody here has a draft: there is nothing to discard, and nothing changes.
    "discard a draft": ("POST", "/wiki/policy/draft/discard", {}, False, 302),
    "see who else is editing": ("GET", "/wiki/policy/editing", None, False, 200),
    "rename a page": (
        "POST",
        "/wiki/policy/rename",
        {"title": "Travel policy", "summary": ""},
        True,
        302,
    ),
    "preview a move": (
        "POST",
        "/wiki/policy/move",
        {"space": "main", "parent": "Handbook"},
        False,
        200,
    ),
    "move a page": (
        "POST",
        "/wiki/policy/move",
        {"space": "main", "parent": "Handbook", "confirm": "yes"},
        True,
        302,
    ),
    "confirm restoring a revision": ("GET", "/wiki/policy/rev/1/restore", None, False, 200),
    "restore a revision": (
        "POST",
        "/wiki/policy/rev/1/restore",
        {"current": "2", "reason": "trains only"},
        True,
        302,
    ),
    "delete a page": ("POST", "/wiki/policy/delete", {"summary": "gone"}, True, 302),
    "undelete a page": ("POST", "/wiki/old-plan/undelete", {"summary": "back"}, True, 302),
    "open user management": ("GET", "/-/admin/users", None, False, 200),
    "create an account": (
        "POST",
        "/-/admin/users",
        {"username": "newbie", "password": PASSWORD, "role": "editor"},
        True,
        302,
    ),
    "change a role": ("POST", "/-/admin/users/reader/role", {"role": "editor"}, True, 302),
    "create a space": (
        "POST",
        "/-/spaces/new",
        {"key": "hr", "name": "People team", "description": ""},
        True,
        302,
    ),
    "change a space's settings": (
        "POST",
        "/-/spaces/main/edit",
        {"name": "Everyone", "description": "For all of us.", "home": "Policy"},
        True,
        302,
    ),
    "open the search synonyms": ("GET", "/-/admin/search", None, False, 200),
    "change own settings": (
        "POST",
        "/-/account",
        {"display_name": "New Name", "email": "", "time_zone": "Asia/Tokyo"},
        True,
        302,
    ),
    "change own password": (
        "POST",
        "/-/account/password",
        {
            "old_password": PASSWORD,
            "password": "a brand new password",
            "password_confirm": "a brand new password",
        },
        True,
        302,
    ),
    "open the invites": ("GET", "/-/admin/invites", None, False, 200),
    "create an invite": (
        "POST",
        "/-/admin/invites",
        {"email": "new@example.com", "role": "editor"},
        True,
        200,
    ),
    # No such invite: admins are told so; the others may not even ask.
    "revoke an invite": ("POST", "/-/admin/invites/99999/revoke", {}, False, 404),
    "change the search synonyms": (
        "POST",
        "/-/admin/search",
        {"synonyms": "PTO, paid time off, vacation"},
        True,
        302,
    ),
    "open the groups": ("GET", "/-/groups", None, False, 200),
    "open a group": ("GET", "/-/groups/sample", None, False, 200),
    "create a group": ("POST", "/-/groups/new", {"key": "fresh", "name": "Fresh"}, True, 302),
    "rename a group": ("POST", "/-/groups/sample/edit", {"name": "Renamed"}, True, 302),
    "delete a group": ("POST", "/-/groups/sample/delete", {}, True, 302),
    "preview adding group members": (
        "POST",
        "/-/groups/sample/members/add",
        {"usernames": "reader"},
        False,
        200,
    ),
    "add group members": (
        "POST",
        "/-/groups/sample/members/add",
        {"usernames": "reader", "confirm": "yes"},
        True,
        302,
    ),
    "make a group manager": ("POST", "/-/groups/sample/managers/editor/grant", {}, True, 302),
    # Policy has no box to tick: who may edit hears so (400), others are refused first.
    "tick an action item": ("POST", "/wiki/policy/tasks/0", {"base": "2", "done": "1"}, False, 400),
    "list a space's action items": ("GET", "/-/spaces/main/actions", None, False, 200),
    "list my action items": ("GET", "/-/actions", None, False, 200),
    "list my notifications": ("GET", "/-/notifications", None, False, 200),
    "mark my notifications read": ("POST", "/-/notifications/read", {"all": "1"}, False, 302),
    "list what I watch": ("GET", "/-/watching", None, False, 200),
    "watch a page": ("POST", "/wiki/policy/watch", {"target": "subtree"}, True, 302),
    "watch a space": ("POST", "/-/spaces/main/watch", {}, True, 302),
    "watch a tag": ("POST", "/-/watching/tags", {"tag": "travel"}, True, 302),
    "stop watching": ("POST", "/-/watching/stop", {"key": "tag:none"}, False, 302),
    "stop watching what I edit": (
        "POST",
        "/-/watching/settings",
        {"email_frequency": "weekly"},
        True,
        302,
    ),
    "see how the mail stands": ("GET", "/-/admin/mail", None, False, 200),
    # The editor made Policy, so owns it.
    "verify a page": ("POST", "/wiki/policy/review", {"action": "verify"}, True, 302),
    "open the review dashboard": ("GET", "/-/reviews", None, False, 200),
    "open a page's access": ("GET", "/wiki/policy/access", None, False, 200),
    "open a space's access": ("GET", "/-/spaces/main/access", None, False, 200),
    "preview a restriction": (
        "POST",
        "/wiki/policy/access/restrict",
        {"kind": "read", "groups": "sample", "people": ""},
        False,
        200,
    ),
    "restrict a page": (
        "POST",
        "/wiki/policy/access/restrict",
        {"kind": "read", "groups": "sample", "people": "", "confirm": "yes"},
        True,
        302,
    ),
    "preview a grant": (
        "POST",
        "/-/spaces/main/access/grant",
        {"who": "group", "name": "sample", "level": "admin"},
        False,
        200,
    ),
    "upload a file": ("POST", "/wiki/policy/files", {"file": (b"x", "new.txt")}, True, 302),
    "delete a file": ("POST", "/wiki/policy/files/plan.txt/delete", {}, True, 302),
    "undelete a file": ("POST", "/wiki/policy/files/gone.txt/undelete", {}, True, 302),
    "restore a file's version": (
        "POST",
        "/wiki/policy/files/plan.txt/restore",
        {"version": "1"},
        True,
        302,
    ),
    "list a page's files": ("GET", "/wiki/policy/files", None, False, 200),
    "see storage use": ("GET", "/-/admin/storage", None, False, 200),
    "read the recent changes feed": ("GET", "/-/feeds/recent", None, False, 200),
    "make a feed token": ("POST", "/-/account/feed-token", {}, True, 200),
    # Nobody here has a token: there is nothing to revoke, and nothing changes.
    "revoke a feed token": ("POST", "/-/account/feed-token/revoke", {}, False, 302),
    "open a space's group subscriptions": ("GET", "/-/spaces/main/subscriptions", None, False, 200),
    "subscribe a group to a space": (
        "POST",
        "/-/spaces/main/subscriptions",
        {"group": "sample", "frequency": "weekly"},
        True,
        302,
    ),
    # No group follows anything here: admins are told so (404), others are refused first.
    "stop a group following a space": (
        "POST",
        "/-/spaces/main/subscriptions/999/remove",
        {},
        False,
        404,
    ),
    # No group follows anything here: nothing to opt out of, as if it did not exist.
    "opt out of a group's subscription": (
        "POST",
        "/-/watching/groups/1",
        {"follow": "0"},
        False,
        404,
    ),
    "grant in a space": (
        "POST",
        "/-/spaces/main/access/grant",
        {"who": "group", "name": "sample", "level": "admin", "confirm": "yes"},
        True,
        302,
    ),
}

READS = {
    "read a page",
    "see what links to a page",
    "list the orphaned pages",
    "list the wanted pages",
    "open the tag index",
    "list a space's action items",
    "open the review dashboard",
    "list a page's files",
    "read the recent changes feed",
}
# Signed-in accounts see the groups; only admins and a group's managers change one (nobody
# here manages "sample").
SEES_GROUPS = {"open the groups", "open a group", "open a page's access", "open a space's access"}
WRITES = {
    "create a page",
    "edit a page",
    "preview an edit",
    "save a draft",
    "discard a draft",
    "see who else is editing",
    "rename a page",
    "preview a move",
    "move a page",
    "tick an action item",
    "verify a page",
    "upload a file",
    "delete a file",
}
OWN = {
    "change own settings",
    "change own password",
    "list my action items",
    "list my notifications",
    "mark my notifications read",
    "list what I watch",
    "watch a page",
    "watch a space",
    "watch a tag",
    "stop watching",
    "stop watching what I edit",
    "make a feed token",
    "revoke a feed token",
    "opt out of a group's subscription",
}

# What a user who may not do an action gets. Deleted pages are invisible to everyone but
# admins, so undeleting one answers "not found" rather than revealing that it exists.
DENIED = {name: 403 for name in ACTIONS}
DENIED["undelete a page"] = 404
DENIED["undelete a file"] = 404

ALLOWED = {
    "reader": READS | SEES_GROUPS | OWN,
    "editor": READS | WRITES | SEES_GROUPS | OWN,
    "admin": set(ACTIONS),
    "anonymous": set(),
}


def matrix():
    for role, allowed in ALLOWED.items():
        for name in ACTIONS:
            outcome = "may" if name in allowed else "may not"
            yield pytest.param(role, name, id=f"{role} {outcome} {name}")


@pytest.fixture
def sample_group(users, db_session):
    """The group "sample", with the editor as a plain member."""
    sample = groups.create_group(db_session, users["admin"], "sample", "Sample")
    groups.change_members(db_session, users["admin"], sample, "add", "editor")
    db_session.commit()


@pytest.fixture
def handbook(users, db_session):
    """A second page, "Handbook", to move "Policy" under."""
    create_page(db_session, users["editor"], "Handbook", "Read this.\n", "", Limits())
    db_session.commit()


@pytest.mark.parametrize(("role", "action"), list(matrix()))
def test_each_role_may_do_exactly_what_it_is_allowed_to(
    app, client, auth, pages, policy_files, sample_group, handbook, role, action
):
    method, url, data, changes, allowed_status = ACTIONS[action]
    if data:  # a file to send: (bytes, name), sent fresh each time
        data = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in data.items()}
    if role != "anonymous":
        assert auth.login(role).status_code == 302
    before = snapshot(app)

    response = client.open(url, method=method, data=data)

    after = snapshot(app)
    if action in ALLOWED[role]:
        assert response.status_code == allowed_status
        assert (after != before) == changes
        if allowed_status == 302:
            assert urlsplit(response.location).path != "/-/login"
    elif role == "anonymous":
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/-/login"
        assert after == before
    else:
        assert response.status_code == DENIED[action]
        assert after == before
        if DENIED[action] == 403:
            assert "You do not have permission" in response.get_data(as_text=True)


def test_every_form_address_is_in_the_matrix(app):
    """A new route that accepts POST must be added to ACTIONS above (or be an auth route)."""
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(url, method=method)[0] for method, url, *_ in ACTIONS.values()}
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    # The auth routes, and the e-mails' unsubscribe link (for whoever holds it, signed in or
    # not: tests/test_mail.py), take no role.
    assert posting - covered == {
        "auth.login",
        "auth.logout",
        "auth.setup",
        "auth.accept_invite",
        "notifications.unsubscribe",
    }


# --- what the pages show -----------------------------------------------------------------

CONTROLS = {
    "edit tab": ("/wiki/policy", 'href="/wiki/policy/edit"'),
    "rename tab": ("/wiki/policy", 'href="/wiki/policy/rename"'),
    "move tab": ("/wiki/policy", 'href="/wiki/policy/move"'),
    "new page under link": ("/wiki/policy", 'href="/-/new?space=main&amp;parent=policy"'),
    "delete tab": ("/wiki/policy", 'href="/wiki/policy/delete"'),
    "new page link": ("/wiki/policy", 'href="/-/new"'),
    "admin link": ("/wiki/policy", 'href="/-/admin/users"'),
    "restore in history": ("/wiki/policy/history", 'href="/wiki/policy/rev/1/restore"'),
    "restore link in history": ("/wiki/policy/history", ">restore…</a>"),
    "restore on an old revision": ("/wiki/policy/rev/1", "Restore this revision"),
}

SHOWN = {
    "reader": set(),
    "editor": {"edit tab", "rename tab", "move tab", "new page under link", "new page link"},
    "admin": set(CONTROLS),
}


@pytest.mark.parametrize("role", SHOWN)
def test_each_role_sees_only_the_controls_it_may_use(client, auth, pages, role):
    auth.login(role)
    html = {url: client.get(url).get_data(as_text=True) for url, _ in CONTROLS.values()}
    shown = {name for name, (url, marker) in CONTROLS.items() if marker in html[url]}
    assert shown == SHOWN[role]


def test_editors_do_not_see_deleted_pages(client, auth, pages):
    auth.login("editor")
    assert client.get("/wiki/old-plan").status_code == 404
    assert "Old plan" not in client.get("/-/recent").get_data(as_text=True)


def test_admins_see_deleted_pages_and_can_undelete_them(client, auth, pages):
    auth.login("admin")
    page = client.get("/wiki/old-plan")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This page was deleted by" in html
    assert 'href="/wiki/old-plan/undelete"' in html
    assert 'href="/wiki/old-plan/edit"' not in html  # nobody edits a deleted page


def test_a_role_change_applies_to_a_logged_in_user_at_once(app, client, auth, pages, db_session):
    auth.login("editor")
    assert client.get("/-/admin/users").status_code == 403
    editor = db_session.scalar(select(User).where(User.username_key == "editor"))
    editor.role = Role.ADMIN
    db_session.commit()
    assert client.get("/-/admin/users").status_code == 200
