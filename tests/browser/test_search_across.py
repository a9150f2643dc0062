"""Searching across everything in a real browser: a facet clicked and removed, text that
was removed from a page found with "include history" and its change opened, a file found
and opened."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.helpers import attach, edit, make_page
from wiki.access import accounts
from wiki.content import spaces

from .conftest import log_in


@pytest.fixture
def corpus(staff):
    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        admin = accounts.get_user(session, "admin")
        ops = spaces.create_space(session, admin, "ops", "Operations", "")
        session.commit()
        make_page(session, editor, "Forklift rota", "Who drives the forklift on Mondays.\n")
        from wiki.content.pages import Limits, create_page

        lift = create_page(
            session, editor, "Forklift repairs", "The forklift brakes.\n", "", Limits(), space=ops
        ).page
        session.commit()
        attach(session, editor, lift, "Hydraulics report.txt", b"Hydraulics leak on the lift.\n")
        memo = make_page(
            session,
            editor,
            "Parking memo",
            "Staff park in the west lot.\n\nVisitors used the zebra garage until March.\n",
        )
        edit(session, admin, memo, "Staff park in the west lot.\n")
    staff.catch_up_search()
    staff.catch_up_search()  # the file's text, read in the first round, is indexed next
    _wait_until_found(staff)
    return staff


def _wait_until_found(staff) -> None:
    """A round returns early when the server's own indexer holds the index: wait until
    that one has indexed the pages, the file's text and the removed passage."""
    from wiki.search.runtime import get_engine

    deadline = time.monotonic() + 15
    with staff.app.app_context():
        engine = get_engine()
        while time.monotonic() < deadline:
            engine.refresh()
            if (
                engine.search("forklift", as_typed=True).total == 2
                and engine.search("hydraulics", as_typed=True).total == 1
                and engine.search("zebra", as_typed=True, history=True).total == 1
            ):
                return
            time.sleep(0.05)
    raise AssertionError("the index never caught up")


def _search(page, text: str) -> None:
    """Search from the results page's own box (which keeps the filters)."""
    if "/-/search" not in page.url:
        page.goto("/-/search")
    box = page.get_by_role("searchbox", name="Search the wiki")
    box.fill(text)
    box.press("Enter")


def test_a_facet_narrows_the_results_and_its_filter_comes_off(corpus, page):
    log_in(page, "reader")
    page.goto("/-/search?q=forklift")
    results = page.locator(".search-results > li")
    expect(results).to_have_count(2)
    facets = page.get_by_role("complementary", name="Narrow the results")
    space = facets.locator('[data-facet="space"]')
    expect(space.get_by_role("link", name="Operations")).to_be_visible()
    space.get_by_role("link", name="Operations").click()
    expect(page).to_have_url(re.compile(r"f=space"))
    expect(results).to_have_count(1)
    expect(results.first.get_by_role("heading")).to_have_text("Forklift repairs")
    # The filter shows; searching again keeps it until it is removed.
    filters = page.get_by_role("list", name="Filters")
    expect(filters).to_contain_text('space:"ops"')
    _search(page, "forklift brakes")
    expect(results).to_have_count(1)
    filters.get_by_role("link", name=re.compile("Remove the filter")).click()
    expect(page.get_by_role("list", name="Filters")).to_have_count(0)
    expect(results.first.get_by_role("heading")).to_have_text("Forklift repairs")


def test_removed_text_is_found_with_history_and_its_change_opens(corpus, page):
    log_in(page, "reader")
    page.goto("/-/search?q=zebra+garage&exactly=1")
    expect(page.get_by_role("status").last).to_contain_text("0 results found")
    page.get_by_label("Include history").check()
    page.get_by_role("button", name="Search").click()
    hit = page.locator(".search-results > li.hit-history")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("Was on Parking memo from revision 1 to 1, removed by admin")
    expect(hit.locator("mark").first).to_have_text(re.compile("zebra", re.I))
    hit.get_by_role("link", name="See the change").click()
    expect(page).to_have_url(re.compile(r"/wiki/parking-memo/diff/1/2"))
    expect(page.locator("tr.delete", has_text="zebra garage")).to_have_count(1)


def test_a_file_hit_names_its_page_and_opens_the_file(corpus, page, tmp_path):
    log_in(page, "reader")
    _search(page, "hydraulics leak")
    hit = page.locator(".search-results > li.hit-file")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("In file Hydraulics report.txt on page Forklift repairs")
    with page.expect_download() as info:
        hit.get_by_role("heading").get_by_role("link").click()
    saved = tmp_path / "got.txt"
    info.value.save_as(saved)
    assert Path(saved).read_bytes() == b"Hydraulics leak on the lift.\n"
    hit.get_by_role("link", name="Forklift repairs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forklift repairs")
