"""What the rest of the wiki knows of full-text search: the interface of a search backend,
the data it takes and gives, and its two exceptions. No Whoosh here.

The wiki turns pages into :class:`PageDocument` objects and calls
:meth:`SearchBackend.apply` (normal indexing, in revision order) or
:meth:`SearchBackend.rebuild` (everything from scratch); request threads call
:meth:`~SearchBackend.search`, :meth:`~SearchBackend.autocomplete` and
:meth:`~SearchBackend.refresh`. The index is derived data: it records the last revision id
it has applied (its *high-water mark*), and the last id of the feed of pages changed
without a revision (their files: :mod:`wiki.content.page_changes`), in the same commit as
the pages, so a caller that gets :class:`IndexBusy` or crashes resumes from
:meth:`~SearchBackend.state`.

:class:`wiki.search.engine.WhooshEngine` implements this interface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from markupsafe import Markup

if TYPE_CHECKING:  # for annotations only: this module stays free of Whoosh
    from wiki.search.synonyms import Synonyms

__all__ = [
    "HIT_KINDS",
    "NOTICE_KINDS",
    "SORTS",
    "Facet",
    "FacetValue",
    "FileDocument",
    "Hit",
    "IndexBusy",
    "IndexState",
    "IndexUnavailable",
    "Notice",
    "PageDocument",
    "RemovedPassage",
    "Results",
    "SearchBackend",
]


HIT_KINDS = ("page", "file", "history")
"""What a document, and so a hit, can be: a page as it is now, one of its live files, or
a passage that was removed from it (its *old text*)."""

SORTS = ("relevance", "date")
"""How results can be ordered: best match first, or most recently changed first."""


@dataclass(frozen=True)
class FileDocument:
    """One live file of a page, as searched: its name, the text of its current version (""
    while unread or unreadable), who uploaded that version and when (aware datetime).
    Raises TypeError or ValueError on construction when a field is invalid."""

    name: str
    text: str
    author: str
    updated: datetime

    def __post_init__(self):
        for name in ("name", "text", "author"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str")
        if not isinstance(self.updated, datetime) or self.updated.utcoffset() is None:
            raise ValueError("updated must be a timezone-aware datetime")


@dataclass(frozen=True)
class RemovedPassage:
    """Text that was on a page and was removed from it: on the page from revision number
    ``first`` to ``last``, removed by revision ``removed`` (its id ``removed_id``), written
    by ``author`` at ``removed_at`` (aware). Raises TypeError or ValueError on construction
    when a field is invalid."""

    text: str
    first: int
    last: int
    removed: int
    removed_id: int
    author: str
    removed_at: datetime

    def __post_init__(self):
        if not isinstance(self.text, str) or not isinstance(self.author, str):
            raise TypeError("text and author must be str")
        for name in ("first", "last", "removed", "removed_id"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive int, not {value!r}")
        if not self.first <= self.last < self.removed:
            raise ValueError("a passage is removed after the revisions it was on")
        if not isinstance(self.removed_at, datetime) or self.removed_at.utcoffset() is None:
            raise ValueError("removed_at must be a timezone-aware datetime")


@dataclass(frozen=True)
class PageDocument:
    """What the wiki indexes for one page: its current revision, its live files and the
    text removed from it over its history; each becomes a document of its own (see
    :data:`HIT_KINDS`), all found by the readers of the page.

    ``body`` is the plain text as rendered for reading (no Markdown syntax, no HTML),
    ``headings`` the section headings (one per line), ``updated`` a timezone-aware
    datetime, ``space`` the key of the page's space. ``files`` are the page's files that
    are not deleted (:class:`FileDocument`), ``files_stamp`` what tells whether they changed
    since they were indexed (compared, never parsed: the caller makes it); ``removed`` the
    passages removed from the page by its revisions (:class:`RemovedPassage`). Raises
    ValueError or TypeError on construction when a field is invalid.
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
    # The page's field values (name, value), in its record's order: ``team:logistics``.
    fields: tuple[tuple[str, str], ...] = ()
    files: tuple[FileDocument, ...] = ()
    files_stamp: str = ""
    space: str = ""
    removed: tuple[RemovedPassage, ...] = ()
    # The fields the facets count (names; None: all): not dates, numbers or free text.
    facet_fields: tuple[str, ...] | None = None

    def __post_init__(self):
        for name in ("page_id", "revision_id"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive int, not {value!r}")
        for name in ("slug", "title", "headings", "body", "author", "space"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str")
        if isinstance(self.tags, str) or not all(isinstance(tag, str) for tag in self.tags):
            raise TypeError("tags must be a sequence of str")
        object.__setattr__(self, "tags", tuple(self.tags))
        if isinstance(self.files, str) or not all(
            isinstance(file, FileDocument) for file in self.files
        ):
            raise TypeError("files must be a sequence of FileDocument")
        object.__setattr__(self, "files", tuple(self.files))
        if isinstance(self.removed, str) or not all(
            isinstance(passage, RemovedPassage) for passage in self.removed
        ):
            raise TypeError("removed must be a sequence of RemovedPassage")
        object.__setattr__(self, "removed", tuple(self.removed))
        if not isinstance(self.files_stamp, str):
            raise TypeError("files_stamp must be a str")
        if not isinstance(self.updated, datetime) or self.updated.utcoffset() is None:
            raise ValueError("updated must be a timezone-aware datetime")


@dataclass(frozen=True)
class Hit:
    """One search result, of kind ``kind`` (:data:`HIT_KINDS`) on the page ``page_id``
    (``slug``, ``title``). ``snippet`` is escaped HTML whose only markup is ``<mark>``.

    A file hit names its file (``file_name``); an old-text hit says where the text was
    (``removed``: the passage's revisions and who removed it; its ``text`` is ""). ``author``
    and ``updated`` are the page's last edit, the file's upload, or the removal.
    """

    page_id: int
    slug: str
    title: str
    snippet: Markup
    author: str
    updated: datetime
    tags: tuple[str, ...]
    score: float
    file_name: str | None = None
    kind: str = "page"
    removed: RemovedPassage | None = None


@dataclass(frozen=True)
class FacetValue:
    """One way to narrow the results: ``label`` as shown, ``filter`` the search syntax
    that narrows to it (``space:eng``), ``count`` how many of the results have it."""

    label: str
    filter: str
    count: int


@dataclass(frozen=True)
class Facet:
    """The counts of the results by one property (``name``: space, type, tag, author,
    edited, or a record field's name), most frequent first."""

    name: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class IndexState:
    """How far an index has caught up with the database, as of its latest commit.

    ``revision_mark``: the last revision id applied (the high-water mark);
    ``change_mark``: the last id of the page change feed applied; ``checked_at``: when
    (at the latest) the feed was last read through to its end, None when never.
    """

    revision_mark: int
    change_mark: int
    checked_at: datetime | None


NOTICE_KINDS = frozenset(
    {
        "query_cut",  # the text was cut at its maximum length; word: the end of what was read
        "words_ignored",  # terms beyond the most a query may have; word: the first one
        "prefix_cut",  # word* matches more words than are searched; limit: how many were
        "excluded_prefix_cut",  # the same, for an excluded prefix (-word*)
        "prefix_as_word",  # prefixes beyond the most a query may have, searched as words
        "prefix_too_short",  # a one-letter prefix, ignored
        "phrase_cut",  # a phrase longer than the most words checked; limit: how many were
        "only_exclusions",  # nothing to find, only words to leave out
        "nothing_to_search",  # no searchable word (only operators, stop words or symbols)
    }
)
"""What a :class:`Notice` can be about."""


@dataclass(frozen=True)
class Notice:
    """Something the results page must tell the reader about how their query was searched:
    a part that was cut or ignored, or why nothing could be searched.

    ``kind`` is one of :data:`NOTICE_KINDS`; ``word`` the word, prefix or phrase concerned
    as typed ("" when none); ``limit`` the bound that applied (0 when none). Raises
    ValueError on construction for an unknown kind.
    """

    kind: str
    word: str = ""
    limit: int = 0

    def __post_init__(self):
        if self.kind not in NOTICE_KINDS:
            raise ValueError(f"unknown notice kind {self.kind!r}")


@dataclass(frozen=True)
class Results:
    """One page of search results.

    ``total`` counts every (permitted) match; ``suggestion`` is a corrected query string
    ("did you mean") or None; ``exact_title`` is a page whose title equals the query;
    ``fallback`` is True when the query could not be parsed and its words were searched as
    plain terms; ``timed_out`` is True when the search stopped early (``hits`` and ``total``
    then cover part of the index only); ``notices`` say what of the query was cut or
    ignored, in the order met. ``total_bound`` says how far ``total`` can be trusted.

    ``searched`` is the query the hits are for: the query as typed, or its spelling
    correction when that found pages and the query found none (``corrected_from`` is then
    the query as typed). ``relaxed`` is True when the hits are pages with most of the
    words rather than all of them (``all_words`` pages had all of them).

    ``facets`` count every permitted result by space, type, tag, author, when edited and
    record field (when asked for; only what the reader may read is counted).
    """

    hits: list[Hit]
    total: int
    page: int
    per_page: int
    suggestion: str | None = None
    exact_title: Hit | None = None
    fallback: bool = False
    timed_out: bool = False
    searched: str = ""
    corrected_from: str | None = None
    relaxed: bool = False
    all_words: int = 0
    notices: tuple[Notice, ...] = ()
    facets: tuple[Facet, ...] = ()

    @property
    def total_bound(self) -> str:
        """``"exact"``, ``"at least"`` (the search stopped early, or a prefix was cut),
        ``"at most"`` (an excluded prefix was cut, so too few pages were left out) or
        ``"about"`` (both). Never raises."""
        kinds = {notice.kind for notice in self.notices}
        low = self.timed_out or "prefix_cut" in kinds
        high = "excluded_prefix_cut" in kinds
        if low and high:
            return "about"
        return "at least" if low else "at most" if high else "exact"


class IndexUnavailable(Exception):
    """The index is missing, damaged, of another schema version, or being replaced:
    callers show "search is rebuilding" (and should rebuild if it stays so)."""


class IndexBusy(Exception):
    """Another writer holds the index longer than ``writer_timeout``: try again later."""


class SearchBackend(Protocol):
    """A full-text index of the wiki's pages, derived from the database.

    One instance per process, shared by request threads and one background indexing thread.
    Writers in all processes exclude each other: a writer that cannot get the index in time
    gets :class:`IndexBusy`, and a rebuild keeps every other writer out until the new index
    is live.
    """

    def exists(self) -> bool:
        """True when there is a usable index; a missing or damaged one is False, not an
        error."""
        ...

    def high_water_mark(self) -> int:
        """The last revision id applied to the index (0 for a new index), as of the latest
        commit of any process. Raises IndexUnavailable."""
        ...

    def state(self) -> IndexState:
        """Both marks and when the change feed was last read through, as of the latest
        commit of any process. Raises IndexUnavailable."""
        ...

    def indexed_revisions(self, page_ids: Iterable[int] | None = None) -> dict[int, int]:
        """``{page_id: revision_id}`` of every indexed page, or of those of ``page_ids``
        that are indexed (for consistency checks). Raises IndexUnavailable."""
        ...

    def indexed_file_stamps(self, page_ids: Iterable[int]) -> dict[int, str]:
        """``{page_id: files_stamp}`` of those of ``page_ids`` that are indexed. Raises
        IndexUnavailable."""
        ...

    def refresh(self) -> None:
        """Pick up commits and rebuilds made by other processes. Raises IndexUnavailable
        when the index has gone or is damaged."""
        ...

    def close(self) -> None:
        """Close the files held open; the next call opens the index again. Never raises."""
        ...

    def create(self) -> None:
        """Create an empty index if there is no usable one (a damaged one is replaced).
        Raises IndexBusy."""
        ...

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
        ``high_water_mark``, ``change_mark`` and ``checked_at`` when given (no recorded
        mark or time ever goes down); a page whose indexed revision is newer than the
        upsert keeps the indexed one.

        Raises ValueError when a page is both upserted and removed, a mark is negative or
        the time naive, TypeError for a value of the wrong type, IndexBusy when another
        writer holds the index, IndexUnavailable when there is no usable index.
        """
        ...

    def rebuild(
        self,
        documents: Iterable[PageDocument],
        *,
        high_water_mark: int,
        change_mark: int = 0,
        checked_at: datetime | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Index ``documents`` (one per page, streamed) into a new index, then make it the
        live one, with those marks and time; searches keep using the old one meanwhile.
        ``progress`` is called with the number of pages done.

        Raises ValueError when a page comes twice or the mark is negative, TypeError for a
        value of the wrong type, IndexBusy when another writer holds the index; on any
        error the live index is left untouched.
        """
        ...

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
        most of them (see :class:`Results`).

        ``filters`` (search syntax each, such as ``space:eng``: the facets' values) narrow
        the results without being corrected or relaxed; ``history`` includes text removed
        from pages; ``sort`` is one of :data:`SORTS`; ``facets`` asks for the counts.

        Never raises for any query text. Raises IndexUnavailable when there is no usable
        index; exceptions from ``allowed`` propagate.
        """
        ...

    def suggest(self, query: str) -> str | None:
        """A corrected version of ``query`` ("did you mean"), or None. Raises
        IndexUnavailable."""
        ...

    def autocomplete(
        self,
        prefix: str,
        limit: int = 8,
        *,
        allowed: Callable[[int], bool] | None = None,
    ) -> list[tuple[str, str]]:
        """``(title, slug)`` of pages whose title starts with ``prefix``, then of those with
        a word starting with it. Raises IndexUnavailable; exceptions from ``allowed``
        propagate."""
        ...

    def related(
        self, page_id: int, limit: int = 10, *, linked: Mapping[int, int] | None = None
    ) -> list[tuple[int, float]]:
        """The pages most related to the page ``page_id`` (by rare words in common, shared
        tags, and ``linked``: for the pages linked with it, in how many directions), as
        ``(page_id, score)``, best first, at most ``limit``; never the page itself, only
        indexed pages, [] when the page is not indexed. Raises IndexUnavailable."""
        ...
