"""``wiki worker``: the background process that tells people about changes.

Each round it reads the outbox (``change_events``) and turns each event into notifications,
each in its own transaction (:func:`wiki.notify.fanout.handle_event`), so a crash loses
nothing and repeats nothing; every few minutes it first adds the reminders that fell due
to the outbox (:mod:`wiki.notify.reminders`). Then it composes the e-mail that is due
(:mod:`wiki.notify.compose`) and sends what waits in the mail outbox
(:mod:`wiki.notify.mail`). Any number of
workers may run, on any hosts: each event and each message is claimed by exactly one.
``wiki serve`` starts one beside the web server unless told not to.
"""

from __future__ import annotations

import signal
import smtplib
import threading
import time
from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select, update

from wiki.config import app_secret
from wiki.db import Database, get_database
from wiki.models import MailMessage, MailStatus, utcnow
from wiki.notify import compose, mail
from wiki.notify.fanout import handle_event, pending_events
from wiki.notify.reminders import due_reminders, note_reminders

__all__ = [
    "deliver_mail",
    "handle_pending",
    "mail_settings",
    "remind_due",
    "run",
    "send_due",
    "worker_command",
]

#: Events read per round; a round ends early when the outbox is empty.
BATCH = 200
#: Seconds the worker leaves mail alone after a failed send (a server that is away may
#: take the whole connection timeout to say so; the notifications must not wait for it).
MAIL_PAUSE = 30.0
#: Seconds between looks for reminders that fell due (they are counted in days).
REMIND_EVERY = 300.0


def handle_pending(database: Database, limit: int = BATCH) -> tuple[int, int]:
    """Handle up to ``limit`` waiting events, one transaction each; returns (events handled,
    notifications made). Database errors propagate (the event stays waiting)."""
    with database.session() as session:
        waiting = pending_events(session, limit)
    made = 0
    for event_id in waiting:
        with database.session(write=True) as session:
            made += handle_event(session, event_id)
            session.commit()
    return len(waiting), made


def remind_due(database: Database, today: date | None = None) -> int:
    """Put the reminders that fell due by ``today`` (the UTC date when None) into the
    outbox, once each; returns how many were new. Only reads when none is due. Database
    errors propagate."""
    today = today or utcnow().date()
    with database.session() as session:
        due = due_reminders(session, today)
    if due:
        with database.session(write=True) as session:
            note_reminders(session, due)
            session.commit()
    return len(due)


def mail_settings(app: Flask) -> mail.MailSettings:
    """The app's mail settings, with its secret key (read or made like the server's).
    Raises OSError when the instance folder cannot hold a new key."""
    return mail.MailSettings.from_config(app.config, app_secret(app))


def deliver_mail(app: Flask) -> tuple[int, int, int]:
    """Compose what is due and send what waits; returns (composed, sent, failed attempts).
    Database errors propagate; mail server errors are failed attempts."""
    database = get_database(app)
    settings = mail_settings(app)
    if not settings.host:
        return 0, 0, 0  # no mail server: nothing is composed either (nothing piles up)
    composed = 0
    # Asked every second: on SQLite a write transaction takes the database's write lock even
    # when it changes nothing, so the worker writes only when there is something to write.
    with database.session() as session:
        due = compose.anything_due(session)
    if due:
        with database.session(write=True) as session:
            composed = compose.compose_due(session, settings)
            session.commit()
    sent, failed = send_due(database, settings)
    return composed, sent, failed


def send_due(database: Database, settings: mail.MailSettings, limit: int = 50) -> tuple[int, int]:
    """Send up to ``limit`` messages whose time has come, each checked again first; returns
    (sent, failed attempts). Each message's state is committed on its own; no transaction
    is open while the mail server is talked to, and none writes when nothing is due.
    Raises nothing but database errors: a mail server that is away or refuses is a failed
    attempt, tried again later."""
    if not settings.host:
        return 0, 0
    now = utcnow()
    stuck = (
        MailMessage.status == MailStatus.SENDING.value,
        MailMessage.next_attempt_at <= now - mail.STUCK_AFTER,
    )
    with database.session() as session:
        any_stuck = session.scalar(select(MailMessage.id).where(*stuck).limit(1)) is not None
    if any_stuck:
        with database.session(write=True) as session:
            session.execute(
                update(MailMessage).where(*stuck).values(status=MailStatus.PENDING.value)
            )
            session.commit()
    with database.session() as session:
        due = list(
            session.scalars(
                select(MailMessage.id)
                .where(
                    MailMessage.status == MailStatus.PENDING.value,
                    MailMessage.next_attempt_at <= now,
                )
                .order_by(MailMessage.id)
                .limit(limit)
            )
        )
    sent = failed = 0
    server: smtplib.SMTP | None = None
    try:
        for message_id in due:
            with database.session(write=True) as session:
                row = session.get(MailMessage, message_id)
                if row is None or row.status != MailStatus.PENDING.value:
                    continue
                if not mail.still_wanted(session, row):
                    row.status = MailStatus.DROPPED.value
                    session.commit()
                    continue
                claimed = session.execute(
                    update(MailMessage)
                    .where(
                        MailMessage.id == message_id,
                        MailMessage.status == MailStatus.PENDING.value,
                    )
                    .values(status=MailStatus.SENDING.value, next_attempt_at=utcnow())
                )
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    continue
                message = mail.build_message(row, settings)
                session.commit()
            error = ""
            try:
                if server is None:
                    server = mail.connect(settings)
                server.send_message(message)
            except (OSError, smtplib.SMTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                if server is not None:
                    server.close()
                    server = None
            with database.session(write=True) as session:
                row = session.get_one(MailMessage, message_id)
                if error:
                    failed += 1
                    row.attempts += 1
                    row.last_error = error
                    row.status = (
                        MailStatus.FAILED.value
                        if row.attempts >= mail.MAX_ATTEMPTS
                        else MailStatus.PENDING.value
                    )
                    row.next_attempt_at = utcnow() + mail.retry_delay(row.attempts)
                else:
                    sent += 1
                    row.status = MailStatus.SENT.value
                    row.sent_at = utcnow()
                    row.last_error = ""
                session.commit()
            if error:
                break  # the server is away or refusing: the rest wait for the next round
    finally:
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
    return sent, failed


def run(app: Flask, interval: float, stop: threading.Event, *, once: bool = False) -> None:
    """Handle events until ``stop`` is set (after one pass when ``once``), waiting
    ``interval`` seconds whenever the outbox is empty. A failing round is logged and
    retried after a pause that doubles up to a minute. Raises nothing."""
    database = get_database(app)
    pause = interval
    mail_resumes = 0.0  # after a failed send, mail waits a while; notifications go on
    next_reminders = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_reminders:
                remind_due(database)
                next_reminders = time.monotonic() + REMIND_EVERY
            handled, made = handle_pending(database)
            if time.monotonic() >= mail_resumes:
                composed, sent, failed = deliver_mail(app)
                if failed:
                    app.logger.warning("worker: the mail server refused or was away")
                    mail_resumes = time.monotonic() + MAIL_PAUSE
                elif composed or sent:
                    app.logger.info("worker: %d messages composed, %d sent", composed, sent)
        except Exception:  # the database may be away for a while: never give up
            app.logger.exception("the worker could not handle the outbox; retrying")
            pause = min(max(pause * 2, interval), 60.0)
            if once:
                raise
            stop.wait(pause)
            continue
        pause = interval
        if handled:
            app.logger.info("worker: %d events, %d notifications", handled, made)
        if once and handled < BATCH:
            return
        if handled < BATCH:
            stop.wait(interval)


@click.command("worker")
@click.option("--once", is_flag=True, help="Handle what is waiting, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=1.0,
    show_default=True,
    help="Seconds between looks at an empty outbox.",
)
@with_appcontext
def worker_command(once: bool, interval: float) -> None:
    """Tell people about changes: turn the outbox into notifications (TERM or Ctrl-C
    stops it after the event at hand)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    started = time.monotonic()
    app.logger.info("the worker is running")
    run(app, interval, stop, once=once)
    app.logger.info("the worker stopped after %.0f s", time.monotonic() - started)
