"""Drafts: what someone typed in a page's editor and has not saved yet, kept on the server.

While a person edits, the editor sends its form every few seconds and when the page is
left; :func:`save_draft` keeps it as that person's one draft of the page. A draft is never
a revision and nobody but its author reads it: reopening the editor offers to resume it
(:func:`draft_offer`: what it changes in the revision it started from, and what others
saved since) or to discard it (:func:`discard_draft`). Saving the page from the editor
deletes it in the same transaction as the new revision (``edit_page(..., ends_draft=True)``
in :mod:`wiki.content.pages`). Others only learn that someone is editing
(:func:`others_editing`): a name, never a word of the text.

A draft of a page its author may no longer edit (deleted, restricted since) is neither
offered nor saved; it stays where it is, unread, in case the page comes back to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wiki.access.permissions import Action, Viewer, can
from wiki.content.diffing import Diff, diff_texts
from wiki.content.pages import Limits, clean_body, clean_summary, clean_tags, get_revision
from wiki.content.records.fields import MAX_VALUE_CHARS, Record
from wiki.errors import Forbidden, InvalidInput, NotFound
from wiki.models import Draft, Page, Revision, User, utcnow

EDITING_WINDOW = timedelta(minutes=5)
"""How recently someone's draft must have been saved for them to count as editing."""
MAX_TAGS_CHARS = 1200  # what the editor's tags field holds
_EDITOR_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}\Z")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_OUT_OF_DATE = "The edit form is out of date; reload the page."


@dataclass(frozen=True)
class DraftForm:
    """What the editor sent: the revision it started from and the form as typed.
    ``editor_key`` names the open editor (made by the browser) and ``sequence`` counts its
    saves, so that a save arriving late never overwrites a newer one of the same editor."""

    base_number: int
    body: str
    summary: str = ""
    tags: str = ""
    values: dict[str, str] | None = None  # None: the editor had no fields
    editor_key: str = ""
    sequence: int = 0


@dataclass(frozen=True)
class DraftOffer:
    """One's own draft of a page, as the editor offers it: what it changes in its base
    revision, and the page's current revision when others saved since."""

    draft: Draft
    base: Revision
    diff: Diff
    record: Record  # the page's fields with the draft's values (as typed)
    newer: Revision | None  # the current revision, when it is newer than the base

    @property
    def revisions_since(self) -> int:
        """How many revisions were saved after the draft's base."""
        return self.newer.number - self.base.number if self.newer is not None else 0

    @property
    def tags_changed(self) -> bool:
        return _tags_differ(self.draft.tags, self.base.tags)

    @property
    def field_changes(self) -> list[tuple[str, str, str]]:
        """(label, value in the base revision, value in the draft) of each field the draft
        changes."""
        before = Record.from_json(self.base.fields)
        return [
            (spec.label, before.value(spec.name), self.record.value(spec.name))
            for spec in self.record.fields
            if before.value(spec.name) != self.record.value(spec.name)
        ]


def _check_may_edit(author: User, page: Page) -> None:
    if page.deleted or not can(author, Action.READ, page):
        raise NotFound("There is no such page.")
    if not can(author, Action.EDIT, page):
        raise Forbidden("You may not edit this page.")


def _tags_differ(typed: str, stored: str) -> bool:
    try:
        return clean_tags(typed) != stored
    except InvalidInput:  # tags the save would refuse are a change all the same
        return True


def _clean_tags_as_typed(tags: str) -> str:
    if len(tags) > MAX_TAGS_CHARS:
        raise InvalidInput({"tags": f"The tags can have at most {MAX_TAGS_CHARS:,} characters."})
    if _CONTROL.search(tags):
        raise InvalidInput({"tags": "The tags contain control characters."})
    return tags


def _clean_values(record: Record, values: dict[str, str] | None) -> dict[str, str] | None:
    """The values of ``record``'s fields among ``values``, as typed; others are dropped."""
    if values is None or not record:
        return None
    kept = {}
    for spec in record.fields:
        value = values.get(spec.name, "")
        if len(value) > MAX_VALUE_CHARS:
            raise InvalidInput(
                {
                    f"field-{spec.name}": f"{spec.label} can have at most {MAX_VALUE_CHARS} characters."
                }
            )
        if _CONTROL.search(value):
            raise InvalidInput({f"field-{spec.name}": f"{spec.label} contains control characters."})
        kept[spec.name] = value
    return kept


def _changes_nothing(base: Revision, body: str, summary: str, tags: str, values) -> bool:
    if body != base.body or summary or _tags_differ(tags, base.tags):
        return False
    if values is None:
        return True
    stored = Record.from_json(base.fields)
    return all(stored.value(name) == value.strip() for name, value in values.items())


def _locked_draft(session: Session, author: User, page: Page) -> Draft | None:
    """``author``'s draft of ``page``, its row locked until the transaction ends."""
    return session.scalar(
        select(Draft)
        .where(Draft.author_id == author.id, Draft.page_id == page.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _is_late(draft: Draft | None, form: DraftForm) -> bool:
    """Whether ``draft`` already holds a newer save of the same open editor than ``form``."""
    return (
        draft is not None
        and bool(form.editor_key)
        and draft.editor_key == form.editor_key
        and draft.sequence >= form.sequence
    )


def save_draft(
    session: Session,
    author: User,
    page: Page,
    form: DraftForm,
    limits: Limits,
    now: datetime | None = None,
) -> Draft | None:
    """Keep ``form`` as ``author``'s draft of ``page`` (replacing the one they had), saved
    at ``now`` (default: now). Returns the draft, or None when the form changes nothing in
    its base revision (no draft is kept: one they had is deleted). A save of the same open
    editor older than the kept draft changes nothing and returns the kept draft.

    Bounded like a save: raises InvalidInput for a text over ``limits`` or with control
    characters, a summary, tags or field value too long, and for a base revision the page
    does not have; NotFound for a deleted page or one ``author`` may not read, Forbidden for
    one they may not edit.
    """
    _check_may_edit(author, page)
    body = clean_body(form.body, limits)
    summary = clean_summary(form.summary)
    tags = _clean_tags_as_typed(form.tags)
    values = _clean_values(Record.from_json(page.current.fields), form.values)
    if not 1 <= form.base_number <= page.latest_number:
        raise InvalidInput({"body": _OUT_OF_DATE})
    if form.editor_key and not _EDITOR_KEY.match(form.editor_key):
        raise InvalidInput({"editor": "The editor's key is not valid; reload the page."})
    base = get_revision(session, page, form.base_number)
    moment = now or utcnow()
    draft = _locked_draft(session, author, page)
    if _is_late(draft, form):
        return draft
    if _changes_nothing(base, body, summary, tags, values):
        if draft is not None:
            session.delete(draft)
            session.flush()
        return None
    if draft is None:
        draft = Draft(author_id=author.id, page_id=page.id, created_at=moment)
        try:
            with session.begin_nested():
                session.add(draft)
                _fill(draft, form, body, summary, tags, values, moment)
                session.flush()
            return draft
        except IntegrityError:
            # Another save of this person's draft of the page made it meanwhile (a second
            # tab, the save sent when a page is left): this one replaces it, unless late.
            draft = _locked_draft(session, author, page)
            if draft is None:
                raise
            if _is_late(draft, form):
                return draft
    _fill(draft, form, body, summary, tags, values, moment)
    session.flush()
    return draft


def _fill(draft: Draft, form: DraftForm, body, summary, tags, values, moment) -> None:
    draft.base_number = form.base_number
    draft.body, draft.summary, draft.tags, draft.fields = body, summary, tags, values
    draft.editor_key, draft.sequence = form.editor_key, form.sequence
    draft.updated_at = moment


def own_draft(session: Session, author: User, page: Page) -> Draft | None:
    """``author``'s draft of ``page``, if they have one and may edit the page now (a draft
    of a page they may no longer edit is not given back). Raises nothing but database
    errors."""
    if page.deleted or not can(author, Action.EDIT, page):
        return None
    return session.scalar(
        select(Draft).where(Draft.author_id == author.id, Draft.page_id == page.id)
    )


def draft_offer(session: Session, author: User, page: Page) -> DraftOffer | None:
    """What the editor offers ``author`` to resume: their draft of ``page`` with its diff
    against the revision it started from; None without one (see :func:`own_draft`).
    Raises nothing but database errors."""
    draft = own_draft(session, author, page)
    if draft is None:
        return None
    try:
        base = get_revision(session, page, draft.base_number)
    except NotFound:  # revisions are never removed; a base past them is no base
        base = page.current
    record = Record.from_json(page.current.fields)
    if draft.fields is not None and record:
        typed = {name: value for name, value in draft.fields.items() if isinstance(value, str)}
        record = record.with_values({**record.values, **typed})
    newer = page.current if page.latest_number > base.number else None
    return DraftOffer(draft, base, diff_texts(base.body, draft.body), record, newer)


def discard_draft(session: Session, author: User, page: Page) -> bool:
    """Delete ``author``'s draft of ``page``; whether there was one. Raises nothing but
    database errors."""
    deleted = session.execute(
        delete(Draft).where(Draft.author_id == author.id, Draft.page_id == page.id)
    )
    return bool(getattr(deleted, "rowcount", 0))


def others_editing(
    session: Session, viewer: Viewer, page: Page, now: datetime | None = None
) -> list[str]:
    """The names of the people other than ``viewer`` who are editing ``page``: whose
    draft of it was saved within :data:`EDITING_WINDOW` of ``now`` and who may still edit
    it; most recent first. Empty for a viewer who may not read the page. Names only, never
    what they typed. Raises nothing but database errors."""
    if not can(viewer, Action.READ, page):
        return []
    since = (now or utcnow()) - EDITING_WINDOW
    viewer_id = getattr(viewer, "id", None)
    query = (
        select(User)
        .join(Draft, Draft.author_id == User.id)
        .where(Draft.page_id == page.id, Draft.updated_at >= since, User.disabled.is_(False))
        .order_by(Draft.updated_at.desc(), User.id)
    )
    if viewer_id is not None:
        query = query.where(User.id != viewer_id)
    return [
        person.shown_name for person in session.scalars(query) if can(person, Action.EDIT, page)
    ]


def editing_sentence(names: list[str]) -> str:
    """ "Anna is also editing this page.", "Anna and Bo are ...", "Anna, Bo and Cy are ...";
    '' for nobody. Raises nothing."""
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} is also editing this page."
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return f"{listed} are also editing this page."
