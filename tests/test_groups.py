"""Groups: admins make them, managers (and admins) change their members, every change is
audited with before and after, and a membership change moves the access generation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wiki.access import accounts, groups
from wiki.access.audit import ACCESS_ACTIONS, AuditAction
from wiki.content.view_state import view_state
from wiki.db import get_database
from wiki.errors import Forbidden, InvalidInput, NotFound
from wiki.models import AuditEvent, Group, GroupMember, Role

from .conftest import PASSWORD


@pytest.fixture
def app_context(app):
    # Permission checks of visitors and disabled accounts read the app's settings. (Not for
    # test-client tests: requests would share this context and its database session.)
    with app.app_context():
        yield


@pytest.fixture
def people(users, db_session):
    """The admin, editor and reader, and two more readers: dana and eve."""
    for name in ("dana", "eve"):
        accounts.create_user(db_session, name, PASSWORD, Role.READER)
    db_session.commit()
    return {name: accounts.get_user(db_session, name) for name in [*users, "dana", "eve"]}


@pytest.fixture
def finance(people, db_session):
    """Group "finance" with the editor as its manager and dana as a member."""
    admin = people["admin"]
    group = groups.create_group(db_session, admin, "Finance", "Finance team", "Money matters.")
    groups.change_members(db_session, admin, group, "add", "editor, dana")
    groups.set_manager(db_session, admin, group, "editor", True)
    db_session.commit()
    return group


def events(session, action):
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def member_names(session, group):
    return [(m.username, m.is_manager) for m in groups.members(session, group)]


# --- services ---------------------------------------------------------------------------


def test_an_admin_creates_a_group_under_a_lower_case_address(people, db_session):
    group = groups.create_group(db_session, people["admin"], " Finance-Team ", "  Finance  ")
    db_session.commit()
    assert (group.key, group.name, group.description) == ("finance-team", "Finance", "")
    assert groups.get_group(db_session, "FINANCE-team").id == group.id
    (event,) = events(db_session, AuditAction.GROUP_CREATE)
    assert (event.target_type, event.target, event.actor_name) == ("group", "Finance", "admin")
    assert event.details["key"] == "finance-team"


@pytest.mark.parametrize(
    ("key", "name", "field"),
    [
        ("", "A name", "key"),
        ("no spaces", "A name", "key"),
        ("-edge", "A name", "key"),
        ("x" * 65, "A name", "key"),
        ("fine", "", "name"),
        ("fine", "n" * 101, "name"),
    ],
)
def test_bad_addresses_and_names_are_refused_with_a_message(people, db_session, key, name, field):
    with pytest.raises(InvalidInput) as caught:
        groups.create_group(db_session, people["admin"], key, name)
    assert field in caught.value.errors


def test_addresses_are_unique_whatever_the_case(people, db_session, finance):
    with pytest.raises(InvalidInput, match="already has the address"):
        groups.create_group(db_session, people["admin"], "FINANCE", "Other")


@pytest.mark.parametrize("who", ["editor", "reader"])
def test_only_admins_create_rename_and_delete_groups(people, db_session, finance, who):
    # The editor manages finance, which is not enough either.
    actor = people[who]
    with pytest.raises(Forbidden):
        groups.create_group(db_session, actor, "ops", "Ops")
    with pytest.raises(Forbidden):
        groups.rename_group(db_session, actor, finance, "Money")
    with pytest.raises(Forbidden):
        groups.describe_group(db_session, actor, finance, "Other")
    with pytest.raises(Forbidden):
        groups.delete_group(db_session, actor, finance)


def test_renaming_and_describing_are_audited_with_before_and_after(people, db_session, finance):
    admin = people["admin"]
    assert groups.update_group(db_session, admin, finance, "Money people", "New words.")
    assert not groups.update_group(db_session, admin, finance, "Money people", "New words.")
    db_session.commit()
    (renamed,) = events(db_session, AuditAction.GROUP_RENAME)
    assert renamed.details == {"key": "finance", "from": "Finance team", "to": "Money people"}
    (described,) = events(db_session, AuditAction.GROUP_DESCRIBE)
    assert (described.details["from"], described.details["to"]) == ("Money matters.", "New words.")
    assert finance.key == "finance"  # the address stays


def test_managers_add_and_remove_members_and_each_change_is_audited(people, db_session, finance):
    manager = people["editor"]
    preview = groups.preview_members(db_session, manager, finance, "add", "eve\nDana, reader")
    assert (preview.changed, preview.unchanged) == (("eve", "reader"), ("dana",))
    assert (preview.before, preview.after) == (2, 4)
    assert member_names(db_session, finance) == [("editor", True), ("dana", False)]  # unchanged

    groups.change_members(db_session, manager, finance, "add", "eve\nDana, reader")
    groups.change_members(db_session, manager, finance, "remove", "dana")
    db_session.commit()

    assert member_names(db_session, finance) == [
        ("editor", True),
        ("eve", False),
        ("reader", False),
    ]
    (added,) = events(db_session, AuditAction.GROUP_MEMBERS_ADD)[-1:]
    assert added.details == {"key": "finance", "users": ["eve", "reader"], "before": 2, "after": 4}
    assert added.actor_name == "editor"
    (removed,) = events(db_session, AuditAction.GROUP_MEMBERS_REMOVE)
    assert removed.details == {"key": "finance", "users": ["dana"], "before": 4, "after": 3}
    row = db_session.get(GroupMember, (finance.id, people["eve"].id))
    assert row is not None and row.added_by == manager.id


def test_a_change_that_changes_nothing_records_nothing(people, db_session, finance):
    before = len(events(db_session, AuditAction.GROUP_MEMBERS_ADD))
    result = groups.change_members(db_session, people["admin"], finance, "add", "dana")
    db_session.commit()
    assert not result.changes_anything
    assert len(events(db_session, AuditAction.GROUP_MEMBERS_ADD)) == before


@pytest.mark.parametrize("who", ["reader", "dana"])
def test_members_and_others_may_not_change_members(people, db_session, finance, who):
    with pytest.raises(Forbidden):
        groups.preview_members(db_session, people[who], finance, "add", "eve")
    with pytest.raises(Forbidden):
        groups.change_members(db_session, people[who], finance, "add", "eve")
    with pytest.raises(Forbidden):
        groups.set_manager(db_session, people[who], finance, "dana", True)


def test_a_manager_of_one_group_does_not_manage_another(people, db_session, finance):
    other = groups.create_group(db_session, people["admin"], "ops", "Ops")
    db_session.commit()
    with pytest.raises(Forbidden):
        groups.change_members(db_session, people["editor"], other, "add", "eve")


def test_a_disabled_manager_manages_nothing(people, db_session, finance, app_context):
    editor = people["editor"]
    accounts.set_disabled(db_session, editor, True, actor=people["admin"])
    db_session.commit()
    with pytest.raises(Forbidden):
        groups.change_members(db_session, editor, finance, "add", "eve")


def test_unknown_names_are_each_named(people, db_session, finance):
    with pytest.raises(InvalidInput) as caught:
        groups.preview_members(db_session, people["editor"], finance, "add", "eve, bob\nzed")
    message = caught.value.errors["usernames"]
    assert "“bob”" in message and "“zed”" in message and "eve" not in message


@pytest.mark.parametrize("text", ["", " ,\n ; "])
def test_no_names_is_refused(people, db_session, finance, text):
    with pytest.raises(InvalidInput, match="at least one username"):
        groups.preview_members(db_session, people["editor"], finance, "add", text)


def test_a_manager_may_not_remove_the_last_manager_but_an_admin_may(people, db_session, finance):
    manager, admin = people["editor"], people["admin"]
    with pytest.raises(InvalidInput, match="without a manager"):
        groups.preview_members(db_session, manager, finance, "remove", "editor")
    with pytest.raises(InvalidInput, match="without a manager"):
        groups.change_members(db_session, manager, finance, "remove", "editor, dana")
    with pytest.raises(InvalidInput, match="without a manager"):
        groups.set_manager(db_session, manager, finance, "editor", False)
    db_session.rollback()
    assert member_names(db_session, finance) == [("editor", True), ("dana", False)]

    # With a second manager, the first may step down.
    assert groups.set_manager(db_session, manager, finance, "dana", True)
    assert groups.set_manager(db_session, manager, finance, "editor", False)
    db_session.commit()
    (granted, revoked) = events(db_session, AuditAction.GROUP_MANAGER)[-2:]
    assert (granted.details["user"], granted.details["from"], granted.details["to"]) == (
        "dana",
        "member",
        "manager",
    )
    assert (revoked.details["from"], revoked.details["to"]) == ("manager", "member")

    groups.change_members(db_session, admin, finance, "remove", "dana")
    db_session.commit()
    assert member_names(db_session, finance) == [("editor", False)]


def test_only_members_become_managers(people, db_session, finance):
    with pytest.raises(InvalidInput, match="not a member"):
        groups.set_manager(db_session, people["admin"], finance, "eve", True)


def test_deleting_a_group_removes_its_memberships_and_names_who_lost_it(
    people, db_session, finance
):
    lost = groups.delete_group(db_session, people["admin"], finance)
    db_session.commit()
    assert sorted(lost) == ["dana", "editor"]
    assert db_session.scalars(select(GroupMember)).all() == []
    with pytest.raises(NotFound):
        groups.get_group(db_session, "finance")
    (event,) = events(db_session, AuditAction.GROUP_DELETE)
    assert sorted(event.details["members"]) == ["dana", "editor"]


def test_lists_of_groups_members_and_a_users_groups(people, db_session, finance):
    ops = groups.create_group(db_session, people["admin"], "ops", "Ops")
    groups.change_members(db_session, people["admin"], ops, "add", "dana")
    db_session.commit()
    listed = [(g.key, g.members) for g in groups.list_groups(db_session)]
    assert listed == [("finance", 2), ("ops", 1)]
    assert groups.group_ids_of(db_session, people["dana"].id) == frozenset({finance.id, ops.id})
    assert groups.group_ids_of(db_session, people["eve"].id) == frozenset()
    assert [g.key for g in groups.groups_of(db_session, people["dana"].id)] == ["finance", "ops"]


def test_membership_changes_and_deletions_are_access_changes():
    assert {
        AuditAction.GROUP_MEMBERS_ADD,
        AuditAction.GROUP_MEMBERS_REMOVE,
        AuditAction.GROUP_DELETE,
    } <= ACCESS_ACTIONS


@pytest.mark.parametrize("change", ["add", "remove", "delete"])
def test_a_membership_change_moves_the_access_generation(app, people, db_session, finance, change):
    database = get_database(app)
    before = view_state(database, "policy", None).access_generation
    admin = people["admin"]
    if change == "delete":
        groups.delete_group(db_session, admin, finance)
    else:
        groups.change_members(
            db_session, admin, finance, change, "dana" if change == "remove" else "eve"
        )
    db_session.commit()
    assert view_state(database, "policy", None).access_generation != before


# --- pages ------------------------------------------------------------------------------


def test_every_signed_in_user_sees_the_groups_and_their_members(client, auth, finance):
    auth.login("reader")
    listing = client.get("/-/groups").get_data(as_text=True)
    assert 'href="/-/groups/finance"' in listing and "Finance team" in listing
    assert 'href="/-/groups/new"' not in listing
    page = client.get("/-/groups/FINANCE")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert (
        "editor</a></td>\n      <td>manager" in html and "dana</a></td>\n      <td>member" in html
    )
    assert "What this group can access" in html and "no grants yet" in html
    assert "Add or remove members" not in html  # readers who do not manage it
    assert client.get("/-/groups/nothing").status_code == 404


def test_visitors_are_sent_to_log_in_even_with_anonymous_reading(database_url, tmp_path, finance):
    from .conftest import make_app

    client = make_app(database_url, tmp_path, ANONYMOUS_READ=True).test_client()
    response = client.get("/-/groups/finance")
    assert response.status_code == 302 and "/-/login" in response.location


def test_the_account_menu_and_admin_pages_link_the_groups(client, auth, finance):
    auth.login("reader")
    assert 'href="/-/groups"' in client.get("/-/groups/finance").get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    assert 'href="/-/groups"' in client.get("/-/admin/users").get_data(as_text=True)


def test_an_admin_creates_a_group_and_bad_input_keeps_the_text(client, auth, people, db_session):
    auth.login("admin")
    form = {"key": "bad key!", "name": "Ops people", "description": "Keeps lights on."}
    refused = client.post("/-/groups/new", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "“bad key!” cannot be a group" in html
    assert 'value="Ops people"' in html and "Keeps lights on." in html
    made = client.post("/-/groups/new", data={**form, "key": "ops"})
    assert made.status_code == 302 and made.location.endswith("/-/groups/ops")
    db_session.rollback()
    assert groups.get_group(db_session, "ops").name == "Ops people"


def test_a_manager_previews_then_confirms_adding_members(client, auth, finance, db_session):
    auth.login("editor")
    preview = client.post("/-/groups/finance/members/add", data={"usernames": "eve, dana"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1 people gain the group" in html and "<li>eve</li>" in html
    assert "Already members, unchanged: dana." in html and "Members: 2 → 3." in html
    assert 'name="confirm" value="yes"' in html and 'value="eve, dana"' in html
    db_session.rollback()
    assert member_names(db_session, finance) == [("editor", True), ("dana", False)]

    done = client.post(
        "/-/groups/finance/members/add", data={"usernames": "eve, dana", "confirm": "yes"}
    )
    assert done.status_code == 302
    db_session.rollback()
    assert ("eve", False) in member_names(db_session, finance)
    assert "Added eve; Finance team has 3 members." in client.get(done.location).get_data(
        as_text=True
    )


def test_removing_shows_who_loses_the_group_first(client, auth, finance, db_session):
    auth.login("editor")
    preview = client.post("/-/groups/finance/members/remove", data={"usernames": "dana"})
    html = preview.get_data(as_text=True)
    assert "1 people lose the group" in html and "Members: 2 → 1." in html
    client.post("/-/groups/finance/members/remove", data={"usernames": "dana", "confirm": "yes"})
    db_session.rollback()
    assert member_names(db_session, finance) == [("editor", True)]


def test_unknown_names_are_named_and_the_typed_text_is_kept(client, auth, finance, db_session):
    auth.login("editor")
    typed = "eve\nbob, zed"
    for confirm in ({}, {"confirm": "yes"}):
        refused = client.post("/-/groups/finance/members/add", data={"usernames": typed, **confirm})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert "There is no account called “bob”." in html
        assert "There is no account called “zed”." in html
        assert ">eve\nbob, zed</textarea>" in html
    db_session.rollback()
    assert member_names(db_session, finance) == [("editor", True), ("dana", False)]


def test_a_manager_cannot_remove_the_last_manager_through_the_form(client, auth, finance):
    auth.login("editor")
    refused = client.post(
        "/-/groups/finance/members/remove", data={"usernames": "editor", "confirm": "yes"}
    )
    assert refused.status_code == 400
    assert "would be left without a manager" in refused.get_data(as_text=True)
    stepped_down = client.post("/-/groups/finance/managers/editor/revoke", follow_redirects=True)
    assert "would be left without a manager" in stepped_down.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "status"), [("reader", 403), ("dana", 403), ("editor", 302), ("admin", 302)]
)
def test_only_managers_and_admins_change_members(client, auth, finance, who, status):
    auth.login(who)
    data = {"usernames": "eve", "confirm": "yes"}
    assert client.post("/-/groups/finance/members/add", data=data).status_code == status
    assert client.post("/-/groups/finance/managers/dana/grant").status_code == status


@pytest.mark.parametrize("who", ["reader", "editor"])
def test_only_admins_open_the_group_forms(client, auth, finance, who):
    auth.login(who)
    for url in ("/-/groups/new", "/-/groups/finance/edit", "/-/groups/finance/delete"):
        assert client.get(url).status_code == 403
    assert client.post("/-/groups/finance/delete").status_code == 403


def test_missing_groups_are_not_found(client, auth, people):
    auth.login("admin")
    assert client.get("/-/groups/nothing/edit").status_code == 404
    assert client.post("/-/groups/nothing/delete").status_code == 404
    assert (
        client.post("/-/groups/nothing/members/add", data={"usernames": "eve"}).status_code == 404
    )


def test_deleting_asks_first_naming_the_members_who_lose_the_group(
    client, auth, finance, db_session
):
    auth.login("admin")
    asking = client.get("/-/groups/finance/delete").get_data(as_text=True)
    assert "These 2 members lose the group" in asking
    assert "<li>editor</li>" in asking and "<li>dana</li>" in asking
    done = client.post("/-/groups/finance/delete", follow_redirects=True)
    assert "Deleted the group Finance team; 2 members lost it." in done.get_data(as_text=True)
    db_session.rollback()
    with pytest.raises(NotFound):
        groups.get_group(db_session, "finance")


def test_renaming_keeps_the_typed_text_on_errors(client, auth, finance, db_session):
    auth.login("admin")
    refused = client.post("/-/groups/finance/edit", data={"name": "", "description": "Kept words."})
    assert refused.status_code == 400 and "Kept words." in refused.get_data(as_text=True)
    saved = client.post(
        "/-/groups/finance/edit", data={"name": "Money", "description": "Kept words."}
    )
    assert saved.status_code == 302
    assert "Saved the group." in client.get(saved.location).get_data(as_text=True)
    db_session.rollback()
    assert db_session.scalar(select(Group.name).where(Group.key == "finance")) == "Money"


def test_group_events_show_in_the_audit_log(client, auth, finance):
    auth.login("admin")
    html = client.get("/-/admin/audit?action=group.members_add").get_data(as_text=True)
    assert 'href="/-/groups/finance"' in html
    assert "added 2: editor, dana; members 0 → 2" in html
