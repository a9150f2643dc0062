"""Wiki links that a move to another space would cut.

``[[Title]]`` means the page of that title in the space of the page it is written on. When a
page moves to another space, its links written that way look for their pages there; those
that found a page left behind in the old space no longer do. The move preview names them, so
the mover can write them as ``[[key:Title]]`` first (links written with a space key, and
links to pages that move along, still find their page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.access.permissions import Action, Viewer, can
from wiki.content.render import RenderError, render_markdown
from wiki.models import Page, PageAlias, Space

MAX_PAGES_CHECKED = 100
"""The most moving pages whose links a preview reads (each is rendered twice); a bigger
subtree's preview says how many it did not read."""
MAX_NAMED = 20  # the most pages a preview names


@dataclass(frozen=True)
class LinksLeftBehind:
    """Pages of the old space that moving pages link to with ``[[Title]]``."""

    titles: tuple[str, ...]  # the pages' titles, at most MAX_NAMED, alphabetically
    count: int  # how many such pages in all
    pages_linking: int  # moving pages with such a link
    unchecked: int  # moving pages whose links were not read


def _links(text: str, space_key: str) -> frozenset[str]:
    try:
        return render_markdown(text, space_key).wikilinks
    except RenderError:
        return frozenset()  # a text the renderer refuses shows no links either


def links_left_behind(
    session: Session, viewer: Viewer, moving: Sequence[Page], from_space: Space, to_space: Space
) -> LinksLeftBehind:
    """The pages of ``from_space`` that ``viewer`` may read and that the live pages of
    ``moving`` link to with ``[[Title]]``, minus those moving along. Reads the links of at
    most :data:`MAX_PAGES_CHECKED` pages. Database errors propagate."""
    live = [page for page in moving if not page.deleted]
    checked = live[:MAX_PAGES_CHECKED]
    moving_ids = {page.id for page in moving}
    cut: dict[int, set[str]] = {}  # moving page id -> slugs only its old space resolved
    for page in checked:
        text = page.current.body if page.current is not None else ""
        before = _links(text, from_space.key)
        after = _links(text, to_space.key)
        # A link written with a space key reads the same in both spaces.
        cut[page.id] = set(before - after)
    wanted = sorted(set().union(*cut.values())) if cut else []
    found: dict[str, Page] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        for page in session.scalars(select(Page).where(Page.slug.in_(part))):
            found[page.slug] = page
        for slug, page in session.execute(
            select(PageAlias.slug, Page)
            .join(Page, Page.id == PageAlias.page_id)
            .where(PageAlias.slug.in_(part))
        ):
            found.setdefault(slug, page)
    stranded = {
        slug: page
        for slug, page in found.items()
        if page.id not in moving_ids and not page.deleted and can(viewer, Action.READ, page)
    }
    targets = {page.id: page.title for page in stranded.values()}
    linking = sum(1 for slugs in cut.values() if slugs & stranded.keys())
    return LinksLeftBehind(
        titles=tuple(sorted(targets.values(), key=str.casefold)[:MAX_NAMED]),
        count=len(targets),
        pages_linking=linking,
        unchecked=len(live) - len(checked),
    )
