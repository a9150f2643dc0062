"""Atom feeds of recent changes, and the personal feed tokens that let feed readers read
them: valid Atom, newest first, never a page the reader may not read, tokens that work for
feeds only and stop when revoked or when the account is disabled."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from wiki.access import accounts, feed_tokens, restrictions
from wiki.content import feeds, spaces
from wiki.content.pages import Limits, create_page
from wiki.models import AuditEvent, Revision, Role

from .conftest import PASSWORD
from .helpers import edit

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{ATOM}feed"
    return root


def titles(root: ET.Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.iter(f"{ATOM}entry")]


def entries(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{ATOM}entry"))


@pytest.fixture
def secret(users, pages, db_session):
    """ "Salaries", tagged "pay" and "money", readable by the editor only (a restriction),
    written by the editor; "Pay scale", tagged "money", readable by all."""
    editor, admin = users["editor"], users["admin"]
    page = create_page(
        db_session, editor, "Salaries", "Alice: 10.\n", "", Limits(), tags="pay, money"
    ).page
    create_page(db_session, editor, "Pay scale", "Grades.\n", "", Limits(), tags="money")
    restrictions.set_restriction(db_session, admin, page, "read", "", "editor")
    db_session.commit()
    return page


def _token_of(client) -> str:
    response = client.post("/-/account/feed-token")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    found = re.search(
        r"Your new feed token is <code>([^<]+)</code>", response.get_data(as_text=True)
    )
    assert found, "the new token is shown"
    return found.group(1)


# --- the feeds ------------------------------------------------------------------------


def test_the_feed_of_recent_changes_is_atom_newest_first(client, auth, pages):
    auth.login("admin")
    root = parse(client.get("/-/feeds/recent"))
    assert root.findtext(f"{ATOM}id") == "http://localhost/-/feeds/recent"
    assert titles(root) == [
        "“Old plan” deleted",
        "“Old plan” created",
        "“Policy” edited",
        "“Policy” created",
    ]
    updated = [entry.findtext(f"{ATOM}updated") for entry in entries(root)]
    assert updated == sorted(updated, reverse=True)
    assert root.findtext(f"{ATOM}updated") == updated[0]
    edited = entries(root)[2]
    assert edited.findtext(f"{ATOM}author/{ATOM}name") == "editor"
    assert edited.findtext(f"{ATOM}summary") == "flights"
    link = edited.find(f"{ATOM}link[@rel='alternate']")
    assert link is not None and urlsplit(link.get("href")).path == "/wiki/policy/diff/1/2"
    assert re.fullmatch(r"tag:localhost,\d{4}-\d\d-\d\d:revision/\d+", edited.findtext(f"{ATOM}id"))
    # What changed: the added line.
    content = ET.tostring(edited.find(f"{ATOM}content"), encoding="unicode")
    assert "+ Fly overseas." in content
    # Ids are stable: the same feed read again names its entries alike.
    again = parse(client.get("/-/feeds/recent"))
    assert [e.findtext(f"{ATOM}id") for e in entries(again)] == [
        e.findtext(f"{ATOM}id") for e in entries(root)
    ]


def test_deleted_pages_are_in_the_feeds_of_those_who_see_them_only(client, auth, pages):
    auth.login("editor")
    assert not any("Old plan" in title for title in titles(parse(client.get("/-/feeds/recent"))))


def test_a_feed_holds_at_most_fifty_entries(client, auth, pages, users, db_session):
    page = pages["policy"]
    for number in range(feeds.MAX_ENTRIES + 3):
        edit(db_session, users["editor"], page, f"Version {number}.\n")
    auth.login("reader")
    root = parse(client.get("/-/feeds/pages/policy"))
    numbers = [e.findtext(f"{ATOM}content/*/*") for e in entries(root)]
    assert len(numbers) == feeds.MAX_ENTRIES
    assert "(revision 55)" in (numbers[0] or "")


def test_the_excerpt_of_a_large_change_is_bounded():
    old = "".join(f"line {n}\n" for n in range(100))
    new = "".join(f"line {n}\n" for n in range(100) if n % 10) + "the end\n"
    excerpt = feeds.excerpt(old, new)
    assert len(excerpt.lines) == feeds.EXCERPT_LINES
    assert excerpt.lines[0].kind == "delete" and excerpt.lines[0].text == "line 0"
    assert excerpt.more == 10 + 1 - feeds.EXCERPT_LINES
    long_line = feeds.excerpt("", "x" * 10_000 + "\n").lines[0].text
    assert len(long_line) == feeds.EXCERPT_LINE_CHARS + 1 and long_line.endswith("…")


def test_the_space_page_and_person_feeds_hold_their_own_changes(client, auth, pages, secret):
    auth.login("editor")
    assert titles(parse(client.get("/-/feeds/pages/policy"))) == [
        "“Policy” edited",
        "“Policy” created",
    ]
    assert "“Salaries” created" in titles(parse(client.get("/-/feeds/spaces/main")))
    # The admin only deleted "Old plan", which editors do not see.
    assert titles(parse(client.get("/-/feeds/people/admin"))) == []
    assert "“Salaries” created" in titles(parse(client.get("/-/feeds/people/editor")))
    assert titles(parse(client.get("/-/feeds/tags/pay"))) == ["“Salaries” created"]
    # Tags are matched whole and as stored (case-folded).
    assert titles(parse(client.get("/-/feeds/tags/MONEY"))) == [
        "“Pay scale” created",
        "“Salaries” created",
    ]
    assert client.get("/-/feeds/tags/pa").status_code == 404


FEEDS_SHOWING_SALARIES = [
    "/-/feeds/recent",
    "/-/feeds/spaces/main",
    "/-/feeds/pages/salaries",
    "/-/feeds/tags/pay",
    "/-/feeds/tags/money",
    "/-/feeds/people/editor",
]


@pytest.mark.parametrize("who", ["editor", "admin"])
def test_a_restricted_page_is_in_the_feeds_of_those_who_may_read_it(client, auth, secret, who):
    auth.login(who)
    for url in FEEDS_SHOWING_SALARIES:
        assert "“Salaries” created" in titles(parse(client.get(url))), url


def test_a_restricted_page_is_in_no_feed_of_those_who_may_not_read_it(client, auth, secret):
    auth.login("reader")
    for url in ["/-/feeds/recent", "/-/feeds/spaces/main", "/-/feeds/tags/money"]:
        body = client.get(url).get_data(as_text=True)
        assert "Salaries" not in body and "Alice" not in body, url
    person = client.get("/-/feeds/people/editor").get_data(as_text=True)
    assert "Policy" in person and "Salaries" not in person


def _not_found_alike(client, hidden: str, missing: str, name: str, other: str) -> None:
    a, b = client.get(hidden), client.get(missing)
    assert a.status_code == b.status_code == 404
    # The logout form's CSRF token is signed with the time: not information.
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert token.sub("", a.get_data(as_text=True).replace(name, other)) == token.sub(
        "", b.get_data(as_text=True)
    )


def test_what_the_reader_may_not_see_answers_like_what_does_not_exist(
    client, auth, secret, users, db_session
):
    spaces.create_space(db_session, users["admin"], "payroll", "Payroll", open_to_signed_in=False)
    former = accounts.create_user(db_session, "former", PASSWORD, Role.EDITOR)
    accounts.set_disabled(db_session, former, True)
    db_session.commit()
    auth.login("reader")
    _not_found_alike(client, "/-/feeds/pages/salaries", "/-/feeds/pages/wages", "salaries", "wages")
    _not_found_alike(client, "/-/feeds/tags/pay", "/-/feeds/tags/pax", "pay", "pax")
    _not_found_alike(
        client, "/-/feeds/spaces/payroll", "/-/feeds/spaces/nothing", "payroll", "nothing"
    )
    # A disabled account's changes are as unknown as a name nobody has.
    _not_found_alike(client, "/-/feeds/people/former", "/-/feeds/people/nobody", "former", "nobody")


def test_hostile_text_comes_out_escaped_in_valid_xml(client, auth, users, db_session):
    title = '<script>alert(1)</script> ]]> & "q"'
    body = "<b>bold</b> ]]>\n<script>x()</script>\n"
    page = create_page(db_session, users["editor"], title, body, "<i>sum</i> ]]>", Limits()).page
    db_session.commit()
    # Text from before today's checks (or written around them) may hold control characters
    # (PostgreSQL holds no NUL, SQLite may: the replacement covers both).
    db_session.execute(
        update(Revision).where(Revision.page_id == page.id).values(summary="bell\x07 escape\x1b?")
    )
    db_session.commit()
    auth.login("reader")
    response = client.get("/-/feeds/recent")
    raw = response.get_data()
    assert b"<script>" not in raw and b"<b>" not in raw and b"\x07" not in raw
    root = parse(response)
    entry = entries(root)[0]
    assert entry.findtext(f"{ATOM}title") == f"“{title}” created"
    assert entry.findtext(f"{ATOM}summary") == "bell\ufffd escape\ufffd?"
    content = "".join(entry.find(f"{ATOM}content").itertext())
    assert "+ <script>x()</script>" in content and "+ <b>bold</b> ]]>" in content


def test_visitors_read_feeds_when_the_wiki_lets_them(more_apps, pages):
    closed = more_apps().test_client().get("/-/feeds/recent")
    assert closed.status_code == 302 and urlsplit(closed.location).path == "/-/login"
    opened = more_apps(ANONYMOUS_READ=True).test_client().get("/-/feeds/recent")
    assert titles(parse(opened)) == ["“Policy” edited", "“Policy” created"]


def test_pages_offer_their_feeds(client, auth, pages):
    auth.login("reader")
    for url, feed in [
        ("/-/recent", "/-/feeds/recent"),
        ("/wiki/policy", "/-/feeds/pages/policy"),
        ("/wiki/policy/history", "/-/feeds/pages/policy"),
        ("/-/spaces/main", "/-/feeds/spaces/main"),
        ("/-/people/editor", "/-/feeds/people/editor"),
    ]:
        html = client.get(url).get_data(as_text=True)
        assert '<link rel="alternate" type="application/atom+xml" title="' in html, url
        assert f'href="{feed}"' in html, url


# --- feed tokens ----------------------------------------------------------------------


def test_a_token_reads_the_feeds_as_its_owner_and_nothing_else(app, client, auth, secret):
    auth.login("reader")
    token = _token_of(client)
    reader = app.test_client()  # a feed reader: no login
    response = reader.get(f"/-/feeds/recent?token={token}")
    assert "Set-Cookie" not in response.headers
    shown = titles(parse(response))
    assert "“Policy” edited" in shown and not any("Salaries" in t for t in shown)
    assert reader.get(f"/-/feeds/pages/salaries?token={token}").status_code == 404
    # It logged nobody in, and no other address takes it.
    for url in ["/-/recent", "/wiki/policy", "/-/account", "/-/people/reader"]:
        answer = reader.get(f"{url}?token={token}")
        assert answer.status_code == 302 and urlsplit(answer.location).path == "/-/login", url
    answer = reader.get("/-/feeds/recent")
    assert answer.status_code == 302 and urlsplit(answer.location).path == "/-/login"
    assert reader.post(f"/-/feeds/recent?token={token}").status_code == 405


def test_a_token_acts_as_its_owner_whoever_is_signed_in(app, client, auth, secret):
    auth.login("editor")
    token = _token_of(client)
    reader_browser = app.test_client()
    reader_browser.post("/-/login", data={"username": "reader", "password": PASSWORD})
    assert "“Salaries” created" not in titles(parse(reader_browser.get("/-/feeds/recent")))
    as_editor = reader_browser.get(f"/-/feeds/tags/pay?token={token}")
    assert titles(parse(as_editor)) == ["“Salaries” created"]


def test_a_revoked_or_replaced_token_stops_working(app, client, auth, pages, db_session):
    auth.login("reader")
    first = _token_of(client)
    second = _token_of(client)  # replaces the first
    reader = app.test_client()
    assert reader.get(f"/-/feeds/recent?token={first}").status_code == 403
    assert reader.get(f"/-/feeds/recent?token={second}").status_code == 200
    html = client.get("/-/account").get_data(as_text=True)
    assert "You have a feed token, made" in html and second not in html
    revoked = client.post("/-/account/feed-token/revoke")
    assert revoked.status_code == 302
    refused = reader.get(f"/-/feeds/recent?token={second}")
    assert refused.status_code == 403
    assert "feed token was revoked or replaced" in refused.get_data(as_text=True)
    assert "You have no feed token." in client.get("/-/account").get_data(as_text=True)
    actions = db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["user.feed_token", "user.feed_token", "user.feed_token_revoke"]


def test_a_disabled_accounts_token_stops_working(app, client, auth, pages, db_session, users):
    auth.login("editor")
    token = _token_of(client)
    reader = app.test_client()
    assert reader.get(f"/-/feeds/people/editor?token={token}").status_code == 200
    accounts.set_disabled(db_session, accounts.get_user(db_session, "editor"), True)
    db_session.commit()
    assert reader.get(f"/-/feeds/people/reader?token={token}").status_code == 403


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 5000, "%00"])
def test_an_unknown_token_is_refused_saying_nothing_of_anyone(app, pages, token):
    response = app.test_client().get(f"/-/feeds/pages/policy?token={token}")
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Policy" not in body and "editor" not in body


def test_only_a_hash_of_the_token_is_stored(client, auth, pages, db_session, users):
    auth.login("reader")
    token = _token_of(client)
    stored = feed_tokens.token_of(db_session, users["reader"])
    assert stored is not None and token not in stored.token_hash
    assert feed_tokens.owner_of(db_session, token).username == "reader"


def test_characters_xml_cannot_hold_are_replaced_and_the_others_kept():
    assert feeds.xml_text("a\x00b\x1fc\ud800d\ufffe\tok\n") == "a\ufffdb\ufffdc\ufffdd\ufffd\tok\n"
    assert feeds.xml_text("日本 👍 ]]> <&>") == "日本 👍 ]]> <&>"
