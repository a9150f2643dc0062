"""Reading history: page history, recent changes, contributions, diffs and blame.

Lists are paginated in the database with keyset cursors (``before``/``after``), so the
1,000th page of history costs what the first does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, contains_eager, defer, joinedload

from . import blame as blame_lines
from .diffing import Diff, diff_texts
from .models import Page, Revision, User
from .pages import get_revision

T = TypeVar("T")


@dataclass(frozen=True)
class Window(Generic[T]):
    """One page of a newest-first list, with cursors to the neighbouring pages."""

    items: list[T]
    newer: int | None  # pass as ``after`` to get the newer page
    older: int | None  # pass as ``before`` to get the older page


def _window(session: Session, query: Select, key, before: int | None, after: int | None, limit: int):
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
    return rows, has_newer, has_older


def page_history(
    session: Session, page: Page, *, before: int | None = None, after: int | None = None, limit: int = 50
) -> Window[Revision]:
    """Revisions of ``page``, newest first; cursors are revision numbers."""
    query = (
        select(Revision)
        .where(Revision.page_id == page.id)
        .options(joinedload(Revision.author), defer(Revision.body))
    )
    rows, has_newer, has_older = _window(session, query, Revision.number, before, after, limit)
    return Window(
        items=rows,
        newer=rows[0].number if has_newer and rows else None,
        older=rows[-1].number if has_older and rows else None,
    )


def _changes(include_deleted: bool) -> Select:
    query = (
        select(Revision)
        .join(Revision.page)
        .options(contains_eager(Revision.page), joinedload(Revision.author), defer(Revision.body))
    )
    if not include_deleted:
        query = query.where(Page.deleted.is_(False))
    return query


def recent_changes(
    session: Session,
    *,
    include_deleted: bool,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Window[Revision]:
    """Every page's revisions, newest first; cursors are revision ids."""
    rows, has_newer, has_older = _window(
        session, _changes(include_deleted), Revision.id, before, after, limit
    )
    return Window(
        items=rows,
        newer=rows[0].id if has_newer and rows else None,
        older=rows[-1].id if has_older and rows else None,
    )


def contributions(
    session: Session,
    user: User,
    *,
    include_deleted: bool,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Window[Revision]:
    """The revisions ``user`` made, newest first; cursors are revision ids."""
    query = _changes(include_deleted).where(Revision.author_id == user.id)
    rows, has_newer, has_older = _window(session, query, Revision.id, before, after, limit)
    return Window(
        items=rows,
        newer=rows[0].id if has_newer and rows else None,
        older=rows[-1].id if has_older and rows else None,
    )


@dataclass(frozen=True)
class Comparison:
    old: Revision
    new: Revision
    diff: Diff


def compare(session: Session, page: Page, old_number: int, new_number: int) -> Comparison:
    """The diff between two revisions of ``page``; raises NotFound for unknown numbers."""
    old = get_revision(session, page, old_number)
    new = get_revision(session, page, new_number)
    return Comparison(old=old, new=new, diff=diff_texts(old.body, new.body))


@dataclass(frozen=True)
class BlameRow:
    number: int
    text: str
    revision: Revision  # the revision that introduced the line (body not loaded)


def blame(session: Session, page: Page) -> list[BlameRow]:
    """For each line of the current text, the revision and author that introduced it."""
    texts = session.execute(
        select(Revision.number, Revision.body)
        .where(Revision.page_id == page.id)
        .order_by(Revision.number)
    ).all()
    lines = blame_lines.blame((number, body) for number, body in texts)
    origins = {line.origin for line in lines}
    revisions = {
        revision.number: revision
        for revision in session.scalars(
            select(Revision)
            .where(Revision.page_id == page.id, Revision.number.in_(origins))
            .options(joinedload(Revision.author), defer(Revision.body))
        )
    }
    return [BlameRow(number=l.number, text=l.text, revision=revisions[l.origin]) for l in lines]
