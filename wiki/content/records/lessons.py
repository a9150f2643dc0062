"""Records: pages with structured fields (:mod:`wiki.content.records.fields`), as the save path
stores them and the Lessons view lists them.

``page_fields`` mirrors the fields of each page's current revision, written in the same
transaction as the revision; it is derived data (:func:`rebuild_page_fields`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, delete, false, func, select
from sqlalchemy.orm import Session, aliased

from wiki.access.permissions import Viewer, visible_pages
from wiki.content.records.fields import FieldSpec, FieldType, Record, check_schema, clean_values
from wiki.errors import InvalidInput
from wiki.models import Page, PageField, Revision, Space, User


def person_named(session: Session):
    """A lookup of usernames for :func:`wiki.content.records.fields.clean_values`: the account's
    username as it is written, None for no one."""

    def lookup(name: str) -> str | None:
        return session.scalar(select(User.username).where(User.username_key == name.casefold()))

    return lookup


def clean_record(session: Session, record: Record) -> Record:
    """``record`` with its values validated and normalised by type.

    Raises InvalidInput keyed ``field-<name>`` for wrong values (all at once), or keyed
    ``fields`` for a schema no record may have.
    """
    if not record:
        return Record()
    try:
        check_schema(record.fields)
    except ValueError as exc:
        raise InvalidInput({"fields": f"These fields cannot be saved: {exc}."}) from None
    return record.with_values(clean_values(record.fields, record.values, person_named(session)))


def _number(value: str) -> float | None:
    try:
        return float(Decimal(value))
    except (InvalidOperation, ValueError):
        return None


def write_page_fields(session: Session, page: Page, record: Record) -> None:
    """Make ``page_fields`` hold ``record``'s values for ``page`` (its new current
    revision's fields)."""
    session.execute(delete(PageField).where(PageField.page_id == page.id))
    for spec, value in record.filled():
        session.add(
            PageField(
                page_id=page.id,
                name=spec.name,
                value=value,
                folded=value.casefold(),
                number=_number(value) if spec.type is FieldType.NUMBER else None,
            )
        )


def rebuild_page_fields(session: Session) -> int:
    """Write ``page_fields`` again from every page's current revision (after a restore
    from backup, or if it was lost); returns how many pages have fields."""
    session.execute(delete(PageField))
    count = 0
    rows = session.execute(
        select(Page, Revision.fields)
        .join(Revision, Revision.id == Page.current_revision_id)
        .where(Revision.fields.is_not(None))
    )
    for page, stored in rows:
        record = Record.from_json(stored)
        if record:
            write_page_fields(session, page, record)
            count += 1
    session.flush()
    return count


# --- the Lessons view -------------------------------------------------------------------

PAGE_SIZE = 50
MAX_FILTER_CHARS = 200
MAX_EXPORT_ROWS = 10_000
BY_TITLE, BY_UPDATED = "title", "updated"


@dataclass(frozen=True)
class RecordRow:
    page: Page
    record: Record


@dataclass(frozen=True)
class RecordList:
    """One window of a space's records, with the columns to show (every field the listed
    records have, in the order their templates give)."""

    rows: list[RecordRow]
    columns: list[FieldSpec]
    total: int
    offset: int
    limit: int
    kinds: list[str]  # the kinds of record the space has, for the filter

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


_PARTIAL_DATE = r"\d{4}(?:-\d{2}){0,2}"
_DATE_FILTER = re.compile(rf"\s*({_PARTIAL_DATE})?\s*(\.\.)?\s*({_PARTIAL_DATE})?\s*\Z")
UPDATED = "updated"
"""The filter on the date a record was last edited (``f.updated=2025``)."""


def _after(partial: str) -> str:
    """The first day after a year, month or day written YYYY[-MM[-DD]], as YYYY-MM-DD."""
    parts = [int(part) for part in partial.split("-")]
    if len(parts) == 1:
        return f"{parts[0] + 1:04d}-01-01"
    if len(parts) == 2:
        year, month = parts
        return f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"
    try:
        return (date(*parts) + timedelta(days=1)).isoformat()
    except ValueError:  # not in the calendar: the day as written still bounds the range
        return partial + "\x7f"


def date_bounds(text: str) -> tuple[str | None, str | None] | None:
    """The range a date filter means, as (first day, first day after), YYYY-MM-DD strings
    (None: open): ``2025`` the year, ``2025-06`` a month, ``2025-01..2025-03`` from January
    to March, ``2025-06..`` from June on, ``..2024`` up to the end of 2024. None when
    ``text`` is not a date filter (it is then compared as text)."""
    match = _DATE_FILTER.match(text)
    if match is None or not (match.group(1) or match.group(3)):
        return None
    first, dots, last = match.groups()
    if not dots:
        return first, _after(first)
    return (_pad(first) if first else None), (_after(last) if last else None)


def _pad(partial: str) -> str:
    return partial + "-01" * (2 - partial.count("-"))


def _value_condition(column, value: str):
    bounds = date_bounds(value)
    if bounds is None:
        return column == " ".join(value.split()).casefold()
    lower, upper = bounds
    conditions = []
    if lower is not None:
        conditions.append(column >= lower)
    if upper is not None:
        conditions.append(column < upper)
    return and_(*conditions)


def _updated_condition(value: str):
    bounds = date_bounds(value)
    if bounds is None:
        return false()
    lower, upper = bounds
    conditions = []
    for bound, compare in ((lower, Page.updated_at.__ge__), (upper, Page.updated_at.__lt__)):
        if bound is not None:
            try:
                day = date.fromisoformat(_pad(bound)[:10])
                conditions.append(compare(datetime.combine(day, time(), UTC)))
            except ValueError:
                return false()
    return and_(*conditions)


def _filtered(viewer: Viewer, space: Space, kind: str, filters: Mapping[str, str]):
    query = (
        select(Page, Revision.fields)
        .join(Revision, Revision.id == Page.current_revision_id)
        .where(
            Page.space_id == space.id,
            Page.deleted.is_(False),
            Revision.fields.is_not(None),
            visible_pages(viewer),
        )
    )
    if kind:
        query = query.where(Revision.fields["kind"].as_string() == kind)
    for name, value in filters.items():
        if name == UPDATED:
            query = query.where(_updated_condition(value))
            continue
        matching = select(PageField.page_id).where(
            PageField.page_id == Page.id,
            PageField.name == name,
            _value_condition(PageField.folded, value),
        )
        query = query.where(matching.exists())
    return query


def list_records(
    session: Session,
    viewer: Viewer,
    space: Space,
    *,
    kind: str = "",
    filters: Mapping[str, str] | None = None,
    sort: str = BY_UPDATED,
    descending: bool = True,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> RecordList:
    """The records (pages with fields) of ``space`` that ``viewer`` may read, of ``kind``
    (a template's key; '' for all) and whose fields equal ``filters`` (name -> value, case
    and spacing ignored; a date or a range of dates such as ``2025`` or ``2025-01..2025-03``
    for dates, :data:`UPDATED` for the day of the last edit), sorted by a field's name, :data:`BY_TITLE` or :data:`BY_UPDATED`
    (records without the field last). Raises nothing of its own."""
    filters = {name: value for name, value in (filters or {}).items() if value.strip()}
    query = _filtered(viewer, space, kind, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    keys: list[Any]  # columns and orderings, as order_by takes them
    if sort == BY_TITLE:
        keys = [Page.sort_key.desc() if descending else Page.sort_key, Page.id]
    elif sort == BY_UPDATED:
        keys = [Page.updated_at.desc() if descending else Page.updated_at, Page.id]
    else:
        by = aliased(PageField)
        query = query.outerjoin(by, and_(by.page_id == Page.id, by.name == sort))
        number, folded = (
            (by.number.desc(), by.folded.desc()) if descending else (by.number, by.folded)
        )
        keys = [by.page_id.is_(None), number, folded, Page.sort_key, Page.id]
    rows = [
        RecordRow(page, Record.from_json(stored))
        for page, stored in session.execute(query.order_by(*keys).offset(offset).limit(limit))
    ]
    columns: dict[str, FieldSpec] = {}
    for row in rows:
        for spec in row.record.fields:
            columns.setdefault(spec.name, spec)
    kinds = sorted(
        {
            kind_of
            for kind_of in session.scalars(
                _filtered(viewer, space, "", {})
                .with_only_columns(Revision.fields["kind"].as_string())
                .distinct()
            )
            if kind_of
        }
    )
    return RecordList(rows, list(columns.values()), total, offset, limit, kinds)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    # A spreadsheet runs a cell that starts like a formula: quote it so it stays text.
    return "'" + value if value.startswith(_FORMULA_START) else value


def records_csv(listed: RecordList, page_address: Callable[[str], str]) -> str:
    """``listed`` as CSV: title, address, last edited (UTC), then one column per field."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Title", "Address", "Last edited (UTC)", *(c.label for c in listed.columns)])
    for row in listed.rows:
        writer.writerow(
            [
                _cell(row.page.title),
                page_address(row.page.slug),
                row.page.updated_at.strftime("%Y-%m-%d %H:%M"),
                *(_cell(row.record.value(column.name)) for column in listed.columns),
            ]
        )
    return out.getvalue()
