"""Links between pages: what links to a page, pages nothing links to, links to pages that
do not exist yet, and the tags in use.

The ``[[wiki links]]`` of every page's current revision are kept in ``page_links``
(:class:`~wiki.models.PageLink`): one row per page and slug it links to, written by
:func:`store_links` in the transaction of every save (every new current revision goes
through :func:`wiki.content.pages._append_revision`, moves to another space included,
whose pages are rendered again in their new space). The table is derived data: ``wiki
reindex`` rebuilds it (:func:`rebuild_links`), as should be done after a change of the
renderer that changes which slugs a text links to.

A link leads to the page with that slug, or to the page that had it before a rename or a
move (:class:`~wiki.models.PageAlias`). Every answer here is for one viewer, through
:mod:`wiki.access.permissions` alone: only links in live pages the viewer may read are
shown or counted, and a link to a page the viewer may not read counts as a link to a
missing page, exactly as the page view marks it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Exists,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from wiki.access.permissions import Viewer, visible_pages
from wiki.content.catalog import order_columns
from wiki.content.render import RENDERER_VERSION, RenderError, render_markdown
from wiki.models import (
    DEFAULT_SPACE_ID,
    Page,
    PageAlias,
    PageLink,
    RenderedRevision,
    Revision,
    Space,
    split_tags,
)
from wiki.slugs import DEFAULT_SPACE_KEY, MAX_SLUG_CHARS, split_space_key

MAX_LISTED = 500
"""The most pages (or missing pages) one list shows; the count above it says how many
there are in all."""
MAX_LINKING_SHOWN = 10
"""The most linking pages named beside each missing page (the count gives the rest)."""
MAX_TARGET_CHARS = MAX_SLUG_CHARS
"""Longer link targets are not stored: no page can have such a slug (slugs are cut to
this length), so the link could never lead anywhere, not even to a page made for it."""
_CHUNK = 500  # values in one IN list
_REBUILD_BATCH = 200  # pages read (and rendered if need be) at a time by a rebuild


# --- keeping the table in step ---------------------------------------------------------------


def link_targets(wikilinks: str | Iterable[str]) -> set[str]:
    """The slugs a rendering's ``wikilinks`` (one per line, or already a collection) lead
    to, as ``page_links`` stores them. Raises nothing."""
    slugs = wikilinks.split("\n") if isinstance(wikilinks, str) else wikilinks
    return {slug for slug in slugs if slug and len(slug) <= MAX_TARGET_CHARS}


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    return (values[start : start + _CHUNK] for start in range(0, len(values), _CHUNK))


def store_links(session: Session, page_id: int, wikilinks: str | Iterable[str]) -> None:
    """Make the stored links of the page ``page_id`` the slugs of ``wikilinks`` (its
    current revision's), in the caller's transaction, which holds the page's row lock:
    only what changed is written, so saves that keep the text (renames, deletes) touch
    nothing. Database errors propagate."""
    stored = set(session.scalars(select(PageLink.target_slug).where(PageLink.page_id == page_id)))
    _replace(session, page_id, stored, link_targets(wikilinks))


def _replace(session: Session, page_id: int, stored: set[str], wanted: set[str]) -> None:
    for part in _chunks(sorted(stored - wanted)):
        session.execute(
            delete(PageLink).where(PageLink.page_id == page_id, PageLink.target_slug.in_(part))
        )
    added = sorted(wanted - stored)
    if added:
        session.execute(
            insert(PageLink), [{"page_id": page_id, "target_slug": slug} for slug in added]
        )


def _rendered_links(body: str, space_key: str) -> frozenset[str]:
    try:
        return render_markdown(body, space_key).wikilinks
    except RenderError:  # such a text is shown as plain text, with the reason: no links
        return frozenset()


def rebuild_links(session: Session, progress: Callable[[int], None] | None = None) -> int:
    """Bring ``page_links`` in step with every page's current revision, in the caller's
    transaction: from its stored rendering when that is current and was made in the page's
    space, else rendered again (not stored). Pages are locked a batch at a time, as saves
    lock them, so a save under way is waited for and none is undone. ``progress`` is told
    the pages done so far. Returns the number of pages. Database errors propagate."""
    keys = dict(session.execute(select(Space.id, Space.key)).all())
    keys[DEFAULT_SPACE_ID] = DEFAULT_SPACE_KEY
    current = (
        select(
            Page.id,
            Page.space_id,
            Revision.body,
            RenderedRevision.renderer_version,
            RenderedRevision.space_id,
            RenderedRevision.wikilinks,
        )
        .join(Revision, Revision.id == Page.current_revision_id)
        .outerjoin(RenderedRevision, RenderedRevision.revision_id == Revision.id)
        .order_by(Page.id)
    )
    done = 0
    last_id = 0
    while True:
        batch = list(
            session.scalars(
                select(Page.id)
                .where(Page.id > last_id)
                .order_by(Page.id)
                .limit(_REBUILD_BATCH)
                .with_for_update()
            )
        )
        if not batch:
            break
        stored: dict[int, set[str]] = {page_id: set() for page_id in batch}
        for page_id, slug in session.execute(
            select(PageLink.page_id, PageLink.target_slug).where(PageLink.page_id.in_(batch))
        ):
            stored[page_id].add(slug)
        for page_id, space_id, body, version, rendered_in, wikilinks in session.execute(
            current.where(Page.id.in_(batch))
        ):
            if version == RENDERER_VERSION and rendered_in == space_id:
                wanted = link_targets(wikilinks)
            else:
                wanted = link_targets(_rendered_links(body, keys[space_id]))
            _replace(session, page_id, stored.pop(page_id), wanted)
        for page_id, left in stored.items():  # no current revision: links nowhere
            _replace(session, page_id, left, set())
        done += len(batch)
        last_id = batch[-1]
        if progress is not None:
            progress(done)
    return done


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkingPage:
    """A page that links to another. ``via``: the old address (of a renamed or moved page)
    the link names, None when it names the page's own."""

    slug: str
    title: str
    via: str | None = None


@dataclass(frozen=True)
class LinksHere:
    """The readable live pages linking to one page, alphabetically (at most
    :data:`MAX_LISTED`), and how many there are in all."""

    pages: tuple[LinkingPage, ...]
    count: int


@dataclass(frozen=True)
class ListedPage:
    slug: str
    title: str


@dataclass(frozen=True)
class PageList:
    """Pages alphabetically (at most :data:`MAX_LISTED`), and how many there are in all."""

    pages: tuple[ListedPage, ...]
    count: int


@dataclass(frozen=True)
class WantedPage:
    """A slug that links lead to while no page the viewer may read has it: how many pages
    link to it, the first of them (at most :data:`MAX_LINKING_SHOWN`), and the space key
    and title a page made for it would have (a guess from the slug)."""

    slug: str
    count: int
    linking: tuple[ListedPage, ...]
    space_key: str
    title_guess: str


@dataclass(frozen=True)
class WantedPages:
    """The missing pages most linked to first (at most :data:`MAX_LISTED`), and how many
    there are in all."""

    pages: tuple[WantedPage, ...]
    count: int


@dataclass(frozen=True)
class TagCount:
    tag: str
    pages: int


def _readable(viewer: Viewer, pages: type[Page] | None = None) -> ColumnElement[bool]:
    """Live pages ``viewer`` may read (on ``pages``, an alias, when given): only their
    links are shown or counted (a deleted page links nowhere)."""
    if pages is None:
        return and_(Page.deleted.is_(False), visible_pages(viewer))
    return and_(pages.deleted.is_(False), visible_pages(viewer, pages))


def _holds(slug: InstrumentedAttribute[str]) -> Exists:
    """Some page has ``slug`` as its own (then a link to it leads there, whatever page had
    the slug before)."""
    holder = aliased(Page, name="holder")
    return exists().where(holder.slug == slug)


def links_here(session: Session, viewer: Viewer, page: Page) -> LinksHere:
    """The live pages ``viewer`` may read that link to ``page`` (by its slug, or by an old
    one no other page has taken since), the page itself left out. ``page`` is one the
    viewer may read (the caller checks). Database errors propagate."""
    source, readable = Page, _readable(viewer)
    old = select(PageAlias.slug).where(PageAlias.page_id == page.id, ~_holds(PageAlias.slug))
    condition = and_(
        readable,
        source.id != page.id,
        (PageLink.target_slug == page.slug) | PageLink.target_slug.in_(old),
    )
    count = session.scalar(
        select(func.count(func.distinct(source.id)))
        .select_from(PageLink)
        .join(source, source.id == PageLink.page_id)
        .where(condition)
    )
    via = func.max(case((PageLink.target_slug != page.slug, PageLink.target_slug)))
    rows = session.execute(
        select(source.slug, source.title, via)
        .select_from(PageLink)
        .join(source, source.id == PageLink.page_id)
        .where(condition)
        .group_by(source.id, source.slug, source.title, source.sort_key)
        .order_by(*order_columns(session))
        .limit(MAX_LISTED)
    )
    return LinksHere(tuple(LinkingPage(*row) for row in rows), count or 0)


def orphans(session: Session, viewer: Viewer, space: Space | None = None) -> PageList:
    """The live pages ``viewer`` may read (in ``space`` when given) that no other live page
    they may read links to, alphabetically. Database errors propagate."""
    source = aliased(Page, name="source")
    readable = _readable(viewer, source)
    target = aliased(Page, name="target")
    by_slug = (
        select(target.id.label("page_id"))
        .select_from(PageLink)
        .join(source, source.id == PageLink.page_id)
        .join(target, target.slug == PageLink.target_slug)
        .where(readable, source.id != target.id)
    )
    by_old_slug = (
        select(PageAlias.page_id.label("page_id"))
        .select_from(PageLink)
        .join(source, source.id == PageLink.page_id)
        .join(PageAlias, PageAlias.slug == PageLink.target_slug)
        .where(readable, source.id != PageAlias.page_id, ~_holds(PageAlias.slug))
    )
    linked = union_all(by_slug, by_old_slug).subquery("linked")
    condition = and_(
        Page.deleted.is_(False),
        visible_pages(viewer),
        Page.id.not_in(select(linked.c.page_id)),
    )
    if space is not None:
        condition = and_(condition, Page.space_id == space.id)
    count = session.scalar(select(func.count(Page.id)).where(condition))
    rows = session.execute(
        select(Page.slug, Page.title)
        .where(condition)
        .order_by(*order_columns(session))
        .limit(MAX_LISTED)
    )
    return PageList(tuple(ListedPage(*row) for row in rows), count or 0)


def _leads_to_readable_page(viewer: Viewer) -> ColumnElement[bool]:
    """A link leads to a live page ``viewer`` may read (by its slug, or an old one): as the
    page view decides which links are not missing."""
    by_slug = aliased(Page, name="by_slug")
    by_old_slug = aliased(Page, name="by_old_slug")
    return exists().where(
        by_slug.slug == PageLink.target_slug,
        by_slug.deleted.is_(False),
        visible_pages(viewer, by_slug),
    ) | exists(
        select(by_old_slug.id)
        .join(PageAlias, PageAlias.page_id == by_old_slug.id)
        .where(
            PageAlias.slug == PageLink.target_slug,
            by_old_slug.deleted.is_(False),
            visible_pages(viewer, by_old_slug),
        )
    )


def title_guess(slug: str) -> tuple[str, str]:
    """The space key and the title a page made for a link to ``slug`` would likely have
    (``"hr:office-move"`` -> ``("hr", "Office move")``), as the missing page offers it.
    Raises nothing."""
    key, rest = split_space_key(slug)
    return key or DEFAULT_SPACE_KEY, rest.replace("-", " ").strip().capitalize()


def wanted_pages(session: Session, viewer: Viewer) -> WantedPages:
    """The slugs live pages ``viewer`` may read link to while no live page they may read
    has them, the most linked to first (then by slug), each with the pages linking to it.
    A slug only unreadable pages link to is not listed. Database errors propagate."""
    source, readable = Page, _readable(viewer)
    condition = and_(readable, ~_leads_to_readable_page(viewer))
    linking = func.count(func.distinct(source.id))
    grouped = (
        select(PageLink.target_slug, linking.label("linking"))
        .select_from(PageLink)
        .join(source, source.id == PageLink.page_id)
        .where(condition)
        .group_by(PageLink.target_slug)
    )
    counted = grouped.subquery("wanted")
    count = session.scalar(select(func.count()).select_from(counted))
    rows = session.execute(
        select(counted.c.target_slug, counted.c.linking)
        .order_by(counted.c.linking.desc(), counted.c.target_slug)
        .limit(MAX_LISTED)
    ).all()
    names: dict[str, list[ListedPage]] = {slug: [] for slug, _count in rows}
    for part in _chunks(sorted(names)):
        for target_slug, slug, title in session.execute(
            select(PageLink.target_slug, source.slug, source.title)
            .join(source, source.id == PageLink.page_id)
            .where(readable, PageLink.target_slug.in_(part))
            .order_by(*order_columns(session))
        ):
            if len(names[target_slug]) < MAX_LINKING_SHOWN:
                names[target_slug].append(ListedPage(slug, title))
    pages = tuple(
        WantedPage(slug, linked, tuple(names[slug]), *title_guess(slug)) for slug, linked in rows
    )
    return WantedPages(pages, count or 0)


def tag_index(session: Session, viewer: Viewer) -> list[TagCount]:
    """Every tag of the live pages ``viewer`` may read, alphabetically, with how many of
    those pages carry it. Database errors propagate."""
    counts: Counter[str] = Counter()
    for tags in session.scalars(
        select(Revision.tags)
        .join(Page, Page.current_revision_id == Revision.id)
        .where(Page.deleted.is_(False), visible_pages(viewer), Revision.tags != "")
    ):
        counts.update(split_tags(tags))
    return [TagCount(tag, pages) for tag, pages in sorted(counts.items())]
