"""The Whoosh search engine: the :class:`~wiki.search.backend.SearchBackend` of the wiki,
over one index directory (:mod:`wiki.search.storage`).

It writes pages into a generation (:meth:`~WhooshEngine.apply`, :meth:`~WhooshEngine.rebuild`)
and keeps a searcher open on the live one (:mod:`wiki.search.readers`), through which it
searches (:mod:`wiki.search.searching`), suggests spellings and completes titles
(:mod:`wiki.search.suggest`).

Concurrency: one :class:`WhooshEngine` per process, shared by request threads and one
background indexing thread. The searcher is shared and guarded by a lock (searches in one
process run one at a time; they take milliseconds). Writers in any process exclude each
other through the directory's ``LOCK``; the loser waits up to ``writer_timeout`` and gets
:class:`IndexBusy`. A rebuild holds ``LOCK`` throughout, so :meth:`~WhooshEngine.apply`
gets :class:`IndexBusy` until the new generation is live; the caller then resumes from
:meth:`~WhooshEngine.high_water_mark`, which is the rebuild's mark.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import cast

from whoosh.index import LockError

from wiki.instance import private_folder
from wiki.search.analysis import WORD, fold
from wiki.search.backend import (
    SORTS,
    IndexBusy,
    IndexState,
    IndexUnavailable,
    PageDocument,
    Results,
)
from wiki.search.readers import OpenGeneration, open_latest
from wiki.search.related import related_pages
from wiki.search.schema import (
    SCORED_FIELDS,
    add_page,
    add_state,
    build_schema,
    indexed_file_stamp,
    indexed_revision,
    read_state,
    remove_page,
    update_page,
    update_state,
)
from wiki.search.scoring import CallerError, FieldWeighting
from wiki.search.searching import SEARCH_TIME_LIMIT, Narrowing, run_search
from wiki.search.storage import IndexDirectory, damaged_index
from wiki.search.suggest import complete_title, spelling_suggestion
from wiki.search.synonyms import Synonyms
from wiki.search.syntax import MAX_QUERY_CHARS, clean

__all__ = ["WhooshEngine"]

log = logging.getLogger(__name__)

MAX_PER_PAGE = 100
"""Most hits one page of results may hold."""

REBUILD_PROCS = min(2, os.cpu_count() or 1)
"""Indexing processes for a rebuild run from a single-threaded process (the command line).
Measured, 10,000 pages on 2 cores: 1 process 49 s, 2 processes merged into one segment
45 s, 2 processes leaving 2 segments 26 s."""

REBUILD_LIMITMB = 128
"""Memory per indexing process before postings spill to disk (256 was no faster)."""

PROGRESS_EVERY = 1000

MAX_TERM_COUNTS = 200_000
"""Most term counts :meth:`WhooshEngine.related` keeps between calls (about 20 MB)."""


def _as_int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


def _check_mark(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, not {value!r}")


def _check_time(value) -> None:
    if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
        raise ValueError(f"checked_at must be a timezone-aware datetime, not {value!r}")


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first or second
    return max(first, second)


class WhooshEngine:
    """Search engine over one index directory (see :mod:`wiki.search.storage` for its
    layout).

    Methods raise :class:`IndexUnavailable` when the index is missing or damaged, and the
    writing methods raise :class:`IndexBusy` when another writer keeps the lock longer than
    ``writer_timeout`` seconds.
    """

    time_limit: float = SEARCH_TIME_LIMIT

    def __init__(self, directory: Path, *, writer_timeout: float = 5.0):
        self.directory = Path(directory)
        self.writer_timeout = writer_timeout
        self.schema = build_schema()
        self._files = IndexDirectory(self.directory)
        self._weighting = FieldWeighting(SCORED_FIELDS)
        self._lock = threading.RLock()
        self._live: OpenGeneration | None = None
        # Term counts kept by related() for the live commit: (generation, commit), counts.
        self._term_counts: tuple[tuple[str, int], dict[tuple[str, str], int]] = (("", -1), {})

    # ------------------------------------------------------------------ state

    def exists(self) -> bool:
        """True when the directory holds a usable index of this schema version; a missing
        or damaged one is False, not an error."""
        with self._lock:
            try:
                self._refresh_locked()
            except IndexUnavailable:
                return False
            return True

    def high_water_mark(self) -> int:
        """The last revision id applied to the index (0 for a new index), as of the latest
        commit of any process. Raises IndexUnavailable."""
        return self.state().revision_mark

    def state(self) -> IndexState:
        """Both marks and when the page change feed was last read through, as of the
        latest commit of any process. Raises IndexUnavailable."""
        with self._lock:
            live = self._refresh_locked()
            return read_state(live.searcher)

    def indexed_revisions(self, page_ids: Iterable[int] | None = None) -> dict[int, int]:
        """``{page_id: revision_id}`` of every indexed page, or of those of ``page_ids``
        that are indexed (for consistency checks). Raises IndexUnavailable."""
        wanted = None if page_ids is None else set(page_ids)
        with self._lock:
            live = self._refresh_locked()
            revisions: dict[int, int] = {}
            if wanted is not None and len(wanted) < 100:
                # A few pages: look them up by key instead of reading every document.
                for page_id in wanted:
                    revision = indexed_revision(live.searcher, page_id)
                    if revision is not None:
                        revisions[page_id] = revision
                return revisions
            for reader, _offset in live.searcher.reader().leaf_readers():
                # The columns the searches keep (read once per segment); only the pages'
                # own documents, not their files' and old text's.
                page_ids_column = self._weighting.column(reader, "page_id")
                revision_ids = self._weighting.column(reader, "revision_id")
                kinds = self._weighting.column(reader, "kind")
                if page_ids_column is None or revision_ids is None or kinds is None:
                    continue
                for docnum in reader.all_doc_ids():
                    page_id = page_ids_column[docnum]
                    if kinds[docnum] == b"page" and (wanted is None or page_id in wanted):
                        revisions[page_id] = revision_ids[docnum]
            return revisions

    def indexed_file_stamps(self, page_ids: Iterable[int]) -> dict[int, str]:
        """``{page_id: files_stamp}`` of those of ``page_ids`` that are indexed. Raises
        IndexUnavailable."""
        with self._lock:
            live = self._refresh_locked()
            stamps: dict[int, str] = {}
            for page_id in set(page_ids):
                stamp = indexed_file_stamp(live.searcher, page_id)
                if stamp is not None:
                    stamps[page_id] = stamp
            return stamps

    def close(self) -> None:
        """Close the index files this engine holds open; the next call opens the index
        again. Never raises."""
        with self._lock:
            self._close_locked()

    discard = close  # for callers that drop a damaged index's searcher before rebuilding

    def refresh(self) -> None:
        """Pick up commits and rebuilds made by other processes (or other engines). Cheap
        when nothing changed: it reads ``CURRENT`` and lists one directory. Raises
        IndexUnavailable when the index has gone or is damaged."""
        with self._lock:
            self._refresh_locked()

    # ------------------------------------------------------------------ writing

    def create(self) -> None:
        """Create an empty index if there is no usable one (a damaged one is replaced).
        Raises IndexBusy."""
        private_folder(self.directory)  # the index holds page text: owner only
        with self._files.exclusive(self.writer_timeout):
            if self.exists():
                return
            name = self._files.new_generation()
            ix = self._files.create_index(name, self.schema)
            writer = ix.writer()
            add_state(writer, IndexState(0, 0, None))
            writer.commit()
            self._files.swap(name)
        self.refresh()

    def apply(
        self,
        upserts: Sequence[PageDocument],
        removals: Sequence[int],
        *,
        high_water_mark: int,
        change_mark: int | None = None,
        checked_at: datetime | None = None,
    ) -> None:
        """Index new revisions and remove pages, in one commit that also records
        ``high_water_mark`` (the last revision id the caller has applied), ``change_mark``
        (the last id of the page change feed) and ``checked_at`` (when the caller read
        that feed through) when given; no recorded mark or time ever goes down.

        A page whose indexed revision is newer than the upsert keeps the indexed one; of
        several upserts for one page the newest wins (the last given, for one revision).
        Raises ValueError when a page is both upserted and removed, a mark is negative or
        the time naive, TypeError for a value of the wrong type, IndexBusy when the lock
        cannot be had within ``writer_timeout``, IndexUnavailable when there is no usable
        index.
        """
        _check_mark("high_water_mark", high_water_mark)
        if change_mark is not None:
            _check_mark("change_mark", change_mark)
        _check_time(checked_at)
        newest: dict[int, PageDocument] = {}
        for doc in upserts:
            if not isinstance(doc, PageDocument):
                raise TypeError(f"not a PageDocument: {doc!r}")
            known = newest.get(doc.page_id)
            if known is None or doc.revision_id >= known.revision_id:
                newest[doc.page_id] = doc
        removed = set()
        for page_id in removals:
            if not isinstance(page_id, int) or isinstance(page_id, bool):
                raise TypeError(f"page ids must be int, not {page_id!r}")
            removed.add(page_id)
        if removed & newest.keys():
            raise ValueError(f"pages both updated and removed: {sorted(removed & newest.keys())}")

        if not self.directory.is_dir():
            raise IndexUnavailable(f"no index directory at {self.directory}")
        with self._files.exclusive(self.writer_timeout):
            name = self._files.read_current()
            ix = self._files.open_index(name, self.schema)
            try:
                writer = ix.writer(timeout=self.writer_timeout, delay=0.05)
            except LockError as exc:
                raise IndexBusy("the index is locked by another writer") from exc
            try:
                try:
                    searcher = writer.searcher()
                except Exception as exc:
                    raise damaged_index(f"index generation {name} is damaged", exc) from exc
                state = read_state(searcher)
                for page_id, doc in newest.items():
                    indexed = indexed_revision(searcher, page_id)
                    if indexed is not None and indexed > doc.revision_id:
                        continue  # never replace a newer revision with an older one
                    update_page(writer, doc, searcher)
                for page_id in removed:
                    remove_page(writer, page_id, searcher)
                update_state(
                    writer,
                    IndexState(
                        revision_mark=max(state.revision_mark, high_water_mark),
                        change_mark=max(state.change_mark, change_mark or 0),
                        checked_at=_later(state.checked_at, checked_at),
                    ),
                )
                writer.commit()
            except BaseException:
                if not writer.is_closed:
                    writer.cancel()
                raise
        self.refresh()

    def rebuild(
        self,
        documents: Iterable[PageDocument],
        *,
        high_water_mark: int,
        change_mark: int = 0,
        checked_at: datetime | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Index ``documents`` (one per page; may be a generator of any length: they are
        streamed) into a new generation, then make it the live one, recording the marks and
        time given (see :meth:`apply`). Searches keep using the old generation meanwhile;
        writers wait (:class:`IndexBusy` after ``writer_timeout``). ``progress`` is called
        with the number of pages done.

        Raises ValueError when a page comes twice, a mark is negative or the time naive,
        TypeError for a value of the wrong type, IndexBusy when another writer holds the
        lock; on any error the live index is left untouched.
        """
        _check_mark("high_water_mark", high_water_mark)
        _check_mark("change_mark", change_mark)
        _check_time(checked_at)
        state = IndexState(high_water_mark, change_mark, checked_at)
        private_folder(self.directory)  # the index holds page text: owner only
        with self._files.exclusive(self.writer_timeout):
            self._files.remove_generations(keep=self._files.generations_to_keep())
            name = self._files.new_generation()
            try:
                count = self._build(name, documents, state, progress)
                self._files.swap(name)
            except BaseException:
                self._files.discard_generation(name)
                raise
        if progress is not None:
            progress(count)
        self.refresh()

    def _build(self, name: str, documents, state: IndexState, progress) -> int:
        ix = self._files.create_index(name, self.schema)
        # Whoosh's parallel writer forks. Forking while other threads run (a server's
        # request threads, the wiki's background indexer) can leave the child waiting on a
        # lock some other thread held: only fork when this is the process's only thread.
        if REBUILD_PROCS > 1 and threading.active_count() == 1:
            # Each process writes its own segment (multisegment): merging them into one
            # took longer than indexing (see REBUILD_PROCS).
            writer = ix.writer(procs=REBUILD_PROCS, multisegment=True, limitmb=REBUILD_LIMITMB)
        else:
            writer = ix.writer(limitmb=REBUILD_LIMITMB)
        seen: set[int] = set()
        count = written = 0
        try:
            for doc in documents:
                if not isinstance(doc, PageDocument):
                    raise TypeError(f"not a PageDocument: {doc!r}")
                if doc.page_id in seen:
                    raise ValueError(f"page {doc.page_id} given twice")
                seen.add(doc.page_id)
                written += add_page(writer, doc)
                count += 1
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress(count)
            add_state(writer, state)
            writer.commit()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        # Whoosh's multi-process writer drops a worker's segment if the worker reports
        # late; a short index must never go live.
        built = self._files.document_count(name, self.schema)
        if built != written + 1:
            raise RuntimeError(f"rebuild wrote {built - 1} of {written} documents")
        return count

    # ------------------------------------------------------------------ reading

    def search(
        self,
        query: str,
        *,
        page: int = 1,
        per_page: int = 10,
        allowed: Callable[[int], bool] | None = None,
        as_typed: bool = False,
        synonyms: Synonyms | None = None,
        filters: Sequence[str] = (),
        history: bool = False,
        sort: str = "relevance",
        facets: bool = False,
    ) -> Results:
        """Search with the query language of :mod:`wiki.search.query`; ``allowed(page_id)``
        filters out pages the reader may not see (hits, total and facets alike);
        ``synonyms``, when given, also find each term's alternatives
        (:mod:`wiki.search.synonyms`). Unless ``as_typed``, a query that finds nothing is
        spelling-corrected, and one whose words together find little also shows pages with
        most of them (see :class:`~wiki.search.backend.Results`).

        ``filters`` (search syntax each) narrow the results, ``history`` includes old
        text, ``sort`` orders them (:data:`~wiki.search.backend.SORTS`; anything else is
        relevance), ``facets`` counts them (see :class:`~wiki.search.searching.Narrowing`).

        Never raises for any query text: unparseable text is searched as plain words
        (``fallback``), slow searches stop early (``timed_out``). Raises IndexUnavailable
        when there is no usable index; exceptions from ``allowed`` propagate.
        """
        page = max(1, _as_int(page, 1))
        per_page = min(max(1, _as_int(per_page, 10)), MAX_PER_PAGE)
        text = clean(query if isinstance(query, str) else "")
        with self._lock:
            live = self._live_locked()
            with self._failing_as_unavailable("search"):
                # Files damaged after the index was opened can read as "no such word":
                # without this, a damaged index would answer "nothing found".
                read_state(live.searcher)
                return run_search(
                    live.searcher,
                    self.schema,
                    text,
                    page,
                    per_page,
                    allowed,
                    self.time_limit,
                    as_typed=bool(as_typed),
                    cut=isinstance(query, str) and len(query) > MAX_QUERY_CHARS,
                    synonyms=synonyms,
                    options=Narrowing(
                        filters=tuple(f for f in filters if isinstance(f, str)),
                        history=bool(history),
                        sort=sort if sort in SORTS else "relevance",
                        facets=bool(facets),
                    ),
                )

    def suggest(self, query: str) -> str | None:
        """A corrected version of ``query`` ("did you mean"), built from the index's own
        vocabulary, or None when every word is known or nothing close exists. Raises
        IndexUnavailable."""
        text = clean(query if isinstance(query, str) else "")
        with self._lock:
            live = self._live_locked()
            return spelling_suggestion(live.searcher, text, None)

    def autocomplete(
        self,
        prefix: str,
        limit: int = 8,
        *,
        allowed: Callable[[int], bool] | None = None,
    ) -> list[tuple[str, str]]:
        """``(title, slug)`` of pages whose title starts with ``prefix``, then of those with
        a word starting with it (case- and accent-insensitive), shortest titles first.
        Raises IndexUnavailable; exceptions from ``allowed`` propagate."""
        folded = fold(clean(prefix if isinstance(prefix, str) else ""))[:200]
        limit = min(max(1, _as_int(limit, 8)), 50)
        if not WORD.search(folded):
            return []
        with self._lock:
            searcher = self._live_locked().searcher
            with self._failing_as_unavailable("autocomplete"):
                read_state(searcher)  # as in search(): damage must not read as "no such title"
                return complete_title(searcher, folded, limit, allowed)

    def related(
        self, page_id: int, limit: int = 10, *, linked: Mapping[int, int] | None = None
    ) -> list[tuple[int, float]]:
        """The pages most related to the page ``page_id``, best first, at most ``limit``
        (:mod:`wiki.search.related`): ``(page_id, score)``, never the page itself, only
        indexed pages; [] when the page is not indexed. ``linked``: for the pages linked
        with it, in how many directions. Raises TypeError for a page id that is not an int,
        IndexUnavailable when there is no usable index."""
        if not isinstance(page_id, int) or isinstance(page_id, bool):
            raise TypeError(f"page ids must be int, not {page_id!r}")
        limit = min(max(1, _as_int(limit, 10)), MAX_PER_PAGE)
        with self._lock:
            live = self._live_locked()
            commit, known = self._term_counts
            if commit != (live.name, live.generation) or len(known) > MAX_TERM_COUNTS:
                known = {}
                self._term_counts = ((live.name, live.generation), known)
            with self._failing_as_unavailable("related pages"):
                read_state(live.searcher)  # as in search(): damage must not read as "nothing"
                return related_pages(live.searcher, page_id, limit, linked, known)

    @contextmanager
    def _failing_as_unavailable(self, what: str) -> Iterator[None]:
        """Around a read of the live index (lock held): errors of the caller's own (its
        ``allowed`` check) pass through; any other failure closes the index and becomes
        IndexUnavailable, so a damaged index is reopened or rebuilt, never a 500."""
        try:
            yield
        except CallerError as exc:
            # CallerError is always raised from the caller's exception.
            raise cast(BaseException, exc.__cause__) from None
        except IndexUnavailable:
            self._close_locked()
            raise
        except Exception as exc:
            log.exception("%s failed; treating the index as unavailable", what)
            self._close_locked()
            raise IndexUnavailable(f"{what} failed; the index may be damaged") from exc

    # ------------------------------------------------------------------ the live generation

    def _live_locked(self) -> OpenGeneration:
        live = self._live
        if live is None:
            live = self._refresh_locked()
        return live

    def _refresh_locked(self) -> OpenGeneration:
        try:
            name = self._files.read_current()
            live = self._live
            if live is not None and live.name == name:
                try:
                    latest = live.index.latest_generation()
                except OSError as exc:
                    raise IndexUnavailable(f"index generation {name} has gone") from exc
                if latest == live.generation:
                    return live
                fresh = self._live = open_latest(
                    name, live.index, self.schema, self._weighting, live
                )
            else:
                index = self._files.open_index(name, self.schema)
                fresh = self._live = open_latest(name, index, self.schema, self._weighting, None)
                if live is not None:  # a rebuild swapped generations: release the old one
                    live.close()
        except IndexUnavailable:
            self._close_locked()
            raise
        return fresh

    def _close_locked(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.close()
