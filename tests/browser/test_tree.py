"""The page tree in a real browser: an editor puts a new page under another and finds it in
the breadcrumbs and the tree; an admin moves a page to another space through the preview;
the old address leads to the new one; the tree fits a phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.helpers import make_page
from wiki.access.accounts import get_user
from wiki.content import spaces
from wiki.content.pages import Limits, create_page

from .conftest import log_in


def test_an_editor_puts_a_new_page_under_another_and_finds_it_in_the_tree(staff, page):
    with staff.session() as session:
        editor = get_user(session, "editor")
        make_page(session, editor, "Handbook", "Start here.\n")
        make_page(session, editor, "Canteen", "Lunch at noon.\n")

    log_in(page, "editor")
    page.goto("/wiki/handbook")
    page.get_by_role("link", name="New page under this one").click()
    expect(page.get_by_label("Under")).to_have_value("Handbook")
    page.get_by_label("Title").fill("Expenses")
    page.locator("#body").fill("Keep the receipts.\n")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/wiki/expenses$"))

    crumbs = page.get_by_role("navigation", name="Where this page is")
    expect(crumbs.get_by_role("listitem")).to_have_text(["Main", "Handbook", "Expenses"])
    tree = page.get_by_role("complementary", name="Pages of this space")
    expect(tree.get_by_role("link")).to_have_text(["Canteen", "Handbook", "Expenses"])
    expect(tree.get_by_role("link", name="Expenses")).to_have_attribute("aria-current", "page")
    tree.locator("summary").click()  # the tree folds away, without a script
    expect(tree.get_by_role("link", name="Canteen")).to_be_hidden()

    crumbs.get_by_role("link", name="Handbook").click()
    subpages = page.locator(".subpages")
    expect(subpages.get_by_role("link")).to_have_text(["Expenses"])

    # A parent that is not there: said so, with what was typed kept.
    page.get_by_role("link", name="New page under this one").click()
    page.get_by_label("Under").fill("Handbok")
    page.get_by_label("Title").fill("Travel")
    page.locator("#body").fill("Book early.\n")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text("There is no page called Handbok in Main.")
    expect(page.get_by_label("Under")).to_have_value("Handbok")
    expect(page.get_by_label("Title")).to_have_value("Travel")


def test_an_admin_moves_a_page_to_another_space_through_the_preview(staff, page):
    with staff.session() as session:
        admin = get_user(session, "admin")
        spaces.create_space(session, admin, "people", "People team")
        handbook = create_page(session, admin, "Handbook", "Start.\n", "", Limits()).page
        create_page(session, admin, "Leave", "Days off.\n", "", Limits(), parent=handbook)
        session.commit()

    log_in(page, "admin")
    page.goto("/wiki/handbook")
    page.get_by_role("link", name="Move", exact=True).click()
    page.get_by_label("Space").select_option("people")
    page.get_by_role("button", name="Preview the move").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move Handbook?")
    expect(page.get_by_text("2 pages move: this page and the 1 page under it.")).to_be_visible()
    expect(page.get_by_text("Where it goes: at the top of People team.")).to_be_visible()
    page.get_by_role("button", name="Move 2 pages").click()

    expect(page).to_have_url(re.compile(r"/wiki/people:handbook$"))
    expect(
        page.get_by_text("Moved Handbook with the 1 page under it to People team")
    ).to_be_visible()
    crumbs = page.get_by_role("navigation", name="Where this page is")
    expect(crumbs.get_by_role("listitem")).to_have_text(["People team", "Handbook"])

    page.goto("/wiki/leave")  # the old address
    expect(page).to_have_url(re.compile(r"/wiki/people:leave$"))
    expect(page.locator(".markdown-body")).to_contain_text("Days off.")
    page.get_by_role("link", name="History").click()
    expect(page.get_by_text("Moved from Main to People team")).to_be_visible()


def test_the_tree_goes_below_the_page_on_a_phone_without_sideways_scrolling(staff, new_page):
    with staff.session() as session:
        editor = get_user(session, "editor")
        parent = make_page(session, editor, "Handbook", "Start.\n")
        for depth in range(8):
            title = f"Level {depth} of a rather long and winding set of nested pages"
            parent = create_page(
                session, editor, title, "Text.\n", "", Limits(), parent=parent
            ).page
        session.commit()
        deepest = parent.slug

    phone = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    log_in(phone, "reader")
    phone.goto(f"/wiki/{deepest}")
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the screen"
    article = phone.locator("article.page").bounding_box()
    tree = phone.locator("aside.page-tree").bounding_box()
    assert (
        article is not None and tree is not None and tree["y"] >= article["y"] + article["height"]
    )
