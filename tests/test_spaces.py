"""Spaces: a team's area of the wiki. Titles are unique within a space, addresses say the
space, and existing wikis keep every address (their pages are in the default space)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wiki.access import audit
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, rename_page
from wiki.errors import InvalidInput
from wiki.models import DEFAULT_SPACE_ID, AuditEvent, Page


def test_an_existing_wiki_has_one_default_space_holding_its_pages(db_session, users, pages):
    default = spaces.default_space(db_session)
    assert (default.id, default.key) == (DEFAULT_SPACE_ID, "main")
    assert {page.space_id for page in db_session.scalars(select(Page))} == {DEFAULT_SPACE_ID}


def test_two_spaces_may_have_pages_of_the_same_title(db_session, users):
    admin, editor = users["admin"], users["editor"]
    hr = spaces.create_space(db_session, admin, "hr", "People team")
    ops = spaces.create_space(db_session, admin, "ops", "Operations")
    first = create_page(db_session, editor, "Onboarding", "HR side.\n", "", Limits(), space=hr)
    second = create_page(db_session, editor, "Onboarding", "Ops side.\n", "", Limits(), space=ops)
    third = create_page(db_session, editor, "Onboarding", "Everyone.\n", "", Limits())
    assert [first.page.slug, second.page.slug, third.page.slug] == [
        "hr:onboarding",
        "ops:onboarding",
        "onboarding",
    ]
    with pytest.raises(InvalidInput, match="already exists"):
        create_page(db_session, editor, "onboarding", "Again.\n", "", Limits(), space=hr)


def test_a_renamed_page_stays_in_its_space(db_session, users):
    hr = spaces.create_space(db_session, users["admin"], "hr", "People team")
    page = create_page(db_session, users["editor"], "Leave", "Days.\n", "", Limits(), space=hr).page
    rename_page(db_session, users["editor"], page, "Annual leave", "", Limits())
    assert page.slug == "hr:annual-leave" and page.space_id == hr.id


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "lower-case letters"),
        ("HR team", "lower-case letters"),
        ("9lives", "lower-case letters"),
        ("a--b", "lower-case letters"),
        ("x" * 33, "lower-case letters"),
        ("main", "taken"),
    ],
)
def test_a_bad_or_taken_key_is_refused_with_a_reason(db_session, users, key, message):
    with pytest.raises(InvalidInput) as refused:
        spaces.create_space(db_session, users["admin"], key, "Name")
    assert message in refused.value.errors["key"]


def test_creating_a_space_is_audited(db_session, users):
    spaces.create_space(db_session, users["admin"], "hr", "People team")
    db_session.commit()
    event = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == audit.AuditAction.SPACE_CREATE)
    )
    assert event.details == {"key": "hr", "name": "People team", "open_to_signed_in": True}


def test_an_admin_creates_a_space_and_an_editor_writes_in_it(client, auth, users, pages):
    auth.login("admin")
    response = client.post("/-/spaces/new", data={"key": "hr", "name": "People team"})
    assert response.status_code == 302 and response.location.endswith("/-/spaces/hr")
    auth.logout()
    auth.login("editor")
    form = client.get("/-/new?space=hr").get_data(as_text=True)
    assert '<option value="hr" selected>' in form
    response = client.post(
        "/-/new", data={"space": "hr", "title": "Onboarding", "body": "Welcome to HR.\n"}
    )
    assert response.status_code == 302 and response.location.endswith("/wiki/hr:onboarding")
    assert "Welcome to HR." in client.get("/wiki/hr:onboarding").get_data(as_text=True)
    space_page = client.get("/-/spaces/hr").get_data(as_text=True)
    assert 'href="/wiki/hr:onboarding"' in space_page
    directory = client.get("/-/spaces").get_data(as_text=True)
    assert "People team" in directory and "1 page" in directory


def test_the_space_form_keeps_what_was_typed_and_says_what_is_wrong(client, auth, users):
    auth.login("admin")
    response = client.post("/-/spaces/new", data={"key": "Bad Key", "name": "Kept name"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Bad Key"' in html and 'value="Kept name"' in html
    assert "lower-case letters" in html


def test_an_unknown_space_is_not_found_and_a_new_page_form_says_so(client, auth, users):
    auth.login("editor")
    assert client.get("/-/spaces/nope").status_code == 404
    response = client.post("/-/new", data={"space": "nope", "title": "X", "body": "Y"})
    assert response.status_code == 400
    assert "No space has the key nope" in response.get_data(as_text=True)


def test_pages_are_added_only_to_spaces_the_writer_may_write_in(client, auth, db_session, users):
    from wiki.access import grants

    admin = users["admin"]
    spaces.create_space(db_session, admin, "ops", "Operations", open_to_signed_in=False)
    handbook = spaces.create_space(
        db_session, admin, "handbook", "Handbook", open_to_signed_in=False
    )
    grants.set_grant(db_session, admin, handbook, "signed_in", "", "read")
    db_session.commit()
    auth.login("editor")
    form = client.get("/-/new").get_data(as_text=True)
    assert '<option value="main" selected>' in form
    assert 'value="ops"' not in form and 'value="handbook"' not in form
    # A space the editor may not see is as good as missing; one they only read says so.
    hidden = client.post("/-/new", data={"space": "ops", "title": "Sneaky", "body": "x"})
    assert hidden.status_code == 400
    assert "No space has the key ops" in hidden.get_data(as_text=True)
    read_only = client.post("/-/new", data={"space": "handbook", "title": "Sneaky", "body": "x"})
    assert read_only.status_code == 400
    assert "You may not add pages to Handbook" in read_only.get_data(as_text=True)
    db_session.rollback()
    assert db_session.scalar(select(Page).where(Page.title == "Sneaky")) is None
    auth.logout()
    auth.login("admin")
    made = client.post("/-/new", data={"space": "ops", "title": "Runbook", "body": "x"})
    assert made.status_code == 302 and made.location == "/wiki/ops:runbook"
