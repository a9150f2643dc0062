"""The Content-Security-Policy in a real browser: every main screen works under it without
a single violation, and what it forbids (inline script, style attributes) is blocked and
shows up as a console error, which fails any browser test."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.helpers import edit, make_page
from wiki.access import accounts

from .conftest import log_in

BODY = """# Office move

Lessons from the move, see [[Facilities]] and https://example.org.

```python
def label(rack):
    return f"rack {rack}"
```

| Room | Seats |
| --- | --- |
| Atlas | 12 |

- [x] label the racks
- [ ] book the van

Footnote[^1] and ~~strikethrough~~.

[^1]: Written after the 2019 move.
"""


def csp_reports(page) -> list[str]:
    """Every console message about the Content-Security-Policy, whatever its level."""
    reports: list[str] = []
    page.on(
        "console",
        lambda message: (
            reports.append(f"{message.type}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return reports


def arrange(live):
    with live.session() as session:
        editor = accounts.get_user(session, "editor")
        page = make_page(session, editor, "Office move", BODY)
        edit(session, editor, page, BODY + "\nAnd label the cables.\n", summary="cables")
        make_page(session, editor, "Office plants", "Water them on Fridays.\n")
    live.catch_up_search()


def test_the_main_screens_work_without_a_policy_violation(staff, page):
    arrange(staff)
    reports = csp_reports(page)
    log_in(page, "editor")

    page.goto("/wiki/office-move")
    expect(page.locator(".markdown-body pre.highlight")).to_be_visible()
    expect(page.locator(".markdown-body table")).to_be_visible()
    # The wiki's own style sheets apply (the skip link is moved off screen by wiki.css).
    assert page.locator("a.skip").evaluate("e => getComputedStyle(e).position") != "static"

    page.goto("/wiki/office-move")
    box = page.get_by_role("combobox", name="Search the wiki")
    box.press_sequentially("offi", delay=20)
    expect(page.locator("#site-search-titles [role=option]")).to_have_count(2)  # autocomplete ran
    box.press("Escape")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/-/search\?q=offi"))

    page.goto("/wiki/office-move/history")
    expect(page.locator("table.history tbody tr")).to_have_count(2)
    page.goto("/wiki/office-move/diff/1/2")
    expect(page.locator("table.diff")).to_contain_text("label the cables")
    page.goto("/wiki/office-move/diff/1/2?view=side")
    expect(page.locator("table.diff.side-by-side")).to_be_visible()
    page.goto("/wiki/office-move/blame")
    page.locator("details.user-menu > summary").click()  # the menu script
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # Last: leaving the editor with changes would ask first.
    page.goto("/wiki/office-move/edit")
    page.get_by_label("Text (Markdown)").fill("## Fresh heading\n\nSee [[Office plants]].\n")
    preview = page.locator("#editor-preview .markdown-body")
    expect(preview.get_by_role("heading", name="Fresh heading")).to_be_visible()  # live preview ran
    expect(preview.get_by_role("link", name="Office plants")).to_be_visible()

    assert reports == []


def test_an_injected_inline_script_and_style_attribute_are_blocked_and_reported(staff, new_page):
    page = new_page()
    reports = csp_reports(page)
    log_in(page, "reader")
    page.goto("/-/recent")

    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true;";
            document.body.appendChild(script);
            const heading = document.querySelector("h1");
            heading.setAttribute("style", "color: rgb(255, 0, 0)");
            return [window.injected === true, getComputedStyle(heading).color];
        }"""
    )

    assert ran[0] is False  # the script never ran
    assert ran[1] != "rgb(255, 0, 0)"  # the style attribute was not applied
    expect(page.locator("h1")).to_be_visible()
    page.wait_for_timeout(100)  # console messages arrive asynchronously
    assert any("inline script" in report for report in reports), reports
    assert any("inline style" in report for report in reports), reports
    # Both were console errors, so the fixture would fail any other test on them.
    problems = new_page.problems
    assert any("Content Security Policy" in error for error in problems.errors), problems.errors
    problems.errors[:] = [e for e in problems.errors if "Content Security Policy" not in e]
