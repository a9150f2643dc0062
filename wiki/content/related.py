"""The related pages a page view shows: read from the lists the search indexer keeps
(``related_pages``, :mod:`wiki.search.related_lists`), for one viewer, through
:mod:`wiki.access.permissions` alone.

One small query on the list's primary key: no search at view time. A page of the list that
the viewer may not read, or that was deleted since the list was made, is simply left out,
and the next ones take its place.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.access.permissions import Viewer, visible_pages
from wiki.content.reading import PageSummary
from wiki.models import Page, RelatedPage

SHOWN = 5
"""The most related pages a page view shows."""


@dataclass(frozen=True)
class RelatedTitle:
    slug: str
    title: str


def related_pages(
    session: Session, viewer: Viewer, page: Page | PageSummary, limit: int = SHOWN
) -> list[RelatedTitle]:
    """The live pages related to ``page`` that ``viewer`` may read, most related first,
    at most ``limit`` ([] while the page has no list yet, and for a deleted page, which
    only admins see). The caller has checked that the viewer may read the page. Database
    errors propagate."""
    if page.deleted:
        return []
    page_id = page.id
    rows = session.execute(
        select(Page.slug, Page.title)
        .join(RelatedPage, RelatedPage.related_page_id == Page.id)
        .where(
            RelatedPage.page_id == page_id,
            RelatedPage.related_page_id != page_id,
            Page.deleted.is_(False),
            visible_pages(viewer),
        )
        .order_by(RelatedPage.rank)
        .limit(limit)
    )
    return [RelatedTitle(slug, title) for slug, title in rows]
