"""The feed of pages whose search document changed without a new revision.

A page's search document holds its current revision and the text of its live files. Edits
append revisions, which the search indexer follows by id; a file uploaded, restored,
deleted or undeleted, or the text of a file read, appends no revision, so it appends a row
here instead (:class:`~wiki.models.SearchPageChange`), in the transaction that makes the
change: whatever commits the change commits the note, and every host's indexer finds it,
after a crash too. Rows are kept :data:`KEPT_FOR`; an index that has been behind longer
than that is rebuilt rather than caught up.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from wiki.models import SearchPageChange, utcnow

__all__ = ["KEPT_FOR", "note_page_changes", "prune_page_changes"]

KEPT_FOR = timedelta(days=1)
"""How long a row of the feed is kept: far longer than any indexer takes to catch up."""


def note_page_changes(session: Session, page_ids: Iterable[int]) -> None:
    """Note in the caller's transaction that the search documents of ``page_ids`` changed.
    Raises what the database raises."""
    now = utcnow()
    # Objects, not a bulk insert: the search runtime wakes its indexer on seeing them flushed.
    session.add_all(
        SearchPageChange(page_id=page_id, created_at=now) for page_id in sorted(set(page_ids))
    )


def prune_page_changes(session: Session, now: datetime | None = None) -> int:
    """Delete the rows older than :data:`KEPT_FOR`, in the caller's (write) transaction;
    returns how many. Raises what the database raises."""
    cutoff = (now or utcnow()) - KEPT_FOR
    result = session.execute(
        delete(SearchPageChange)
        .where(SearchPageChange.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
