"""Ranking and collecting for the search engine: BM25F with the wiki's field weights, and
a collector that honours the permission check and the time limit.

Faster than Whoosh's own classes (which compute the same scores) on a 2-core machine;
see the tests that compare them.
"""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Callable, Container
from datetime import UTC, datetime

from whoosh import collectors, scoring
from whoosh.util.times import datetime_to_long

from wiki.search.facets import FacetCounter, parse_entries
from wiki.search.matching import SearchTimeout


class FieldWeighting(scoring.BM25F):
    """Whoosh's BM25F times a per-field weight (``field_boosts``, e.g. title 3, body 1),
    with each segment's field-length normalisation precomputed once instead of looked up
    per posting: that look-up was a quarter of the time of a search for common words."""

    def __init__(self, field_boosts: dict[str, float]):
        super().__init__()
        self.field_boosts = dict(field_boosts)
        self._lengths: dict[tuple[str, str], array] = {}
        self._norms: dict[tuple[str, str], tuple[float, array]] = {}
        self._columns: dict[tuple[str, str], list] = {}

    def forget_except(self, segment_ids: set[str]) -> None:
        """Drop the tables of segments that are no longer in the index."""
        for table in (self._lengths, self._norms, self._columns):
            for key in [k for k in table if k[0] not in segment_ids]:
                del table[key]

    def facet_entries(self, reader) -> list[tuple[str, ...]] | None:
        """Every document's facet entries in ``reader``'s segment (see :meth:`column`),
        parsed once per segment. Raises what Whoosh raises for a damaged segment."""
        segment = reader.segment()
        raw = self.column(reader, "facets")
        if segment is None or raw is None:
            return None
        key = (segment.segment_id(), "facets:parsed")
        parsed = self._columns.get(key)
        if parsed is None:
            parsed = self._columns[key] = [parse_entries(value) for value in raw]
        return parsed

    def column(self, reader, fieldname: str) -> list | None:
        """Every document's value of the column ``fieldname`` in ``reader``'s segment, as
        stored (not translated), read once per segment and kept: a search reads several
        columns for every match, and Whoosh reads each value from the file (a seek and a
        read: most of the time of a search for a common word). None when the segment has
        no such column. Raises what Whoosh raises for a damaged segment."""
        segment = reader.segment()
        if segment is None or not reader.has_column(fieldname):
            return None
        key = (segment.segment_id(), fieldname)
        values = self._columns.get(key)
        if values is None:
            values = self._columns[key] = list(reader.column_reader(fieldname, translate=False))
        return values

    def norms(self, searcher, fieldname: str) -> array | None:
        reader = searcher.reader()
        segment = reader.segment()
        if segment is None:
            return None
        key = (segment.segment_id(), fieldname)
        avgfl = searcher.get_parent().avg_field_length(fieldname) or 1
        cached = self._norms.get(key)
        if cached is not None and cached[0] == avgfl:
            return cached[1]
        lengths = self._lengths.get(key)
        if lengths is None:
            lengths = array(
                "d",
                (
                    reader.doc_field_length(d, fieldname, 0) or 0
                    for d in range(reader.doc_count_all())
                ),
            )
            self._lengths[key] = lengths
        k1, b = self.K1, self._field_B.get(fieldname, self.B)
        norms = array("d", (k1 * ((1 - b) + b * length / avgfl) for length in lengths))
        self._norms[key] = (avgfl, norms)
        return norms

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        norms = self.norms(searcher, fieldname)
        if norms is None:
            return super().scorer(searcher, fieldname, text, qf=qf)
        return BM25FScorer(
            searcher,
            fieldname,
            text,
            k1=self.K1,
            b=self._field_B.get(fieldname, self.B),
            boost=self.field_boosts.get(fieldname, 1.0),
            norms=norms,
        )


class BM25FScorer(scoring.BaseScorer):
    def __init__(self, searcher, fieldname, text, *, k1, b, boost, norms):
        parent = searcher.get_parent()
        idf = parent.idf(fieldname, text)
        avgfl = parent.avg_field_length(fieldname) or 1
        self._top = boost * idf * (k1 + 1)
        self._norms = norms
        self._idf, self._avgfl, self._k1, self._b, self._boost = idf, avgfl, k1, b, boost
        # Read only when asked for (never, as block-quality skipping is off): looking
        # the term up once more was a tenth of the time of a search for a prefix.
        self._searcher, self._term = searcher, (fieldname, text)
        self._maxquality: float | None = None

    def _bm25(self, weight, length):
        return self._boost * scoring.bm25(self._idf, weight, length, self._avgfl, self._b, self._k1)

    def supports_block_quality(self):
        return True

    def add_scores(self, scores, offset, ids, weights, start, end, factor):
        """Add the scores of postings ``start:end`` of a block (their document numbers
        ``ids``, term frequencies ``weights``), times ``factor``, into ``scores`` at
        document - ``offset``: what :meth:`score` gives one posting at a time, for the
        union matcher (:class:`~wiki.search.matching.ArrayOr`). Never raises for a
        block of this segment."""
        top, norms = self._top, self._norms
        pairs = zip(ids[start:end], weights[start:end], strict=True)
        if factor == 1.0:
            for docnum, weight in pairs:
                scores[docnum - offset] += top * weight / (weight + norms[docnum])
        else:  # multiplied after, as Whoosh's boosted matchers do: the very same scores
            for docnum, weight in pairs:
                scores[docnum - offset] += top * weight / (weight + norms[docnum]) * factor

    def score(self, matcher):
        weight = matcher.weight()
        return self._top * weight / (weight + self._norms[matcher.id()])

    def max_quality(self):
        if self._maxquality is None:
            info = self._searcher.term_info(*self._term)
            self._maxquality = self._bm25(info.max_weight(), info.min_length())
        return self._maxquality

    def block_quality(self, matcher):
        return self._bm25(matcher.block_max_weight(), matcher.block_min_length())


class CallerError(Exception):
    """Wraps an exception raised by the caller's ``allowed`` callable, to re-raise as is."""


RECENCY_BONUS = 0.1
"""A page edited now scores up to 10% more than the same page edited long ago, so that of
an old and a new version of a policy that match equally well, the new one comes first;
the bonus halves every :data:`RECENCY_HALF_LIFE_DAYS`. Small enough never to lift a page
that matches worse."""

RECENCY_HALF_LIFE_DAYS = 365

_MICROSECONDS_PER_DAY = 86_400_000_000


class PageCollector(collectors.TopCollector):
    """The top N results by score (with a bonus for recent edits, :data:`RECENCY_BONUS`),
    or the newest N (``by_date``), with an exact total, a permission filter, a deadline,
    and optionally: only the documents in ``only`` (global numbers: the filters' matches),
    no old text unless ``history``, and the facets counted into ``facets``.

    Block-quality skipping is off: it made no search faster here (common words fill every
    block) and it would make the total an estimate. The matcher may still be simplified,
    but never pruned by a minimum score, for the same reason.
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
        self._page_ids = None
        self._updated = None
        self._kinds = None
        self._facet_column: list[tuple[str, ...]] | None = None
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

    def set_subsearcher(self, subsearcher, offset):
        super().set_subsearcher(subsearcher, offset)
        reader = subsearcher.reader()
        weighting = self.top_searcher.weighting

        def column(name: str):
            if isinstance(weighting, FieldWeighting):
                return weighting.column(reader, name)
            if not reader.has_column(name):
                return None
            return reader.column_reader(name, translate=False)

        # Page ids are stored as they are (unsigned, no shift): no translation needed.
        self._page_ids = column("page_id")
        self._updated = column("updated")
        self._kinds = column("kind")
        self._facet_column = None
        if self.facets is not None:
            if isinstance(weighting, FieldWeighting):
                self._facet_column = weighting.facet_entries(reader)
            elif reader.has_column("facets"):
                raw = reader.column_reader("facets", translate=False)
                self._facet_column = [parse_entries(value) for value in raw]

    def collect(self, sub_docnum):
        if self._by_date:
            # Newest first: the edit time is the score (ties: index order).
            updated = self._updated[sub_docnum] if self._updated is not None else 0
            return self._collect(self.offset + sub_docnum, float(updated or 0))
        score = self.matcher.score()
        if self._updated is not None:
            updated = self._updated[sub_docnum]
            if updated:
                age_days = max(0, self._now - updated) / _MICROSECONDS_PER_DAY
                score *= 1 + RECENCY_BONUS * math.exp2(-age_days / RECENCY_HALF_LIFE_DAYS)
        return self._collect(self.offset + sub_docnum, score)

    def collect_matches(self):
        collect = self.collect
        allowed = self._allowed
        verdicts = self._verdicts
        page_ids = self._page_ids
        deadline = self._deadline
        only, offset = self._only, self.offset
        kinds = None if self._history else self._kinds
        facets, facet_column, updated = self.facets, self._facet_column, self._updated
        if page_ids is None:
            return  # a segment holding only the state document
        for count, sub_docnum in enumerate(self.matches(), 1):
            # Checking the clock every 64 matches costs nothing measurable.
            if not count & 63 and time.monotonic() > deadline:
                self.timed_out = True
                return
            if only is not None and offset + sub_docnum not in only:
                continue
            # The state document has no text, date or tags, so no query matches it: page
            # ids are only read when there is a permission filter.
            if allowed is not None:
                page_id = page_ids[sub_docnum]
                verdict = verdicts.get(page_id)
                if verdict is None:
                    verdict = self._permitted(page_id)
                if not verdict:
                    continue
            if kinds is not None and kinds[sub_docnum] == b"history":
                # Old text was not asked for: only counted, so the facet can offer it.
                if facets is not None:
                    facets.hidden_history += 1
                continue
            if facet_column is not None:
                facets.add(
                    facet_column[sub_docnum], updated[sub_docnum] if updated is not None else None
                )
            collect(sub_docnum)

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
        was found by then). Raises CallerError from ``allowed``, and what Whoosh raises
        for a damaged index."""
        searcher, weighting = self.top_searcher, self.top_searcher.weighting
        if self.facets is None or self._history or not isinstance(weighting, FieldWeighting):
            return
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
                for count, sub_docnum in enumerate(matcher.all_ids(), 1):
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

    def _collect(self, global_docnum, score):
        key = super()._collect(global_docnum, score)
        self.minscore = 0  # see the class docstring: no pruning by score
        return key
