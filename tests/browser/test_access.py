"""Access in a real browser: an admin makes a private space, grants a group after seeing
who gains, restricts a subtree after seeing who loses, and a member and a non-member then
see different worlds."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from wiki.access import groups
from wiki.access.accounts import get_user
from wiki.models import Role

from .conftest import log_in


def test_a_space_a_group_and_a_restricted_subtree_make_two_worlds(staff, new_page):
    staff.add_user("outsider", Role.EDITOR)
    with staff.session() as session:
        admin = get_user(session, "admin")
        team = groups.create_group(session, admin, "people", "People team")
        groups.change_members(session, admin, team, "add", "editor")
        session.commit()

    admin = new_page()
    log_in(admin, "admin")
    admin.goto("/-/spaces/new")
    admin.get_by_label("Key").fill("hr")
    admin.get_by_label("Name").fill("Human resources")
    admin.get_by_role("radio", name=re.compile("Private")).check()
    admin.get_by_role("button", name="Create the space").click()
    expect(admin).to_have_url(re.compile(r"/-/spaces/hr$"))
    admin.get_by_role("link", name="New page in this space").click()
    admin.get_by_label("Title").fill("Handbook")
    admin.locator("#body").fill("Welcome to HR.\n")
    admin.get_by_role("button", name="Save").click()
    expect(admin).to_have_url(re.compile(r"/wiki/hr:handbook$"))

    # Grant the group, after the preview names who gains.
    admin.goto("/-/spaces/hr")
    admin.get_by_role("link", name="Who can use this space").click()
    admin.get_by_label("Who").select_option("group")
    admin.get_by_label("Group key or username").fill("people")
    admin.get_by_label("May").select_option("edit")
    admin.get_by_role("button", name="Preview the change").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Change access to Human resources?")
    expect(admin.locator(".access-gained").first).to_contain_text("editor")
    expect(admin.get_by_text("outsider")).to_have_count(0)
    admin.get_by_role("button", name="Confirm").click()
    expect(
        admin.get_by_text("group People team may now read and edit in Human resources.")
    ).to_be_visible()

    # Restrict the page to one person, after the preview names who loses.
    admin.goto("/wiki/hr:handbook/access")
    admin.get_by_label("People").fill("admin")
    admin.get_by_role("button", name="Preview the change").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Restrict reading of")
    expect(admin.locator(".access-lost").first).to_contain_text("editor")
    admin.get_by_role("link", name="Cancel").click()  # nothing changed: the member still reads

    member = new_page()
    log_in(member, "editor")
    member.goto("/-/spaces")
    member.get_by_role("link", name="Human resources").click()
    member.get_by_role("link", name="Handbook").click()
    expect(member.locator("article, main").first).to_contain_text("Welcome to HR.")
    member.get_by_role("link", name="Access").click()
    member.get_by_role("button", name="Explain").click()
    expect(member.locator(".explanation")).to_contain_text("editor can read this page")
    expect(member.locator(".explanation")).to_contain_text("(editor is a member)")

    outsider = new_page()
    log_in(outsider, "outsider")
    outsider.goto("/-/spaces")
    expect(outsider.get_by_role("link", name="Human resources")).to_have_count(0)
    missing = outsider.goto("/wiki/hr:handbook")
    assert missing is not None and missing.status == 404
    expect(outsider.get_by_role("heading", level=1)).to_have_text("There is no page “Handbook” yet")

    # Now restrict for real: the member loses the page at their next request.
    admin.goto("/wiki/hr:handbook/access")
    admin.get_by_label("People").fill("admin")
    admin.get_by_role("button", name="Preview the change").click()
    admin.get_by_role("button", name="Confirm").click()
    expect(admin.get_by_text("is now restricted")).to_be_visible()
    gone = member.goto("/wiki/hr:handbook")
    assert gone is not None and gone.status == 404
