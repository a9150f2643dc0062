"""Groups in a real browser: an admin makes a group and a manager; the manager adds a
member after seeing who gains the group."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import log_in


def test_an_admin_makes_a_group_and_its_manager_adds_a_member_after_the_preview(staff, new_page):
    admin = new_page()
    log_in(admin, "admin")
    admin.goto("/-/admin/users")
    admin.get_by_role("link", name="Groups").first.click()
    admin.get_by_role("link", name="Create a group").click()
    admin.get_by_label("Name").fill("Finance team")
    admin.get_by_label("Address").fill("finance")
    admin.get_by_role("button", name="Create group").click()
    expect(admin).to_have_url(re.compile(r"/-/groups/finance$"))
    expect(admin.get_by_text("This group has no grants yet")).to_be_visible()

    admin.get_by_label("Usernames").fill("editor")
    admin.get_by_role("button", name="Add…").click()
    expect(admin.get_by_text("1 people gain the group")).to_be_visible()
    admin.get_by_role("button", name="Add 1").click()
    admin.get_by_role("button", name="Make manager editor").click()
    expect(admin.get_by_text("editor is now a manager of Finance team.")).to_be_visible()

    manager = new_page()
    log_in(manager, "editor")
    manager.get_by_text("editor", exact=True).first.click()  # the account menu
    manager.get_by_role("link", name="Groups").click()
    manager.get_by_role("link", name="Finance team").click()
    manager.get_by_label("Usernames").fill("reader, nobody")
    manager.get_by_role("button", name="Add…").click()
    expect(manager.get_by_role("alert")).to_contain_text("There is no account called “nobody”.")
    expect(manager.get_by_label("Usernames")).to_have_value("reader, nobody")
    manager.get_by_label("Usernames").fill("reader")
    manager.get_by_role("button", name="Add…").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Add to Finance team?")
    expect(manager.get_by_text("Members: 1 → 2.")).to_be_visible()
    manager.get_by_role("button", name="Add 1").click()
    expect(manager.get_by_text("Added reader; Finance team has 2 members.")).to_be_visible()
    expect(manager.get_by_role("row", name=re.compile("reader"))).to_contain_text("member")
