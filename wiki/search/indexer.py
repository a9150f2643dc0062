"""Keeping the search index in step with the database, which is the source of truth.

A page's document (:mod:`wiki.search.documents`) is its current revision and the text of
its live files. The index
records the id of the last revision it has applied (its high-water mark) in the same
commit as the documents, so after a crash it knows exactly where to resume: every
revision with a larger id is applied again from the database. Changes to a page's files
(and texts read from them) append no revision: they are noted in the page change feed
(:mod:`wiki.content.page_changes`), which the index follows by a second mark the same
way. Changes are applied in batches, in id order, by one indexing path per process; when
several processes share an index, whichever gets Whoosh's write lock does the work and
the others try again on their next round.

Revision and feed ids come from sequences, and on PostgreSQL two transactions can commit
in the opposite order of their ids; so each round also looks again at the revisions and
feed rows of the last minute, and pages whose indexed revision and files are already
current are skipped (a page's files are compared by a stamp of their names, contents and
whether their text is read).

The feed keeps a day of changes. The index records when it last read the feed through;
one that has not for nearly that long (every process of its host stopped for a day) may
have missed changes already pruned, and is rebuilt.

Each round of the background indexer also reads the text of a few files that need it
(:func:`wiki.files.texts.extract_pending`), after the index has caught up with the saves,
so a slow or hostile document delays the index by at most the extraction's time limit.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.content.page_changes import KEPT_FOR, prune_page_changes
from wiki.files.storage import BlobStore, DatabaseStore
from wiki.files.texts import ExtractionLimits, extract_pending
from wiki.models import Page, Revision, SearchPageChange, utcnow
from wiki.search.backend import IndexBusy, IndexUnavailable, SearchBackend
from wiki.search.documents import all_documents, documents_for, file_stamps
from wiki.search.related_lists import RelatedRefresher

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# Longer than any save transaction stays open between taking its revision id and committing.
LATE_COMMIT_WINDOW = timedelta(seconds=60)
# The longest pause between attempts while indexing keeps failing.
MAX_RETRY_INTERVAL = 60.0
# An index that has not read the page change feed through for this long may have missed
# rows already pruned (KEPT_FOR after they were written): it is rebuilt. The hour covers
# the clocks of several hosts disagreeing.
STALE_AFTER = KEPT_FOR - LATE_COMMIT_WINDOW - timedelta(hours=1)
# How often an index with nothing to apply still records that it read the feed through.
CHECKED_EVERY = timedelta(hours=1)
# Each round reads the text of at most this many files, starting none after this long.
TEXTS_PER_ROUND = 4
TEXT_SECONDS_PER_ROUND = 5.0
# How often a process looks for files whose text is still to be read without being told
# (by the change feed) of a new one: for claims left by a process that died.
TEXTS_CHECK_INTERVAL = 300.0
# How often a process deletes the old rows of the page change feed.
PRUNE_INTERVAL = 600.0


def latest_revision_id(session: Session) -> int:
    return session.scalar(select(Revision.id).order_by(Revision.id.desc()).limit(1)) or 0


def latest_change_id(session: Session) -> int:
    return (
        session.scalar(select(SearchPageChange.id).order_by(SearchPageChange.id.desc()).limit(1))
        or 0
    )


def catch_up(session: Session, engine: SearchBackend) -> int:
    """Apply every change the index has not seen yet; returns how many pages were written.

    Raises IndexBusy when another process holds the index's write lock (it is doing the
    same work) and IndexUnavailable when there is no usable index, or one that has not
    read the page change feed for so long that it may have missed changes (rebuild it).
    """
    now = utcnow()  # before anything is read: the feed is read through as of then
    state = engine.state()
    if state.checked_at is not None and state.checked_at < now - STALE_AFTER:
        raise IndexUnavailable(
            f"the index last read the page change feed at {state.checked_at:%Y-%m-%d %H:%M} "
            "UTC, before the oldest changes kept: rebuild it"
        )
    written = _catch_up_revisions(session, engine, state.revision_mark)
    return written + _catch_up_changes(session, engine, state.change_mark, state.checked_at, now)


def _catch_up_revisions(session: Session, engine: SearchBackend, high_water_mark: int) -> int:
    written = 0
    recent = {
        page_id: revision_id
        for page_id, revision_id in session.execute(
            select(Page.id, Page.current_revision_id)
            .join(Revision, Revision.page_id == Page.id)
            .where(
                Revision.created_at > utcnow() - LATE_COMMIT_WINDOW, Revision.id <= high_water_mark
            )
        )
    }
    if recent:
        indexed = engine.indexed_revisions(recent)
        stale = [p for p, r in recent.items() if indexed.get(p) != r]
        if stale:
            upserts, removals = documents_for(session, stale)
            # Deleted pages are not in the index: only write what changed.
            removals = [p for p in removals if p in indexed]
            if upserts or removals:
                engine.apply(upserts, removals, high_water_mark=high_water_mark)
                written += len(upserts) + len(removals)
    while True:
        rows = session.execute(
            select(Revision.id, Revision.page_id)
            .where(Revision.id > high_water_mark)
            .order_by(Revision.id)
            .limit(BATCH_SIZE)
        ).all()
        if not rows:
            return written
        high_water_mark = rows[-1].id
        upserts, removals = documents_for(session, {row.page_id for row in rows})
        engine.apply(upserts, removals, high_water_mark=high_water_mark)
        written += len(upserts) + len(removals)
        session.rollback()  # a fresh snapshot for the next batch


def _catch_up_changes(
    session: Session,
    engine: SearchBackend,
    change_mark: int,
    checked_at: datetime | None,
    now: datetime,
) -> int:
    """Apply the page change feed past ``change_mark``, and look again at its last minute."""
    written = 0
    recent = set(
        session.scalars(
            select(SearchPageChange.page_id).where(
                SearchPageChange.created_at > now - LATE_COMMIT_WINDOW,
                SearchPageChange.id <= change_mark,
            )
        )
    )
    if recent:
        indexed = engine.indexed_file_stamps(recent)
        current = file_stamps(session, indexed)
        stale = [page_id for page_id, stamp in indexed.items() if current[page_id] != stamp]
        if stale:
            upserts, _removals = documents_for(session, stale)
            if upserts:
                engine.apply(upserts, [], high_water_mark=0)
                written += len(upserts)
    while True:
        rows = session.execute(
            select(SearchPageChange.id, SearchPageChange.page_id)
            .where(SearchPageChange.id > change_mark)
            .order_by(SearchPageChange.id)
            .limit(BATCH_SIZE)
        ).all()
        if not rows:
            if checked_at is None or checked_at < now - CHECKED_EVERY:
                # Nothing to apply, but the index records that it has read the feed.
                engine.apply([], [], high_water_mark=0, change_mark=change_mark, checked_at=now)
            return written
        change_mark = rows[-1].id
        upserts, removals = documents_for(session, {row.page_id for row in rows})
        engine.apply(
            upserts,
            removals,
            high_water_mark=0,
            change_mark=change_mark,
            # Read through only with the last batch: rows past this one may be older.
            checked_at=now if len(rows) < BATCH_SIZE else None,
        )
        if len(rows) < BATCH_SIZE:
            checked_at = now
        written += len(upserts) + len(removals)
        session.rollback()  # a fresh snapshot for the next batch


def rebuild(session: Session, engine: SearchBackend, progress=None) -> None:
    """Build a new index from the database aside and swap it in (search stays online)."""
    checked_at = utcnow()  # before the marks: every later change is past them
    high_water_mark = latest_revision_id(session)
    change_mark = latest_change_id(session)
    engine.rebuild(
        all_documents(session),
        high_water_mark=high_water_mark,
        change_mark=change_mark,
        checked_at=checked_at,
        progress=progress,
    )


class BackgroundIndexer:
    """One thread per process that keeps the index caught up, and reads the text of files.

    Saves call :meth:`wake` after their commit, so a page is findable within a second
    without the save waiting for the index; the thread also polls, so changes made by
    other processes and hosts arrive too. A missing or damaged index is rebuilt. Each
    round then reads the text of a few files (from ``store``, within ``limits``) when some
    may need it, and prunes the page change feed now and then.
    """

    def __init__(
        self,
        database,
        engine: SearchBackend,
        interval: float = 1.0,
        *,
        store: BlobStore | None = None,
        limits: ExtractionLimits | None = None,
    ):
        self.database = database
        self.engine = engine
        self.interval = interval
        self.store = store or DatabaseStore()
        self.limits = limits or ExtractionLimits()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._round_lock = threading.Lock()
        self._seen_change_mark: int | None = None
        self._texts_due = True  # a process that starts looks once
        self._texts_checked = 0.0
        self._pruned = 0.0
        self._related = RelatedRefresher()

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="search-indexer", daemon=True
                )
                self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def behind(self) -> bool:
        """Whether the last round left lists of related pages it knows are due (its time
        for them ran out), though it may have written nothing."""
        return self._related.behind

    def run_once(self) -> int:
        """One round now (in the calling thread): catch up, read the text of a few files
        (catching up again with what they add), prune the change feed if it is time, then
        refresh a few lists of related pages (:mod:`wiki.search.related_lists`). Returns
        the pages written and lists refreshed, 0 if busy. Raises what catching up raises
        (reading texts, pruning and related pages only log their errors: they must not
        hold back the index)."""
        with self._round_lock:
            written = self._catch_up()
            if self._read_texts():
                written += self._catch_up()
            self._prune()
            written += self._related.run(self.database, self.engine)
            return written

    def _catch_up(self) -> int:
        with self.database.session() as session:
            try:
                if not self.engine.exists():
                    rebuild(session, self.engine)
                    return 0
                written = catch_up(session, self.engine)
            except IndexBusy:
                return 0
            except IndexUnavailable:
                log.warning("search index unusable; rebuilding it from the database")
                rebuild(session, self.engine)  # a new generation replaces the damaged one
                return 0
        try:
            mark = self.engine.state().change_mark
        except IndexUnavailable:
            return written
        if mark != self._seen_change_mark:
            # Files changed (here or elsewhere): some may have text to read.
            self._seen_change_mark = mark
            self._texts_due = True
        return written

    def _read_texts(self) -> bool:
        """Read the text of a few files if some may need it; whether any was written."""
        now = time.monotonic()
        if not self._texts_due and now - self._texts_checked < TEXTS_CHECK_INTERVAL:
            return False
        self._texts_due, self._texts_checked = False, now
        try:
            done = extract_pending(
                self.database,
                self.store,
                self.limits,
                most=TEXTS_PER_ROUND,
                seconds=TEXT_SECONDS_PER_ROUND,
                cancelled=self._stop.is_set,
            )
        except Exception:
            log.exception("reading the text of files failed; will retry")
            return False
        self._texts_due = done.more
        if done.more:
            self._wake.set()  # the next round goes on at once
        return done.written > 0

    def _prune(self) -> None:
        now = time.monotonic()
        if self._pruned and now - self._pruned < PRUNE_INTERVAL:
            return
        self._pruned = now
        try:
            with self.database.session(write=True) as writer:
                prune_page_changes(writer)
                writer.commit()
        except Exception:
            log.exception("pruning the page change feed failed; will retry")

    def _run(self) -> None:
        failures = 0
        last_error = None
        while not self._stop.is_set():
            # After failures, wait longer (up to MAX_RETRY_INTERVAL) so a lasting fault such
            # as a full disk neither spins nor floods the log; a save still wakes it at once.
            self._wake.wait(min(self.interval * 2 ** min(failures, 16), MAX_RETRY_INTERVAL))
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.run_once()
            except Exception as error:
                failures += 1
                if repr(error) != last_error:
                    log.exception("search indexing failed; will retry")
                else:
                    log.warning("search indexing still failing (%d attempts): %r", failures, error)
                last_error = repr(error)
            else:
                if failures:
                    log.warning("search indexing works again after %d failed attempts", failures)
                failures, last_error = 0, None
