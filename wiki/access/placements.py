"""Where every page sits, as far as reading it goes: whether it is deleted, its space and
the restricted subtree it reads under. Search results and title suggestions hold only page
ids, and check each one against these (:func:`wiki.access.permissions.readable_pages`).

Reading them all is one query over every page (about 10 ms at 10,000 pages), too much to
pay on every search, and they change rarely: only when a page is created, deleted or
undeleted (each appends a revision of that kind) or when access changes (a move or a
restriction, each recorded with an access action, :data:`wiki.access.audit.ACCESS_ACTIONS`).
So they are kept per app for the newest *placement generation* (the newest revision of
those kinds and the newest event of each access action), read by every caller in one
statement of index lookups, like the access generation of :mod:`wiki.access.reach`: a
change is seen by the next search on every worker and host.

What a transaction that has written reads is used for its own call only, never kept
(:func:`wiki.db.has_written` says why).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wiki.access.audit import ACCESS_ACTIONS
from wiki.db import has_written
from wiki.models import AuditEvent, Page, Revision, RevisionKind

PLACING_KINDS = (RevisionKind.CREATE, RevisionKind.DELETE, RevisionKind.UNDELETE)
"""Revisions that add a page or change whether it is deleted (moves are access events)."""


class Placement(NamedTuple):
    """What reading a page depends on, of the page itself (a ``PageLike`` for
    :func:`wiki.access.permissions.page_actions`; editing is not asked here)."""

    deleted: bool
    space_id: int
    read_scope_id: int | None
    edit_scope_id: None = None


Generation = tuple[int | None, ...]

GENERATION = select(
    *(
        select(func.max(Revision.id)).where(Revision.kind == kind).scalar_subquery()
        for kind in PLACING_KINDS
    ),
    *(
        select(func.max(AuditEvent.id)).where(AuditEvent.action == action.value).scalar_subquery()
        for action in sorted(ACCESS_ACTIONS)
    ),
)
"""The placement generation, as one row (one index step per column:
``ix_revisions_kind_id``, ``ix_audit_events_action_id``)."""


def load_placements(session: Session) -> dict[int, Placement]:
    """Every page's placement by page id, in one query. Pages in the same place share one
    :class:`Placement`, so a check can decide once per place. Database errors propagate."""
    shared: dict[Placement, Placement] = {}
    placements: dict[int, Placement] = {}
    for page_id, deleted, space_id, read_scope_id in session.execute(
        select(Page.id, Page.deleted, Page.space_id, Page.read_scope_id)
    ):
        place = Placement(bool(deleted), space_id, read_scope_id)
        placements[page_id] = shared.setdefault(place, place)
    return placements


class _Kept:
    """The placements of the newest generation seen. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: Generation | None = None
        self.placements: Mapping[int, Placement] = {}

    def at(self, generation: Generation) -> Mapping[int, Placement] | None:
        with self.lock:
            return self.placements if self.generation == generation else None

    def keep(self, generation: Generation, placements: Mapping[int, Placement]) -> None:
        with self.lock:
            self.generation, self.placements = generation, placements


_APP_KEY = "wiki.page_placements"


def current_placements(session: Session) -> Mapping[int, Placement]:
    """Every page's placement as ``session`` sees it now, kept per app (in an app context)
    while the placement generation holds. Do not change the mapping. Database errors
    propagate."""
    if not has_app_context():
        return load_placements(session)
    generation = tuple(session.execute(GENERATION).one())
    # setdefault is atomic, so two first requests agree (one per app: one per database).
    kept: _Kept = current_app.extensions.setdefault(_APP_KEY, _Kept())
    found = kept.at(generation)
    if found is not None:
        return found
    # Read after the generation: what is kept is never older than the generation it is
    # kept for (it may be newer, which the next request's generation then tells).
    placements = load_placements(session)
    if not has_written(session):
        kept.keep(generation, placements)
    return placements
