"""Hearing about changes in a real browser: watching a space, a page and a tag, being
mentioned, the bell and the notification list, and never hearing of a page one may not
read.

The served wiki runs no worker of its own: each journey runs one pass of it in-process
(:func:`wiki.ops.notifier.handle_pending`) where the background worker would have.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.helpers import make_page
from wiki.access import accounts, grants
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, edit_page
from wiki.db import get_database
from wiki.models import Page, Space
from wiki.ops.notifier import handle_pending

from .conftest import log_in


def run_worker(live) -> tuple[int, int]:
    """One pass of the background worker: (events handled, notifications made)."""
    return handle_pending(get_database(live.app))


def arrange_page(live, title: str, body: str, author: str = "admin") -> None:
    """A page made through the service layer, its creation already handled by the worker
    (so only what the journey does afterwards makes notifications)."""
    with live.session() as session:
        make_page(session, accounts.get_user(session, author), title, body)
    run_worker(live)


def edit_in_editor(page, slug: str, body: str, summary: str = "", tags: str | None = None):
    """Edit a page through the editor, as a person would, and wait for the saved page."""
    page.goto(f"/wiki/{slug}/edit")
    page.get_by_label("Text (Markdown)").fill(body)
    if tags is not None:
        page.get_by_label("Tags").fill(tags)
    page.get_by_label("Summary of your change").fill(summary)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/wiki/{re.escape(slug)}$"))


def bell(page):
    return page.get_by_role("navigation", name="Site").get_by_role(
        "link", name=re.compile(r"^Notifications")
    )


def test_watching_a_space_brings_an_edit_to_the_bell_with_the_change_then_all_is_marked_read(
    staff, new_page
):
    """A reader watches the space Main from its page; an editor changes one of its pages
    in the editor; the reader's bell counts it, the list says who changed what, why, and
    which lines, leads to the diff, and "Mark all read" empties the bell."""
    arrange_page(staff, "Loading dock", "Doors open at 7.\nBring your badge.\n")
    reader, editor = new_page(), new_page()
    log_in(reader, "reader")
    log_in(editor, "editor")

    reader.goto("/-/spaces/main")
    reader.get_by_role("button", name="Watch every page of this space").click()
    expect(reader).to_have_url(re.compile(r"/-/spaces/main$"))
    expect(reader.get_by_role("status")).to_contain_text("You watch the space Main.")
    expect(reader.locator("form.watch")).to_contain_text("You watch every page of this space.")
    expect(reader.locator(".bell-count")).to_have_count(0)

    edit_in_editor(
        editor,
        "loading-dock",
        "Doors open at 6.\nBring your badge.\nSign in at the desk.\n",
        summary="earlier start",
    )
    assert run_worker(staff) == (1, 2)  # the edit, told to the reader and the page's creator

    reader.reload()
    expect(reader.locator(".bell-count")).to_have_text("1 unread")
    expect(bell(reader)).to_have_accessible_name("Notifications 1 unread")
    bell(reader).click()
    expect(reader).to_have_url(re.compile(r"/-/notifications$"))
    expect(reader.get_by_role("heading", level=1)).to_have_text("Notifications")
    notes = reader.locator("li.notification")
    expect(notes).to_have_count(1)
    note = notes.first
    expect(note).to_have_class(re.compile(r"\bunread\b"))
    expect(note).to_contain_text("editor edited Loading dock")
    # Well-formed: no stray paragraph from an unmatched tag, the line a paragraph of its own.
    expect(note.locator("p:empty")).to_have_count(0)
    expect(note.locator("p").first).to_contain_text("editor edited Loading dock (see the change)")
    expect(note.locator(".summary")).to_have_text("“earlier start”")
    expect(note.locator(".excerpt")).to_have_text(
        "- Doors open at 7.\n+ Doors open at 6.\n+ Sign in at the desk."
    )
    expect(note).to_contain_text("You watch the space Main.")
    expect(note.get_by_role("link", name="Loading dock")).to_have_attribute(
        "href", "/wiki/loading-dock"
    )

    note.get_by_role("link", name="see the change").click()
    expect(reader).to_have_url(re.compile(r"/wiki/loading-dock/diff/1/2$"))
    expect(reader.get_by_role("heading", level=1)).to_have_text("Loading dock: changes")
    expect(reader.locator(".diff-new")).to_contain_text("earlier start")
    expect(reader.locator("body")).to_contain_text("Sign in at the desk.")
    # Looking at the change does not by itself mark the notification read.
    expect(reader.locator(".bell-count")).to_have_text("1 unread")

    reader.go_back()
    expect(reader).to_have_url(re.compile(r"/-/notifications$"))
    reader.get_by_role("button", name="Mark all read").click()
    expect(reader).to_have_url(re.compile(r"/-/notifications$"))
    expect(reader.locator(".bell-count")).to_have_count(0)
    expect(bell(reader)).to_have_accessible_name("Notifications")
    expect(notes).to_have_count(1)  # still listed, no longer new
    expect(notes.first).not_to_have_class(re.compile(r"\bunread\b"))
    expect(notes.first.get_by_role("button", name="Mark read")).to_have_count(0)


def test_a_page_is_watched_and_unwatched_from_itself_and_a_tag_from_what_i_watch(staff, new_page):
    """A reader watches a page from the watch line under its title and stops again; then
    watches it with every page under it, finds that on "What I watch" (account menu),
    watches a tag there, stops watching the page from the list, and hears of a change only
    through the tag."""
    arrange_page(staff, "Forklift rules", "Keep the forks low.\n")
    reader, editor = new_page(), new_page()
    log_in(reader, "reader")
    log_in(editor, "editor")

    reader.goto("/wiki/forklift-rules")
    watch = reader.locator(".watch")
    watch.get_by_role("button", name="Watch this page").click()
    expect(reader).to_have_url(re.compile(r"/wiki/forklift-rules$"))
    expect(reader.get_by_role("status")).to_contain_text("You watch this page.")
    expect(watch).to_contain_text("You watch this page.")
    expect(watch.get_by_role("button", name="Watch this page")).to_have_count(0)

    watch.get_by_role("button", name="Stop watching").click()
    expect(reader).to_have_url(re.compile(r"/wiki/forklift-rules$"))
    expect(reader.get_by_role("status")).to_contain_text("You no longer watch that page.")
    expect(watch.get_by_role("button", name="Stop watching")).to_have_count(0)
    watch.get_by_role("button", name="Watch it and every page under it").click()
    expect(watch).to_contain_text("You watch this page and every page under it.")

    reader.get_by_role("navigation", name="Site").locator("summary").click()
    reader.get_by_role("link", name="What I watch").click()
    expect(reader).to_have_url(re.compile(r"/-/watching$"))
    listed = reader.locator("ul.watches > li")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("The page Forklift rules and every page under it")

    reader.get_by_label("Tag").fill("  Safety ")
    reader.get_by_role("button", name="Watch", exact=True).click()
    expect(reader.get_by_role("status")).to_contain_text("You watch pages tagged “safety”.")
    expect(listed).to_have_count(2)
    expect(listed.nth(1)).to_contain_text("Pages tagged safety")

    listed.filter(has_text="Forklift rules").get_by_role("button", name="Stop watching").click()
    expect(reader).to_have_url(re.compile(r"/-/watching$"))
    expect(reader.get_by_role("status")).to_contain_text(
        "You no longer watch that page and the pages under it."
    )
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("Pages tagged safety")
    reader.goto("/wiki/forklift-rules")
    expect(watch.get_by_role("button", name="Watch this page")).to_be_visible()

    # An untagged change reaches nobody; tagging the page reaches the reader, by the tag.
    # (The admin who created the page watches it, and hears of both.)
    edit_in_editor(editor, "forklift-rules", "Keep the forks low.\nLook behind you.\n")
    assert run_worker(staff) == (1, 1)
    edit_in_editor(
        editor, "forklift-rules", "Keep the forks low.\nLook behind you.\n", tags="Safety"
    )
    assert run_worker(staff) == (1, 2)
    reader.goto("/-/notifications")
    expect(reader.locator(".bell-count")).to_have_text("1 unread")
    notes = reader.locator("li.notification")
    expect(notes).to_have_count(1)
    expect(notes.first).to_contain_text("editor edited Forklift rules")
    expect(notes.first).to_contain_text("You watch the tag safety.")


def test_a_person_mentioned_in_a_page_is_told_so(staff, new_page):
    """An editor writes "@reader" into a page in the editor; the reader, who watches
    nothing, finds the bell lit and "You were mentioned." in the list; marking that one
    read puts the bell out."""
    arrange_page(staff, "Office move", "Boxes arrive on Monday.\n")
    reader, editor = new_page(), new_page()
    log_in(reader, "reader")
    log_in(editor, "editor")
    reader.goto("/-/notifications")
    expect(reader.get_by_text("No notifications yet.")).to_be_visible()

    edit_in_editor(
        editor,
        "office-move",
        "Boxes arrive on Monday.\n\n@reader please book the freight elevator.\n",
        summary="who books the elevator",
    )
    assert run_worker(staff) == (1, 2)  # the reader, and the admin who created the page

    reader.reload()
    expect(reader.locator(".bell-count")).to_have_text("1 unread")
    note = reader.locator("li.notification")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("editor edited Office move")
    expect(note).to_contain_text("You were mentioned.")
    expect(note.locator(".excerpt")).to_have_text("+ @reader please book the freight elevator.")
    note.get_by_role("button", name="Mark read").click()
    expect(reader).to_have_url(re.compile(r"/-/notifications$"))
    expect(reader.locator(".bell-count")).to_have_count(0)
    expect(note).not_to_have_class(re.compile(r"\bunread\b"))


def test_nothing_is_told_about_a_page_of_a_space_one_may_not_read(staff, new_page):
    """An admin mentions a reader on a page of a private space the reader may not read,
    tagged with a tag the reader watches; the reader's bell and list show only the public
    page that was changed at the same time, and a notification made while the reader could
    read the space vanishes once that access is taken away."""
    with staff.session() as session:
        admin = accounts.get_user(session, "admin")
        secret = spaces.create_space(session, admin, "hr", "HR", open_to_signed_in=False)
        salaries = create_page(
            session, admin, "Salaries", "Secret.\n", "", Limits(), space=secret
        ).page.id
        space_id = secret.id
        session.commit()
        canteen = make_page(session, admin, "Canteen menu", "Soup.\n").id
    run_worker(staff)
    reader = new_page()
    log_in(reader, "reader")
    reader.goto("/-/watching")
    reader.get_by_label("Tag").fill("pay")
    reader.get_by_role("button", name="Watch", exact=True).click()
    expect(reader.locator("ul.watches > li")).to_have_count(1)

    def admin_edits(page_id: int, body: str, tags: str = "") -> None:
        with staff.session() as session:
            admin = accounts.get_user(session, "admin")
            page = session.get_one(Page, page_id)
            edit_page(session, admin, page, page.latest_number, body, "", Limits(), tags=tags)
            session.commit()

    admin_edits(salaries, "Secret.\n\nAsk @reader.\n", tags="pay")
    admin_edits(canteen, "Soup.\n\nAsk @reader.\n")
    assert run_worker(staff) == (2, 1)  # only the page the reader may read

    reader.goto("/-/notifications")
    expect(reader.locator(".bell-count")).to_have_text("1 unread")
    notes = reader.locator("li.notification")
    expect(notes).to_have_count(1)
    expect(notes.first).to_contain_text("admin edited Canteen menu")
    expect(reader.locator("main")).not_to_contain_text("Salaries")
    assert reader.goto("/wiki/hr:salaries").status == 404

    # Let the reader in: the next change reaches them; shut them out: it is gone again.
    with staff.session() as session:
        admin = accounts.get_user(session, "admin")
        grants.set_grant(session, admin, session.get_one(Space, space_id), "user", "reader", "read")
        session.commit()
    admin_edits(salaries, "Secret.\n\nAsk @reader.\nPay day is the 25th.\n", tags="pay")
    assert run_worker(staff) == (1, 1)
    reader.goto("/-/notifications")
    expect(reader.locator(".bell-count")).to_have_text("2 unread")
    expect(notes).to_have_count(2)
    expect(notes.first).to_contain_text("admin edited Salaries")
    expect(notes.first).to_contain_text("You watch the tag pay.")

    with staff.session() as session:
        admin = accounts.get_user(session, "admin")
        grants.set_grant(session, admin, session.get_one(Space, space_id), "user", "reader", "none")
        session.commit()
    reader.reload()
    expect(reader.locator(".bell-count")).to_have_text("1 unread")
    expect(notes).to_have_count(1)
    expect(notes.first).to_contain_text("Canteen menu")
    expect(reader.locator("main")).not_to_contain_text("Salaries")


def test_the_bell_is_reached_by_keyboard_and_named_notifications(staff, page):
    """A person moving through the header with Tab reaches the bell, hears it named
    "Notifications", and opens the list with Enter."""
    log_in(page, "reader")
    page.goto("/")
    page.get_by_label("Search the wiki").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('bell')"):
            break
    bell_link = bell(page)
    expect(bell_link).to_be_focused()
    expect(bell_link).to_have_accessible_name("Notifications")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/-/notifications$"))
    expect(bell_link).to_have_attribute("aria-current", "page")
