"""What the Atom feeds of recent changes hold: one entry per revision, newest first.

A feed lists the changes of the whole wiki, of a space, of a page, of the pages carrying a
tag, or made by one person; always only of the pages its viewer may read (the condition of
:func:`~wiki.access.permissions.visible_pages`, as Recent changes uses: deleted pages'
changes only for those who may see deleted pages).

Each entry carries a short excerpt of what changed: the first few added and removed lines.
The excerpts are bounded so that a feed stays cheap whatever the pages hold: texts above
:data:`EXCERPT_MAX_TEXT_CHARS` are not compared, the texts one feed compares are at most
:data:`EXCERPT_BUDGET_CHARS` in all, each comparison has a time limit, and the feed's
comparisons share a time budget. An entry past a limit simply has no excerpt.

Text in entries is XML-safe (:func:`xml_text`): characters XML 1.0 cannot hold (control
characters, lone surrogates) are replaced, and the template escapes the rest.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Select, literal, select, tuple_
from sqlalchemy.orm import Session, contains_eager, defer, joinedload

from wiki.access.permissions import Viewer, visible_pages
from wiki.content.diffing import line_runs, split_lines
from wiki.errors import NotFound
from wiki.models import Page, Revision, RevisionKind, Space, User

#: Most entries a feed holds.
MAX_ENTRIES = 50
#: Changed lines an excerpt shows; the rest are counted.
EXCERPT_LINES = 6
#: Characters of a line an excerpt shows.
EXCERPT_LINE_CHARS = 200
#: A text longer than this (in characters) is not compared for an excerpt.
EXCERPT_MAX_TEXT_CHARS = 100_000
#: Characters of text one feed reads for its excerpts, old and new texts together.
EXCERPT_BUDGET_CHARS = 2_000_000
#: Seconds one comparison may take before it settles for a coarser result.
EXCERPT_DIFF_TIMEOUT = 0.05
#: Seconds all comparisons of one feed may take; later entries get no excerpt.
EXCERPT_TIME_BUDGET = 0.5

_WHAT = {
    RevisionKind.CREATE: "created",
    RevisionKind.EDIT: "edited",
    RevisionKind.RENAME: "renamed or moved",
    RevisionKind.DELETE: "deleted",
    RevisionKind.UNDELETE: "undeleted",
    RevisionKind.RESTORE: "restored",
}


def describe_kind(kind: str) -> str:
    """What a revision of ``kind`` did, as a verb ("edited", "created"...): feeds,
    notifications and e-mail say it alike. Raises nothing."""
    try:
        return _WHAT[RevisionKind(kind)]
    except (KeyError, ValueError):
        return "changed"


# What XML 1.0 cannot hold: C0 controls but tab and newlines, lone surrogates, U+FFFE/F.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD (escaping the
    markup characters is the template's work). Raises nothing."""
    return _NOT_XML.sub("\ufffd", text)


@dataclass(frozen=True)
class ExcerptLine:
    kind: Literal["insert", "delete"]
    text: str  # XML-safe, cut after EXCERPT_LINE_CHARS characters (an ellipsis marks it)


@dataclass(frozen=True)
class Excerpt:
    """The first changed lines of a revision, and how many more changed."""

    lines: list[ExcerptLine]
    more: int


@dataclass(frozen=True)
class FeedEntry:
    """One revision as a feed shows it; the texts are XML-safe.

    ``excerpt`` is None when the texts were not compared (too long, or the feed's budget
    was spent); ``previous`` is the number of the revision before (None for the first).
    """

    revision_id: int
    slug: str
    number: int
    previous: int | None
    title: str
    what: str
    author: str
    summary: str
    created_at: datetime
    excerpt: Excerpt | None


def _changes(viewer: Viewer) -> Select:
    """Revisions of the pages ``viewer`` may read, newest first, at most a feed's worth,
    with their page and author loaded and their text left out."""
    return (
        select(Revision)
        .join(Revision.page)
        .where(visible_pages(viewer))
        .options(contains_eager(Revision.page), joinedload(Revision.author), defer(Revision.body))
        .order_by(Revision.id.desc())
        .limit(MAX_ENTRIES)
    )


def site_entries(session: Session, viewer: Viewer) -> list[FeedEntry]:
    """The latest changes of every page ``viewer`` may read. Raises nothing but database
    errors."""
    return _entries(session, _changes(viewer))


def space_entries(session: Session, viewer: Viewer, space: Space) -> list[FeedEntry]:
    """The latest changes of the pages of ``space`` that ``viewer`` may read (the caller
    checks that they may see the space). Raises nothing but database errors."""
    return _entries(session, _changes(viewer).where(Page.space_id == space.id))


def page_entries(session: Session, viewer: Viewer, page: Page) -> list[FeedEntry]:
    """The latest revisions of ``page``; none when ``viewer`` may not read it. Raises
    nothing but database errors."""
    return _entries(session, _changes(viewer).where(Revision.page_id == page.id))


def person_entries(session: Session, viewer: Viewer, person: User) -> list[FeedEntry]:
    """The latest changes ``person`` made, on pages ``viewer`` may read. Raises nothing but
    database errors."""
    return _entries(session, _changes(viewer).where(Revision.author_id == person.id))


def normal_tag(tag: str) -> str:
    """``tag`` as pages store it (single spaces, case-folded). Raises nothing."""
    return " ".join(tag.split()).casefold()


def tag_entries(session: Session, viewer: Viewer, tag: str) -> list[FeedEntry]:
    """The latest changes of the pages ``viewer`` may read whose current revision carries
    ``tag`` (compared as :func:`normal_tag` gives it).

    Raises NotFound when no such page exists: a tag only on pages the viewer may not read
    is as unknown to them as a tag nobody uses.
    """
    wanted = normal_tag(tag)
    if not wanted or "," in wanted:  # a stored tag never holds a comma
        raise NotFound("There is no such tag.")
    current = (
        select(Page.id)
        .join(Revision, Revision.id == Page.current_revision_id)
        .where(
            visible_pages(viewer),
            # Stored tags are joined by ", ": framed so, each is matched whole.
            (literal(", ") + Revision.tags + literal(", ")).contains(
                f", {wanted}, ", autoescape=True
            ),
        )
    )
    if session.scalar(current.limit(1)) is None:
        raise NotFound("There is no such tag.")
    return _entries(session, _changes(viewer).where(Revision.page_id.in_(current)))


def _entries(session: Session, query: Select) -> list[FeedEntry]:
    revisions = list(session.scalars(query).unique())
    excerpts = _excerpts(session, revisions)
    return [
        FeedEntry(
            revision_id=revision.id,
            slug=revision.page.slug,
            number=revision.number,
            previous=revision.number - 1 if revision.number > 1 else None,
            title=xml_text(revision.title),
            what=_describe(revision),
            author=xml_text(revision.author.shown_name),
            summary=xml_text(revision.summary),
            created_at=revision.created_at,
            excerpt=excerpts.get(revision.id),
        )
        for revision in revisions
    ]


def _describe(revision: Revision) -> str:
    what = describe_kind(revision.kind)
    if revision.kind is RevisionKind.RESTORE and revision.restored_from is not None:
        return f"{what} to revision {revision.restored_from}"
    return what


def _excerpts(session: Session, revisions: list[Revision]) -> dict[int, Excerpt]:
    """The excerpts of those ``revisions`` whose texts fit the bounds (see the module
    docstring), by revision id."""
    chosen: list[Revision] = []
    budget = EXCERPT_BUDGET_CHARS
    for revision in revisions:
        # Sizes are UTF-8 bytes, never fewer than the characters: a safe first cut.
        old_size = revision.size - revision.size_delta if revision.number > 1 else 0
        if max(revision.size, old_size) > EXCERPT_MAX_TEXT_CHARS * 4:
            continue
        if revision.size + old_size > budget:
            break
        budget -= revision.size + old_size
        chosen.append(revision)
    if not chosen:
        return {}
    wanted = {(r.page_id, r.number) for r in chosen} | {
        (r.page_id, r.number - 1) for r in chosen if r.number > 1
    }
    texts: dict[tuple[int, int], str] = {}
    pairs = sorted(wanted)
    for start in range(0, len(pairs), 100):
        part = pairs[start : start + 100]
        for page_id, number, body in session.execute(
            select(Revision.page_id, Revision.number, Revision.body).where(
                tuple_(Revision.page_id, Revision.number).in_(part)
            )
        ):
            texts[page_id, number] = body
    deadline = time.monotonic() + EXCERPT_TIME_BUDGET
    found: dict[int, Excerpt] = {}
    for revision in chosen:
        if time.monotonic() > deadline:
            break
        new = texts.get((revision.page_id, revision.number))
        old = texts.get((revision.page_id, revision.number - 1), "") if revision.number > 1 else ""
        if new is None or max(len(new), len(old)) > EXCERPT_MAX_TEXT_CHARS:
            continue
        found[revision.id] = excerpt(old, new)
    return found


def excerpt(old: str, new: str) -> Excerpt:
    """The first :data:`EXCERPT_LINES` lines removed from ``old`` or added in ``new`` (in
    the order of the texts, removals of a change before its additions; blank lines left
    out), XML-safe and cut to :data:`EXCERPT_LINE_CHARS` characters, and the number of
    changed lines left out.
    Raises nothing."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    old_at = new_at = 0
    lines: list[ExcerptLine] = []
    more = 0
    for kind, count in line_runs(old, new, timeout=EXCERPT_DIFF_TIMEOUT):
        if kind == "equal":
            old_at += count
            new_at += count
            continue
        if kind == "delete":
            source, start = old_lines, old_at
            old_at += count
        else:
            source, start = new_lines, new_at
            new_at += count
        for text in source[start : start + count]:
            if not text.strip():
                continue  # an empty line added or removed says nothing in an excerpt
            if len(lines) < EXCERPT_LINES:
                lines.append(ExcerptLine(kind, _cut(text)))
            else:
                more += 1
    return Excerpt(lines, more)


def _cut(line: str) -> str:
    if len(line) > EXCERPT_LINE_CHARS:
        line = line[:EXCERPT_LINE_CHARS] + "…"
    return xml_text(line)
