"""The look of the main screens in a real browser: contrast, small screens, print, landmarks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import edit, make_page
from wiki.access import accounts

from .conftest import log_in

# For every visible element that holds text: its text colour, the colour behind it (the
# first opaque background up the tree) and whether the text counts as large for WCAG.
CONTRAST_SCRIPT = """
() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility()) continue;
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2 || style.clip === "rect(0px, 0px, 0px, 0px)") continue;
    const fg = parse(style.color);
    const alpha = fg.length === 4 ? fg[3] : 1;
    const bg = background(el);
    const text = fg.slice(0, 3).map((v, i) => v * alpha + bg[i] * (1 - alpha));
    const [hi, lo] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
    }
  }
  return failures;
}
"""

SCREENS = [
    "/wiki/handbook",
    "/wiki/handbook/edit",
    "/wiki/handbook/files",
    "/wiki/handbook/history",
    "/wiki/handbook/diff/1/2",
    "/wiki/handbook/diff/1/2?view=side",
    "/wiki/handbook/diff/1/2?view=rendered",
    "/wiki/handbook/rev/1/restore",
    "/wiki/handbook/blame",
    "/-/search?q=badge",
    "/-/pages",
    "/-/recent",
    "/-/admin/users",
    "/-/help",
    "/wiki/nowhere",
]

HANDBOOK = """Read this first.

## Badges

Get a badge at the front desk. See [[Front desk]] and [[Handbook]].

| Floor | Team |
| --- | --- |
| 1 | Sales |

```python
print("hello")
```

> A quote from someone wise.
"""


@pytest.fixture
def handbook(staff):
    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        page = make_page(session, editor, "Handbook", HANDBOOK.replace("front desk", "desk"))
        edit(session, accounts.get_user(session, "admin"), page, HANDBOOK, summary="where exactly")
    staff.catch_up_search()
    return staff


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_meets_wcag_aa_contrast_on_the_main_screens(handbook, new_page, theme):
    page = new_page(color_scheme=theme)
    log_in(page, "admin")
    for path in SCREENS:
        page.goto(path)
        assert page.evaluate(CONTRAST_SCRIPT) == [], f"{path} in the {theme} theme"


def test_the_main_screens_fit_a_phone_without_sideways_scrolling(handbook, new_page):
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    log_in(page, "admin")
    for path in SCREENS:
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    page.goto("/wiki/handbook")
    expect(page.locator("#site-search-q")).to_be_visible()


def test_pages_print_without_the_site_chrome(handbook, page):
    log_in(page, "reader")
    page.goto("/wiki/handbook")
    page.emulate_media(media="print")
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Page")).to_be_hidden()
    expect(page.locator(".markdown-body")).to_be_visible()


def test_a_printed_task_list_shows_which_items_are_done(staff, page):
    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        make_page(session, editor, "Move checklist", "- [x] book the van\n- [ ] label boxes\n")
    log_in(page, "reader")
    page.goto("/wiki/move-checklist")
    page.emulate_media(media="print")
    boxes = page.locator(".markdown-body input.task-list-item-checkbox")
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0)).to_be_visible()
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).to_be_visible()
    expect(boxes.nth(1)).not_to_be_checked()


def test_times_read_as_how_long_ago_with_the_exact_time_in_ones_zone_on_hover(staff, page):
    """Moments of the last week read "3 days ago"; hovering shows the exact time in the
    reader's own time zone; older ones show the exact time."""
    from datetime import timedelta

    from sqlalchemy import update

    from wiki.models import Revision, User, utcnow

    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        page_made = make_page(session, editor, "Rota", "Mondays.\n")
        edit(session, editor, page_made, "Mondays and Fridays.\n")
        when = utcnow() - timedelta(days=3, hours=2)
        session.execute(update(Revision).where(Revision.number == 2).values(created_at=when))
        session.execute(
            update(Revision).where(Revision.number == 1).values(created_at=when - timedelta(30))
        )
        session.execute(
            update(User).where(User.username == "reader").values(time_zone="Asia/Tokyo")
        )
        session.commit()
    log_in(page, "reader")
    page.goto("/wiki/rota")
    moment = page.locator(".byline time")
    expect(moment).to_have_text("3 days ago")
    expect(moment).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d JST$"))
    page.goto("/wiki/rota/history")
    expect(page.locator("time").filter(has_text="3 days ago")).to_have_count(1)
    older = page.locator("time").filter(has_text=re.compile(r"^\d{4}-\d\d-\d\d"))
    expect(older.first).to_have_text(re.compile(r"JST$"))


def test_every_screen_has_landmarks_and_labelled_fields(handbook, page):
    log_in(page, "admin")
    for path in SCREENS:
        page.goto(path)
        expect(page.get_by_role("banner")).to_have_count(1)
        expect(page.get_by_role("main")).to_have_count(1)
        expect(page.get_by_role("navigation", name="Site")).to_have_count(1)
        expect(page.locator("h1")).to_have_count(1)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
                 .filter((el) => !el.labels?.length && !el.getAttribute('aria-label')
                                 && !el.getAttribute('aria-labelledby'))
                 .map((el) => el.name || el.id)"""
        )
        assert unlabelled == [], f"{path}: fields without a label: {unlabelled}"


def test_a_heading_is_reached_by_its_link_a_wiki_link_and_a_plain_address(staff, page):
    long_text = "\n\n".join(f"Paragraph {n} of the opening." for n in range(60))
    with staff.session() as session:
        editor = accounts.get_user(session, "editor")
        make_page(session, editor, "Site guide", f"{long_text}\n\n## Parking spaces\n\nLevel -2.\n")
        make_page(session, editor, "Arrival", "Park as [[Site guide#Parking spaces]] says.\n")
    log_in(page, "reader")

    heading = page.get_by_role("heading", name="Parking spaces")
    # An address shared with the plain heading name, as people type it.
    page.goto("/wiki/site-guide#parking-spaces")
    expect(heading).to_be_in_viewport()
    heading.hover()
    link = heading.get_by_role("link", name="Link to this section")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "#user-content-parking-spaces")
    # The wiki link in another page leads to the heading.
    page.goto("/wiki/arrival")
    page.get_by_role("link", name="Site guide#Parking spaces").click()
    page.wait_for_url("**/wiki/site-guide#user-content-parking-spaces")
    expect(heading).to_be_in_viewport()
    page.goto("/wiki/site-guide")
    expect(heading).not_to_be_in_viewport()  # a long page: the heading is far down
