"""Drafts: what someone types in the editor is kept on the server as their private draft,
offered back when they open the editor again, never a revision until they save, and gone
once they save or discard it. Others see only that someone is editing, by name."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wiki.access import accounts, restrictions
from wiki.access.people import update_profile
from wiki.content import drafts, spaces
from wiki.content.drafts import DraftForm
from wiki.content.pages import Limits, create_page, delete_page
from wiki.content.records import page_templates
from wiki.content.records.ticking import tick_task
from wiki.db import get_database
from wiki.errors import Forbidden, NotFound
from wiki.models import Draft, Page, Revision, User, utcnow

from .conftest import PASSWORD, make_app
from .helpers import edit
from .test_security import token_from

POLICY = "Book trains.\nFly overseas.\n"  # revision 2 of "Policy", by the editor
DRAFT = "Book trains.\nFly overseas.\nTake the night bus when it is cheaper.\n"


def _draft_rows(db_session) -> list[tuple]:
    db_session.rollback()  # read what the requests committed
    return db_session.execute(
        select(Draft.author_id, Draft.page_id, Draft.base_number, Draft.body)
    ).all()


def _revisions(db_session) -> int:
    db_session.rollback()
    return db_session.scalar(select(func.count(Revision.id)))


def _log_in(app, username: str):
    client = app.test_client()
    assert (
        client.post("/-/login", data={"username": username, "password": PASSWORD}).status_code
        == 302
    )
    return client


def _save(client, body=DRAFT, base="2", slug="policy", **more):
    return client.post(f"/wiki/{slug}/draft", data={"body": body, "base": base, **more})


# --------------------------------------------------------------------------- keeping a draft


def test_what_is_typed_is_kept_as_a_draft_and_never_becomes_a_revision(
    client, auth, pages, users, db_session
):
    auth.login("editor")
    before = _revisions(db_session)

    answer = _save(client, summary="night buses", tags="travel, buses")

    assert answer.status_code == 200
    saved = answer.get_json()
    assert saved["saved"] is True and saved["saved_at"] and saved["saved_at_text"]
    assert _draft_rows(db_session) == [(users["editor"].id, pages["policy"].id, 2, DRAFT)]
    assert _revisions(db_session) == before
    page = client.get("/wiki/policy").get_data(as_text=True)
    assert "night bus" not in page  # the page shows what was saved, not the draft


def test_the_time_of_a_draft_is_the_servers_in_the_writers_zone(
    client, auth, pages, users, db_session
):
    update_profile(db_session, users["editor"], "", "", "Asia/Kathmandu")  # UTC+05:45
    db_session.commit()
    auth.login("editor")

    saved = _save(client).get_json()

    db_session.rollback()
    kept = db_session.scalar(select(Draft.updated_at))
    local = kept + timedelta(hours=5, minutes=45)
    assert saved["saved_at_text"] == f"{local:%H:%M}"


def test_reopening_the_editor_offers_the_draft_with_what_it_changes(client, auth, pages):
    auth.login("editor")
    _save(client, summary="night buses")

    offer = client.get("/wiki/policy/edit")

    html = offer.get_data(as_text=True)
    text = " ".join(html.split())
    assert offer.status_code == 200
    assert "You have an unsaved draft of this page" in html
    assert "Resume your draft from" in html and "Discard it" in html
    assert "started from revision 2" in text
    assert "+1 lines" in html and "Take the night bus when it is cheaper." in html
    assert "night buses" in html
    assert 'name="body"' not in html  # nothing to type over the draft by mistake

    resumed = client.get("/wiki/policy/edit?draft=resume").get_data(as_text=True)
    assert ">" + DRAFT + "</textarea>" in resumed
    assert 'name="base" value="2"' in resumed
    assert 'value="night buses"' in resumed
    assert "You are going on with your draft from" in resumed
    assert "The page has changed since" not in resumed


def test_a_draft_is_its_authors_alone(app, client, auth, pages, users, db_session):
    auth.login("editor")
    _save(client)
    admin = _log_in(app, "admin")

    editor_screen = admin.get("/wiki/policy/edit").get_data(as_text=True)

    assert "night bus" not in editor_screen and "unsaved draft" not in editor_screen
    assert ">" + POLICY + "</textarea>" in editor_screen
    assert "night bus" not in admin.get("/wiki/policy/editing").get_data(as_text=True)
    assert drafts.own_draft(db_session, users["admin"], pages["policy"]) is None
    # The admin's own draft is another draft: neither replaces the other.
    _save(admin, body="Book trains.\nNo flights.\n")
    assert len(_draft_rows(db_session)) == 2
    assert "Take the night bus" in client.get("/wiki/policy/edit").get_data(as_text=True)


def test_a_form_that_changes_nothing_keeps_no_draft(client, auth, pages, db_session):
    auth.login("editor")
    _save(client)

    answer = _save(client, body=POLICY).get_json()  # every change undone

    assert answer["saved"] is False and "saved_at" not in answer
    assert _draft_rows(db_session) == []
    assert "unsaved draft" not in client.get("/wiki/policy/edit").get_data(as_text=True)


# --------------------------------------------------------------------------- ending a draft


def test_saving_from_the_editor_deletes_the_draft_with_the_save(client, auth, pages, db_session):
    auth.login("editor")
    _save(client)

    saved = client.post("/wiki/policy/edit", data={"body": DRAFT, "base": "2", "summary": ""})

    assert saved.status_code == 302
    assert _draft_rows(db_session) == []
    assert "night bus" in client.get("/wiki/policy").get_data(as_text=True)
    # Saving an unchanged text ends the draft too: the writer chose what the page says.
    _save(client, body=DRAFT + "More.\n", base="3")
    assert client.post("/wiki/policy/edit", data={"body": DRAFT, "base": "3"}).status_code == 302
    assert _draft_rows(db_session) == []


def test_a_save_that_fails_keeps_the_draft(client, auth, pages, users, db_session):
    auth.login("editor")
    _save(client)

    refused = client.post("/wiki/policy/edit", data={"body": "\x01", "base": "2"})
    edit(db_session, users["admin"], pages["policy"], "Book trains.\nFly never.\n", base=2)
    conflict = client.post(
        "/wiki/policy/edit", data={"body": DRAFT.replace("overseas", "home"), "base": "2"}
    )

    assert refused.status_code == 400 and conflict.status_code == 409
    assert [row[3] for row in _draft_rows(db_session)] == [DRAFT]


def test_ticking_a_box_on_the_page_leaves_the_draft_alone(pages, users, db_session):
    """A tick is a save, but not of the editor: a draft being written elsewhere stays."""
    page = pages["policy"]
    edit(db_session, users["editor"], page, POLICY + "- [ ] @editor book it\n")
    drafts.save_draft(
        db_session,
        users["editor"],
        page,
        DraftForm(3, POLICY + "- [ ] @editor book it\nMore.\n"),
        Limits(),
    )
    db_session.commit()

    tick_task(db_session, users["editor"], page, 3, 0, True, Limits())
    db_session.commit()

    assert len(_draft_rows(db_session)) == 1


def test_discarding_deletes_the_draft_and_opens_the_editor_afresh(client, auth, pages, db_session):
    auth.login("editor")
    _save(client)

    discarded = client.post("/wiki/policy/draft/discard")

    assert discarded.status_code == 302 and discarded.location.endswith("/wiki/policy/edit")
    assert _draft_rows(db_session) == []
    fresh = client.get(discarded.location).get_data(as_text=True)
    assert "Your draft was discarded." in fresh
    assert ">" + POLICY + "</textarea>" in fresh and 'name="base" value="2"' in fresh


# --------------------------------------------------------------------------- resuming


def test_a_resumed_draft_says_the_page_changed_and_saves_merged_from_its_base(
    client, auth, pages, users, db_session
):
    auth.login("editor")
    _save(client)
    edit(db_session, users["admin"], pages["policy"], "Book trains first.\nFly overseas.\n", base=2)

    offer = client.get("/wiki/policy/edit").get_data(as_text=True)
    resumed = client.get("/wiki/policy/edit?draft=resume").get_data(as_text=True)

    for screen in (offer, resumed):
        text = " ".join(screen.split())
        assert "The page has changed since: revision 3 by admin" in text.replace(
            '<a dir="auto" href="/-/people/admin">admin</a>', "admin"
        )
    assert 'name="base" value="2"' in resumed
    saved = client.post("/wiki/policy/edit", data={"body": DRAFT, "base": "2", "summary": ""})
    assert saved.status_code == 302
    page = client.get("/wiki/policy").get_data(as_text=True)
    assert "your changes were merged" in page
    assert "Book trains first." in page and "Take the night bus" in page
    assert _draft_rows(db_session) == []


def test_a_records_draft_keeps_its_field_values_as_typed(client, auth, users, db_session):
    hr = spaces.create_space(db_session, users["admin"], "hr", "People team", "")
    start = page_templates.start(
        db_session, users["editor"], hr, "lessons-learned", utcnow().date()
    )
    create_page(
        db_session,
        users["editor"],
        "Freight elevator",
        start.body,
        "",
        Limits(),
        tags=start.tags,
        space=hr,
        record=start.record.with_values({"team": "Logistics"}),
    )
    db_session.commit()
    auth.login("editor")

    answer = _save(
        client,
        slug="hr:freight-elevator",
        body=start.body + "More.\n",
        base="1",
        fields="1",
        **{"field-team": "Warehouse <b>B</b>", "field-unknown": "dropped"},
    )

    assert answer.status_code == 200
    db_session.rollback()
    assert db_session.scalar(select(Draft.fields))["team"] == "Warehouse <b>B</b>"
    assert "unknown" not in db_session.scalar(select(Draft.fields))
    offer = client.get("/wiki/hr:freight-elevator/edit").get_data(as_text=True)
    assert "Logistics" in offer and "Warehouse &lt;b&gt;B&lt;/b&gt;" in offer
    resumed = client.get("/wiki/hr:freight-elevator/edit?draft=resume").get_data(as_text=True)
    assert 'value="Warehouse &lt;b&gt;B&lt;/b&gt;"' in resumed


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"body": "x" * 1025}, "pages can have at most 1,024 bytes"),
        ({"body": "Bell \x07"}, "control character"),
        ({"summary": "s" * 501}, "at most 500 characters"),
        ({"tags": "t" * 1201}, "at most 1,200 characters"),
        ({"base": "9"}, "out of date"),
        ({"base": "0"}, "out of date"),
    ],
)
def test_a_draft_is_bounded_like_a_save_and_refused_in_words(
    database_url, tmp_path, users, pages, db_session, form, message
):
    app = make_app(database_url, tmp_path, MAX_PAGE_BYTES=1024)
    client = _log_in(app, "editor")

    answer = client.post("/wiki/policy/draft", data={"body": DRAFT, "base": "2", **form})

    assert answer.status_code == 400
    assert message in answer.get_json()["error"]
    assert _draft_rows(db_session) == []


def test_a_late_save_of_an_editor_never_overwrites_its_newer_one(pages, users, db_session):
    editor, page = users["editor"], pages["policy"]
    newer = DraftForm(2, DRAFT + "Second.\n", editor_key="tab-a", sequence=2)
    older = DraftForm(2, DRAFT, editor_key="tab-a", sequence=1)
    drafts.save_draft(db_session, editor, page, newer, Limits())
    kept = drafts.save_draft(db_session, editor, page, older, Limits())
    assert kept is not None and kept.body == DRAFT + "Second.\n"
    # Nor does a late "nothing changed" delete it.
    assert drafts.save_draft(
        db_session, editor, page, DraftForm(2, POLICY, "", "", None, "tab-a", 1), Limits()
    )
    # Another open editor's save is newer by definition: it replaces the draft.
    other = DraftForm(2, DRAFT + "Third.\n", editor_key="tab-b", sequence=1)
    assert drafts.save_draft(db_session, editor, page, other, Limits()).body.endswith("Third.\n")
    db_session.commit()
    assert len(_draft_rows(db_session)) == 1


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)
def test_two_first_saves_of_one_draft_at_once_leave_one_draft(app, pages, users):
    """Two tabs (or a save and the beacon of a page being left) making the same person's
    first draft of a page at the same moment: the second waits for the first and replaces
    it, with no error."""
    database = get_database(app)
    first, second = database.session(), database.session()
    outcome: dict = {}

    def save(session, body):
        editor = session.get(User, users["editor"].id)
        page = session.get(Page, pages["policy"].id)
        return drafts.save_draft(session, editor, page, DraftForm(2, body), Limits())

    def later():
        try:
            save(second, DRAFT + "Second tab.\n")
            second.commit()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            outcome["error"] = exc

    try:
        save(first, DRAFT + "First tab.\n")  # not committed yet: the other save waits on it
        other = threading.Thread(target=later)
        other.start()
        time.sleep(0.5)
        first.commit()
        other.join(timeout=10)
        assert "error" not in outcome, outcome
        first.rollback()
        assert list(first.scalars(select(Draft.body))) == [DRAFT + "Second tab.\n"]
    finally:
        first.close()
        second.close()


# --------------------------------------------------------------------------- access


def test_a_deleted_pages_draft_is_neither_offered_nor_saved(client, auth, pages, users, db_session):
    auth.login("editor")
    _save(client)
    delete_page(db_session, users["admin"], pages["policy"], "")
    db_session.commit()

    assert drafts.own_draft(db_session, users["editor"], pages["policy"]) is None
    with pytest.raises(NotFound):
        drafts.save_draft(
            db_session, users["editor"], pages["policy"], DraftForm(2, DRAFT), Limits()
        )
    assert _save(client).status_code == 404
    assert client.get("/wiki/policy/edit").status_code == 404


def test_a_draft_of_a_page_its_author_may_no_longer_edit_is_not_given_back(
    app, client, auth, pages, users, db_session
):
    auth.login("editor")
    _save(client)
    policy = pages["policy"]
    restrictions.set_restriction(db_session, users["admin"], policy, "edit", "", "admin")
    db_session.commit()

    assert drafts.own_draft(db_session, users["editor"], policy) is None
    assert drafts.draft_offer(db_session, users["editor"], policy) is None
    with pytest.raises(Forbidden):
        drafts.save_draft(db_session, users["editor"], policy, DraftForm(2, DRAFT), Limits())
    assert _save(client).status_code == 403
    # The admin, who still edits it, is not told that the editor is editing it.
    assert _log_in(app, "admin").get("/wiki/policy/editing").get_json()["editing"] == ""


# --------------------------------------------------------------------------- someone is editing


def test_opening_the_editor_says_who_else_is_editing(app, client, auth, pages, users, db_session):
    auth.login("editor")
    _save(client)
    admin = _log_in(app, "admin")
    update_profile(db_session, users["admin"], "Ada <Admin>", "", "")
    db_session.commit()

    told = admin.get("/wiki/policy/edit").get_data(as_text=True)

    assert "editor is also editing this page." in told
    assert admin.get("/wiki/policy/editing").get_json() == {
        "editing": "editor is also editing this page."
    }
    # The editor is not told about themselves; once the admin types, both know.
    assert "also editing" not in client.get("/wiki/policy/edit?draft=resume").get_data(as_text=True)
    answer = _save(admin, body="Book trains.\nNo flights.\n").get_json()
    assert answer["editing"] == "editor is also editing this page."
    listed = client.get("/wiki/policy/editing").get_json()["editing"]
    assert listed == "Ada <Admin> is also editing this page."
    assert "Ada &lt;Admin&gt; is also editing" in client.get(
        "/wiki/policy/edit?draft=resume"
    ).get_data(as_text=True)


def test_someone_is_editing_only_while_their_draft_is_recent(pages, users, db_session):
    page, now = pages["policy"], utcnow()
    drafts.save_draft(db_session, users["editor"], page, DraftForm(2, DRAFT), Limits(), now=now)

    assert drafts.others_editing(db_session, users["admin"], page, now=now) == ["editor"]
    later = now + drafts.EDITING_WINDOW + timedelta(seconds=1)
    assert drafts.others_editing(db_session, users["admin"], page, now=later) == []


def test_only_who_may_read_the_page_learns_who_is_editing_it(pages, users, db_session):
    page = pages["policy"]
    drafts.save_draft(db_session, users["admin"], page, DraftForm(2, DRAFT), Limits())
    # Reading narrowed to the editor: the reader may no longer see the page.
    restrictions.set_restriction(db_session, users["admin"], page, "read", "", "editor")
    db_session.commit()

    assert drafts.others_editing(db_session, users["reader"], page) == []
    assert drafts.others_editing(db_session, users["editor"], page) == ["admin"]


def test_a_disabled_account_is_no_longer_editing(pages, users, db_session):
    page = pages["policy"]
    drafts.save_draft(db_session, users["editor"], page, DraftForm(2, DRAFT), Limits())
    accounts.set_disabled(db_session, users["editor"], True, actor=users["admin"])
    db_session.commit()

    assert drafts.others_editing(db_session, users["admin"], page) == []


# --------------------------------------------------------------------------- forms and tokens


def test_drafts_need_the_forms_token_and_a_beacons_form_carries_it(
    database_url, tmp_path, users, pages, db_session
):
    """The editor's script sends the token in the form itself, as a beacon sent when a page
    is closed must (it can set no header)."""
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = token_from(client.get("/-/login").get_data(as_text=True))
    client.post("/-/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token})
    token = token_from(client.get("/wiki/policy/edit").get_data(as_text=True))

    forged = client.post("/wiki/policy/draft", data={"body": DRAFT, "base": "2"})
    kept = client.post(
        "/wiki/policy/draft",
        data={"body": DRAFT, "base": "2", "csrf_token": token},
        content_type="application/x-www-form-urlencoded;charset=UTF-8",
    )
    forged_discard = client.post("/wiki/policy/draft/discard")

    assert forged.status_code == 400
    assert kept.status_code == 200 and json.loads(kept.get_data())["saved"] is True
    assert forged_discard.status_code == 400
    assert [row[3] for row in _draft_rows(db_session)] == [DRAFT]
