"""E-mail about notifications, checked at a real SMTP server on loopback (aiosmtpd).

People choose mail at once, a daily or weekly digest, or none. The background worker
composes what is due into the mail outbox and sends it; a message is checked again just
before it goes (access, address, choice), carries a signed one-click unsubscribe link,
and is sent once: a stopped or refusing server delays mail without losing or repeating it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import MAIL_BASE, PASSWORD
from tests.helpers import edit, make_page
from wiki.access import accounts, people, restrictions
from wiki.db import get_database
from wiki.models import (
    EmailFrequency,
    MailMessage,
    MailStatus,
    Role,
    User,
    WatchTarget,
    utcnow,
)
from wiki.notify import mail, watches
from wiki.ops.notifier import deliver_mail, handle_pending

BASE = MAIL_BASE


@pytest.fixture
def cast(mail_app, db_session, users):
    """The editor writes; "watcher" watches, with an address and mail at once."""
    watcher = accounts.create_user(db_session, "watcher", PASSWORD, Role.EDITOR)
    people.update_profile(db_session, watcher, "Wanda Watcher", "wanda@example.com", "")
    watcher.email_frequency = EmailFrequency.IMMEDIATE.value
    db_session.commit()
    page = make_page(db_session, users["editor"], "Loading dock", "Doors open at 7.\n")
    handle_pending(get_database(mail_app))
    watches.watch(db_session, watcher, WatchTarget.PAGE, page=page)
    db_session.commit()
    return watcher, page


def run(app):
    """One round of the background worker: notifications, then mail."""
    handle_pending(get_database(app))
    return deliver_mail(app)


def outbox(session) -> list[MailMessage]:
    session.commit()  # a new transaction: it sees what the worker committed since
    session.expire_all()
    return list(session.scalars(select(MailMessage).order_by(MailMessage.id)))


def test_a_change_reaches_a_watcher_at_once_by_mail_with_what_why_and_how_to_stop(
    mail_app, db_session, users, smtp, cast
):
    watcher, page = cast
    edit(db_session, users["editor"], page, "Doors open at 6.\n", summary="earlier start")
    assert run(mail_app) == (1, 1, 0)
    [message] = smtp.messages
    assert message["To"] == "wanda@example.com"
    assert message["Subject"] == "[Bureaupedia] editor edited \u201cLoading dock\u201d"
    body = message.get_content()
    assert "Summary: earlier start" in body
    assert "- Doors open at 7." in body and "+ Doors open at 6." in body
    assert f"{BASE}/wiki/{page.slug}/diff/1/2" in body
    assert "you watch this page" in body
    token = mail.unsubscribe_token("test-secret", watcher.id)
    assert message["List-Unsubscribe"].strip() == f"<{BASE}/-/unsubscribe/{token}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [stored] = outbox(db_session)
    assert message["Message-ID"] == stored.message_id and stored.status == MailStatus.SENT
    # Another round sends nothing again.
    assert run(mail_app) == (0, 0, 0) and len(smtp.messages) == 1


def test_a_digest_gathers_the_changes_of_its_period_into_one_message(
    mail_app, db_session, users, smtp, cast
):
    watcher, page = cast
    watcher.email_frequency = EmailFrequency.DAILY.value
    watcher.digest_through = utcnow() - timedelta(hours=1)  # the last digest went an hour ago
    db_session.commit()
    edit(db_session, users["editor"], page, "Doors open at 6.\n")
    edit(db_session, users["editor"], page, "Doors open at 5.\n")
    assert run(mail_app) == (0, 0, 0)  # not due yet
    db_session.execute(
        update(User)
        .where(User.id == watcher.id)
        .values(digest_through=utcnow() - timedelta(days=1, minutes=1))
    )
    db_session.commit()
    assert run(mail_app)[:2] == (1, 1)
    [digest] = smtp.messages
    assert digest["Subject"] == "[Bureaupedia] Your daily digest: 2 changes"
    body = digest.get_content()
    assert body.count("editor edited \u201cLoading dock\u201d") == 2
    assert "daily digest because you chose it" in body
    assert run(mail_app) == (0, 0, 0) and len(smtp.messages) == 1


def test_a_stopped_or_refusing_server_delays_mail_without_losing_or_repeating_it(
    mail_app, db_session, users, smtp, cast
):
    _watcher, page = cast
    smtp.stop()
    edit(db_session, users["editor"], page, "Doors open at 6.\n")
    assert run(mail_app) == (1, 0, 1)
    [waiting] = outbox(db_session)
    assert waiting.status == MailStatus.PENDING and waiting.attempts == 1
    assert waiting.next_attempt_at > utcnow() and "Error" in waiting.last_error
    # Not before its time: the round after sends nothing, even with the server back.
    smtp.start()
    smtp.refuse = True
    assert run(mail_app) == (0, 0, 0)
    db_session.execute(update(MailMessage).values(next_attempt_at=utcnow()))
    db_session.commit()
    assert run(mail_app) == (0, 0, 1)  # the server answers, but refuses for now
    assert outbox(db_session)[0].attempts == 2
    smtp.refuse = False
    db_session.execute(update(MailMessage).values(next_attempt_at=utcnow()))
    db_session.commit()
    assert run(mail_app) == (0, 1, 0)
    assert len(smtp.messages) == 1 and outbox(db_session)[0].status == MailStatus.SENT
    assert run(mail_app) == (0, 0, 0) and len(smtp.messages) == 1


def test_a_message_is_given_up_after_the_last_attempt_and_admins_see_it(
    mail_app, db_session, users, smtp, cast
):
    _watcher, page = cast
    smtp.refuse = True
    edit(db_session, users["editor"], page, "Doors open at 6.\n")
    run(mail_app)
    for _ in range(mail.MAX_ATTEMPTS - 1):
        db_session.execute(update(MailMessage).values(next_attempt_at=utcnow()))
        db_session.commit()
        run(mail_app)
    [given_up] = outbox(db_session)
    assert given_up.status == MailStatus.FAILED and given_up.attempts == mail.MAX_ATTEMPTS
    client = mail_app.test_client()
    client.post("/-/login", data={"username": "admin", "password": PASSWORD})
    status = client.get("/-/admin/mail").get_data(as_text=True)
    assert "Given up" in status and "Mailbox busy" in status


def test_retries_wait_longer_each_time():
    delays = [mail.retry_delay(n) for n in range(1, 12)]
    assert delays[0] == timedelta(minutes=1) and delays == sorted(delays)
    assert delays[-1] == timedelta(hours=6)


def test_no_mail_about_a_page_its_reader_lost_access_to_before_it_went(
    mail_app, db_session, users, smtp, cast
):
    _watcher, page = cast
    smtp.stop()
    edit(db_session, users["editor"], page, "The layoff list.\n")
    run(mail_app)  # composed; the server is away
    smtp.start()
    with mail_app.test_request_context():
        restrictions.set_restriction(db_session, users["admin"], page, "read", "", "editor")
        db_session.commit()
    db_session.execute(update(MailMessage).values(next_attempt_at=utcnow()))
    db_session.commit()
    assert run(mail_app) == (0, 0, 0)
    assert smtp.messages == [] and outbox(db_session)[0].status == MailStatus.DROPPED


def test_nobody_without_an_address_or_who_chose_none_gets_mail(
    mail_app, db_session, users, smtp, cast
):
    watcher, page = cast
    watcher.email_frequency = EmailFrequency.OFF.value
    watches.watch(db_session, users["reader"], WatchTarget.PAGE, page=page)  # no address
    db_session.commit()
    edit(db_session, users["editor"], page, "Doors open at 6.\n")
    run(mail_app)
    assert smtp.messages == [] and outbox(db_session) == []


def test_the_unsubscribe_link_stops_mail_with_one_click_and_needs_its_signature(
    mail_app, db_session, users, smtp, cast
):
    watcher, page = cast
    token = mail.unsubscribe_token("test-secret", watcher.id)
    browser = mail_app.test_client()  # not signed in: a mail program
    shown = browser.get(f"/-/unsubscribe/{token}")
    assert shown.status_code == 200 and "Stop the e-mails" in shown.get_data(as_text=True)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert browser.post(f"/-/unsubscribe/{forged}").status_code == 404
    db_session.commit()
    db_session.refresh(watcher)
    assert watcher.email_frequency == EmailFrequency.IMMEDIATE
    done = browser.post(f"/-/unsubscribe/{token}")
    assert done.status_code == 200 and "no more e-mail" in done.get_data(as_text=True)
    db_session.commit()
    db_session.refresh(watcher)
    assert watcher.email_frequency == EmailFrequency.OFF
    edit(db_session, users["editor"], page, "Doors open at 6.\n")
    run(mail_app)
    assert smtp.messages == []


def test_people_choose_how_often_they_get_mail(mail_app, db_session, users, cast):
    client = mail_app.test_client()
    client.post("/-/login", data={"username": "watcher", "password": PASSWORD})
    page = client.get("/-/watching").get_data(as_text=True)
    assert "E-mail to <bdi>wanda@example.com</bdi>" in page
    assert (
        client.post("/-/watching/settings", data={"email_frequency": "weekly"}).status_code == 302
    )
    assert (
        client.post("/-/watching/settings", data={"email_frequency": "hourly"}).status_code == 400
    )
    db_session.expire_all()
    assert accounts.get_user(db_session, "watcher").email_frequency == EmailFrequency.WEEKLY


def test_an_idle_round_of_the_worker_writes_nothing(mail_app, db_session, cast, monkeypatch):
    """The worker looks every second; on SQLite even an empty write transaction takes the
    database's write lock from the people saving pages."""
    run(mail_app)  # whatever the setting up left to do
    database = get_database(mail_app)
    opened: list[bool] = []
    real = database.session
    monkeypatch.setattr(
        database, "session", lambda *, write=False: opened.append(write) or real(write=write)
    )
    assert run(mail_app) == (0, 0, 0)
    assert opened and True not in opened
