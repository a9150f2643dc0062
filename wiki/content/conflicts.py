"""Resolving an edit conflict without marker syntax.

The conflict screen shows each clash of a three-way merge (:mod:`wiki.content.merge`) as
the user's lines ("yours") beside the lines saved meanwhile ("theirs"), with a choice for
each: keep yours, keep theirs, keep both (yours first) or write it by hand. The screen
carries the merged text (with its markers, never shown) and the choices; the text to save
is put together here from both, so nothing depends on the browser running scripts, and a
refused save comes back with every choice as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.content.merge import END_MARKER, MID_MARKER, START_MARKER, Clash, split_conflicts
from wiki.errors import EditConflict, NotFound
from wiki.models import Page, Revision, User

__all__ = [
    "CHOICES",
    "CONTEXT_LINES",
    "ConflictPart",
    "Resolution",
    "SavedBy",
    "clash_count",
    "conflict_from_form",
    "conflict_parts",
    "resolve",
    "saved_since",
]

#: What a clash may become: the user's lines, the lines saved meanwhile, both (the user's
#: first) or what the user wrote by hand.
CHOICES = ("mine", "theirs", "both", "hand")
#: Lines of the unchanged text shown above and below each clash, to place it.
CONTEXT_LINES = 3


@dataclass(frozen=True)
class ConflictPart:
    """A stretch of the merged text: unchanged (``clash`` None, the text in ``text``) or a
    clash, numbered from 1, with the unchanged lines around it."""

    text: str = ""
    clash: Clash | None = None
    number: int = 0
    before: str = ""
    after: str = ""


@dataclass(frozen=True)
class Resolution:
    """The text the choices make; clashes not decided yet stay in it as marker blocks
    (which the conflict preview shows side by side), their numbers in ``undecided``."""

    text: str
    undecided: tuple[int, ...]


def conflict_parts(merged: str) -> list[ConflictPart]:
    """The merged text as unchanged stretches and numbered clashes, each clash with up to
    :data:`CONTEXT_LINES` unchanged lines before and after it. Raises nothing."""
    pieces = split_conflicts(merged)
    parts: list[ConflictPart] = []
    number = 0
    for index, piece in enumerate(pieces):
        if not isinstance(piece, Clash):
            parts.append(ConflictPart(text=piece))
            continue
        number += 1
        previous = pieces[index - 1] if index > 0 else ""
        following = pieces[index + 1] if index + 1 < len(pieces) else ""
        before = previous if isinstance(previous, str) else ""
        after = following if isinstance(following, str) else ""
        parts.append(
            ConflictPart(
                clash=piece,
                number=number,
                before="\n".join(before.rstrip("\n").split("\n")[-CONTEXT_LINES:]),
                after="\n".join(after.split("\n")[:CONTEXT_LINES]).rstrip("\n"),
            )
        )
    return parts


def _lines(text: str) -> str:
    return text + "\n" if text else ""


def resolve(merged: str, choices: Mapping[int, str], hand: Mapping[int, str]) -> Resolution:
    """The text ``merged`` becomes when each clash (by number) is decided as ``choices``
    says (one of :data:`CHOICES`; ``hand[number]`` is the text written for "hand"). An
    unknown or missing choice leaves the clash undecided. Raises nothing."""
    out: list[str] = []
    undecided: list[int] = []
    for part in conflict_parts(merged):
        clash = part.clash
        if clash is None:
            out.append(part.text)
            continue
        choice = choices.get(part.number, "")
        if choice == "mine":
            out.append(_lines(clash.mine))
        elif choice == "theirs":
            out.append(_lines(clash.theirs))
        elif choice == "both":
            out.append(_lines(clash.mine) + _lines(clash.theirs))
        elif choice == "hand":
            written = hand.get(part.number, "").replace("\r\n", "\n").rstrip("\n")
            out.append(_lines(written))
        else:
            undecided.append(part.number)
            out.append(
                f"{START_MARKER}\n{_lines(clash.mine)}{MID_MARKER}\n{_lines(clash.theirs)}"
                f"{END_MARKER}\n"
            )
    return Resolution("".join(out), tuple(undecided))


@dataclass(frozen=True)
class SavedBy:
    """Who saved a revision after the edit began, and when."""

    name: str
    number: int
    at: datetime


def saved_since(session: Session, page_id: int, base_number: int) -> tuple[SavedBy, ...]:
    """The revisions of the page ``page_id`` after ``base_number``, newest first: whom a
    conflict screen names. Raises nothing but database errors."""
    rows = session.execute(
        select(User.display_name, User.username, Revision.number, Revision.created_at)
        .join(User, User.id == Revision.author_id)
        .where(Revision.page_id == page_id, Revision.number > base_number)
        .order_by(Revision.number.desc())
        .limit(20)
    )
    return tuple(SavedBy(shown or name, number, at) for shown, name, number, at in rows)


def clash_count(merged: str) -> int:
    """How many clashes the merged text holds. Raises nothing."""
    return sum(1 for piece in split_conflicts(merged) if isinstance(piece, Clash))


def conflict_from_form(
    session: Session,
    page: Page,
    *,
    mine: str,
    merged: str,
    current_number: int,
    base_number: int,
    summary: str,
    tags: str,
    values: dict[str, str] | None,
) -> EditConflict:
    """The conflict a conflict screen's form was made for, again: the user's text and the
    merged text as the form carries them, the text saved meanwhile (revision
    ``current_number``) and who saved after ``base_number``. Raises NotFound when
    ``current_number`` is no revision of the page (a form not made by the wiki)."""
    theirs = session.scalar(
        select(Revision.body).where(Revision.page_id == page.id, Revision.number == current_number)
    )
    if theirs is None:
        raise NotFound(f"{page.title} has no revision {current_number}.")
    return EditConflict(
        slug=page.slug,
        title=page.title,
        mine=mine,
        theirs=theirs,
        merged=merged,
        current_number=current_number,
        summary=summary,
        tags=tags,
        values=values,
        base_number=base_number,
        saved_by=saved_since(session, page.id, min(base_number, current_number - 1)),
    )
