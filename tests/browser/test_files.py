"""Files on pages in a real browser: pasting a screenshot, dropping and choosing files in the
editor, the Files tab's uploads and copy buttons, versions, restoring one, and refusals."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.helpers import make_page
from wiki.access import accounts

from .conftest import log_in
from .test_layout import CONTRAST_SCRIPT

# A picture drawn in the page (a real PNG, as a screenshot would be), put in a DataTransfer
# with a name, and handed to the element as a paste, or dragged over it and dropped.
PASTE_PICTURE = """
async ([selector, name]) => {
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 48;
  const context = canvas.getContext("2d");
  context.fillStyle = "#1f6feb";
  context.fillRect(0, 0, 64, 48);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  const data = new DataTransfer();
  data.items.add(new File([blob], name, { type: "image/png" }));
  const target = document.querySelector(selector);
  target.focus();
  return target.dispatchEvent(
    new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true })
  );
}
"""

DROP_FILES = """
([selector, files]) => {
  const data = new DataTransfer();
  for (const [name, text] of files) data.items.add(new File([text], name, { type: "text/plain" }));
  const target = document.querySelector(selector);
  const fire = (type) =>
    target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  fire("dragenter");
  fire("dragover");
  const shown = target.classList.contains("is-dropping");
  fire("drop");
  return { shown, after: target.classList.contains("is-dropping") };
}
"""

SCREENSHOT = r"screenshot-\d{4}-\d\d-\d\d-\d{6}(?:-\d+)?\.png"


def arrange_page(live, title="Forklift incident", body="Before.\n\nAfter.\n") -> int:
    with live.session() as session:
        return make_page(session, accounts.get_user(session, "editor"), title, body).id


def hand_over_file_choosers(page) -> None:
    """Has the browser hand its file choosers to the test from now on. A listener added only
    by expect_file_chooser may come after a quick key press has opened the chooser."""
    page.on("filechooser", lambda chooser: None)


def put_cursor(page, at: int) -> None:
    page.locator("#body").evaluate("(text, at) => text.setSelectionRange(at, at)", at)


def test_a_pasted_screenshot_lands_at_the_cursor_shows_in_the_preview_and_on_the_page(staff, page):
    page_id = arrange_page(staff)
    log_in(page, "editor")
    page.goto("/wiki/forklift-incident/edit")
    text = page.get_by_label("Text (Markdown)")
    expect(page.locator("#editor-preview .markdown-body")).to_contain_text("After.")
    put_cursor(page, len("Before.\n\n"))
    # The editor takes the paste: the browser's own (nothing, for a picture) is prevented.
    assert page.evaluate(PASTE_PICTURE, ["#body", "image.png"]) is False
    # Typing goes on after the placeholder while the picture goes up, and after its link.
    page.keyboard.type(" Seen at dock 3.")

    expect(text).to_have_value(
        re.compile(rf"^Before\.\n\n!\[({SCREENSHOT})\]\(attachment:\1\) Seen at dock 3\.After\.\n$")
    )
    cursor = text.evaluate("(text) => text.selectionStart")
    assert text.input_value()[:cursor].endswith("Seen at dock 3.")
    expect(page.locator(".upload-item.is-done")).to_have_count(1)
    name = re.search(SCREENSHOT, text.input_value()).group(0)
    preview = page.locator("#editor-preview .markdown-body img")
    expect(preview).to_have_attribute("src", f"/-/pages/{page_id}/thumbs/{name}")
    expect(page.locator("#editor-preview a.file-image")).to_have_attribute(
        "href", f"/-/pages/{page_id}/files/{name}"
    )
    # A second screenshot is a file of its own, not a new version of the first.
    put_cursor(page, 0)
    page.evaluate(PASTE_PICTURE, ["#body", "image.png"])
    expect(text).to_have_value(re.compile(rf"^!\[({SCREENSHOT})\]\(attachment:\1\)Before"))
    second = re.match(rf"!\[({SCREENSHOT})\]", text.input_value()).group(1)
    assert second != name
    expect(page.locator("#editor-preview .markdown-body img")).to_have_count(2)

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/wiki/forklift-incident$"))
    shown = page.locator(".markdown-body img").nth(1)
    expect(shown).to_have_attribute("alt", name)
    assert shown.evaluate("(img) => img.decode().then(() => img.naturalWidth)") == 64
    page.goto("/wiki/forklift-incident/files")
    expect(page.locator("table.files tbody tr")).to_have_count(2)


def test_a_file_dropped_on_the_text_is_attached_where_the_cursor_is(staff, page):
    page_id = arrange_page(staff)
    log_in(page, "editor")
    page.goto("/wiki/forklift-incident/edit")
    text = page.get_by_label("Text (Markdown)")
    put_cursor(page, len("Before."))
    states = page.evaluate(DROP_FILES, ["#body", [["notes.txt", "Forks down when parked."]]])
    assert states == {"shown": True, "after": False}  # the drop state shows while dragging

    expect(text).to_have_value("Before.[notes.txt](attachment:notes.txt)\n\nAfter.\n")
    link = page.locator("#editor-preview .markdown-body a", has_text="notes.txt")
    expect(link).to_have_attribute("href", f"/-/pages/{page_id}/files/notes.txt")
    # (Following it here would first ask whether to leave the unsaved text.)
    got = page.request.get(link.get_attribute("href"))
    assert got.ok and got.text() == "Forks down when parked."


def test_the_attach_button_uploads_several_files_with_a_progress_line_each(staff, page):
    arrange_page(staff)
    hand_over_file_choosers(page)
    log_in(page, "editor")
    page.goto("/wiki/forklift-incident/edit")
    text = page.get_by_label("Text (Markdown)")
    put_cursor(page, len("Before.\n\n"))
    # The toolbar is one Tab stop; the arrow keys (End: the last button) reach the button.
    toolbar = page.get_by_role("toolbar", name="Formatting")
    toolbar.get_by_role("button").first.focus()
    page.keyboard.press("End")
    attach = toolbar.get_by_role("button", name="Attach files")
    expect(attach).to_be_focused()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(
        [
            {"name": "checklist.txt", "mimeType": "text/plain", "buffer": b"1. Brakes\n"},
            {"name": "route plan.txt", "mimeType": "text/plain", "buffer": b"Aisle 4 first.\n"},
        ]
    )

    lines = page.locator(".upload-status .upload-item")
    expect(lines).to_have_count(2)
    expect(page.locator(".upload-item.is-done")).to_have_count(2)
    for line in (lines.nth(0), lines.nth(1)):
        expect(line.locator("progress")).to_have_attribute("value", "100")
        expect(line.locator(".upload-state")).to_have_text("done")
    expect(lines.nth(1).locator(".upload-name")).to_have_text("route plan.txt")
    expect(text).to_have_value(
        "Before.\n\n[checklist.txt](attachment:checklist.txt)\n"
        "[route plan.txt](attachment:route%20plan.txt)After.\n"
    )
    expect(page.locator("#editor-preview .markdown-body a")).to_have_count(2)


def test_files_too_large_are_refused_with_the_reason_and_leave_no_placeholder(staff, page):
    arrange_page(staff)
    staff.app.config["MAX_FILE_BYTES"] = 2048
    hand_over_file_choosers(page)
    log_in(page, "editor")
    page.goto("/wiki/forklift-incident/edit")
    text = page.get_by_label("Text (Markdown)")
    # Refused before sending: the page knows the limit.
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach files").click()
    chooser.value.set_files([{"name": "scan.txt", "mimeType": "text/plain", "buffer": b"x" * 5000}])
    refused = page.locator(".upload-item.is-error .upload-state")
    expect(refused).to_have_text(
        "“scan.txt” is 5 KB; files may be at most 2 KB. Nothing was uploaded."
    )
    expect(text).to_have_value("Before.\n\nAfter.\n")
    # Refused by the server (its limit changed since the page was loaded): the placeholder
    # that stood in the text while the file went up is taken out again.
    staff.app.config["MAX_FILE_BYTES"] = 100
    put_cursor(page, len("Before.\n\n"))
    page.evaluate(DROP_FILES, ["#body", [["memo.txt", "m" * 500]]])
    expect(refused).to_have_text(
        "“memo.txt” is 500 bytes; files may be at most 100 bytes. Nothing was uploaded."
    )
    expect(text).to_have_value("Before.\n\nAfter.\n")
    expect(page.locator(".upload-status")).to_have_count(1)
    expect(page.get_by_role("status")).to_contain_text("memo.txt")  # the one status region


def test_a_new_page_explains_that_files_come_after_the_first_save(staff, page):
    log_in(page, "editor")
    page.goto("/-/new")
    text = page.get_by_label("Text (Markdown)")
    text.fill("Draft.")
    attach = page.get_by_role("button", name="Attach files")
    expect(attach).to_have_attribute("aria-disabled", "true")
    expect(attach).to_have_accessible_description("Save the page once to attach files.")
    attach.focus()  # still focusable, to be explained (a disabled button could not be)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Save the page once to attach files.")
    page.evaluate("document.querySelector('.upload-status').hidden = true")
    page.evaluate(PASTE_PICTURE, ["#body", "image.png"])
    expect(page.get_by_role("status")).to_have_text("Save the page once to attach files.")
    expect(text).to_have_value("Draft.")


def test_versions_from_the_files_tab_and_an_admin_restores_the_first(staff, new_page):
    arrange_page(staff)
    editor = new_page(permissions=["clipboard-read", "clipboard-write"])
    log_in(editor, "editor")
    editor.goto("/wiki/forklift-incident/files")
    expect(editor.locator(".empty-state")).to_be_visible()
    files = editor.get_by_label("Files", exact=True)
    rows = editor.locator("table.files tbody tr")
    for content, comment in ((b"Speed limit 10 km/h.\n", "first"), (b"Speed limit 6 km/h.\n", "")):
        files.set_input_files([{"name": "rules.txt", "mimeType": "text/plain", "buffer": content}])
        editor.get_by_label("Comment").fill(comment)
        editor.get_by_role("button", name="Upload").click()
        expect(editor.locator(".upload-item.is-done")).to_have_count(1)
    # The list was reloaded in place after the uploads.
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link", name="Versions of rules.txt")).to_have_text("2")
    # Files dropped on the form go up at once, each with its progress line.
    dropped = editor.evaluate(
        DROP_FILES, ["form[data-uploader]", [["bay a.txt", "A"], ["bay b.txt", "B"]]]
    )
    assert dropped == {"shown": True, "after": False}
    expect(editor.locator(".upload-item.is-done")).to_have_count(2)
    expect(rows).to_have_count(3)
    assert editor.evaluate(CONTRAST_SCRIPT) == []  # the progress lines read well too
    expect(rows.nth(1)).to_contain_text("bay b.txt")

    copy = editor.get_by_role("button", name="Copy Markdown for rules.txt")
    expect(copy).to_be_visible()
    copy.click()
    expect(copy).to_have_text("Copied")
    expect(editor.get_by_role("status")).to_contain_text("[rules.txt](attachment:rules.txt)")
    assert editor.evaluate("navigator.clipboard.readText()") == "[rules.txt](attachment:rules.txt)"

    rows.nth(2).get_by_role("link", name="Versions of rules.txt").click()
    versions = editor.locator("table.file-versions tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.nth(1)).to_contain_text("first")
    with editor.expect_download() as download:
        editor.get_by_role("link", name="Download version 1").click()
    assert download.value.path().read_bytes() == b"Speed limit 10 km/h.\n"
    expect(editor.get_by_role("button", name="Restore version 1")).to_have_count(0)

    admin = new_page()
    log_in(admin, "admin")
    admin.goto(editor.url)
    admin.get_by_role("button", name="Restore version 1").click()
    expect(admin.get_by_role("status")).to_contain_text(
        "Version 1 of rules.txt is current again, as version 3."
    )
    versions = admin.locator("table.file-versions tbody tr")
    expect(versions).to_have_count(3)
    expect(versions.first).to_contain_text("restored from 1")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Download version 3").click()
    assert download.value.path().read_bytes() == b"Speed limit 10 km/h.\n"
