"""Capturing a lesson in a real browser: start from the template, fill its fields, see them
on the page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import log_in


def test_a_lesson_is_written_from_the_template_with_its_fields(staff, page):
    log_in(page, "editor")
    page.goto("/-/new")
    page.get_by_role("navigation", name="Start from").get_by_role(
        "link", name="Lessons learned"
    ).click()
    body = page.get_by_label("Text (Markdown)")
    expect(body).to_have_value(re.compile(r"## What went wrong"))
    page.get_by_label("Title").fill("Freight elevator booking")
    page.get_by_label("Team").fill("Logistics")
    page.get_by_label("Event date").fill("2026-02-30")
    page.get_by_label("Outcome").select_option("partial success")
    page.get_by_role("button", name="Save").click()

    # An impossible date is named; everything typed is still there.
    expect(page.locator("#field-event_date-error")).to_contain_text("not a date in the calendar")
    expect(page.get_by_label("Team")).to_have_value("Logistics")
    expect(page.get_by_label("Outcome")).to_have_value("partial success")
    expect(body).to_have_value(re.compile(r"## What went wrong"))
    page.get_by_label("Event date").fill("2026-11-30")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/wiki/freight-elevator-booking$"))
    facts = page.get_by_role("complementary", name="Fields")
    expect(facts).to_contain_text("Logistics")
    expect(facts).to_contain_text("2026-11-30")
    expect(facts).to_contain_text("partial success")
    expect(page.locator(".byline")).to_contain_text("lessons-learned")
