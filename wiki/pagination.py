"""Newest-first lists, a window at a time, with keyset cursors (never OFFSET).

A window is cut by comparing an indexed, unique, increasing key (a revision number, a row
id) with the cursor, so the 1,000th window costs what the first does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")


@dataclass(frozen=True)
class Window(Generic[T]):
    """One window of a newest-first list, with cursors to the neighbouring windows."""

    items: list[T]
    newer: int | None  # pass as ``after`` to get the newer window
    older: int | None  # pass as ``before`` to get the older window


def newest_first(
    session: Session,
    query: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Window[Any]:
    """The rows of ``query`` (one ORM entity per row) ordered by ``key`` descending: the
    window just older than ``before``, just newer than ``after``, or the newest one.

    The cursors of the result are values of ``key``. Raises nothing of its own; database
    errors propagate.
    """
    if after is not None:
        rows = list(session.scalars(query.where(key > after).order_by(key.asc()).limit(limit + 1)))
        has_newer = len(rows) > limit
        rows = rows[:limit][::-1]
        has_older = bool(rows)
    else:
        if before is not None:
            query = query.where(key < before)
        rows = list(session.scalars(query.order_by(key.desc()).limit(limit + 1)))
        has_older = len(rows) > limit
        rows = rows[:limit]
        has_newer = before is not None and bool(rows)
    name = key.key
    return Window(
        items=rows,
        newer=getattr(rows[0], name) if has_newer and rows else None,
        older=getattr(rows[-1], name) if has_older and rows else None,
    )
