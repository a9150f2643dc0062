"""One search on an open searcher: the query parsed, matches collected within the time
limit and the reader's permissions, the requested page of hits with snippets, and a
spelling suggestion and exact title match to go with them.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from whoosh import query

from wiki.search.analysis import fold
from wiki.search.backend import Hit, Results
from wiki.search.collecting import PageCollector
from wiki.search.facets import FacetCounter
from wiki.search.notices import search_notices
from wiki.search.query import (
    highlight_terms,
    most_words,
    old_text_query,
    parse_with_notices,
    plain_terms,
)
from wiki.search.schema import FIELD_BOOSTS, OLD_TEXT_FIELD, removed_passage
from wiki.search.scoring import CallerError
from wiki.search.snippets import best_snippet, file_snippet
from wiki.search.suggest import spelling_suggestion
from wiki.search.synonyms import Synonyms
from wiki.search.syntax import MAX_QUERY_CHARS, clean

__all__ = [
    "FEW_HITS",
    "MAX_FILTERS",
    "MAX_RESULTS",
    "SEARCH_TIME_LIMIT",
    "Narrowing",
    "run_search",
]

log = logging.getLogger(__name__)

SEARCH_TIME_LIMIT = 0.5
"""Seconds a search may spend collecting matches; it then returns what it has
(``timed_out=True``)."""

MAX_RESULTS = 1000
"""Deepest result reachable by paging; later pages come back empty (``total`` stays exact)."""

MAX_FILTERS = 20
"""Filters applied at most; more are ignored (each costs a pass over its matches)."""

FEW_HITS = 3
"""Below this many pages with all the words, a plain query also shows pages with most of
them, and a search offers a spelling suggestion that finds more."""


def run_search(
    searcher,
    schema,
    text: str,
    page: int,
    per_page: int,
    allowed: Callable[[int], bool] | None,
    time_limit: float,
    *,
    as_typed: bool = False,
    cut: bool = False,
    synonyms: Synonyms | None = None,
    options: Narrowing | None = None,
) -> Results:
    """Page ``page`` (of ``per_page`` hits) of the results for ``text`` (a cleaned query)
    in ``searcher``'s index, of the pages ``allowed`` permits, collecting for at most
    ``time_limit`` seconds. ``cut`` says the text was cut to the most the engine reads;
    ``synonyms`` expand the query (the spelling suggestion and the exact title look at
    the text as typed); ``options`` narrow, order and count the results (filters, old
    text, sort, facets).

    When nothing matches and a spelling correction of the query (from words the reader may
    read) finds pages, those are shown (``corrected_from``); when all the words of a
    plain query together find fewer than :data:`FEW_HITS` pages, pages with most of them
    are shown (``relaxed``). ``as_typed`` turns both off.

    Raises CallerError from the exception ``allowed`` raised, and what Whoosh raises for a
    damaged index; never raises for any query text.
    """

    # Each attempt (as typed, corrected, most words, a suggestion's count) gets the time
    # limit anew: only searches that found little make more than one.
    def deadline() -> float:
        return time.monotonic() + time_limit

    wanted = page * per_page
    known = _known_word(searcher, schema)
    narrowing = _Narrowed(searcher, schema, options or Narrowing(), known)

    def attempt_search(text: str, deadline: float):
        return _search(
            searcher, schema, text, wanted, allowed, deadline, known, synonyms, narrowing
        )

    q, fallback, collector, noted = original = attempt_search(text, deadline())
    searched, corrected_from, relaxed = text, None, False
    all_words = collector.count()
    suggestion = None
    if all_words == 0 and not collector.timed_out and not as_typed:
        corrected = _suggestion(searcher, text, allowed)
        if corrected is not None:
            attempt = attempt_search(corrected, deadline())
            if attempt[2].count() > 0 or most_words(corrected, schema, synonyms) is not None:
                q, fallback, collector, noted = attempt
                searched, corrected_from = corrected, text
                all_words = collector.count()
    parsed = q  # what the notices speak of, even when most words are shown instead
    if all_words < FEW_HITS and not collector.timed_out and not as_typed:
        loose = most_words(searched, schema, synonyms, history=narrowing.history)
        if loose is not None:
            attempt_collector = _collect_safely(
                searcher, loose, wanted, allowed, deadline(), narrowing
            )
            if attempt_collector is not None and attempt_collector.count() > all_words:
                q, collector, relaxed = loose, attempt_collector, True
    if corrected_from is not None and collector.count() == 0:
        # The correction found nothing either: answer for what was typed.
        (q, fallback, collector, noted), relaxed = original, False
        searched, corrected_from, parsed = text, None, original[0]
    if collector.facets is not None and not fallback and not collector.includes_history:
        _count_hidden_history(collector, q, searched, schema, known, synonyms, relaxed=relaxed)
    total = collector.count()
    if total < FEW_HITS and corrected_from is None and not collector.timed_out:
        suggestion = _better_suggestion(
            searcher, schema, text, total, allowed, deadline(), synonyms, narrowing
        )
    top = collector.results().top_n
    chosen = top[(page - 1) * per_page : page * per_page]
    # The segments' readers: prefixes are expanded segment by segment, as they were searched.
    readers = [leaf.reader() for leaf, _offset in searcher.leaf_searchers()]
    terms = _Terms(q, readers) if chosen else _Terms(None, None)
    hits = [_hit(searcher, docnum, score, terms) for score, docnum in chosen]
    return Results(
        hits=hits,
        total=total,
        page=page,
        per_page=per_page,
        suggestion=suggestion,
        exact_title=_exact_title(searcher, text, allowed, terms),
        fallback=fallback,
        timed_out=collector.timed_out,
        searched=searched,
        corrected_from=corrected_from,
        relaxed=relaxed,
        all_words=all_words,
        notices=search_notices(searched, noted, parsed, readers, cut=cut),
        facets=collector.facets.facets() if collector.facets is not None else (),
    )


def _count_hidden_history(collector, q, text, schema, known, synonyms, *, relaxed) -> None:
    """With history left out, the type facet still says how much old text the search
    would add: the words did not search it, so the same query is counted again with its
    words searching only old text (unless the query has no words: the collector then
    counted the old text it skipped)."""
    try:
        old = old_text_query(text, schema, known, synonyms, most=relaxed)
    except Exception:
        log.exception("could not count the old text %r finds", text)
        return
    if old is not None and old != q:
        collector.recount_hidden_history(old)


def _known_word(searcher, schema) -> Callable[[str], bool]:
    """``known(word)``: does a page's title, tags, headings or text have this word?"""
    reader = searcher.reader()

    def known(word: str) -> bool:
        terms = [token.text for token in schema["body"].analyzer(word, mode="query")]
        if len(terms) != 1:
            return False
        return any((name, terms[0]) in reader for name in FIELD_BOOSTS)

    return known


def _search(searcher, schema, text, wanted, allowed, deadline, known, synonyms, narrowing):
    """Parse and collect ``text``: ``(query, fallback, collector, notices)``."""
    q, fallback, noted = parse_with_notices(
        text, schema, known, synonyms, history=narrowing.history
    )
    try:
        collector = _collect(searcher, q, wanted, allowed, deadline, narrowing)
    except CallerError:
        raise
    except Exception:
        # A query the parser accepted but Whoosh cannot run is a bug here, not the
        # user's: answer with plain words rather than an error.
        log.exception("query %r failed; retrying as plain words", text)
        q, fallback = plain_terms(text, schema, history=narrowing.history), True
        collector = _collect(searcher, q, wanted, allowed, deadline, narrowing)
    return q, fallback, collector, noted


def _collect_safely(searcher, q, wanted, allowed, deadline, narrowing) -> PageCollector | None:
    try:
        return _collect(searcher, q, wanted, allowed, deadline, narrowing)
    except CallerError:
        raise
    except Exception:
        log.exception("query %r failed", q)
        return None


def _suggestion(searcher, text, allowed) -> str | None:
    try:
        return spelling_suggestion(searcher, text, allowed)
    except CallerError:
        raise
    except Exception:
        log.exception("spelling suggestion for %r failed", text)
        return None


def _better_suggestion(
    searcher, schema, text, total, allowed, deadline, synonyms, narrowing
) -> str | None:
    """A corrected query to offer ("did you mean"), only when it finds more pages than
    ``text`` did (``total``)."""
    corrected = _suggestion(searcher, text, allowed)
    if corrected is None:
        return None
    known = _known_word(searcher, schema)
    q, _fallback, _noted = parse_with_notices(
        corrected, schema, known, synonyms, history=narrowing.history
    )
    collector = _collect_safely(searcher, q, total + 1, allowed, deadline, narrowing)
    if collector is None or collector.timed_out or collector.count() <= total:
        return None
    return corrected


def _collect(searcher, q, wanted, allowed, deadline, narrowing: _Narrowed) -> PageCollector:
    collector = PageCollector(
        min(wanted, MAX_RESULTS),
        allowed,
        deadline,
        history=narrowing.history or _names_old_text(q),
        only=narrowing.only,
        by_date=narrowing.by_date,
        facets=FacetCounter(narrowing.now) if narrowing.facets else None,
    )
    context = searcher.context()
    context.deadline = deadline  # read by the matchers of wiki.search.matching
    searcher.search_with_collector(q, collector, context=context)
    return collector


@dataclass(frozen=True)
class Narrowing:
    """What narrows, orders and counts the results besides the query: ``filters`` (search
    syntax each, all must match: the facets' values), ``history`` (include old text),
    ``sort`` (one of :data:`~wiki.search.backend.SORTS`), ``facets`` (count them)."""

    filters: tuple[str, ...] = ()
    history: bool = False
    sort: str = "relevance"
    facets: bool = False


class _Narrowed:
    """A :class:`Narrowing` made ready for one search: the filters' matching documents
    (read once, global document numbers), and whether they ask for old text."""

    def __init__(self, searcher, schema, narrowing: Narrowing, known):
        self.history = narrowing.history
        self.by_date = narrowing.sort == "date"
        self.facets = narrowing.facets
        self.now = datetime.now(UTC)
        self.only: set[int] | None = None
        for text in narrowing.filters[:MAX_FILTERS]:
            text = clean(text)[:MAX_QUERY_CHARS].strip()
            # "-tag:archive" narrows to what does not match: everything but the term's.
            negated = _NEGATION.match(text)
            if negated is not None:
                text = text[negated.end() :]
            # Words in a filter search the old text too: without history the collector
            # skips old text anyway, and "-word" must leave out the old text that has it.
            q, _fallback, _noted = parse_with_notices(text, schema, known, None, history=True)
            if q is query.NullQuery:
                # Nothing to search in the filter (only stop words or symbols): the
                # filter's words as they are, so that a bad filter narrows to nothing
                # rather than to everything.
                q = plain_terms(text, schema, history=True)
            matching = set(searcher.docs_for_query(q))
            if negated is not None:
                matching = set(searcher.docs_for_query(query.Every())) - matching
            else:
                self.history = self.history or _names_old_text(q)
            self.only = matching if self.only is None else self.only & matching


_NEGATION = re.compile(r"(?:-|NOT\s+)(?=\S)")
"""A filter that leaves out what its term matches (``-tag:archive``, ``NOT type:file``)."""


def _names_old_text(q) -> bool:
    """Whether the query asks for old text by name (``type:history``)."""
    return ("kind", "history") in q.all_terms()


class _Terms:
    """What snippets highlight: the terms the query looks for in a field (``body``,
    ``files``, the old text), each field's read when a hit first needs it."""

    def __init__(self, q, reader):
        self._q, self._reader = q, reader
        self._fields: dict[str, set[str]] = {}

    def of(self, fieldname: str) -> set[str]:
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = (
                highlight_terms(self._q, fieldname, self._reader) if self._q is not None else set()
            )
        return terms


def _hit(searcher, docnum: int, score: float, terms: _Terms) -> Hit:
    stored = searcher.stored_fields(docnum)
    kind = stored.get("kind", "page")
    file_name = stored.get("file_name")
    if kind == "file" and file_name is not None:
        files = stored.get("files", "")
        spans = [(file_name, len(file_name) + 1, len(files))]
        snippet = file_snippet(files, spans, terms.of("files")) or best_snippet(
            files[len(file_name) + 1 :], set()
        )
    elif kind == "history":
        snippet = best_snippet(stored.get(OLD_TEXT_FIELD, ""), terms.of(OLD_TEXT_FIELD))
    else:
        snippet = best_snippet(stored.get("body", ""), terms.of("body"))
    return Hit(
        page_id=stored["page_id"],
        slug=stored["slug"],
        title=stored.get("page_title") or stored.get("title", ""),
        snippet=snippet.html,
        author=stored.get("author", ""),
        updated=stored["updated"],
        tags=tuple(stored.get("tags", ())),
        score=float(score),
        file_name=file_name,
        kind=kind,
        removed=removed_passage(stored),
    )


def _exact_title(searcher, text, allowed, terms) -> Hit | None:
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
        return _hit(searcher, docnum, 0.0, terms)
    return None
