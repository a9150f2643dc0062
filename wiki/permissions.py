"""The one place that decides who may do what.

Every view and template asks :func:`can`; group or space permissions are added here later.
"""

from __future__ import annotations

import enum

from flask import current_app

from .models import Page, Role


class Action(enum.StrEnum):
    READ = "read"
    CREATE = "create"
    EDIT = "edit"
    RENAME = "rename"
    DELETE = "delete"
    UNDELETE = "undelete"
    RESTORE = "restore"
    MANAGE_USERS = "manage_users"


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
    action = Action(action)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return action is Action.READ and current_app.config["ANONYMOUS_READ"] and not (
            page is not None and page.deleted
        )
    allowed = action in _ROLE_ACTIONS[user.role]
    if page is not None and page.deleted:
        if action is Action.UNDELETE or (action is Action.READ and user.role is Role.ADMIN):
            return allowed
        return False
    if action is Action.UNDELETE:
        return False  # nothing to undelete
    return allowed
