"""A person's notifications: the list, the bell's count, marking them read.

Both the list and the count go through the permission module: a notification about a page
its owner may no longer read (access changed, the page was deleted) is neither shown nor
counted, exactly as if it had never been made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from wiki.access.permissions import Viewer, visible_pages
from wiki.content.feeds import describe_kind
from wiki.models import ChangeEvent, Notification, Page, Revision, User, utcnow
from wiki.notify.fanout import why

__all__ = ["BELL_MOST", "Shown", "mark_read", "notifications_of", "unread_count"]

#: The bell counts up to this many, then shows "99+".
BELL_MOST = 99


@dataclass(frozen=True)
class Shown:
    """One notification as the list shows it."""

    id: int
    created_at: datetime
    read: bool
    reason: str
    reason_detail: str
    page_title: str
    page_slug: str
    revision_number: int
    previous_number: int | None
    what: str  # "edited", "created"...
    summary: str
    actor_name: str
    excerpt: str
    kind: str  # an EventKind: a change, or a reminder
    why: str  # why its reader was told, in a sentence
    detail: str  # a reminder's action item
    due: date | None  # a reminder's due date


def unread_count(session: Session, user: Viewer, user_id: int) -> int:
    """How many unread notifications ``user`` (whose id is ``user_id``) has about pages they
    may read now, at most :data:`BELL_MOST` + 1. Raises nothing but database errors."""
    counted = (
        select(Notification.id)
        .join(Page, Page.id == Notification.page_id)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            visible_pages(user),
        )
        .limit(BELL_MOST + 1)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(counted)) or 0


def notifications_of(
    session: Session, user: Viewer, user_id: int, *, before: int | None = None, limit: int = 50
) -> list[Shown]:
    """``user``'s notifications about pages they may read now, newest first, at most
    ``limit`` of them with ids below ``before`` when given. Raises nothing but database
    errors."""
    actor = aliased(User)
    query = (
        select(Notification, ChangeEvent, Revision, Page, actor.display_name, actor.username)
        .join(ChangeEvent, ChangeEvent.id == Notification.event_id)
        .join(Revision, Revision.id == ChangeEvent.revision_id)
        .join(Page, Page.id == Notification.page_id)
        .outerjoin(actor, actor.id == ChangeEvent.actor_id)
        .where(Notification.user_id == user_id, visible_pages(user))
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(Notification.id < before)
    shown = []
    for note, event, revision, page, display_name, username in session.execute(query):
        shown.append(
            Shown(
                id=note.id,
                created_at=note.created_at,
                read=note.read_at is not None,
                reason=note.reason,
                reason_detail=note.reason_detail,
                page_title=page.title,
                page_slug=page.slug,
                revision_number=revision.number,
                previous_number=revision.number - 1 if revision.number > 1 else None,
                what=describe_kind(revision.kind),
                summary=revision.summary,
                actor_name=display_name or username or "someone",
                excerpt=event.excerpt,
                kind=event.kind,
                why=why(note.reason, note.reason_detail),
                detail=event.detail,
                due=event.due,
            )
        )
    return shown


def mark_read(session: Session, user_id: int, ids: list[int] | None = None) -> int:
    """Mark ``user_id``'s notifications ``ids`` read (all of them when None); returns how
    many changed. Only the person's own are ever touched. Raises nothing but database
    errors."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if ids is not None:
        if not ids:
            return 0
        statement = statement.where(Notification.id.in_(ids))
    return session.execute(statement).rowcount  # type: ignore[attr-defined]
