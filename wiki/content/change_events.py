"""The outbox of changes people may want to hear about, written in the same transaction as
the change: a crash can never lose the news of a saved revision, nor announce one that was
rolled back. The worker (``wiki worker``) reads it; a save never waits for anyone to be
told.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.models import ChangeEvent, Revision, Watch, WatchTarget

__all__ = ["note_revision", "page_watch_key"]


def page_watch_key(page_id: int) -> str:
    """The ``target_key`` of a watch of one page. Raises nothing."""
    return f"{WatchTarget.PAGE.value}:{page_id}"


def note_revision(session: Session, revision: Revision) -> None:
    """Record that ``revision`` (flushed, with its page and author) was added, and let its
    author watch the page unless they turned that off. Raises nothing but database
    errors."""
    session.add(
        ChangeEvent(
            page_id=revision.page_id,
            revision_id=revision.id,
            actor_id=revision.author_id,
            created_at=revision.created_at,
        )
    )
    author = revision.author
    if author is None or not author.watch_own_edits:
        return
    key = page_watch_key(revision.page_id)
    watched = session.scalar(
        select(Watch.id).where(Watch.user_id == author.id, Watch.target_key == key)
    )
    if watched is None:
        session.add(
            Watch(
                user_id=author.id,
                target=WatchTarget.PAGE,
                target_key=key,
                page_id=revision.page_id,
                automatic=True,
                created_at=revision.created_at,
            )
        )
