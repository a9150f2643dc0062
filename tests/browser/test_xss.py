"""In a real browser, hostile text stays text: no dialog opens, no payload's marker
(``window.__xss``) is set, no console error is logged, and the live DOM holds no event
handler, foreign script or script URL, on every screen that shows user text.

The payloads are the nastiest of ``tests/xss_corpus.py``, nine to a page (in the body, the
title, the tags and one revision summary each). The ``new_page`` fixture fails the test on
any dialog or console error; the first test shows that it really does.
"""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import expect

from tests.test_xss import add_hostile_pages, hostile_pages
from tests.xss_corpus import BY_ID, NASTIEST
from wiki.access import accounts

from .conftest import log_in

GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)

# What the browser itself makes of the page: handlers, scripts and URLs as it parsed them.
INERT = """() => {
  const problems = [];
  const safe = ["http:", "https:", "mailto:"];
  if (window.__xss !== undefined) problems.push("window.__xss was set");
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      if (attribute.name.toLowerCase().startsWith("on")) {
        problems.push(`${element.tagName} has ${attribute.name}`);
      }
    }
  }
  for (const script of document.scripts) {
    if (!script.src || new URL(script.src).origin !== location.origin) {
      problems.push(`script ${script.src || script.textContent.slice(0, 60)}`);
    }
  }
  const active = "iframe, frame, object, embed, base, svg, math, style, template, "
    + "meta[http-equiv], link:not([rel=stylesheet]):not([rel=icon]):not([rel=manifest])";
  for (const element of document.querySelectorAll(active)) {
    // The head's links to this site's own Atom feeds: browsers offer them, never run them.
    const feed = element.tagName === "LINK" && element.rel === "alternate"
      && element.type === "application/atom+xml"
      && new URL(element.href).origin === location.origin
      && new URL(element.href).pathname.startsWith("/-/feeds/")
      && element.parentElement === document.head;
    if (!feed) problems.push(`a ${element.tagName} element`);
  }
  const addresses = [["a[href]", "href"], ["img[src]", "src"], ["form[action]", "action"]];
  for (const [selector, property] of addresses) {
    for (const element of document.querySelectorAll(selector)) {
      const url = new URL(element[property], location.href);  // as the browser reads it
      if (!safe.includes(url.protocol)) {
        problems.push(`${element.tagName} ${property}=${element[property].slice(0, 80)}`);
      }
    }
  }
  return problems;
}"""


def _inert(page, where: str, found: list[str]) -> None:
    found.extend(f"{where}: {problem}" for problem in page.evaluate(INERT))


def test_the_browser_checks_notice_a_script_that_ran(staff, new_page):
    """The dialog, console and marker checks used below really catch an executed payload."""
    page = new_page()
    log_in(page, "reader")
    page.evaluate("() => { window.__xss = 1; alert('__xss'); console.error('__xss'); }")
    assert page.evaluate(INERT) == ["window.__xss was set"]
    problems = new_page.problems
    assert problems.dialogs == ["alert: __xss"]
    assert problems.errors == ["console error: __xss"]
    problems.dialogs.clear()  # expected here: the fixture would fail the test otherwise
    problems.errors.clear()


def test_hostile_text_never_runs_in_the_browser(staff, page):
    hostile = hostile_pages([BY_ID[name] for name in NASTIEST], per_page=9)
    with staff.session() as session:
        editor, admin = accounts.get_user(session, "editor"), accounts.get_user(session, "admin")
        add_hostile_pages(session, editor, admin, hostile)
    staff.catch_up_search()
    # Image payloads point at the relative address "x": answer with an image rather than a
    # 404, which the fixture would count as a broken asset.
    page.route("**/x", lambda route: route.fulfill(status=200, content_type="image/gif", body=GIF))
    log_in(page, "admin")
    found: list[str] = []

    for hostile_page in hostile:
        last = len(hostile_page.revisions)
        for suffix in (
            "",
            "/history",
            f"/diff/1/{last}",
            f"/diff/1/{last}?view=side",
            f"/diff/1/{last}?view=rendered",
            "/rev/1/restore",
            "/blame",
        ):
            page.goto(hostile_page.url + suffix)
            expect(page.get_by_role("heading", level=1).first).to_contain_text(
                hostile_page.title[:4]
            )
            _inert(page, f"{hostile_page!r} {suffix or 'page'}", found)
    for address in (
        "/-/pages",
        "/-/recent",
        "/-/users/editor/contributions",
        "/-/search?q=needle*",
    ):
        page.goto(address)
        _inert(page, address, found)
    expect(page.locator(".search-results li")).to_have_count(len(hostile))
    for hostile_page in hostile[:2]:  # the query echoed back
        page.goto("/-/search?q=" + quote(hostile_page.raw, safe=""))
        _inert(page, f"{hostile_page!r} search query", found)

    # The search box's suggestions show hostile titles as text.
    page.goto("/-/pages")
    box = page.get_by_role("combobox", name="Search the wiki")
    box.press_sequentially("X00", delay=20)
    options = page.locator("#site-search-titles [role=option]")
    expect(options).to_have_count(len(hostile))
    assert sorted(options.all_inner_texts()) == sorted(p.title for p in hostile)
    _inert(page, "title suggestions", found)

    # The editor's live preview puts the server's HTML into the page: all payloads at once.
    page.goto(hostile[0].url + "/edit")
    everything = "\n\n".join(p.body for p in hostile)
    page.get_by_label("Text (Markdown)").fill(everything)
    preview = page.locator("#editor-preview .markdown-body")
    expect(preview).to_contain_text(hostile[-1].needle)
    _inert(page, "live preview", found)

    assert found == []
