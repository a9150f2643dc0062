"""Each page's list of related pages, worked out from the search index and kept in the
database (``related_lists``, ``related_pages``), so that a page view reads it with one small
query and never searches.

The lists are derived data, like the index they come from. The background indexer
(:class:`~wiki.search.indexer.BackgroundIndexer`) keeps them in step after each round of
indexing, through a :class:`RelatedRefresher`:

- the pages whose revisions the index has just applied (written, renamed, deleted,
  undeleted: here or by another process) get their list again at once, or lose it when
  deleted;
- now and then, and every round while some are left, the lists that are missing (after a
  rebuild, a restore, an upgrade), whose revision is not the page's current one, or older
  than :data:`REFRESH_AFTER` (other pages changed meanwhile) are worked out again, the
  missing ones first, then the oldest.

Each round spends at most :data:`SECONDS_PER_ROUND` working lists out, so that the next
save is indexed soon. Failures only log: the lists must never hold back the index.

Several processes may refresh the same list at once: a page's list is written in one
transaction that first upserts its ``related_lists`` row (which takes that row's lock
on PostgreSQL), then replaces its pages, so the writers of one list take turns and the
last one wins; neither fails.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, delete, exists, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from wiki.models import Page, PageAlias, PageLink, RelatedList, RelatedPage, Revision, utcnow
from wiki.search.backend import IndexUnavailable, SearchBackend
from wiki.search.related import KEEP

__all__ = [
    "REFRESH_AFTER",
    "SECONDS_PER_ROUND",
    "RelatedRefresher",
    "due_pages",
    "links_between",
    "refresh_lists",
]

log = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=1)
"""A list older than this is worked out again: pages that changed since may belong in it."""

SECONDS_PER_ROUND = 0.25
"""Most time one round spends working lists out (a few pages of a 10,000-page wiki take
10-30 ms each; see bench/README.md)."""

PAGES_PER_ROUND = 200
"""Most revisions one round follows the index through."""

SCAN_BATCH = 40
"""Most missing or old lists one round looks at (about as many as fit in its time)."""

SCAN_EVERY = 60.0
"""Seconds between looks for lists that are missing or old, while none are left over."""


# --- reading what a list depends on -----------------------------------------------------------


def links_between(session: Session, page_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """For each of ``page_ids``: the other pages it is linked with by a ``[[wiki link]]``
    (to the page's slug, or to an old one no page has taken since), and in how many
    directions (1 or 2). Deleted pages are included: the index leaves them out. Database
    errors propagate."""
    ids = sorted(set(page_ids))
    found: dict[int, dict[int, int]] = {page_id: {} for page_id in ids}
    if not ids:
        return found
    target = aliased(Page, name="target")
    holder = aliased(Page, name="holder")
    untaken = ~exists().where(holder.slug == PageAlias.slug)
    outgoing = (
        select(PageLink.page_id, target.id)
        .join(target, target.slug == PageLink.target_slug)
        .where(PageLink.page_id.in_(ids)),
        select(PageLink.page_id, PageAlias.page_id)
        .join(PageAlias, PageAlias.slug == PageLink.target_slug)
        .where(PageLink.page_id.in_(ids), untaken),
    )
    incoming = (
        select(target.id, PageLink.page_id)
        .join(target, target.slug == PageLink.target_slug)
        .where(target.id.in_(ids)),
        select(PageAlias.page_id, PageLink.page_id)
        .join(PageAlias, PageAlias.slug == PageLink.target_slug)
        .where(PageAlias.page_id.in_(ids), untaken),
    )
    for direction in (outgoing, incoming):
        # A pair linked both by the page's slug and by an old one is one link each way.
        pairs = {
            (page, other) for statement in direction for page, other in session.execute(statement)
        }
        for page, other in pairs:
            if page != other:
                found[page][other] = found[page].get(other, 0) + 1
    return found


def due_pages(session: Session, now: datetime, limit: int) -> list[int]:
    """Live pages whose list is missing, of another revision than the page's current one,
    or older than :data:`REFRESH_AFTER`: the missing ones first, then the oldest. Database
    errors propagate."""
    return list(
        session.scalars(
            select(Page.id)
            .outerjoin(RelatedList, RelatedList.page_id == Page.id)
            .where(
                Page.deleted.is_(False),
                Page.current_revision_id.is_not(None),
                or_(
                    RelatedList.page_id.is_(None),
                    RelatedList.revision_id != Page.current_revision_id,
                    RelatedList.computed_at < now - REFRESH_AFTER,
                ),
            )
            .order_by(
                case((RelatedList.page_id.is_(None), 0), else_=1),
                RelatedList.computed_at,
                Page.id.desc(),
            )
            .limit(limit)
        )
    )


def _stored(session: Session, page_ids: Sequence[int]) -> dict[int, tuple[int, datetime]]:
    return {
        page_id: (revision_id, computed_at)
        for page_id, revision_id, computed_at in session.execute(
            select(RelatedList.page_id, RelatedList.revision_id, RelatedList.computed_at).where(
                RelatedList.page_id.in_(page_ids)
            )
        )
    }


# --- writing ---------------------------------------------------------------------------------


def _upsert_list(session: Session, page_id: int, revision_id: int, now: datetime) -> None:
    values = {"page_id": page_id, "revision_id": revision_id, "computed_at": now}
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - the wiki runs on these
        session.execute(delete(RelatedPage).where(RelatedPage.page_id == page_id))
        session.execute(delete(RelatedList).where(RelatedList.page_id == page_id))
        session.execute(insert(RelatedList).values(values))
        return
    statement = (
        postgresql.insert(RelatedList) if dialect == "postgresql" else sqlite.insert(RelatedList)
    ).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["page_id"],
            set_={"revision_id": revision_id, "computed_at": now},
        )
    )


def store_list(
    session: Session,
    page_id: int,
    revision_id: int,
    related: Sequence[tuple[int, float]],
    now: datetime,
) -> None:
    """Make ``related`` (``(page_id, score)``, best first) the page's list, worked out from
    its revision ``revision_id`` at ``now``, in the caller's transaction. Database errors
    propagate."""
    _upsert_list(session, page_id, revision_id, now)  # first: it orders concurrent writers
    session.execute(delete(RelatedPage).where(RelatedPage.page_id == page_id))
    if related:
        session.execute(
            insert(RelatedPage),
            [
                {"page_id": page_id, "rank": rank, "related_page_id": other, "score": score}
                for rank, (other, score) in enumerate(related, 1)
            ],
        )


def forget_lists(session: Session, page_ids: Iterable[int]) -> None:
    """Delete the lists of the pages ``page_ids`` (deleted pages), in the caller's
    transaction. Database errors propagate."""
    ids = sorted(set(page_ids))
    if ids:
        session.execute(delete(RelatedPage).where(RelatedPage.page_id.in_(ids)))
        session.execute(delete(RelatedList).where(RelatedList.page_id.in_(ids)))


def refresh_lists(
    database,
    engine: SearchBackend,
    page_ids: Iterable[int],
    *,
    deadline: float | None = None,
    skip_fresh: bool = True,
) -> tuple[int, list[int]]:
    """Work out again the lists of ``page_ids`` from the index and store them (one
    transaction of its own, committed): a deleted or missing page loses its list, a page not
    indexed yet is skipped. With ``skip_fresh``, a list already made from the page's
    indexed revision less than :data:`REFRESH_AFTER` ago (by another process) is kept.
    Starts no page after ``deadline`` (of ``time.monotonic()``).

    Returns (lists written or deleted, pages left for lack of time). Raises
    IndexUnavailable and database errors.
    """
    ids = list(dict.fromkeys(page_ids))
    if not ids:
        return 0, []
    now = utcnow()
    with database.session() as session:
        live = dict(
            session.execute(
                select(Page.id, Page.current_revision_id).where(
                    Page.id.in_(ids), Page.deleted.is_(False)
                )
            ).all()
        )
        stored = _stored(session, ids)
        links = links_between(session, live)
    gone = [page_id for page_id in ids if page_id not in live and page_id in stored]
    indexed = engine.indexed_revisions(live)
    computed: dict[int, tuple[int, list[tuple[int, float]]]] = {}
    left: list[int] = []
    for page_id in ids:
        if page_id not in live:
            continue
        revision = indexed.get(page_id)
        if revision is None:
            continue  # not indexed yet: indexing it moves the mark, and its list follows
        if skip_fresh and page_id in stored:
            stored_revision, computed_at = stored[page_id]
            if stored_revision == revision and computed_at > now - REFRESH_AFTER:
                continue
        if deadline is not None and time.monotonic() > deadline:
            left.append(page_id)
            continue
        computed[page_id] = (revision, engine.related(page_id, KEEP, linked=links[page_id]))
    if computed or gone:
        with database.session(write=True) as writer:
            forget_lists(writer, gone)
            for page_id, (revision, related) in computed.items():
                store_list(writer, page_id, revision, related, now)
            writer.commit()
    return len(computed) + len(gone), left


class RelatedRefresher:
    """Keeps the lists of related pages in step with one process's index: one call of
    :meth:`run` after each round of indexing (see the module's docstring)."""

    def __init__(
        self, seconds: float = SECONDS_PER_ROUND, clock: Callable[[], float] = time.monotonic
    ):
        self.seconds = seconds
        self.clock = clock
        self._mark: int | None = None  # the index's revision mark the lists have followed
        self._scanned: float | None = None  # when missing and old lists were last looked for
        self._more = True  # some were left over: look again next round
        self._last_error: str | None = None

    @property
    def behind(self) -> bool:
        """Whether lists are known to be due that a round had no time (or no luck) for:
        the next round goes on with them."""
        return self._more

    def run(self, database, engine: SearchBackend) -> int:
        """One round: the lists of the pages indexed since the last round, then (when it is
        time, and time is left) missing and old ones. Returns the lists written or deleted.
        Never raises: failures are logged, and tried again next round."""
        deadline = self.clock() + self.seconds
        written = 0
        try:
            written += self._follow_index(database, engine, deadline)
            if self._more or self._scanned is None or self.clock() - self._scanned > SCAN_EVERY:
                written += self._scan(database, engine, deadline)
        except IndexUnavailable:
            return written  # the indexer rebuilds it; the lists wait
        except Exception as error:
            # A lasting fault is logged in full once, then one line per round.
            if repr(error) != self._last_error:
                log.exception("refreshing lists of related pages failed; will retry")
            else:
                log.warning("refreshing lists of related pages still failing: %r", error)
            self._last_error = repr(error)
            self._more = True
            return written
        self._last_error = None
        return written

    def _follow_index(self, database, engine: SearchBackend, deadline: float) -> int:
        mark = engine.state().revision_mark
        if self._mark is None or mark < self._mark:
            self._mark = mark  # a new process, or a rebuilt index: the scan covers the rest
            return 0
        if mark == self._mark:
            return 0
        with database.session() as session:
            rows = session.execute(
                select(Revision.id, Revision.page_id)
                .where(Revision.id > self._mark, Revision.id <= mark)
                .order_by(Revision.id)
                .limit(PAGES_PER_ROUND)
            ).all()
        reached = rows[-1].id if len(rows) == PAGES_PER_ROUND else mark
        written, left = refresh_lists(
            database, engine, [row.page_id for row in rows], deadline=deadline
        )
        self._mark = reached
        if left or reached < mark:
            self._more = True  # what is left is due by revision: the scan finds it
        return written

    def _scan(self, database, engine: SearchBackend, deadline: float) -> int:
        if self.clock() > deadline:
            self._more = True
            return 0
        self._scanned = self.clock()
        with database.session() as session:
            due = due_pages(session, utcnow(), SCAN_BATCH)
            deleted = list(
                session.scalars(
                    select(RelatedList.page_id)
                    .join(Page, Page.id == RelatedList.page_id)
                    .where(Page.deleted.is_(True))
                    .limit(SCAN_BATCH)
                )
            )
        written, left = refresh_lists(
            database, engine, [*deleted, *due], deadline=deadline, skip_fresh=False
        )
        self._more = len(due) == SCAN_BATCH or bool(left)
        return written
