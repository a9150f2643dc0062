"""Security: CSRF on every form, safe redirects, cookies, escaping, error pages, secret key."""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile

import pytest
from flask import url_for
from werkzeug.test import encode_multipart

from wiki import create_app
from wiki.access import accounts, groups
from wiki.content.pages import Limits, create_page, edit_page
from wiki.db import get_database

from .conftest import PASSWORD, make_app
from .helpers import rule_arguments, snapshot


def token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


# --- CSRF ---------------------------------------------------------------------------------


def _post_routes():
    """Every URL of the app that accepts POST, with its arguments filled in."""
    app = create_app(
        {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "INSTANCE_PATH": tempfile.gettempdir()}
    )
    get_database(app).dispose()
    values = {
        "slug": "policy",
        "username": "editor",
        "number": 1,
        "key": "sample",
        "invite_id": 99999,
        "token": "no-such-invite",
        "position": 0,
        "name": "plan.txt",
        "page_id": 1,
        "subscription_id": 1,
    }
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint in WITHOUT_FORM_TOKEN:
            continue
        for args in rule_arguments(rule, values):
            choice = [args[name] for name in ("change",) if name in args]
            if rule.endpoint == "pages.undelete":
                args["slug"] = "old-plan"
            if rule.endpoint == "actions.tick":
                args["slug"] = "handbook"  # a page with a box to tick
            routes.append(pytest.param(rule.endpoint, args, id=" ".join([rule.endpoint, *choice])))
    return routes


# POST routes that take no form token, and why; each has a test of its own proof.
WITHOUT_FORM_TOKEN = {
    # An e-mail's one-click unsubscribe link (RFC 8058): its signed token is the proof.
    "notifications.unsubscribe",
}

# What each form sends when used for real (so a refusal is down to the missing token).
FORMS = {
    "auth.setup": {"username": "x", "password": PASSWORD, "password_confirm": PASSWORD},
    "auth.login": {"username": "admin", "password": PASSWORD},
    "pages.new": {"title": "Forged page", "body": "forged", "summary": ""},
    "pages.edit": {"body": "forged\n", "base": "2", "summary": ""},
    "pages.preview": {"body": "*forged*"},
    "drafts.save": {"body": "forged\n", "base": "2"},
    "drafts.discard": {},
    "spaces.new": {"key": "forged", "name": "Forged space", "description": ""},
    "spaces.edit": {"name": "Forged space", "description": "", "home": ""},
    "pages.rename": {"title": "Forged title", "summary": ""},
    "tree.move": {"space": "main", "parent": "Handbook", "confirm": "yes"},
    "pages.delete": {"summary": "forged"},
    "history.restore": {"current": "2", "reason": "forged"},
    "actions.tick": {"base": "1", "done": "1"},
    "files.upload": {"file": (b"forged", "forged.txt"), "comment": "forged"},
    "files.delete": {},
    "files.undelete": {},
    "files.restore": {"version": "1"},
    "notifications.mark_read": {"all": "1"},
    "notifications.stop": {"key": "page:1"},
    "notifications.watch_tag": {"tag": "forged"},
    "notifications.settings": {"email_frequency": "off"},
    "notifications.watch_page": {"target": "subtree"},
    "notifications.watch_space": {},
    "notifications.space_subscriptions": {"group": "sample", "frequency": "weekly"},
    "notifications.follow_through_group": {"follow": "0"},
    "reviews.page_review": {"action": "verify", "note": "forged"},
    "pages.undelete": {"summary": "forged"},
    "admin.users": {"username": "forged", "password": PASSWORD, "role": "admin"},
    "admin.change_user": {"role": "admin", "password": "forged password!"},
    "groups.new": {"key": "forged", "name": "Forged"},
    "groups.edit": {"name": "Forged"},
    "groups.members": {"usernames": "reader", "confirm": "yes"},
    "access.grant": {"who": "group", "name": "sample", "level": "admin", "confirm": "yes"},
    "access.restrict": {"kind": "read", "groups": "sample", "people": "", "confirm": "yes"},
    "admin.invites_page": {"email": "forged@example.com", "role": "admin"},
    "people.account": {"display_name": "Forged", "email": "", "time_zone": "Asia/Tokyo"},
    "people.change_password": {
        "old_password": PASSWORD,
        "password": "forged password!",
        "password_confirm": "forged password!",
    },
    "people.make_feed_token": {},
    "people.revoke_feed_token": {},
    "auth.accept_invite": {"username": "x", "password": PASSWORD, "password_confirm": PASSWORD},
}


@pytest.fixture
def csrf_client(database_url, tmp_path, pages, policy_files):
    """A browser logged in as the admin, on a wiki with CSRF protection on (as deployed)."""
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    session = get_database(app).session()
    try:
        admin = accounts.get_user(session, "admin")
        sample = groups.create_group(session, admin, "sample", "Sample")  # "editor" a member
        groups.change_members(session, admin, sample, "add", "editor")
        # Moves go here; it has a box to tick.
        create_page(session, admin, "Handbook", "Read this.\n\n- [ ] exits\n", "", Limits())
        session.commit()
    finally:
        session.close()
    client = app.test_client()
    token = token_from(client.get("/-/login").get_data(as_text=True))
    response = client.post(
        "/-/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    yield client
    get_database(app).dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("endpoint", "args"), _post_routes())
def test_every_form_is_refused_without_its_csrf_token(csrf_client, endpoint, args):
    """SQLite only: the token is checked before any database work, on every backend alike."""
    app = csrf_client.application
    with app.test_request_context():
        url = url_for(endpoint, **args)
    form = FORMS.get(endpoint, {})
    before = snapshot(app)

    def data(**more):  # a file to send, (bytes, name), is read anew for each request
        return {
            k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in form.items()
        } | more

    refused = csrf_client.post(url, data=data())
    forged = csrf_client.post(url, data=data(csrf_token="forged"))

    for response in (refused, forged):
        assert response.status_code == 400
        assert "Your form expired" in response.get_data(as_text=True)
    assert snapshot(app) == before
    # The same form with the session's token goes through: the token alone made the difference.
    token = token_from(csrf_client.get("/-/recent").get_data(as_text=True))
    assert csrf_client.post(url, data=data(csrf_token=token)).status_code != 400


def test_a_csrf_token_from_another_visitors_session_is_refused(csrf_client):
    app = csrf_client.application
    stranger = app.test_client()
    their_token = token_from(stranger.get("/-/login").get_data(as_text=True))
    before = snapshot(app)
    response = csrf_client.post("/-/new", data={**FORMS["pages.new"], "csrf_token": their_token})
    assert response.status_code == 400
    assert snapshot(app) == before


def test_an_edit_refused_for_its_token_gives_the_users_text_back(csrf_client):
    text = "Three hours of careful writing.\nWith <b>markup</b> & more.\n"
    response = csrf_client.post(
        "/wiki/policy/edit", data={"body": text, "base": "2", "summary": ""}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your text is below" in html
    assert "Three hours of careful writing.\nWith &lt;b&gt;markup&lt;/b&gt; &amp; more." in html
    assert "<b>markup</b>" not in html


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/-/login", {"username": "admin", "password": PASSWORD}),
        ("/wiki/policy/rename", {"title": "Travel policy", "summary": ""}),
        ("/wiki/policy/delete", {"summary": "old"}),
        ("/-/admin/users/editor/role", {"role": "reader"}),
        ("/-/admin/users", {"username": "newbie", "password": PASSWORD, "role": "editor"}),
        ("/wiki/policy/edit", {"body": "", "base": "2", "summary": "emptied"}),
    ],
    ids=["login", "rename", "delete", "admin role", "admin create", "edit emptied"],
)
def test_an_expired_form_without_text_says_nothing_was_saved_and_promises_no_text(
    csrf_client, url, data
):
    response = csrf_client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nothing was saved. Go back, reload the page and try again." in html
    assert "Your text" not in html and "<textarea" not in html


# --- redirects after login --------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https:evil.example",
    "evil.example",
    "\x00//evil.example",
    "/\x00/evil.example",
    "/\r\nLocation: https://evil.example",
]


def test_login_never_redirects_off_site(app, users):
    for target in OFF_SITE:
        for where in ("query_string", "data"):
            client = app.test_client()
            form = {"username": "editor", "password": PASSWORD}
            if where == "data":
                form["next"] = target
                response = client.post("/-/login", data=form)
            else:
                response = client.post("/-/login", data=form, query_string={"next": target})
            assert response.status_code == 302, repr(target)
            assert response.location == "/", repr(target)
        # Already logged in: the login page sends the visitor on at once, just as safely.
        again = client.get("/-/login", query_string={"next": target})
        assert again.location == "/", repr(target)


def test_the_login_form_does_not_carry_an_off_site_target(app, users):
    client = app.test_client()
    for target in ["//evil.example", "https://evil.example", "javascript:alert(1)"]:
        html = client.get("/-/login", query_string={"next": target}).get_data(as_text=True)
        assert 'name="next" value="/"' in html
        assert "evil.example" not in html and "javascript:" not in html


def test_login_does_redirect_to_a_page_of_the_wiki(app, users):
    client = app.test_client()
    response = client.post(
        "/-/login",
        data={"username": "editor", "password": PASSWORD},
        query_string={"next": "/wiki/policy/history?before=5"},
    )
    assert response.location == "/wiki/policy/history?before=5"


# --- cookies ------------------------------------------------------------------------------


def cookie_header(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie was set")


def test_login_cookies_are_http_only_and_same_site_lax(client, users):
    response = client.post(
        "/-/login", data={"username": "editor", "password": PASSWORD, "remember": "on"}
    )
    for name in ("session", "remember_token"):
        header = cookie_header(response, name)
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Secure" not in header  # plain-HTTP installs still work by default


def test_session_cookies_are_secure_when_configured(database_url, tmp_path, users):
    app = make_app(database_url, tmp_path, SESSION_COOKIE_SECURE=True)
    try:
        response = app.test_client().post(
            "/-/login", data={"username": "editor", "password": PASSWORD}
        )
        assert "Secure" in cookie_header(response, "session")
    finally:
        get_database(app).dispose()


def test_all_login_cookies_are_secure_when_the_environment_asks(
    database_url, tmp_path, users, monkeypatch
):
    monkeypatch.setenv("WIKI_SECURE_COOKIES", "1")
    app = make_app(database_url, tmp_path)
    try:
        response = app.test_client().post(
            "/-/login", data={"username": "editor", "password": PASSWORD, "remember": "on"}
        )
        for name in ("session", "remember_token"):
            header = cookie_header(response, name)
            assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    finally:
        get_database(app).dispose()


# --- escaping of user text ------------------------------------------------------------------

TITLE = "<script>alert(1)</script>"
SUMMARY = "<img src=x onerror=alert(1)>"
LINE = "<script>alert(2)</script>"


@pytest.fixture
def hostile_page(users, db_session):
    """A page whose title, text and edit summary are all markup."""
    editor = users["editor"]
    page = create_page(db_session, editor, TITLE, f"Intro\n{LINE}\n", SUMMARY, Limits()).page
    edit_page(
        db_session, editor, page, 1, f"Intro changed\n{LINE}\nmore {LINE}\n", SUMMARY, Limits()
    )
    db_session.commit()
    return page.slug


def test_user_text_is_escaped_everywhere_it_is_shown(client, auth, hostile_page):
    auth.login("admin")  # admins see every control and link
    slug = hostile_page
    shows_title = [
        f"/wiki/{slug}",
        f"/wiki/{slug}/history",
        f"/wiki/{slug}/diff/1/2",
        f"/wiki/{slug}/diff/1/2?view=side",
        f"/wiki/{slug}/diff/1/2?view=rendered",
        f"/wiki/{slug}/blame",
        f"/wiki/{slug}/rev/1",
        f"/wiki/{slug}/rev/1/restore",
        f"/wiki/{slug}/edit",
        f"/wiki/{slug}/rename",
        f"/wiki/{slug}/move",
        f"/wiki/{slug}/delete",
        f"/wiki/{slug}/links",
        "/-/orphans",
        "/-/recent",
        "/-/users/editor/contributions",
    ]
    shows_summary = [
        f"/wiki/{slug}/history",
        f"/wiki/{slug}/diff/1/2",
        f"/wiki/{slug}/blame",
        f"/wiki/{slug}/rev/2",
        "/-/recent",
        "/-/users/editor/contributions",
    ]
    shows_text = [
        f"/wiki/{slug}",
        f"/wiki/{slug}/diff/1/2",
        f"/wiki/{slug}/diff/1/2?view=side",
        f"/wiki/{slug}/diff/1/2?view=rendered",
        f"/wiki/{slug}/blame",
        f"/wiki/{slug}/rev/1",
        f"/wiki/{slug}/rev/1/restore",
    ]
    for url in set(shows_title + shows_summary + shows_text):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        for raw in (TITLE, SUMMARY, LINE, "<script>alert", "<img src=x"):
            assert raw not in html, (url, raw)
        if url in shows_title:
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        if url in shows_summary:
            assert "&lt;img src=x onerror=alert(1)&gt;" in html, url
        if url in shows_text:
            assert "alert(2)" in html, url


def test_the_raw_text_is_served_as_plain_text_that_browsers_do_not_sniff(
    client, auth, hostile_page
):
    auth.login("reader")
    response = client.get(f"/wiki/{hostile_page}/rev/1/raw")
    assert response.mimetype == "text/plain"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert LINE in response.get_data(as_text=True)


def test_a_not_found_message_with_markup_in_the_address_is_escaped(client, auth):
    auth.login("reader")
    response = client.get("/-/users/<img src=x onerror=alert(1)>/contributions")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_usernames_cannot_contain_markup():
    for name in ["<script>", "a<b", "b>", "a&b", 'a"b', "a'b", "a/b"]:
        assert not accounts.USERNAME_PATTERN.match(name), name
    assert accounts.USERNAME_PATTERN.match("anna.berg-2_x")


# --- friendly error pages -------------------------------------------------------------------


def test_an_unknown_page_offers_creating_it_to_editors_only(app, users):
    editor, reader = app.test_client(), app.test_client()
    editor.post("/-/login", data={"username": "editor", "password": PASSWORD})
    reader.post("/-/login", data={"username": "reader", "password": PASSWORD})

    for browser, offered in ((editor, True), (reader, False)):
        response = browser.get("/wiki/onboarding-checklist")
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "There is no page “<bdi>Onboarding checklist</bdi>” yet" in html
        assert ("Create this page" in html) is offered
        assert ('href="/-/new?title=Onboarding+checklist"' in html) is offered


@pytest.mark.parametrize(
    ("role", "method", "url", "status", "message"),
    [
        ("reader", "GET", "/-/nothing-here", 404, "There is nothing at this address."),
        ("reader", "GET", "/wiki/policy/rev/99", 404, "Policy has no revision 99."),
        ("reader", "GET", "/-/admin/users", 403, "You do not have permission to do this."),
        ("editor", "POST", "/wiki/policy/delete", 403, "You do not have permission to do this."),
        ("reader", "GET", "/-/logout", 405, "That action is not possible here."),
        ("editor", "PUT", "/wiki/policy/edit", 405, "That action is not possible here."),
    ],
    ids=[
        "unknown address",
        "unknown revision",
        "forbidden page",
        "forbidden action",
        "wrong method",
        "unsupported method",
    ],
)
def test_errors_are_shown_as_friendly_pages_of_the_wiki(
    client, auth, pages, role, method, url, status, message
):
    auth.login(role)
    response = client.open(url, method=method)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in html
    assert "Go to the home page" in html and "Recent changes" in html  # the wiki's own layout


def test_a_wrong_method_answer_says_which_methods_are_allowed(client, auth):
    auth.login("reader")
    response = client.get("/-/logout")
    assert response.status_code == 405
    assert "POST" in response.headers.get("Allow", "")


def test_an_oversized_request_gets_a_friendly_413_and_nothing_is_saved(app, client, auth, pages):
    auth.login("editor")
    before = snapshot(app)
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)

    response = client.post("/-/new", data={"title": "Huge", "body": too_big, "summary": ""})

    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "What you sent is too large." in html
    assert "Go to the home page" in html
    assert snapshot(app) == before


def test_a_long_page_in_a_non_latin_script_can_still_be_saved(app, client, auth, pages):
    """Well under the page size limit, but over 500 kB as a form field."""
    auth.login("editor")
    body = ("Привет, коллеги! " * 6 + "\n") * 3000  # about 540 kB of text

    form = client.post("/-/new", data={"title": "Long form", "body": body, "summary": ""})
    boundary, upload = encode_multipart({"title": "Long upload", "body": body, "summary": ""})
    multipart = client.post(
        "/-/new", data=upload, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert (form.status_code, form.location) == (302, "/wiki/long-form")
    assert (multipart.status_code, multipart.location) == (302, "/wiki/long-upload")


# --- the secret key ---------------------------------------------------------------------------


def test_a_secret_key_is_made_when_a_session_first_needs_it_and_kept_private(
    database_url, tmp_path, monkeypatch
):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = make_app(database_url, tmp_path, SECRET_KEY=None)
    other = make_app(database_url, tmp_path / "elsewhere", SECRET_KEY=None)
    key_file = tmp_path / "instance" / "secret_key"
    try:
        assert not key_file.exists()  # building the app wrote nothing

        app.test_client().get("/-/login")
        other.test_client().get("/-/login")

        key = key_file.read_text().strip()
        assert len(key) >= 32 and app.config["SECRET_KEY"] == key
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        assert other.config["SECRET_KEY"] not in (None, key)  # random, not a built-in default
    finally:
        get_database(app).dispose()
        get_database(other).dispose()


def test_a_login_outlives_a_restart_with_the_generated_key(users, more_apps, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    before = more_apps(SECRET_KEY=None).test_client()
    response = before.post("/-/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 302

    after = more_apps(SECRET_KEY=None).test_client()  # a restart, or another worker
    after.set_cookie("session", before.get_cookie("session").value)

    assert after.get("/-/admin/users").status_code == 200


def test_a_secret_key_from_the_environment_wins_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    instance = tmp_path / "instance"
    app = create_app(
        {"DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(instance), "SEARCH_BACKGROUND": False}
    )
    with app.test_client().get("/static/css/wiki.css") as response:  # opens a session
        assert response.status_code == 200
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (instance / "secret_key").exists()
