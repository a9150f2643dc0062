"""Showing a revision: cached HTML with missing wiki-link targets marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import bindparam, select, union_all
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from wiki.access.permissions import Action, Viewer, can
from wiki.content.merge import Clash, split_conflicts
from wiki.content.pages import render_checked
from wiki.content.records.fields import Record
from wiki.content.records.tasks import mark_unknown_people, mentioned
from wiki.content.render import RENDERER_VERSION, RenderError, mark_missing_links, render_markdown
from wiki.content.spaces import space_key
from wiki.models import (
    Page,
    PageAlias,
    RenderedRevision,
    Revision,
    RevisionKind,
    User,
    split_tags,
)
from wiki.slugs import DEFAULT_SPACE_KEY


@dataclass(frozen=True)
class ShownRevision:
    html: Markup
    toc_html: Markup


@dataclass(frozen=True)
class AuthorName:
    username: str
    display_name: str | None = None
    disabled: bool = False

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class PageSummary:
    """What the page view shows of a page (a :class:`~wiki.access.permissions.PageLike`)."""

    id: int
    slug: str
    title: str
    deleted: bool
    latest_number: int
    space_id: int
    read_scope_id: int | None
    edit_scope_id: int | None


@dataclass(frozen=True)
class RevisionSummary:
    id: int
    number: int
    created_at: datetime
    summary: str
    author: AuthorName
    tags: list[str]
    record: Record = Record()
    kind: RevisionKind = RevisionKind.EDIT  # a deleted page's shows who deleted it


@dataclass(frozen=True)
class PageView:
    page: PageSummary
    revision: RevisionSummary
    shown: ShownRevision


# The page view is the hottest path of the wiki: one plain query (no ORM objects) fetches
# the page, its current revision's metadata, the author's name and the cached HTML.
_PAGE_VIEW = (
    select(
        Page.id,
        Page.slug,
        Page.title,
        Page.deleted,
        Page.latest_number,
        Page.space_id,
        Page.read_scope_id,
        Page.edit_scope_id,
        Revision.id,
        Revision.number,
        Revision.created_at,
        Revision.summary,
        Revision.tags,
        Revision.fields,
        Revision.kind,
        User.username,
        User.display_name,
        User.disabled,
        RenderedRevision.renderer_version,
        RenderedRevision.space_id,
        RenderedRevision.html,
        RenderedRevision.toc_html,
        RenderedRevision.wikilinks,
    )
    .join(Revision, Revision.id == Page.current_revision_id)
    .join(User, User.id == Revision.author_id)
    .outerjoin(RenderedRevision, RenderedRevision.revision_id == Revision.id)
    .where(Page.slug == bindparam("slug"))
)


# Link targets, each checked by the permission module: a page the viewer may not read is
# marked like a missing one.
_LINKED: BindParameter[list[str]] = bindparam("slugs", expanding=True)
_TARGET_COLUMNS = (Page.deleted, Page.space_id, Page.read_scope_id, Page.edit_scope_id)
# A link to a page's old address (renamed or moved) leads to it, so it is not missing.
_LINK_TARGETS = union_all(
    select(Page.slug, *_TARGET_COLUMNS).where(Page.slug.in_(_LINKED), Page.deleted.is_(False)),
    select(PageAlias.slug, *_TARGET_COLUMNS)
    .join(Page, Page.id == PageAlias.page_id)
    .where(PageAlias.slug.in_(_LINKED), Page.deleted.is_(False)),
)


def page_view(session: Session, slug: str, viewer: Viewer, database=None) -> PageView | None:
    """Everything the page view shows for the page at ``slug``, or None if no page has it.

    (Old slugs of renamed pages are not followed here; see :func:`wiki.content.pages.find_page`.)
    """
    # Core on the session's connection: half the cost of going through the ORM session.
    row = session.connection().execute(_PAGE_VIEW, {"slug": slug}).first()
    if row is None:
        return None
    (
        page_id,
        slug,
        title,
        deleted,
        latest,
        space_id,
        read_scope,
        edit_scope,
        revision_id,
        number,
        created_at,
        summary,
        tags,
        fields,
        kind,
        author,
        author_display_name,
        author_disabled,
        version,
        rendered_in,
        html,
        toc_html,
        wikilinks,
    ) = row
    if version != RENDERER_VERSION or rendered_in != space_id:
        # Never rendered, by an older renderer, or in another space (the page was moved):
        # its links would lead elsewhere.
        cached = _render_and_cache(
            database, session.get_one(Revision, revision_id), space_id, space_key(session, space_id)
        )
        html, toc_html, wikilinks = cached.html, cached.toc_html, cached.wikilinks
    return PageView(
        page=PageSummary(page_id, slug, title, deleted, latest, space_id, read_scope, edit_scope),
        revision=RevisionSummary(
            revision_id,
            number,
            created_at,
            summary,
            AuthorName(author, author_display_name, author_disabled),
            split_tags(tags),
            Record.from_json(fields),
            RevisionKind(kind),
        ),
        shown=_shown(session, viewer, html, toc_html, wikilinks),
    )


def _shown(
    session: Session, viewer: Viewer, html: str, toc_html: str, wikilinks: str
) -> ShownRevision:
    if wikilinks:
        slugs = wikilinks.split("\n")
        targets = session.connection().execute(_LINK_TARGETS, {"slugs": slugs})
        existing = {target.slug for target in targets if can(viewer, Action.READ, target)}
        html = mark_missing_links(html, set(slugs).difference(existing))
    names = mentioned(html)
    if names:
        keys = [name.casefold() for name in names]
        known = set(session.scalars(select(User.username_key).where(User.username_key.in_(keys))))
        html = mark_unknown_people(html, known)
    # The HTML was sanitised by the render pipeline before it was stored.
    return ShownRevision(html=Markup(html), toc_html=Markup(toc_html))


def preview(
    session: Session,
    viewer: Viewer,
    body: str,
    *,
    conflicts: bool = False,
    space: str = DEFAULT_SPACE_KEY,
    page_id: int | None = None,
) -> ShownRevision:
    """A text being edited, as its page in the space with the key ``space`` would show it
    (missing wiki links marked).

    With ``conflicts`` (the conflict screen), each block between conflict markers is shown
    as its two versions side by side, each rendered on its own, instead of the markers
    being read as Markdown (``=======`` would underline a heading).

    Raises InvalidInput when the renderer refuses the text.
    """
    parts = split_conflicts(body) if conflicts else [body]
    html, tocs, wikilinks = [], [], set()

    def rendered(text: str) -> str:
        result = render_checked(text, space, page_id)
        wikilinks.update(result.wikilinks)
        tocs.append(result.toc_html)
        return result.html

    for part in parts:
        if isinstance(part, Clash):
            # The wrappers are fixed markup; what goes inside is the pipeline's sanitised HTML.
            html.append(
                '<div class="conflict-block">'
                f'<div class="conflict-side conflict-mine"><p class="conflict-label">Your version</p>{rendered(part.mine)}</div>'
                f'<div class="conflict-side conflict-theirs"><p class="conflict-label">Saved meanwhile</p>{rendered(part.theirs)}</div>'
                "</div>"
            )
        else:
            html.append(rendered(part))
    # A table of contents only for a text without clashes: pieces have none of their own.
    toc_html = tocs[0] if len(tocs) == 1 else ""
    return _shown(session, viewer, "".join(html), toc_html, "\n".join(sorted(wikilinks)))


def fresh_rendering(
    body: str, space: str = DEFAULT_SPACE_KEY, page_id: int | None = None
) -> tuple[str, str, str]:
    """Render a stored text again, as the page ``page_id`` of the space with the key
    ``space``: ``(html, toc_html, wikilinks)``.

    A text saved before a renderer change made it unrenderable is shown escaped, with the
    reason, so it is never lost from view (or from search).
    """
    try:
        rendered = render_markdown(body, space, page_id)
    except RenderError as exc:
        return f'<p class="render-error">{escape(str(exc))}</p><pre>{escape(body)}</pre>', "", ""
    return rendered.html, rendered.toc_html, "\n".join(sorted(rendered.wikilinks))


def _render_and_cache(database, revision: Revision, space_id: int, space: str) -> RenderedRevision:
    """Render a revision whose cache entry is missing or stale in the space ``space_id``
    (whose key is ``space``), and store it.

    The cache write uses its own short write transaction: the request's read transaction
    must not turn into a write (on SQLite that fails instead of waiting), and losing a
    race with another worker storing the same rendering is harmless.
    """
    html, toc, links = fresh_rendering(revision.body, space, revision.page_id)
    entry = RenderedRevision(
        revision_id=revision.id,
        renderer_version=RENDERER_VERSION,
        space_id=space_id,
        html=html,
        toc_html=toc,
        wikilinks=links,
    )
    if database is not None:
        with database.session(write=True) as writer:
            try:
                writer.merge(entry)
                writer.commit()
            except (IntegrityError, DBAPIError):
                writer.rollback()
    return entry


def show_revision(
    session: Session, viewer: Viewer, revision: Revision, database=None
) -> ShownRevision:
    """The safe HTML of ``revision`` with links to missing or deleted pages marked, its
    wiki links read in the space its page is in now."""
    space_id = revision.page.space_id
    cached = session.get(RenderedRevision, revision.id)
    if cached is None or cached.renderer_version != RENDERER_VERSION or cached.space_id != space_id:
        cached = _render_and_cache(database, revision, space_id, space_key(session, space_id))
    return _shown(session, viewer, cached.html, cached.toc_html, cached.wikilinks)
