"""Groups subscribed to spaces: "everyone in Sales gets the weekly digest of the Sales
space".

Site admins and the space's admins subscribe a group to a space and choose how its members
get mail of it: at once, or a daily or weekly digest of the space. Members hear of the
space's changes like watchers do (in the wiki, and only of pages they may read when told),
for the weakest reason of all: their own watches and mentions come first and go by their own
choice of mail. A member may opt out of a subscription for themselves (their page of what
they watch, or the unsubscribe link of its mail); someone who chose no e-mail at all gets
none of it either.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from wiki.access import audit
from wiki.access.groups import end_subscriptions
from wiki.access.permissions import Action, Viewer, can_in_space, visible_spaces
from wiki.errors import Forbidden, InvalidInput, NotFound
from wiki.models import (
    EmailFrequency,
    Group,
    GroupMember,
    Space,
    SpaceSubscription,
    SubscriptionOptOut,
    User,
    utcnow,
)

__all__ = [
    "FREQUENCY_CHOICES",
    "Followed",
    "followed_through_groups",
    "opt_out",
    "subscribe_group",
    "subscribed_members",
    "subscriptions_of_space",
    "unsubscribe_group",
]

#: How a subscribed group's members get mail of the space, as the form offers it.
FREQUENCY_CHOICES = (
    (EmailFrequency.WEEKLY, "A weekly digest of the space"),
    (EmailFrequency.DAILY, "A daily digest of the space"),
    (EmailFrequency.IMMEDIATE, "An e-mail per change"),
)
_FREQUENCIES = {choice.value for choice, _ in FREQUENCY_CHOICES}


def _require_manager(actor: User, space: Space) -> None:
    if not can_in_space(actor, Action.MANAGE_ACCESS, space.id):
        raise Forbidden("Only admins of this space may subscribe groups to it.")


def subscriptions_of_space(session: Session, space: Space) -> list[SpaceSubscription]:
    """The groups subscribed to ``space``, by group name. Raises nothing but database
    errors."""
    return list(
        session.scalars(
            select(SpaceSubscription)
            .join(Group, Group.id == SpaceSubscription.group_id)
            .where(SpaceSubscription.space_id == space.id)
            .options(joinedload(SpaceSubscription.group))
            .order_by(func.lower(Group.name), Group.key)
        )
    )


def subscribe_group(
    session: Session, actor: User, space: Space, group_key: str, frequency: str
) -> SpaceSubscription:
    """Subscribe the group ``group_key`` to ``space`` with mail at ``frequency`` (or change
    the frequency of its subscription), audited. Raises Forbidden unless ``actor`` may
    manage the space's access, InvalidInput (keyed ``group``, ``frequency``) for an unknown
    group or frequency."""
    _require_manager(actor, space)
    errors: dict[str, str] = {}
    group = session.scalar(select(Group).where(Group.key == group_key.strip().casefold()))
    if group is None:
        errors["group"] = "Choose one of the groups listed."
    if frequency not in _FREQUENCIES:
        errors["frequency"] = "Choose how the group's members get e-mail of the space."
    if errors or group is None:
        raise InvalidInput(errors)
    held = session.scalar(
        select(SpaceSubscription).where(
            SpaceSubscription.space_id == space.id, SpaceSubscription.group_id == group.id
        )
    )
    before = held.frequency if held is not None else "none"
    if held is None:
        # The first digest covers the period from now, not the time before.
        held = SpaceSubscription(
            space_id=space.id,
            group_id=group.id,
            frequency=frequency,
            created_by_id=actor.id,
            digest_through=utcnow(),
        )
        session.add(held)
    held.frequency = frequency
    if before != frequency:
        _audit(session, actor, space, group, before, frequency)
    session.flush()
    return held


def unsubscribe_group(session: Session, actor: User, space: Space, subscription_id: int) -> str:
    """End the subscription ``subscription_id`` of ``space``
    (:func:`~wiki.access.groups.end_subscriptions`), audited; returns the group's name.
    Raises Forbidden unless ``actor`` may manage the space's access, NotFound for no such
    subscription of the space."""
    _require_manager(actor, space)
    held = session.scalar(
        select(SpaceSubscription).where(
            SpaceSubscription.id == subscription_id, SpaceSubscription.space_id == space.id
        )
    )
    if held is None:
        raise NotFound("That group is not subscribed to this space.")
    group = held.group
    _audit(session, actor, space, group, held.frequency, "none")
    end_subscriptions(session, SpaceSubscription.id == held.id)
    session.flush()
    return group.name


def _audit(
    session: Session, actor: User, space: Space, group: Group, before: str, after: str
) -> None:
    audit.record(
        session,
        actor,
        audit.AuditAction.SPACE_SUBSCRIPTION,
        group,
        {"space": space.key, "before": before, "after": after},
    )


def subscribed_members(
    session: Session, space_id: int, leave_out: set[int]
) -> dict[int, tuple[str, int]]:
    """The members of the groups subscribed to the space ``space_id``, but those in
    ``leave_out`` and those who opted out: each with the group's name and the subscription
    (the first by group name when several of their groups are subscribed). Raises nothing
    but database errors."""
    found: dict[int, tuple[str, int]] = {}
    rows = session.execute(
        select(GroupMember.user_id, Group.name, SpaceSubscription.id)
        .join(Group, Group.id == GroupMember.group_id)
        .join(SpaceSubscription, SpaceSubscription.group_id == Group.id)
        .outerjoin(
            SubscriptionOptOut,
            (SubscriptionOptOut.subscription_id == SpaceSubscription.id)
            & (SubscriptionOptOut.user_id == GroupMember.user_id),
        )
        .where(SpaceSubscription.space_id == space_id, SubscriptionOptOut.user_id.is_(None))
        .order_by(func.lower(Group.name), SpaceSubscription.id)
    )
    for user_id, name, subscription_id in rows:
        if user_id not in leave_out:
            found.setdefault(user_id, (name, subscription_id))
    return found


@dataclass(frozen=True)
class Followed:
    """A space one hears of through a group."""

    subscription_id: int
    space: Space
    group: Group
    frequency: str
    opted_out: bool


def followed_through_groups(session: Session, viewer: Viewer, user_id: int) -> list[Followed]:
    """The subscriptions of the groups of ``user_id`` to spaces ``viewer`` may see, by space
    name. Raises nothing but database errors."""
    rows = session.execute(
        select(SpaceSubscription, SubscriptionOptOut.user_id)
        .join(GroupMember, GroupMember.group_id == SpaceSubscription.group_id)
        .join(Space, Space.id == SpaceSubscription.space_id)
        .outerjoin(
            SubscriptionOptOut,
            (SubscriptionOptOut.subscription_id == SpaceSubscription.id)
            & (SubscriptionOptOut.user_id == user_id),
        )
        .where(GroupMember.user_id == user_id, visible_spaces(viewer))
        .options(joinedload(SpaceSubscription.space), joinedload(SpaceSubscription.group))
        .order_by(func.lower(Space.name), SpaceSubscription.id)
    )
    return [
        Followed(sub.id, sub.space, sub.group, sub.frequency, out is not None) for sub, out in rows
    ]


def opt_out(session: Session, user_id: int, subscription_id: int, out: bool = True) -> str:
    """Stop (``out``) or resume hearing of a space through the group subscription
    ``subscription_id``; returns the space's name. Raises NotFound unless ``user_id`` is a
    member of the subscribed group."""
    held = session.get(SpaceSubscription, subscription_id)
    member = held is not None and session.get(GroupMember, (held.group_id, user_id)) is not None
    if held is None or not member:
        raise NotFound("You are not in a group subscribed to that space.")
    existing = session.get(SubscriptionOptOut, (user_id, subscription_id))
    if out and existing is None:
        session.add(SubscriptionOptOut(user_id=user_id, subscription_id=subscription_id))
    elif not out and existing is not None:
        session.delete(existing)
    session.flush()
    return held.space.name
