"""What a shown page depends on, read in one statement, so that a rendering kept from an
earlier request can be checked against the database on every request for the price of one
small query.

The HTML of a page view depends on:

- the page's current revision: every edit, rename, delete, undelete and restore appends one;
- which wiki-link targets exist (missing ones are marked). That changes only when a page is
  created, renamed, deleted or undeleted, and each of those appends a revision of that kind,
  so the newest revision of those kinds, the *links generation*, changes with it;
- who looks: the signed-in login (gone after logging out, a password change or disabling
  the account), with the user's name, display name, role and time zone (dates are shown
  in it);
- the display name of the current revision's author (the byline names them).
- the access rules: the newest audit event of an access-changing action, the *access
  generation* (see :data:`wiki.access.audit.ACCESS_ACTIONS` for the contract that keeps it);
- the name of the page's space (the breadcrumbs and the tree name it): the newest change of
  a space's settings, the *spaces generation* (:data:`SPACE_CHANGING_ACTIONS`);
- the page's owner and review (the line under the byline): the newest verification of any
  page and the newest change of an owner or interval, the *reviews generation*, and the
  day (UTC), since a review falls overdue as days pass;
- the viewer's own things: the bell's count of unread notifications and what they watch
  (the page's Watch menu), read as (count, newest id) of each from their indexes.
- the page's related pages (listed under it): when the search indexer last worked out
  its list (``related_lists``, by its primary key). Pages of the list deleted or restricted
  since are caught by the links and access generations.

The generations are read from append-only tables (revisions, the audit log), so no code
path has to remember to bump a counter, and every worker and host sees a change at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, bindparam, func, literal, select

from wiki.access.accounts import SIGNED_IN_COLUMNS, SignedInUser
from wiki.access.audit import ACCESS_ACTIONS, AuditAction
from wiki.db import Database
from wiki.models import (
    AuditEvent,
    LoginSession,
    Notification,
    Page,
    RelatedList,
    ReviewLog,
    Revision,
    RevisionKind,
    User,
    Watch,
)

LINK_CHANGING_KINDS = (
    RevisionKind.CREATE,
    RevisionKind.RENAME,
    RevisionKind.DELETE,
    RevisionKind.UNDELETE,
)
"""Revisions that change which pages exist at which address."""

SPACE_CHANGING_ACTIONS = (AuditAction.SPACE_UPDATE,)
"""Audit actions that change what a page view says of its space (not access changes)."""

REVIEW_CHANGING_ACTIONS = (AuditAction.PAGE_OWNERSHIP,)
"""Audit actions that change what a page view says of its owner and review."""


@dataclass(frozen=True)
class ViewState:
    """The database's answer for one page address and one login, at one moment."""

    revision_id: int | None  # the page's current revision; None: no page has the address
    author_name: str | None  # the display name of that revision's author
    links_generation: tuple[int | None, ...]
    access_generation: tuple[int | None, ...]
    spaces_generation: tuple[int | None, ...]
    reviews_generation: tuple[int | None, ...]
    viewer: SignedInUser | None  # None: not signed in, or the login is no longer valid
    day: date = date.min  # UTC
    personal: tuple[int | None, ...] = ()  # the viewer's unread notifications and watches
    related: datetime | None = None  # when the page's list of related pages was made

    @property
    def generations(self) -> tuple[object, ...]:
        return (
            self.links_generation,
            self.access_generation,
            self.spaces_generation,
            self.reviews_generation,
            self.day,
            self.personal,
            self.related,
        )


def _newest(column, condition):
    # One index step each: ix_revisions_kind_id, ix_audit_events_action_id.
    return select(func.max(column)).where(condition).scalar_subquery()


_ANCHOR = select(literal(1).label("one")).subquery("anchor")
_LOGIN = LoginSession.__table__.join(
    User.__table__, and_(User.id == LoginSession.user_id, User.disabled.is_(False))
)
_ACCESS = sorted(ACCESS_ACTIONS)
_AUTHOR_NAME = (
    select(User.display_name)
    .join(Revision, Revision.author_id == User.id)
    .join(Page, Page.current_revision_id == Revision.id)
    .where(Page.slug == bindparam("slug"))
    .scalar_subquery()
)
_UNREAD = (Notification.user_id == LoginSession.user_id, Notification.read_at.is_(None))
_PERSONAL = (
    select(func.count(Notification.id)).where(*_UNREAD).scalar_subquery(),
    select(func.max(Notification.id)).where(*_UNREAD).scalar_subquery(),
    select(func.count(Watch.id)).where(Watch.user_id == LoginSession.user_id).scalar_subquery(),
    select(func.max(Watch.id)).where(Watch.user_id == LoginSession.user_id).scalar_subquery(),
)
_RELATED = (
    select(RelatedList.computed_at)
    .join(Page, Page.id == RelatedList.page_id)
    .where(Page.slug == bindparam("slug"))
    .scalar_subquery()
)
_STATE = select(
    select(Page.current_revision_id).where(Page.slug == bindparam("slug")).scalar_subquery(),
    _AUTHOR_NAME,
    *(_newest(Revision.id, Revision.kind == kind) for kind in LINK_CHANGING_KINDS),
    *(_newest(AuditEvent.id, AuditEvent.action == action.value) for action in _ACCESS),
    *(_newest(AuditEvent.id, AuditEvent.action == a.value) for a in SPACE_CHANGING_ACTIONS),
    select(func.max(ReviewLog.id)).scalar_subquery(),
    *(_newest(AuditEvent.id, AuditEvent.action == a.value) for a in REVIEW_CHANGING_ACTIONS),
    *_PERSONAL,
    _RELATED,
    *SIGNED_IN_COLUMNS,
).select_from(_ANCHOR.outerjoin(_LOGIN, LoginSession.id == bindparam("token")))
_LINKS = slice(2, 2 + len(LINK_CHANGING_KINDS))
_RULES = slice(_LINKS.stop, _LINKS.stop + len(_ACCESS))
_SPACES = slice(_RULES.stop, _RULES.stop + len(SPACE_CHANGING_ACTIONS))
_REVIEWS = slice(_SPACES.stop, _SPACES.stop + 1 + len(REVIEW_CHANGING_ACTIONS))
_MINE = slice(_REVIEWS.stop, _REVIEWS.stop + len(_PERSONAL))
_RELATED_AT = _MINE.stop


def view_state(database: Database, slug: str, login_session_id: str | None) -> ViewState:
    """The current state of the page at ``slug`` as seen by the login ``login_session_id``
    (None: nobody signed in), in one statement outside any transaction. Database errors
    propagate."""
    row = database.read_row(_STATE, {"slug": slug, "token": login_session_id})
    assert row is not None  # the anchor row is always there
    signed_in = row[_RELATED_AT + 1 :]
    viewer = SignedInUser(*signed_in) if signed_in[0] is not None else None
    return ViewState(
        revision_id=row[0],
        author_name=row[1],
        links_generation=tuple(row[_LINKS]),
        access_generation=tuple(row[_RULES]),
        spaces_generation=tuple(row[_SPACES]),
        reviews_generation=tuple(row[_REVIEWS]),
        viewer=viewer,
        day=datetime.now(UTC).date(),
        personal=tuple(row[_MINE]),
        related=row[_RELATED_AT],
    )
