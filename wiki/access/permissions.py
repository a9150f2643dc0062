"""The one place that decides who may do what, and which pages anyone may see.

Two questions, one rule table (:data:`_GRANTS`):

- :func:`can` answers for one action, on one page or on the wiki as a whole: the views,
  the templates and single-page services ask it.
- :func:`visible_pages` answers "which pages may this viewer read" as a SQL condition on
  :class:`~wiki.models.Page`: every list adds it to its query (All pages, Recent changes,
  Contributions, and through :func:`readable_pages` search results and title suggestions),
  so no list filters rows in Python by a rule of its own.

The table says which actions each audience may take on pages in each state. A page's
state is read by :class:`PageState` from what :class:`PageLike` exposes (an ORM page, a
list row or a summary: anything with a ``deleted`` attribute), and the same state has a SQL
clause over ``Page``, so the two answers cannot drift apart. Today: deleted pages are
visible to admins only (they alone can undelete them), nobody edits or renames a deleted
page, and visitors who are not logged in (or whose account is disabled) may read live
pages only when ``ANONYMOUS_READ`` is on. Grants for spaces and groups are added here, as
new audiences and page states, and every list follows.

Of the wiki it imports models only: everything that shows pages asks this module.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, cast

from flask import current_app
from sqlalchemy import ColumnElement, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from wiki.models import Page, Role


class Action(enum.StrEnum):
    READ = "read"
    CREATE = "create"
    EDIT = "edit"
    RENAME = "rename"
    DELETE = "delete"
    UNDELETE = "undelete"
    RESTORE = "restore"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"  # the audit log of admin actions (/-/admin/audit)
    MANAGE_SEARCH = "manage_search"  # the search synonyms (/-/admin/search)
    MANAGE_SPACES = "manage_spaces"  # create spaces (/-/spaces/new)
    VIEW_GROUPS = "view_groups"  # the groups and their members (/-/groups): signed-in only
    MANAGE_GROUPS = "manage_groups"  # create, rename, delete any group; manage any members
    OWN_ACCOUNT = "own_account"  # one's own settings: name, e-mail, time zone, password


class PageLike(Protocol):
    """What the rule reads of a page: ORM pages, list rows and summaries all qualify."""

    @property
    def deleted(self) -> bool: ...


class Viewer(Protocol):
    """Who asks: a signed-in user (which also has a ``role``) or flask-login's anonymous
    user."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...


class _Member(Viewer, Protocol):
    @property
    def role(self) -> Role: ...


class GroupRole(Protocol):
    """What the rule reads of a user's membership of a group (a GroupMember row)."""

    @property
    def is_manager(self) -> bool: ...


class Audience(enum.Enum):
    """Who a viewer counts as for the rule table."""

    NOBODY = "nobody"  # not logged in (or disabled) while anonymous reading is off
    VISITOR = "visitor"  # not logged in (or disabled) while anonymous reading is on
    READER = Role.READER.value
    EDITOR = Role.EDITOR.value
    ADMIN = Role.ADMIN.value


@dataclass(frozen=True)
class PageState:
    """A state a page can be in: how to tell it from a page, and the same test in SQL."""

    name: str
    holds: Callable[[PageLike], bool]
    clause: Callable[[], ColumnElement[bool]]


LIVE = PageState("live", lambda page: not page.deleted, lambda: Page.deleted.is_(False))
DELETED = PageState("deleted", lambda page: page.deleted, lambda: Page.deleted.is_(True))
_STATES = (LIVE, DELETED)  # every page is in exactly one of them
SITE = "site"  # not a page: "may this viewer do this at all" (menus, new pages, admin)

_ACTIONS = frozenset(Action)
_READING = frozenset({Action.READ})
_WRITING = _READING | {Action.CREATE, Action.EDIT, Action.RENAME}
_SIGNED_IN = frozenset({Action.VIEW_GROUPS})  # who is in which group is for staff only
_MANAGING = _ACTIONS - {Action.UNDELETE}  # undeleting needs a deleted page
_OWN = frozenset({Action.OWN_ACCOUNT})  # every signed-in, active account

# Who may do what, on the wiki as a whole (SITE) and on pages in each state.
_GRANTS: dict[Audience, dict[PageState | str, frozenset[Action]]] = {
    Audience.NOBODY: {},
    Audience.VISITOR: {SITE: _READING, LIVE: _READING},
    Audience.READER: {SITE: _READING | _SIGNED_IN | _OWN, LIVE: _READING},
    Audience.EDITOR: {SITE: _WRITING | _SIGNED_IN | _OWN, LIVE: _WRITING},
    Audience.ADMIN: {
        SITE: _MANAGING,
        LIVE: _MANAGING,
        DELETED: frozenset({Action.READ, Action.UNDELETE}),
    },
}
_NOTHING: frozenset[Action] = frozenset()
_MEMBERS = {Role.READER: Audience.READER, Role.EDITOR: Audience.EDITOR, Role.ADMIN: Audience.ADMIN}


def audience(user: Viewer) -> Audience:
    """Who ``user`` counts as. Reads ``ANONYMOUS_READ`` from the current app for visitors
    (so it needs an app context for them); raises nothing else."""
    if user.is_authenticated and user.is_active:
        return _MEMBERS[cast(_Member, user).role]
    return Audience.VISITOR if current_app.config["ANONYMOUS_READ"] else Audience.NOBODY


def _state_of(page: PageLike) -> PageState:
    for state in _STATES:
        if state.holds(page):
            return state
    raise AssertionError("every page is in one of the states")


def can(user: Viewer, action: Action | str, page: PageLike | None = None) -> bool:
    """Whether ``user`` (a User, a SignedInUser or flask-login's anonymous user) may do
    ``action`` on ``page``, or on the wiki as a whole when ``page`` is None.

    Raises ValueError for an unknown action.
    """
    # Plain string comparisons: StrEnum members equal their values, and this runs several
    # times for every page shown.
    if action not in _ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    where: PageState | str = SITE if page is None else _state_of(page)
    return action in _GRANTS[audience(user)].get(where, _NOTHING)


def visible_pages(user: Viewer) -> ColumnElement[bool]:
    """A SQL condition on :class:`~wiki.models.Page`: the pages ``user`` may read.

    True for a page exactly when ``can(user, Action.READ, page)`` is. Lists add it to
    their query (joined to ``Page``). Raises nothing.
    """
    grants = _GRANTS[audience(user)]
    readable = [state for state in _STATES if Action.READ in grants.get(state, _NOTHING)]
    if len(readable) == len(_STATES):
        return true()
    if not readable:
        return false()
    return or_(*(state.clause() for state in readable))


def readable_pages(session: Session, user: Viewer) -> Callable[[int], bool]:
    """A check of page ids, for lists that hold only ids (search results, title
    suggestions), built on :func:`visible_pages`.

    The pages ``user`` may not read are looked up once (they are few: pages are never
    removed, and most are readable), with the newest page id: a page newer than that
    lookup is refused until the next one, so the check fails closed. Database errors
    propagate.
    """
    newest = session.scalar(select(func.max(Page.id))) or 0
    hidden = frozenset(session.scalars(select(Page.id).where(not_(visible_pages(user)))))

    def allowed(page_id: int) -> bool:
        return page_id <= newest and page_id not in hidden

    return allowed


def can_manage_group(user: Viewer, membership: GroupRole | None) -> bool:
    """Whether ``user`` may add and remove members of a group and name its managers, given
    ``user``'s own membership of that group (None: not a member). Admins may for every
    group, a group's managers for theirs. Raises nothing (needs an app context for
    visitors, like :func:`audience`)."""
    if can(user, Action.MANAGE_GROUPS):
        return True
    signed_in = user.is_authenticated and user.is_active
    return signed_in and membership is not None and membership.is_manager


def can_leave_group_without_managers(user: Viewer) -> bool:
    """Whether ``user`` may remove a group's last manager (or their last manager role):
    only admins, who can always name new managers. Raises nothing."""
    return can(user, Action.MANAGE_GROUPS)
