"""One search on an open searcher: the query parsed, matches collected within the time
limit and the reader's permissions, the requested page of hits with snippets, and a
spelling suggestion and exact title match to go with them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from wiki.search.analysis import fold
from wiki.search.backend import Hit, Results
from wiki.search.query import highlight_terms, parse, plain_terms
from wiki.search.scoring import CallerError, PageCollector
from wiki.search.snippets import make_snippet
from wiki.search.suggest import spelling_suggestion
from wiki.search.synonyms import Synonyms

__all__ = ["FEW_HITS", "MAX_RESULTS", "SEARCH_TIME_LIMIT", "run_search"]

log = logging.getLogger(__name__)

SEARCH_TIME_LIMIT = 0.5
"""Seconds a search may spend collecting matches; it then returns what it has
(``timed_out=True``)."""

MAX_RESULTS = 1000
"""Deepest result reachable by paging; later pages come back empty (``total`` stays exact)."""

FEW_HITS = 3
"""Below this many hits, a search also offers a spelling suggestion."""


def run_search(
    searcher,
    schema,
    text: str,
    page: int,
    per_page: int,
    allowed: Callable[[int], bool] | None,
    time_limit: float,
    synonyms: Synonyms | None = None,
) -> Results:
    """Page ``page`` (of ``per_page`` hits) of the results for ``text`` (a cleaned query)
    in ``searcher``'s index, of the pages ``allowed`` permits, collecting for at most
    ``time_limit`` seconds; ``synonyms`` expand the query (the spelling suggestion and
    the exact title look at the text as typed).

    Raises CallerError from the exception ``allowed`` raised, and what Whoosh raises for a
    damaged index; never raises for any query text.
    """
    q, fallback = parse(text, schema, synonyms)
    try:
        collector = _collect(searcher, q, page * per_page, allowed, time_limit)
    except CallerError:
        raise
    except Exception:
        # A query the parser accepted but Whoosh cannot run is a bug here, not the
        # user's: answer with plain words rather than an error.
        log.exception("query %r failed; retrying as plain words", text)
        q, fallback = plain_terms(text, schema), True
        collector = _collect(searcher, q, page * per_page, allowed, time_limit)
    top = collector.results().top_n
    chosen = top[(page - 1) * per_page : page * per_page]
    terms = highlight_terms(q, "body", searcher.reader()) if chosen else set()
    hits = [_hit(searcher, docnum, score, terms) for score, docnum in chosen]
    total = collector.count()
    suggestion = None
    if total < FEW_HITS and not collector.timed_out:
        try:
            suggestion = spelling_suggestion(searcher, text)
        except Exception:
            log.exception("spelling suggestion for %r failed", text)
    return Results(
        hits=hits,
        total=total,
        page=page,
        per_page=per_page,
        suggestion=suggestion,
        exact_title=_exact_title(searcher, text, allowed, terms),
        fallback=fallback,
        timed_out=collector.timed_out,
    )


def _collect(searcher, q, wanted, allowed, time_limit) -> PageCollector:
    deadline = time.monotonic() + time_limit
    collector = PageCollector(min(wanted, MAX_RESULTS), allowed, deadline)
    context = searcher.context()
    context.deadline = deadline  # read by the matchers of wiki.search.matching
    searcher.search_with_collector(q, collector, context=context)
    return collector


def _hit(searcher, docnum: int, score: float, terms: set[str]) -> Hit:
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
