"""From the outbox to notifications: who hears of a change, decided when it is handled.

An event is claimed and its notifications written in one transaction (the worker's): a
crash before the commit leaves the event to be handled again, and a second worker that
claims the same event finds it taken. Each person hears of an event once, for the strongest
reason they have (an action item given to them, a mention, then the page, its subtree, its
space, a tag), and only if they may read the page at that moment; the person who made the
change is never told of it. The members of groups subscribed to the page's space hear of
it too, when they have no reason of their own (:mod:`wiki.notify.subscriptions`). Reminders (:mod:`wiki.notify.reminders`) go to the owners they
name, by the same rule of access.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from wiki.access.permissions import readers_among
from wiki.content.feeds import excerpt
from wiki.models import (
    ChangeEvent,
    EventKind,
    Notification,
    Page,
    Revision,
    User,
    Watch,
    WatchTarget,
    split_tags,
    utcnow,
)
from wiki.notify.mentions import added_mentions
from wiki.notify.reminders import added_assignments, reminder_recipients
from wiki.notify.subscriptions import subscribed_members
from wiki.notify.watches import target_key

__all__ = [
    "ASSIGNED",
    "GROUP",
    "MENTION",
    "change_excerpt",
    "handle_event",
    "pending_events",
    "why",
]

ASSIGNED = "assigned"
MENTION = "mention"
GROUP = "group"  # through a group's subscription to the space: the weakest reason
# Strongest first: a person watching a page and its space is told "you watch this page".
_REASONS = (ASSIGNED, MENTION, "page", "subtree", "space", "tag")


def why(reason: str, detail: str) -> str:
    """Why a person was told, in a sentence (the list and the e-mail say it alike).
    Raises nothing."""
    return {
        ASSIGNED: f"You were given an action item: \u201c{detail}\u201d.",
        MENTION: "You were mentioned.",
        "page": "You watch this page.",
        "subtree": f"You watch the pages under {detail}.",
        "space": f"You watch the space {detail}.",
        "tag": f"You watch the tag {detail}.",
        GROUP: f"You are in the group {detail}, which follows this space.",
        EventKind.REVIEW.value: "You look after this page.",
        EventKind.OVERDUE.value: "The action item is yours.",
    }.get(reason, "You watch it.")


def pending_events(session: Session, limit: int) -> list[int]:
    """Ids of up to ``limit`` events not handled yet, oldest first. Raises nothing but
    database errors."""
    return list(
        session.scalars(
            select(ChangeEvent.id)
            .where(ChangeEvent.handled_at.is_(None))
            .order_by(ChangeEvent.id)
            .limit(limit)
        )
    )


def change_excerpt(before: str, after: str) -> str:
    """A few changed lines, "+ added" / "- removed", each cut short, as feeds show them
    (:func:`wiki.content.feeds.excerpt`): what a notification shows of a change. Bounded
    for any texts. Raises nothing."""
    shown = excerpt(before, after)
    lines = [f"{'-' if line.kind == 'delete' else '+'} {line.text}" for line in shown.lines]
    if shown.more:
        lines.append(f"({shown.more} more changed lines)")
    return "\n".join(lines)


def _subtree_keys(session: Session, page: Page) -> list[str]:
    """Watch keys of the subtrees ``page`` is in: its own and each page above it."""
    keys: list[str] = []
    current: int | None = page.id
    seen: set[int] = set()
    while current is not None and current not in seen:
        seen.add(current)
        keys.append(target_key(WatchTarget.SUBTREE, current))
        current = session.scalar(select(Page.parent_id).where(Page.id == current))
    return keys


def _candidates(
    session: Session, page: Page, revision: Revision, previous: Revision | None
) -> dict[int, tuple[str, str]]:
    """Everyone the change concerns, with their strongest reason and what it names."""
    tags = set(split_tags(revision.tags)) | set(split_tags(previous.tags if previous else ""))
    keys = {
        target_key(WatchTarget.PAGE, page.id): ("page", page.title),
        target_key(WatchTarget.SPACE, page.space_id): ("space", page.space.name),
        **{target_key(WatchTarget.TAG, tag): ("tag", tag) for tag in tags},
    }
    for key in _subtree_keys(session, page):
        keys[key] = ("subtree", "")
    found: dict[int, tuple[str, str]] = {}
    subtree_titles: dict[str, str] = {}
    for user_id, key in session.execute(
        select(Watch.user_id, Watch.target_key).where(Watch.target_key.in_(list(keys)))
    ):
        reason, detail = keys[key]
        if reason == "subtree":
            if key not in subtree_titles:
                top = int(key.split(":", 1)[1])
                subtree_titles[key] = session.scalar(select(Page.title).where(Page.id == top)) or ""
            detail = subtree_titles[key]
        held = found.get(user_id)
        if held is None or _REASONS.index(reason) < _REASONS.index(held[0]):
            found[user_id] = (reason, detail)
    before = previous.body if previous else ""
    names = added_mentions(before, revision.body)
    if names:
        for user_id in session.scalars(select(User.id).where(User.username_key.in_(names))):
            found[user_id] = (MENTION, "")
    given = added_assignments(before, revision.body)
    if given:
        for user_id, name_key in session.execute(
            select(User.id, User.username_key).where(User.username_key.in_(list(given)))
        ):
            found[user_id] = (ASSIGNED, given[name_key])
    return found


def handle_event(session: Session, event_id: int) -> int:
    """Claim the event ``event_id`` and notify everyone it concerns who may read its page
    now; returns how many were notified (0 too when another worker had claimed it). The
    caller commits. Raises nothing but database errors."""
    claimed = session.execute(
        update(ChangeEvent)
        .where(ChangeEvent.id == event_id, ChangeEvent.handled_at.is_(None))
        .values(handled_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return 0
    event = session.get_one(ChangeEvent, event_id)
    page, revision = event.page, event.revision
    via: dict[int, int] = {}  # who hears of it through a group's subscription, and which
    if event.kind == EventKind.REVISION:
        previous = session.get(Revision, revision.parent_id) if revision.parent_id else None
        event.excerpt = change_excerpt(previous.body if previous else "", revision.body)
        candidates = _candidates(session, page, revision, previous)
        candidates.pop(event.actor_id or 0, None)
        through = subscribed_members(
            session, page.space_id, set(candidates) | {event.actor_id or 0}
        )
        for user_id, (group_name, subscription_id) in through.items():
            candidates[user_id] = (GROUP, group_name)
            via[user_id] = subscription_id
    elif page.deleted:
        return 0
    else:
        candidates = reminder_recipients(session, event)
    readers = readers_among(session, list(candidates), page)
    if not readers:
        return 0
    now = utcnow()
    already = set(
        session.scalars(
            select(Notification.user_id).where(
                Notification.event_id == event_id, Notification.user_id.in_(list(readers))
            )
        )
    )
    rows = [
        {
            "user_id": user_id,
            "event_id": event_id,
            "page_id": page.id,
            "reason": candidates[user_id][0],
            "reason_detail": candidates[user_id][1][:255],
            "created_at": now,
            "subscription_id": via.get(user_id),
        }
        for user_id in sorted(readers - already)
    ]
    if rows:
        session.execute(insert(Notification), rows)
    return len(rows)
