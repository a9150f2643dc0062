"""Wiki links across spaces: ``[[Title]]`` resolves in the page's own space and
``[[key:Title]]`` in another; renderings are kept per space, so a page moved to another
space links anew; every place that renders (save, view, old revisions, preview, search)
renders in the page's space; a target the viewer may not read is shown missing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from wiki.content import spaces
from wiki.content.pages import Limits, create_page
from wiki.content.reading import page_view
from wiki.content.render import RENDERER_VERSION
from wiki.db import get_database
from wiki.models import DEFAULT_SPACE_ID, Page, RenderedRevision
from wiki.search import documents

from .helpers import edit, make_page

ONBOARDING = (
    "Take [[Leave]] ([[Leave|the leave rules]]), read [[main:Home]], "
    "[[ops:Runbook|the runbook]] and [[Nowhere]].\n"
)


def _links(html: str) -> dict[str, str]:
    """The wiki links of a page: href -> class."""
    return dict(re.findall(r'<a href="(/wiki/[^"]*)" class="([^"]*)"', html))


@pytest.fixture
def world(db_session, users):
    """Spaces hr (open to the signed-in) and ops (private: admins only), with pages linking
    within and across them."""
    admin, editor = users["admin"], users["editor"]
    hr = spaces.create_space(db_session, admin, "hr", "People team")
    ops = spaces.create_space(db_session, admin, "ops", "Operations", open_to_signed_in=False)
    make_page(db_session, editor, "Home", "Welcome.\n")
    for title, body, space, author in [
        ("Leave", "Days off.\n", hr, editor),
        ("Onboarding", ONBOARDING, hr, editor),
        ("Runbook", "Restart it.\n", ops, admin),
    ]:
        create_page(db_session, author, title, body, "", Limits(), space=space)
    db_session.commit()
    return hr, ops


def test_links_resolve_in_the_pages_space_and_reach_others_by_key(client, auth, world):
    auth.login("editor")
    html = client.get("/wiki/hr:onboarding").get_data(as_text=True)
    assert _links(html) == {
        "/wiki/hr%3Aleave": "wikilink",
        "/wiki/home": "wikilink",  # main: is the default space, whose slugs have no key
        "/wiki/ops%3Arunbook": "wikilink missing",  # ops is not open to the editor
        "/wiki/hr%3Anowhere": "wikilink missing",
    }
    assert ">the leave rules</a>" in html and ">main:Home</a>" in html
    assert ">the runbook</a>" in html
    assert "Restart it" not in html
    auth.logout()
    auth.login("admin")
    html = client.get("/wiki/hr:onboarding").get_data(as_text=True)
    assert _links(html)["/wiki/ops%3Arunbook"] == "wikilink"


def test_a_link_leads_to_the_page_of_the_other_space(client, auth, world):
    auth.login("editor")
    response = client.get("/wiki/hr%3Aleave")
    assert response.status_code == 200 and "Days off." in response.get_data(as_text=True)


def test_the_saved_rendering_records_its_space(db_session, world):
    hr, _ops = world
    rendered = dict(
        db_session.execute(
            select(Page.slug, RenderedRevision.space_id).join(
                RenderedRevision, RenderedRevision.revision_id == Page.current_revision_id
            )
        ).all()
    )
    assert rendered["hr:onboarding"] == hr.id and rendered["home"] == DEFAULT_SPACE_ID


def test_an_edit_renders_in_the_pages_space(client, auth, db_session, users, world):
    page = db_session.scalar(select(Page).where(Page.slug == "hr:leave"))
    edit(db_session, users["editor"], page, "See [[Onboarding]].\n")
    auth.login("reader")
    html = client.get("/wiki/hr:leave").get_data(as_text=True)
    assert _links(html) == {"/wiki/hr%3Aonboarding": "wikilink"}


def test_a_page_moved_to_another_space_is_rendered_there(app, client, auth, db_session, world):
    """A rendering made in another space than the page's is made again, like one of an
    older renderer, and stored for the new space."""
    page = db_session.scalar(select(Page).where(Page.slug == "hr:onboarding"))
    # What a move does to the page row (the move itself is another feature's).
    page.space_id, page.slug = DEFAULT_SPACE_ID, "onboarding"
    db_session.commit()
    auth.login("editor")
    html = client.get("/wiki/onboarding").get_data(as_text=True)
    assert _links(html) == {
        "/wiki/leave": "wikilink missing",  # the default space has no Leave
        "/wiki/home": "wikilink",
        "/wiki/ops%3Arunbook": "wikilink missing",
        "/wiki/nowhere": "wikilink missing",
    }
    db_session.rollback()
    stored = db_session.get(RenderedRevision, page.current_revision_id)
    db_session.refresh(stored)
    assert (stored.space_id, stored.renderer_version) == (DEFAULT_SPACE_ID, RENDERER_VERSION)
    assert "hr:leave" not in stored.wikilinks.split("\n")


def test_the_page_view_reads_page_and_rendering_in_one_statement(app, db_session, users, world):
    page = db_session.scalar(select(Page).where(Page.slug == "hr:onboarding"))
    engine = get_database(app).engine
    statements: list[str] = []

    def listener(*args):
        statements.append(args[2])

    with app.test_request_context():
        page_view(db_session, page.slug, users["admin"])  # anything lazy is loaded now
        db_session.rollback()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            shown = page_view(db_session, page.slug, users["admin"])
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert shown is not None and "the runbook" in shown.shown.html
    reading = [sql for sql in statements if "rendered_revisions" in sql]
    assert len(reading) == 1 and "FROM pages" in reading[0]
    assert not [sql for sql in statements if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_an_old_revision_is_shown_with_links_in_the_pages_space(
    client, auth, db_session, users, world
):
    page = db_session.scalar(select(Page).where(Page.slug == "hr:onboarding"))
    edit(db_session, users["editor"], page, "Nothing left.\n")
    db_session.execute(RenderedRevision.__table__.delete())  # derived data: made again
    db_session.commit()
    auth.login("editor")
    html = client.get("/wiki/hr:onboarding/rev/1").get_data(as_text=True)
    assert _links(html)["/wiki/hr%3Aleave"] == "wikilink"
    assert _links(html)["/wiki/hr%3Anowhere"] == "wikilink missing"


def test_the_search_index_renders_in_the_pages_space(app, db_session, world):
    db_session.execute(RenderedRevision.__table__.delete())
    db_session.commit()
    page = db_session.scalar(select(Page).where(Page.slug == "hr:onboarding"))
    seen: list[str] = []
    original = documents.fresh_rendering

    def spy(body, space="main", page_id=None):
        seen.append(space)
        return original(body, space, page_id)

    documents.fresh_rendering = spy  # type: ignore[assignment]
    try:
        (document,), _removed = documents.documents_for(db_session, [page.id])
    finally:
        documents.fresh_rendering = original  # type: ignore[assignment]
    assert seen == ["hr"]
    assert "the leave rules" in document.body and "the runbook" in document.body


# --------------------------------------------------------------------------- preview


def test_the_live_preview_renders_in_the_space_it_is_sent(client, auth, world):
    auth.login("editor")
    body = "[[Leave]] [[main:Home]] [[ops:Runbook]]"
    in_hr = client.post("/-/preview", data={"body": body, "space": "hr"}).get_json()
    assert _links(in_hr["html"]) == {
        "/wiki/hr%3Aleave": "wikilink",
        "/wiki/home": "wikilink",
        "/wiki/ops%3Arunbook": "wikilink missing",
    }
    in_main = client.post("/-/preview", data={"body": body}).get_json()
    assert _links(in_main["html"])["/wiki/leave"] == "wikilink missing"
    # A key is used as sent, whether or not a space has it: the answer tells nothing about
    # which spaces exist. Something that is no key is the default space.
    unknown = client.post("/-/preview", data={"body": body, "space": "nope"}).get_json()
    assert "/wiki/nope%3Aleave" in _links(unknown["html"])
    for odd in ("Not a key!", "x" * 40, ""):
        answer = client.post("/-/preview", data={"body": body, "space": odd}).get_json()
        assert "/wiki/leave" in _links(answer["html"]), odd


def test_the_editors_tell_the_preview_their_space(client, auth, world):
    auth.login("editor")
    form = client.get("/wiki/hr:leave/edit").get_data(as_text=True)
    assert 'data-space="hr"' in form
    form = client.get("/wiki/home/edit").get_data(as_text=True)
    assert 'data-space="main"' in form
    # The new page form's space select is the form's "space" field, read by the script.
    form = client.get("/-/new?space=hr").get_data(as_text=True)
    assert '<select id="space" name="space"' in form


def test_the_preview_button_renders_in_the_space_of_the_form(client, auth, world):
    auth.login("editor")
    new = client.post(
        "/-/new",
        data={"space": "hr", "title": "Benefits", "body": "[[Leave]]", "action": "preview"},
    ).get_data(as_text=True)
    assert _links(new)["/wiki/hr%3Aleave"] == "wikilink"
    edited = client.post(
        "/wiki/hr:onboarding/edit",
        data={"body": "[[Leave]] [[Home]]", "base": "1", "action": "preview"},
    ).get_data(as_text=True)
    assert _links(edited) == {"/wiki/hr%3Aleave": "wikilink", "/wiki/hr%3Ahome": "wikilink missing"}


def test_the_conflict_screen_previews_in_the_pages_space(client, auth, db_session, users, world):
    page = db_session.scalar(select(Page).where(Page.slug == "hr:leave"))
    edit(db_session, users["admin"], page, "Days off, theirs.\n")
    auth.login("editor")
    response = client.post("/wiki/hr:leave/edit", data={"body": "Days off, mine.\n", "base": "1"})
    assert response.status_code == 409
    assert 'data-space="hr"' in response.get_data(as_text=True)


# --------------------------------------------------------------------------- addresses


def test_a_missing_page_of_a_space_offers_to_write_it_there(client, auth, world):
    auth.login("editor")
    response = client.get("/wiki/hr:new-rules")
    assert response.status_code == 404
    assert 'href="/-/new?title=New+rules&amp;space=hr"' in response.get_data(as_text=True)
    response = client.get("/wiki/nothing-yet")
    assert 'href="/-/new?title=Nothing+yet"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "address"),
    [("/wiki/HR:Leave", "/wiki/hr:leave"), ("/wiki/main:Home", "/wiki/home")],
)
def test_a_hand_typed_address_in_a_space_leads_to_its_page(client, auth, world, typed, address):
    auth.login("editor")
    response = client.get(typed)
    assert response.status_code == 301 and response.location == address
