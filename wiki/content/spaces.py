"""Spaces: a team's or a project's area of the wiki, holding pages.

A page belongs to one space. Its slug starts with the space's key and a colon
(``hr:onboarding``) so that two teams may both have an "Onboarding", and its address says
where it lives; pages of the default space (:data:`~wiki.models.DEFAULT_SPACE_ID`) keep the
addresses they had before spaces existed. A colon never occurs in a slug made from a title
(:func:`wiki.slugs.slugify`), so the key prefix cannot be mistaken for a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wiki.access import audit
from wiki.access.permissions import Action, Viewer, can, visible_pages, visible_spaces
from wiki.content.records import page_templates
from wiki.errors import InvalidInput
from wiki.models import (
    DEFAULT_SPACE_ID,
    SIGNED_IN,
    AccessLevel,
    Page,
    PageAlias,
    Space,
    SpaceGrant,
    User,
    utcnow,
)
from wiki.slugs import (
    DEFAULT_SPACE_KEY,
    MAX_SPACE_KEY_CHARS,
    SPACE_KEY_PATTERN,
    in_space,
    slugify,
    split_space_key,
)

__all__ = [
    "KEY_PATTERN",
    "MAX_DESCRIPTION_CHARS",
    "MAX_NAME_CHARS",
    "SpaceSummary",
    "create_space",
    "default_space",
    "get_space",
    "home_page",
    "list_spaces",
    "canonical_slug",
    "page_slug",
    "pages_of_space",
    "space_key",
    "update_space",
]

KEY_PATTERN = SPACE_KEY_PATTERN
"""A space key: lower-case letters and digits, single dashes between them, starting with a
letter ("hr", "platform-team")."""

MAX_KEY_CHARS = MAX_SPACE_KEY_CHARS
MAX_NAME_CHARS = 100
MAX_DESCRIPTION_CHARS = 2000


@dataclass(frozen=True)
class SpaceSummary:
    """A space as the directory lists it: the space and how many of its pages the viewer
    may read."""

    space: Space
    pages: int


def page_slug(space: Space | None, title: str) -> str:
    """The slug of a page titled ``title`` in ``space`` (None: the default space). Raises
    nothing; an empty string for a title without letters or digits, which callers refuse."""
    return in_space(space.key if space is not None else DEFAULT_SPACE_KEY, slugify(title))


def canonical_slug(address: str) -> str:
    """The slug a typed page address stands for: ``HR:Onboarding`` -> ``hr:onboarding``,
    ``main:Onboarding`` -> ``onboarding`` (the default space's pages carry no key),
    ``Office_Move`` -> ``office-move``. '' when it has no letter or digit. Whether a space
    has the key is not checked. Raises nothing."""
    key, rest = split_space_key(address)
    return in_space(key, slugify(rest)) if key is not None else slugify(address)


def space_key(session: Session, space_id: int) -> str:
    """The key of the space ``space_id`` (the default space's without a query). Raises
    LookupError for a space that does not exist; database errors propagate."""
    if space_id == DEFAULT_SPACE_ID:
        return DEFAULT_SPACE_KEY
    space = session.get(Space, space_id)
    if space is None:
        raise LookupError(f"no space has the id {space_id}")
    return space.key


def default_space(session: Session) -> Space:
    """The default space (made by migration 0008, never removed). Raises LookupError if
    the database lacks it."""
    space = session.get(Space, DEFAULT_SPACE_ID)
    if space is None:
        raise LookupError("the default space is missing: run the migrations")
    return space


def get_space(session: Session, key: str) -> Space | None:
    """The space with ``key`` (case-insensitive), or None. Database errors propagate."""
    return session.scalar(select(Space).where(Space.key == key.strip().lower()))


def list_spaces(session: Session, viewer: Viewer) -> list[SpaceSummary]:
    """The spaces ``viewer`` may see, by name, with the number of their pages ``viewer``
    may read. Database errors propagate."""
    counts = dict(
        session.execute(
            select(Page.space_id, func.count(Page.id))
            .where(visible_pages(viewer))
            .group_by(Page.space_id)
        ).all()
    )
    spaces = session.scalars(
        select(Space).where(visible_spaces(viewer)).order_by(func.lower(Space.name), Space.id)
    )
    return [SpaceSummary(space, counts.get(space.id, 0)) for space in spaces]


def pages_of_space(session: Session, space: Space, viewer: Viewer, limit: int = 500) -> list[Page]:
    """The pages of ``space`` that ``viewer`` may read, alphabetically, at most ``limit``.
    Database errors propagate."""
    return list(
        session.scalars(
            select(Page)
            .where(Page.space_id == space.id, visible_pages(viewer))
            .order_by(Page.sort_key, Page.slug)
            .limit(limit)
        )
    )


def create_space(
    session: Session,
    actor: User,
    key: str,
    name: str,
    description: str = "",
    *,
    open_to_signed_in: bool = True,
) -> Space:
    """Create a space (the caller checks that ``actor`` may). Audited.

    With ``open_to_signed_in`` every signed-in account may read it and, as far as its role
    allows, edit it (like the default space); without, only site admins reach it until
    its admins grant access (:mod:`wiki.access.grants`).

    Raises InvalidInput, keyed by field, for a bad or taken key, an empty or long name or a
    long description.
    """
    key, name, description = key.strip().lower(), " ".join(name.split()), description.strip()
    errors = {}
    if not KEY_PATTERN.match(key) or len(key) > MAX_KEY_CHARS:
        errors["key"] = (
            f"A key is 1 to {MAX_KEY_CHARS} lower-case letters, digits and single dashes, "
            "starting with a letter (for example hr or platform-team)."
        )
    elif get_space(session, key) is not None:
        errors["key"] = f"The key {key} is taken by another space."
    errors.update(_name_and_description_errors(name, description))
    if errors:
        raise InvalidInput(errors)
    space = Space(key=key, name=name, description=description, created_at=utcnow())
    session.add(space)
    session.flush()
    if open_to_signed_in:
        session.add(SpaceGrant(space_id=space.id, subject=SIGNED_IN, level=AccessLevel.EDIT))
    audit.record(
        session,
        actor,
        audit.AuditAction.SPACE_CREATE,
        None,
        {"key": key, "name": name, "open_to_signed_in": open_to_signed_in},
        target=f"space {key}",
    )
    session.flush()
    return space


_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _name_and_description_errors(name: str, description: str) -> dict[str, str]:
    """What is wrong with a cleaned name and description, by field (nothing: {})."""
    errors = {}
    if not name:
        errors["name"] = "Give the space a name."
    elif len(name) > MAX_NAME_CHARS:
        errors["name"] = f"A name has at most {MAX_NAME_CHARS} characters."
    elif _NOT_TEXT.search(name):
        errors["name"] = "The name contains control characters."
    if len(description) > MAX_DESCRIPTION_CHARS:
        errors["description"] = f"A description has at most {MAX_DESCRIPTION_CHARS} characters."
    elif _NOT_TEXT.search(description):
        errors["description"] = "The description contains control characters."
    return errors


def home_page(session: Session, space: Space, viewer: Viewer) -> Page | None:
    """The home page of ``space`` if it has one that ``viewer`` may read, is not deleted and
    is still in the space; else None (a page the viewer may not read is as good as none).
    Database errors propagate."""
    if space.home_page_id is None:
        return None
    page = session.get(Page, space.home_page_id)
    if page is None or page.deleted or page.space_id != space.id:
        return None
    return page if can(viewer, Action.READ, page) else None


def _page_titled(session: Session, space: Space, title: str) -> Page | None:
    """The page of ``space`` that ``title`` (or an old title of it) names, if any."""
    slug = page_slug(space, title)
    if not slug:
        return None
    page = session.scalar(select(Page).where(Page.slug == slug))
    if page is None:
        page = session.scalar(
            select(Page).join(PageAlias, PageAlias.page_id == Page.id).where(PageAlias.slug == slug)
        )
    return page if page is not None and page.space_id == space.id else None


def update_space(
    session: Session,
    actor: User,
    space: Space,
    name: str,
    description: str,
    home_title: str,
    default_template: str | None = None,
) -> bool:
    """Change the name, description, home page and default template of ``space`` (the
    caller checks that ``actor`` administers it). The home page is given by its title ('' for
    none) and must be a page of the space that ``actor`` may read, not deleted; the default
    template is a choice of :mod:`wiki.content.records.page_templates` (None keeps it). Audited
    with what changed, before and after; returns whether anything did (nothing changed: no
    event).

    Raises InvalidInput, keyed ``name``, ``description``, ``home`` or ``default_template``,
    for an empty or long name, a long description, a title naming no such page, or a
    template that is not one of the space's.
    """
    name, description = " ".join(name.split()), description.strip()
    home_title = " ".join(home_title.split())
    errors = _name_and_description_errors(name, description)
    template = space.default_template
    if default_template is not None:
        try:
            chosen = page_templates.check_default_choice(session, actor, space, default_template)
        except ValueError:
            errors["default_template"] = "Choose one of the templates listed."
        else:
            template = None if chosen == page_templates.BLANK else chosen
    home: Page | None = None
    if home_title:
        home = _page_titled(session, space, home_title)
        if home is None or home.deleted or not can(actor, Action.READ, home):
            errors["home"] = (
                f"{space.name} has no page called {home_title}; give the title of one of its pages."
            )
    if errors:
        raise InvalidInput(errors)
    before_home = home_page(session, space, actor)
    changes: dict[str, dict] = {}
    if name != space.name:
        changes["name"] = {"from": space.name, "to": name}
    if description != space.description:
        changes["description"] = {"from": space.description, "to": description}
    if (home.id if home else None) != space.home_page_id:
        changes["home_page"] = {
            "from": before_home.title if before_home is not None else None,
            "to": home.title if home is not None else None,
        }
    if template != space.default_template:
        changes["default_template"] = {"from": space.default_template, "to": template}
    if not changes:
        return False
    space.name, space.description = name, description
    space.default_template = template
    space.home_page_id = home.id if home is not None else None
    audit.record(
        session,
        actor,
        audit.AuditAction.SPACE_UPDATE,
        None,
        {"key": space.key, **changes},
        target=f"space {space.key}",
    )
    session.flush()
    return True
