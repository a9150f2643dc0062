"""The search synonyms admins edit: searches use them at once, in every process, without a
reindex; bad lists are explained and kept; every change is audited."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from wiki.access.audit import describe
from wiki.models import AuditEvent, SearchSynonyms
from wiki.search.synonym_list import current_synonyms, save_synonyms, synonym_list
from wiki.search.synonyms import DEFAULT_SYNONYMS, format_groups

from .helpers import make_page
from .test_search import search_now, titles_found


@pytest.fixture
def leave_pages(app, db_session, users):
    editor = users["editor"]
    make_page(db_session, editor, "PTO policy", "How many days of PTO you get each year.\n")
    make_page(db_session, editor, "Holiday rules", "Book your vacation two weeks ahead.\n")
    make_page(db_session, editor, "Sabbaticals", "After five years you may take a sabbatical.\n")
    search_now(app)


def synonym_events(db_session) -> list[AuditEvent]:
    db_session.rollback()  # read what the requests committed
    return list(
        db_session.scalars(select(AuditEvent).where(AuditEvent.action == "search.synonyms"))
    )


def test_the_built_in_list_applies_until_an_admin_edits_it(client, auth, leave_pages):
    auth.login("reader")
    assert sorted(titles_found(client, "pto")) == ["Holiday rules", "PTO policy"]
    assert titles_found(client, "paid time off policy")[0] == "PTO policy"
    assert titles_found(client, "title:pto") == ["PTO policy"]  # fields stay as typed


def test_an_edit_applies_to_the_next_search_in_every_process_without_reindex(
    app, client, auth, leave_pages, more_apps
):
    other = more_apps().test_client()  # another worker process on the same database
    other.post("/-/login", data={"username": "reader", "password": "correct horse battery"})
    assert sorted(titles_found(other, "pto")) == ["Holiday rules", "PTO policy"]

    auth.login("admin")
    response = client.post("/-/admin/search", data={"synonyms": "PTO, sabbatical\n"})
    assert response.status_code == 302
    assert "the next search uses them" in client.get("/-/admin/search").get_data(as_text=True)

    assert sorted(titles_found(other, "pto")) == ["PTO policy", "Sabbaticals"]
    assert sorted(titles_found(client, "sabbaticals")) == ["PTO policy", "Sabbaticals"]

    client.post("/-/admin/search", data={"synonyms": "", "reset": "1"})
    assert sorted(titles_found(other, "pto")) == ["Holiday rules", "PTO policy"]


def test_the_page_shows_the_list_in_use_with_a_form_and_is_linked(client, auth, leave_pages):
    auth.login("admin")
    page = client.get("/-/admin/search").get_data(as_text=True)
    assert html.escape(format_groups(DEFAULT_SYNONYMS), quote=False) in page
    assert 'name="csrf_token"' in page
    assert "Search uses the built-in list" in page
    assert "Reset to the built-in list" not in page  # nothing to reset yet
    for address in ("/-/admin/users", "/-/admin/audit"):
        assert 'href="/-/admin/search"' in client.get(address).get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PTO, vacation\nleave, <b>Vacations</b>", "is already in the group on line 1"),
        ("PTO, , leave", "a term is empty"),
        ("PTO", "a group needs at least two terms"),
        ("IT, information technology", "has no word search can look for"),
    ],
)
def test_a_bad_list_is_explained_and_kept_as_typed(client, auth, users, db_session, text, message):
    auth.login("admin")
    response = client.post("/-/admin/search", data={"synonyms": text})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.escape(message, quote=False) in page
    assert f">{html.escape(text, quote=False)}</textarea>" in page
    assert "<b>Vacations</b>" not in page
    assert db_session.scalar(select(SearchSynonyms.id)) is None
    assert synonym_events(db_session) == []


def test_every_change_is_audited_and_shown_in_the_log(client, auth, users, db_session):
    auth.login("admin")
    client.post("/-/admin/search", data={"synonyms": "PTO, vacation\nWFH, remote work"})
    client.post("/-/admin/search", data={"synonyms": "PTO, vacation\nWFH, remote work"})  # same
    client.post("/-/admin/search", data={"synonyms": "PTO, vacation, leave\nWFH, remote work"})
    client.post("/-/admin/search", data={"reset": "1", "synonyms": "ignored"})
    client.post("/-/admin/search", data={"reset": "1"})  # already the built-in list

    events = synonym_events(db_session)
    assert [(e.actor_name, e.target_type, e.target) for e in events] == [
        ("admin", "setting", "search synonyms")
    ] * 3
    assert events[1].details == {"added": ["PTO, vacation, leave"], "removed": ["PTO, vacation"]}
    assert events[2].details["reset"] is True
    assert "PTO, vacation, leave" in events[2].details["removed"]

    log = client.get("/-/admin/audit?action=search.synonyms").get_data(as_text=True)
    assert "added 1: + PTO, vacation, leave; removed 1: − PTO, vacation" in log
    assert "back to the built-in list" in log


@pytest.mark.parametrize("who", ["reader", "editor"])
def test_only_admins_may_see_or_change_the_synonyms(client, auth, users, db_session, who):
    auth.login(who)
    assert client.get("/-/admin/search").status_code == 403
    assert client.post("/-/admin/search", data={"synonyms": "a1, b1"}).status_code == 403
    assert db_session.scalar(select(SearchSynonyms.id)) is None


def test_visitors_are_sent_to_log_in(client, users):
    response = client.get("/-/admin/search")
    assert response.status_code == 302 and "/-/login" in response.location


def test_the_service_caches_the_list_until_it_changes(app, db_session, users):
    before = current_synonyms(db_session)
    assert before is current_synonyms(db_session)  # the built-in list, parsed once
    assert save_synonyms(db_session, "PTO, sabbatical", actor=users["admin"])
    db_session.commit()
    edited = current_synonyms(db_session)
    assert edited.groups == (("PTO", "sabbatical"),)
    assert current_synonyms(db_session) is edited
    assert synonym_list(db_session).built_in is False
    assert save_synonyms(db_session, None, actor=None)
    db_session.commit()
    assert current_synonyms(db_session) is before
    assert synonym_list(db_session).built_in is True


def test_a_long_change_is_described_in_short():
    details = {"added": [f"t{n}, u{n}" for n in range(12)], "removed": ["a, b"], "reset": True}
    text = describe(AuditEvent(action="search.synonyms", details=details))
    assert text.startswith("back to the built-in list; added 12: + t0, u0; + t1, u1;")
    assert "+ t9, u9 … and 2 more; removed 1: − a, b" in text
