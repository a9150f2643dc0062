"""Writing pages in a real browser: creating, editing, and two people editing at once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.helpers import make_page
from wiki import accounts

from .conftest import log_in

TABLE = "| Room | Seats |\n| --- | --- |\n| Atlas | 12 |\n| Boreal | 6 |\n"


def arrange_page(live, title: str, body: str, author: str = "editor"):
    with live.session() as session:
        make_page(session, accounts.get_user(session, author), title, body)


def test_an_editor_creates_a_page_with_a_wiki_link_and_a_table(staff, page):
    log_in(page, "editor")
    page.get_by_role("link", name="New page").click()
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
    expect(body.get_by_role("link", name="Meeting rooms", exact=True)).not_to_have_class(re.compile(r"\bmissing\b"))
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
    expect(page.get_by_label("Text (Markdown)")).to_have_value("Three paragraphs of hard-won lessons.")


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
    expect(alice.locator("#mine")).to_have_value("Restart the service, then drain the queue.\n")
    expect(alice.locator("#theirs")).to_have_value("Restart the service with systemctl.\n")
    merged = alice.locator("#body")
    expect(merged).to_have_value(re.compile(r"<<<<<<<.*drain the queue.*systemctl.*>>>>>>>", re.S))

    merged.fill("Restart the service with systemctl, then drain the queue.\n")
    alice.get_by_role("button", name=re.compile("Save")).click()
    expect(alice).to_have_url(re.compile(r"/wiki/runbook$"))
    expect(alice.locator(".markdown-body")).to_have_text("Restart the service with systemctl, then drain the queue.")
    alice.goto("/wiki/runbook/history")
    expect(alice.locator("table.history tbody tr")).to_have_count(3)
