"""People in a real browser: an invite taken up, then one's own time zone and password."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import PASSWORD, log_in

NEW_PASSWORD = "a fresh passphrase"


def test_an_invitee_joins_then_sets_a_time_zone_and_a_new_password(staff, page, new_page):
    log_in(page, "admin")
    page.goto("/-/admin/invites")
    page.get_by_label("E-mail address").fill("grace@example.com")
    page.get_by_label("Role").select_option("editor")
    page.get_by_role("button", name="Create invite").click()
    expect(page.get_by_role("status")).to_contain_text("shown only this once")
    link = page.get_by_label("Sign-up link").input_value()
    expect(page.locator(".invites")).to_contain_text("pending")

    invitee = new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_contain_text("Join")
    invitee.get_by_label("Username (your login, and your address in the wiki)").fill("grace")
    invitee.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    invitee.get_by_label("Password again").fill(PASSWORD)
    invitee.get_by_role("button", name="Create my account").click()
    expect(invitee.locator(".flash-success")).to_contain_text("Welcome, grace")

    # Her settings: a display name and a time zone picked from the list.
    invitee.locator(".user-menu summary").click()
    invitee.get_by_role("link", name="Settings").click()
    invitee.get_by_label(re.compile(r"^Display name")).fill("Grace H.")
    invitee.get_by_label(re.compile(r"^Time zone")).select_option("Asia/Tokyo")
    invitee.get_by_role("button", name="Save settings").click()
    expect(invitee.locator(".flash-success")).to_contain_text("Saved your settings")
    expect(invitee.locator(".user-menu-name")).to_have_text("Grace H.")
    invitee.goto("/-/people/grace")
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Grace H.")
    expect(invitee.locator("dl.profile time")).to_have_attribute(
        "datetime", re.compile(r"\+00:00$")
    )

    # A new password, with the current one; this browser stays logged in.
    invitee.goto("/-/account")
    invitee.get_by_label("Current password").fill("not my password")
    invitee.get_by_label("New password (at least 10 characters)").fill(NEW_PASSWORD)
    invitee.get_by_label("New password again").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Change password").click()
    expect(invitee.get_by_role("alert")).to_contain_text("That is not your current password.")
    invitee.get_by_label("Current password").fill(PASSWORD)
    invitee.get_by_label("New password (at least 10 characters)").fill(NEW_PASSWORD)
    invitee.get_by_label("New password again").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Change password").click()
    expect(invitee.locator(".flash-success")).to_contain_text("your other sessions were ended")

    # The link is used up.
    invitee.goto(link)
    expect(invitee.locator("main")).to_contain_text("has been used already")
