"""Owners and reviews: who looks after a page, how often it is checked, and when it was
last verified.

A page's owner is a person or a group (its creator at first). With a review interval, the
page shows "Verified by X on D, next review D2" or "Review overdue since D"; its owner (a
member of the owning group) or an admin of its space marks it verified after reading it,
which is kept in the review log (not a revision: the text did not change). The dashboards
list, per space or for the whole site, pages due or overdue for review, pages without an
owner who can act (none, a disabled account, a deleted group) and pages not edited for a
long time. Every list goes through :mod:`wiki.access.permissions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from wiki.access import audit
from wiki.access.groups import group_ids_of
from wiki.access.permissions import Action, PageLike, Viewer, can, visible_pages
from wiki.errors import Forbidden, InvalidInput
from wiki.models import Group, Page, PageReview, ReviewLog, Space, User, utcnow

INTERVALS = {0: "No scheduled review", 30: "Every month", 90: "Every 3 months",
             180: "Every 6 months", 365: "Every year", 730: "Every 2 years"}  # fmt: skip
"""The review intervals offered, in days (0: none)."""

DUE_SOON_DAYS = 14
"""A review due within this many days is listed on the dashboards already."""

STALE_AFTER_DAYS = 365
"""A page not edited for this long is listed as possibly out of date."""

MAX_LISTED = 200
MAX_NOTE_CHARS = 500


def review_of(session: Session, page: Page) -> PageReview:
    """The page's owner and review state, for reading: a page without a row (none since
    migration 0017 gave every page one) reads as having no owner and no interval."""
    return session.get(PageReview, page.id) or PageReview(page_id=page.id)


def _review_to_change(session: Session, page: Page) -> PageReview:
    review = session.get(PageReview, page.id)
    if review is None:
        review = PageReview(page_id=page.id)
        session.add(review)
        session.flush()
    return review


def start_review(session: Session, page: Page, creator: User) -> None:
    """Give a new page its owner: its creator."""
    session.add(PageReview(page_id=page.id, owner_user_id=creator.id))


def is_owner(session: Session, viewer: Viewer, review: PageReview) -> bool:
    """Whether ``viewer`` owns the page: they are its owner, or in its owning group."""
    user_id = getattr(viewer, "id", None)
    if user_id is None:
        return False
    if review.owner_user_id == user_id:
        return True
    return review.owner_group_id is not None and review.owner_group_id in group_ids_of(
        session, user_id
    )


def may_manage(session: Session, viewer: Viewer, page: PageLike, review: PageReview) -> bool:
    """Whether ``viewer`` may verify the page and change its owner and interval: someone
    who may edit it and owns it, or who administers its space (may delete it)."""
    if not can(viewer, Action.EDIT, page):
        return False
    return can(viewer, Action.DELETE, page) or is_owner(session, viewer, review)


def _owner_named(session: Session, text: str) -> tuple[User | None, Group | None]:
    name = text.strip().lstrip("@")
    if name.lower().startswith("group:"):
        key = name[len("group:") :].strip().lower()
        group = session.scalar(select(Group).where(Group.key == key))
        if group is None:
            raise InvalidInput({"owner": f"No group has the key {key}."})
        return None, group
    user = session.scalar(select(User).where(User.username_key == name.casefold()))
    if user is not None:
        return user, None
    group = session.scalar(select(Group).where(Group.key == name.lower()))
    if group is not None:
        return None, group
    raise InvalidInput({"owner": f"No person or group is called {name}."})


def owner_label(review: PageReview) -> str | None:
    """The owner as the review form takes it: a username or ``group:<key>``; None: none."""
    if review.owner_user is not None:
        return review.owner_user.username
    if review.owner_group is not None:
        return f"group:{review.owner_group.key}"
    return None


def change_review(
    session: Session, actor: User, page: Page, owner: str, every_days: int, today: date
) -> bool:
    """Give ``page`` the owner named by ``owner`` (a username, ``@username``, a group's key
    or ``group:key``) and a review interval of ``every_days`` (one of :data:`INTERVALS`;
    0: none). A new interval counts from the last verification, or from ``today``.
    Audited with before and after; returns whether anything changed.

    Raises Forbidden when ``actor`` may not manage the page's review, InvalidInput (keyed
    ``owner`` or ``every``) for an unknown owner or interval.
    """
    review = _review_to_change(session, page)
    if not may_manage(session, actor, page, review):
        raise Forbidden("Only the page's owner or an admin of its space may change this.")
    errors: dict[str, str] = {}
    user = group = None
    try:
        user, group = _owner_named(session, owner)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if every_days not in INTERVALS:
        errors["every"] = "Choose one of the intervals listed."
    if errors:
        raise InvalidInput(errors)
    interval = every_days or None
    changes: dict[str, dict] = {}
    before = owner_label(review)
    after = user.username if user is not None else f"group:{group.key}" if group else None
    if before != after:
        changes["owner"] = {"from": before, "to": after}
    if review.review_every_days != interval:
        changes["review_every_days"] = {"from": review.review_every_days, "to": interval}
    if not changes:
        return False
    review.owner_user_id = user.id if user is not None else None
    review.owner_group_id = group.id if group is not None else None
    review.owner_user, review.owner_group = user, group
    review.review_every_days = interval
    start = review.verified_at.date() if review.verified_at is not None else today
    review.review_due = start + timedelta(days=interval) if interval else None
    audit.record(session, actor, audit.AuditAction.PAGE_OWNERSHIP, page, changes)
    session.flush()
    return True


def verify(session: Session, actor: User, page: Page, note: str = "") -> ReviewLog:
    """Record that ``actor`` read ``page`` (its current revision) and found it right; the
    next review falls due one interval later.

    Raises Forbidden when ``actor`` may not manage the page's review, InvalidInput (keyed
    ``note``) for a note too long or with control characters.
    """
    review = _review_to_change(session, page)
    if not may_manage(session, actor, page, review):
        raise Forbidden("Only the page's owner or an admin of its space may verify it.")
    note = " ".join(note.split())
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput({"note": f"The note can have at most {MAX_NOTE_CHARS} characters."})
    now = utcnow()
    entry = ReviewLog(
        page_id=page.id,
        reviewer_id=actor.id,
        reviewed_at=now,
        revision_number=page.latest_number,
        note=note,
    )
    session.add(entry)
    review.verified_at, review.verified_by_id = now, actor.id
    if review.review_every_days:
        review.review_due = now.date() + timedelta(days=review.review_every_days)
    session.flush()
    return entry


def review_log(session: Session, page: Page, limit: int = 50) -> list[ReviewLog]:
    """The page's verifications, newest first."""
    query = (
        select(ReviewLog)
        .where(ReviewLog.page_id == page.id)
        .options(joinedload(ReviewLog.reviewer))
        .order_by(ReviewLog.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class ReviewStatus:
    """What a page view says of its review."""

    owner: str | None  # a username, or a group's name
    owner_is_group: bool
    verified_at: datetime | None
    verified_by: str | None
    review_due: date | None
    overdue: bool


def page_status(
    session: Session, page_id: int, today: date
) -> tuple[ReviewStatus, PageReview] | None:
    """What the page view says of the page's owner and review, and the row it says it of
    (None for a page without one)."""
    review = session.scalar(
        select(PageReview)
        .where(PageReview.page_id == page_id)
        .options(
            joinedload(PageReview.owner_user),
            joinedload(PageReview.owner_group),
            joinedload(PageReview.verified_by),
        )
    )
    shown = status(review, today)
    return (shown, review) if shown is not None and review is not None else None


def status(review: PageReview | None, today: date) -> ReviewStatus | None:
    """The line a page shows of ``review`` (None for a page without a row)."""
    if review is None:
        return None
    owner = review.owner_user.username if review.owner_user is not None else None
    if review.owner_group is not None:
        owner = review.owner_group.name
    return ReviewStatus(
        owner=owner,
        owner_is_group=review.owner_group is not None,
        verified_at=review.verified_at,
        verified_by=review.verified_by.username if review.verified_by is not None else None,
        review_due=review.review_due,
        overdue=review.review_due is not None and review.review_due < today,
    )


# --- dashboards -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    due: list[tuple[Page, PageReview]]  # overdue or due within DUE_SOON_DAYS, soonest first
    unowned: list[tuple[Page, PageReview | None]]
    stale: list[Page]  # not edited for STALE_AFTER_DAYS, oldest first
    today: date


def _readable(viewer: Viewer, space: Space | None):
    conditions = [Page.deleted.is_(False), visible_pages(viewer)]
    if space is not None:
        conditions.append(Page.space_id == space.id)
    return conditions


def dashboard(
    session: Session, viewer: Viewer, today: date, space: Space | None = None
) -> Dashboard:
    """The pages of ``space`` (None: every space) that ``viewer`` may read and that need
    attention. Raises nothing of its own."""
    readable = _readable(viewer, space)
    due = session.execute(
        select(Page, PageReview)
        .join(PageReview, PageReview.page_id == Page.id)
        .where(*readable, PageReview.review_due <= today + timedelta(days=DUE_SOON_DAYS))
        .options(joinedload(PageReview.owner_user), joinedload(PageReview.owner_group))
        .order_by(PageReview.review_due, Page.sort_key)
        .limit(MAX_LISTED)
    ).all()
    owner = User.__table__.alias("owner")
    unowned = session.execute(
        select(Page, PageReview)
        .outerjoin(PageReview, PageReview.page_id == Page.id)
        .outerjoin(owner, owner.c.id == PageReview.owner_user_id)
        .where(
            *readable,
            or_(
                PageReview.page_id.is_(None),
                (PageReview.owner_user_id.is_(None) & PageReview.owner_group_id.is_(None)),
                owner.c.disabled.is_(True),
            ),
        )
        .options(joinedload(PageReview.owner_user))
        .order_by(Page.sort_key, Page.id)
        .limit(MAX_LISTED)
    ).all()
    cutoff = datetime.combine(today - timedelta(days=STALE_AFTER_DAYS), time(), tzinfo=UTC)
    stale = session.scalars(
        select(Page)
        .where(*readable, Page.updated_at < cutoff)
        .order_by(Page.updated_at, Page.id)
        .limit(MAX_LISTED)
    ).all()
    return Dashboard(
        due=[(page, review) for page, review in due],
        unowned=[(page, review) for page, review in unowned],
        stale=list(stale),
        today=today,
    )


def pages_owned_by(session: Session, viewer: Viewer, user: User) -> list[tuple[Page, PageReview]]:
    """The pages ``user`` owns (or a group of theirs owns) that ``viewer`` may read, the
    ones due for review first."""
    groups = group_ids_of(session, user.id)
    owned = PageReview.owner_user_id == user.id
    if groups:
        owned = or_(owned, PageReview.owner_group_id.in_(sorted(groups)))
    rows = session.execute(
        select(Page, PageReview)
        .join(PageReview, PageReview.page_id == Page.id)
        .where(*_readable(viewer, None), owned)
        .order_by(PageReview.review_due.is_(None), PageReview.review_due, Page.sort_key)
        .limit(MAX_LISTED)
    ).all()
    return [(page, review) for page, review in rows]


# --- freshness in search ----------------------------------------------------------------------

FRESHNESS = {
    "verified": "Verified, review not due",
    "overdue": "Review overdue",
    "stale": "Not edited for a year",
}
"""The freshness filters search offers (``fresh=`` in the address)."""


def fresh_pages(session: Session, kind: str, today: date) -> frozenset[int]:
    """The ids of the pages of freshness ``kind`` (one of :data:`FRESHNESS`); search keeps
    only those among what its viewer may read. Raises KeyError for an unknown kind."""
    if kind == "verified":
        query = select(PageReview.page_id).where(
            PageReview.verified_at.is_not(None),
            or_(PageReview.review_due.is_(None), PageReview.review_due >= today),
        )
    elif kind == "overdue":
        query = select(PageReview.page_id).where(PageReview.review_due < today)
    elif kind == "stale":
        cutoff = datetime.combine(today - timedelta(days=STALE_AFTER_DAYS), time(), tzinfo=UTC)
        query = select(Page.id).where(Page.updated_at < cutoff)
    else:
        raise KeyError(kind)
    return frozenset(session.scalars(query))
