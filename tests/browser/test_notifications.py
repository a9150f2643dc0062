"""Hearing about changes in a real browser: watching a space, a page and a tag, being
mentioned, the bell and the notification list, never hearing of a page one may not read,
and e-mail: at once, in a daily digest, and stopped from the link in a message.

The served wiki runs no worker of its own: each journey runs one pass of it in-process
(:func:`wiki.ops.notifier.handle_pending`, then :func:`wiki.ops.notifier.deliver_mail` for
mail) where the background worker would have. Mail goes to a real SMTP server on loopback.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import make_page
from tests.mailserver import Inbox
from wiki.access import accounts, grants, people
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, edit_page
from wiki.db import get_database
from wiki.models import EmailFrequency, Page, Space
from wiki.notify.compose import DIGEST_PERIODS
from wiki.ops.notifier import deliver_mail, handle_pending

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


# --- e-mail --------------------------------------------------------------------------------


@pytest.fixture
def mailbox(live):
    """A mail server on loopback that the live wiki sends its mail to; the links in the
    mail lead to the live wiki, so a browser can open them."""
    inbox = Inbox()
    inbox.start()
    live.app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=inbox.port, SMTP_STARTTLS=False, BASE_URL=live.url
    )
    yield inbox
    inbox.stop()


def send_mail(live) -> tuple[int, int, int]:
    """The mail part of one pass of the worker: (messages composed, sent, failed attempts)."""
    return deliver_mail(live.app)


def text_of(message) -> str:
    """A received message's text, its lines ended as in Python (SMTP ends them with CRLF)."""
    return message.get_content().replace("\r\n", "\n")


def give_address(live, username: str, address: str, frequency: EmailFrequency) -> None:
    """Give a person an e-mail address and a choice of mail, as their settings would."""
    with live.session() as session:
        user = accounts.get_user(session, username)
        people.update_profile(session, user, "", address, "")
        user.email_frequency = frequency.value
        session.commit()


def choose_mail(page, choice: str) -> None:
    """Choose how often mail comes on "What I watch", as a person would."""
    page.goto("/-/watching")
    page.get_by_label(choice, exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(re.compile(r"/-/watching$"))
    expect(page.get_by_role("status")).to_contain_text("Saved how you hear of changes.")
    expect(page.get_by_label(choice, exact=True)).to_be_checked()


def test_a_change_to_a_watched_space_arrives_by_mail_whose_link_stops_the_mail(
    staff, new_page, mailbox
):
    """A reader gives an e-mail address in their settings, chooses mail at once on "What I
    watch" and watches the space Main; an editor changes one of its pages in the editor.
    The bell lights, and one pass of the worker delivers one e-mail to the reader's address:
    it says who changed which page, why, which lines, and why the reader gets it; its link
    opens the change, and it carries a one-click unsubscribe header. Opening the e-mail's
    stop link in a browser where nobody is signed in and confirming stops the mail: "What I
    watch" says "No e-mail", and the next change reaches the bell but no mailbox."""
    arrange_page(staff, "Loading dock", "Doors open at 7.\nBring your badge.\n")
    reader, editor = new_page(), new_page()
    log_in(reader, "reader")
    log_in(editor, "editor")

    reader.goto("/-/account")
    reader.get_by_label("E-mail address").fill("rita@example.com")
    reader.get_by_role("button", name="Save settings").click()
    expect(reader.get_by_role("status")).to_contain_text("Saved your settings.")
    choose_mail(reader, "At once, one e-mail per change")
    expect(reader.locator("legend")).to_have_text("E-mail to rita@example.com")
    reader.goto("/-/spaces/main")
    reader.get_by_role("button", name="Watch every page of this space").click()
    expect(reader.get_by_role("status")).to_contain_text("You watch the space Main.")

    edit_in_editor(
        editor,
        "loading-dock",
        "Doors open at 6.\nBring your badge.\n",
        summary="earlier start",
    )
    assert run_worker(staff) == (1, 2)  # the reader, and the admin who created the page
    reader.reload()
    expect(reader.locator(".bell-count")).to_have_text("1 unread")
    assert send_mail(staff) == (1, 1, 0)  # the admin has no address

    [message] = mailbox.messages
    assert message["To"] == "rita@example.com"
    assert message["Subject"] == "[Bureaupedia] editor edited “Loading dock”"
    body = text_of(message)
    assert "editor edited “Loading dock” (you watch the space Main).\n" in body
    assert "Summary: earlier start\n" in body
    assert "- Doors open at 7." in body and "+ Doors open at 6." in body
    assert "Bring your badge." not in body  # the lines changed, not the whole page
    change = f"{staff.url}/wiki/loading-dock/diff/1/2"
    assert f"See the change: {change}\n" in body
    assert "You get this e-mail because you watch the space Main." in body
    stop = re.search(r"^Stop these e-mails: (\S+)$", body, re.MULTILINE)
    assert stop, body
    stop_link = stop[1]
    assert stop_link.startswith(f"{staff.url}/-/unsubscribe/")
    assert message["List-Unsubscribe"].strip() == f"<{stop_link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    reader.goto(change)
    expect(reader.get_by_role("heading", level=1)).to_have_text("Loading dock: changes")
    expect(reader.locator(".diff-new")).to_contain_text("earlier start")

    # The link alone is the proof: a mail program's browser is signed in to nothing.
    elsewhere = new_page()
    elsewhere.goto(stop_link)
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("E-mail from this wiki")
    expect(elsewhere.locator("main")).to_contain_text("Stop the e-mails about changes")
    elsewhere.get_by_role("button", name="Stop the e-mails").click()
    expect(elsewhere.locator("main")).to_contain_text("You will get no more e-mail about changes.")
    expect(elsewhere.get_by_role("button", name="Stop the e-mails")).to_have_count(0)

    reader.goto("/-/watching")
    expect(reader.get_by_label("No e-mail", exact=True)).to_be_checked()
    expect(reader.get_by_label("At once, one e-mail per change")).not_to_be_checked()

    edit_in_editor(
        editor,
        "loading-dock",
        "Doors open at 5.\nBring your badge.\n",
        summary="earlier still",
    )
    assert run_worker(staff) == (1, 2)
    assert send_mail(staff) == (0, 0, 0)
    assert len(mailbox.messages) == 1
    reader.goto("/-/notifications")
    expect(reader.locator(".bell-count")).to_have_text("2 unread")


def test_a_daily_digest_brings_the_changes_of_its_day_in_one_message(staff, new_page, mailbox):
    """A reader who gets mail at once watches a page and chooses the daily digest on "What
    I watch"; an editor changes the page twice in the editor. No e-mail goes for either
    change; once the day is over, one pass of the worker sends one digest telling of both
    changes, each with who, why and its link, and nothing more after it."""
    arrange_page(staff, "Loading dock", "Doors open at 7.\n")
    give_address(staff, "reader", "rita@example.com", EmailFrequency.IMMEDIATE)
    reader, editor = new_page(), new_page()
    log_in(reader, "reader")
    log_in(editor, "editor")
    reader.goto("/wiki/loading-dock")
    reader.locator(".watch").get_by_role("button", name="Watch this page").click()
    expect(reader.get_by_role("status")).to_contain_text("You watch this page.")
    choose_mail(reader, "A daily digest")
    # The choice starts the digest's day: the worker, looking every second, sends nothing.
    assert send_mail(staff) == (0, 0, 0)

    edit_in_editor(editor, "loading-dock", "Doors open at 6.\n", summary="earlier start")
    edit_in_editor(
        editor, "loading-dock", "Doors open at 6.\nBring your badge.\n", summary="badges"
    )
    assert run_worker(staff) == (2, 4)  # each told to the reader and the page's creator
    assert send_mail(staff) == (0, 0, 0)  # not at once, and the day is not over
    assert mailbox.messages == []

    with staff.session() as session:  # the day passes: the last digest is a day older
        reader_account = accounts.get_user(session, "reader")
        assert reader_account.digest_through is not None
        reader_account.digest_through -= DIGEST_PERIODS[EmailFrequency.DAILY]
        session.commit()
    assert send_mail(staff) == (1, 1, 0)

    [digest] = mailbox.messages
    assert digest["To"] == "rita@example.com"
    assert digest["Subject"] == "[Bureaupedia] Your daily digest: 2 changes"
    body = text_of(digest)
    assert body.startswith("2 changes since your last digest:\n")
    assert body.count("editor edited “Loading dock” (you watch this page).") == 2
    assert "Summary: earlier start" in body and "Summary: badges" in body
    assert f"See the change: {staff.url}/wiki/loading-dock/diff/1/2\n" in body
    assert f"See the change: {staff.url}/wiki/loading-dock/diff/2/3\n" in body
    assert "You get this daily digest because you chose it for your address." in body
    assert f"Stop these e-mails: {staff.url}/-/unsubscribe/" in body
    assert digest["List-Unsubscribe"].strip().startswith(f"<{staff.url}/-/unsubscribe/")
    assert send_mail(staff) == (0, 0, 0) and len(mailbox.messages) == 1
    # Mail does not read the notifications for the reader.
    reader.goto("/-/notifications")
    expect(reader.locator(".bell-count")).to_have_text("2 unread")


def test_a_person_mentioned_in_a_page_is_told_so_by_mail(staff, new_page, mailbox):
    """A reader who gets mail at once and watches nothing is mentioned ("@reader") by an
    editor in the editor; one pass of the worker sends the reader an e-mail saying who
    mentioned them on which page, with the line, and that it comes because they were
    mentioned; its link opens the change."""
    arrange_page(staff, "Office move", "Boxes arrive on Monday.\n")
    give_address(staff, "reader", "rita@example.com", EmailFrequency.IMMEDIATE)
    editor = new_page()
    log_in(editor, "editor")

    edit_in_editor(
        editor,
        "office-move",
        "Boxes arrive on Monday.\n\n@reader please book the freight elevator.\n",
        summary="who books the elevator",
    )
    assert run_worker(staff) == (1, 2)  # the reader, and the admin who created the page
    assert send_mail(staff) == (1, 1, 0)

    [message] = mailbox.messages
    assert message["To"] == "rita@example.com"
    assert message["Subject"] == "[Bureaupedia] editor edited “Office move”"
    body = text_of(message)
    assert "editor edited “Office move” (you were mentioned).\n" in body
    assert "Summary: who books the elevator\n" in body
    assert "+ @reader please book the freight elevator." in body
    assert "You get this e-mail because you were mentioned." in body
    change = re.search(r"^See the change: (\S+)$", body, re.MULTILINE)
    assert change and change[1] == f"{staff.url}/wiki/office-move/diff/1/2", body

    reader = new_page()
    log_in(reader, "reader")
    reader.goto(change[1])
    expect(reader.get_by_role("heading", level=1)).to_have_text("Office move: changes")
    expect(reader.locator("body")).to_contain_text("@reader please book the freight elevator.")
