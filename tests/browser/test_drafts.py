"""Drafts in a real browser: what is typed survives a browser that dies mid-edit, and two
people in one page's editor each see the other named."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from wiki.models import Draft

from .conftest import log_in
from .test_editing import arrange_page

SAVED = re.compile(r"^Saved as draft at \d\d:\d\d$")


def _draft_bodies(live) -> list[str]:
    with live.session() as session:
        return list(session.scalars(select(Draft.body)))


def test_a_draft_survives_a_browser_that_dies_and_is_resumed_and_saved(staff, new_page):
    arrange_page(staff, "Runbook", "Restart the service.\n")
    first = new_page()
    log_in(first, "editor")
    first.goto("/wiki/runbook/edit")
    first.get_by_label("Text (Markdown)").fill("Restart the service.\nThen check the queue.\n")
    first.get_by_label("Summary of your change").fill("queue check")
    expect(first.locator(".draft-status")).to_have_text(SAVED)
    first.context.close()  # the browser is gone: nothing saved, nothing left properly

    again = new_page()
    log_in(again, "editor")
    again.goto("/wiki/runbook/edit")
    expect(
        again.get_by_role("heading", name="You have an unsaved draft of this page")
    ).to_be_visible()
    expect(again.locator("table.diff tr.insert")).to_contain_text("Then check the queue.")
    again.get_by_role("link", name=re.compile(r"^Resume your draft from ")).click()
    text = again.get_by_label("Text (Markdown)")
    expect(text).to_have_value("Restart the service.\nThen check the queue.\n")
    expect(again.get_by_label("Summary of your change")).to_have_value("queue check")
    again.get_by_role("button", name="Save").click()

    expect(again).to_have_url(re.compile(r"/wiki/runbook$"))
    expect(again.locator(".markdown-body")).to_contain_text("Then check the queue.")
    assert _draft_bodies(staff) == []
    again.goto("/wiki/runbook/edit")  # nothing left to offer
    expect(again.get_by_label("Text (Markdown)")).to_have_value(
        "Restart the service.\nThen check the queue.\n"
    )


def test_leaving_the_page_sends_what_was_typed_since_the_last_draft(staff, new_page):
    arrange_page(staff, "Runbook", "Restart the service.\n")
    page = new_page()
    log_in(page, "editor")
    page.clock.install()
    page.goto("/wiki/runbook/edit")
    # Time stands still in the page: no save every few seconds, only the one when it goes.
    page.clock.pause_at(datetime.now() + timedelta(minutes=1))
    page.get_by_label("Text (Markdown)").fill(
        "Restart the service.\nWritten just before leaving.\n"
    )
    assert _draft_bodies(staff) == []

    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")

    deadline = time.monotonic() + 8
    while _draft_bodies(staff) == [] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _draft_bodies(staff) == ["Restart the service.\nWritten just before leaving.\n"]


def test_two_people_in_one_pages_editor_each_see_the_other_named(staff, new_page):
    arrange_page(staff, "Runbook", "Stop the service.\n\nRestart it.\n\nCheck it.\n")
    anna, bo = new_page(), new_page()
    log_in(anna, "editor")
    log_in(bo, "admin")
    anna.clock.install()  # Anna's page asks who is editing every half minute: hurried on below
    anna.goto("/wiki/runbook/edit")
    expect(anna.locator("#editing-notice")).to_be_hidden()
    anna.get_by_label("Text (Markdown)").fill(
        "Stop the service.\n\nRestart it.\n\nCheck the logs.\n"
    )
    expect(anna.locator(".draft-status")).to_have_text(SAVED)

    bo.goto("/wiki/runbook/edit")
    expect(bo.locator("#editing-notice")).to_contain_text("editor is also editing this page.")
    expect(bo.locator("#editing-notice")).to_contain_text("Nobody is blocked")
    bo.get_by_label("Text (Markdown)").fill(
        "Stop the service at night.\n\nRestart it.\n\nCheck it.\n"
    )
    expect(bo.locator(".draft-status")).to_have_text(SAVED)

    anna.clock.run_for(31_000)
    expect(anna.locator("#editing-notice")).to_contain_text("admin is also editing this page.")
    # Neither is blocked: Bo saves, then Anna's save merges with his.
    bo.get_by_role("button", name="Save").click()
    expect(bo).to_have_url(re.compile(r"/wiki/runbook$"))
    anna.get_by_role("button", name="Save").click()
    expect(anna).to_have_url(re.compile(r"/wiki/runbook$"))
    expect(anna.locator(".markdown-body")).to_contain_text("Stop the service at night.")
    expect(anna.locator(".markdown-body")).to_contain_text("Check the logs.")


def test_a_draft_the_server_refuses_is_said_plainly_and_the_text_stays(staff, new_page):
    arrange_page(staff, "Runbook", "Restart the service.\n")
    staff.app.config["MAX_PAGE_BYTES"] = 100
    page = new_page()
    log_in(page, "editor")
    page.goto("/wiki/runbook/edit")
    long_text = "A long paragraph of careful notes. " * 5

    page.get_by_label("Text (Markdown)").fill(long_text)

    status = page.locator(".draft-status")
    expect(status).to_contain_text("Not saved as a draft: The text is")
    expect(status).to_contain_text("Your text is still here.")
    expect(status).to_have_class(re.compile(r"\bis-error\b"))
    expect(page.get_by_label("Text (Markdown)")).to_have_value(long_text)
    assert _draft_bodies(staff) == []
