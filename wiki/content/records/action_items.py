"""Action items: task-list lines that name an owner or a due date, kept per page in
``action_items`` (written with each save that changes the text) and listed for their
owners ("My action items") and per space; ticking a box on the page saves a new revision.

Every list goes through :mod:`wiki.access.permissions`: an item of a page its viewer may
not read is neither shown nor counted, whoever owns it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from wiki.access.permissions import Viewer, visible_pages
from wiki.content.records.tasks import TaskItem
from wiki.content.render import RenderError, render_markdown
from wiki.models import ActionItem, Page, Revision, Space

MAX_LISTED = 500
_TASK_BOX = re.compile(r"\[([ xX])\]")


def item_rows(page_id: int, tasks: Iterable[TaskItem]) -> list[dict]:
    """The ``action_items`` rows of a page whose text has ``tasks``: those naming an owner
    or a due date."""
    return [
        {
            "page_id": page_id,
            "position": task.position,
            "done": task.done,
            "owner": task.owner,
            "owner_key": task.owner.casefold() if task.owner else None,
            "due": task.due,
            "due_text": task.due_text,
            "text": task.text,
        }
        for task in tasks
        if task.owner is not None or task.due_text is not None
    ]


def write_action_items(session: Session, page_id: int, tasks: Iterable[TaskItem]) -> None:
    """Make ``action_items`` hold the items among ``tasks`` (a page's new current text)."""
    session.execute(delete(ActionItem).where(ActionItem.page_id == page_id))
    rows = item_rows(page_id, tasks)
    if rows:
        session.execute(insert(ActionItem), rows)


def tasks_of(body: str) -> tuple[TaskItem, ...]:
    """The task-list lines of ``body``; none for a text the renderer refuses. Raises nothing."""
    if "[" not in body:
        return ()
    try:
        return render_markdown(body).tasks
    except RenderError:
        return ()


def rebuild_action_items(session: Session) -> int:
    """Write ``action_items`` again from every page's current text; returns how many pages
    have items."""
    session.execute(delete(ActionItem))
    count = 0
    rows = session.execute(
        select(Page.id, Revision.body)
        .join(Revision, Revision.id == Page.current_revision_id)
        .where(Revision.body.contains("["))
    )
    for page_id, body in rows:
        items = item_rows(page_id, tasks_of(body))
        if items:
            session.execute(insert(ActionItem), items)
            count += 1
    session.flush()
    return count


@dataclass(frozen=True)
class ListedItem:
    item: ActionItem
    page: Page
    overdue: bool


def _listed(session: Session, query, today: date) -> list[ListedItem]:
    overdue_first = case((ActionItem.due < today, 0), else_=1)
    ordered = query.order_by(
        overdue_first,
        ActionItem.due.is_(None),
        ActionItem.due,
        Page.sort_key,
        ActionItem.position,
    ).limit(MAX_LISTED)
    return [
        ListedItem(item, page, item.due is not None and item.due < today and not item.done)
        for item, page in session.execute(ordered)
    ]


def _items(viewer: Viewer):
    return (
        select(ActionItem, Page)
        .join(Page, Page.id == ActionItem.page_id)
        .where(Page.deleted.is_(False), visible_pages(viewer))
    )


def my_items(
    session: Session, viewer: Viewer, username: str, today: date, *, done: bool = False
) -> list[ListedItem]:
    """The items owned by ``username`` on pages ``viewer`` may read, open ones (or done
    ones with ``done``), overdue first, then by due date. Raises nothing of its own."""
    query = _items(viewer).where(
        ActionItem.owner_key == username.casefold(), ActionItem.done.is_(done)
    )
    return _listed(session, query, today)


def space_items(
    session: Session, viewer: Viewer, space: Space, today: date, *, owner: str = ""
) -> list[ListedItem]:
    """The open items of ``space`` that ``viewer`` may read (those of ``owner`` only, if
    given), overdue first. Raises nothing of its own."""
    query = _items(viewer).where(Page.space_id == space.id, ActionItem.done.is_(False))
    if owner:
        query = query.where(ActionItem.owner_key == owner.lstrip("@").casefold())
    return _listed(session, query, today)


def count_open(session: Session, viewer: Viewer, username: str, today: date) -> tuple[int, int]:
    """How many open items ``username`` owns on pages ``viewer`` may read, and how many of
    them are overdue."""
    query = (
        select(func.count(), func.count(case((ActionItem.due < today, 1))))
        .select_from(ActionItem)
        .join(Page, Page.id == ActionItem.page_id)
        .where(
            Page.deleted.is_(False),
            visible_pages(viewer),
            ActionItem.owner_key == username.casefold(),
            ActionItem.done.is_(False),
        )
    )
    total, overdue = session.execute(query).one()
    return total, overdue


def ticked_text(body: str, task: TaskItem, done: bool) -> str:
    """``body`` with the box of ``task`` ticked (or cleared)."""
    lines = body.split("\n")
    line = lines[task.line]
    box = _TASK_BOX.search(line)
    if box is None:  # pragma: no cover - the renderer found a box on this line
        raise ValueError("no check box on the task's line")
    lines[task.line] = line[: box.start()] + ("[x]" if done else "[ ]") + line[box.end() :]
    return "\n".join(lines)
