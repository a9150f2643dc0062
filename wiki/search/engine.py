"""Full-text search over the wiki's pages, on a Whoosh index in a directory.

Plain Python: the wiki turns pages into :class:`PageDocument` objects and calls
:meth:`WhooshEngine.apply` (normal indexing, in revision order) or
:meth:`WhooshEngine.rebuild` (everything from scratch); request threads call
:meth:`WhooshEngine.search`, :meth:`~WhooshEngine.autocomplete` and
:meth:`~WhooshEngine.refresh`.

Layout of the directory::

    CURRENT        names the live generation, e.g. "index-7"; replaced with os.replace
    LOCK           held (flock) by whoever writes: apply, create, rebuild
    index-7/       a Whoosh index: the pages and one state document
    index-6/       the previous generation, kept until the next rebuild for processes
                   that still read it

A rebuild builds ``index-<n+1>`` aside while searches keep using the live generation, then
swaps ``CURRENT``. The state document records the last applied revision id (the
*high-water mark*) and the schema version; it is written in the same commit as the pages,
so after a crash the mark never disagrees with what the index contains.

Concurrency: one :class:`WhooshEngine` per process, shared by request threads and one
background indexing thread. The searcher is shared and guarded by a lock (searches in one
process run one at a time; they take milliseconds). Writers in any process exclude each
other through ``LOCK``; the loser waits up to ``writer_timeout`` and gets
:class:`IndexBusy`. A rebuild holds ``LOCK`` throughout, so :meth:`~WhooshEngine.apply`
gets :class:`IndexBusy` until the new generation is live; the caller then resumes from
:meth:`~WhooshEngine.high_water_mark`, which is the rebuild's mark.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup
from whoosh import fields
from whoosh import query as wquery
from whoosh.analysis import NgramFilter
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex, LockError
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.support.levenshtein import damerau_levenshtein
from whoosh.util.filelock import FileLock, try_for

from wiki.instance import private_folder
from wiki.search.query import (
    FIELD_BOOSTS,
    clean,
    correctable_words,
    fold,
    highlight_terms,
    index_term,
    keyword_analyzer,
    name_analyzer,
    parse,
    plain_terms,
    text_analyzer,
)
from wiki.search.scoring import CallerError, FieldWeighting, PageCollector
from wiki.search.snippets import SNIPPET_SCAN_CHARS, WORD, make_snippet

__all__ = [
    "Hit",
    "IndexBusy",
    "IndexUnavailable",
    "PageDocument",
    "Results",
    "WhooshEngine",
    "build_schema",
]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""Bump whenever the schema or the analysis changes: an index of another version is
reported unavailable, and the wiki must rebuild it."""

INDEX_NAME = "MAIN"
CURRENT_FILE = "CURRENT"
LOCK_FILE = "LOCK"
STATE_KEY = "state"
_GENERATION = re.compile(r"index-(\d+)\Z")

SEARCH_TIME_LIMIT = 0.5
"""Seconds a search may spend collecting matches; it then returns what it has
(``timed_out=True``)."""

MAX_RESULTS = 1000
"""Deepest result reachable by paging; later pages come back empty (``total`` stays exact)."""

MAX_PER_PAGE = 100
FEW_HITS = 3
"""Below this many hits, a search also offers a spelling suggestion."""

MAX_CORRECTED_WORDS = 6
"""A suggestion corrects at most the first six words of a query."""

"""Only the start of a very long page is scanned for snippet matches."""

AUTOCOMPLETE_GRAM = 20
"""Title words are indexed by their first 1..20 letters for autocomplete."""

AUTOCOMPLETE_SCAN = 5000
"""Most candidate titles one autocomplete request looks at."""

REBUILD_PROCS = min(2, os.cpu_count() or 1)
"""Indexing processes for a rebuild run from a single-threaded process (the command line).
Measured, 10,000 pages on 2 cores: 1 process 49 s, 2 processes merged into one segment
45 s, 2 processes leaving 2 segments 26 s."""

REBUILD_LIMITMB = 128
"""Memory per indexing process before postings spill to disk (256 was no faster)."""

PROGRESS_EVERY = 1000


# ---------------------------------------------------------------------- data


@dataclass(frozen=True)
class PageDocument:
    """What the wiki indexes for one page: its current revision.

    ``body`` is the plain text as rendered for reading (no Markdown syntax, no HTML),
    ``headings`` the section headings (one per line), ``updated`` a timezone-aware
    datetime. Raises ValueError or TypeError on construction when a field is invalid.
    """

    page_id: int
    slug: str
    title: str
    headings: str
    body: str
    tags: tuple[str, ...]
    author: str
    updated: datetime
    revision_id: int

    def __post_init__(self):
        for name in ("page_id", "revision_id"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive int, not {value!r}")
        for name in ("slug", "title", "headings", "body", "author"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str")
        if isinstance(self.tags, str) or not all(isinstance(tag, str) for tag in self.tags):
            raise TypeError("tags must be a sequence of str")
        object.__setattr__(self, "tags", tuple(self.tags))
        if not isinstance(self.updated, datetime) or self.updated.utcoffset() is None:
            raise ValueError("updated must be a timezone-aware datetime")


@dataclass(frozen=True)
class Hit:
    """One search result. ``snippet`` is escaped HTML whose only markup is ``<mark>``."""

    page_id: int
    slug: str
    title: str
    snippet: Markup
    author: str
    updated: datetime
    tags: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class Results:
    """One page of search results.

    ``total`` counts every (permitted) match; ``suggestion`` is a corrected query string
    ("did you mean") or None; ``exact_title`` is a page whose title equals the query;
    ``fallback`` is True when the query could not be parsed and its words were searched as
    plain terms; ``timed_out`` is True when the search stopped early (``hits`` and ``total``
    then cover part of the index only).
    """

    hits: list[Hit]
    total: int
    page: int
    per_page: int
    suggestion: str | None = None
    exact_title: Hit | None = None
    fallback: bool = False
    timed_out: bool = False


class IndexUnavailable(Exception):
    """The index is missing, damaged, of another schema version, or being replaced:
    callers show "search is rebuilding" (and should rebuild if it stays so)."""


class IndexBusy(Exception):
    """Another writer holds the index longer than ``writer_timeout``: try again later."""


# ---------------------------------------------------------------------- schema


def build_schema() -> fields.Schema:
    """The index schema. Changing it (or the analyzers) requires bumping SCHEMA_VERSION."""
    return fields.Schema(
        key=fields.ID(unique=True, stored=True),  # "page:<id>", or "state"
        page_id=fields.NUMERIC(int, 64, signed=False, shift_step=0, stored=True, sortable=True),
        revision_id=fields.NUMERIC(int, 64, signed=False, shift_step=0, stored=True, sortable=True),
        slug=fields.STORED(),
        title=fields.TEXT(analyzer=text_analyzer(), stored=True),
        # The whole folded title: "go to page" on an exact match, and autocomplete ranking.
        title_key=fields.ID(sortable=True),
        title_ac=fields.TEXT(
            analyzer=name_analyzer() | NgramFilter(1, AUTOCOMPLETE_GRAM, at="start"),
            phrase=False,
        ),
        headings=fields.TEXT(analyzer=text_analyzer()),
        body=fields.TEXT(analyzer=text_analyzer(), stored=True),
        tags=fields.TEXT(analyzer=keyword_analyzer(), phrase=False, stored=True),
        author=fields.TEXT(analyzer=name_analyzer(), stored=True),
        updated=fields.DATETIME(stored=True),
        state=fields.STORED(),  # on the state document: {"hwm": int, "schema": int}
    )


_SURROGATES = re.compile(r"[\ud800-\udfff]")


def _text(value: str) -> str:
    # Whoosh encodes terms as UTF-8, which lone surrogates would break.
    return _SURROGATES.sub("\ufffd", value)


def _storage(path: Path) -> FileStorage:
    """Whoosh storage for one generation's folder, without memory-mapped files: when a
    mapped file is truncated under a running process (a damaged or replaced index), the
    next read of the lost pages kills the whole process with SIGBUS, which no Python code
    can catch. Plain reads fail with an exception instead, and the index is reported
    unavailable and rebuilt. (Measured on 2,000 pages: searches about 10% slower.)"""
    return FileStorage(str(path), supports_mmap=False)


def _key(page_id: int) -> str:
    return f"page:{page_id}"


def _fields(doc: PageDocument) -> dict:
    updated = doc.updated.astimezone(UTC)
    tags = [_text(tag).replace(",", " ") for tag in doc.tags]
    return {
        "key": _key(doc.page_id),
        "page_id": doc.page_id,
        "revision_id": doc.revision_id,
        "slug": doc.slug,
        "title": _text(doc.title),
        "title_key": fold(_text(doc.title)),
        "title_ac": _text(doc.title),
        "headings": _text(doc.headings),
        "body": _text(doc.body),
        "tags": ",".join(tags),
        "_stored_tags": tuple(doc.tags),
        "author": _text(doc.author),
        # The DATETIME field drops tzinfo: give it UTC; store the aware value for display.
        "updated": updated.replace(tzinfo=None),
        "_stored_updated": updated,
    }


def _state_fields(hwm: int) -> dict:
    # page_id 0 marks it as no page (a missing column value would read as 2**64 - 1).
    return {
        "key": STATE_KEY,
        "page_id": 0,
        "revision_id": 0,
        "state": {"hwm": hwm, "schema": SCHEMA_VERSION},
    }


# ---------------------------------------------------------------------- the engine


def _damaged(message: str, exc: BaseException) -> IndexUnavailable:
    """IndexUnavailable for a damaged index, to raise ``from exc``.

    When Whoosh fails to read a damaged TOC or segment it leaves that file open, referenced
    only from the frames of the exception: drop the traceback now, so the file is closed
    here (quietly) rather than whenever the exception happens to be collected.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        exc.__traceback__ = None
    return IndexUnavailable(f"{message} ({type(exc).__name__}: {exc})")


def _as_int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


def _frequency(reader, term: str) -> int:
    """Pages that contain ``term`` in their title, headings or body (roughly: a page with
    the word in two fields counts twice)."""
    return sum(reader.doc_frequency(name, term) for name in FIELD_BOOSTS)


@dataclass
class _Live:
    """The open generation: its index, reader generation and searcher."""

    name: str
    index: FileIndex
    generation: int
    searcher: Searcher
    readers: dict[str, tuple[int, SegmentReader]] = field(default_factory=dict)


class WhooshEngine:
    """Search engine over one index directory (see the module docstring for the layout).

    Methods raise :class:`IndexUnavailable` when the index is missing or damaged, and the
    writing methods raise :class:`IndexBusy` when another writer keeps the lock longer than
    ``writer_timeout`` seconds.
    """

    time_limit: float = SEARCH_TIME_LIMIT

    def __init__(self, directory: Path, *, writer_timeout: float = 5.0):
        self.directory = Path(directory)
        self.writer_timeout = writer_timeout
        self.schema = build_schema()
        self._weighting = FieldWeighting(FIELD_BOOSTS)
        self._lock = threading.RLock()
        self._live: _Live | None = None

    # ------------------------------------------------------------------ state

    def exists(self) -> bool:
        """True when the directory holds a usable index of this schema version."""
        with self._lock:
            try:
                self._refresh_locked()
            except IndexUnavailable:
                return False
            return True

    def high_water_mark(self) -> int:
        """The last revision id applied to the index (0 for a new index), as of the latest
        commit of any process. Raises IndexUnavailable."""
        with self._lock:
            live = self._refresh_locked()
            return self._state(live.searcher)["hwm"]

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
                    revision = self._indexed_revision(live.searcher, page_id)
                    if revision is not None:
                        revisions[page_id] = revision
                return revisions
            for reader, _offset in live.searcher.reader().leaf_readers():
                if not reader.has_column("page_id"):
                    continue
                page_ids_column = reader.column_reader("page_id")
                revision_ids = reader.column_reader("revision_id")
                for docnum in reader.all_doc_ids():
                    page_id = page_ids_column[docnum]
                    if page_id > 0 and (wanted is None or page_id in wanted):
                        revisions[page_id] = revision_ids[docnum]
            return revisions

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
        with self._exclusive():
            if self.exists():
                return
            name = self._new_generation_name()
            path = self.directory / name
            path.mkdir()
            ix = FileIndex.create(_storage(path), self.schema, INDEX_NAME)
            writer = ix.writer()
            writer.add_document(**_state_fields(0))
            writer.commit()
            self._swap(name)
        self.refresh()

    def apply(
        self, upserts: Sequence[PageDocument], removals: Sequence[int], *, high_water_mark: int
    ) -> None:
        """Index new revisions and remove pages, in one commit that also records
        ``high_water_mark`` (the last revision id the caller has applied; the recorded mark
        never goes down).

        A page whose indexed revision is newer than the upsert keeps the indexed one; of
        several upserts for one page the newest wins. Raises ValueError when a page is both
        upserted and removed or the mark is negative, IndexBusy when the lock cannot be had
        within ``writer_timeout``, IndexUnavailable when there is no usable index.
        """
        if not isinstance(high_water_mark, int) or high_water_mark < 0:
            raise ValueError(f"high_water_mark must be a non-negative int, not {high_water_mark!r}")
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
        with self._exclusive():
            name = self._read_current()
            ix = self._open_index(name)
            try:
                writer = ix.writer(timeout=self.writer_timeout, delay=0.05)
            except LockError as exc:
                raise IndexBusy("the index is locked by another writer") from exc
            try:
                try:
                    searcher = writer.searcher()
                except Exception as exc:
                    raise _damaged(f"index generation {name} is damaged", exc) from exc
                state = self._state(searcher)
                for page_id, doc in newest.items():
                    indexed = self._indexed_revision(searcher, page_id)
                    if indexed is not None and indexed > doc.revision_id:
                        continue  # never replace a newer revision with an older one
                    writer.update_document(**_fields(doc))
                for page_id in removed:
                    writer.delete_by_term("key", _key(page_id), searcher=searcher)
                writer.update_document(**_state_fields(max(state["hwm"], high_water_mark)))
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
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Index ``documents`` (one per page; may be a generator of any length: they are
        streamed) into a new generation, then make it the live one. Searches keep using
        the old generation meanwhile; writers wait (:class:`IndexBusy` after
        ``writer_timeout``). ``progress`` is called with the number of pages done.

        Raises ValueError when a page comes twice or the mark is negative, IndexBusy when
        another writer holds the lock; on any error the live index is left untouched.
        """
        if not isinstance(high_water_mark, int) or high_water_mark < 0:
            raise ValueError(f"high_water_mark must be a non-negative int, not {high_water_mark!r}")
        private_folder(self.directory)  # the index holds page text: owner only
        with self._exclusive():
            self._remove_generations(keep=self._generations_to_keep())
            name = self._new_generation_name()
            path = self.directory / name
            path.mkdir()
            try:
                count = self._build(path, documents, high_water_mark, progress)
                self._swap(name)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
        if progress is not None:
            progress(count)
        self.refresh()

    def _build(self, path: Path, documents, high_water_mark: int, progress) -> int:
        ix = FileIndex.create(_storage(path), self.schema, INDEX_NAME)
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
        count = 0
        try:
            for doc in documents:
                if not isinstance(doc, PageDocument):
                    raise TypeError(f"not a PageDocument: {doc!r}")
                if doc.page_id in seen:
                    raise ValueError(f"page {doc.page_id} given twice")
                seen.add(doc.page_id)
                writer.add_document(**_fields(doc))
                count += 1
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress(count)
            writer.add_document(**_state_fields(high_water_mark))
            writer.commit()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        # Whoosh's multi-process writer drops a worker's segment if the worker reports
        # late; a short index must never go live.
        built = FileIndex(_storage(path), self.schema, INDEX_NAME).doc_count()
        if built != count + 1:
            raise RuntimeError(f"rebuild wrote {built - 1} of {count} pages")
        return count

    # ------------------------------------------------------------------ reading

    def search(
        self,
        query: str,
        *,
        page: int = 1,
        per_page: int = 10,
        allowed: Callable[[int], bool] | None = None,
    ) -> Results:
        """Search with the query language of :mod:`wiki.search.query`; ``allowed(page_id)``
        filters out pages the reader may not see (hits and total alike).

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
                self._state(live.searcher)
                return self._search(live.searcher, text, page, per_page, allowed)

    @contextmanager
    def _failing_as_unavailable(self, what: str):
        """Around a read of the live index (lock held): errors of the caller's own (its
        ``allowed`` check) pass through; any other failure closes the index and becomes
        IndexUnavailable, so a damaged index is reopened or rebuilt, never a 500."""
        try:
            yield
        except CallerError as exc:
            raise exc.__cause__ from None
        except IndexUnavailable:
            self._close_locked()
            raise
        except Exception as exc:
            log.exception("%s failed; treating the index as unavailable", what)
            self._close_locked()
            raise IndexUnavailable(f"{what} failed; the index may be damaged") from exc

    def _search(self, searcher, text, page, per_page, allowed) -> Results:
        q, fallback = parse(text, self.schema)
        try:
            collector = self._collect(searcher, q, page * per_page, allowed)
        except CallerError:
            raise
        except Exception:
            # A query the parser accepted but Whoosh cannot run is a bug here, not the
            # user's: answer with plain words rather than an error.
            log.exception("query %r failed; retrying as plain words", text)
            q, fallback = plain_terms(text, self.schema), True
            collector = self._collect(searcher, q, page * per_page, allowed)
        top = collector.results().top_n
        chosen = top[(page - 1) * per_page : page * per_page]
        terms = highlight_terms(q, "body", searcher.reader()) if chosen else set()
        hits = [self._hit(searcher, docnum, score, terms) for score, docnum in chosen]
        total = collector.count()
        suggestion = None
        if total < FEW_HITS and not collector.timed_out:
            try:
                suggestion = self._suggestion(searcher, text)
            except Exception:
                log.exception("spelling suggestion for %r failed", text)
        return Results(
            hits=hits,
            total=total,
            page=page,
            per_page=per_page,
            suggestion=suggestion,
            exact_title=self._exact_title(searcher, text, allowed, terms),
            fallback=fallback,
            timed_out=collector.timed_out,
        )

    def _collect(self, searcher, q, wanted, allowed) -> PageCollector:
        deadline = time.monotonic() + self.time_limit
        collector = PageCollector(min(wanted, MAX_RESULTS), allowed, deadline)
        context = searcher.context()
        context.deadline = deadline  # read by the matchers of wiki.search.query
        searcher.search_with_collector(q, collector, context=context)
        return collector

    def _hit(self, searcher, docnum: int, score: float, terms: set[str]) -> Hit:
        stored = searcher.stored_fields(docnum)
        return Hit(
            page_id=stored["page_id"],
            slug=stored["slug"],
            title=stored["title"],
            snippet=make_snippet(stored.get("body", ""), terms),
            author=stored.get("author", ""),
            updated=stored["updated"],
            tags=tuple(stored.get("tags", ())),
            score=float(score),
        )

    def _exact_title(self, searcher, text, allowed, terms) -> Hit | None:
        key = fold(text.strip().strip('"'))  # someone may quote the title they know
        if not key:
            return None
        for docnum in searcher.document_numbers(title_key=key):
            page_id = searcher.stored_fields(docnum)["page_id"]
            try:
                if allowed is not None and not allowed(page_id):
                    continue
            except Exception as exc:
                raise CallerError() from exc
            return self._hit(searcher, docnum, 0.0, terms)
        return None

    def suggest(self, query: str) -> str | None:
        """A corrected version of ``query`` ("did you mean"), built from the index's own
        vocabulary, or None when every word is known or nothing close exists. Raises
        IndexUnavailable."""
        text = clean(query if isinstance(query, str) else "")
        with self._lock:
            live = self._live_locked()
            return self._suggestion(live.searcher, text)

    def _suggestion(self, searcher, text: str) -> str | None:
        words = correctable_words(text)
        if not words:
            return None
        out = text
        changed = False
        # From the end, so that offsets stay valid; a few words at most (each costs a scan
        # of the vocabulary).
        for start, end, word in reversed(words[:MAX_CORRECTED_WORDS]):
            replacement = self._correct(searcher, word)
            if replacement is not None and replacement != word:
                out = out[:start] + replacement + out[end:]
                changed = True
        return out if changed else None

    def _correct(self, searcher, word: str) -> str | None:
        """The closest known word to an unknown ``word``, or None."""
        folded = fold(word)
        if not 3 <= len(folded) <= 30 or not folded.isalpha():
            # Numbers, codes, short words and very long ones are not misspellings (and
            # the edit-distance automaton of a long word is slow to build).
            return None
        term = index_term(folded)
        reader = searcher.reader()
        if term is None or _frequency(reader, term):
            return None
        maxdist = 2 if len(folded) > 4 else 1
        candidates = set()
        for leaf, _offset in reader.leaf_readers():
            for name in ("body", "title"):  # headings add little and cost as much again
                if leaf.doc_count_all():
                    candidates.update(leaf.terms_within(name, term, maxdist, prefix=1))
        # Indexed words are stems, and a typo can hide the suffix the stemmer would have
        # removed: "configuraton" is 4 edits from "configur" but starts with it.
        for end in range(len(folded) - 1, 3, -1):
            if _frequency(reader, folded[:end]):
                candidates.add(folded[:end])
        best = None
        for candidate in sorted(candidates, key=lambda c: (-_frequency(reader, c), c))[:5]:
            for form in self._surface_forms(searcher, candidate):
                distance = damerau_levenshtein(form, folded)
                rank = (distance, -_frequency(reader, candidate), len(form), form)
                if distance <= maxdist and (best is None or rank < best[0]):
                    best = (rank, form)
        if best is None:
            return None
        surface = best[1]
        if word[:1].isupper():
            surface = surface[:1].upper() + surface[1:]
        return surface

    @staticmethod
    def _surface_forms(searcher, term: str) -> set[str]:
        """The words of the index whose term is ``term`` (terms are stems: "configur" ->
        "configure", "configuration"), read from a few pages that contain it."""
        forms: set[str] = set()
        reader = searcher.reader()
        for name in ("body", "title"):
            if (name, term) not in reader:
                continue
            matcher = reader.postings(name, term)
            for _ in range(3):
                if not matcher.is_active():
                    break
                text = searcher.stored_fields(matcher.id()).get(name) or ""
                for match in WORD.finditer(text[:SNIPPET_SCAN_CHARS]):
                    if index_term(match.group()) == term:
                        forms.add(fold(match.group()))
                matcher.next()
            if forms:
                break
        return forms

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
        words = WORD.findall(folded)
        limit = min(max(1, _as_int(limit, 8)), 50)
        if not words:
            return []
        at_word_start = re.compile(r"(?<!\w)" + re.escape(folded))
        q = wquery.And([wquery.Term("title_ac", word[:AUTOCOMPLETE_GRAM]) for word in words[:8]])
        with self._lock:
            searcher = self._live_locked().searcher
            with self._failing_as_unavailable("autocomplete"):
                return self._autocomplete(searcher, q, folded, at_word_start, limit, allowed)

    def _autocomplete(
        self, searcher, q, folded, at_word_start, limit, allowed
    ) -> list[tuple[str, str]]:
        self._state(searcher)  # as in search(): damage must not read as "no such title"
        ranked = []
        scanned = 0
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            if not reader.has_column("title_key"):
                continue
            keys = reader.column_reader("title_key")
            matcher = q.matcher(leaf, leaf.boolean_context())
            for docnum in matcher.all_ids() if matcher.is_active() else ():
                key = keys[docnum]
                rank = 0 if key.startswith(folded) else 1 if at_word_start.search(key) else 2
                ranked.append((rank, len(key), key, offset + docnum))
                scanned += 1
                if scanned >= AUTOCOMPLETE_SCAN:
                    break
        ranked.sort()
        out = []
        for _rank, _length, _key, docnum in ranked:
            stored = searcher.stored_fields(docnum)
            try:
                if allowed is not None and not allowed(stored["page_id"]):
                    continue
            except Exception as exc:
                raise CallerError() from exc
            out.append((stored["title"], stored["slug"]))
            if len(out) == limit:
                break
        return out

    # ------------------------------------------------------------------ internals

    @contextmanager
    def _exclusive(self):
        """Hold the directory's write lock (all processes), or raise IndexBusy."""
        lock = FileLock(str(self.directory / LOCK_FILE))
        if not try_for(lock.acquire, timeout=self.writer_timeout, delay=0.05):
            raise IndexBusy(f"another writer holds {self.directory / LOCK_FILE}")
        try:
            yield
        finally:
            lock.release()

    def _read_current(self) -> str:
        try:
            name = (self.directory / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexUnavailable(f"no index in {self.directory}") from exc
        if not _GENERATION.match(name):
            raise IndexUnavailable(f"{self.directory / CURRENT_FILE} is damaged")
        return name

    def _open_index(self, name: str) -> FileIndex:
        path = self.directory / name
        if not path.is_dir():
            raise IndexUnavailable(f"index generation {name} is missing")
        try:
            return FileIndex(_storage(path), self.schema, INDEX_NAME)
        except Exception as exc:  # a damaged TOC raises anything from struct to pickle
            raise _damaged(f"index generation {name} is damaged", exc) from exc

    def _state(self, searcher) -> dict:
        try:
            stored = searcher.document(key=STATE_KEY)
        except Exception as exc:
            raise _damaged("cannot read the index state", exc) from exc
        state = (stored or {}).get("state")
        if not isinstance(state, dict) or state.get("schema") != SCHEMA_VERSION:
            raise IndexUnavailable("the index was made by another version: rebuild it")
        return state

    @staticmethod
    def _indexed_revision(searcher, page_id: int) -> int | None:
        docnum = searcher.document_number(key=_key(page_id))
        if docnum is None:
            return None
        return searcher.stored_fields(docnum).get("revision_id")

    def _live_locked(self) -> _Live:
        if self._live is None:
            self._refresh_locked()
        return self._live

    def _refresh_locked(self) -> _Live:
        try:
            name = self._read_current()
            live = self._live
            if live is not None and live.name == name:
                try:
                    latest = live.index.latest_generation()
                except OSError as exc:
                    raise IndexUnavailable(f"index generation {name} has gone") from exc
                if latest == live.generation:
                    return live
                self._live = self._load(name, live.index, live)
            else:
                self._live = self._load(name, self._open_index(name), None)
                if live is not None:  # a rebuild swapped generations: release the old one
                    for _count, reader in live.readers.values():
                        reader.close()
        except IndexUnavailable:
            self._close_locked()
            raise
        return self._live

    def _load(self, name: str, index: FileIndex, previous: _Live | None) -> _Live:
        """Open a searcher on the latest commit of ``index``, reusing the readers of
        unchanged segments.

        Whoosh's own ``Searcher.refresh()`` is not used: in this version it keeps reused
        readers with their old deletions and never drops merged-away segments (measured:
        after 30 updates of 10 pages a refreshed searcher counted 95 documents).
        """
        old = dict(previous.readers) if previous is not None else {}
        opened: list[SegmentReader] = []  # new readers, to close if this load fails
        try:
            for attempt in range(5):
                try:
                    toc = TOC.read(index.storage, INDEX_NAME, schema=self.schema)
                    readers: dict[str, tuple[int, SegmentReader]] = {}
                    for segment in toc.segments:
                        segment_id = segment.segment_id()
                        reused = old.get(segment_id)
                        if reused is not None and reused[0] == segment.deleted_count():
                            readers[segment_id] = reused
                        else:
                            reader = SegmentReader(
                                index.storage, self.schema, segment, generation=toc.generation
                            )
                            opened.append(reader)
                            readers[segment_id] = (segment.deleted_count(), reader)
                    break
                except FileNotFoundError:
                    # A commit of another process deleted merged segments between reading
                    # the TOC and opening them: read the newer TOC.
                    if attempt == 4:
                        raise
                    time.sleep(0.05)
            leaves = [reader for _count, reader in readers.values()]
            if not leaves:
                reader = EmptyReader(self.schema)
            elif len(leaves) == 1:
                reader = leaves[0]
            else:
                reader = MultiReader(leaves, generation=toc.generation)
            searcher = Searcher(
                reader, fromindex=index, weighting=self._weighting, closereader=False
            )
            live = _Live(
                name=name,
                index=index,
                generation=toc.generation,
                searcher=searcher,
                readers=readers,
            )
            self._state(searcher)
            self._warm(live)
        except BaseException as exc:
            for reader in opened:
                reader.close()
            if isinstance(exc, IndexUnavailable):
                raise
            if not isinstance(exc, Exception):
                raise
            raise _damaged(f"index generation {name} is damaged", exc) from exc
        for segment_id, (_count, reader) in old.items():
            if readers.get(segment_id, (None, None))[1] is not reader:
                reader.close()
        self._weighting.forget_except(set(readers))
        return live

    def _warm(self, live: _Live) -> None:
        # Open every file a search may need now, while the generation is certainly there:
        # Whoosh opens some lazily, and a rebuild elsewhere may delete this generation
        # later (open files stay readable after deletion; unopened ones would not).
        for subsearcher, _offset in live.searcher.leaf_searchers():
            reader = subsearcher.reader()
            if reader.doc_count_all():
                reader.stored_fields(0)
            for name in ("page_id", "revision_id", "title_key"):
                if reader.has_column(name):
                    reader.column_reader(name)[0]
            for name in FIELD_BOOSTS:
                self._weighting.norms(subsearcher, name)
            for name in ("author", "tags"):
                reader.doc_field_length(0, name, 0)

    def _close_locked(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            for _count, reader in live.readers.values():
                reader.close()

    def _generations(self) -> list[tuple[int, str]]:
        found = []
        for entry in self.directory.iterdir():
            match = _GENERATION.match(entry.name)
            if match and entry.is_dir():
                found.append((int(match.group(1)), entry.name))
        return sorted(found)

    def _new_generation_name(self) -> str:
        numbers = [number for number, _name in self._generations()]
        return f"index-{max(numbers, default=0) + 1}"

    def _generations_to_keep(self) -> set[str]:
        try:
            current = self._read_current()
        except IndexUnavailable:
            return set()
        number = int(_GENERATION.match(current).group(1))
        older = [name for n, name in self._generations() if n < number]
        return {current, *older[-1:]}

    def _swap(self, name: str) -> None:
        """Make generation ``name`` the live one; keep the one it replaces (other
        processes may still read it until they refresh) and delete all older ones."""
        try:
            previous = {self._read_current()}
        except IndexUnavailable:
            previous = set()
        temporary = self.directory / f"{CURRENT_FILE}.{os.getpid()}.{threading.get_ident()}"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.directory / CURRENT_FILE)
        try:
            directory = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError:
            pass  # not all file systems can sync a directory; the rename is still atomic
        self._remove_generations(keep={name} | previous)

    def _remove_generations(self, keep: set[str]) -> None:
        for _number, name in self._generations():
            if name not in keep:
                shutil.rmtree(self.directory / name, ignore_errors=True)
