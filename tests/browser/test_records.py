"""Capturing a lesson in a real browser: start from the template, fill its fields, see them
on the page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.helpers import make_page
from wiki.access import accounts

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


def test_ticking_an_action_item_saves_a_revision(staff, page):
    with staff.session() as session:
        make_page(
            session,
            accounts.get_user(session, "editor"),
            "Office move",
            "## Action items\n\n- [ ] @reader 2020-01-31 book the freight elevator\n"
            "- [ ] @editor 2099-12-31 label the crates\n",
        )
    log_in(page, "editor")
    page.goto("/wiki/office-move")
    overdue = page.locator("li.task-list-item").first
    expect(overdue).to_have_class(re.compile(r"\boverdue\b"))
    expect(overdue.get_by_role("link", name="@reader")).to_be_visible()
    box = overdue.get_by_role("checkbox")
    expect(box).to_be_enabled()
    box.check()
    expect(page.locator(".task-status")).to_have_text("Saved as revision 2.")
    expect(overdue).not_to_have_class(re.compile(r"\boverdue\b"))
    # The second box, ticked from the same page, saves on top of the first tick.
    page.locator("li.task-list-item").nth(1).get_by_role("checkbox").check()
    expect(page.locator(".task-status")).to_have_text("Saved as revision 3.")
    page.goto("/wiki/office-move/history")
    expect(page.get_by_text("Ticked “book the freight elevator”")).to_be_visible()
    page.goto("/wiki/office-move/rev/3/raw")
    expect(page.locator("body")).to_contain_text("- [x] @reader 2020-01-31 book the freight")
    expect(page.locator("body")).to_contain_text("- [x] @editor 2099-12-31 label the crates")


def test_my_action_items_lists_mine_overdue_first(staff, page):
    with staff.session() as session:
        make_page(
            session,
            accounts.get_user(session, "editor"),
            "Office move",
            "- [ ] @reader 2099-12-31 pack the lab\n- [ ] @reader 2020-01-31 order boxes\n",
        )
    log_in(page, "reader")
    page.get_by_text("reader", exact=True).first.click()
    page.get_by_role("link", name="My action items").click()
    items = page.locator(".action-items li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Overdue since 2020-01-31")
    expect(items.first).to_contain_text("order boxes")
    items.first.get_by_role("link", name="Office move").click()
    expect(page).to_have_url(re.compile(r"/wiki/office-move$"))


def test_a_page_is_verified_and_an_overdue_review_shows_on_the_dashboard(staff, page):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, update

    from wiki.models import Page, PageReview

    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        make_page(session, editor, "Forklift safety", "Check the forks.\n")
        make_page(session, editor, "Dock rota", "Mondays.\n")
    log_in(page, "editor")
    page.goto("/wiki/forklift-safety")
    page.get_by_role("navigation", name="Page").get_by_role("link", name="Review").click()
    page.get_by_label("Review", exact=True).select_option(label="Every 3 months")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Note").fill("Checked with the warehouse lead.")
    page.get_by_role("button", name="Mark as verified").click()
    expect(page.locator(".review-line")).to_contain_text("Verified by editor on")
    expect(
        page.get_by_role("listitem").filter(has_text="Checked with the warehouse lead.")
    ).to_be_visible()

    # Months later: the other page's review is overdue.
    with staff.session() as session:
        rota = session.scalars(select(Page).where(Page.slug == "dock-rota")).one()
        session.execute(
            update(PageReview)
            .where(PageReview.page_id == rota.id)
            .values(review_every_days=30, review_due=datetime.now(UTC).date() - timedelta(days=5))
        )
        session.commit()
    page.get_by_role("contentinfo").get_by_role("link", name="Pages to review").click()
    overdue = page.locator(".review-list li.overdue")
    expect(overdue).to_have_count(1)
    expect(overdue).to_contain_text("Dock rota")
    expect(overdue).to_contain_text("overdue since")
    overdue.get_by_role("link", name="Dock rota").click()
    expect(page.locator(".review-line")).to_contain_text("Review overdue since")


def test_a_lesson_is_found_by_a_field_and_in_the_lessons_view(staff, page):
    from datetime import date

    from wiki.content import spaces
    from wiki.content.pages import Limits, create_page
    from wiki.content.records import page_templates

    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        main = spaces.default_space(session)
        start = page_templates.start(session, editor, main, "lessons-learned", date(2026, 12, 4))
        for title, team in [("Freight elevator", "Logistics"), ("Payroll cutover", "Finance")]:
            create_page(
                session,
                editor,
                title,
                start.body,
                "",
                Limits(),
                tags=start.tags,
                space=main,
                record=start.record.with_values({"team": team, "severity": "high"}),
            )
        session.commit()
    staff.catch_up_search()
    log_in(page, "reader")
    search = page.get_by_role("combobox", name="Search the wiki")
    search.fill("team:logistics")
    search.press("Enter")
    results = page.locator(".search-results h2 a")
    expect(results).to_have_count(1)
    expect(results.first).to_have_text("Freight elevator")
    results.first.click()
    facts = page.get_by_role("complementary", name="Fields")
    facts.get_by_role("link", name="high").click()  # every value links to its search
    expect(page.locator(".search-results h2 a")).to_have_count(2)

    page.goto("/-/spaces/main")
    page.get_by_role("link", name="Lessons and records").click()
    page.get_by_label("Team").fill("finance")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Payroll cutover")
