"""Why a person can or cannot do something on a page, in words: the rule chain from their
account and role through the space's grants to the restrictions above the page.

The verdict is the permission module's own (``page_actions`` on the person's reach), so an
explanation never disagrees with what the wiki does; the steps say which rules decided it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.access.permissions import Action, page_actions, reach_in
from wiki.access.reach import RANK, Rules, group_subject, load_rules, user_subject
from wiki.access.restrictions import restrictions_of
from wiki.access.subjects import describe
from wiki.models import ANONYMOUS, SIGNED_IN, AccessLevel, GroupMember, Page, Role, Space, User

EXPLAINED_ACTIONS = (Action.READ, Action.EDIT, Action.DELETE, Action.MANAGE_ACCESS)
ACTION_WORDS = {
    Action.READ: "read",
    Action.EDIT: "edit",
    Action.DELETE: "delete",
    Action.MANAGE_ACCESS: "change the access to",
}
_ROLE_WORDS = {
    Role.READER: "a reader: readers only read, whatever a space grants them",
    Role.EDITOR: "an editor: a space may let editors read, edit or administer it",
    Role.ADMIN: "a site admin: site admins may do everything, everywhere",
}


@dataclass(frozen=True)
class Explanation:
    user: User
    action: Action
    allowed: bool
    steps: tuple[str, ...]


def explain(session: Session, user: User, action: Action, page: Page) -> Explanation:
    """Whether ``user`` may do ``action`` on ``page``, and the rules that decide it. Raises
    nothing but database errors."""
    rules = load_rules(session)
    name = user.username
    if user.disabled:
        return Explanation(
            user, action, False, (f"{name}'s account is disabled: it can do nothing.",)
        )
    group_ids = frozenset(
        session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user.id))
    )
    anonymous_read = bool(current_app.config["ANONYMOUS_READ"]) if has_app_context() else False
    reach = reach_in(rules, user.role, user.id, group_ids, anonymous_read=anonymous_read)
    allowed = action in page_actions(reach, page)
    steps = [f"{name} is {_ROLE_WORDS[user.role]}."]
    if reach.everything:
        if page.deleted and action not in (Action.READ, Action.UNDELETE):
            steps.append("The page is deleted: it can only be read and undeleted.")
        return Explanation(user, action, allowed, tuple(steps))
    space = session.get(Space, page.space_id)
    space_name = space.name if space is not None else "this space"
    steps += _grant_steps(
        session, rules, page.space_id, space_name, user, group_ids, anonymous_read
    )
    level = reach.levels.get(page.space_id)
    if level is None:
        steps.append(f"So {name} has no access to {space_name}, and none to its pages.")
        return Explanation(user, action, allowed, tuple(steps))
    steps.append(f"So {name} may {_level_words(level)} in {space_name}.")
    if level is AccessLevel.ADMIN:
        steps.append(f"As an admin of {space_name}, {name} passes every restriction in it.")
        if page.deleted:
            steps.append("The page is deleted: its space's admins may read and undelete it.")
        return Explanation(user, action, allowed, tuple(steps))
    if page.deleted:
        steps.append("The page is deleted: only admins of its space and site admins see it.")
        return Explanation(user, action, allowed, tuple(steps))
    steps += _restriction_steps(session, page, user, group_ids)
    return Explanation(user, action, allowed, tuple(steps))


def _level_words(level: AccessLevel) -> str:
    return {
        AccessLevel.READ: "read",
        AccessLevel.EDIT: "read and edit",
        AccessLevel.ADMIN: "administer everything",
    }[level]


def _grant_steps(
    session: Session,
    rules: Rules,
    space_id: int,
    space_name: str,
    user: User,
    group_ids: frozenset[int],
    anonymous_read: bool,
) -> list[str]:
    mine = {SIGNED_IN, user_subject(user.id), *(group_subject(g) for g in group_ids)}
    if anonymous_read:
        mine.add(ANONYMOUS)
    applying = [
        (subject, level)
        for subject, held in rules.grants.items()
        if subject in mine
        for space, level in held
        if space == space_id
    ]
    if not applying:
        return [
            f"No grant of {space_name} names {user.username}, a group of theirs or every "
            "signed-in user."
        ]
    names = describe(session, [subject for subject, _level in applying])
    steps = []
    for subject, level in sorted(applying, key=lambda item: -RANK[item[1]]):
        who = names[subject].label
        why = f" ({user.username} is a member)" if subject.startswith("group:") else ""
        if subject == ANONYMOUS:
            level = AccessLevel.READ
        steps.append(f"{space_name} grants {level.value} to {who}{why}.")
    if user.role is Role.READER and any(
        RANK[level] > RANK[AccessLevel.READ] for _s, level in applying
    ):
        steps.append(f"{user.username} is a reader, so that is capped at read.")
    return steps


def _restriction_steps(
    session: Session, page: Page, user: User, group_ids: frozenset[int]
) -> list[str]:
    found = restrictions_of(session, page)
    chain = found.above + list(found.own.values())
    if not chain:
        return ["No restriction narrows this page or the pages above it."]
    mine = {user_subject(user.id), *(group_subject(g) for g in group_ids)}
    steps = []
    for restriction in chain:
        where = (
            "This page"
            if restriction.page_id == page.id
            else f"The page above, {restriction.page_title},"
        )
        names = ", ".join(subject.label for subject in restriction.subjects)
        passes = any(subject.key in mine for subject in restriction.subjects)
        verdict = (
            f"{user.username} is named there (or in a group named)"
            if passes
            else f"{user.username} is not named, nor in a group named"
        )
        steps.append(f"{where} narrows {restriction.kind.value}ing to {names}: {verdict}.")
    return steps
