"""Ticking an action item's box on the rendered page: a new revision with an automatic
summary, saved through the same conflict-safe path as any edit (others' changes since the
page was opened are merged; a clash is an edit conflict)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from wiki.content.pages import Limits, SaveResult, edit_page, get_revision
from wiki.content.records.action_items import tasks_of, ticked_text
from wiki.errors import InvalidInput
from wiki.models import Page, User

_CHANGED = "The page has changed since you opened it; reload it and tick the box again."


def tick_task(
    session: Session,
    author: User,
    page: Page,
    base_number: int,
    position: int,
    done: bool,
    limits: Limits,
) -> SaveResult:
    """Tick (``done``) or clear the box of the task at ``position`` of revision
    ``base_number`` (the revision the ticker saw, so the position names the box they
    clicked), as a new revision summarised "Ticked “…”". Nothing is saved when the box
    already is so.

    Raises NotFound for an unknown revision or a deleted page, InvalidInput (keyed
    ``task``) when that revision has no such task, and EditConflict when someone changed
    the same line meanwhile.
    """
    base = get_revision(session, page, base_number)
    tasks = tasks_of(base.body)
    if not 0 <= position < len(tasks):
        raise InvalidInput({"task": _CHANGED})
    task = tasks[position]
    if task.done == done:
        return SaveResult(page=page, revision=None)
    body = ticked_text(base.body, task, done)
    shown = task.text if len(task.text) <= 80 else task.text[:79] + "…"
    summary = f"{'Ticked' if done else 'Cleared'} “{shown}”"
    return edit_page(session, author, page, base_number, body, summary, limits)
