"""What people watch: a page, a page with everything under it, a space or a tag.

Watching needs only that the person may read what they watch; whether they hear of a
change is decided again, page by page, when it happens (:mod:`wiki.notify.fanout`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.access.permissions import Viewer, can, can_in_space, readable_pages
from wiki.content.change_events import page_watch_key
from wiki.errors import InvalidInput
from wiki.models import Page, Space, User, Watch, WatchTarget

__all__ = [
    "WatchRow",
    "clean_tag",
    "has_watch",
    "page_watches",
    "stop_watching",
    "target_key",
    "watch",
    "watches_of",
]


def target_key(target: WatchTarget, value: int | str) -> str:
    """The ``target_key`` of a watch: "page:12", "subtree:12", "space:3", "tag:finance".
    Raises nothing."""
    if target is WatchTarget.PAGE:
        return page_watch_key(int(value))
    return f"{target.value}:{value}"


def clean_tag(tag: str) -> str:
    """A tag as pages store it (lower case, trimmed). Raises InvalidInput for an empty or
    overlong one."""
    cleaned = " ".join(tag.split()).lower()
    if not cleaned or len(cleaned) > 100:
        raise InvalidInput({"tag": "Name a tag of at most 100 characters to watch."})
    return cleaned


def watch(
    session: Session,
    user: User,
    target: WatchTarget,
    *,
    page: Page | None = None,
    space: Space | None = None,
    tag: str = "",
) -> Watch:
    """Make ``user`` watch a page or subtree (``page``), a space or a tag; watching twice
    is watching once. Raises InvalidInput when the target is missing or ``user`` may not
    read it."""
    if target in (WatchTarget.PAGE, WatchTarget.SUBTREE):
        if page is None or not can(user, "read", page):
            raise InvalidInput({"watch": "There is no such page."})
        key = target_key(target, page.id)
    elif target is WatchTarget.SPACE:
        if space is None or not can_in_space(user, "read", space.id):
            raise InvalidInput({"watch": "There is no such space."})
        key = target_key(target, space.id)
    else:
        tag = clean_tag(tag)
        key = target_key(target, tag)
    found = session.scalar(select(Watch).where(Watch.user_id == user.id, Watch.target_key == key))
    if found is not None:
        found.automatic = False  # chosen now, whoever added it first
        return found
    made = Watch(
        user_id=user.id,
        target=target,
        target_key=key,
        page_id=page.id if page is not None else None,
        space_id=space.id if space is not None else None,
        tag=tag,
    )
    session.add(made)
    session.flush()
    return made


def stop_watching(session: Session, user: User, key: str) -> bool:
    """Stop ``user``'s watch named ``key`` (see :func:`target_key`); False when there was
    none. Raises nothing but database errors."""
    found = session.scalar(select(Watch).where(Watch.user_id == user.id, Watch.target_key == key))
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def has_watch(session: Session, user_id: int, key: str) -> bool:
    """Whether the account ``user_id`` has the watch ``key``. Raises nothing."""
    found = session.scalar(
        select(Watch.id).where(Watch.user_id == user_id, Watch.target_key == key)
    )
    return found is not None


def page_watches(session: Session, user: Viewer, page: Page) -> set[WatchTarget]:
    """How ``user`` watches ``page`` itself: PAGE, SUBTREE, both or neither. Raises
    nothing."""
    if not user.is_authenticated:
        return set()
    keys = {target_key(WatchTarget.PAGE, page.id), target_key(WatchTarget.SUBTREE, page.id)}
    rows = session.scalars(
        select(Watch.target).where(
            Watch.user_id == user.id,  # type: ignore[attr-defined]
            Watch.target_key.in_(keys),
        )
    )
    return {WatchTarget(target) for target in rows}


@dataclass(frozen=True)
class WatchRow:
    """One watch, as the list of what I watch shows it."""

    key: str
    target: WatchTarget
    label: str  # the page's title, the space's name or the tag
    slug: str  # the page's address, the space's key or the tag
    automatic: bool


def watches_of(session: Session, user: User) -> list[WatchRow]:
    """Everything ``user`` watches that they may still read (a page or space they lost
    access to is left out, like a missing one), pages and subtrees first, then spaces, then
    tags, each by name. Raises nothing but database errors."""
    rows = session.scalars(select(Watch).where(Watch.user_id == user.id)).all()
    page_ids = [w.page_id for w in rows if w.page_id is not None]
    space_ids = [w.space_id for w in rows if w.space_id is not None]
    pages = {p.id: p for p in session.scalars(select(Page).where(Page.id.in_(page_ids)))}
    spaces = {s.id: s for s in session.scalars(select(Space).where(Space.id.in_(space_ids)))}
    readable = readable_pages(session, user)
    shown: list[WatchRow] = []
    for row in rows:
        target = WatchTarget(row.target)
        if row.page_id is not None:
            page = pages.get(row.page_id)
            if page is None or page.deleted or not readable(page.id):
                continue
            shown.append(WatchRow(row.target_key, target, page.title, page.slug, row.automatic))
        elif row.space_id is not None:
            space = spaces.get(row.space_id)
            if space is None or not can_in_space(user, "read", space.id):
                continue
            shown.append(WatchRow(row.target_key, target, space.name, space.key, row.automatic))
        else:
            shown.append(WatchRow(row.target_key, target, row.tag, row.tag, row.automatic))
    order = {WatchTarget.PAGE: 0, WatchTarget.SUBTREE: 0, WatchTarget.SPACE: 1, WatchTarget.TAG: 2}
    return sorted(shown, key=lambda w: (order[w.target], w.label.casefold(), w.target.value))
