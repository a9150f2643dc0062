"""The "Access" views: who can read and edit a page or use a space, and which rules give
it, as one viewer may see them.

Everything here is worked out by the permission module for each active account
(:mod:`wiki.access.impact`), so the lists are what the wiki does, not a second reading
of the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from wiki.access import impact
from wiki.access.explain import Explanation, explain
from wiki.access.grants import Grant, grants_of_space
from wiki.access.permissions import Action, Viewer, can, can_in_space, page_actions
from wiki.access.reach import work_out
from wiki.access.restrictions import PageRestrictions, restrictions_of
from wiki.access.subjects import parse_people
from wiki.errors import InvalidInput
from wiki.models import ANONYMOUS, AccessLevel, Page, Space

MAX_LISTED = 500  # names listed per kind of access; the counts are always complete


@dataclass(frozen=True)
class PageAccess:
    page: Page
    space: Space
    grants: list[Grant]
    restrictions: PageRestrictions
    readers: list[impact.Person]
    editors: list[impact.Person]
    reader_count: int
    editor_count: int
    visitors_read: bool  # visitors who are not signed in may read it
    may_manage: bool  # the viewer may restrict it (and explain anyone's access)


@dataclass(frozen=True)
class SpaceAccess:
    space: Space
    grants: list[Grant]
    counts: dict[str, int]  # people holding each level (or more)
    may_manage: bool


def _visitors_read(rules, page) -> bool:
    if not (has_app_context() and current_app.config["ANONYMOUS_READ"]):
        return False
    visitor = work_out(rules, frozenset({ANONYMOUS}), AccessLevel.READ)
    return Action.READ in page_actions(visitor, page)


def page_access(session: Session, viewer: Viewer, page: Page) -> PageAccess:
    """Who can read and edit ``page`` and why, for a viewer who may read it (the caller
    checks). Raises nothing but database errors."""
    rules = impact.current_rules(session)
    everyone = impact.people(session)
    actions = impact.page_access(rules, everyone, page)
    readers = [p for p in everyone if Action.READ in actions[p.id]]
    editors = [p for p in everyone if Action.EDIT in actions[p.id]]
    space = session.get_one(Space, page.space_id)
    return PageAccess(
        page=page,
        space=space,
        grants=grants_of_space(session, space),
        restrictions=restrictions_of(session, page),
        readers=readers[:MAX_LISTED],
        editors=editors[:MAX_LISTED],
        reader_count=len(readers),
        editor_count=len(editors),
        visitors_read=_visitors_read(rules, page),
        may_manage=can(viewer, Action.MANAGE_ACCESS, page),
    )


def space_access(session: Session, viewer: Viewer, space: Space) -> SpaceAccess:
    """The grants of ``space`` and how many people hold each level, for a viewer who may
    see the space (the caller checks). Raises nothing but database errors."""
    rules = impact.current_rules(session)
    everyone = impact.people(session)
    levels = impact.space_levels(rules, everyone, space.id)
    counts = {
        what: sum(1 for held in levels.values() if holds(held))
        for what, holds in impact.SPACE_KINDS.items()
    }
    return SpaceAccess(
        space=space,
        grants=grants_of_space(session, space),
        counts=counts,
        may_manage=can_in_space(viewer, Action.MANAGE_ACCESS, space.id),
    )


def explain_for(
    session: Session, viewer: Viewer, page: Page, username: str, action: str
) -> Explanation:
    """Why ``username`` can or cannot do ``action`` on ``page``. Anyone signed in may ask
    about themselves; the page's space admins and site admins about anyone.

    Raises InvalidInput (keyed ``who`` or ``action``) for an unknown account or action, or
    for asking about someone else without the right to.
    """
    try:
        wanted = Action(action)
    except ValueError:
        raise InvalidInput({"action": "Choose read, edit, delete or change access."}) from None
    users = parse_people(session, username, field="who")
    if len(users) != 1:
        raise InvalidInput({"who": "Name one account (its username)."})
    user = users[0]
    own = getattr(viewer, "id", None) == user.id
    if not own and not can(viewer, Action.MANAGE_ACCESS, page):
        raise InvalidInput({"who": "You may ask only about yourself here."})
    return explain(session, user, wanted, page)
