"""Saving pages: create, edit (with three-way merge), rename, delete, undelete, restore.

Every change appends a revision; nothing here updates or deletes an existing revision.
Renames, deletes, undeletes and restores are also recorded in the audit log
(:mod:`wiki.access.audit`), in the same transaction.
Each function works inside the caller's transaction and flushes; the caller commits once.
Concurrent saves are serialised on the page row (``SELECT ... FOR UPDATE`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite) and the unique (page, number) constraint backs that up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from wiki.access import audit
from wiki.access.permissions import Action, can, can_in_space, visible_pages
from wiki.content.attachment_links import ATTACHMENT_SCHEME
from wiki.content.change_events import note_revision
from wiki.content.conflicts import saved_since
from wiki.content.links import store_links
from wiki.content.merge import END_MARKER, MID_MARKER, START_MARKER, has_conflicts, merge_texts
from wiki.content.records.action_items import tasks_of, write_action_items
from wiki.content.records.fields import Record
from wiki.content.records.lessons import clean_record, write_page_fields
from wiki.content.records.reviews import start_review
from wiki.content.render import (
    BYTE_ORDER_MARK,
    RENDERER_VERSION,
    Rendered,
    RenderError,
    render_markdown,
)
from wiki.content.spaces import page_slug, space_key
from wiki.errors import EditConflict, InvalidInput, NotFound
from wiki.models import (
    DEFAULT_SPACE_ID,
    Draft,
    Page,
    PageAlias,
    RenderedRevision,
    Revision,
    RevisionKind,
    Space,
    User,
    utcnow,
)
from wiki.slugs import DEFAULT_SPACE_KEY, slugify
from wiki.textsafety import (
    char_label,
    first_hidden_char,
    first_mixed_script_word,
    lookalike_keys,
)

MAX_SUMMARY_CHARS = 500
# Unicode's control characters (category Cc: C0, DEL, C1) except tab and line breaks;
# surrogates are not text at all. Regexes, because a page can be a megabyte.
_CONTROL_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Limits:
    """Input limits, from the app configuration."""

    max_title_chars: int = 200
    max_page_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class SaveResult:
    page: Page
    revision: Revision | None  # None when the text was unchanged and nothing was saved
    merged_with: int | None = None  # revision number merged into the user's edit

    @property
    def new_revision(self) -> Revision:
        """The revision this save added; raises LookupError when nothing was saved (an edit
        that changed nothing)."""
        if self.revision is None:
            raise LookupError("nothing was saved")
        return self.revision


# --- validation -----------------------------------------------------------------------


def _first_control_char(text: str) -> str | None:
    found = _CONTROL_CHAR.search(text)
    return found.group() if found else None


def clean_title(title: str, limits: Limits) -> str:
    """Return the title with surrounding and repeated white space removed.

    Raises InvalidInput when it is empty, too long, has control characters, invisible or
    format characters (named in the message: "U+200B ZERO WIDTH SPACE"), no letter or
    digit (it could not have a URL).
    """
    title = " ".join(title.split())
    if not title:
        raise InvalidInput({"title": "Give the page a title."})
    if len(title) > limits.max_title_chars:
        raise InvalidInput(
            {"title": f"Titles can have at most {limits.max_title_chars} characters."}
        )
    if _first_control_char(title) is not None:
        raise InvalidInput({"title": "The title contains control characters."})
    hidden = first_hidden_char(title)
    if hidden is not None:
        raise InvalidInput(
            {
                "title": f"The title contains an invisible character ({char_label(hidden)}) "
                "that would make it look like another title; type it without."
            }
        )
    if not slugify(title):
        raise InvalidInput({"title": "The title needs at least one letter or digit."})
    return title


_DELETED = " (deleted; an admin can undelete it)"


def _refuse_taken(title: str, slug: str, same: Page) -> NoReturn:
    """Raise InvalidInput saying how ``same`` stands in the way of ``title``."""
    if same.title.casefold() == title.casefold():
        if same.deleted:
            message = f"A deleted page called {same.title} exists; an admin can undelete it."
        else:
            message = f"A page called {same.title} already exists."
        raise InvalidInput({"title": message})
    elif same.slug == slug:
        raise InvalidInput(
            {
                "title": f"{title} would have the same address as the page {same.title}"
                f"{_DELETED if same.deleted else ''} (/wiki/{slug}); choose a title that "
                "differs in more than punctuation or capitals."
            }
        )
    else:
        raise InvalidInput(
            {
                "title": f"{title} looks like the page {same.title}"
                f"{_DELETED if same.deleted else ''}; choose a title that can be told "
                "apart from it."
            }
        )


def check_title_is_free(
    session: Session, author: User, title: str, space: Space | None, page: Page | None = None
) -> None:
    """Raise InvalidInput, naming the page, when another page than ``page`` in ``space``
    (None: the default space) that ``author`` may read has the address of ``title`` or a
    title that looks like it (the same letters in another script, other capitals passing
    for other letters); and when a word of ``title`` mixes scripts.

    A deleted page the author may not see never stands in the way, nor is named: it gives
    up its address (:func:`_free_address`). ``title`` is a cleaned title
    (:func:`clean_title`).
    """
    slug = page_slug(space, title)
    if page is None or page.slug != slug:
        _free_address(session, author, title, slug)
    others = select(Page).where(
        Page.space_id == (space.id if space is not None else DEFAULT_SPACE_ID),
        visible_pages(author),
        Page.lookalike_key.in_(lookalike_keys(title)),
    )
    if page is not None:
        others = others.where(Page.id != page.id)
    same = session.scalar(others.order_by(Page.id).limit(1))
    if same is not None:
        _refuse_taken(title, slug, same)
    mixed = first_mixed_script_word(title)
    if mixed is not None:
        word, scripts = mixed
        raise InvalidInput(
            {
                "title": f"The word {word} mixes {' and '.join(scripts)} letters, so it "
                "looks like a word it is not; type it in one script."
            }
        )


def clean_body(body: str, limits: Limits) -> str:
    """Normalise line endings and drop a leading byte-order mark (pasted from a file, it
    would hide the first heading); raises InvalidInput when too large or with control chars."""
    body = body.lstrip(BYTE_ORDER_MARK).replace("\r\n", "\n").replace("\r", "\n")
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > limits.max_page_bytes:
        raise InvalidInput(
            {
                "body": f"The text is {size:,} bytes; pages can have at most "
                f"{limits.max_page_bytes:,} bytes. Split it into several pages."
            }
        )
    bad = _first_control_char(body)
    if bad is not None:
        raise InvalidInput(
            {
                "body": f"The text contains a control character (U+{ord(bad):04X}) that cannot be saved."
            }
        )
    if _SURROGATE.search(body):
        raise InvalidInput({"body": "The text is not valid Unicode."})
    return body


MAX_TAGS = 20
MAX_TAG_CHARS = 50


def clean_tags(tags: str) -> str:
    """Normalise comma-separated tags: lower case, single spaces, unique, sorted.

    Raises InvalidInput for too many, too long or control characters.
    """
    unique = sorted({" ".join(tag.split()).casefold() for tag in tags.split(",")} - {""})
    if len(unique) > MAX_TAGS:
        raise InvalidInput({"tags": f"A page can have at most {MAX_TAGS} tags."})
    if any(len(tag) > MAX_TAG_CHARS for tag in unique):
        raise InvalidInput({"tags": f"Tags can have at most {MAX_TAG_CHARS} characters."})
    if any(_first_control_char(tag) for tag in unique):
        raise InvalidInput({"tags": "The tags contain control characters."})
    return ", ".join(unique)


def clean_summary(summary: str) -> str:
    summary = " ".join(summary.split())
    if len(summary) > MAX_SUMMARY_CHARS:
        raise InvalidInput(
            {"summary": f"The summary can have at most {MAX_SUMMARY_CHARS} characters."}
        )
    if _first_control_char(summary) is not None:
        raise InvalidInput({"summary": "The summary contains control characters."})
    return summary


def render_checked(body: str, space: str = DEFAULT_SPACE_KEY, page_id: int | None = None):
    """Render ``body`` as the page ``page_id`` (None: a page not made yet) of the space with
    the key ``space`` shows it; raises InvalidInput when the renderer refuses it."""
    try:
        return render_markdown(body, space, page_id)
    except RenderError as exc:
        raise InvalidInput({"body": str(exc)}) from None


def check_conflicts_resolved(body: str) -> None:
    """Raises InvalidInput while a text from the conflict screen still has conflict markers,
    so a half-resolved merge is not saved by mistake (the text comes back to the user)."""
    if has_conflicts(body):
        raise InvalidInput(
            {
                "body": f"The text still has conflict markers ({START_MARKER} … {MID_MARKER} … "
                f"{END_MARKER}). Keep what should stay from each version and delete the marker lines."
            }
        )


# --- lookups ----------------------------------------------------------------------------


def find_page(session: Session, slug: str) -> tuple[Page | None, bool]:
    """The page at ``slug`` and whether it was reached through an old (renamed) slug."""
    # One query serves a page view: the current revision and its author come along; the
    # text itself is loaded only when needed (views show the cached HTML).
    with_current = (
        joinedload(Page.current_revision).defer(Revision.body).joinedload(Revision.author)
    )
    page = session.scalar(select(Page).where(Page.slug == slug).options(with_current))
    if page is not None:
        return page, False
    page = session.scalar(
        select(Page)
        .join(PageAlias, PageAlias.page_id == Page.id)
        .where(PageAlias.slug == slug)
        .options(with_current)
    )
    return page, page is not None


def get_revision(session: Session, page: Page, number: int) -> Revision:
    """Revision ``number`` of ``page``; raises NotFound."""
    revision = session.scalar(
        select(Revision).where(Revision.page_id == page.id, Revision.number == number)
    )
    if revision is None:
        raise NotFound(f"{page.title} has no revision {number}.")
    return revision


TREE_LOCK = 7_240_020
"""PostgreSQL advisory lock taken by moves and by new pages under a parent: they take turns,
so a page is never created under a parent that is moving away (SQLite's write transactions
take turns already)."""


def lock_tree(session: Session) -> None:
    """Wait for moves and new child pages of other transactions to end, and hold them off
    until this one ends. Raises nothing but database errors."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(TREE_LOCK)))


def _check_parent(author: User, parent: Page, space_id: int) -> None:
    if not can(author, Action.READ, parent):  # as good as missing
        raise InvalidInput({"parent": "There is no such page to put the new page under."})
    if parent.space_id != space_id:
        raise InvalidInput(
            {"parent": f"{parent.title} is in another space: choose a page of the same space."}
        )
    if parent.deleted:
        raise InvalidInput(
            {"parent": f"{parent.title} is deleted: choose another page to put it under."}
        )
    if not can(author, Action.CREATE, parent):
        raise InvalidInput({"parent": f"You may not add pages under {parent.title}."})


def _lock_page(session: Session, page: Page) -> Page:
    """Reload ``page`` holding its row lock until the transaction ends."""
    return session.scalars(
        select(Page)
        .where(Page.id == page.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


# --- writing ------------------------------------------------------------------------------


def _append_revision(
    session: Session,
    page: Page,
    author: User,
    kind: RevisionKind,
    *,
    title: str,
    body: str,
    summary: str,
    tags: str,
    record: Record,
    restored_from: int | None = None,
    rendered=None,
) -> Revision:
    """Add the next revision to a locked ``page`` and make it current, with its rendering,
    its links (:mod:`wiki.content.links`) and ``record``, its fields as validated. Raises
    InvalidInput when the renderer refuses ``body``."""
    previous = page.current_revision
    if rendered is None:
        rendered = render_checked(body, space_key(session, page.space_id), page.id)
    size = len(body.encode("utf-8"))
    revision = Revision(
        page=page,
        number=page.latest_number + 1,
        parent_id=previous.id if previous is not None else None,
        author=author,
        created_at=utcnow(),
        kind=kind,
        summary=summary,
        title=title,
        body=body,
        tags=tags,
        size=size,
        size_delta=size - (previous.size if previous is not None else 0),
        restored_from=restored_from,
        fields=record.as_json(),
    )
    session.add(revision)
    session.flush()
    wikilinks = _joined_links(rendered.wikilinks)
    session.add(
        RenderedRevision(
            revision_id=revision.id,
            renderer_version=RENDERER_VERSION,
            space_id=page.space_id,
            html=rendered.html,
            toc_html=rendered.toc_html,
            wikilinks=wikilinks,
        )
    )
    # The one way a revision becomes current: the stored links follow it here.
    store_links(session, page.id, wikilinks)
    page.latest_number = revision.number
    page.current_revision = revision
    page.updated_at = revision.created_at
    if previous is None or previous.fields != revision.fields:
        write_page_fields(session, page, record)
    if previous is None or previous.body != body:
        # A cached rendering (restores) carries no tasks: read them from the text.
        tasks = rendered.tasks if isinstance(rendered, Rendered) else tasks_of(body)
        write_action_items(session, page.id, tasks)
    note_revision(session, revision)  # the outbox: watchers hear of it from the worker
    session.flush()
    return revision


DELETED_ADDRESS = "{slug}--deleted-{page_id}"
"""Where a deleted page moves when its address is given to a new page ("--" never occurs
in a slug made from a title, so the address is free)."""

HIDDEN_ADDRESS = "{slug}--{page_id}"
"""Where a live page moves when its address is given to a page by someone who may not see
it (a restricted page): like :data:`DELETED_ADDRESS`, without calling it deleted."""


def _free_address(session: Session, author: User, title: str, slug: str) -> None:
    """Make ``slug`` free for a page ``author`` creates or renames to ``title``.

    A page the author may read keeps it (InvalidInput names the page). A page the author
    may not see must not tell that it exists: it gives its address up and moves to
    :data:`DELETED_ADDRESS` when deleted (admins still find it there, and may undelete it),
    else to :data:`HIDDEN_ADDRESS`, with a revision saying so in its history. Raises
    InvalidInput.
    """
    holder = session.scalar(select(Page).where(Page.slug == slug).with_for_update())
    if holder is None:
        return
    if can(author, Action.READ, holder):
        _refuse_taken(title, slug, holder)
    aside = DELETED_ADDRESS if holder.deleted else HIDDEN_ADDRESS
    holder.slug = aside.format(slug=slug, page_id=holder.id)
    _append_same_text(
        session,
        holder,
        author,
        RevisionKind.RENAME,
        f"Moved to {holder.slug}: its address was given to a new page",
    )
    session.flush()


def create_page(
    session: Session,
    author: User,
    title: str,
    body: str,
    summary: str,
    limits: Limits,
    tags: str = "",
    space: Space | None = None,
    parent: Page | None = None,
    record: Record | None = None,
) -> SaveResult:
    """Create a page with its first revision, in ``space`` (None: the default space), under
    ``parent`` (a page of that space; None: at the top of the space), with the fields of
    ``record`` (from its template; values as typed). A page under another inherits its
    restrictions.

    Raises InvalidInput for bad input (field values keyed ``field-<name>``), a space
    ``author`` may not create pages in, a parent
    in another space or one they may not add pages under (keyed ``parent``), or when a page
    with this title (slug) exists in the space, and EditConflict when another user created
    the same page a moment earlier.
    """
    space_id = space.id if space is not None else DEFAULT_SPACE_ID
    if not can_in_space(author, Action.CREATE, space_id):
        name = space.name if space is not None else "the default space"
        raise InvalidInput({"space": f"You may not create pages in {name}; choose another space."})
    if parent is not None:
        lock_tree(session)  # the parent cannot move away meanwhile
        parent = _lock_page(session, parent)
        _check_parent(author, parent, space_id)
    title = clean_title(title, limits)
    body = clean_body(body, limits)
    summary = clean_summary(summary)
    tags = clean_tags(tags)
    record = clean_record(session, record or Record())
    rendered = render_checked(body, space.key if space is not None else DEFAULT_SPACE_KEY)
    slug = page_slug(space, title)
    check_title_is_free(session, author, title, space)
    page = Page(
        slug=slug,
        title=title,
        space_id=space.id if space is not None else DEFAULT_SPACE_ID,
        latest_number=0,
        deleted=False,
        created_at=utcnow(),
        parent_id=parent.id if parent is not None else None,
        # The restrictions above it hold for it too (wiki.access.restrictions).
        read_scope_id=parent.read_scope_id if parent is not None else None,
        edit_scope_id=parent.edit_scope_id if parent is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(page)
            session.flush()
    except IntegrityError:
        # Someone created it between our check and our insert: show both texts.
        theirs, _ = find_page(session, slug)
        if theirs is None:  # its address was taken and given up again meanwhile
            raise InvalidInput(
                {"title": "Someone was creating a page with this title just now; save again."}
            ) from None
        current = theirs.current
        raise EditConflict(
            slug=slug,
            title=theirs.title,
            mine=body,
            theirs=current.body,
            merged=merge_texts("", body, current.body).text,
            current_number=theirs.latest_number,
            summary=summary,
            tags=tags,
            message=f"{current.author.username} created this page while you were writing it.",
            saved_by=saved_since(session, theirs.id, 0),
        ) from None
    start_review(session, page, author)
    revision = _append_revision(
        session,
        page,
        author,
        RevisionKind.CREATE,
        title=title,
        body=body,
        summary=summary or "Created the page",
        tags=tags,
        record=record,
        # Links to the page's own files need its id, which the first rendering (made to
        # check the text before the page existed) did not have: render it again for them.
        rendered=None if ATTACHMENT_SCHEME + ":" in body.lower() else rendered,
    )
    return SaveResult(page=page, revision=revision)


def edit_page(
    session: Session,
    author: User,
    page: Page,
    base_number: int,
    body: str,
    summary: str,
    limits: Limits,
    tags: str | None = None,
    values: dict[str, str] | None = None,
    ends_draft: bool = False,
) -> SaveResult:
    """Save a new text (and tags, and field ``values`` as typed; None keeps them) for
    ``page``, edited from ``base_number``.

    If others saved since ``base_number``, their changes and the user's are merged when
    they do not overlap; otherwise EditConflict is raised with both texts. Fields and tags
    the user left as they were keep what others saved meanwhile. Saving an unchanged text
    creates no revision. A save from the editor (``ends_draft``) deletes the author's draft
    of the page (:mod:`wiki.content.drafts`) with it, saved or unchanged: the draft was that
    editing. Raises InvalidInput for bad input (field values keyed ``field-<name>``).
    """
    body = clean_body(body, limits)
    summary = clean_summary(summary)
    tags = clean_tags(tags) if tags is not None else None
    page = _lock_page(session, page)
    if page.deleted:
        raise NotFound(f"{page.title} has been deleted.")
    if not 1 <= base_number <= page.latest_number:
        raise InvalidInput({"body": "The edit form is out of date; reload the page."})
    current = page.current
    merged_with = None
    if tags is None:
        tags = current.tags
    record = Record.from_json(current.fields)
    if values is not None:
        record = clean_record(session, record.with_values(values))
    if base_number != page.latest_number:
        base = get_revision(session, page, base_number)
        if tags == base.tags:  # the user left the tags alone: keep what others set
            tags = current.tags
        if record.values == Record.from_json(base.fields).values:
            record = Record.from_json(current.fields)
        merge = merge_texts(base.body, body, current.body)
        if merge.conflicted:
            raise EditConflict(
                slug=page.slug,
                title=page.title,
                mine=body,
                theirs=current.body,
                merged=merge.text,
                current_number=page.latest_number,
                summary=summary,
                tags=tags,
                values=values,
                base_number=base_number,
                saved_by=saved_since(session, page.id, base_number),
            )
        body, merged_with = merge.text, page.latest_number
    if ends_draft:
        _end_draft(session, author, page)
    if body == current.body and tags == current.tags and record.as_json() == current.fields:
        return SaveResult(page=page, revision=None, merged_with=merged_with)
    revision = _append_revision(
        session,
        page,
        author,
        RevisionKind.EDIT,
        title=page.title,
        body=body,
        summary=summary,
        tags=tags,
        record=record,
    )
    return SaveResult(page=page, revision=revision, merged_with=merged_with)


def _end_draft(session: Session, author: User, page: Page) -> None:
    """Delete ``author``'s draft of ``page``, in the transaction of the save it became."""
    session.execute(delete(Draft).where(Draft.author_id == author.id, Draft.page_id == page.id))


def rename_page(
    session: Session, author: User, page: Page, new_title: str, summary: str, limits: Limits
) -> SaveResult:
    """Give ``page`` a new title; the old URL keeps working as a redirect.

    Raises InvalidInput when the title is bad or another page has it.
    """
    new_title = clean_title(new_title, limits)
    summary = clean_summary(summary)
    page = _lock_page(session, page)
    if page.deleted:
        raise NotFound(f"{page.title} has been deleted.")
    if new_title == page.title:
        raise InvalidInput({"title": "That is the page's current title."})
    check_title_is_free(session, author, new_title, page.space, page)
    new_slug = page_slug(page.space, new_title)
    if new_slug != page.slug:
        # The new slug may have been an old name of some page: it now means this one.
        session.execute(delete(PageAlias).where(PageAlias.slug == new_slug))
        session.add(PageAlias(slug=page.slug, page_id=page.id))
    old_title = page.title
    page.slug, page.title = new_slug, new_title
    current = page.current
    revision = _append_revision(
        session,
        page,
        author,
        RevisionKind.RENAME,
        title=new_title,
        body=current.body,
        summary=summary or f"Renamed from {old_title}",
        tags=current.tags,
        record=Record.from_json(current.fields),
        rendered=_cached_rendering(session, page, current),
    )
    audit.record(
        session,
        author,
        audit.AuditAction.PAGE_RENAME,
        page,
        {"from": old_title, "to": new_title, "revision": revision.number, "summary": summary},
        target=old_title,
    )
    return SaveResult(page=page, revision=revision)


def delete_page(session: Session, author: User, page: Page, summary: str) -> SaveResult:
    """Soft-delete ``page``: it disappears for non-admins, its whole history is kept."""
    summary = clean_summary(summary)
    page = _lock_page(session, page)
    if page.deleted:
        raise InvalidInput({"summary": "The page is already deleted."})
    page.deleted = True
    result = _append_same_text(
        session, page, author, RevisionKind.DELETE, summary or "Deleted the page"
    )
    _record_page_event(session, author, audit.AuditAction.PAGE_DELETE, result, summary)
    return result


def undelete_page(session: Session, author: User, page: Page, summary: str) -> SaveResult:
    """Bring a deleted page back, with the text it had."""
    summary = clean_summary(summary)
    page = _lock_page(session, page)
    if not page.deleted:
        raise InvalidInput({"summary": "The page is not deleted."})
    page.deleted = False
    result = _append_same_text(
        session, page, author, RevisionKind.UNDELETE, summary or "Undeleted the page"
    )
    _record_page_event(session, author, audit.AuditAction.PAGE_UNDELETE, result, summary)
    return result


MAX_RESTORE_REASON_CHARS = 300
"""Longest reason for a restore: it goes into the new revision's summary after
"Restored revision N (by author) — ", which must stay within :data:`MAX_SUMMARY_CHARS`."""


def clean_restore_reason(reason: str) -> str:
    """Return the reason with surrounding and repeated white space removed.

    Raises InvalidInput (keyed ``reason``) when it is longer than
    :data:`MAX_RESTORE_REASON_CHARS` or has control characters.
    """
    reason = " ".join(reason.split())
    if len(reason) > MAX_RESTORE_REASON_CHARS:
        raise InvalidInput(
            {
                "reason": f"The reason can have at most {MAX_RESTORE_REASON_CHARS} characters "
                f"(it has {len(reason):,}); shorten it."
            }
        )
    if _first_control_char(reason) is not None or _SURROGATE.search(reason):
        raise InvalidInput({"reason": "The reason contains control characters."})
    return reason


def same_content(one: Revision, other: Revision) -> bool:
    """Whether two revisions have the same text, tags and fields (restoring one where the
    other is current would change nothing). Raises nothing."""
    return one.body == other.body and one.tags == other.tags and one.fields == other.fields


def restore_summary(number: int, old_author: str, reason: str) -> str:
    """The summary of a restore: "Restored revision 2 (by anna) — reason" (no dash without
    a reason). Raises nothing."""
    summary = f"Restored revision {number} (by {old_author})"
    return f"{summary} — {reason}" if reason else summary


def restore_revision(
    session: Session,
    author: User,
    page: Page,
    number: int,
    limits: Limits,
    *,
    reason: str = "",
    seen_current: int | None = None,
) -> SaveResult:
    """Make revision ``number``'s text, tags and fields current again, as a new revision by
    ``author`` whose summary names the revision, its author and ``reason``.

    ``seen_current`` is the number of the revision that was current when ``author`` looked
    at the changes (None: whatever is current now); if another has been saved since, the
    restore is refused, so nobody restores over a change they have not seen.
    Raises NotFound for an unknown revision or a deleted page, InvalidInput for a bad
    reason (keyed ``reason``), a page changed since ``seen_current`` (keyed ``current``)
    or a revision whose text is already current (keyed ``restore``).
    """
    reason = clean_restore_reason(reason)
    page = _lock_page(session, page)
    if page.deleted:
        raise NotFound(f"{page.title} has been deleted; undelete it first.")
    old = get_revision(session, page, number)
    current = page.current
    if seen_current is not None and seen_current != page.latest_number:
        raise InvalidInput(
            {
                "current": f"{current.author.username} saved revision {page.latest_number} "
                f"after you opened this page, so the changes you checked are out of date. "
                "Below are the changes against it now: check them, then confirm again."
            }
        )
    if number == page.latest_number:
        raise InvalidInput(
            {"restore": f"Revision {number} is the current revision: there is nothing to restore."}
        )
    if same_content(old, current):
        raise InvalidInput({"restore": f"Revision {number} has the same text as the current one."})
    revision = _append_revision(
        session,
        page,
        author,
        RevisionKind.RESTORE,
        title=page.title,
        body=old.body,
        summary=restore_summary(number, old.author.username, reason),
        tags=old.tags,
        record=Record.from_json(old.fields),
        restored_from=number,
        rendered=_cached_rendering(session, page, old),
    )
    audit.record(
        session,
        author,
        audit.AuditAction.PAGE_RESTORE,
        page,
        {
            "restored": number,
            "author": old.author.username,
            "revision": revision.number,
            "reason": reason,
        },
    )
    return SaveResult(page=page, revision=revision)


def _append_same_text(
    session: Session, page: Page, author: User, kind: RevisionKind, summary: str
) -> SaveResult:
    current = page.current
    revision = _append_revision(
        session,
        page,
        author,
        kind,
        title=page.title,
        body=current.body,
        summary=summary,
        tags=current.tags,
        record=Record.from_json(current.fields),
        rendered=_cached_rendering(session, page, current),
    )
    return SaveResult(page=page, revision=revision)


def _record_page_event(
    session: Session, author: User, action: audit.AuditAction, result: SaveResult, summary: str
) -> None:
    """Record a delete or undelete in the audit log, with the summary the user gave."""
    details = {"revision": result.new_revision.number, "summary": summary}
    audit.record(session, author, action, result.page, details)


def _joined_links(wikilinks) -> str:
    return wikilinks if isinstance(wikilinks, str) else "\n".join(sorted(wikilinks))


def _cached_rendering(session: Session, page: Page, revision: Revision):
    """The stored rendering of ``revision`` if it is current and was made in the space
    ``page`` is in now, else None (rendered afresh)."""
    cached = session.get(RenderedRevision, revision.id)
    if (
        cached is not None
        and cached.renderer_version == RENDERER_VERSION
        and cached.space_id == page.space_id
    ):
        return cached
    return None
