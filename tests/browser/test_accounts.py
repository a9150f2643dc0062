"""First run, logging in and out, and what each role sees, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from wiki.access.security import read_setup_token

from .conftest import log_in

NEW_ADMIN_PASSWORD = "a long admin passphrase"


def test_the_first_visitor_sets_up_the_admin_account(live, page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/-/setup$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    # The token the server printed in its console when it started.
    page.get_by_label("Setup token (printed in the server's console)").fill(
        read_setup_token(live.app)
    )
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password (at least 10 characters)").fill(NEW_ADMIN_PASSWORD)
    page.get_by_label("Password again").fill(NEW_ADMIN_PASSWORD)
    page.get_by_role("button", name="Create admin account").click()

    # Signed in as the new admin, on the landing page, invited to write the home page.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Your spaces")).to_be_visible()
    page.get_by_role("link", name="Write the home page").click()
    expect(page.get_by_label("Title")).to_have_value("Home")
    page.goto("/-/setup")
    expect(page).to_have_url(re.compile(r"/-/login$|/$"))


def test_setup_refuses_mismatched_passwords_and_keeps_the_username(live, page):
    page.goto("/-/setup")
    page.get_by_label("Setup token (printed in the server's console)").fill(
        read_setup_token(live.app)
    )
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password (at least 10 characters)").fill(NEW_ADMIN_PASSWORD)
    page.get_by_label("Password again").fill("something else entirely")
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_text("The two passwords differ.")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("ada")


def test_setup_refuses_a_wrong_token_and_keeps_the_username(live, page):
    page.goto("/-/setup")
    page.get_by_label("Setup token (printed in the server's console)").fill("a guessed token")
    page.get_by_label("Username").fill("mallory")
    page.get_by_label("Password (at least 10 characters)").fill(NEW_ADMIN_PASSWORD)
    page.get_by_label("Password again").fill(NEW_ADMIN_PASSWORD)
    page.get_by_role("button", name="Create admin account").click()
    expect(page.get_by_role("alert")).to_contain_text("That is not the setup token")
    expect(page.get_by_label("Username")).to_have_value("mallory")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/-/setup$"))  # still not set up


def test_a_user_logs_in_and_out(staff, page):
    page.goto("/wiki/policy")
    expect(page).to_have_url(re.compile(r"/-/login\?next="))
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password", exact=True).fill("wrong password!")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    # The remember-me box sits on the line of its label, not stretched across the form.
    box = page.get_by_label("Remember me on this computer").bounding_box()
    label = page.get_by_text("Remember me on this computer").bounding_box()
    assert (
        box["width"] < 40
        and abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 10
    )

    log_in(page, "editor")
    page.goto("/wiki/policy")
    expect(page.get_by_role("heading", level=1)).to_have_text("There is no page “Policy” yet")
    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/-/login$"))
    page.goto("/wiki/policy")
    expect(page).to_have_url(re.compile(r"/-/login\?next="))
