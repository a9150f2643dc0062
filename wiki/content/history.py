"""Reading history: page history, recent changes, contributions, diffs (of the text and
of the page as shown), what a restore would change, and blame.

Lists are paginated in the database with keyset cursors (``before``/``after``), so the
1,000th page of history costs what the first does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, contains_eager, defer, joinedload

from wiki.access.permissions import Viewer, visible_pages
from wiki.content import blame as blame_lines
from wiki.content.diffing import Diff, diff_texts
from wiki.content.pages import get_revision, same_content
from wiki.content.reading import show_revision
from wiki.content.records.fields import FieldChange, Record, changes
from wiki.content.rendered_diff import RenderedDiff, diff_rendered
from wiki.models import Page, Revision, User
from wiki.pagination import Window, newest_first


def page_history(
    session: Session,
    page: Page,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Window[Revision]:
    """Revisions of ``page``, newest first; cursors are revision numbers."""
    query = (
        select(Revision)
        .where(Revision.page_id == page.id)
        .options(joinedload(Revision.author), defer(Revision.body))
    )
    return newest_first(session, query, Revision.number, before=before, after=after, limit=limit)


def _changes(viewer: Viewer) -> Select:
    """Revisions of the pages ``viewer`` may read, with their page and author loaded."""
    return (
        select(Revision)
        .join(Revision.page)
        .where(visible_pages(viewer))
        .options(contains_eager(Revision.page), joinedload(Revision.author), defer(Revision.body))
    )


def recent_changes(
    session: Session,
    viewer: Viewer,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Window[Revision]:
    """The revisions of every page ``viewer`` may read (deleted pages for admins only),
    newest first; cursors are revision ids. Raises nothing of its own."""
    return newest_first(
        session, _changes(viewer), Revision.id, before=before, after=after, limit=limit
    )


def contributions(
    session: Session,
    user: User,
    viewer: Viewer,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Window[Revision]:
    """The revisions ``user`` made on pages ``viewer`` may read, newest first; cursors
    are revision ids. Raises nothing of its own."""
    query = _changes(viewer).where(Revision.author_id == user.id)
    return newest_first(session, query, Revision.id, before=before, after=after, limit=limit)


@dataclass(frozen=True)
class Comparison:
    old: Revision
    new: Revision
    diff: Diff
    field_changes: list[FieldChange]
    tags_changed: bool
    rendered: RenderedDiff | None = None  # the pages as shown, when asked for


def compare(session: Session, page: Page, old_number: int, new_number: int) -> Comparison:
    """The diff between two revisions of ``page``; raises NotFound for unknown numbers."""
    old = get_revision(session, page, old_number)
    new = get_revision(session, page, new_number)
    return Comparison(
        old=old,
        new=new,
        diff=diff_texts(old.body, new.body),
        field_changes=changes(Record.from_json(old.fields), Record.from_json(new.fields)),
        tags_changed=old.tags != new.tags,
    )


def compare_rendered(
    session: Session, viewer: Viewer, page: Page, old_number: int, new_number: int, database=None
) -> Comparison:
    """Like :func:`compare`, with the two revisions also compared as the page shows them to
    ``viewer`` (:mod:`wiki.content.rendered_diff`); ``database`` stores renderings that
    were missing. Raises NotFound for unknown numbers."""
    comparison = compare(session, page, old_number, new_number)
    old_html = show_revision(session, viewer, comparison.old, database).html
    new_html = show_revision(session, viewer, comparison.new, database).html
    return replace(comparison, rendered=diff_rendered(old_html, new_html))


@dataclass(frozen=True)
class RestorePlan:
    """What restoring a revision would do: the changes from the current revision (the old
    side of ``comparison``) to the chosen one (its new side)."""

    comparison: Comparison

    @property
    def current(self) -> Revision:
        return self.comparison.old

    @property
    def chosen(self) -> Revision:
        return self.comparison.new

    @property
    def nothing_to_restore(self) -> str | None:
        """Why restoring would change nothing, or None when it would change something."""
        number = self.chosen.number
        if number == self.current.number:
            return f"Revision {number} is the current revision: there is nothing to restore."
        if same_content(self.chosen, self.current):
            return (
                f"Revision {number} has the same text, tags and fields as the current "
                f"revision {self.current.number}: there is nothing to restore."
            )
        return None


def restore_plan(session: Session, page: Page, number: int) -> RestorePlan:
    """What restoring revision ``number`` of ``page`` would change, from the revision
    current now. Raises NotFound for an unknown number."""
    return RestorePlan(compare(session, page, page.latest_number, number))


#: Lines of the current text one blame page shows (a long text is shown in windows).
BLAME_WINDOW_LINES = 500
#: Characters of a line a blame page shows; the rest of a longer line is only counted.
BLAME_LINE_CHARS = 1_000


@dataclass(frozen=True)
class BlameRow:
    number: int
    text: str  # the line, cut after BLAME_LINE_CHARS characters
    revision: Revision  # the revision that introduced the line (body not loaded)
    omitted: int = 0  # characters of the line left out of ``text``


@dataclass(frozen=True)
class BlameWindow:
    """Some consecutive lines of the current text with their origins (all of a short text).

    ``total`` counts the lines of the whole text; ``earlier``/``later`` are the first line
    numbers of the windows before and after this one, or None at either end.
    """

    rows: list[BlameRow]
    total: int
    earlier: int | None
    later: int | None

    @property
    def first(self) -> int:
        return self.rows[0].number if self.rows else 0

    @property
    def last(self) -> int:
        return self.rows[-1].number if self.rows else 0


def blame(session: Session, page: Page, start: int = 1) -> BlameWindow:
    """For lines ``start`` onwards of the current text (at most :data:`BLAME_WINDOW_LINES`
    of them), the revision and author that introduced each.

    A ``start`` before the first line starts at the first, one past the last line shows
    the last window. Raises nothing.
    """
    texts = session.execute(
        select(Revision.number, Revision.body)
        .where(Revision.page_id == page.id)
        .order_by(Revision.number)
    ).all()
    lines = blame_lines.blame((number, body) for number, body in texts)
    total = len(lines)
    last_start = max(total - BLAME_WINDOW_LINES, 0) + 1
    first = min(max(start, 1), last_start)
    shown = lines[first - 1 : first - 1 + BLAME_WINDOW_LINES]
    origins = {line.origin for line in shown}
    revisions = {
        revision.number: revision
        for revision in session.scalars(
            select(Revision)
            .where(Revision.page_id == page.id, Revision.number.in_(origins))
            .options(joinedload(Revision.author), defer(Revision.body))
        )
    }
    rows = [
        BlameRow(
            number=line.number,
            text=line.text[:BLAME_LINE_CHARS],
            revision=revisions[line.origin],
            omitted=max(len(line.text) - BLAME_LINE_CHARS, 0),
        )
        for line in shown
    ]
    return BlameWindow(
        rows=rows,
        total=total,
        earlier=max(first - BLAME_WINDOW_LINES, 1) if first > 1 else None,
        later=first + BLAME_WINDOW_LINES if first + BLAME_WINDOW_LINES <= total else None,
    )
