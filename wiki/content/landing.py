"""The landing page (``/``): the viewer's spaces, the pages they may read that changed last,
and the site's home page, in a handful of statements whatever the number of spaces.

Everything listed goes through :mod:`wiki.access.permissions`: the spaces of
:func:`~wiki.access.permissions.visible_spaces` with the pages of
:func:`~wiki.access.permissions.visible_pages` counted, the recent pages among
``visible_pages``, and the home page only when ``can`` read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.access.permissions import Action, Viewer, can, visible_pages
from wiki.content.reading import AuthorName
from wiki.content.spaces import SpaceSummary, list_spaces, page_slug
from wiki.models import Page, Revision, Space, User

RECENT_PAGES = 15
"""How many recently changed pages the landing page lists."""


@dataclass(frozen=True)
class RecentPage:
    """A page as the landing page lists it: where it lives, who changed it last, when."""

    slug: str
    title: str
    updated_at: datetime
    space_key: str
    space_name: str
    author: AuthorName


@dataclass(frozen=True)
class HomeLink:
    slug: str
    title: str


@dataclass(frozen=True)
class Landing:
    spaces: list[SpaceSummary]
    """The spaces the viewer may see, by name, with the number of pages they may read."""
    recent: list[RecentPage]
    """Live pages the viewer may read, the most recently changed first."""
    home: HomeLink | None
    """The site's home page, if it exists and the viewer may read it."""


def recent_pages(session: Session, viewer: Viewer, limit: int = RECENT_PAGES) -> list[RecentPage]:
    """The live pages ``viewer`` may read, the most recently changed first (ties: the newer
    page first), at most ``limit``, in one statement. Database errors propagate."""
    rows = session.execute(
        select(
            Page.slug,
            Page.title,
            Page.updated_at,
            Space.key,
            Space.name,
            User.username,
            User.display_name,
            User.disabled,
        )
        .join(Space, Space.id == Page.space_id)
        .join(Revision, Revision.id == Page.current_revision_id)
        .join(User, User.id == Revision.author_id)
        .where(Page.deleted.is_(False), visible_pages(viewer))
        .order_by(Page.updated_at.desc(), Page.id.desc())
        .limit(limit)
    )
    return [
        RecentPage(slug, title, updated_at, key, name, AuthorName(username, display_name, disabled))
        for slug, title, updated_at, key, name, username, display_name, disabled in rows
    ]


def home_link(session: Session, viewer: Viewer, title: str) -> HomeLink | None:
    """The page of the default space titled ``title`` (the site's home page), if it exists,
    is live and ``viewer`` may read it; else None. Database errors propagate."""
    slug = page_slug(None, title)
    if not slug:
        return None
    page = session.scalar(select(Page).where(Page.slug == slug))
    if page is None or page.deleted or not can(viewer, Action.READ, page):
        return None
    return HomeLink(page.slug, page.title)


def landing(session: Session, viewer: Viewer, home_title: str) -> Landing:
    """What the landing page shows ``viewer``; ``home_title`` is the title of the site's
    home page (``WIKI_HOME_PAGE``). Database errors propagate."""
    return Landing(
        spaces=list_spaces(session, viewer),
        recent=recent_pages(session, viewer),
        home=home_link(session, viewer, home_title),
    )
