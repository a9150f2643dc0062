"""Restoring an old revision: a confirmation page with the changes and a reason, a refusal
when the page changed meanwhile, and a history and audit log that say who restored what."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from wiki.access import audit
from wiki.content.pages import (
    MAX_RESTORE_REASON_CHARS,
    Limits,
    restore_revision,
)
from wiki.errors import InvalidInput
from wiki.models import AuditEvent, Revision, RevisionKind

from .helpers import edit, make_page, snapshot


@pytest.fixture
def travel(db_session, users):
    """ "Travel": revision 1 by the editor (trains), revision 2 by the admin (flights)."""
    page = make_page(db_session, users["editor"], "Travel", "Book trains.\nAsk first.\n")
    edit(db_session, users["admin"], page, "Book flights.\nAsk first.\n", summary="faster")
    return page


def _revisions(db_session, page) -> list[Revision]:
    db_session.rollback()  # read what the requests committed
    query = select(Revision).where(Revision.page_id == page.id).order_by(Revision.number)
    return list(db_session.scalars(query))


def _reason_field(page_html: str) -> str:
    """The value the reason field shows, as the browser reads it."""
    match = re.search(r'<input id="reason" name="reason"[^>]*\bvalue="([^"]*)"', page_html)
    assert match, "the page has no reason field"
    return html_lib.unescape(match.group(1))


def test_the_confirmation_shows_the_changes_and_asks_for_a_reason(app, client, auth, travel):
    """Choosing to restore changes nothing yet: it shows what would change, from the
    current revision to the chosen one, and a form to confirm with an optional reason."""
    auth.login("admin")
    before = snapshot(app)

    response = client.get("/wiki/travel/rev/1/restore")

    page_html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert snapshot(app) == before
    assert "Restore revision 1 of <bdi>Travel</bdi>?" in page_html
    # The diff goes from the current text (removed) to the chosen one (comes back).
    assert re.search(r'<td class="line delete">.*Book <del>flights</del>\.', page_html)
    assert re.search(r'<td class="line insert">.*Book <ins>trains</ins>\.', page_html)
    assert 'name="current" value="2"' in page_html
    assert _reason_field(page_html) == ""
    assert ">Restore revision 1</button>" in page_html
    assert re.search(r'<a href="/wiki/travel/history">Cancel</a>', page_html)
    assert "as a new revision 3 by you" in page_html


def test_confirming_restores_and_the_summary_names_the_revision_its_author_and_the_reason(
    client, auth, db_session, travel
):
    auth.login("admin")
    response = client.post(
        "/wiki/travel/rev/1/restore", data={"current": "2", "reason": "  flights  are banned "}
    )

    assert response.status_code == 302
    assert response.location.endswith("/wiki/travel")
    restored = _revisions(db_session, travel)[-1]
    assert (restored.number, restored.kind, restored.restored_from) == (3, RevisionKind.RESTORE, 1)
    assert restored.body == "Book trains.\nAsk first.\n"
    assert restored.author.username == "admin"  # who restored, not who wrote revision 1
    assert restored.summary == "Restored revision 1 (by editor) — flights are banned"
    history = client.get("/wiki/travel/history").get_data(as_text=True)
    assert "Restored revision 1 (by editor) — flights are banned" in history
    assert "Book trains." in client.get("/wiki/travel").get_data(as_text=True)


def test_without_a_reason_the_summary_names_the_revision_and_its_author(
    client, auth, db_session, travel
):
    auth.login("admin")
    client.post("/wiki/travel/rev/1/restore", data={"current": "2", "reason": ""})
    assert _revisions(db_session, travel)[-1].summary == "Restored revision 1 (by editor)"


def test_the_audit_log_keeps_the_restorer_the_revision_its_author_and_the_reason(
    client, auth, db_session, travel
):
    auth.login("admin")
    client.post("/wiki/travel/rev/1/restore", data={"current": "2", "reason": "banned"})

    db_session.rollback()
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "page.restore")).one()
    assert (event.actor_name, event.target, event.page_id) == ("admin", "Travel", travel.id)
    assert event.details == {"restored": 1, "author": "editor", "revision": 3, "reason": "banned"}
    log = client.get("/-/admin/audit").get_data(as_text=True)
    assert (
        "restored revision 1 (by \u2068editor\u2069) as revision 3; reason: “\u2068banned\u2069”"
        in log
    )


def test_events_recorded_before_restores_had_reasons_still_read_well():
    event = AuditEvent(action="page.restore", details={"restored": 1, "revision": 4})
    assert audit.describe(event) == "restored revision 1 as revision 4"


def test_a_confirmation_made_stale_by_a_new_save_is_refused_with_the_new_changes(
    client, auth, db_session, users, travel
):
    """What was checked is what gets restored: if someone saves after the confirmation was
    shown, confirming shows the changes against the new text and asks again."""
    auth.login("admin")
    shown = client.get("/wiki/travel/rev/1/restore").get_data(as_text=True)
    assert 'name="current" value="2"' in shown
    edit(db_session, users["editor"], travel, "Book flights.\nAsk first.\nKeep receipts.\n")

    refused = client.post(
        "/wiki/travel/rev/1/restore", data={"current": "2", "reason": "banned <again> & again"}
    )

    page_html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert len(_revisions(db_session, travel)) == 3  # nothing restored
    assert "editor saved revision 3 after you opened this page" in page_html
    assert 'role="alert"' in page_html
    assert re.search(r'<td class="line delete">.*Keep receipts\.', page_html)  # the new diff
    assert 'name="current" value="3"' in page_html
    assert _reason_field(page_html) == "banned <again> & again"
    assert "<again>" not in page_html

    client.post("/wiki/travel/rev/1/restore", data={"current": "3", "reason": "banned"})
    restored = _revisions(db_session, travel)[-1]
    assert (restored.number, restored.body) == (4, "Book trains.\nAsk first.\n")


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("x" * (MAX_RESTORE_REASON_CHARS + 1), "The reason can have at most 300 characters"),
        ("tab\tis fine, bell\x07 is not", "The reason contains control characters."),
    ],
    ids=["too long", "control character"],
)
def test_a_bad_reason_is_refused_and_comes_back_to_be_fixed(
    app, client, auth, travel, reason, message
):
    auth.login("admin")
    before = snapshot(app)

    response = client.post("/wiki/travel/rev/1/restore", data={"current": "2", "reason": reason})

    page_html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert snapshot(app) == before
    assert message in page_html
    assert 'aria-invalid="true" aria-describedby="reason-error"' in page_html
    assert _reason_field(page_html) == reason
    assert ">Restore revision 1</button>" in page_html  # still there to confirm


def test_restoring_the_current_revision_says_there_is_nothing_to_restore(app, client, auth, travel):
    auth.login("admin")
    shown = client.get("/wiki/travel/rev/2/restore").get_data(as_text=True)
    assert "Revision 2 is the current revision: there is nothing to restore." in shown
    assert "</button>" not in shown.split("<main", 1)[1].split("</main>")[0]
    before = snapshot(app)
    refused = client.post("/wiki/travel/rev/2/restore", data={"current": "2"})
    assert refused.status_code == 400
    assert "there is nothing to restore" in refused.get_data(as_text=True)
    assert snapshot(app) == before


def test_a_restore_sent_without_the_confirmation_restores_nothing(app, client, auth, travel):
    """A form that did not come from the confirmation (no revision seen as current) is
    answered with the confirmation itself."""
    auth.login("admin")
    before = snapshot(app)
    response = client.post("/wiki/travel/rev/1/restore", data={"reason": "quick"})
    page_html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert snapshot(app) == before
    assert "Check the changes below, then confirm." in page_html
    assert _reason_field(page_html) == "quick"
    assert 'name="current" value="2"' in page_html


def test_history_and_old_revisions_lead_to_the_confirmation_and_post_nothing(client, auth, travel):
    auth.login("admin")
    history = client.get("/wiki/travel/history").get_data(as_text=True)
    revision = client.get("/wiki/travel/rev/1").get_data(as_text=True)
    for page_html in (history, revision):
        assert 'href="/wiki/travel/rev/1/restore"' in page_html
        assert 'action="/wiki/travel/rev/1/restore"' not in page_html
    assert 'aria-label="Restore revision 1…"' in history


def test_the_confirmation_of_an_unknown_revision_is_not_found(client, auth, travel):
    auth.login("admin")
    assert client.get("/wiki/travel/rev/9/restore").status_code == 404
    assert client.post("/wiki/travel/rev/9/restore", data={"current": "2"}).status_code == 404


def test_the_confirmation_at_an_old_address_moves_to_the_new_one(client, auth, travel):
    auth.login("admin")
    client.post("/wiki/travel/rename", data={"title": "Trips", "summary": ""})
    response = client.get("/wiki/travel/rev/1/restore")
    assert response.status_code == 302
    assert response.location.endswith("/wiki/trips/rev/1/restore")


def test_the_service_refuses_a_restore_over_a_revision_the_restorer_has_not_seen(
    db_session, users, travel
):
    with pytest.raises(InvalidInput) as refused:
        restore_revision(db_session, users["admin"], travel, 1, Limits(), seen_current=1)
    assert set(refused.value.errors) == {"current"}
    db_session.rollback()
    result = restore_revision(
        db_session, users["admin"], travel, 1, Limits(), reason="ok", seen_current=2
    )
    assert result.new_revision.summary == "Restored revision 1 (by editor) — ok"
