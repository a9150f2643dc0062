"""Action items: a task-list line names an owner and a due date; owners find their open
items (overdue first), a space lists its own, and ticking a box saves a revision through
the conflict-safe path. No list shows an item of a page its viewer may not read."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import select

from wiki.access import accounts, restrictions
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, delete_page, edit_page
from wiki.content.records import action_items
from wiki.content.records.ticking import tick_task
from wiki.content.render import render_markdown
from wiki.db import get_database
from wiki.errors import EditConflict, InvalidInput
from wiki.models import ActionItem, Role
from wiki.ops.migrate import alembic_config, current_revision, schema_change, upgrade

TODAY = date(2026, 12, 4)

PLAN = """\
## Action items

- [ ] @reader 2099-12-31 book the freight elevator
- [ ] 2026-11-01 @Reader order boxes
- [x] @reader 2026-10-01 tell the landlord
- [ ] @editor label the crates
- [ ] just a checklist line
- [ ] @nobody 2026-02-30 find the keys
"""


@pytest.fixture
def ops(db_session, users):
    space = spaces.create_space(db_session, users["admin"], "ops", "Operations", "")
    db_session.commit()
    return space


def _plan(session, users, space, title="Office move", body=PLAN):
    page = create_page(session, users["editor"], title, body, "", Limits(), space=space).page
    session.commit()
    return page


def _texts(listed):
    return [entry.item.text for entry in listed]


def test_owner_and_due_date_are_shown_and_impossible_ones_said_so():
    html = render_markdown(PLAN).html
    assert (
        '<a class="mention" href="/-/people/reader" rel="noopener noreferrer">@reader</a>' in html
    )
    assert '<span class="due">2099-12-31</span> book the freight elevator' in html
    assert (
        '<span class="due impossible" title="Not a date in the calendar">2026-02-30</span>' in html
    )
    assert "@nobody" in html  # an unknown person is still shown as named
    tasks = render_markdown(PLAN).tasks
    assert [(t.owner, t.due_text, t.done) for t in tasks][:3] == [
        ("reader", "2099-12-31", False),
        ("Reader", "2026-11-01", False),
        ("reader", "2026-10-01", True),
    ]
    assert tasks[4].owner is None and tasks[4].text == "just a checklist line"
    assert tasks[5].due is None and tasks[5].due_text == "2026-02-30"


def test_a_mention_of_nobody_is_shown_as_naming_nobody(client, auth, db_session, users, ops):
    _plan(db_session, users, ops)
    auth.login("reader")
    shown = client.get("/wiki/ops:office-move").get_data(as_text=True)
    assert (
        '<a class="mention unknown" title="No one has this username" href="/-/people/nobody"'
        in shown
    )
    assert '<a class="mention" href="/-/people/Reader"' in shown  # a known one, any case


def test_my_action_items_are_open_ones_overdue_first(db_session, users, ops):
    _plan(db_session, users, ops)
    mine = action_items.my_items(db_session, users["reader"], "reader", TODAY)
    assert _texts(mine) == ["order boxes", "book the freight elevator"]
    assert [entry.overdue for entry in mine] == [True, False]
    done = action_items.my_items(db_session, users["reader"], "reader", TODAY, done=True)
    assert _texts(done) == ["tell the landlord"]
    assert action_items.count_open(db_session, users["reader"], "reader", TODAY) == (2, 1)
    # Only lines naming an owner or a date are action items.
    stored = db_session.scalars(select(ActionItem.text)).all()
    assert "just a checklist line" not in stored and "find the keys" in stored


def test_items_follow_the_text_and_never_leak(db_session, users, ops):
    page = _plan(db_session, users, ops)
    edit_page(
        db_session,
        users["editor"],
        page,
        1,
        "- [ ] @reader 2027-01-15 return the van\n",
        "",
        Limits(),
    )
    db_session.commit()
    assert _texts(action_items.my_items(db_session, users["reader"], "reader", TODAY)) == [
        "return the van"
    ]
    # The owner may not read the page: their item is not listed to them (nor counted).
    restrictions.set_restriction(db_session, users["admin"], page, "read", "", "editor")
    db_session.commit()
    assert action_items.my_items(db_session, users["reader"], "reader", TODAY) == []
    assert action_items.count_open(db_session, users["reader"], "reader", TODAY) == (0, 0)
    assert action_items.space_items(db_session, users["reader"], ops, TODAY) == []
    assert len(action_items.space_items(db_session, users["editor"], ops, TODAY)) == 1
    delete_page(db_session, users["admin"], page, "")
    db_session.commit()
    assert action_items.space_items(db_session, users["editor"], ops, TODAY) == []


def test_a_space_lists_its_open_items_by_owner(client, auth, db_session, users, ops):
    _plan(db_session, users, ops)
    auth.login("reader")
    every = client.get("/-/spaces/ops/actions").get_data(as_text=True)
    assert "label the crates" in every and "order boxes" in every
    assert "tell the landlord" not in every  # done
    assert "Overdue since" in every and "1 overdue" in every
    editor = client.get("/-/spaces/ops/actions?owner=@Editor").get_data(as_text=True)
    assert "label the crates" in editor and "order boxes" not in editor
    mine = client.get("/-/actions").get_data(as_text=True)
    assert "order boxes" in mine and "label the crates" not in mine
    assert 'href="/wiki/ops:office-move"' in mine
    profile = client.get("/-/people/reader").get_data(as_text=True)
    assert "Open action items: 2, <strong>1 overdue</strong>" in profile
    assert client.get("/-/spaces/nowhere/actions").status_code == 404


def test_ticking_a_box_saves_a_revision_with_a_summary(db_session, users, ops):
    page = _plan(db_session, users, ops)
    result = tick_task(db_session, users["editor"], page, 1, 0, True, Limits())
    db_session.commit()
    assert result.new_revision.summary == "Ticked “book the freight elevator”"
    assert "- [x] @reader 2099-12-31 book the freight elevator" in page.current.body
    assert _texts(action_items.my_items(db_session, users["reader"], "reader", TODAY)) == [
        "order boxes"
    ]
    # Ticking again from the revision one saw: nothing to save.
    assert tick_task(db_session, users["editor"], page, 2, 0, True, Limits()).revision is None
    cleared = tick_task(db_session, users["editor"], page, 2, 2, False, Limits())
    assert cleared.new_revision.summary == "Cleared “tell the landlord”"
    with pytest.raises(InvalidInput):
        tick_task(db_session, users["editor"], page, 3, 99, True, Limits())


def test_a_tick_from_an_older_revision_merges_or_conflicts(db_session, users, ops):
    page = _plan(db_session, users, ops)
    # Someone adds a line at the end meanwhile: the tick of revision 1 merges with it.
    edit_page(db_session, users["admin"], page, 1, PLAN + "- [ ] @admin call IT\n", "", Limits())
    merged = tick_task(db_session, users["editor"], page, 1, 3, True, Limits())
    assert merged.merged_with == 2
    assert "- [x] @editor label the crates" in page.current.body
    assert "@admin call IT" in page.current.body
    # Someone rewrote the same line: a conflict, nothing saved.
    edit_page(
        db_session,
        users["admin"],
        page,
        3,
        page.current.body.replace("order boxes", "order 40 boxes"),
        "",
        Limits(),
    )
    db_session.commit()
    with pytest.raises(EditConflict):
        tick_task(db_session, users["editor"], page, 3, 1, True, Limits())


def test_ticking_through_the_page_needs_edit_rights(client, auth, db_session, users, ops):
    _plan(db_session, users, ops)
    auth.login("editor")
    shown = client.get("/wiki/ops:office-move").get_data(as_text=True)
    assert 'data-tasks-url="/wiki/ops:office-move/tasks/"' in shown and 'data-base="1"' in shown
    saved = client.post("/wiki/ops:office-move/tasks/1", data={"base": "1", "done": "1"})
    assert saved.status_code == 200 and saved.json == {
        "saved": True,
        "revision": 2,
        "summary": "Ticked “order boxes”",
    }
    changed = client.post("/wiki/ops:office-move/tasks/42", data={"base": "2", "done": "1"})
    assert changed.status_code == 400 and "reload" in changed.json["message"]
    auth.logout()
    auth.login("reader")
    assert "data-tasks-url" not in client.get("/wiki/ops:office-move").get_data(as_text=True)
    refused = client.post("/wiki/ops:office-move/tasks/0", data={"base": "2", "done": "1"})
    assert refused.status_code == 403


def test_the_migration_and_reindex_fill_the_items(app, runner, db_session, users, ops):
    _plan(db_session, users, ops)
    db_session.close()
    engine = get_database(app).write_engine
    config = alembic_config(engine)
    with schema_change(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    assert current_revision(engine) == "0015"
    upgrade(engine)
    assert len(action_items.my_items(db_session, users["admin"], "reader", TODAY)) == 2
    db_session.execute(ActionItem.__table__.delete())
    db_session.commit()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "the action items of 1." in result.output
    assert len(action_items.my_items(db_session, users["admin"], "reader", TODAY)) == 2


def test_an_owner_named_in_another_case_is_the_same_person(db_session, users, ops):
    accounts.create_user(db_session, "Chloe.Martin", "a-long-password-1", Role.EDITOR)
    _plan(db_session, users, ops, body="- [ ] @chloe.martin 2026-12-20 pack the lab\n")
    chloe = accounts.get_user(db_session, "Chloe.Martin")
    assert _texts(action_items.my_items(db_session, chloe, chloe.username, TODAY)) == [
        "pack the lab"
    ]
