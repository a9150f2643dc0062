"""Owners and reviews: a page is owned by its creator (or whoever it is given to), may be
reviewed on a schedule, is verified by its owner or a space admin into a review log, and
the dashboards list what needs attention, never a page their viewer may not read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from wiki.access import accounts, audit, groups, restrictions
from wiki.content import spaces
from wiki.content.pages import Limits, create_page
from wiki.content.records import reviews
from wiki.errors import Forbidden, InvalidInput
from wiki.models import AuditEvent, Page, PageReview, ReviewLog

TODAY = datetime.now(UTC).date()


@pytest.fixture
def ops(db_session, users):
    space = spaces.create_space(db_session, users["admin"], "ops", "Operations", "")
    db_session.commit()
    return space


def _page(session, users, space, title="Forklift safety", author="editor"):
    page = create_page(
        session, users[author], title, "Check the forks.\n", "", Limits(), space=space
    )
    session.commit()
    return page.page


def test_the_creator_owns_a_new_page(db_session, users, ops):
    page = _page(db_session, users, ops)
    review = reviews.review_of(db_session, page)
    assert review.owner_user_id == users["editor"].id and review.review_every_days is None
    assert reviews.pages_owned_by(db_session, users["reader"], users["editor"]) == [(page, review)]


def test_the_owner_sets_an_interval_and_verifies(db_session, users, ops):
    page = _page(db_session, users, ops)
    reviews.change_review(db_session, users["editor"], page, "@editor", 90, TODAY)
    review = reviews.review_of(db_session, page)
    assert review.review_due == TODAY + timedelta(days=90)
    entry = reviews.verify(db_session, users["editor"], page, "  Still  right. ")
    db_session.commit()
    assert entry.note == "Still right." and entry.revision_number == 1
    assert review.verified_by_id == users["editor"].id
    assert review.review_due == review.verified_at.date() + timedelta(days=90)
    assert [e.note for e in reviews.review_log(db_session, page)] == ["Still right."]
    (event,) = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == audit.AuditAction.PAGE_OWNERSHIP)
    )
    assert event.details == {"review_every_days": {"from": None, "to": 90}}
    # Verifying is not an edit: no revision was added.
    assert page.latest_number == 1


def test_only_owners_and_space_admins_manage_a_review(db_session, users, ops):
    page = _page(db_session, users, ops, author="admin")
    with pytest.raises(Forbidden):
        reviews.verify(db_session, users["editor"], page)  # may edit, but does not own it
    with pytest.raises(Forbidden):
        reviews.change_review(db_session, users["reader"], page, "reader", 30, TODAY)
    crew = groups.create_group(db_session, users["admin"], "crew", "Warehouse crew")
    groups.change_members(db_session, users["admin"], crew, "add", "editor")
    reviews.change_review(db_session, users["admin"], page, "group:crew", 30, TODAY)
    reviews.verify(db_session, users["editor"], page)  # a member of the owning group
    with pytest.raises(InvalidInput) as refused:
        reviews.change_review(db_session, users["admin"], page, "nobody", 45, TODAY)
    assert set(refused.value.errors) == {"owner", "every"}


def test_the_dashboard_lists_overdue_unowned_and_stale_pages(db_session, users, ops):
    late = _page(db_session, users, ops, "Forklift safety")
    reviews.change_review(
        db_session, users["editor"], late, "editor", 30, TODAY - timedelta(days=40)
    )
    soon = _page(db_session, users, ops, "Dock rota")
    reviews.change_review(
        db_session, users["editor"], soon, "editor", 30, TODAY - timedelta(days=20)
    )
    _page(db_session, users, ops, "Fine page")
    orphan = _page(db_session, users, ops, "Old vendor list", author="admin")
    accounts.create_user(db_session, "leaver", "a-long-password-1", accounts.Role.EDITOR)
    reviews.change_review(db_session, users["admin"], orphan, "leaver", 0, TODAY)
    accounts.set_disabled(db_session, accounts.get_user(db_session, "leaver"), True)
    old = _page(db_session, users, ops, "Fax machine")
    db_session.execute(
        update(Page)
        .where(Page.id == old.id)
        .values(updated_at=datetime.now(UTC) - timedelta(days=400))
    )
    db_session.commit()
    board = reviews.dashboard(db_session, users["reader"], TODAY, ops)
    assert [(page.title, review.review_due) for page, review in board.due] == [
        ("Forklift safety", TODAY - timedelta(days=10)),
        ("Dock rota", TODAY + timedelta(days=10)),
    ]
    assert [page.title for page, _ in board.unowned] == ["Old vendor list"]
    assert [page.title for page in board.stale] == ["Fax machine"]
    # A page the viewer may not read is on none of the lists.
    restrictions.set_restriction(db_session, users["admin"], late, "read", "", "editor")
    db_session.commit()
    board = reviews.dashboard(db_session, users["reader"], TODAY)
    assert [page.title for page, _ in board.due] == ["Dock rota"]
    assert reviews.pages_owned_by(db_session, users["reader"], users["editor"])[0][0].title != (
        "Forklift safety"
    )


def test_a_deleted_group_leaves_its_pages_unowned(db_session, users, ops):
    page = _page(db_session, users, ops, author="admin")
    crew = groups.create_group(db_session, users["admin"], "crew", "Warehouse crew")
    reviews.change_review(db_session, users["admin"], page, "crew", 0, TODAY)
    groups.delete_group(db_session, users["admin"], crew)
    db_session.commit()
    assert [p.title for p, _ in reviews.dashboard(db_session, users["admin"], TODAY).unowned] == [
        "Forklift safety"
    ]


def test_the_page_says_when_it_was_verified_and_when_review_is_overdue(
    client, auth, db_session, users, ops
):
    page = _page(db_session, users, ops)
    auth.login("editor")
    shown = client.get("/wiki/ops:forklift-safety").get_data(as_text=True)
    assert "Owner: <a" in shown and ">editor</a>" in shown
    saved = client.post(
        "/wiki/ops:forklift-safety/review",
        data={"owner": "editor", "every": "30", "action": "save"},
    )
    assert saved.status_code == 302
    client.post("/wiki/ops:forklift-safety/review", data={"action": "verify", "note": "ok"})
    verified_on = datetime.now(UTC).date()  # not the module's TODAY: a run may cross midnight
    client.get("/wiki/ops:forklift-safety/review")  # shows (and clears) the message
    client.get("/wiki/ops:forklift-safety")  # kept from now on
    shown = client.get("/wiki/ops:forklift-safety").get_data(as_text=True)
    assert f"Verified by editor on {verified_on.isoformat()}" in shown
    assert f"next review {(verified_on + timedelta(days=30)).isoformat()}" in shown
    # The kept page view follows a change of the review (no new revision is made).
    client.post(
        "/wiki/ops:forklift-safety/review",
        data={"owner": "editor", "every": "90", "action": "save"},
    )
    log = client.get("/wiki/ops:forklift-safety/review").get_data(as_text=True)
    assert "“ok”" in log
    shown = client.get("/wiki/ops:forklift-safety").get_data(as_text=True)
    assert f"next review {(TODAY + timedelta(days=90)).isoformat()}" in shown
    # Months later (the due day moved into the past), seen by someone with no kept view.
    db_session.execute(
        update(PageReview)
        .where(PageReview.page_id == page.id)
        .values(review_due=TODAY - timedelta(days=3))
    )
    db_session.commit()
    auth.logout()
    auth.login("reader")
    shown = client.get("/wiki/ops:forklift-safety").get_data(as_text=True)
    assert (
        f'Review overdue since <time datetime="{(TODAY - timedelta(days=3)).isoformat()}"' in shown
    )
    dashboard = client.get("/-/spaces/ops/reviews").get_data(as_text=True)
    assert "overdue since" in dashboard and "Forklift safety" in dashboard
    profile = client.get("/-/people/editor").get_data(as_text=True)
    assert "Pages owned by editor" in profile and "review overdue since" in profile
    # Readers see the review but may not change it.
    assert "Mark as verified" not in client.get("/wiki/ops:forklift-safety/review").get_data(
        as_text=True
    )
    refused = client.post("/wiki/ops:forklift-safety/review", data={"action": "verify"})
    assert refused.status_code == 403
    assert (
        db_session.scalar(select(ReviewLog.id).where(ReviewLog.reviewer_id == users["reader"].id))
        is None
    )


def test_a_bad_owner_comes_back_with_the_form(client, auth, db_session, users, ops):
    _page(db_session, users, ops)
    auth.login("editor")
    refused = client.post(
        "/wiki/ops:forklift-safety/review",
        data={"owner": "nobody", "every": "90", "action": "save"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "No person or group is called nobody." in page and 'value="nobody"' in page
    assert '<option value="90" selected>' in page


def test_the_migration_gives_every_page_its_creator(app, db_session, users, ops):
    from alembic import command

    from wiki.db import get_database
    from wiki.ops.migrate import alembic_config, schema_change, upgrade

    page = _page(db_session, users, ops)
    db_session.close()
    engine = get_database(app).write_engine
    config = alembic_config(engine)
    with schema_change(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")
    upgrade(engine)
    assert db_session.get(PageReview, page.id).owner_user_id == users["editor"].id


def test_search_filters_by_freshness(app, client, auth, db_session, users, ops):
    from tests.test_search import search_now

    late = _page(db_session, users, ops, "Forklift safety")
    fine = _page(db_session, users, ops, "Forklift charging")
    _page(db_session, users, ops, "Forklift tyres")
    reviews.change_review(
        db_session, users["editor"], late, "editor", 30, TODAY - timedelta(days=40)
    )
    reviews.change_review(db_session, users["editor"], fine, "editor", 30, TODAY)
    reviews.verify(db_session, users["editor"], fine)
    db_session.commit()
    search_now(app)
    auth.login("reader")

    def found(fresh):
        html = client.get("/-/search", query_string={"q": "forklift", "fresh": fresh}).get_data(
            as_text=True
        )
        return sorted(
            part.split("</a>")[0].split(">")[-1]
            for part in html.split('<h2 dir="auto"><a href="/wiki/')[1:]
        )

    assert found("") == ["Forklift charging", "Forklift safety", "Forklift tyres"]
    assert found("overdue") == ["Forklift safety"]
    assert found("verified") == ["Forklift charging"]
    assert found("stale") == []
    assert found("nonsense") == found("")
