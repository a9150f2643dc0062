"""Action items and reviews reach their owners: who is given an action item hears of it,
owners hear before a page's review falls due and when an item of theirs becomes overdue.

Reminders are made by the worker once each (however many workers look), checked again when
they are handled (a review done or a box ticked meanwhile tells nobody), and go only to
people who may read the page, like every notification.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import MAIL_BASE as BASE
from tests.conftest import PASSWORD
from tests.helpers import edit, make_page
from wiki.access import accounts, groups, people, restrictions
from wiki.content.records import reviews
from wiki.db import get_database
from wiki.models import ChangeEvent, EmailFrequency, Notification, Role, utcnow
from wiki.notify.reminders import OVERDUE_WITHIN, REVIEW_NOTICE
from wiki.ops.notifier import deliver_mail, handle_pending, remind_due


@pytest.fixture
def cast(app, db_session, users):
    """The editor writes; "owen" (an editor) and "rita" (a reader) are given work."""
    made = dict(users)
    made["owen"] = accounts.create_user(db_session, "owen", PASSWORD, Role.EDITOR)
    made["rita"] = accounts.create_user(db_session, "rita", PASSWORD, Role.READER)
    db_session.commit()
    return made


def worker(app) -> tuple[int, int]:
    """One round of the worker: reminders that fell due, then the outbox."""
    remind_due(get_database(app))
    return handle_pending(get_database(app))


def told(session, user) -> list[tuple[str, str]]:
    """(reason, what it names) of each of ``user``'s notifications, oldest first."""
    session.commit()
    session.expire_all()
    return [
        (note.reason, note.reason_detail)
        for note in session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]


def today():
    return utcnow().date()


def test_whoever_is_given_an_action_item_hears_of_it_once(app, db_session, cast):
    editor, owen, rita = cast["editor"], cast["owen"], cast["rita"]
    page = make_page(db_session, editor, "Move", "- [ ] @owen book the freight elevator\n")
    worker(app)
    assert told(db_session, owen) == [("assigned", "book the freight elevator")]

    # A new due date, or another line, is not a new assignment.
    edit(db_session, editor, page, "- [ ] @owen 2027-01-04 book the freight elevator\n\nMore.\n")
    worker(app)
    assert told(db_session, owen) == [("assigned", "book the freight elevator")]

    # Handing it over tells the new owner; writing one for oneself tells nobody.
    edit(db_session, editor, page, "- [ ] @rita book the freight elevator\n- [ ] @editor pay\n")
    worker(app)
    assert told(db_session, rita) == [("assigned", "book the freight elevator")]
    assert told(db_session, editor) == []


def test_an_assignment_outranks_a_mention_and_needs_the_right_to_read(app, db_session, cast):
    editor, owen, rita = cast["editor"], cast["owen"], cast["rita"]
    page = make_page(db_session, editor, "Audit", "Ask @owen.\n")
    worker(app)
    restrictions.set_restriction(db_session, cast["admin"], page, "read", "", "owen editor")
    db_session.commit()
    edit(db_session, editor, page, "Ask @owen.\n- [ ] @owen check the ledger\n- [ ] @rita sign\n")
    worker(app)
    assert told(db_session, owen)[-1] == ("assigned", "check the ledger")
    assert told(db_session, rita) == []  # she may not read the page


def _review(session, actor, page, owner, due_in_days):
    """Give ``page`` a monthly review due in ``due_in_days`` days, owned by ``owner``."""
    reviews.change_review(session, actor, page, owner, 30, today() - timedelta(30 - due_in_days))
    session.commit()


def test_an_owner_hears_a_week_before_a_review_falls_due_and_only_once(
    app, more_apps, db_session, cast
):
    editor, owen = cast["editor"], cast["owen"]
    later = make_page(db_session, editor, "Fire drill", "Twice a year.\n")
    soon = make_page(db_session, editor, "Badge policy", "Wear it.\n")
    worker(app)
    _review(db_session, cast["admin"], later, "owen", REVIEW_NOTICE.days + 3)
    _review(db_session, cast["admin"], soon, "owen", REVIEW_NOTICE.days - 2)

    worker(app)
    assert told(db_session, owen) == [("review", "")]
    second_worker = more_apps()
    assert remind_due(get_database(second_worker)) == 0  # made once, whoever looks
    assert remind_due(get_database(app)) == 0
    event = db_session.scalars(select(ChangeEvent).where(ChangeEvent.kind == "review")).one()
    assert (event.page_id, event.due) == (soon.id, today() + REVIEW_NOTICE - timedelta(2))

    # A week before the later one falls due, it is its turn.
    assert remind_due(get_database(app), today() + timedelta(3)) == 1


def test_a_review_done_before_the_reminder_is_handled_tells_nobody(app, db_session, cast):
    page = make_page(db_session, cast["editor"], "Badge policy", "Wear it.\n")
    worker(app)
    _review(db_session, cast["admin"], page, "owen", 2)
    assert remind_due(get_database(app)) == 1
    reviews.verify(db_session, cast["owen"], page)
    db_session.commit()
    handle_pending(get_database(app))
    assert told(db_session, cast["owen"]) == []


def test_a_group_owning_a_review_is_reminded_member_by_member_who_may_read(app, db_session, cast):
    admin, owen, rita = cast["admin"], cast["owen"], cast["rita"]
    safety = groups.create_group(db_session, admin, "safety", "Safety team")
    groups.change_members(db_session, admin, safety, "add", "owen rita")
    page = make_page(db_session, cast["editor"], "Ladders", "Check the feet.\n")
    worker(app)
    _review(db_session, admin, page, "group:safety", 1)
    restrictions.set_restriction(db_session, admin, page, "read", "", "owen editor")
    db_session.commit()
    worker(app)
    assert told(db_session, owen) == [("review", "")]
    assert told(db_session, rita) == []


def test_an_item_that_becomes_overdue_reminds_its_owner_unless_ticked_meanwhile(
    app, db_session, cast
):
    editor, owen = cast["editor"], cast["owen"]
    yesterday = (today() - timedelta(1)).isoformat()
    long_ago = (today() - OVERDUE_WITHIN - timedelta(1)).isoformat()
    tomorrow = (today() + timedelta(1)).isoformat()
    body = (
        f"- [ ] @owen {yesterday} order ladders\n"
        f"- [ ] @owen {yesterday} test alarms\n"
        f"- [ ] @owen {long_ago} forgotten long ago\n"
        f"- [ ] @owen {tomorrow} not yet\n"
        f"- [x] @owen {yesterday} done already\n"
    )
    page = make_page(db_session, editor, "Move", body)
    worker(app)  # the assignments, and the reminders of the two overdue items
    notes = told(db_session, owen)
    assert notes.count(("overdue", "order ladders")) == 1
    assert notes.count(("overdue", "test alarms")) == 1
    assert not any(
        detail == "forgotten long ago" for reason, detail in notes if reason == "overdue"
    )

    # Lines added above do not make the same item overdue again.
    edit(db_session, editor, page, "Intro.\n" + body)
    worker(app)
    assert len(told(db_session, owen)) == len(notes)

    # Ticked between the reminder being noticed and being handled: nobody hears.
    other = make_page(db_session, editor, "Canteen", f"- [ ] @owen {yesterday} fix the tap\n")
    handle_pending(get_database(app))
    assert remind_due(get_database(app)) == 1
    edit(db_session, owen, other, f"- [x] @owen {yesterday} fix the tap\n")
    handle_pending(get_database(app))
    assert ("overdue", "fix the tap") not in told(db_session, owen)


def test_reminders_arrive_by_mail_and_show_in_the_list(mail_app, smtp, db_session, cast):
    app = mail_app
    owen = cast["owen"]
    people.update_profile(db_session, owen, "Owen Owner", "owen@example.com", "")
    owen.email_frequency = EmailFrequency.IMMEDIATE.value
    db_session.commit()
    yesterday = (today() - timedelta(1)).isoformat()
    page = make_page(db_session, cast["editor"], "Move", f"- [ ] @owen {yesterday} order\n")
    worker(app)
    _review(db_session, cast["admin"], page, "owen", 3)
    worker(app)
    assert deliver_mail(app)[:2] == (3, 3)

    by_subject = {message["Subject"]: message.get_content() for message in smtp.messages}
    due = today() + timedelta(3)
    assert sorted(by_subject) == [
        f"[Bureaupedia] Overdue since {yesterday}: \u201corder\u201d on \u201cMove\u201d",
        f"[Bureaupedia] The review of \u201cMove\u201d falls due on {due}",
        "[Bureaupedia] editor created \u201cMove\u201d",
    ]
    assigned = by_subject["[Bureaupedia] editor created \u201cMove\u201d"]
    assert "because you were given an action item: \u201corder\u201d" in assigned
    overdue = by_subject[sorted(by_subject)[0]]
    assert "because the action item is yours" in overdue
    assert f"See the page: {BASE}/wiki/move" in overdue
    review = by_subject[sorted(by_subject)[1]]
    assert "because you look after this page" in review

    client = app.test_client()
    client.post("/-/login", data={"username": "owen", "password": PASSWORD})
    listing = client.get("/-/notifications").get_data(as_text=True)
    assert "Reminder: the review of" in listing and f'datetime="{due}"' in listing
    assert 'Overdue: <q dir="auto">order</q>' in listing
    assert "You were given an action item: \u201corder\u201d." in listing
