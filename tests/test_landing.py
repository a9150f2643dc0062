"""The landing page (``/``): the viewer's spaces with the pages they may read counted, the
pages changed last that they may read, the site's home page when they may read it, and
"New page" for those who may write; in a few statements, however many spaces there are."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from wiki.access import restrictions
from wiki.access.people import update_profile
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, delete_page
from wiki.db import get_database
from wiki.models import Page

from .conftest import make_app
from .helpers import make_page


@pytest.fixture
def world(db_session, users):
    """main: Home, Policy, Old plan (deleted); hr (open to the signed-in): Leave, Hiring;
    ops (private: site admins only): Runbook. Each page a minute newer than the one before,
    in this order."""
    admin, editor = users["admin"], users["editor"]
    update_profile(db_session, editor, "Eddie Tor", "", "Asia/Tokyo")
    hr = spaces.create_space(db_session, admin, "hr", "People team", "Hiring and leave.")
    ops = spaces.create_space(db_session, admin, "ops", "Operations", open_to_signed_in=False)
    made = []
    for title, space, author in [
        ("Home", None, editor),
        ("Policy", None, editor),
        ("Old plan", None, editor),
        ("Leave", hr, editor),
        ("Hiring", hr, admin),
        ("Runbook", ops, admin),
    ]:
        made.append(
            create_page(db_session, author, title, f"{title}.\n", "", Limits(), space=space).page
        )
    delete_page(db_session, admin, made[2], "")
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for minutes, page in enumerate(made):
        db_session.execute(
            update(Page)
            .where(Page.id == page.id)
            .values(updated_at=start + timedelta(minutes=minutes))
        )
    db_session.commit()
    return made


def _recent(html: str) -> list[str]:
    section = html.split('id="landing-recent-heading"', 1)[1]
    return re.findall(r'class="page-title" href="/wiki/([^"]+)"', section)


def _spaces(html: str) -> dict[str, str]:
    """Space key -> its count line, as the landing page lists them."""
    section = html.split('id="landing-spaces-heading"', 1)[1].split("</section>", 1)[0]
    return dict(
        re.findall(
            r'<span class="space-key">([^<]+)</span>.*?<p class="help">([^<]+)</p>', section, re.S
        )
    )


def test_an_editor_sees_the_spaces_and_pages_they_may_read(client, auth, world):
    auth.login("editor")
    html = client.get("/").get_data(as_text=True)
    assert _spaces(html) == {"main": "2 pages", "hr": "2 pages"}  # Old plan is deleted
    assert "Hiring and leave." in html
    assert _recent(html) == ["hr:hiring", "hr:leave", "policy", "home"]
    assert "Operations" not in html and "Runbook" not in html and "Old plan" not in html
    assert 'href="/-/new">New page</a>' in html


def test_an_admin_sees_every_space_and_page(client, auth, world):
    auth.login("admin")
    html = client.get("/").get_data(as_text=True)
    # Admins may read deleted pages, so the count has them, like the space directory's;
    # the recent pages are the live ones.
    assert _spaces(html) == {"main": "3 pages", "hr": "2 pages", "ops": "1 page"}
    assert _recent(html) == ["ops:runbook", "hr:hiring", "hr:leave", "policy", "home"]
    assert _spaces(html) == _spaces_of_directory(client)


def _spaces_of_directory(client) -> dict[str, str]:
    html = client.get("/-/spaces").get_data(as_text=True)
    return dict(
        re.findall(
            r'<span class="space-key">([^<]+)</span>.*?<p class="help">([^<]+)</p>', html, re.S
        )
    )


def test_each_recent_page_says_where_it_lives_who_changed_it_and_when(client, auth, world):
    auth.login("reader")
    html = client.get("/").get_data(as_text=True)
    item = html.split('href="/wiki/hr:leave"', 1)[1].split("</li>", 1)[0]
    assert 'in <a href="/-/spaces/hr"><bdi>People team</bdi></a>' in item
    assert 'href="/-/people/editor"' in item and "Eddie Tor" in item
    # In the reader's zone (the site's default, UTC), not the author's.
    assert '<time datetime="2026-03-01T09:03:00+00:00">2026-03-01 09:03 UTC</time>' in item
    assert 'href="/-/new"' not in html  # readers write nothing


def test_at_most_fifteen_pages_are_listed_newest_first(client, auth, db_session, users):
    for number in range(18):
        make_page(db_session, users["editor"], f"Note {number}", "x\n")
    auth.login("reader")
    listed = _recent(client.get("/").get_data(as_text=True))
    assert listed == [f"note-{number}" for number in range(17, 2, -1)]


def test_the_home_page_is_linked_only_when_the_viewer_may_read_it(
    client, auth, db_session, users, world
):
    home = world[0]
    auth.login("reader")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/wiki/home">Go to the home page' in html
    restrictions.set_restriction(db_session, users["admin"], home, "read", "", "editor")
    db_session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Go to the home page" not in html and 'href="/wiki/home"' not in html
    assert "Write the home page" not in html  # readers write nothing


def test_writers_are_offered_to_write_a_missing_home_page(client, auth, users):
    auth.login("editor")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/-/new?title=Home">Write the home page</a>' in html
    assert "No pages yet." in html


def test_visitors_see_what_visitors_may_read(database_url, tmp_path, world):
    app = make_app(database_url, tmp_path, ANONYMOUS_READ=True)
    try:
        html = app.test_client().get("/").get_data(as_text=True)
    finally:
        get_database(app).dispose()
    assert _spaces(html) == {"main": "2 pages"}  # hr is open to the signed-in only
    assert _recent(html) == ["policy", "home"]
    assert 'href="/-/new"' not in html


def test_visitors_who_may_not_read_are_sent_to_log_in(client, world):
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/-/login")


def _statements(app, client) -> list[str]:
    engine = get_database(app).engine
    statements: list[str] = []

    def listener(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return statements


def test_the_landing_page_takes_the_same_few_statements_however_many_spaces(
    app, client, auth, db_session, users, world
):
    auth.login("editor")
    client.get("/")
    before = _statements(app, client)
    for number in range(8):
        space = spaces.create_space(db_session, users["admin"], f"team-{number}", f"Team {number}")
        create_page(db_session, users["editor"], "Notes", "x\n", "", Limits(), space=space)
    db_session.commit()
    client.get("/")  # the new access generation is read once
    after = _statements(app, client)
    assert len(after) == len(before) <= 8
    assert len(_spaces(client.get("/").get_data(as_text=True))) == 10
    assert db_session.scalar(select(Page.id).where(Page.slug == "team-7:notes"))
