"""Writing pages in a real browser: creating, editing, and two people editing at once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.helpers import make_page
from wiki.access import accounts

from .conftest import log_in

TABLE = "| Room | Seats |\n| --- | --- |\n| Atlas | 12 |\n| Boreal | 6 |\n"


def arrange_page(live, title: str, body: str, author: str = "editor"):
    with live.session() as session:
        make_page(session, accounts.get_user(session, author), title, body)


def test_an_editor_creates_a_page_with_a_wiki_link_and_a_table(staff, page):
    log_in(page, "editor")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="New page").click()
    page.get_by_label("Title").fill("Meeting rooms")
    page.get_by_label("Text (Markdown)").fill(
        "Book rooms through [[Facilities desk]], or see [[Meeting rooms]].\n\n" + TABLE
    )
    page.get_by_label("Summary of your change").fill("list the rooms")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/wiki/meeting-rooms$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meeting rooms")
    body = page.locator(".markdown-body")
    expect(body.get_by_role("table")).to_be_visible()
    expect(body.get_by_role("cell", name="Atlas")).to_be_visible()
    missing = body.get_by_role("link", name="Facilities desk")
    expect(missing).to_have_class(re.compile(r"\bmissing\b"))
    expect(body.get_by_role("link", name="Meeting rooms", exact=True)).not_to_have_class(
        re.compile(r"\bmissing\b")
    )
    # A missing page's link leads to creating it.
    missing.click()
    expect(page.get_by_role("link", name="Create this page")).to_be_visible()


def test_bad_input_comes_back_with_the_text_kept(staff, page):
    log_in(page, "editor")
    page.goto("/-/new")
    page.get_by_label("Title").fill("   ")
    page.get_by_label("Text (Markdown)").fill("Three paragraphs of hard-won lessons.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error")).to_be_visible()
    expect(page.get_by_label("Text (Markdown)")).to_have_value(
        "Three paragraphs of hard-won lessons."
    )


def test_edits_to_different_lines_by_two_people_are_merged(staff, new_page):
    arrange_page(staff, "Runbook", "Step one.\nStep two.\nStep three.\n")
    alice, bob = new_page(), new_page()
    log_in(alice, "editor")
    log_in(bob, "admin")
    alice.goto("/wiki/runbook/edit")
    bob.goto("/wiki/runbook/edit")

    bob.get_by_label("Text (Markdown)").fill("Step one, carefully.\nStep two.\nStep three.\n")
    bob.get_by_role("button", name="Save").click()
    expect(bob.locator(".markdown-body")).to_contain_text("Step one, carefully.")

    alice.get_by_label("Text (Markdown)").fill("Step one.\nStep two.\nStep three, then check.\n")
    alice.get_by_role("button", name="Save").click()
    expect(alice.get_by_role("status")).to_contain_text("your changes were merged")
    text = alice.locator(".markdown-body")
    expect(text).to_contain_text("Step one, carefully.")
    expect(text).to_contain_text("Step three, then check.")


def test_overlapping_edits_show_a_conflict_screen_that_keeps_the_users_text(staff, new_page):
    """Alice and Bob edit the same line; Alice's save shows who saved in between, her
    lines beside Bob's, and no marker syntax; a save without a choice keeps everything;
    choosing by hand saves what she wrote."""
    arrange_page(staff, "Runbook", "Restart the service.\n")
    alice, bob = new_page(), new_page()
    log_in(alice, "editor")
    log_in(bob, "admin")
    alice.goto("/wiki/runbook/edit")
    bob.goto("/wiki/runbook/edit")

    bob.get_by_label("Text (Markdown)").fill("Restart the service with systemctl.\n")
    bob.get_by_role("button", name="Save").click()
    expect(bob.locator(".markdown-body")).to_contain_text("systemctl")

    alice.get_by_label("Text (Markdown)").fill("Restart the service, then drain the queue.\n")
    alice.get_by_role("button", name="Save").click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("Edit conflict")
    expect(alice.get_by_role("alert").first).to_contain_text("admin saved this page (revision 2)")
    clash = alice.get_by_role("group", name="Clash 1 of 1")
    expect(clash.locator(".conflict-mine")).to_contain_text("drain the queue")
    expect(clash.locator(".conflict-theirs")).to_contain_text("systemctl")
    assert "<<<<<<<" not in alice.locator("main").inner_text()  # what a person sees
    expect(alice.locator("#mine")).to_have_value("Restart the service, then drain the queue.\n")
    expect(alice.locator("#theirs")).to_have_value("Restart the service with systemctl.\n")
    # Undecided, the live result shows both versions side by side.
    expect(alice.locator("#conflict-preview .conflict-mine")).to_contain_text("drain the queue")

    alice.get_by_role("button", name="Save with these choices").click()
    expect(alice.get_by_text("still open: 1")).to_be_visible()
    expect(alice.locator("#theirs")).to_have_value("Restart the service with systemctl.\n")

    alice.get_by_role("radio", name="Edit by hand").check()
    hand = alice.get_by_label("Your text for clash 1")
    expect(hand).to_be_visible()
    hand.fill("Restart the service with systemctl, then drain the queue.")
    expect(alice.locator("#conflict-preview")).to_contain_text("systemctl, then drain")
    alice.get_by_role("button", name="Save with these choices").click()
    expect(alice).to_have_url(re.compile(r"/wiki/runbook$"))
    expect(alice.locator(".markdown-body")).to_contain_text(
        "Restart the service with systemctl, then drain the queue."
    )


def test_a_clash_inside_a_table_is_resolved_with_the_buttons_and_previewed_as_a_table(
    staff, new_page
):
    arrange_page(
        staff, "Rates", "| City | Hotel |\n| --- | --- |\n| Paris | 120 EUR |\n| Oslo | 150 EUR |\n"
    )
    alice, bob = new_page(), new_page()
    log_in(alice, "editor")
    log_in(bob, "admin")
    alice.goto("/wiki/rates/edit")
    bob.goto("/wiki/rates/edit")
    body = bob.get_by_label("Text (Markdown)")
    body.fill(body.input_value().replace("120 EUR", "130 EUR"))
    bob.get_by_role("button", name="Save").click()
    expect(bob.locator(".markdown-body table")).to_contain_text("130 EUR")

    body = alice.get_by_label("Text (Markdown)")
    body.fill(body.input_value().replace("120 EUR", "140 EUR"))
    alice.get_by_role("button", name="Save").click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("Edit conflict")
    preview = alice.locator("#conflict-preview")
    alice.get_by_label("Keep theirs").check()
    expect(preview.locator("table")).to_have_count(1)
    expect(preview.locator("table")).to_contain_text("130 EUR")
    expect(preview.locator("table")).not_to_contain_text("140 EUR")
    expect(alice.locator(".conflict-progress")).to_contain_text("All decided")
    alice.get_by_label("Keep both (yours first)").check()
    expect(preview.locator("table tr")).to_have_count(4)  # the head, both Paris rows, Oslo
    alice.get_by_label("Keep yours").check()
    expect(preview.locator("table")).to_contain_text("140 EUR")
    alice.get_by_role("button", name="Save with these choices").click()
    expect(alice).to_have_url(re.compile(r"/wiki/rates$"))
    expect(alice.locator(".markdown-body table")).to_contain_text("140 EUR")
    expect(alice.locator(".markdown-body table")).to_contain_text("Oslo")


def test_the_live_preview_follows_the_text_through_the_servers_pipeline(staff, page):
    arrange_page(staff, "Runbook", "Restart the service.\n")
    log_in(page, "editor")
    page.goto("/wiki/runbook/edit")
    preview = page.locator("#editor-preview .markdown-body")
    expect(preview).to_contain_text("Restart the service.")
    page.get_by_label("Text (Markdown)").fill(
        "## Before you start\n\nAsk [[Operations]] first.\n\n<script>alert(1)</script>\n"
    )
    expect(preview.get_by_role("heading", name="Before you start")).to_be_visible()
    expect(preview.get_by_role("link", name="Operations")).to_have_class(re.compile(r"\bmissing\b"))
    # The preview is the server's sanitised HTML: the script shows as text and never runs.
    expect(preview).to_contain_text("<script>alert(1)</script>")
    expect(preview.locator("script")).to_have_count(0)
    # Nothing was saved by previewing.
    with staff.session() as session:
        from wiki.content.pages import find_page

        assert find_page(session, "runbook")[0].latest_number == 1


def test_a_text_the_renderer_refuses_is_explained_in_the_preview(staff, page):
    log_in(page, "editor")
    page.goto("/-/new")
    page.get_by_label("Text (Markdown)").fill(">" * 200 + " deep\n")
    expect(page.locator("#editor-preview .preview-message")).to_contain_text("too deeply")


def test_toolbar_and_shortcuts_format_the_selection(staff, page):
    log_in(page, "editor")
    page.goto("/-/new")
    text = page.get_by_label("Text (Markdown)")
    text.fill("urgent")
    text.select_text()
    page.get_by_role("toolbar", name="Formatting").get_by_role(
        "button", name=re.compile("^Bold")
    ).click()
    expect(text).to_have_value("**urgent**")
    text.press("End")
    text.press("Enter")
    page.get_by_role("button", name=re.compile("^Table")).click()
    expect(text).to_have_value(re.compile(r"\*\*urgent\*\*\n+\|.*\|\n\|\s*-+"))
    text.fill("note")
    text.select_text()
    text.press("Control+i")
    expect(text).to_have_value("_note_")
    expect(page.locator("#editor-preview .markdown-body em")).to_have_text("note")


def test_ctrl_s_saves_the_page(staff, page):
    arrange_page(staff, "Runbook", "Restart the service.\n")
    log_in(page, "editor")
    page.goto("/wiki/runbook/edit")
    page.get_by_label("Text (Markdown)").fill("Restart the service twice.\n")
    page.get_by_label("Summary of your change").fill("twice")
    page.keyboard.press("Control+s")
    expect(page).to_have_url(re.compile(r"/wiki/runbook$"))
    expect(page.locator(".markdown-body")).to_have_text("Restart the service twice.")
    page.goto("/wiki/runbook/history")
    expect(page.locator("table.history tbody tr").first).to_contain_text("twice")


def test_leaving_with_unsaved_changes_asks_first(staff, new_page):
    arrange_page(staff, "Runbook", "Restart the service.\n")
    page = new_page()
    log_in(page, "editor")
    page.goto("/wiki/runbook/edit")
    # Unchanged: leaving is silent.
    page.get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(r"/history$"))

    page.goto("/wiki/runbook/edit")
    page.get_by_label("Text (Markdown)").fill("Half-written thoughts")
    new_page.problems.expected_dialogs = 1
    with page.expect_event("dialog") as asked:
        page.get_by_role("link", name="History").click()
    assert asked.value.type == "beforeunload"
    # Dismissed: the user stays with the text.
    expect(page.get_by_label("Text (Markdown)")).to_have_value("Half-written thoughts")


def test_a_line_break_in_a_title_from_the_address_is_no_unsaved_change(staff, new_page):
    # The input drops the line break from its value: the form is as the server sent it.
    page = new_page()
    log_in(page, "editor")
    page.goto("/-/new?title=Packing%0Alist")
    expect(page.get_by_label("Title")).to_have_value("Packinglist")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Recent changes").click()
    expect(page).to_have_url(re.compile(r"/-/recent$"))

    # Typing in that title is a change: leaving asks first.
    page.goto("/-/new?title=Packing%0Alist")
    page.get_by_label("Title").press("End")
    page.get_by_label("Title").type("s")
    new_page.problems.expected_dialogs = 1
    with page.expect_event("dialog") as asked:
        page.get_by_role("navigation", name="Site").get_by_role(
            "link", name="Recent changes"
        ).click()
    assert asked.value.type == "beforeunload"
