"""Reminders: owners hear before a page's review falls due, and when an action item of
theirs becomes overdue; and who is given an action item hears of it.

Reminders are not changes, so nothing writes them at save time: the worker looks for what
fell due (:func:`due_reminders`, only reading) and writes each as an event of the outbox
with a ``dedupe_key`` that the database keeps unique (:func:`note_reminders`), so each
reminder is made once however many workers look. Who hears of it, and whether it still
holds (the review done, the box ticked meanwhile), is decided when the event is handled,
like any event (:mod:`wiki.notify.fanout`).

Assignments come with a save: handling a revision's event compares the action items of the
text before and after (:func:`added_assignments`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from wiki.content.records.action_items import tasks_of
from wiki.models import (
    ActionItem,
    ChangeEvent,
    EventKind,
    GroupMember,
    Page,
    PageReview,
    User,
    utcnow,
)

__all__ = [
    "OVERDUE_WITHIN",
    "REVIEW_NOTICE",
    "Reminder",
    "added_assignments",
    "due_reminders",
    "note_reminders",
    "reminder_recipients",
]

#: How long before its due date a review's owners are reminded.
REVIEW_NOTICE = timedelta(days=7)
#: Only items and reviews that fell due this recently are told of: the first run of the
#: worker on an old wiki does not send years of forgotten items at once.
OVERDUE_WITHIN = timedelta(days=14)


@dataclass(frozen=True)
class Reminder:
    """A reminder due, not yet in the outbox."""

    dedupe_key: str
    kind: EventKind
    page_id: int
    revision_id: int
    due: date
    detail: str = ""
    addressee_key: str | None = None


def added_assignments(before: str, after: str) -> dict[str, str]:
    """The open action items of ``after`` whose owner did not have an open item of the same
    text in ``before``: the case-folded owner's username, with the text (the first, when
    one person was given several). Raises nothing."""
    held = {(t.owner.casefold(), t.text) for t in tasks_of(before) if t.owner and not t.done}
    given: dict[str, str] = {}
    for task in tasks_of(after):
        if task.owner and not task.done:
            key = task.owner.casefold()
            if (key, task.text) not in held:
                given.setdefault(key, task.text)
    return given


def _item_key(page_id: int, owner_key: str, due: date, text: str) -> str:
    # Positions shift when lines are added above: the text names the item instead.
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"overdue:{page_id}:{owner_key}:{due.isoformat()}:{digest}"


def due_reminders(session: Session, today: date) -> list[Reminder]:
    """The reminders due on ``today`` that are not in the outbox yet: reviews falling due
    within :data:`REVIEW_NOTICE`, and open action items whose due date passed, of pages
    that are not deleted. Only reads. Raises nothing but database errors."""
    found: list[Reminder] = []
    reviews = session.execute(
        select(PageReview.page_id, PageReview.review_due, Page.current_revision_id)
        .join(Page, Page.id == PageReview.page_id)
        .where(
            PageReview.review_due.is_not(None),
            PageReview.review_due <= today + REVIEW_NOTICE,
            PageReview.review_due >= today - OVERDUE_WITHIN,
            (PageReview.owner_user_id.is_not(None)) | (PageReview.owner_group_id.is_not(None)),
            Page.deleted.is_(False),
            Page.current_revision_id.is_not(None),
        )
    )
    for page_id, due, revision_id in reviews:
        if due is None or revision_id is None:  # the query left them out
            continue
        found.append(
            Reminder(
                f"review:{page_id}:{due.isoformat()}", EventKind.REVIEW, page_id, revision_id, due
            )
        )
    items = session.execute(
        select(ActionItem.page_id, ActionItem.owner_key, ActionItem.due, ActionItem.text)
        .add_columns(Page.current_revision_id)
        .join(Page, Page.id == ActionItem.page_id)
        .where(
            ActionItem.done.is_(False),
            ActionItem.owner_key.is_not(None),
            ActionItem.due < today,
            ActionItem.due >= today - OVERDUE_WITHIN,
            Page.deleted.is_(False),
            Page.current_revision_id.is_not(None),
        )
    )
    for page_id, owner_key, due, text, revision_id in items:
        if due is None or revision_id is None or owner_key is None:  # the query left them out
            continue
        found.append(
            Reminder(
                _item_key(page_id, owner_key, due, text),
                EventKind.OVERDUE,
                page_id,
                revision_id,
                due,
                detail=text,
                addressee_key=owner_key,
            )
        )
    if not found:
        return []
    made: set[str] = set()
    keys = [reminder.dedupe_key for reminder in found]
    for start in range(0, len(keys), 500):
        made.update(
            session.scalars(
                select(ChangeEvent.dedupe_key).where(
                    ChangeEvent.dedupe_key.in_(keys[start : start + 500])
                )
            )
        )
    return [reminder for reminder in found if reminder.dedupe_key not in made]


def note_reminders(session: Session, reminders: list[Reminder]) -> None:
    """Write ``reminders`` into the outbox; one another worker wrote meanwhile is left
    alone. The caller commits. Raises nothing but database errors."""
    if not reminders:
        return
    now = utcnow()
    rows = [
        {
            "page_id": r.page_id,
            "revision_id": r.revision_id,
            "actor_id": None,
            "created_at": now,
            "kind": r.kind.value,
            "detail": r.detail,
            "due": r.due,
            "addressee_key": r.addressee_key,
            "dedupe_key": r.dedupe_key,
        }
        for r in reminders
    ]
    dialect = session.get_bind().dialect.name
    statement = (
        postgresql.insert(ChangeEvent) if dialect == "postgresql" else sqlite.insert(ChangeEvent)
    )
    if dialect in ("postgresql", "sqlite"):
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
        session.execute(statement, rows)
    else:  # pragma: no cover - the wiki runs on SQLite and PostgreSQL only
        session.execute(insert(ChangeEvent), rows)


def reminder_recipients(session: Session, event: ChangeEvent) -> dict[int, tuple[str, str]]:
    """Who hears of the reminder ``event`` now, with the reason and what it names: the
    review's owner (each member of an owning group) while the review is still due on the
    same day, or the action item's owner while the item is still open and due that day.
    Raises nothing but database errors."""
    detail = event.detail
    if event.kind == EventKind.REVIEW:
        review = session.get(PageReview, event.page_id)
        if review is None or review.review_due != event.due:
            return {}  # verified or rescheduled since
        if review.owner_user_id is not None:
            return {review.owner_user_id: (EventKind.REVIEW.value, detail)}
        if review.owner_group_id is None:
            return {}
        members = session.scalars(
            select(GroupMember.user_id).where(GroupMember.group_id == review.owner_group_id)
        )
        return {user_id: (EventKind.REVIEW.value, detail) for user_id in members}
    if event.kind == EventKind.OVERDUE and event.addressee_key:
        still_open = session.scalar(
            select(ActionItem.position)
            .where(
                ActionItem.page_id == event.page_id,
                ActionItem.owner_key == event.addressee_key,
                ActionItem.due == event.due,
                ActionItem.text == event.detail,
                ActionItem.done.is_(False),
            )
            .limit(1)
        )
        if still_open is None:
            return {}
        owner = session.scalar(select(User.id).where(User.username_key == event.addressee_key))
        return {} if owner is None else {owner: (EventKind.OVERDUE.value, detail)}
    return {}
