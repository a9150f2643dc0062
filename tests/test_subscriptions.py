"""A group follows a space: "everyone in Sales gets the weekly digest of the Sales space".

Site admins and the space's admins subscribe a group; its members hear of the space's
changes (on the pages each may read) and get its mail as the subscription says, unless they
opt out or chose no mail at all; their own watches come first and keep their own mail.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import MAIL_BASE as BASE
from tests.conftest import PASSWORD
from tests.helpers import edit
from wiki.access import accounts, audit, grants, groups, people, restrictions
from wiki.content import spaces
from wiki.content.pages import Limits, create_page
from wiki.db import get_database
from wiki.errors import Forbidden, InvalidInput
from wiki.models import (
    AuditEvent,
    EmailFrequency,
    MailMessage,
    MailStatus,
    Notification,
    Role,
    SpaceSubscription,
    User,
    WatchTarget,
    utcnow,
)
from wiki.notify import mail, subscriptions, watches
from wiki.ops.notifier import deliver_mail, handle_pending


@pytest.fixture
def world(mail_app, db_session, users):
    """The space Sales and the group "sales" (sam and sue, with addresses and a daily
    digest of their own); the editor writes in Sales. Returns (app, space, group)."""
    app = mail_app
    admin = users["admin"]
    space = spaces.create_space(db_session, admin, "sales", "Sales", open_to_signed_in=True)
    team = groups.create_group(db_session, admin, "sales", "Sales team")
    for name in ("sam", "sue"):
        person = accounts.create_user(db_session, name, PASSWORD, Role.READER)
        people.update_profile(db_session, person, name.title(), f"{name}@example.com", "")
    groups.change_members(db_session, admin, team, "add", "sam sue editor")
    db_session.commit()
    return app, space, team


def make_page(session, author, title, body, space):
    """A page of ``space``, committed."""
    page = create_page(session, author, title, body, "", Limits(), space=space).page
    session.commit()
    return page


def run(app):
    handle_pending(get_database(app))
    return deliver_mail(app)


def notes(session, username) -> list[tuple[str, str, bool]]:
    """(reason, what it names, through a subscription) of a person's notifications."""
    session.commit()
    session.expire_all()
    user = accounts.get_user(session, username)
    return [
        (note.reason, note.reason_detail, note.subscription_id is not None)
        for note in session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]


def _a_week_passes(session):
    session.execute(
        update(SpaceSubscription).values(digest_through=utcnow() - timedelta(days=7, minutes=1))
    )
    session.commit()


def test_members_of_a_subscribed_group_hear_of_the_space_and_get_its_weekly_digest(
    world, db_session, users, smtp
):
    app, space, _team = world
    sub = subscriptions.subscribe_group(db_session, users["admin"], space, "sales", "weekly")
    db_session.commit()
    page = make_page(db_session, users["editor"], "Price list", "Widgets: 10.\n", space=space)
    edit(db_session, users["editor"], page, "Widgets: 12.\n")
    assert run(app)[:2] == (0, 0)  # the week has not passed: nothing at once

    assert notes(db_session, "sam") == [("group", "Sales team", True)] * 2
    assert notes(db_session, "editor") == []  # in the group, but the author
    assert notes(db_session, "reader") == []  # not in the group

    _a_week_passes(db_session)
    assert run(app)[:2] == (2, 2)
    by_address = {message["To"]: message for message in smtp.messages}
    assert sorted(by_address) == ["sam@example.com", "sue@example.com"]
    message = by_address["sam@example.com"]
    assert message["Subject"] == "[Bureaupedia] The weekly digest of Sales: 2 changes"
    body = message.get_content()
    assert body.count("editor") == 2 and "\u201cPrice list\u201d" in body
    assert "you are in the group Sales team, which follows the space Sales" in body
    sam = accounts.get_user(db_session, "sam")
    token = mail.unsubscribe_token("test-secret", sam.id, sub.id)
    assert message["List-Unsubscribe"].strip() == f"<{BASE}/-/unsubscribe/{token}>"
    assert f"{BASE}/-/unsubscribe/{token}" in body
    assert run(app) == (0, 0, 0)  # once

    # Their own daily digest does not tell it again.
    db_session.execute(update(User).values(digest_through=utcnow() - timedelta(days=2)))
    db_session.commit()
    assert run(app) == (0, 0, 0)


def test_ones_own_watch_comes_first_and_keeps_ones_own_mail(world, db_session, users, smtp):
    app, space, _team = world
    subscriptions.subscribe_group(db_session, users["admin"], space, "sales", "weekly")
    sue = accounts.get_user(db_session, "sue")
    sue.email_frequency = EmailFrequency.IMMEDIATE.value
    watches.watch(db_session, sue, WatchTarget.SPACE, space=space)
    sam = accounts.get_user(db_session, "sam")
    sam.email_frequency = EmailFrequency.OFF.value  # no mail at all, whoever asks
    db_session.commit()
    make_page(db_session, users["editor"], "Price list", "Widgets: 10.\n", space=space)
    assert run(app)[:2] == (1, 1)
    assert notes(db_session, "sue") == [("space", "Sales", False)]
    [message] = smtp.messages
    assert message["To"] == "sue@example.com"
    assert "because you watch the space Sales" in message.get_content()

    _a_week_passes(db_session)
    assert run(app) == (0, 0, 0)  # sam chose no mail; sue was told already
    assert notes(db_session, "sam") == [("group", "Sales team", True)]  # still in the wiki


def test_only_pages_a_member_may_read_reach_them(world, db_session, users):
    app, space, _team = world
    subscriptions.subscribe_group(db_session, users["admin"], space, "sales", "immediate")
    page = make_page(db_session, users["editor"], "Margins", "Secret.\n", space=space)
    restrictions.set_restriction(db_session, users["admin"], page, "read", "", "sam editor")
    db_session.commit()
    edit(db_session, users["editor"], page, "Still secret.\n")
    run(app)
    assert notes(db_session, "sam") == [("group", "Sales team", True)] * 2
    assert notes(db_session, "sue") == []  # told when handled: she may not read it by then


def test_a_member_opts_out_with_the_mails_link_and_comes_back_from_their_watch_list(
    world, db_session, users, smtp
):
    app, space, _team = world
    sub = subscriptions.subscribe_group(db_session, users["admin"], space, "sales", "immediate")
    db_session.commit()
    page = make_page(db_session, users["editor"], "Price list", "Widgets: 10.\n", space=space)
    run(app)
    message = next(m for m in smtp.messages if m["To"] == "sam@example.com")
    link = message["List-Unsubscribe"].strip().strip("<>").removeprefix(BASE)

    client = app.test_client()
    shown = client.get(link).get_data(as_text=True)
    assert "Stop the e-mails of the space <bdi>Sales</bdi>" in shown
    assert "<bdi>Sales team</bdi>" in shown
    done = client.post(link).get_data(as_text=True)
    assert "no more e-mail of the space <bdi>Sales</bdi>" in done
    db_session.commit()
    sam = accounts.get_user(db_session, "sam")
    db_session.refresh(sam)
    assert sam.email_frequency == EmailFrequency.DAILY.value  # their own mail is untouched

    edit(db_session, users["editor"], page, "Widgets: 12.\n")
    run(app)
    assert len(notes(db_session, "sam")) == 1 and len(notes(db_session, "sue")) == 2

    client.post("/-/login", data={"username": "sam", "password": PASSWORD})
    listing = client.get("/-/watching").get_data(as_text=True)
    assert "through the group <bdi>Sales team</bdi>" in listing and "you opted out" in listing
    client.post(f"/-/watching/groups/{sub.id}", data={"follow": "1"})
    db_session.commit()  # a new transaction: it sees what the request wrote
    edit(db_session, users["editor"], page, "Widgets: 14.\n")
    run(app)
    assert len(notes(db_session, "sam")) == 2


def test_the_spaces_admins_manage_its_groups_and_nobody_else(world, db_session, users):
    app, space, _team = world
    with pytest.raises(Forbidden):
        subscriptions.subscribe_group(db_session, users["editor"], space, "sales", "weekly")
    grants.set_grant(db_session, users["admin"], space, "user", "editor", "admin")
    db_session.commit()
    editor = accounts.get_user(db_session, "editor")
    with pytest.raises(InvalidInput) as refused:
        subscriptions.subscribe_group(db_session, editor, space, "nobody", "hourly")
    assert set(refused.value.errors) == {"group", "frequency"}
    sub = subscriptions.subscribe_group(db_session, editor, space, "sales", "daily")
    subscriptions.subscribe_group(db_session, editor, space, "sales", "weekly")
    db_session.commit()
    assert db_session.get(SpaceSubscription, sub.id).frequency == "weekly"
    logged = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == audit.AuditAction.SPACE_SUBSCRIPTION)
    ).all()
    assert [(e.details["before"], e.details["after"]) for e in logged] == [
        ("none", "daily"),
        ("daily", "weekly"),
    ]


def test_the_page_of_a_spaces_groups_subscribes_one_and_keeps_a_bad_choice(
    world, db_session, users
):
    app, space, _team = world
    client = app.test_client()
    client.post("/-/login", data={"username": "admin", "password": PASSWORD})
    page = client.get("/-/spaces/sales/subscriptions").get_data(as_text=True)
    assert "No group follows this space." in page and "Sales team (3 members)" in page
    refused = client.post(
        "/-/spaces/sales/subscriptions", data={"group": "sales", "frequency": "hourly"}
    )
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "Choose how the group" in body and '<option value="sales" selected>' in body
    saved = client.post(
        "/-/spaces/sales/subscriptions", data={"group": "sales", "frequency": "daily"}
    )
    assert saved.status_code == 302
    page = client.get("/-/spaces/sales/subscriptions").get_data(as_text=True)
    assert "Stop <bdi>Sales team</bdi> following" in page and "A daily digest" in page
    assert "Groups following this space" in client.get("/-/spaces/sales").get_data(as_text=True)

    reader = app.test_client()
    reader.post("/-/login", data={"username": "sam", "password": PASSWORD})
    assert reader.get("/-/spaces/sales/subscriptions").status_code == 403


def test_ending_a_subscription_sends_none_of_its_waiting_mail(world, db_session, users, smtp):
    app, space, _team = world
    sub = subscriptions.subscribe_group(db_session, users["admin"], space, "sales", "immediate")
    db_session.commit()
    make_page(db_session, users["editor"], "Price list", "Widgets: 10.\n", space=space)
    smtp.stop()
    assert run(app)[0] == 2  # composed, but the server is away
    subscriptions.unsubscribe_group(db_session, users["admin"], space, sub.id)
    db_session.commit()
    smtp.start()
    db_session.execute(update(MailMessage).values(next_attempt_at=utcnow()))
    db_session.commit()
    assert run(app) == (0, 0, 0)
    statuses = db_session.scalars(select(MailMessage.status)).all()
    assert statuses and set(statuses) == {MailStatus.DROPPED.value}
    assert smtp.messages == []


def test_deleting_a_group_ends_its_subscriptions(world, db_session, users, smtp):
    app, space, team = world
    subscriptions.subscribe_group(db_session, users["admin"], space, "sales", "weekly")
    db_session.commit()
    make_page(db_session, users["editor"], "Price list", "Widgets: 10.\n", space=space)
    handle_pending(get_database(app))
    groups.delete_group(db_session, users["admin"], team)
    db_session.commit()
    assert db_session.scalars(select(SpaceSubscription)).all() == []
    _a_week_passes(db_session)
    assert run(app) == (0, 0, 0)  # what it told stays in the wiki, unmailed
    assert notes(db_session, "sam") == [("group", "Sales team", False)]
