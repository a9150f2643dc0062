"""A space's settings: its name, description and home page, changed by site admins and the
space's own admins, audited; the space's page leads to its home page when the viewer may
read it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wiki.access import audit, grants, restrictions
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, delete_page
from wiki.errors import InvalidInput
from wiki.models import DEFAULT_SPACE_ID, AuditEvent, Page

from .helpers import make_page


@pytest.fixture
def hr(db_session, users):
    """The space hr, open to the signed-in, with the pages Welcome and Leave; the default
    space has a page Elsewhere."""
    space = spaces.create_space(db_session, users["admin"], "hr", "People team", "Hiring.")
    for title in ("Welcome", "Leave"):
        create_page(
            db_session, users["editor"], title, f"{title} text.\n", "", Limits(), space=space
        )
    make_page(db_session, users["editor"], "Elsewhere", "Not in hr.\n")
    db_session.commit()
    return space


def _events(session, action):
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --------------------------------------------------------------------------- the service


def test_the_settings_change_and_the_change_is_audited(db_session, users, hr):
    changed = spaces.update_space(
        db_session, users["admin"], hr, "  People   and culture ", "Hiring and leave. ", "welcome"
    )
    db_session.commit()
    assert changed
    assert (hr.name, hr.description) == ("People and culture", "Hiring and leave.")
    assert db_session.get(Page, hr.home_page_id).slug == "hr:welcome"
    (event,) = _events(db_session, audit.AuditAction.SPACE_UPDATE)
    assert event.target == "space hr" and event.actor_name == "admin"
    assert event.details == {
        "key": "hr",
        "name": {"from": "People team", "to": "People and culture"},
        "description": {"from": "Hiring.", "to": "Hiring and leave."},
        "home_page": {"from": None, "to": "Welcome"},
    }
    assert "home page “\u2068\u2069” → “\u2068Welcome\u2069”" in audit.describe(event)
    # Not an access change (kept page views follow it all the same: they name the space).
    assert audit.AuditAction.SPACE_UPDATE not in audit.ACCESS_ACTIONS


def test_nothing_changed_records_nothing(db_session, users, hr):
    assert not spaces.update_space(db_session, users["admin"], hr, hr.name, hr.description, "")
    assert _events(db_session, audit.AuditAction.SPACE_UPDATE) == []


def test_the_home_page_is_cleared_with_an_empty_title(db_session, users, hr):
    spaces.update_space(db_session, users["admin"], hr, hr.name, hr.description, "Leave")
    spaces.update_space(db_session, users["admin"], hr, hr.name, hr.description, " ")
    assert hr.home_page_id is None
    last = _events(db_session, audit.AuditAction.SPACE_UPDATE)[-1]
    assert last.details["home_page"] == {"from": "Leave", "to": None}


@pytest.mark.parametrize(
    ("name", "description", "home", "field", "message"),
    [
        ("", "", "", "name", "Give the space a name"),
        ("x" * 101, "", "", "name", "at most 100"),
        ("Nul\x00name", "", "", "name", "control characters"),
        ("HR", "y" * 2001, "", "description", "at most 2000"),
        ("HR", "", "Nothing like it", "home", "People team has no page called Nothing like it"),
        ("HR", "", "Elsewhere", "home", "has no page called Elsewhere"),  # another space's
        ("HR", "", "hr:Welcome", "home", "has no page called hr:Welcome"),  # a title, not a link
    ],
)
def test_bad_settings_are_refused_with_a_reason(
    db_session, users, hr, name, description, home, field, message
):
    with pytest.raises(InvalidInput) as refused:
        spaces.update_space(db_session, users["admin"], hr, name, description, home)
    assert message in refused.value.errors[field]
    assert hr.name == "People team" and hr.home_page_id is None


def test_a_deleted_page_cannot_be_the_home_page(db_session, users, hr):
    leave = db_session.scalar(select(Page).where(Page.slug == "hr:leave"))
    delete_page(db_session, users["admin"], leave, "")
    with pytest.raises(InvalidInput, match="no page called Leave"):
        spaces.update_space(db_session, users["admin"], hr, hr.name, "", "Leave")


def test_an_old_title_of_a_page_names_it(db_session, users, hr):
    from wiki.content.pages import rename_page

    leave = db_session.scalar(select(Page).where(Page.slug == "hr:leave"))
    rename_page(db_session, users["editor"], leave, "Annual leave", "", Limits())
    spaces.update_space(db_session, users["admin"], hr, hr.name, "", "Leave")
    assert hr.home_page_id == leave.id


# --------------------------------------------------------------------------- the form


def test_an_admin_changes_the_settings_through_the_form(client, auth, db_session, hr):
    auth.login("admin")
    form = client.get("/-/spaces/hr/edit").get_data(as_text=True)
    assert 'value="People team"' in form and ">Hiring.</textarea>" in form
    assert '<option value="Welcome">' in form and '<option value="Elsewhere">' not in form
    response = client.post(
        "/-/spaces/hr/edit",
        data={"name": "People", "description": "All about us.", "home": "Welcome"},
    )
    assert response.status_code == 302 and response.location == "/-/spaces/hr"
    page = client.get("/-/spaces/hr").get_data(as_text=True)
    assert "Saved the space&#39;s settings." in page
    assert "All about us." in page
    assert 'Home page: <a class="page-title" href="/wiki/hr:welcome">' in page
    form = client.get("/-/spaces/hr/edit").get_data(as_text=True)
    assert 'value="Welcome"' in form


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(client, auth, hr):
    auth.login("admin")
    response = client.post(
        "/-/spaces/hr/edit", data={"name": "Kept name", "description": "Kept.", "home": "Nope"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Kept name"' in html and ">Kept.</textarea>" in html and 'value="Nope"' in html
    assert "People team has no page called Nope" in html
    assert 'aria-invalid="true"' in html


def test_the_spaces_own_admins_may_change_its_settings_and_nobody_else(
    client, auth, db_session, users, hr
):
    auth.login("editor")
    assert client.get("/-/spaces/hr/edit").status_code == 403
    assert client.post("/-/spaces/hr/edit", data={"name": "Mine"}).status_code == 403
    assert "/-/spaces/hr/edit" not in client.get("/-/spaces/hr").get_data(as_text=True)
    grants.set_grant(db_session, users["admin"], hr, "user", "editor", "admin")
    db_session.commit()
    assert 'href="/-/spaces/hr/edit"' in client.get("/-/spaces/hr").get_data(as_text=True)
    response = client.post(
        "/-/spaces/hr/edit", data={"name": "Mine now", "description": "", "home": "Leave"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert spaces.get_space(db_session, "hr").name == "Mine now"
    # Administering hr gives nothing in the default space.
    assert client.get("/-/spaces/main/edit").status_code == 403


def test_a_space_the_viewer_may_not_see_has_no_settings_page_for_them(
    client, auth, db_session, users
):
    spaces.create_space(db_session, users["admin"], "ops", "Operations", open_to_signed_in=False)
    db_session.commit()
    auth.login("editor")
    assert client.get("/-/spaces/ops/edit").status_code == 404
    assert client.get("/-/spaces/nope/edit").status_code == 404
    auth.logout()
    auth.login("admin")
    assert client.get("/-/spaces/OPS/edit").location == "/-/spaces/ops/edit"


# --------------------------------------------------------------------------- the space page


def test_the_space_page_leads_to_its_home_page_only_when_the_viewer_may_read_it(
    client, auth, db_session, users, hr
):
    spaces.update_space(db_session, users["admin"], hr, hr.name, hr.description, "Welcome")
    welcome = db_session.get(Page, hr.home_page_id)
    db_session.commit()
    home_link = 'Home page: <a class="page-title" href="/wiki/hr:welcome">'
    auth.login("reader")
    page = client.get("/-/spaces/hr").get_data(as_text=True)
    assert home_link in page and "Hiring." in page and 'href="/wiki/hr:leave"' in page
    restrictions.set_restriction(db_session, users["admin"], welcome, "read", "", "editor")
    db_session.commit()
    page = client.get("/-/spaces/hr").get_data(as_text=True)
    assert "Home page:" not in page and "hr:welcome" not in page
    auth.logout()
    auth.login("editor")
    assert home_link in client.get("/-/spaces/hr").get_data(as_text=True)
    # A deleted home page, or one moved to another space, is no home page.
    delete_page(db_session, users["admin"], welcome, "")
    db_session.commit()
    assert "Home page:" not in client.get("/-/spaces/hr").get_data(as_text=True)
    leave = db_session.scalar(select(Page).where(Page.slug == "hr:leave"))
    spaces.update_space(db_session, users["admin"], hr, hr.name, hr.description, "Leave")
    leave.space_id, leave.slug = DEFAULT_SPACE_ID, "leave"
    db_session.commit()
    assert "Home page:" not in client.get("/-/spaces/hr").get_data(as_text=True)
