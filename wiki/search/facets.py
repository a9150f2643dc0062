"""Facets: the results counted by space, type, tag, author, when edited and record field,
each value with the search syntax that narrows the results to it.

The collector (:mod:`wiki.search.collecting`) hands each segment's permitted matches to
a :class:`FacetCounter`: their entries, parsed once per segment and kept
(:func:`parse_entries`), and their edit times. They are counted at the end in C (a
``Counter`` over them all, a sort and bisections for the periods), so counting costs
little even when thousands of pages match.
"""

from __future__ import annotations

import sys
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain

from whoosh.util.times import datetime_to_long

from wiki.search.backend import Facet, FacetValue
from wiki.search.schema import facet_entries
from wiki.search.syntax import quoted, tag_query

__all__ = ["MAX_VALUES", "PERIODS", "FacetCounter", "parse_entries"]

MAX_VALUES = 8
"""Values shown per facet, the most frequent (ties by name)."""

PERIODS = (("day", 1), ("week", 7), ("month", 30), ("year", 365))
"""Edited within the past ... (days): cumulative, like a file browser's "modified"."""

_KIND_LABELS = {"page": "page", "file": "file", "history": "old text"}
_KIND_FILTERS = {"page": "type:page", "file": "type:file", "history": "type:history"}
_ENTRY_FACETS = {"k": "type", "s": "space", "a": "author", "t": "tag"}


def parse_entries(column_value: bytes) -> tuple[str, ...]:
    """A document's ``facets`` column as its distinct entries, each string interned (a
    segment's documents share few of them). Never raises for bytes."""
    return tuple(sys.intern(entry) for entry in dict.fromkeys(facet_entries(column_value)))


class FacetCounter:
    """Counts matches for the facets. ``now`` (aware) is when the periods end; they start
    at midnight UTC, that many days before."""

    def __init__(self, now: datetime):
        today = now.astimezone(UTC).date()
        # Periods start at midnight UTC, as the filters they offer do (updated:>=day).
        self._starts = [today - timedelta(days=days) for _name, days in PERIODS]
        self._limits = [
            datetime_to_long(datetime(day.year, day.month, day.day)) for day in self._starts
        ]
        self._entries: list[tuple[str, ...]] = []
        self._times: list[int] = []
        self.periods = [0] * (len(PERIODS) + 1)  # the last one: older than a year
        self.hidden_history = 0  # permitted old text left out (history not asked for)

    def add_all(
        self, entries: Sequence[tuple[str, ...]], times: Sequence[int] | None, docnums: list[int]
    ) -> None:
        """Count permitted matches ``docnums`` of a segment, given every document's facet
        entries (:func:`parse_entries`) and edit time there (``times``: Whoosh's longs,
        0 when unknown), kept to be counted at once by :meth:`facets` (in C: a ``Counter``
        of a chain, a sort). Never raises for documents of the segment."""
        self._entries.extend(map(entries.__getitem__, docnums))
        if times is not None:
            self._times.extend(filter(None, map(times.__getitem__, docnums)))

    def _count_periods(self) -> None:
        times = sorted(self._times)
        for number, limit in enumerate(self._limits):
            self.periods[number] = len(times) - bisect_left(times, limit)
        self.periods[-1] = bisect_left(times, self._limits[-1])

    def facets(self) -> tuple[Facet, ...]:
        """The facets with at least one value: type, space, edited, tag, author, then
        record fields by name. Never raises."""
        self._count_periods()
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for entry, count in Counter(chain.from_iterable(self._entries)).items():
            prefix, _, value = entry.partition(":")
            if prefix == "f":
                name, _, field_value = value.partition("=")
                if field_value:
                    counts["field:" + name][field_value] += count
            elif prefix in _ENTRY_FACETS and value:
                counts[_ENTRY_FACETS[prefix]][value] += count
        if self.hidden_history:
            counts["type"]["history"] += self.hidden_history
        found = [
            self._facet("type", counts.pop("type", Counter())),
            self._facet("space", counts.pop("space", Counter())),
            Facet("edited", self._period_values()),
            self._facet("tag", counts.pop("tag", Counter())),
            self._facet("author", counts.pop("author", Counter())),
        ]
        found += [self._facet(name, counts[name]) for name in sorted(counts)]
        return tuple(facet for facet in found if facet.values)

    def _facet(self, name: str, counted: Counter[str]) -> Facet:
        best = sorted(counted.items(), key=lambda item: (-item[1], item[0].casefold()))
        return Facet(name, tuple(_value(name, v, n) for v, n in best[:MAX_VALUES]))

    def _period_values(self) -> tuple[FacetValue, ...]:
        values = []
        for (name, _days), since, count in zip(PERIODS, self._starts, self.periods, strict=False):
            if count:
                values.append(FacetValue(f"past {name}", f"updated:>={since.isoformat()}", count))
        if self.periods[-1]:
            before = self._starts[-1].isoformat()
            values.append(FacetValue("over a year ago", f"updated:<{before}", self.periods[-1]))
        return tuple(values)


def _value(facet: str, value: str, count: int) -> FacetValue:
    if facet == "type":
        return FacetValue(_KIND_LABELS.get(value, value), _KIND_FILTERS.get(value, ""), count)
    if facet == "tag":
        return FacetValue(value, tag_query(value), count)
    if facet.startswith("field:"):
        return FacetValue(value, facet[len("field:") :] + ":" + quoted(value), count)
    return FacetValue(value, f"{facet}:{quoted(value)}", count)
