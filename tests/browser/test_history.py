"""History in a real browser: comparing revisions (as text and as the page shows them), blame,
restoring with a confirmation, and what readers see."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.helpers import edit, make_page
from wiki.access import accounts
from wiki.content.pages import find_page

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
    page.get_by_role("link", name="Restore revision 1…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Restore revision 1 of Onboarding?")
    page.get_by_role("button", name="Restore revision 1").click()
    expect(page.get_by_role("status")).to_contain_text("Restored revision 1 as revision 4")
    expect(page.locator(".markdown-body")).to_have_text("Get a badge.\nMeet the team.")
    page.goto("/wiki/onboarding/history")
    expect(page.locator("table.history tbody tr")).to_have_count(4)
    expect(page.locator("table.history tbody tr").first).to_contain_text(
        "Restored revision 1 (by editor)"
    )


def test_on_a_phone_an_admin_checks_the_changes_and_gives_a_reason_before_restoring(
    staff, new_page
):
    """Restoring takes a deliberate confirmation, not a tap on a swiped history row."""
    arrange_history(staff)
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, "admin")
    phone.goto("/wiki/onboarding/history")
    restore = phone.get_by_role("link", name="Restore revision 2…")
    restore.scroll_into_view_if_needed()
    restore.tap()  # a link to the confirmation: nothing is restored yet

    expect(phone).to_have_url(re.compile(r"/wiki/onboarding/rev/2/restore$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Restore revision 2 of Onboarding?")
    changes = phone.locator("table.diff")
    expect(changes.locator("td.line.delete")).to_contain_text(["Get a badge on day one."])
    expect(changes.locator("td.line.insert")).to_contain_text(["Get a badge.", "Meet the team."])
    overflow = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the confirmation is {overflow}px wider than the phone"
    phone.get_by_label("Reason").fill("the team meeting is back")
    confirm = phone.get_by_role("button", name="Restore revision 2")
    box = confirm.bounding_box()
    assert box is not None and box["height"] >= 24  # a target a finger can hit on purpose
    confirm.tap()

    expect(phone).to_have_url(re.compile(r"/wiki/onboarding$"))
    expect(phone.get_by_role("status")).to_contain_text("Restored revision 2 as revision 4")
    expect(phone.locator(".markdown-body")).to_have_text(
        "Get a badge.\nMeet the team.\nSet up a laptop."
    )
    phone.goto("/wiki/onboarding/history")
    newest = phone.locator("table.history tbody tr").first
    expect(newest).to_contain_text("Restored revision 2 (by editor) — the team meeting is back")
    expect(newest).to_contain_text("admin")


def test_a_restore_shown_before_someone_saved_asks_again_with_the_new_changes(staff, page):
    arrange_history(staff)
    log_in(page, "admin")
    page.goto("/wiki/onboarding/rev/1/restore")
    page.get_by_label("Reason").fill("too short now")
    with staff.session() as session:  # meanwhile, the editor saves
        editor = accounts.get_user(session, "editor")
        onboarding, _ = find_page(session, "onboarding")
        assert onboarding is not None
        edit(session, editor, onboarding, "Get a badge on day one.\nSet up a laptop.\nLunch.\n")
    page.get_by_role("button", name="Restore revision 1").click()

    expect(page.get_by_role("alert")).to_contain_text("editor saved revision 4 after you opened")
    expect(page.locator("table.diff td.line.delete")).to_contain_text(["Lunch."])
    expect(page.get_by_label("Reason")).to_have_value("too short now")
    page.get_by_role("button", name="Restore revision 1").click()
    expect(page.get_by_role("status")).to_contain_text("Restored revision 1 as revision 5")


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
    expect(page.get_by_role("link", name=re.compile("^Restore"))).to_have_count(0)
    response = page.goto("/wiki/onboarding/edit")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_an_editor_cannot_restore(staff, page):
    arrange_history(staff)
    log_in(page, "editor")
    page.goto("/wiki/onboarding/history")
    expect(page.get_by_role("link", name=re.compile("^Restore"))).to_have_count(0)
    assert page.goto("/wiki/onboarding/rev/1/restore").status == 403
