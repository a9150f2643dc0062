"""Finding pages in a real browser: search, title autocomplete, the page index, the header
by keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import make_page
from wiki.access import accounts
from wiki.content.pages import Limits, create_page

from .conftest import log_in

PAGES = {
    "Office move 2019": "We forgot to label the **server racks** before unplugging them.\n",
    "Office plants": "Water them on Fridays.\n",
    "Expense reports": "Submit them before the 5th.\n",
    "Onboarding": "Badges come from the front desk; racks are in the basement.\n",
}


@pytest.fixture
def corpus(staff):
    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        for title, body in PAGES.items():
            make_page(session, editor, title, body)
    staff.catch_up_search()
    return staff


def test_a_search_finds_pages_and_opens_a_result(corpus, page):
    log_in(page, "reader")
    box = page.get_by_role("combobox", name="Search the wiki")
    box.fill("racks")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/-/search\?q=racks"))
    results = page.locator(".search-results h2 a")
    expect(results).to_have_count(2)
    expect(page.locator(".search-results mark").first).to_have_text(re.compile("racks", re.I))
    page.get_by_role("link", name="Office move 2019").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Office move 2019")


def test_autocomplete_suggests_titles_and_opens_one_by_keyboard(corpus, page):
    log_in(page, "reader")
    box = page.get_by_role("combobox", name="Search the wiki")
    box.press_sequentially("offi", delay=20)
    options = page.locator("#site-search-titles [role=option]")
    expect(options).to_have_count(2)
    assert sorted(options.all_inner_texts()) == ["Office move 2019", "Office plants"]
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    box.press("ArrowDown")
    active = page.locator("#site-search-titles [aria-selected=true]")
    expect(active).to_have_count(1)
    chosen = active.inner_text().strip()
    expect(box).to_have_attribute("aria-activedescendant", active.get_attribute("id"))
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(chosen)


def test_escape_closes_the_suggestions_and_enter_then_searches(corpus, page):
    log_in(page, "reader")
    box = page.get_by_role("combobox", name="Search the wiki")
    box.press_sequentially("offi", delay=20)
    expect(page.locator("#site-search-titles [role=option]")).to_have_count(2)
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#site-search-titles")).to_be_hidden()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/-/search\?q=offi"))


def test_all_pages_lists_titles_alphabetically_and_filters_them(corpus, page):
    log_in(page, "reader")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="All pages").click()
    titles = page.locator(".all-pages a.page-title")
    expect(titles).to_have_text(sorted(PAGES, key=str.lower))
    page.get_by_label(re.compile("Filter|Title", re.I)).fill("office")
    page.get_by_label(re.compile("Filter|Title", re.I)).press("Enter")
    expect(titles).to_have_text(["Office move 2019", "Office plants"])


def test_the_header_works_by_keyboard_alone(corpus, page):
    log_in(page, "admin")
    page.goto("/wiki/onboarding")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()

    # Every control of the header, in order, and every one with a visible focus ring.
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const el = document.activeElement;
                       const s = getComputedStyle(el);
                       return [el.closest('header') !== null, (el.textContent || el.getAttribute('aria-label') || el.id).trim(),
                               s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2]; }"""
        )
        if not focused[0]:
            break
        reached.append(focused[1])
        assert focused[2], f"no visible focus on {focused[1]!r}"
    assert reached[:2] == ["Bureaupedia", "site-search-q"]
    for name in ("All pages", "Recent changes", "New page"):
        assert name in reached

    # The user menu opens from the keyboard and leads to the admin area.
    page.goto("/wiki/onboarding")
    menu = page.locator("details.user-menu > summary")
    menu.focus()
    page.keyboard.press("Enter")
    admin = page.locator("details.user-menu").get_by_role("link", name="Admin")
    expect(admin).to_be_visible()
    page.keyboard.press("Escape")  # closes the menu, focus back on its button
    expect(admin).to_be_hidden()
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    admin.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/-/admin/users"))

    # Search from the keyboard: the box, a word, Enter.
    page.locator("#site-search-q").focus()
    page.keyboard.type("badges")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/-/search\?q=badges"))
    expect(page.get_by_role("link", name="Onboarding")).to_be_visible()


def test_a_search_too_long_to_send_is_held_back_with_a_message(corpus, page):
    log_in(page, "reader")
    page.goto(page.url.split("/wiki/")[0].rstrip("/") + "/-/search?q=racks")
    box = page.locator("#search-q")
    expect(box).to_have_attribute("maxlength", "1000")
    # 1,000 characters of Japanese are 9,000 once percent-encoded: more than the server reads.
    box.fill("日本" * 500)
    box.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("too long to send")
    expect(page).to_have_url(re.compile(r"q=racks$"))
    # Shorter, it is sent (and the message goes).
    box.fill("日本" * 300)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"q=%E6%97%A5"))
    expect(page.locator(".search-too-long")).to_have_count(0)
    expect(page.get_by_role("status").last).to_contain_text("results found")


UNDERSTOOD = {
    "Berlin office: Wi-Fi": ("Join the network Staff; the password is on the fridge.\n", ""),
    "How to reset your password": ("Open the self-service portal and choose Reset.\n", ""),
    "Receiving supplier invoices": ("Scan the invoice and send it to accounts payable.\n", ""),
    "Leavers: exit checklist": ("Return the laptop and badge on your last day.\n", "offboarding"),
}


@pytest.fixture
def understood(staff):
    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        for title, (body, tags) in UNDERSTOOD.items():
            create_page(session, editor, title, body, "", Limits(), tags=tags)
            session.commit()
    staff.catch_up_search()
    return staff


def search_for(page, text: str) -> None:
    box = page.get_by_role("combobox", name="Search the wiki")
    box.fill(text)
    box.press("Enter")
    expect(page.locator("h1")).to_have_text("Search")


def test_search_understands_questions_typos_variants_and_tags(understood, page):
    log_in(page, "reader")
    results = page.locator(".search-results h2 a")

    search_for(page, "how do I reset my password")
    expect(results.first).to_have_text("How to reset your password")

    search_for(page, "recieving supplier invoices")
    expect(page.get_by_role("status").first).to_contain_text(
        "Showing results for receiving supplier invoices"
    )
    expect(results.first).to_have_text("Receiving supplier invoices")
    page.get_by_role("link", name="recieving supplier invoices").click()
    expect(page.get_by_text("Did you mean")).to_be_visible()

    search_for(page, "wifi")
    expect(results.first).to_have_text("Berlin office: Wi-Fi")

    search_for(page, "offboarding")
    expect(results.first).to_have_text("Leavers: exit checklist")

    search_for(page, "invoice laptop fridge")
    expect(page.locator(".notice").first).to_contain_text(
        "No page has all of these words; showing pages with most of them"
    )
    expect(results).to_have_count(3)
