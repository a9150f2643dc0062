"""The one place that decides who may do what, and which pages anyone may see.

Two questions, one model:

- :func:`can` answers for one action, on one page or on the wiki as a whole: the views,
  the templates and single-page services ask it.
- :func:`visible_pages` answers "which pages may this viewer read" as a SQL condition on
  :class:`~wiki.models.Page`: every list adds it to its query (All pages, Recent changes,
  Contributions, spaces, wiki-link colouring), so no list filters rows by a rule of its own.
- :func:`readable_pages` checks page ids with the rule of :func:`can`, for the lists that
  hold only ids (search results and title suggestions).

The model. A person's site role (reader, editor, admin) is the ceiling of what they may do
anywhere; site admins may do everything. Each space grants read, edit or admin to groups,
single accounts, every signed-in account or visitors (:mod:`wiki.access.grants`); a
person holds the highest level any of those gives them, capped by their role (readers
and visitors only read). A page may narrow reading or editing of itself and its subtree to
some groups or people (:mod:`wiki.access.restrictions`); restrictions never widen, and
nest (inside two restricted subtrees, a person must pass both). A space's admins pass
every restriction of their space, see its deleted pages and may undelete them; nobody
else sees a deleted page. :mod:`wiki.access.reach` works out, per viewer, the spaces and
restricted subtrees they reach; both answers here are read off that one :class:`Reach`,
and the property tests prove they agree.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Protocol, cast

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, and_, false, inspect, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

from wiki.access.placements import Placement, current_placements
from wiki.access.reach import (
    EVERYTHING,
    NOTHING,
    Reach,
    Rules,
    load_rules,
    reach_for,
    subjects_of,
    work_out,
)
from wiki.db import get_session
from wiki.models import AccessLevel, GroupMember, Page, Role, Space, User


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
    MANAGE_ACCESS = "manage_access"  # a space's grants, a page's restrictions, "why can X"
    VIEW_STORAGE = "view_storage"  # what files take, in every space (/-/admin/storage)


class PageLike(Protocol):
    """What the rule reads of a page: ORM pages, list rows and summaries all qualify."""

    @property
    def deleted(self) -> bool: ...

    @property
    def space_id(self) -> int: ...

    @property
    def read_scope_id(self) -> int | None: ...

    @property
    def edit_scope_id(self) -> int | None: ...


class Viewer(Protocol):
    """Who asks: a signed-in user (which also has a ``role``) or flask-login's anonymous
    user."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...


class _Member(Viewer, Protocol):
    @property
    def id(self) -> int: ...

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
_SPACE_ADMIN = _WRITING | {Action.DELETE, Action.RESTORE, Action.MANAGE_ACCESS}
_UNDELETING = frozenset({Action.READ, Action.UNDELETE})

# What each audience may do on the wiki as a whole (SITE); on pages, what a space's grant
# gives them (below), within what their role allows.
_SITE_GRANTS: dict[Audience, frozenset[Action]] = {
    Audience.NOBODY: frozenset(),
    Audience.VISITOR: _READING,
    Audience.READER: _READING | _SIGNED_IN | _OWN,
    Audience.EDITOR: _WRITING | _SIGNED_IN | _OWN,
    Audience.ADMIN: _MANAGING,
}
# What a grant of each level gives on the pages of its space, by page state.
_LEVEL_GRANTS: dict[AccessLevel, dict[PageState, frozenset[Action]]] = {
    AccessLevel.READ: {LIVE: _READING},
    AccessLevel.EDIT: {LIVE: _WRITING},
    AccessLevel.ADMIN: {LIVE: _SPACE_ADMIN, DELETED: _UNDELETING},
}
_EVERYTHING: dict[PageState, frozenset[Action]] = {LIVE: _MANAGING, DELETED: _UNDELETING}
_NOTHING: frozenset[Action] = frozenset()
_MEMBERS = {Role.READER: Audience.READER, Role.EDITOR: Audience.EDITOR, Role.ADMIN: Audience.ADMIN}
# The highest level a space's grant can give each audience: the role is the ceiling.
_CEILINGS = {
    Audience.VISITOR: AccessLevel.READ,
    Audience.READER: AccessLevel.READ,
    Audience.EDITOR: AccessLevel.ADMIN,
}


def audience(user: Viewer) -> Audience:
    """Who ``user`` counts as. Reads ``ANONYMOUS_READ`` from the current app for visitors
    (so it needs an app context for them); raises nothing else."""
    if user.is_authenticated and user.is_active:
        return _MEMBERS[cast(_Member, user).role]
    return Audience.VISITOR if current_app.config["ANONYMOUS_READ"] else Audience.NOBODY


def reach_of(user: Viewer, session: Session | None = None) -> Reach:
    """The spaces and restricted subtrees ``user`` reaches (see :mod:`wiki.access.reach`),
    read with ``session`` (default: the request's, or outside an app the one ``user``, an
    ORM account, belongs to). Raises RuntimeError when there is no session to read with;
    database errors propagate."""
    in_app = has_app_context()
    if session is None:
        # A service's account belongs to the service's session: read in its transaction
        # (a second session could wait on the first's write lock, and would miss its
        # uncommitted changes).
        state = inspect(user, raiseerr=False)
        session = state.session if state is not None else None
    if in_app:
        who = audience(user)
    elif user.is_authenticated and user.is_active:
        who = _MEMBERS[cast(_Member, user).role]
    else:  # outside an app there is no anonymous reading to fall back on
        who = Audience.NOBODY
    if who is Audience.ADMIN:
        return EVERYTHING
    if who is Audience.NOBODY:
        return NOTHING
    user_id = cast(_Member, user).id if who is not Audience.VISITOR else None
    if not in_app:  # a service used on its own (tests, scripts): nothing kept
        if session is None:
            raise RuntimeError("no database session to read the access rules with")
        group_ids = session.scalars(
            select(GroupMember.group_id).where(GroupMember.user_id == user_id)
        )
        subjects = subjects_of(user_id, list(group_ids), anonymous_read=False)
        return work_out(load_rules(session), subjects, _CEILINGS[who])
    anonymous_read = bool(current_app.config["ANONYMOUS_READ"])
    return reach_for(
        session if session is not None else get_session(),
        (user_id, who, anonymous_read),
        user_id,
        _CEILINGS[who],
        anonymous_read=anonymous_read,
    )


def reach_in(
    rules: Rules,
    role: Role,
    user_id: int,
    group_ids: Iterable[int],
    *,
    anonymous_read: bool,
    scopes: Collection[int] | None = None,
) -> Reach:
    """The reach an active account would have under ``rules`` (given, not loaded: for
    previews of a change and for explanations), for pages under ``scopes`` only when
    given (see :func:`~wiki.access.reach.work_out`). Pure; raises nothing."""
    who = _MEMBERS[role]
    if who is Audience.ADMIN:
        return EVERYTHING
    subjects = subjects_of(user_id, group_ids, anonymous_read=anonymous_read)
    return work_out(rules, subjects, _CEILINGS[who], scopes)


def _state_of(page: PageLike) -> PageState:
    for state in _STATES:
        if state.holds(page):
            return state
    raise AssertionError("every page is in one of the states")


def page_actions(reach: Reach, page: PageLike) -> frozenset[Action]:
    """What a viewer with ``reach`` may do on ``page``. Pure; raises nothing."""
    state = _state_of(page)
    if reach.everything:
        return _EVERYTHING.get(state, _NOTHING)
    level = reach.levels.get(page.space_id)
    if level is None:
        return _NOTHING
    if level is AccessLevel.ADMIN:  # a space's admins pass its restrictions
        return _LEVEL_GRANTS[level].get(state, _NOTHING)
    if state is not LIVE:
        return _NOTHING
    if page.read_scope_id is not None and page.read_scope_id not in reach.read_scopes:
        return _NOTHING
    if page.edit_scope_id is not None and page.edit_scope_id not in reach.edit_scopes:
        return _READING
    return _LEVEL_GRANTS[level][LIVE]


def can(user: Viewer, action: Action | str, page: PageLike | None = None) -> bool:
    """Whether ``user`` (a User, a SignedInUser or flask-login's anonymous user) may do
    ``action`` on ``page``, or on the wiki as a whole when ``page`` is None ("may they
    create pages at all" is whether some space lets them edit).

    Needs an app context. Raises ValueError for an unknown action; database errors
    propagate.
    """
    # Plain string comparisons: StrEnum members equal their values, and this runs several
    # times for every page shown.
    if action not in _ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if page is not None:
        return action in page_actions(reach_of(user), page)
    if action not in _SITE_GRANTS[audience(user)]:
        return False
    if action == Action.CREATE:
        reach = reach_of(user)
        return reach.everything or bool(reach.spaces_at(AccessLevel.EDIT))
    return True


def can_in_space(user: Viewer, action: Action | str, space_id: int) -> bool:
    """Whether ``user`` may do ``action`` in the space ``space_id`` as such: READ (see the
    space and its directory entry), CREATE (add pages at its top), MANAGE_ACCESS (its grants
    and its pages' restrictions). Raises ValueError for another action."""
    needed = {
        Action.READ: AccessLevel.READ,
        Action.CREATE: AccessLevel.EDIT,
        Action.MANAGE_ACCESS: AccessLevel.ADMIN,
    }.get(Action(action))
    if needed is None:
        raise ValueError(f"{action!r} is not an action on a space")
    reach = reach_of(user)
    return reach.everything or space_id in reach.spaces_at(needed)


def visible_spaces(user: Viewer) -> ColumnElement[bool]:
    """A SQL condition on :class:`~wiki.models.Space`: the spaces ``user`` may see (those
    granting them at least read). Raises nothing but database errors."""
    reach = reach_of(user)
    if reach.everything:
        return true()
    return _in(Space.id, frozenset(reach.levels))


def _in(column, values: frozenset[int]) -> ColumnElement[bool]:
    if not values:
        return false()
    return column.in_(sorted(values))


def visible_pages(user: Viewer, pages: type[Page] | None = None) -> ColumnElement[bool]:
    """A SQL condition on :class:`~wiki.models.Page`: the pages ``user`` may read.

    True for a page exactly when ``can(user, Action.READ, page)`` is (the property tests
    hold them to it). Lists add it to their query (joined to ``Page``); a query that joins
    pages twice (a link and the page it leads to) names the alias to test with ``pages``
    (an ``aliased(Page)``). Database errors propagate.
    """
    condition = pages_reached(reach_of(user))
    if pages is None:
        return condition
    return ClauseAdapter(inspect(pages).selectable).traverse(condition)


def pages_reached(reach: Reach) -> ColumnElement[bool]:
    """The SQL condition of the pages a viewer with ``reach`` may read."""
    if reach.everything:
        return true()
    admin_spaces = reach.spaces_at(AccessLevel.ADMIN)
    other_spaces = frozenset(reach.levels) - admin_spaces
    outside_restrictions: ColumnElement[bool] = Page.read_scope_id.is_(None)
    if reach.read_scopes:
        outside_restrictions = or_(outside_restrictions, _in(Page.read_scope_id, reach.read_scopes))
    # "space_id + 0": a test the planner cannot answer from the (space, sort key) index, so
    # that lists keep walking their own order's index and stop after a window, instead of
    # collecting every readable page of the granted spaces and sorting them all (10x
    # slower at 10,000 pages). Lists of one space still name their space plainly.
    space = Page.space_id + 0
    readable = and_(LIVE.clause(), _in(space, other_spaces), outside_restrictions)
    if not admin_spaces:
        return readable if other_spaces else false()
    return or_(_in(space, admin_spaces), readable)


def readable_pages(session: Session, user: Viewer) -> Callable[[int], bool]:
    """A check of page ids, for lists that hold only ids (search results, title
    suggestions): the pages ``user`` may read, decided by :func:`page_actions` (the rule of
    :func:`can`) once per place a page can be in (:mod:`wiki.access.placements`).

    A page id unknown when the check was made (a page created since) is refused: the check
    fails closed. Needs an app context for visitors, like :func:`can`; database errors
    propagate.
    """
    reach = reach_of(user, session)
    placements = current_placements(session)
    verdicts: dict[Placement, bool] = {}

    def allowed(page_id: int) -> bool:
        place = placements.get(page_id)
        if place is None:
            return False
        verdict = verdicts.get(place)
        if verdict is None:
            verdict = verdicts[place] = Action.READ in page_actions(reach, place)
        return verdict

    return allowed


def readers_among(session: Session, user_ids: Collection[int], page: PageLike) -> frozenset[int]:
    """Of the accounts ``user_ids``, those that may read ``page`` now (by the rule of
    :func:`can`): what notifications, mail and feeds are decided by at the moment they go
    out. Disabled and unknown accounts are left out. One query for the accounts and one
    for their groups, whatever their number, plus the rules. Raises nothing but database
    errors."""
    if not user_ids:
        return frozenset()
    wanted = list(set(user_ids))
    roles: dict[int, Role] = {
        user_id: role
        for user_id, role in session.execute(
            select(User.id, User.role).where(User.id.in_(wanted), User.disabled.is_(False))
        )
    }
    if not roles:
        return frozenset()
    groups: dict[int, list[int]] = {}
    for user_id, group_id in session.execute(
        select(GroupMember.user_id, GroupMember.group_id).where(
            GroupMember.user_id.in_(list(roles))
        )
    ):
        groups.setdefault(user_id, []).append(group_id)
    rules = load_rules(session)
    scopes = [scope for scope in (page.read_scope_id,) if scope is not None]
    anonymous_read = bool(current_app.config["ANONYMOUS_READ"]) if has_app_context() else False
    readers = set()
    for user_id, role in roles.items():
        who = _MEMBERS[Role(role)]
        if who is Audience.ADMIN:
            reach = EVERYTHING
        else:
            subjects = subjects_of(user_id, groups.get(user_id, ()), anonymous_read=anonymous_read)
            reach = work_out(rules, subjects, _CEILINGS[who], scopes)
        if Action.READ in page_actions(reach, page):
            readers.add(user_id)
    return frozenset(readers)


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
