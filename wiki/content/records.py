"""Records: pages with structured fields (:mod:`wiki.content.fields`), as the save path
stores them and the Lessons view lists them.

``page_fields`` mirrors the fields of each page's current revision, written in the same
transaction as the revision; it is derived data (:func:`rebuild_page_fields`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wiki.content.fields import FieldType, Record, check_schema, clean_values
from wiki.errors import InvalidInput
from wiki.models import Page, PageField, Revision, User


def person_named(session: Session):
    """A lookup of usernames for :func:`wiki.content.fields.clean_values`: the account's
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
