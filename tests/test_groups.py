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
from wiki.models import AuditEvent, GroupMember, Role

from .conftest import PASSWORD


@pytest.fixture(autouse=True)
def app_context(app):
    # Permission checks of visitors and disabled accounts read the app's settings.
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


def test_a_disabled_manager_manages_nothing(people, db_session, finance):
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
