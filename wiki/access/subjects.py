"""Who a grant or a restriction names: a group, one account, every signed-in account or
visitors, stored as a short string (``group:12``, ``user:5``, ``signed_in``, ``anonymous``)
and shown by name.

Forms take group keys and usernames as typed; :func:`parse_groups` and
:func:`parse_people` turn them into subjects, naming every unknown one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.access.reach import group_subject, user_subject
from wiki.errors import InvalidInput
from wiki.models import ANONYMOUS, SIGNED_IN, Group, User

MAX_NAMES = 100
_SEPARATORS = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class Subject:
    """A subject and how to show it."""

    key: str  # as stored
    label: str  # "group Sales", "alice (Alice Smith)", "every signed-in user", "visitors"
    kind: str  # "group", "user", "signed_in" or "anonymous"
    name: str  # the group's key or the username; empty for the other two


def _names(text: str) -> list[str]:
    names: dict[str, str] = {}
    for name in _SEPARATORS.split(text.strip()):
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


def parse_groups(session: Session, text: str, field: str = "groups") -> list[Group]:
    """The groups whose keys (or names, ignoring case) ``text`` lists, separated by commas
    or spaces. Raises InvalidInput keyed ``field`` naming every unknown one, or for too
    many."""
    names = _names(text)
    if len(names) > MAX_NAMES:
        raise InvalidInput({field: f"Name at most {MAX_NAMES} groups at a time."})
    groups = list(session.scalars(select(Group)))
    by_key = {group.key: group for group in groups}
    by_name = {group.name.casefold(): group for group in groups}
    found: list[Group] = []
    unknown: list[str] = []
    for name in names:
        group = by_key.get(name.casefold()) or by_name.get(name.casefold())
        if group is not None:
            found.append(group)
        else:
            unknown.append(name)
    if unknown:
        raise InvalidInput(
            {field: " ".join(f"There is no group called “{name[:80]}”." for name in unknown)}
        )
    return found


def parse_people(session: Session, text: str, field: str = "people") -> list[User]:
    """The accounts whose usernames ``text`` lists. Raises InvalidInput keyed ``field``
    naming every unknown one, or for too many."""
    names = _names(text)
    if len(names) > MAX_NAMES:
        raise InvalidInput({field: f"Name at most {MAX_NAMES} people at a time."})
    keys = [name.casefold() for name in names]
    found = {
        user.username_key: user
        for user in session.scalars(select(User).where(User.username_key.in_(set(keys))))
    }
    unknown = [name for name, key in zip(names, keys, strict=True) if key not in found]
    if unknown:
        raise InvalidInput(
            {field: " ".join(f"There is no account called “{name[:80]}”." for name in unknown)}
        )
    return [found[key] for key in keys]


def subjects_for(groups: Iterable[Group], people: Iterable[User]) -> list[str]:
    """The stored subjects of ``groups`` and ``people``, in order, each once."""
    keys = [group_subject(group.id) for group in groups] + [
        user_subject(user.id) for user in people
    ]
    return list(dict.fromkeys(keys))


def describe(session: Session, keys: Iterable[str]) -> dict[str, Subject]:
    """Each stored subject in ``keys`` by name (two queries at most). A subject whose group
    or account is gone is shown as such. Raises nothing but database errors."""
    keys = list(keys)
    group_ids = {int(key[6:]) for key in keys if key.startswith("group:")}
    user_ids = {int(key[5:]) for key in keys if key.startswith("user:")}
    groups = (
        {g.id: g for g in session.scalars(select(Group).where(Group.id.in_(group_ids)))}
        if group_ids
        else {}
    )
    users = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    described = {}
    for key in keys:
        if key == SIGNED_IN:
            described[key] = Subject(key, "every signed-in user", "signed_in", "")
        elif key == ANONYMOUS:
            described[key] = Subject(key, "visitors who are not signed in", "anonymous", "")
        elif key.startswith("deleted-group:"):
            described[key] = Subject(key, "a deleted group", "group", "")
        elif key.startswith("group:"):
            group = groups.get(int(key[6:]))
            described[key] = Subject(
                key,
                f"group {group.name}" if group else "a deleted group",
                "group",
                group.key if group else "",
            )
        else:
            user = users.get(int(key[5:]))
            label = "a removed account"
            if user is not None:
                label = user.username + (f" ({user.display_name})" if user.display_name else "")
            described[key] = Subject(key, label, "user", user.username if user else "")
    return described
