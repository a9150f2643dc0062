"""Collecting the matches of one search: the top results by score (or the newest), an
exact total, the reader's permissions, the filters, the time limit and the facets.

Faster than Whoosh's collectors on a 2-core machine: a union's matches are read with
their scores a block at a time (:meth:`~wiki.search.matching.ArrayOr`'s matcher), the
recency bonus is a table per segment, and the facets take each segment's permitted
matches at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Container, Iterator, Sequence
from datetime import UTC, datetime
from heapq import heappush, heapreplace

from whoosh import collectors
from whoosh.util.times import datetime_to_long

from wiki.search.facets import FacetCounter
from wiki.search.matching import SearchTimeout, block_scored, matched_ids
from wiki.search.scoring import CallerError, FieldWeighting

__all__ = ["RECENCY_BONUS", "RECENCY_HALF_LIFE_DAYS", "PageCollector"]

RECENCY_BONUS = 0.1
"""A page edited now scores up to 10% more than the same page edited long ago, so that of
an old and a new version of a policy that match equally well, the new one comes first;
the bonus halves every :data:`RECENCY_HALF_LIFE_DAYS`. Small enough never to lift a page
that matches worse."""

RECENCY_HALF_LIFE_DAYS = 365

_MICROSECONDS_PER_DAY = 86_400_000_000
_MICROSECONDS_PER_HOUR = 3_600_000_000


def recency_factors(updated: Sequence[int], now: int) -> list[float]:
    """Each document's score factor for how recently it was edited (``updated``: the
    column's raw values, Whoosh's longs; 0 for none), at ``now``. Never raises for ints."""
    bonus, half_life = RECENCY_BONUS, RECENCY_HALF_LIFE_DAYS
    return [
        1 + bonus * math.exp2(-max(0, now - value) / _MICROSECONDS_PER_DAY / half_life)
        if value
        else 1.0
        for value in updated
    ]


class PageCollector(collectors.TopCollector):
    """The top N results by score (with a bonus for recent edits, :data:`RECENCY_BONUS`),
    or the newest N (``by_date``), with an exact total, a permission filter, a deadline,
    and optionally: only the documents in ``only`` (global numbers: the filters' matches),
    no old text unless ``history``, and the facets counted into ``facets``. The searcher's
    weighting must be a :class:`~wiki.search.scoring.FieldWeighting` (it keeps the
    columns read).

    Block-quality skipping is off: it made no search faster here (common words fill every
    block) and it would make the total an estimate. The matcher is never pruned by a
    minimum score, for the same reason.
    """

    def __init__(
        self,
        limit: int,
        allowed: Callable[[int], bool] | None,
        deadline: float,
        *,
        history: bool = True,
        only: Container[int] | None = None,
        by_date: bool = False,
        facets: FacetCounter | None = None,
    ):
        super().__init__(limit=limit, usequality=False)
        self._allowed = allowed
        self._deadline = deadline
        self._history = history
        self._only = only
        self._by_date = by_date
        self.facets = facets
        self._verdicts: dict[int, bool] = {}
        # The index stores naive UTC datetimes as microseconds (Whoosh's column format).
        self._now = datetime_to_long(datetime.now(UTC).replace(tzinfo=None))
        self.timed_out = False

    def run(self):
        try:
            for subsearcher, offset in self.top_searcher.leaf_searchers():
                if self.timed_out:
                    break
                self.set_subsearcher(subsearcher, offset)
                self.collect_matches()
        except SearchTimeout:
            self.timed_out = True
        finally:
            self.finish()

    @property
    def includes_history(self) -> bool:
        """Whether old text is collected (and not only counted for the facets)."""
        return self._history

    def _weighting(self) -> FieldWeighting:
        weighting = self.top_searcher.weighting
        if not isinstance(weighting, FieldWeighting):
            raise TypeError("the searcher must weigh with FieldWeighting")
        return weighting

    def collect_matches(self):
        weighting = self._weighting()
        reader = self.subsearcher.reader()
        # Page ids are stored as they are (unsigned, no shift): no translation needed.
        page_ids = weighting.column(reader, "page_id")
        if page_ids is None:
            return  # a segment holding only the state document
        updated = weighting.column(reader, "updated")
        kinds = None if self._history else weighting.column(reader, "kind")
        recency = None
        if updated is not None and not self._by_date:
            # Worked out once an hour per segment: the bonus barely moves in an hour.
            stamp = (self._now // _MICROSECONDS_PER_HOUR, RECENCY_BONUS, RECENCY_HALF_LIFE_DAYS)
            now = stamp[0] * _MICROSECONDS_PER_HOUR
            recency = weighting.kept(
                reader, "recency", stamp, lambda: recency_factors(updated, now)
            )
        allowed, verdicts, permitted = self._allowed, self._verdicts, self._permitted
        only, offset, deadline = self._only, self.offset, self._deadline
        by_date, items, limit = self._by_date, self.items, self.limit
        kept: list[int] = []  # the permitted matches, for the facets
        hidden = 0
        try:
            for count, (sub_docnum, score) in enumerate(self._scored_matches(), 1):
                # Checking the clock every 64 matches costs nothing measurable.
                if not count & 63 and time.monotonic() > deadline:
                    self.timed_out = True
                    return
                if only is not None and offset + sub_docnum not in only:
                    continue
                # The state document has no text, date or tags, so no query matches it:
                # page ids are only read when there is a permission filter.
                if allowed is not None:
                    verdict = verdicts.get(page_ids[sub_docnum])
                    if verdict is None:
                        verdict = permitted(page_ids[sub_docnum])
                    if not verdict:
                        continue
                if kinds is not None and kinds[sub_docnum] == b"history":
                    hidden += 1  # old text not asked for: only counted, for the facet
                    continue
                kept.append(sub_docnum)
                if by_date:
                    # Newest first: the edit time is the score (ties: index order).
                    score = float(updated[sub_docnum] or 0) if updated is not None else 0.0
                elif recency is not None:
                    score *= recency[sub_docnum]
                # Whoosh's TopCollector._collect: ties go to the lower document number.
                if len(items) < limit:
                    heappush(items, (score, -(offset + sub_docnum)))
                elif score > items[0][0]:
                    heapreplace(items, (score, -(offset + sub_docnum)))
        finally:
            self.total += len(kept)
            if self.facets is not None:
                self.facets.hidden_history += hidden
                entries = weighting.facet_entries(reader)
                if entries is not None:
                    self.facets.add_all(entries, updated, kept)

    def _scored_matches(self) -> Iterator[tuple[int, float]]:
        fast = block_scored(self.matcher)
        if fast is not None:
            return fast
        # (Whoosh's matches() may swap the matcher for a simpler one as it goes.)
        return ((docnum, self.matcher.score()) for docnum in self.matches())

    def _permitted(self, page_id: int) -> bool:
        verdict = self._verdicts.get(page_id)
        if verdict is None:
            if self._allowed is None:
                return True
            try:
                verdict = self._verdicts[page_id] = bool(self._allowed(page_id))
            except Exception as exc:
                raise CallerError() from exc
        return verdict

    def recount_hidden_history(self, q) -> None:
        """Count for the facets the permitted old text ``q`` matches, in place of the old
        text this collector's query matched and skipped. With history left out, the words
        of the query did not search old text at all; the same query with its words
        searching only old text (:func:`~wiki.search.query.old_text_query`) says how much
        history would add. Unscored, and stopped at the deadline (the count is then what
        was found by then). Raises CallerError from ``allowed``, TypeError without a
        FieldWeighting, and what Whoosh raises for a damaged index."""
        if self.facets is None or self._history:
            return
        searcher, weighting = self.top_searcher, self._weighting()
        context = searcher.boolean_context()
        context.deadline = self._deadline
        found = 0
        try:
            for subsearcher, offset in searcher.leaf_searchers():
                reader = subsearcher.reader()
                kinds = weighting.column(reader, "kind")
                page_ids = weighting.column(reader, "page_id")
                if kinds is None or page_ids is None:
                    continue
                matcher = q.matcher(subsearcher, context)
                for count, sub_docnum in enumerate(matched_ids(matcher), 1):
                    if not count & 63 and time.monotonic() > self._deadline:
                        raise SearchTimeout()
                    if kinds[sub_docnum] != b"history":
                        continue
                    if self._only is not None and offset + sub_docnum not in self._only:
                        continue
                    if self._permitted(page_ids[sub_docnum]):
                        found += 1
        except SearchTimeout:
            pass
        self.facets.hidden_history = found
