"""The access model: spaces grant levels to groups, people, the signed-in and visitors;
pages narrow their subtree; roles cap everything; one module decides, and its answer for
one page (``can``) and for lists (the SQL condition) agree in every world."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from wiki.access import accounts, audit, grants, groups, impact, restrictions
from wiki.access.explain import explain
from wiki.access.permissions import Action, can, page_actions, readable_pages, visible_pages
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, delete_page
from wiki.errors import Forbidden, InvalidInput
from wiki.models import AccessLevel, AuditEvent, Page, Role

from .conftest import PASSWORD


def _space(session, admin, key, *, open_to_signed_in=False):
    return spaces.create_space(
        session, admin, key, key.upper(), open_to_signed_in=open_to_signed_in
    )


def _page(session, author, title, space=None, parent=None):
    page = create_page(session, author, title, f"About {title}.\n", "", Limits(), space=space).page
    if parent is not None:
        page.parent_id = parent.id
        restrictions.refresh_scopes(session, [page.id])
    return page


@pytest.fixture
def hr(db_session, users):
    """A private space "hr" with a page tree Handbook > Payroll > Salaries, and a group
    "people" holding the editor."""
    admin = users["admin"]
    space = _space(db_session, admin, "hr")
    handbook = _page(db_session, admin, "Handbook", space)
    payroll = _page(db_session, admin, "Payroll", space, handbook)
    salaries = _page(db_session, admin, "Salaries", space, payroll)
    team = groups.create_group(db_session, admin, "people", "People team")
    groups.change_members(db_session, admin, team, "add", "editor")
    db_session.commit()
    return space, handbook, payroll, salaries


def _readable(session, user) -> set[str]:
    return {page.title for page in session.scalars(select(Page).where(visible_pages(user)))}


def test_a_private_space_is_closed_until_a_grant_opens_it(app, db_session, users, hr):
    space, handbook, _payroll, _salaries = hr
    editor, reader = users["editor"], users["reader"]
    assert not can(editor, Action.READ, handbook)
    assert _readable(db_session, editor) == set()
    grants.set_grant(db_session, users["admin"], space, "group", "people", "read")
    db_session.commit()
    assert can(editor, Action.READ, handbook) and not can(editor, Action.EDIT, handbook)
    assert not can(reader, Action.READ, handbook)  # not in the group
    grants.set_grant(db_session, users["admin"], space, "group", "people", "edit")
    db_session.commit()
    assert can(editor, Action.EDIT, handbook) and not can(editor, Action.DELETE, handbook)


def test_a_role_caps_what_a_grant_gives(db_session, users, hr):
    space, handbook, _payroll, _salaries = hr
    grants.set_grant(db_session, users["admin"], space, "user", "reader", "admin")
    db_session.commit()
    assert can(users["reader"], Action.READ, handbook)
    assert not can(users["reader"], Action.EDIT, handbook)
    assert not can(users["reader"], Action.MANAGE_ACCESS, handbook)


def test_space_admins_manage_their_space_and_pass_its_restrictions(db_session, users, hr):
    space, handbook, payroll, salaries = hr
    admin, editor = users["admin"], users["editor"]
    restrictions.set_restriction(db_session, admin, payroll, "read", "", "admin")
    grants.set_grant(db_session, admin, space, "user", "editor", "admin")
    db_session.commit()
    assert can(editor, Action.READ, salaries) and can(editor, Action.DELETE, salaries)
    assert can(editor, Action.MANAGE_ACCESS, handbook)
    other = _space(db_session, admin, "it")
    elsewhere = _page(db_session, admin, "Laptops", other)
    db_session.commit()
    assert not can(editor, Action.READ, elsewhere)


def test_a_restriction_narrows_the_whole_subtree_and_never_widens(db_session, users, hr):
    space, handbook, payroll, salaries = hr
    admin, editor = users["admin"], users["editor"]
    grants.set_grant(db_session, admin, space, "signed_in", "", "edit")
    db_session.commit()
    assert _readable(db_session, users["reader"]) >= {"Handbook", "Payroll", "Salaries"}
    restrictions.set_restriction(db_session, admin, payroll, "read", "people", "")
    db_session.commit()
    assert "Payroll" not in _readable(db_session, users["reader"])
    assert "Salaries" not in _readable(db_session, users["reader"])  # inherited
    assert {"Payroll", "Salaries"} <= _readable(db_session, editor)
    # Naming someone the space does not admit gives them nothing.
    grants.set_grant(db_session, admin, space, "signed_in", "", "none")
    grants.set_grant(db_session, admin, space, "group", "people", "edit")
    restrictions.set_restriction(db_session, admin, payroll, "read", "people", "reader")
    db_session.commit()
    assert _readable(db_session, users["reader"]) == set()


def test_nested_restrictions_must_all_be_passed(db_session, users, hr):
    space, _handbook, payroll, salaries = hr
    admin = users["admin"]
    grants.set_grant(db_session, admin, space, "signed_in", "", "edit")
    restrictions.set_restriction(db_session, admin, payroll, "read", "", "editor reader")
    restrictions.set_restriction(db_session, admin, salaries, "read", "", "reader")
    db_session.commit()
    assert "Salaries" not in _readable(db_session, users["editor"])
    assert {"Payroll", "Salaries"} <= _readable(db_session, users["reader"])


def test_an_edit_restriction_leaves_reading_alone(db_session, users, hr):
    space, handbook, _payroll, _salaries = hr
    admin = users["admin"]
    grants.set_grant(db_session, admin, space, "signed_in", "", "edit")
    extra = accounts.create_user(db_session, "writer", PASSWORD, Role.EDITOR)
    restrictions.set_restriction(db_session, admin, handbook, "edit", "people", "")
    db_session.commit()
    assert can(extra, Action.READ, handbook) and not can(extra, Action.EDIT, handbook)
    assert can(users["editor"], Action.EDIT, handbook)


def test_a_deleted_group_keeps_its_restrictions_closed(db_session, users, hr):
    space, _handbook, payroll, _salaries = hr
    admin = users["admin"]
    grants.set_grant(db_session, admin, space, "signed_in", "", "edit")
    restrictions.set_restriction(db_session, admin, payroll, "read", "people", "")
    db_session.commit()
    groups.delete_group(db_session, admin, groups.get_group(db_session, "people"))
    db_session.commit()
    assert "Payroll" not in _readable(db_session, users["editor"])
    shown = restrictions.restrictions_of(db_session, payroll).own
    assert [s.label for s in shown[restrictions.RestrictionKind.READ].subjects] == [
        "a deleted group"
    ]


def test_a_preview_names_who_gains_and_loses_and_changes_nothing(db_session, users, hr):
    space, _handbook, payroll, _salaries = hr
    admin = users["admin"]
    preview = grants.preview_grant(db_session, admin, space, "signed_in", "", "edit")
    read = next(shift for shift in preview.impact.shifts if shift.what == "read")
    assert read.gained == ("editor", "reader") and read.lost == ()
    assert _readable(db_session, users["editor"]) == set()
    grants.set_grant(db_session, admin, space, "signed_in", "", "edit")
    db_session.commit()
    lock = restrictions.preview_restriction(db_session, admin, payroll, "read", "people", "")
    read = next(shift for shift in lock.impact.shifts if shift.what == "read")
    assert read.lost == ("reader",) and read.gained == () and lock.subtree_pages == 2
    assert "Payroll" in _readable(db_session, users["reader"])
    restrictions.set_restriction(db_session, admin, payroll, "read", "people", "")
    db_session.commit()
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == audit.AuditAction.PAGE_RESTRICT)
    ).one()
    assert event.details["before"] == [] and event.details["after"] == ["group People team"]
    assert event.details["lost"] == {"read": 1, "edit": 0}  # a reader never edits


def test_only_space_admins_change_access_and_typos_are_named(db_session, users, hr):
    space, handbook, _payroll, _salaries = hr
    with pytest.raises(Forbidden):
        grants.preview_grant(db_session, users["editor"], space, "signed_in", "", "read")
    with pytest.raises(Forbidden):
        restrictions.preview_restriction(db_session, users["editor"], handbook, "read", "", "")
    with pytest.raises(InvalidInput) as caught:
        grants.preview_grant(db_session, users["admin"], space, "group", "nosuch", "read")
    assert "nosuch" in caught.value.errors["name"]
    with pytest.raises(InvalidInput) as caught:
        grants.preview_grant(db_session, users["admin"], space, "anonymous", "", "edit")
    assert "only be given read" in caught.value.errors["level"]


def test_explain_names_the_rules_that_decide(db_session, users, hr):
    space, _handbook, payroll, salaries = hr
    admin, editor = users["admin"], users["editor"]
    why = explain(db_session, editor, Action.READ, salaries)
    assert not why.allowed and "No grant of HR names editor" in " ".join(why.steps)
    grants.set_grant(db_session, admin, space, "group", "people", "edit")
    restrictions.set_restriction(db_session, admin, payroll, "read", "", "admin")
    db_session.commit()
    why = explain(db_session, editor, Action.READ, salaries)
    words = " ".join(why.steps)
    assert not why.allowed
    assert "HR grants edit to group People team (editor is a member)" in words
    assert "Payroll, narrows reading to admin: editor is not named" in words
    assert explain(db_session, admin, Action.READ, salaries).allowed


def test_a_new_page_goes_only_where_its_author_may_edit(db_session, users, hr):
    space, *_ = hr
    with pytest.raises(InvalidInput) as caught:
        create_page(db_session, users["editor"], "Sneaky", "x\n", "", Limits(), space=space)
    assert "may not create pages in HR" in caught.value.errors["space"]


def test_the_next_request_sees_a_grant_taken_away(app, client, auth, db_session, users, hr):
    space, handbook, *_ = hr
    grants.set_grant(db_session, users["admin"], space, "group", "people", "read")
    db_session.commit()
    auth.login("editor")
    assert client.get("/wiki/hr:handbook").status_code == 200
    assert client.get("/wiki/hr:handbook").status_code == 200  # the kept view
    grants.set_grant(db_session, users["admin"], space, "group", "people", "none")
    db_session.commit()
    hidden = client.get("/wiki/hr:handbook")
    missing = client.get("/wiki/hr:no-such-page")
    assert hidden.status_code == missing.status_code == 404
    assert "Handbook" not in client.get("/-/pages").get_data(as_text=True)
    assert client.get("/-/spaces/hr").status_code == 404


def test_grants_and_restrictions_through_the_browser_forms(
    app, client, auth, db_session, users, hr
):
    auth.login("admin")
    preview = client.post(
        "/-/spaces/hr/access/grant", data={"who": "group", "name": "people", "level": "read"}
    )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Confirm" in text and "editor" in text
    done = client.post(
        "/-/spaces/hr/access/grant",
        data={"who": "group", "name": "people", "level": "read", "confirm": "yes"},
    )
    assert done.status_code == 302
    access = client.get("/wiki/hr:payroll/access?who=editor&action=read").get_data(as_text=True)
    assert "editor</bdi> can read this page" in access
    bad = client.post(
        "/wiki/hr:payroll/access/restrict", data={"kind": "read", "groups": "ghosts", "people": ""}
    )
    assert bad.status_code == 400 and "There is no group called “ghosts”" in bad.get_data(
        as_text=True
    )
    assert 'value="ghosts"' in bad.get_data(as_text=True)  # what was typed comes back


# --- the property: one answer for one page and for lists ---------------------------------


def _random_world(session, users, seed: int):
    rng = random.Random(seed)
    admin = users["admin"]
    people = [users["reader"], users["editor"]] + [
        accounts.create_user(session, f"person{n}", PASSWORD, rng.choice(list(Role)))
        for n in range(6)
    ]
    teams = []
    for n in range(4):
        team = groups.create_group(session, admin, f"team{n}", f"Team {n}")
        members = rng.sample(people, rng.randint(0, 4))
        if members:
            names = " ".join(p.username for p in members)
            groups.change_members(session, admin, team, "add", names)
        teams.append(team)
    made = []
    for n in range(3):
        space = _space(session, admin, f"space{n}", open_to_signed_in=rng.random() < 0.3)
        for team in rng.sample(teams, rng.randint(0, 3)):
            level = rng.choice(["read", "edit", "admin"])
            grants.set_grant(session, admin, space, "group", team.key, level)
        if rng.random() < 0.5:
            person = rng.choice(people)
            grants.set_grant(
                session, admin, space, "user", person.username, rng.choice(["read", "edit"])
            )
        if rng.random() < 0.5:
            grants.set_grant(session, admin, space, "anonymous", "", "read")
        in_space = []
        for m in range(6):
            parent = rng.choice(in_space) if in_space and rng.random() < 0.7 else None
            in_space.append(_page(session, admin, f"Page {n} {m}", space, parent))
        for page in rng.sample(in_space, 2):
            kind = rng.choice(["read", "edit"])
            named = rng.sample(teams, rng.randint(0, 2))
            person = " ".join(p.username for p in rng.sample(people, rng.randint(0, 1)))
            restrictions.set_restriction(
                session, admin, page, kind, " ".join(t.key for t in named), person
            )
        for page in rng.sample(in_space, 1):
            delete_page(session, admin, page, "")
        made += in_space
    session.commit()
    return people + [admin], made


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("anonymous_read", [True, False])
def test_can_and_the_list_condition_agree_in_random_worlds(
    more_apps, db_session, users, seed, anonymous_read
):
    from flask_login import AnonymousUserMixin

    app = more_apps(ANONYMOUS_READ=anonymous_read)
    everyone, made = _random_world(db_session, users, seed)
    visitor = AnonymousUserMixin()
    with app.app_context():
        for person in [*everyone, visitor]:
            ids = set(db_session.scalars(select(Page.id).where(visible_pages(person))))
            one_by_one = {page.id for page in made if can(person, Action.READ, page)}
            base = set(db_session.scalars(select(Page.id).where(Page.space_id == 1)))
            assert ids - base == one_by_one, getattr(person, "username", "visitor")
            allowed = readable_pages(db_session, person)
            assert {page.id for page in made if allowed(page.id)} == one_by_one


def test_a_restricted_page_gives_its_title_to_someone_who_cannot_see_it(db_session, users, hr):
    """Refusing the title would tell an outsider that a page they may not read exists: the
    hidden page moves aside instead, still live, still restricted, its history saying so."""
    space, _handbook, payroll, _salaries = hr
    admin = users["admin"]
    grants.set_grant(db_session, admin, space, "signed_in", "", "edit")
    restrictions.set_restriction(db_session, admin, payroll, "read", "people", "")
    outsider = accounts.create_user(db_session, "outsider", PASSWORD, Role.EDITOR)
    db_session.commit()
    hidden_id = payroll.id
    created = create_page(
        db_session, outsider, "Payroll", "Our payroll notes.\n", "", Limits(), space=space
    ).page
    db_session.commit()
    assert created.slug == "hr:payroll" and created.id != hidden_id
    moved = db_session.get(Page, hidden_id)
    assert moved.slug == f"hr:payroll--{hidden_id}" and not moved.deleted
    assert moved.read_scope_id == hidden_id  # still restricted
    assert (
        moved.current.summary
        == f"Moved to hr:payroll--{hidden_id}: its address was given to a new page"
    )
    assert not can(outsider, Action.READ, moved) and can(users["editor"], Action.READ, moved)


@pytest.mark.parametrize("seed", range(3))
def test_previews_working_out_one_page_agree_with_whole_reaches(db_session, users, seed):
    """Previews and the Access tab work out, for each person, only the restrictions above
    the page asked about; what they find must be what the whole reach says."""
    everyone_made, made = _random_world(db_session, users, seed)
    rules = impact.current_rules(db_session)
    everyone = impact.people(db_session)
    whole = impact.reaches(rules, everyone)
    assert len(everyone) == len(everyone_made) and made
    for page in made:
        targeted = impact.page_access(rules, everyone, page)
        assert targeted == {pid: page_actions(reach, page) for pid, reach in whole.items()}
    for space_id in {page.space_id for page in made}:
        levels = impact.space_levels(rules, everyone, space_id)
        assert levels == {
            pid: AccessLevel.ADMIN if reach.everything else reach.levels.get(space_id)
            for pid, reach in whole.items()
        }


def test_the_search_check_follows_new_deleted_and_restricted_pages(app, db_session, users, hr):
    """Search and suggestions check ids against placements kept between requests: each
    later request sees what changed, in whichever order."""
    admin, reader = users["admin"], users["reader"]

    def reader_may_read(page_id: int) -> bool:
        with app.app_context():  # a request of its own
            return readable_pages(db_session, reader)(page_id)

    notes = _page(db_session, admin, "Notes")  # the default space: every reader reads it
    db_session.commit()
    assert reader_may_read(notes.id)
    later = _page(db_session, admin, "Later notes")
    db_session.commit()
    assert reader_may_read(later.id) and reader_may_read(notes.id)
    restrictions.set_restriction(db_session, admin, notes, "read", "people", "")
    db_session.commit()
    assert not reader_may_read(notes.id) and reader_may_read(later.id)
    delete_page(db_session, admin, later, "")
    db_session.commit()
    assert not reader_may_read(later.id)


def test_a_search_check_made_in_a_rolled_back_write_is_never_kept(app, db_session, users, hr):
    """A page written and rolled back leaves its ids to the next page on SQLite, so the
    placement generation it was read at comes again for another state: what a transaction
    that wrote saw must not be kept for later requests."""
    space, *_ = hr
    admin, reader = users["admin"], users["reader"]
    with app.app_context():
        draft = _page(db_session, admin, "Draft notice")  # the default space: readable
        assert readable_pages(db_session, reader)(draft.id)
        draft_id = draft.id
    db_session.rollback()
    secret = _page(db_session, admin, "Secret notice", space)  # hr: closed to the reader
    db_session.commit()
    if db_session.get_bind().dialect.name == "sqlite":
        assert secret.id == draft_id  # the hazard is real here
    with app.app_context():
        assert not readable_pages(db_session, reader)(secret.id)


def test_the_audit_log_says_what_an_access_change_did(db_session, users, hr):
    space, _handbook, payroll, _salaries = hr
    admin = users["admin"]
    grants.set_grant(db_session, admin, space, "signed_in", "", "read")
    restrictions.set_restriction(db_session, admin, payroll, "read", "people", "")
    db_session.commit()
    events = {
        event.action: audit.describe(event)
        for event in db_session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    }
    assert events["space.grant"] == (
        "\u2068every signed-in user\u2069 in hr: none → read; read: 2 gained, 0 lost"
    )
    assert (
        "reading limited to: nobody named → \u2068group People team\u2069; read: 0 gained, 1 lost"
        in (events["page.restrict"])
    )
