"""Keeping the search index in step with the database, which is the source of truth.

The index records the id of the last revision it has applied (its high-water mark) in the
same commit as the documents, so after a crash it knows exactly where to resume: every
revision with a larger id is applied again from the database. Changes are applied in
batches, in revision order, by one indexing path per process; when several processes
share an index, whichever gets Whoosh's write lock does the work and the others try again
on their next round.

Revision ids come from a sequence, and on PostgreSQL two transactions can commit in the
opposite order of their ids; so each round also looks again at the revisions of the last
minute, and pages whose indexed revision is already current are skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.content.reading import fresh_rendering
from wiki.content.records.fields import Record
from wiki.content.render import RENDERER_VERSION
from wiki.models import Page, RenderedRevision, Revision, Space, User, utcnow
from wiki.search.backend import IndexBusy, IndexUnavailable, PageDocument, SearchBackend
from wiki.search.text import readable_text

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# Longer than any save transaction stays open between taking its revision id and committing.
LATE_COMMIT_WINDOW = timedelta(seconds=60)
# The longest pause between attempts while indexing keeps failing.
MAX_RETRY_INTERVAL = 60.0

_CURRENT = (
    select(
        Page,
        Revision,
        User.username,
        Space.key,
        RenderedRevision.html,
        RenderedRevision.renderer_version,
        RenderedRevision.space_id,
    )
    .join(Revision, Revision.id == Page.current_revision_id)
    .join(User, User.id == Revision.author_id)
    .join(Space, Space.id == Page.space_id)
    .outerjoin(RenderedRevision, RenderedRevision.revision_id == Revision.id)
)


def _document(
    page: Page,
    revision: Revision,
    author: str,
    space_key: str,
    html: str | None,
    version,
    rendered_in,
) -> PageDocument:
    if html is None or version != RENDERER_VERSION or rendered_in != page.space_id:
        html = fresh_rendering(revision.body, space_key, page.id)[0]
    text = readable_text(html)
    return PageDocument(
        page_id=page.id,
        slug=page.slug,
        title=page.title,
        headings=" ".join(text.headings),
        body=text.body,
        tags=tuple(revision.tag_list),
        author=author,
        updated=revision.created_at,
        revision_id=revision.id,
        fields=tuple(
            (spec.name, value) for spec, value in Record.from_json(revision.fields).filled()
        ),
    )


def documents_for(session: Session, page_ids) -> tuple[list[PageDocument], list[int]]:
    """The documents of the given pages as they are now, and the ids of deleted ones."""
    upserts, removals = [], []
    for row in session.execute(_CURRENT.where(Page.id.in_(page_ids)).order_by(Revision.id)):
        if row.Page.deleted:
            removals.append(row.Page.id)
        else:
            upserts.append(_document(*row))
    return upserts, removals


def all_documents(session: Session) -> Iterator[PageDocument]:
    """Every live page's document, streamed (for a full rebuild)."""
    query = (
        _CURRENT.where(Page.deleted.is_(False)).order_by(Page.id).execution_options(yield_per=500)
    )
    for row in session.execute(query):
        yield _document(*row)


def latest_revision_id(session: Session) -> int:
    return session.scalar(select(Revision.id).order_by(Revision.id.desc()).limit(1)) or 0


def catch_up(session: Session, engine: SearchBackend) -> int:
    """Apply every change the index has not seen yet; returns how many pages were written.

    Raises IndexBusy when another process holds the index's write lock (it is doing the
    same work) and IndexUnavailable when there is no usable index.
    """
    written = 0
    high_water_mark = engine.high_water_mark()
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


def rebuild(session: Session, engine: SearchBackend, progress=None) -> None:
    """Build a new index from the database aside and swap it in (search stays online)."""
    high_water_mark = latest_revision_id(session)
    engine.rebuild(all_documents(session), high_water_mark=high_water_mark, progress=progress)


class BackgroundIndexer:
    """One thread per process that keeps the index caught up.

    Saves call :meth:`wake` after their commit, so a page is findable within a second
    without the save waiting for the index; the thread also polls, so changes made by
    other processes and hosts arrive too. A missing or damaged index is rebuilt.
    """

    def __init__(self, database, engine: SearchBackend, interval: float = 1.0):
        self.database = database
        self.engine = engine
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

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

    def run_once(self) -> int:
        """Catch up now (in the calling thread); returns pages written, 0 if busy."""
        with self.database.session() as session:
            try:
                if not self.engine.exists():
                    rebuild(session, self.engine)
                    return 0
                return catch_up(session, self.engine)
            except IndexBusy:
                return 0
            except IndexUnavailable:
                log.warning("search index unusable; rebuilding it from the database")
                rebuild(session, self.engine)  # a new generation replaces the damaged one
                return 0

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
