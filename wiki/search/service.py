"""A reader's search, as the results page asks for it: the query with its filters, old
text and order, run within what the reader may read, with the facets named for people.

The one place that puts the permission module, the freshness of reviews, the synonyms and
the engine together, so the view only parses the request and renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.access.permissions import Viewer, readable_pages, visible_spaces
from wiki.content.records import reviews
from wiki.content.records.page_templates import BUILT_IN
from wiki.models import Space
from wiki.search.backend import SORTS, Facet, IndexUnavailable, Results
from wiki.search.runtime import get_engine, get_search
from wiki.search.searching import MAX_FILTERS
from wiki.search.synonym_list import current_synonyms
from wiki.search.syntax import MAX_QUERY_CHARS

__all__ = ["Asked", "Answer", "FacetShown", "ValueShown", "ask", "readable_check"]

_FACET_LABELS = {
    "type": "Type",
    "space": "Space",
    "edited": "Last edited",
    "tag": "Tag",
    "author": "Author",
}


@dataclass(frozen=True)
class Asked:
    """What the reader asked: ``text`` (cut to one more character than the engine reads,
    so that it can say so), the result page, ``exactly`` (no correction or relaxing),
    ``fresh`` (a freshness of :data:`~wiki.content.records.reviews.FRESHNESS` or ""),
    ``filters`` (search syntax each, the facets' values), ``history`` (old text too) and
    ``sort`` (:data:`~wiki.search.backend.SORTS`)."""

    text: str = ""
    page: int = 1
    exactly: bool = False
    fresh: str = ""
    filters: tuple[str, ...] = ()
    history: bool = False
    sort: str = "relevance"

    def __post_init__(self):
        object.__setattr__(self, "text", self.text[: MAX_QUERY_CHARS + 1])
        object.__setattr__(self, "fresh", self.fresh if self.fresh in reviews.FRESHNESS else "")
        kept: list[str] = []
        for text in self.filters:
            text = text.strip()[:200]
            if text and text not in kept:
                kept.append(text)
        object.__setattr__(self, "filters", tuple(kept[:MAX_FILTERS]))
        object.__setattr__(self, "sort", self.sort if self.sort in SORTS else "relevance")

    @property
    def query(self) -> str:
        """The query as searched and echoed (at most the characters the engine reads)."""
        return self.text[:MAX_QUERY_CHARS]


@dataclass(frozen=True)
class ValueShown:
    """A facet value as the page shows it: ``label``, ``count``, the ``filter`` it adds and
    whether it is ``active`` (one of the reader's filters: the link then removes it)."""

    label: str
    count: int
    filter: str
    active: bool


@dataclass(frozen=True)
class FacetShown:
    """A facet as the page shows it, under a name people read."""

    name: str
    label: str
    values: tuple[ValueShown, ...]


@dataclass(frozen=True)
class Answer:
    """The results (None when nothing was searched or the index is unavailable), whether
    the index is unavailable, and the facets to show."""

    results: Results | None = None
    unavailable: bool = False
    facets: tuple[FacetShown, ...] = field(default_factory=tuple)


def readable_check(session: Session, viewer: Viewer, fresh: str, today: date):
    """The engine's ``allowed`` check: the pages ``viewer`` may read (one rule, in
    :mod:`wiki.access.permissions`), and of freshness ``fresh`` if given. Database errors
    propagate."""
    readable = readable_pages(session, viewer)
    if fresh not in reviews.FRESHNESS:
        return readable
    wanted = reviews.fresh_pages(session, fresh, today)
    return lambda page_id: page_id in wanted and readable(page_id)


def ask(session: Session, viewer: Viewer, asked: Asked, today: date) -> Answer:
    """Search for ``viewer``. An index that cannot be read is reported (``unavailable``)
    and handed to the indexer to rebuild. Database errors propagate."""
    if not asked.query.strip() and not asked.filters:
        return Answer()
    text, filters = asked.text, asked.filters
    if not asked.query.strip():
        # Only filters (a facet clicked with nothing typed): they are the query.
        text, filters = " ".join(f"({one})" for one in filters), ()
    try:
        results = get_engine().search(
            text,
            page=asked.page,
            per_page=10,
            allowed=readable_check(session, viewer, asked.fresh, today),
            as_typed=asked.exactly,
            synonyms=current_synonyms(session),
            filters=filters,
            history=asked.history,
            sort=asked.sort,
            facets=True,
        )
    except IndexUnavailable:
        get_search().changed()  # the indexer rebuilds it
        return Answer(unavailable=True)
    return Answer(results, False, _shown(session, viewer, results.facets, asked.filters))


def _shown(
    session: Session, viewer: Viewer, facets: tuple[Facet, ...], active: tuple[str, ...]
) -> tuple[FacetShown, ...]:
    spaces = {
        key: name
        for key, name in session.execute(
            select(Space.key, Space.name).where(visible_spaces(viewer))
        )
    }
    labels = {spec.name: spec.label for template in BUILT_IN for spec in template.fields}
    shown = []
    for facet in facets:
        name = facet.name
        if name.startswith("field:"):
            field_name = name[len("field:") :]
            label = labels.get(field_name) or field_name.replace("_", " ").capitalize()
        else:
            label = _FACET_LABELS.get(name, name)
        values = tuple(
            ValueShown(
                spaces.get(value.label, value.label) if name == "space" else value.label,
                value.count,
                value.filter,
                value.filter in active,
            )
            for value in facet.values
        )
        shown.append(FacetShown(name, label, values))
    return tuple(shown)
