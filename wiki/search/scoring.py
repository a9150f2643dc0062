"""Ranking for the search engine: BM25F with the wiki's field weights, and the tables of
each segment a search reads (field-length norms, columns, facet entries), kept in memory.

Faster than Whoosh's own classes (which compute the same scores) on a 2-core machine;
see the tests that compare them. Collecting the matches is :mod:`wiki.search.collecting`.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import TypeVar

from whoosh import scoring

from wiki.search.facets import parse_entries

T = TypeVar("T")


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
        self._tables: dict[tuple[str, str], tuple[object, object]] = {}

    def forget_except(self, segment_ids: set[str]) -> None:
        """Drop the tables of segments that are no longer in the index."""
        for table in (self._lengths, self._norms, self._columns, self._tables):
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

    def kept(self, reader, name: str, stamp: object, build: Callable[[], T]) -> T:
        """A table of ``reader``'s segment worked out by ``build()``, kept until asked for
        with another ``stamp`` (the inputs it was made from) or the segment goes. Raises
        what ``build`` raises."""
        segment = reader.segment()
        if segment is None:
            return build()
        key = (segment.segment_id(), name)
        known = self._tables.get(key)
        if known is not None and known[0] == stamp:
            return known[1]  # type: ignore[return-value]  # what build() made for this name
        table = build()
        self._tables[key] = (stamp, table)
        return table

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
