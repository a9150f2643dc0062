"""Small helpers shared by tests."""

from __future__ import annotations

from wiki.pages import Limits, create_page, edit_page


def make_page(session, author, title="Office move", body="First text.\n", summary=""):
    """Create a page through the service layer and commit it."""
    result = create_page(session, author, title, body, summary, Limits())
    session.commit()
    return result.page


def edit(session, author, page, body, base=None, summary=""):
    """Edit ``page`` from ``base`` (default: its latest revision) and commit."""
    result = edit_page(
        session, author, page, base if base is not None else page.latest_number, body, summary, Limits()
    )
    session.commit()
    return result
