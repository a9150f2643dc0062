"""The landing page and links across spaces, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from wiki.access import accounts
from wiki.content import spaces
from wiki.content.pages import Limits, create_page

from .conftest import log_in


def arrange_spaces(live) -> None:
    """The space hr with Onboarding, which links to Expenses in the space finance."""
    with live.session() as session:
        admin, editor = (accounts.get_user(session, name) for name in ("admin", "editor"))
        hr = spaces.create_space(session, admin, "hr", "People team", "Hiring and leave.")
        finance = spaces.create_space(session, admin, "finance", "Finance")
        create_page(
            session, editor, "Expenses", "Keep every receipt.\n", "", Limits(), space=finance
        )
        create_page(
            session,
            editor,
            "Onboarding",
            "Welcome! Claim your travel as [[finance:Expenses|finance explains]].\n",
            "",
            Limits(),
            space=hr,
        )
        session.commit()


def test_the_landing_page_leads_through_a_space_to_a_page_of_another(staff, page):
    arrange_spaces(staff)
    log_in(page, "reader")

    expect(page).to_have_url(re.compile(r"/$"))
    spaces_list = page.locator("section.landing-spaces")
    expect(spaces_list.get_by_role("link", name="People team")).to_be_visible()
    expect(spaces_list).to_contain_text("Hiring and leave.")
    expect(spaces_list.get_by_role("link", name="Finance")).to_be_visible()
    recent = page.locator("section.landing-recent")
    expect(recent.get_by_role("listitem").first).to_contain_text("Onboarding")
    expect(recent.get_by_role("listitem").first).to_contain_text("People team")

    recent.get_by_role("link", name="Onboarding").click()
    expect(page).to_have_url(re.compile(r"/wiki/hr:onboarding$"))
    link = page.locator(".markdown-body").get_by_role("link", name="finance explains")
    expect(link).not_to_have_class(re.compile(r"\bmissing\b"))
    link.click()
    expect(page).to_have_url(re.compile(r"/wiki/finance(:|%3A)expenses$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Expenses")
    expect(page.locator(".markdown-body")).to_contain_text("Keep every receipt.")


def test_the_live_preview_links_in_the_space_chosen_for_a_new_page(staff, page):
    arrange_spaces(staff)
    log_in(page, "editor")
    page.goto("/-/new")
    page.get_by_label("Text (Markdown)").fill("See [[Onboarding]].")
    preview = page.locator("#editor-preview")
    link = preview.get_by_role("link", name="Onboarding")
    expect(link).to_have_class(re.compile(r"\bmissing\b"))  # not in the default space
    page.get_by_label("Space").select_option("hr")
    expect(link).to_have_attribute("href", "/wiki/hr%3Aonboarding")
    expect(link).not_to_have_class(re.compile(r"\bmissing\b"))
