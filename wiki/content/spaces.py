"""Spaces: a team's or a project's area of the wiki, holding pages.

A page belongs to one space. Its slug starts with the space's key and a colon
(``hr:onboarding``) so that two teams may both have an "Onboarding", and its address says
where it lives; pages of the default space (:data:`~wiki.models.DEFAULT_SPACE_ID`) keep the
addresses they had before spaces existed. A colon never occurs in a slug made from a title
(:func:`wiki.slugs.slugify`), so the key prefix cannot be mistaken for a title.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wiki.access import audit
from wiki.access.permissions import Viewer, visible_pages, visible_spaces
from wiki.errors import InvalidInput
from wiki.models import (
    DEFAULT_SPACE_ID,
    SIGNED_IN,
    AccessLevel,
    Page,
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
    "canonical_slug",
    "create_space",
    "default_space",
    "get_space",
    "list_spaces",
    "page_slug",
    "pages_of_space",
    "space_key",
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
    if not name:
        errors["name"] = "Give the space a name."
    elif len(name) > MAX_NAME_CHARS:
        errors["name"] = f"A name has at most {MAX_NAME_CHARS} characters."
    if len(description) > MAX_DESCRIPTION_CHARS:
        errors["description"] = f"A description has at most {MAX_DESCRIPTION_CHARS} characters."
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
