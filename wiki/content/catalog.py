"""The "All pages" index: every page the viewer may read, alphabetically, a window at a time.

Pages are ordered by their sort key, the slug without accents (see
:func:`wiki.slugs.sort_key`: "Éclair" files under E), then by slug. Slugs are case-folded,
normalised titles and unique, so the order is case-insensitive and total, and the index on
``(sort_key, slug)`` can serve it. The comparison is by code point on every database, so
SQLite and PostgreSQL list pages alike: a database created with a language collation
(en_US.UTF-8, ICU, ...) would otherwise order hyphens and other scripts its own way.

Pagination is by keyset cursors (``after``/``before`` a slug), never OFFSET. Which pages
the viewer may read is the SQL condition of :func:`wiki.access.permissions.visible_pages`,
so the list follows every rule there (deleted pages for admins only, and any rule added
later) and the database skips the rest.

The title filter is a case-insensitive substring match, the same in every alphabet and on
every database: the database narrows the candidates (on slugs, see
:func:`_title_prefilter`) and Python decides (NFKC + case folding, like slugs).
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, literal, select, text, tuple_
from sqlalchemy.orm import Session

from wiki.access.permissions import Viewer, visible_pages
from wiki.models import Page, Revision, User
from wiki.slugs import sort_key

MAX_FILTER_CHARS = 200
MAX_CURSOR_CHARS = 300  # slugs have at most 255 characters
# Control characters (PostgreSQL refuses NUL in text) and surrogates are never in a title.
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class PageEntry:
    """One line of the index (a :class:`~wiki.access.permissions.PageLike`)."""

    id: int
    slug: str
    sort_key: str
    title: str
    deleted: bool
    latest_number: int  # also the number of revisions: they are numbered from 1
    edited_at: datetime
    editor: str

    @property
    def letter(self) -> str:
        """The heading the page is listed under: its first letter without accent, or "0–9"."""
        first = self.sort_key[:1]
        return first.upper() if first.isalpha() else "0–9"


@dataclass(frozen=True)
class Group:
    letter: str
    entries: list[PageEntry]


@dataclass(frozen=True)
class PageIndex:
    """One window of the alphabetical list, with cursors to its neighbours."""

    entries: list[PageEntry]
    previous: str | None  # pass as ``before`` to get the previous window
    next: str | None  # pass as ``after`` to get the next window
    title_filter: str = ""
    groups: list[Group] = field(init=False)

    def __post_init__(self):
        groups: list[Group] = []
        for entry in self.entries:
            if not groups or groups[-1].letter != entry.letter:
                groups.append(Group(entry.letter, []))
            groups[-1].entries.append(entry)
        object.__setattr__(self, "groups", groups)


def clean_text_arg(value: str | None, max_chars: int) -> str:
    """A free-text query argument made safe to compare: at most ``max_chars`` characters,
    no control characters, white space collapsed."""
    if not value:
        return ""
    return " ".join(_NOT_TEXT.sub(" ", value[: max_chars * 2]).split())[:max_chars]


# Strings whose code point order no language collation shares: punctuation before letters,
# upper case before lower case, accented letters and other scripts after "z".
_ORDER_PROBE = [
    "0",
    "9",
    "A",
    "Z",
    "a",
    "a b",
    "a-b",
    "a-c",
    "aa",
    "ab",
    "z",
    "ß",
    "é",
    "ö",
    "ā",
    "ж",
    "中",
]
_code_point_order: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def order_columns(session: Session):
    """The sort key and the slug, compared by code point.

    SQLite's BINARY collation does that already. On PostgreSQL an explicit ``COLLATE "C"``
    does it on any database, but then the index (built with the database's collation)
    cannot serve the order; so the clause is added only when the database's own collation
    does not already sort by code point (C, POSIX, C.UTF-8).
    """
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return Page.sort_key, Page.slug
    plain = _code_point_order.get(engine)
    if plain is None:
        values = ", ".join(f"(:p{n})" for n in range(len(_ORDER_PROBE)))
        probe = text(f"SELECT s FROM (VALUES {values}) AS probe(s) ORDER BY s")
        ordered = session.execute(probe, {f"p{n}": v for n, v in enumerate(_ORDER_PROBE)}).scalars()
        plain = _code_point_order[engine] = list(ordered) == sorted(_ORDER_PROBE)
    if plain:
        return Page.sort_key, Page.slug
    return Page.sort_key.collate("C"), Page.slug.collate("C")


def fold(value: str) -> str:
    """Text as compared by the title filter: NFKC-normalised and case-folded (as slugs)."""
    return unicodedata.normalize("NFKC", value).casefold()


def _title_prefilter(folded_filter: str, title_filter: str):
    """A condition every title containing the filter meets (and few others), the same on
    every database.

    The filter's runs of letters and digits appear unchanged in the slug of any title
    that contains it (a slug is the case-folded title with each run of other characters
    turned into one ``-``), so they are looked for there: no reliance on the database's
    ``lower()``, which knows only ASCII on SQLite. A filter without letters or digits is
    looked for in the title as it is. ``%``, ``_`` and ``\\`` in the filter are literal.
    """
    words = [word for word in _NOT_LETTER_OR_DIGIT.split(folded_filter) if word]
    if words:
        return and_(*(Page.slug.contains(word, autoescape=True) for word in words))
    return Page.title.contains(title_filter, autoescape=True)


def all_pages(
    session: Session,
    viewer: Viewer,
    *,
    title_filter: str = "",
    after: str | None = None,
    before: str | None = None,
    limit: int = 50,
) -> PageIndex:
    """The pages ``viewer`` may read, alphabetically, ``limit`` at a time.

    Without cursors: the first window. ``after``: the window following that slug;
    ``before``: the window preceding it. ``title_filter`` keeps pages whose title
    contains it (case-insensitive). Raises nothing of its own; database errors propagate.
    """
    order = order_columns(session)
    query = (
        select(
            Page.id,
            Page.slug,
            Page.sort_key,
            Page.title,
            Page.deleted,
            Page.latest_number,
            Revision.created_at,
            User.username,
        )
        .join(Revision, Revision.id == Page.current_revision_id)
        .join(User, User.id == Revision.author_id)
        .where(visible_pages(viewer))
    )
    folded_filter = fold(title_filter)
    if title_filter:
        query = query.where(_title_prefilter(folded_filter, title_filter))

    def shown(entry: PageEntry) -> bool:
        return folded_filter in fold(entry.title)

    backwards = before is not None and after is None
    cursor = before if backwards else after
    rows, more = _visible(session, query, order, shown, cursor, backwards, limit)
    if backwards:
        rows.reverse()
        has_previous, has_next = more, bool(rows)
    else:
        has_previous, has_next = cursor is not None and bool(rows), more
    return PageIndex(
        entries=rows,
        previous=rows[0].slug if has_previous and rows else None,
        next=rows[-1].slug if has_next and rows else None,
        title_filter=title_filter,
    )


def _visible(session, query, order, shown, cursor, backwards, limit):
    """Up to ``limit`` rows that pass ``shown``, from the ``cursor`` slug on in the given
    direction, and whether more follow. Other rows (titles that only passed the filter's
    pre-check) are skipped; the batches grow, so a long run of them costs a few queries,
    not one per row."""
    key, slug = order
    found: list[PageEntry] = []
    batch = limit + 1
    # A cursor slug's key is computed, not looked up: the page may since have been renamed.
    position = (sort_key(cursor), cursor) if cursor is not None else None
    while True:
        step = query
        if position is not None:
            # A row-value comparison, which both databases answer from the index.
            here = tuple_(literal(position[0]), literal(position[1]))
            step = step.where(tuple_(key, slug) < here if backwards else tuple_(key, slug) > here)
        if backwards:
            step = step.order_by(key.desc(), slug.desc())
        else:
            step = step.order_by(key.asc(), slug.asc())
        rows = session.execute(step.limit(batch)).all()
        for row in rows:
            entry = PageEntry(*row)
            if shown(entry):
                if len(found) == limit:
                    return found, True
                found.append(entry)
        if len(rows) < batch:
            return found, False
        position = (rows[-1].sort_key, rows[-1].slug)
        batch = min(batch * 2, 1000)
