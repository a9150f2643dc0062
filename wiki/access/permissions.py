"""The one place that decides who may do what.

Every view and template asks :func:`can`; group or space permissions are added here later.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from flask import current_app

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


_ACTIONS = frozenset(Action)
_ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.READER: frozenset({Action.READ}),
    Role.EDITOR: frozenset({Action.READ, Action.CREATE, Action.EDIT, Action.RENAME}),
    Role.ADMIN: frozenset(Action),
}


def can(user, action: Action | str, page: Page | None = None) -> bool:
    """Whether ``user`` (a User or flask-login's anonymous user) may do ``action`` on ``page``.

    Deleted pages are visible to admins only (they alone can undelete them), and nobody
    edits or renames a deleted page.
    """
    # Plain string comparisons: StrEnum members equal their values, and this runs several
    # times for every page shown.
    if action not in _ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not user.is_authenticated or not user.is_active:
        return (
            action == Action.READ
            and current_app.config["ANONYMOUS_READ"]
            and not (page is not None and page.deleted)
        )
    allowed = action in _ROLE_ACTIONS[user.role]
    if page is not None and page.deleted:
        if action == Action.UNDELETE or (action == Action.READ and user.role == Role.ADMIN):
            return allowed
        return False
    if action == Action.UNDELETE:
        return False  # nothing to undelete
    return allowed


def readable_pages(session, user) -> Callable[[int], bool]:
    """A check of page ids for lists that hold only ids (search results), built on
    :func:`can`. Deleted pages stay hidden, also in the moment before the search index
    hears of a deletion."""
    from sqlalchemy import select

    from wiki.content.reading import PageSummary

    deleted = set(session.scalars(select(Page.id).where(Page.deleted.is_(True))))

    def allowed(page_id: int) -> bool:
        return can(user, Action.READ, PageSummary(page_id, "", "", page_id in deleted, 0))

    return allowed
