"""Small helpers shared by tests."""

from __future__ import annotations

from sqlalchemy import func, select

from wiki.access import accounts
from wiki.content.pages import Limits, create_page, edit_page
from wiki.db import get_database
from wiki.models import Page, Revision, User


def make_page(session, author, title="Office move", body="First text.\n", summary=""):
    """Create a page through the service layer and commit it."""
    result = create_page(session, author, title, body, summary, Limits())
    session.commit()
    return result.page


def edit(session, author, page, body, base=None, summary=""):
    """Edit ``page`` from ``base`` (default: its latest revision) and commit."""
    result = edit_page(
        session,
        author,
        page,
        base if base is not None else page.latest_number,
        body,
        summary,
        Limits(),
    )
    session.commit()
    return result


def snapshot(app):
    """Everything a request could change: revisions, pages, accounts (with passwords)."""
    session = get_database(app).session()
    try:
        return (
            session.scalar(select(func.count(Revision.id))),
            sorted(session.execute(select(Page.slug, Page.deleted)).all()),
            sorted(
                session.execute(
                    select(User.username_key, User.role, User.disabled, User.password_hash)
                ).all()
            ),
        )
    finally:
        session.close()


def stored(app, username):
    """The account ``username`` as stored now."""
    session = get_database(app).session()
    try:
        return accounts.get_user(session, username)
    finally:
        session.close()


def rule_arguments(rule, values: dict) -> list[dict]:
    """Arguments for ``rule`` from ``values``, once for each choice of an ``any(...)`` part."""
    from werkzeug.routing import AnyConverter

    choices = [{}]
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices = [{name: item} for item in sorted(converter.items)]
    return [
        {key: values[key] for key in rule.arguments if key not in choice} | choice
        for choice in choices
    ]
