"""Related pages in a real browser: a page lists pages related to it, worked out in the
background by the search indexer, and a reader follows one; a page they may not read is
never listed."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.helpers import make_page
from wiki.access import accounts
from wiki.content import spaces
from wiki.content.pages import Limits, create_page

from .conftest import log_in

PAGES = {
    "Forklift charging": "Charge the forklift batteries overnight, never in the rain.\n",
    "Forklift inspection": "Inspect each forklift battery and the brakes daily.\n",
    "Office plants": "Water them on Fridays.\n",
    "Expense reports": "Submit them before the 5th.\n",
}


def test_a_page_shows_its_related_pages_and_a_reader_follows_one(staff, page, new_page):
    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        admin = accounts.get_user(session, "admin")
        for title, body in PAGES.items():
            make_page(session, editor, title, body)
        board = spaces.create_space(session, admin, "board", "Board", open_to_signed_in=False)
        create_page(
            session,
            admin,
            "Forklift purchase",
            "Buy an electric forklift with spare batteries.\n",
            "",
            Limits(),
            space=board,
        )
        session.commit()
    staff.catch_up_search()  # the indexer would do it within a second
    log_in(page, "reader")
    page.goto("/wiki/forklift-charging")
    related = page.get_by_role("region", name="Related pages")
    expect(related.get_by_role("link")).to_have_text(["Forklift inspection"])
    # The board's page is related too (its admin sees it), but the reader may not read it:
    # not even its title shows.
    expect(page.get_by_text("Forklift purchase")).to_have_count(0)
    admin_page = new_page()
    log_in(admin_page, "admin")
    admin_page.goto("/wiki/forklift-charging")
    admin_related = admin_page.get_by_role("region", name="Related pages")
    expect(admin_related.get_by_role("link")).to_have_count(2)
    expect(admin_related.get_by_role("link", name="Forklift purchase")).to_be_visible()
    related.get_by_role("link", name="Forklift inspection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forklift inspection")
    expect(page.get_by_role("region", name="Related pages").get_by_role("link")).to_have_text(
        ["Forklift charging"]
    )
