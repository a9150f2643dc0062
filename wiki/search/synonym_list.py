"""The synonym list admins edit (``/-/admin/search``): kept in the database, one row while
an edited list is in use (no row: the built-in :data:`~wiki.search.synonyms.DEFAULT_SYNONYMS`).

Searches get the list through :func:`current_synonyms`, which keeps the parsed list per
process and checks it with one primary-key read of the row's token (random, renewed by every
save), so a change made through any process applies to the next search everywhere, with no
restart and no reindex. Every change is audited (``search.synonyms``).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wiki.access import audit
from wiki.access.audit import AuditAction
from wiki.errors import InvalidInput
from wiki.models import SearchSynonyms, User, utcnow
from wiki.search.synonyms import (
    DEFAULT_SYNONYMS,
    FIELD,
    Synonyms,
    format_groups,
    parse_groups,
)

__all__ = ["AUDIT_TARGET", "SynonymList", "current_synonyms", "save_synonyms", "synonym_list"]

ROW_ID = 1
AUDIT_TARGET = "search synonyms"
"""The target of the audit events of list changes."""

_BUILT_IN = Synonyms.from_groups(DEFAULT_SYNONYMS)
_cache: tuple[str, Synonyms] | None = None  # (token, the list saved with it)
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class SynonymList:
    """The list as an admin edits it: ``text`` one group per line; ``built_in`` when no
    edited list is in use; ``updated_at`` the last save (None for the built-in list)."""

    text: str
    built_in: bool
    updated_at: datetime | None


def synonym_list(session: Session) -> SynonymList:
    """The list in use, for editing. Database errors propagate."""
    row = session.get(SearchSynonyms, ROW_ID)
    if row is None:
        return SynonymList(format_groups(DEFAULT_SYNONYMS), True, None)
    return SynonymList(row.text, False, row.updated_at)


def current_synonyms(session: Session) -> Synonyms:
    """The synonyms searches use now: the cached copy while the row's token is unchanged
    (one primary-key read), else the list read and parsed again. Database errors
    propagate."""
    global _cache
    token = session.scalar(select(SearchSynonyms.token).where(SearchSynonyms.id == ROW_ID))
    if token is None:
        return _BUILT_IN
    cached = _cache
    if cached is not None and cached[0] == token:
        return cached[1]
    row = session.execute(
        select(SearchSynonyms.token, SearchSynonyms.text).where(SearchSynonyms.id == ROW_ID)
    ).first()
    if row is None:  # reset between the two reads
        return _BUILT_IN
    synonyms = Synonyms.from_groups(_groups_of(row.text))
    with _cache_lock:
        _cache = (row.token, synonyms)
    return synonyms


def save_synonyms(session: Session, text: str | None, *, actor: User | None) -> bool:
    """Make ``text`` (one group per line, terms separated by commas) the list searches use,
    or go back to the built-in list when ``text`` is None; in the caller's transaction,
    audited as done by ``actor`` (None: the command line). Returns False, recording
    nothing, when the list stays as it was.

    Raises InvalidInput (key ``synonyms``) for a list :func:`~wiki.search.synonyms.
    parse_groups` refuses, or when another save created the list at the same moment.
    """
    row = session.get(SearchSynonyms, ROW_ID, with_for_update=True)
    before = _groups_of(row.text) if row is not None else DEFAULT_SYNONYMS
    if text is None:
        if row is None:
            return False
        session.delete(row)
        after = DEFAULT_SYNONYMS
    else:
        after = parse_groups(text)
        if after == before:
            return False
        if row is None:
            row = SearchSynonyms(id=ROW_ID)
            try:
                with session.begin_nested():
                    _fill(row, after)
                    session.add(row)
            except IntegrityError:
                raise InvalidInput(
                    {FIELD: "Someone else saved the list at the same moment: check it, then save."}
                ) from None
        else:
            _fill(row, after)
    old_lines, new_lines = _lines(before), _lines(after)
    details: dict = {
        "added": [line for line in new_lines if line not in old_lines],
        "removed": [line for line in old_lines if line not in new_lines],
    }
    if text is None:
        details["reset"] = True
    audit.record(session, actor, AuditAction.SEARCH_SYNONYMS, None, details, target=AUDIT_TARGET)
    return True


def _fill(row: SearchSynonyms, groups: tuple[tuple[str, ...], ...]) -> None:
    row.text = format_groups(groups)
    row.token = secrets.token_hex(16)
    row.updated_at = utcnow()


def _groups_of(text: str) -> tuple[tuple[str, ...], ...]:
    # A stored list was checked when saved; read it leniently all the same, so that a
    # stricter check in a later release cannot make searching fail.
    return tuple(
        tuple(" ".join(term.split()) for term in line.split(","))
        for line in text.splitlines()
        if line.strip()
    )


def _lines(groups: tuple[tuple[str, ...], ...]) -> list[str]:
    return [", ".join(group) for group in groups]
