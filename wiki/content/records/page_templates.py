"""Templates a new page starts from: the built-in ones (a lesson learned, an incident
post-mortem, a how-to, a decision record, meeting notes), the pages of a space tagged
:data:`TEMPLATE_TAG`, and any page the writer may read ("Copy this page").

Starting from a template fills its placeholders (``{{date}}``, ``{{author}}``...) and
brings its tags and fields (:mod:`wiki.content.records.fields`); nothing is saved until the writer
saves the new page, through the same path as any new page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wiki.access.permissions import Action, Viewer, can, visible_pages
from wiki.content.records.fields import FieldSpec, FieldType, Record, check_schema
from wiki.models import Page, Revision, Space, User, split_tags

TEMPLATE_TAG = "template"
"""A page tagged so is offered as a template of its space (and loses the tag in the pages
made from it)."""

BLANK = "blank"
"""The choice of no template (also when the space has a default one)."""

PAGE_CHOICE = "page:"
"""A template (or a page to copy) given by page id: ``page:42``."""

MAX_SPACE_TEMPLATES = 50


@dataclass(frozen=True)
class PageTemplate:
    """A built-in template: ``key`` names it in addresses and in the records made from it."""

    key: str
    name: str
    description: str
    title: str
    body: str
    tags: tuple[str, ...]
    fields: tuple[FieldSpec, ...] = ()


_TEAM = FieldSpec("team", "Team")
_PROJECT = FieldSpec("project", "Project")
_CUSTOMER = FieldSpec("customer", "Customer")
_SEVERITY = FieldSpec(
    "severity", "Severity", FieldType.CHOICE, ("low", "medium", "high", "critical")
)

BUILT_IN: tuple[PageTemplate, ...] = (
    PageTemplate(
        key="lessons-learned",
        name="Lessons learned",
        description="What happened, what went well or wrong, and what to do next time.",
        title="",
        tags=("lessons-learned",),
        fields=(
            _PROJECT,
            _TEAM,
            FieldSpec("event_date", "Event date", FieldType.DATE),
            FieldSpec(
                "outcome", "Outcome", FieldType.CHOICE, ("success", "partial success", "failure")
            ),
            _SEVERITY,
            _CUSTOMER,
            FieldSpec("owner", "Contact", FieldType.PERSON),
        ),
        body="""\
_Written by {{author_name}} on {{date}}._

## Context

_What were we trying to do, for whom, and why?_

## What happened

_The facts, in order. Link the pages and tickets involved._

## What went well

-

## What went wrong

-

## Recommendations

_What should the next team do, or avoid?_

## Action items

- [ ] @{{author}} {{date}} _first follow-up_
""",
    ),
    PageTemplate(
        key="incident-post-mortem",
        name="Incident post-mortem",
        description="A blameless account of an incident: timeline, impact, root cause, follow-ups.",
        title="",
        tags=("incident", "post-mortem"),
        fields=(
            _SEVERITY,
            _TEAM,
            FieldSpec("started", "Started", FieldType.DATE),
            FieldSpec("resolved", "Resolved", FieldType.DATE),
            _CUSTOMER,
            FieldSpec("service", "Service"),
            FieldSpec("incident_lead", "Incident lead", FieldType.PERSON),
        ),
        body="""\
_Post-mortem written by {{author_name}} on {{date}}. Blameless: describe systems and
decisions, not people's faults._

## Summary

_Two or three sentences: what broke, for how long, for whom._

## Timeline

| Time | What happened |
|------|---------------|
| {{date}} 00:00 | _first sign_ |

## Impact

_Who was affected and how much (customers, orders, hours)._

## Root cause

_Why it happened; ask "why" until the answer is something we can change._

## What went well

-

## Follow-ups

- [ ] @{{author}} {{date}} _follow-up_
""",
    ),
    PageTemplate(
        key="how-to",
        name="How-to",
        description="Steps to get one thing done, with what you need first.",
        title="How to ",
        tags=("how-to",),
        body="""\
_How to … (written by {{author_name}} on {{date}})._

## Before you start

- _What you need: access, tools, approvals._

## Steps

1. _First step._
2. _Second step._

## Check that it worked

_What you should see._

## If something goes wrong

_Known problems and who can help._
""",
    ),
    PageTemplate(
        key="decision-record",
        name="Decision record",
        description="A decision, the options weighed and the consequences accepted.",
        title="Decision: ",
        tags=("decision",),
        fields=(
            FieldSpec(
                "status",
                "Status",
                FieldType.CHOICE,
                ("proposed", "accepted", "rejected", "superseded"),
            ),
            FieldSpec("decided_on", "Decided on", FieldType.DATE),
            FieldSpec("decider", "Decided by", FieldType.PERSON),
            _TEAM,
            _PROJECT,
        ),
        body="""\
## Context

_What forces us to decide, and by when?_

## Options

1. _Option A: pros and cons._
2. _Option B: pros and cons._

## Decision

_What we chose, and why._

## Consequences

_What becomes easier or harder; what we will watch._
""",
    ),
    PageTemplate(
        key="meeting-notes",
        name="Meeting notes",
        description="Who met, what was decided, who does what by when.",
        title="Meeting notes {{date}}",
        tags=("meeting-notes",),
        fields=(FieldSpec("meeting_date", "Meeting date", FieldType.DATE), _TEAM),
        body="""\
**Date:** {{date}} · **Notes by:** {{author_name}}

## Attendees

- @{{author}}

## Agenda

1.

## Decisions

-

## Action items

- [ ] @{{author}} {{date}} _task_
""",
    ),
)

for _template in BUILT_IN:
    check_schema(_template.fields)

_BY_KEY = {template.key: template for template in BUILT_IN}
_PLACEHOLDER = re.compile(r"\{\{\s*(date|author|author_name|space)\s*\}\}")


def built_in(key: str) -> PageTemplate | None:
    return _BY_KEY.get(key)


def fill_placeholders(text: str, *, author: User, today: date, space: Space) -> str:
    """``text`` with ``{{date}}`` (today, YYYY-MM-DD), ``{{author}}`` (the writer's
    username, so ``@{{author}}`` mentions them), ``{{author_name}}`` and ``{{space}}`` (the
    space's name) filled in; any other ``{{...}}`` stays as it is."""
    values = {
        "date": today.isoformat(),
        "author": author.username,
        "author_name": author.shown_name,
        "space": space.name,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


@dataclass(frozen=True)
class TemplateChoice:
    """A template offered on the new-page form: ``choice`` is what the form sends."""

    choice: str
    name: str
    description: str


@dataclass(frozen=True)
class Start:
    """What a new page's form starts with."""

    choice: str
    title: str
    body: str
    tags: str
    record: Record
    copied_from: Page | None = None


def _is_template_tag_condition():
    tags = Revision.tags
    return or_(
        tags == TEMPLATE_TAG,
        tags.like(f"{TEMPLATE_TAG}, %"),
        tags.like(f"%, {TEMPLATE_TAG}"),
        tags.like(f"%, {TEMPLATE_TAG}, %"),
    )


def space_templates(session: Session, viewer: Viewer, space: Space) -> list[Page]:
    """The pages of ``space`` tagged :data:`TEMPLATE_TAG` that ``viewer`` may read, by title."""
    query = (
        select(Page)
        .join(Revision, Revision.id == Page.current_revision_id)
        .where(
            Page.space_id == space.id,
            Page.deleted.is_(False),
            _is_template_tag_condition(),
            visible_pages(viewer),
        )
        .order_by(Page.sort_key, Page.id)
        .limit(MAX_SPACE_TEMPLATES)
    )
    return list(session.scalars(query))


def choices(session: Session, viewer: Viewer, space: Space) -> list[TemplateChoice]:
    """The templates offered for a new page of ``space``: the built-in ones, then the
    space's own."""
    offered = [TemplateChoice(t.key, t.name, t.description) for t in BUILT_IN]
    offered += [
        TemplateChoice(f"{PAGE_CHOICE}{page.id}", page.title, f"A template of {space.name}")
        for page in space_templates(session, viewer, space)
    ]
    return offered


def readable_source(session: Session, viewer: Viewer, choice: str) -> Page | None:
    """The page a ``page:<id>`` choice names, if ``viewer`` may read it and it is not
    deleted; None otherwise (a page one may not read is as good as missing)."""
    if not choice.startswith(PAGE_CHOICE) or not choice[len(PAGE_CHOICE) :].isdigit():
        return None
    page = session.get(Page, int(choice[len(PAGE_CHOICE) :]))
    if page is None or page.deleted or not can(viewer, Action.READ, page):
        return None
    return page


def start(session: Session, author: User, space: Space, choice: str, today: date) -> Start | None:
    """What a new page of ``space`` starts with for ``choice`` (a built-in key, or
    ``page:<id>`` for a page to start from): the text with placeholders filled, the tags
    (without :data:`TEMPLATE_TAG`) and the fields with their values. None for
    :data:`BLANK`, an unknown choice or a page ``author`` may not read."""
    template = built_in(choice)
    if template is not None:

        def fill(text: str) -> str:
            return fill_placeholders(text, author=author, today=today, space=space)

        return Start(
            choice=choice,
            title=fill(template.title),
            body=fill(template.body),
            tags=", ".join(template.tags),
            record=Record(template.key, template.fields, {}),
        )
    page = readable_source(session, author, choice)
    if page is None:
        return None
    current = page.current
    tags = [tag for tag in split_tags(current.tags) if tag != TEMPLATE_TAG]
    return Start(
        choice=choice,
        title="",
        body=fill_placeholders(current.body, author=author, today=today, space=space),
        tags=", ".join(tags),
        record=Record.from_json(current.fields),
        copied_from=page,
    )


def default_choice(space: Space) -> str:
    """The template a new page of ``space`` starts from unless the writer picks another."""
    return space.default_template or BLANK


def check_default_choice(session: Session, actor: User, space: Space, choice: str) -> str:
    """``choice`` if it may be ``space``'s default template: blank, a built-in template or
    a readable template page of the space. Raises ValueError otherwise."""
    if choice in ("", BLANK) or built_in(choice) is not None:
        return choice or BLANK
    page = readable_source(session, actor, choice)
    if page is None or page.space_id != space.id:
        raise ValueError(choice)
    return choice
