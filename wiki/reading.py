"""Showing a revision: cached HTML with missing wiki-link targets marked."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from .models import Page, RenderedRevision, Revision
from .render import RENDERER_VERSION, RenderError, mark_missing_links, render_markdown


@dataclass(frozen=True)
class ShownRevision:
    html: Markup
    toc_html: Markup


def _render_and_cache(database, revision: Revision) -> RenderedRevision:
    """Render a revision whose cache entry is missing or stale, and store it.

    The cache write uses its own short write transaction: the request's read transaction
    must not turn into a write (on SQLite that fails instead of waiting), and losing a
    race with another worker storing the same rendering is harmless.
    """
    try:
        rendered = render_markdown(revision.body)
        html, toc, links = rendered.html, rendered.toc_html, "\n".join(sorted(rendered.wikilinks))
    except RenderError as exc:
        # Saved before a renderer change made it unrenderable: never lose the text.
        from markupsafe import escape

        html = f'<p class="render-error">{escape(str(exc))}</p><pre>{escape(revision.body)}</pre>'
        toc, links = "", ""
    entry = RenderedRevision(
        revision_id=revision.id,
        renderer_version=RENDERER_VERSION,
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


def show_revision(session: Session, revision: Revision, database=None) -> ShownRevision:
    """The safe HTML of ``revision`` with links to missing or deleted pages marked."""
    cached = session.get(RenderedRevision, revision.id)
    if cached is None or cached.renderer_version != RENDERER_VERSION:
        cached = _render_and_cache(database, revision)
    html = cached.html
    if cached.wikilinks:
        slugs = set(cached.wikilinks.split("\n"))
        existing = set(
            session.scalars(select(Page.slug).where(Page.slug.in_(slugs), Page.deleted.is_(False)))
        )
        html = mark_missing_links(html, slugs - existing)
    # The HTML was sanitised by the render pipeline before it was stored.
    return ShownRevision(html=Markup(html), toc_html=Markup(cached.toc_html))
