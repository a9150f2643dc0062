"""History in a real browser: comparing revisions (as text and as the page shows them), blame,
restoring, and what readers see."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.helpers import edit, make_page
from wiki.access import accounts

from .conftest import log_in


def arrange_history(live):
    """ "Onboarding" with three revisions: editor wrote 1 and 2, admin wrote 3."""
    with live.session() as session:
        editor = accounts.get_user(session, "editor")
        admin = accounts.get_user(session, "admin")
        page = make_page(session, editor, "Onboarding", "Get a badge.\nMeet the team.\n")
        edit(
            session,
            editor,
            page,
            "Get a badge.\nMeet the team.\nSet up a laptop.\n",
            summary="laptop",
        )
        edit(session, admin, page, "Get a badge on day one.\nSet up a laptop.\n", summary="shorter")


def test_a_reader_compares_two_chosen_revisions(staff, page):
    arrange_history(staff)
    log_in(page, "reader")
    page.goto("/wiki/onboarding")
    page.get_by_role("link", name="History").click()
    page.get_by_label("Compare from revision 1").check()
    page.get_by_label("Compare to revision 3").check()
    page.get_by_role("button", name="Compare selected revisions").click()

    expect(page).to_have_url(re.compile(r"/wiki/onboarding/diff/1/3"))
    diff = page.locator("table.diff")
    expect(diff.locator("td.line.delete")).to_contain_text(["Get a badge."])
    expect(diff.locator("td.line.insert").first).to_contain_text("Get a badge on day one.")
    # Not colour alone: every changed line carries a visible marker.
    expect(diff.locator("td.line.insert .marker").first).to_have_text("+")
    page.get_by_role("link", name="Side-by-side view").click()
    expect(page.locator("table.diff.side-by-side")).to_be_visible()


OFFICES = """| City | Street | Staff |
| --- | --- | --- |
| Paris | Rue Neuve | 12 |
| Rome | Via Larga | 8 |
"""


def test_the_rendered_view_marks_the_changed_cell_of_a_table(staff, page):
    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        offices = make_page(session, editor, "Offices", OFFICES)
        edit(session, editor, offices, OFFICES.replace("Via Larga", "Via Stretta"), summary="moved")
    log_in(page, "reader")
    page.goto("/wiki/offices/history")
    page.get_by_label("the page as shown").check()
    page.get_by_role("button", name="Compare selected revisions").click()

    expect(page).to_have_url(re.compile(r"/wiki/offices/diff/1/2\?view=rendered$"))
    table = page.locator(".rendered-diff table")
    expect(table.locator("tbody tr")).to_have_count(2)
    changed = table.locator("tbody tr").nth(1).locator("td").nth(1)
    expect(changed.locator("del")).to_have_text("Larga")
    expect(changed.locator("ins")).to_have_text("Stretta")
    expect(table.locator("ins, del")).to_have_count(2)  # nothing else is marked
    # Not colour alone: struck through and underlined, and words for screen readers.
    styles = changed.evaluate(
        """cell => {
            const style = (selector, pseudo) =>
                getComputedStyle(cell.querySelector(selector), pseudo);
            return [style("del").textDecorationLine, style("ins").textDecorationLine,
                    style("del", "::before").content, style("ins", "::before").content];
        }"""
    )
    assert styles == ["line-through", "underline", '" [removed: "', '" [added: "']
    expect(changed).to_have_accessible_name(
        re.compile(r"^Via \[removed: Larga ?\] \[added: Stretta ?\]")
    )
    # On screen the words are visually hidden; on paper they show.
    clipped = "cell => getComputedStyle(cell.querySelector('del'), '::before').clipPath"
    assert changed.evaluate(clipped) != "none"
    page.emulate_media(media="print")
    assert changed.evaluate(clipped) == "none"
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Inline view").click()  # back to the text
    expect(page.locator("table.diff td.line.insert")).to_contain_text(["Via Stretta"])


def test_the_byline_leads_to_the_last_change(staff, page):
    arrange_history(staff)
    log_in(page, "reader")
    page.goto("/wiki/onboarding")
    expect(page.locator(".byline")).to_contain_text("Last edited by admin")
    page.locator(".byline time").click()
    expect(page).to_have_url(re.compile(r"/wiki/onboarding/diff/2/3$"))


def test_blame_shows_who_wrote_each_line(staff, page):
    arrange_history(staff)
    log_in(page, "reader")
    page.goto("/wiki/onboarding/blame")
    rows = page.locator("table.blame tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("admin")
    expect(rows.nth(0)).to_contain_text("Get a badge on day one.")
    expect(rows.nth(1)).to_contain_text("editor")
    expect(rows.nth(1)).to_contain_text("Set up a laptop.")
    rows.nth(1).get_by_role("link", name="2").click()
    expect(page).to_have_url(re.compile(r"/wiki/onboarding/rev/2$"))


def test_an_admin_restores_an_old_revision_as_new_history(staff, page):
    arrange_history(staff)
    log_in(page, "admin")
    page.goto("/wiki/onboarding/history")
    row = page.locator("table.history tbody tr").filter(
        has=page.get_by_label("Compare from revision 1")
    )
    row.get_by_role("button", name="restore").click()
    expect(page.get_by_role("status")).to_contain_text("Restored revision 1 as revision 4")
    expect(page.locator(".markdown-body")).to_have_text("Get a badge.\nMeet the team.")
    page.goto("/wiki/onboarding/history")
    expect(page.locator("table.history tbody tr")).to_have_count(4)
    expect(page.locator("table.history tbody tr").first).to_contain_text("Restored revision 1")


def test_a_reader_gets_no_edit_controls(staff, page):
    arrange_history(staff)
    log_in(page, "reader")
    page.goto("/wiki/onboarding")
    tabs = page.get_by_role("navigation", name="Page")
    expect(tabs.get_by_role("link", name="History")).to_be_visible()
    for name in ("Edit", "Rename", "Delete"):
        expect(tabs.get_by_role("link", name=name)).to_have_count(0)
    expect(page.get_by_role("link", name="New page")).to_have_count(0)
    page.goto("/wiki/onboarding/history")
    expect(page.get_by_role("button", name="restore")).to_have_count(0)
    response = page.goto("/wiki/onboarding/edit")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_an_editor_cannot_restore(staff, page):
    arrange_history(staff)
    log_in(page, "editor")
    page.goto("/wiki/onboarding/history")
    expect(page.get_by_role("button", name="restore")).to_have_count(0)
