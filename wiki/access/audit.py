"""The audit log: an append-only record of every admin action (and of page renames).

:func:`record` is called by the services that do the actions (:mod:`wiki.access.accounts`,
:mod:`wiki.content.pages`) inside the action's own transaction, so an action and its event are
committed or rolled back together, and an action that fails records nothing. Nothing in
the application updates or deletes an event, and the database refuses it too (triggers
made by migration 0003).

:func:`events` lists events newest first, filtered and keyset-paginated, for admins.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from wiki.errors import InvalidInput
from wiki.models import AuditEvent, Group, Invite, Page, User, utcnow
from wiki.pagination import Window, newest_first
from wiki.textsafety import isolate

# Who acted when no account did: the operator's command line (``wiki set-role`` ...).
COMMAND_LINE = "command line"
MAX_FILTER_CHARS = 200
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class AuditAction(enum.StrEnum):
    USER_CREATE = "user.create"
    USER_ROLE = "user.role"
    USER_DISABLE = "user.disable"
    USER_ENABLE = "user.enable"
    USER_PASSWORD = "user.password"
    USER_PROFILE = "user.profile"
    USER_FEED_TOKEN = "user.feed_token"
    USER_FEED_TOKEN_REVOKE = "user.feed_token_revoke"
    INVITE_CREATE = "invite.create"
    INVITE_REVOKE = "invite.revoke"
    INVITE_USE = "invite.use"
    PAGE_RENAME = "page.rename"
    PAGE_DELETE = "page.delete"
    PAGE_UNDELETE = "page.undelete"
    PAGE_RESTORE = "page.restore"
    SEARCH_SYNONYMS = "search.synonyms"
    SPACE_CREATE = "space.create"
    SPACE_UPDATE = "space.update"
    GROUP_CREATE = "group.create"
    GROUP_RENAME = "group.rename"
    GROUP_DESCRIBE = "group.describe"
    GROUP_DELETE = "group.delete"
    GROUP_MEMBERS_ADD = "group.members_add"
    GROUP_MEMBERS_REMOVE = "group.members_remove"
    GROUP_MANAGER = "group.manager"
    SPACE_GRANT = "space.grant"
    SPACE_SUBSCRIPTION = "space.subscription"
    PAGE_RESTRICT = "page.restrict"
    PAGE_MOVE = "page.move"
    PAGE_OWNERSHIP = "page.ownership"
    FILE_DELETE = "file.delete"
    FILE_UNDELETE = "file.undelete"
    FILE_RESTORE = "file.restore"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    AuditAction.USER_CREATE: "account created",
    AuditAction.USER_ROLE: "role changed",
    AuditAction.USER_DISABLE: "account disabled",
    AuditAction.USER_ENABLE: "account enabled",
    AuditAction.USER_PASSWORD: "password set",
    AuditAction.USER_PROFILE: "profile changed",
    AuditAction.USER_FEED_TOKEN: "feed token made",
    AuditAction.USER_FEED_TOKEN_REVOKE: "feed token revoked",
    AuditAction.INVITE_CREATE: "invite created",
    AuditAction.INVITE_REVOKE: "invite revoked",
    AuditAction.INVITE_USE: "invite used",
    AuditAction.PAGE_RENAME: "page renamed",
    AuditAction.PAGE_DELETE: "page deleted",
    AuditAction.PAGE_UNDELETE: "page undeleted",
    AuditAction.PAGE_RESTORE: "revision restored",
    AuditAction.SEARCH_SYNONYMS: "search synonyms changed",
    AuditAction.SPACE_CREATE: "space created",
    AuditAction.SPACE_UPDATE: "space settings changed",
    AuditAction.GROUP_CREATE: "group created",
    AuditAction.GROUP_RENAME: "group renamed",
    AuditAction.GROUP_DESCRIBE: "group description changed",
    AuditAction.GROUP_DELETE: "group deleted",
    AuditAction.GROUP_MEMBERS_ADD: "group members added",
    AuditAction.GROUP_MEMBERS_REMOVE: "group members removed",
    AuditAction.GROUP_MANAGER: "group manager changed",
    AuditAction.SPACE_GRANT: "space access changed",
    AuditAction.SPACE_SUBSCRIPTION: "group subscription to a space changed",
    AuditAction.PAGE_RESTRICT: "page restrictions changed",
    AuditAction.PAGE_MOVE: "page moved",
    AuditAction.PAGE_OWNERSHIP: "page owner or review changed",
    AuditAction.FILE_DELETE: "file deleted",
    AuditAction.FILE_UNDELETE: "file undeleted",
    AuditAction.FILE_RESTORE: "file version restored",
}
_ACTIONS = frozenset(AuditAction)

ACCESS_ACTIONS = frozenset(
    {
        AuditAction.USER_ROLE,
        AuditAction.USER_DISABLE,
        AuditAction.USER_ENABLE,
        # Grants to groups decide who reads what, so joining or leaving one changes access.
        AuditAction.GROUP_MEMBERS_ADD,
        AuditAction.GROUP_MEMBERS_REMOVE,
        AuditAction.GROUP_DELETE,
        AuditAction.SPACE_CREATE,  # a new space comes with its grants
        AuditAction.SPACE_GRANT,
        AuditAction.PAGE_RESTRICT,
        AuditAction.PAGE_MOVE,  # a moved subtree changes space, restrictions, or both
    }
)
"""The actions that change who may read or do what. Contract: every change to access
(a role, an account's state, grants, restrictions, memberships and moves) is
recorded with one of these actions in the same transaction. The newest such event is the
*access generation*: cached page views (:mod:`wiki.content.view_state`) are served only
while it is unchanged, on every worker and host, so a new kind of access change must be
added here or caches would keep serving the old access."""


# --- recording ------------------------------------------------------------------------


def record(
    session: Session,
    actor: User | None,
    action: AuditAction,
    subject: User | Page | Group | Invite | None,
    details: dict | None = None,
    *,
    target: str | None = None,
) -> AuditEvent:
    """Add an event to the caller's transaction (the caller commits with its action).

    ``actor`` None means the command line. ``subject`` is the account, page, group or
    invite (named by its e-mail address) acted on (flushed, so it has an id), or None for a
    wiki-wide setting, named by ``target``;
    ``target`` overrides a subject's name as shown (a page's title before a rename).
    ``details`` must be JSON-serialisable. Raises ValueError for an unknown action or a
    setting without a ``target``.
    """
    action = AuditAction(action)
    if subject is None:
        if not target:
            raise ValueError("a setting's event needs a target")
        target_type, name, page_id = "setting", target, None
    elif isinstance(subject, User):
        target_type, name, page_id = "user", subject.username, None
    elif isinstance(subject, Group):
        # The key (the group's address) goes in the details: the name may change.
        target_type, name, page_id = "group", subject.name, None
        details = {"key": subject.key, **(details or {})}
    elif isinstance(subject, Invite):
        target_type, name, page_id = "invite", subject.email, None
    else:
        target_type, name, page_id = "page", subject.title, subject.id
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else COMMAND_LINE,
        action=action.value,
        target_type=target_type,
        target=target if target is not None else name,
        page_id=page_id,
        details=details or {},
    )
    session.add(event)
    return event


_SHOWN_GROUPS = 10  # the log is a table: the rest of a long change is in the event's details


def _describe_synonyms(details: dict) -> str:
    parts = []
    if details.get("reset"):
        parts.append("back to the built-in list")
    for key, sign in (("added", "+"), ("removed", "−")):
        groups = details.get(key)
        if isinstance(groups, list) and groups:
            shown = "; ".join(f"{sign} {group}" for group in groups[:_SHOWN_GROUPS])
            more = len(groups) - _SHOWN_GROUPS
            parts.append(
                f"{key} {len(groups)}: {shown}" + (f" … and {more} more" if more > 0 else "")
            )
    return "; ".join(parts)


def _describe_shift(details: dict) -> str:
    """ "; read: 2 gained, 5 lost" from an access change's counts."""
    gained, lost = details.get("gained"), details.get("lost")
    if not isinstance(gained, dict) or not isinstance(lost, dict):
        return ""
    parts = [
        f"{what}: {gained.get(what, 0)} gained, {lost.get(what, 0)} lost"
        for what in dict.fromkeys([*gained, *lost])
        if gained.get(what) or lost.get(what)
    ]
    return "; " + "; ".join(parts) if parts else ""


def _describe_names(label: str, names: object) -> str:
    if not isinstance(names, list):
        return label
    shown = ", ".join(str(name) for name in names[:_SHOWN_GROUPS])
    more = len(names) - _SHOWN_GROUPS
    return f"{label} {len(names)}: {shown}" + (f" … and {more} more" if more > 0 else "")


def _describe_place(place: object) -> str:
    """Where a moved page was or went: "under “Parent” in key", "at the top of key"."""
    if not isinstance(place, dict):
        return "?"
    space, parent = place.get("space", "?"), place.get("parent")
    if parent:
        return f"under “{isolate(str(parent))}” in {space}"
    return f"at the top of {space}"


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """The filters of the audit log, as typed (cleaned of control characters).

    ``date_from`` and ``date_to`` are ISO dates (yyyy-mm-dd, UTC days, both included);
    they are checked by :func:`events`.
    """

    actor: str = ""
    action: str = ""
    target: str = ""
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditQuery:
        """The filters from query arguments ``actor``, ``action``, ``target``, ``from``, ``to``."""
        return cls(
            actor=_clean(args.get("actor")),
            action=_clean(args.get("action")),
            target=_clean(args.get("target")),
            date_from=_clean(args.get("from")),
            date_to=_clean(args.get("to")),
        )

    def as_args(self) -> dict[str, str]:
        """The filters in use, as query arguments (for links to other pages of the list)."""
        args = {
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "from": self.date_from,
            "to": self.date_to,
        }
        return {name: value for name, value in args.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


def _clean(value: str | None) -> str:
    if not value:
        return ""
    return " ".join(_NOT_TEXT.sub(" ", value[: MAX_FILTER_CHARS * 2]).split())[:MAX_FILTER_CHARS]


def _parse_date(value: str, field: str, label: str) -> date | None:
    if not value:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            {
                field: f"{label} date “{value}” is not a date: write it as yyyy-mm-dd, e.g. 2024-03-31."
            }
        ) from None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(session: Session, query: AuditQuery) -> list:
    """SQL conditions for ``query``; raises InvalidInput for a bad date or unknown action."""
    errors: dict[str, str] = {}
    conditions = []
    start = end = None
    try:
        start = _parse_date(query.date_from, "from", "The start")
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        end = _parse_date(query.date_to, "to", "The end")
    except InvalidInput as exc:
        errors.update(exc.errors)
    if start is not None and end is not None and start > end:
        errors["to"] = "The end date is before the start date."
    if query.action and query.action not in _ACTIONS:
        errors["action"] = f"There is no action called “{query.action}”."
    if errors:
        raise InvalidInput(errors)
    if start is not None:
        conditions.append(AuditEvent.occurred_at >= datetime.combine(start, time.min, UTC))
    if end is not None and end < date.max:
        after_end = datetime.combine(end + timedelta(days=1), time.min, UTC)
        conditions.append(AuditEvent.occurred_at < after_end)
    if query.action:
        conditions.append(AuditEvent.action == query.action)
    if query.actor:
        # Accounts are found by their (case-insensitive) name, so the actor_id index
        # serves; "command line" and other names without an account by the stored name.
        user_id = session.scalar(select(User.id).where(User.username_key == query.actor.casefold()))
        if user_id is not None:
            conditions.append(AuditEvent.actor_id == user_id)
        else:
            conditions.append(func.lower(AuditEvent.actor_name) == query.actor.lower())
    if query.target:
        pattern = f"%{_escape_like(query.target)}%"
        # The name at the time of the event, or the page's current title or address.
        pages_now = select(Page.id).where(
            or_(Page.title.ilike(pattern, escape="\\"), Page.slug.ilike(pattern, escape="\\"))
        )
        conditions.append(
            or_(AuditEvent.target.ilike(pattern, escape="\\"), AuditEvent.page_id.in_(pages_now))
        )
    return conditions


def events(
    session: Session,
    query: AuditQuery,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Window[AuditEvent]:
    """Events matching ``query``, newest first, one window of at most ``limit``.

    Cursors (``before``/``after``) are event ids. Returns a :class:`wiki.pagination.Window`.
    Raises InvalidInput (keyed by the argument: ``from``, ``to``, ``action``) for a date
    that is not yyyy-mm-dd, a range that ends before it starts, or an unknown action.
    """
    statement = select(AuditEvent).options(joinedload(AuditEvent.page))
    for condition in _conditions(session, query):
        statement = statement.where(condition)
    return newest_first(session, statement, AuditEvent.id, before=before, after=after, limit=limit)


def _describe_changes(details: dict, empty: str = "") -> str:
    """``{"field": {"from": a, "to": b}, ...}`` as "field “a” → “b”; ...", values isolated."""
    return "; ".join(
        f"{field.replace('_', ' ')} “{isolate(str(change.get('from') or empty))}” → "
        f"“{isolate(str(change.get('to') or empty))}”"
        for field, change in details.items()
        if isinstance(change, dict)
    )


def describe(event: AuditEvent) -> str:
    """The event's details in words, e.g. "role editor → admin" (plain text, not HTML).

    Titles and summaries in it are between bidi isolates, so that a right-to-left override
    in one cannot reorder the words around it. Raises nothing.
    """
    details = event.details if isinstance(event.details, dict) else {}
    get = details.get
    match event.action:
        case AuditAction.USER_CREATE:
            return f"with role {get('role')}" if get("role") else ""
        case AuditAction.USER_ROLE:
            return f"role {get('from', '?')} → {get('to', '?')}"
        case AuditAction.USER_PASSWORD:
            if get("own"):
                return "changed their own password; their other sessions were ended"
            return "new password set; the user's sessions were ended"
        case AuditAction.USER_FEED_TOKEN:
            if get("replaced"):
                return "a new feed token; the old one no longer works"
            return "a feed token for their personal feed addresses"
        case AuditAction.USER_FEED_TOKEN_REVOKE:
            return "their feed addresses no longer work"
        case AuditAction.USER_PROFILE:
            return "; ".join(
                f"{field.replace('_', ' ')} “{change.get('from') or ''}” → “{change.get('to') or ''}”"
                for field, change in details.items()
                if isinstance(change, dict)
            )
        case AuditAction.SPACE_UPDATE:
            return _describe_changes(details)
        case AuditAction.INVITE_CREATE:
            text = f"invite #{get('invite', '?')} with role {get('role', '?')}"
            groups = get("groups")
            if isinstance(groups, list) and groups:
                text += f", groups {', '.join(map(str, groups))}"
            return text + f", expires {get('expires', '?')}"
        case AuditAction.INVITE_REVOKE:
            return f"invite #{get('invite', '?')} revoked"
        case AuditAction.INVITE_USE:
            return f"invite #{get('invite', '?')} used by the new account {get('username', '?')}"
        case AuditAction.USER_DISABLE:
            return "account disabled; the user's sessions were ended"
        case AuditAction.USER_ENABLE:
            return "account enabled"
        case AuditAction.PAGE_RENAME:
            text = f"renamed “{isolate(get('from', '?'))}” → “{isolate(get('to', '?'))}”"
        case AuditAction.PAGE_DELETE:
            text = "deleted"
        case AuditAction.PAGE_UNDELETE:
            text = "undeleted"
        case AuditAction.PAGE_RESTORE:
            text = f"restored revision {get('restored', '?')}"
            if get("author"):
                text += f" (by {isolate(str(get('author')))})"
        case AuditAction.PAGE_MOVE:
            pages = get("pages", 1)
            text = f"from {_describe_place(get('from'))} to {_describe_place(get('to'))}, "
            text += f"{pages} page{'' if pages == 1 else 's'}"
            return text + _describe_shift(details)
        case AuditAction.PAGE_OWNERSHIP:
            return _describe_changes(details, empty="none")
        case AuditAction.FILE_DELETE | AuditAction.FILE_UNDELETE:
            verb = "deleted" if event.action == AuditAction.FILE_DELETE else "undeleted"
            return f"file “{isolate(get('file', '?'))}” {verb}"
        case AuditAction.FILE_RESTORE:
            return f"file “{isolate(get('file', '?'))}”: version {get('version', '?')} restored"
        case AuditAction.SEARCH_SYNONYMS:
            return _describe_synonyms(details)
        case AuditAction.GROUP_CREATE:
            return f"group {get('key', '?')} created"
        case AuditAction.GROUP_RENAME:
            return f"renamed “{get('from', '?')}” → “{get('to', '?')}”"
        case AuditAction.GROUP_DESCRIBE:
            return f"description “{get('from', '')}” → “{get('to', '')}”"
        case AuditAction.GROUP_DELETE:
            return _describe_names("deleted; members who lost the group", get("members"))
        case AuditAction.GROUP_MEMBERS_ADD | AuditAction.GROUP_MEMBERS_REMOVE:
            verb = "added" if event.action == AuditAction.GROUP_MEMBERS_ADD else "removed"
            text = _describe_names(verb, get("users"))
            return f"{text}; members {get('before', '?')} → {get('after', '?')}"
        case AuditAction.GROUP_MANAGER:
            return f"{get('user', '?')}: {get('from', '?')} → {get('to', '?')}"
        case AuditAction.SPACE_GRANT:
            return (
                f"{isolate(str(get('subject', '?')))} in {get('space', '?')}: "
                f"{get('before', '?')} → {get('after', '?')}{_describe_shift(details)}"
            )
        case AuditAction.SPACE_SUBSCRIPTION:
            return f"space {get('space', '?')}: mail {get('before', '?')} → {get('after', '?')}"
        case AuditAction.PAGE_RESTRICT:
            before = ", ".join(map(str, get("before") or []))
            after = ", ".join(map(str, get("after") or []))
            return (
                f"{get('kind', '?')}ing limited to: "
                f"{isolate(before) if before else 'nobody named'} → "
                f"{isolate(after) if after else 'lifted'}"
                f"{_describe_shift(details)}"
            )
        case _:
            return ", ".join(f"{key}: {value}" for key, value in details.items())
    if get("revision") is not None:
        text += f" as revision {get('revision')}"
    if get("summary"):
        text += f" (“{isolate(get('summary'))}”)"
    if get("reason"):  # a restore's
        text += f"; reason: “{isolate(str(get('reason')))}”"
    return text
