"""Hearing about changes: watches, mentions, the outbox, the worker and the bell.

People watch pages (alone or with everything under them), spaces and tags, and what they
create and edit; ``@name`` mentions someone. Every revision is written to the outbox in
its own transaction; the worker turns it into notifications for those who may read the
page at that moment, once each, never for the person who made the change.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.helpers import edit, make_page
from wiki.access import accounts, grants, restrictions
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, edit_page
from wiki.db import get_database
from wiki.models import ChangeEvent, Notification, Role, Watch, WatchTarget
from wiki.notify import fanout, inbox, watches
from wiki.notify.mentions import added_mentions, mentioned
from wiki.ops.notifier import handle_pending


@pytest.fixture
def people(db_session, users):
    """The cast, plus "watcher" (an editor) and "outsider" (a reader)."""
    made = dict(users)
    made["watcher"] = accounts.create_user(db_session, "watcher", PASSWORD, Role.EDITOR)
    made["outsider"] = accounts.create_user(db_session, "outsider", PASSWORD, Role.READER)
    db_session.commit()
    return made


def run_worker(app) -> tuple[int, int]:
    return handle_pending(get_database(app))


def fresh_page(app, session, author, title, body):
    """A new page whose creation the worker has handled already (before anyone but its
    author watched it)."""
    page = make_page(session, author, title, body)
    run_worker(app)
    return page


def notes_of(session, user) -> list[Notification]:
    session.commit()  # a new transaction: it sees what the worker committed since
    return list(
        session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_every_revision_is_written_to_the_outbox_with_the_save(app, db_session, people):
    page = make_page(db_session, people["editor"], "Forklift incident", "It tipped.\n")
    edit(db_session, people["editor"], page, "It tipped over.\n")
    events = db_session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)).all()
    assert [(e.page_id, e.revision.number, e.handled_at) for e in events] == [
        (page.id, 1, None),
        (page.id, 2, None),
    ]


def test_a_save_that_is_rolled_back_leaves_nothing_in_the_outbox(app, db_session, people):
    create_page(db_session, people["editor"], "Draft", "Never kept.\n", "", Limits())
    db_session.rollback()
    assert db_session.scalar(select(func.count(ChangeEvent.id))) == 0


def test_watchers_hear_of_an_edit_with_what_changed_and_the_author_does_not(
    app, db_session, people
):
    page = make_page(db_session, people["editor"], "Loading dock", "Doors open at 7.\n")
    assert run_worker(app) == (1, 0)  # the creation: nobody watched the page yet
    watches.watch(db_session, people["watcher"], WatchTarget.PAGE, page=page)
    db_session.commit()
    edit(
        db_session,
        people["editor"],
        page,
        "Doors open at 6.\nSign in at the desk.\n",
        summary="earlier",
    )
    assert run_worker(app) == (1, 1)
    [note] = notes_of(db_session, people["watcher"])
    assert note.reason == "page" and note.event.revision.number == 2
    assert note.event.excerpt.splitlines() == [
        "- Doors open at 7.",
        "+ Doors open at 6.",
        "+ Sign in at the desk.",
    ]
    assert notes_of(db_session, people["editor"]) == []  # it was their own change


def test_people_watch_what_they_create_and_edit_unless_they_turn_it_off(app, db_session, people):
    page = make_page(db_session, people["editor"], "Loading dock", "Doors open at 7.\n")
    people["watcher"].watch_own_edits = False
    edit(db_session, people["watcher"], page, "Doors open at 6.\n")
    keys = db_session.scalars(select(Watch.user_id).where(Watch.target_key == f"page:{page.id}"))
    assert set(keys) == {people["editor"].id}
    edit(db_session, people["watcher"], page, "Doors open at 5.\n")
    run_worker(app)
    assert [n.reason for n in notes_of(db_session, people["editor"])] == ["page", "page"]


def test_subtrees_spaces_and_tags_reach_the_pages_in_them_once_each(app, db_session, people):
    editor, watcher = people["editor"], people["watcher"]
    top = make_page(db_session, editor, "Warehouse", "Top.\n")
    child = create_page(
        db_session, editor, "Night shift", "Lights.\n", "", Limits(), parent=top
    ).page
    db_session.commit()
    run_worker(app)  # the pages' creation, before anyone watched them
    watches.watch(db_session, watcher, WatchTarget.SUBTREE, page=top)
    watches.watch(db_session, watcher, WatchTarget.TAG, tag="Safety")
    watches.watch(
        db_session, people["reader"], WatchTarget.SPACE, space=spaces.default_space(db_session)
    )
    watches.watch(db_session, people["outsider"], WatchTarget.TAG, tag="safety")
    db_session.commit()
    edit_page(
        db_session,
        editor,
        child,
        child.latest_number,
        "Lights off at 10.\n",
        "",
        Limits(),
        tags="safety",
    )
    db_session.commit()
    run_worker(app)
    [by_subtree] = notes_of(db_session, watcher)
    assert (by_subtree.reason, by_subtree.reason_detail) == ("subtree", "Warehouse")
    [by_space] = notes_of(db_session, people["reader"])
    assert (by_space.reason, by_space.reason_detail) == ("space", "Main")
    [by_tag] = notes_of(db_session, people["outsider"])
    assert (by_tag.reason, by_tag.reason_detail) == ("tag", "safety")


def test_a_mention_notifies_the_person_named_once_and_not_inside_code(app, db_session, people):
    page = make_page(db_session, people["editor"], "Retro", "Thanks @watcher for the fix.\n")
    run_worker(app)
    [note] = notes_of(db_session, people["watcher"])
    assert note.reason == fanout.MENTION
    # Still mentioned, nobody new: no second notification for the mention itself.
    edit(db_session, people["editor"], page, "Thanks @watcher for the fix.\n`@outsider` in code.\n")
    run_worker(app)
    assert len(notes_of(db_session, people["watcher"])) == 1
    assert notes_of(db_session, people["outsider"]) == []


def test_mentions_are_names_after_an_at_sign_not_mail_addresses_or_code():
    assert mentioned("Ask @Anna.B, or @bob. Mail ops@example.com") == {"anna.b", "bob"}
    assert mentioned("```\n@hidden\n```\nand `@inline` and @shown") == {"shown"}
    assert added_mentions("@anna", "@anna and @bob") == {"bob"}


def test_nobody_hears_of_a_page_they_may_not_read(app, db_session, people):
    admin, editor, watcher = people["admin"], people["editor"], people["watcher"]
    secret = spaces.create_space(db_session, admin, "hr", "HR", open_to_signed_in=False)
    page = create_page(db_session, admin, "Salaries", "Secret.\n", "", Limits(), space=secret).page
    db_session.commit()
    # Mentioned and watching the whole site's tag, yet outside the space: told nothing.
    watches.watch(db_session, watcher, WatchTarget.TAG, tag="pay")
    db_session.commit()
    edit_page(db_session, admin, page, 1, "Ask @watcher.\n", "", Limits(), tags="pay")
    db_session.commit()
    run_worker(app)
    assert notes_of(db_session, watcher) == []
    # Once the space is open to them, the next change reaches them.
    grants.set_grant(db_session, admin, secret, "user", "watcher", "read")
    db_session.commit()
    edit_page(db_session, admin, page, 2, "Ask @watcher.\nAnd @editor.\n", "", Limits(), tags="pay")
    db_session.commit()
    run_worker(app)
    assert [n.reason for n in notes_of(db_session, watcher)] == ["tag"]
    assert notes_of(db_session, editor) == []  # mentioned, but may not read it


def test_a_notification_about_a_page_one_can_no_longer_read_is_neither_listed_nor_counted(
    app, db_session, people
):
    admin, watcher = people["admin"], people["watcher"]
    page = fresh_page(app, db_session, people["editor"], "Layoffs plan", "Draft.\n")
    watches.watch(db_session, watcher, WatchTarget.PAGE, page=page)
    db_session.commit()
    edit(db_session, people["editor"], page, "Draft two.\n")
    run_worker(app)
    with app.test_request_context():
        assert inbox.unread_count(db_session, watcher, watcher.id) == 1
        restrictions.set_restriction(db_session, admin, page, "read", "", "editor")
        db_session.commit()
    with app.test_request_context():
        assert inbox.unread_count(db_session, watcher, watcher.id) == 0
        assert inbox.notifications_of(db_session, watcher, watcher.id) == []


def test_an_event_is_handled_once_even_when_handled_again(app, db_session, people):
    page = fresh_page(app, db_session, people["editor"], "Dock", "One.\n")
    watches.watch(db_session, people["watcher"], WatchTarget.PAGE, page=page)
    db_session.commit()
    edit(db_session, people["editor"], page, "Two.\n")
    event_id = db_session.scalar(select(func.max(ChangeEvent.id)))
    assert fanout.handle_event(db_session, event_id) == 1
    db_session.commit()
    # A second worker (or a retry after a crash that happened after the commit) finds it taken.
    assert fanout.handle_event(db_session, event_id) == 0
    db_session.commit()
    assert run_worker(app) == (0, 0)
    assert len(notes_of(db_session, people["watcher"])) == 1


def test_a_crash_before_the_commit_leaves_the_event_to_be_handled_again(app, db_session, people):
    page = fresh_page(app, db_session, people["editor"], "Dock", "One.\n")
    watches.watch(db_session, people["watcher"], WatchTarget.PAGE, page=page)
    db_session.commit()
    edit(db_session, people["editor"], page, "Two.\n")
    event_id = db_session.scalar(select(func.max(ChangeEvent.id)))
    assert fanout.handle_event(db_session, event_id) == 1
    db_session.rollback()  # the worker died before committing
    assert notes_of(db_session, people["watcher"]) == []
    run_worker(app)
    assert len(notes_of(db_session, people["watcher"])) == 1


# --- through the browser's requests --------------------------------------------------------


def _bell(html: str) -> str | None:
    found = re.search(r'class="bell-count">(\d+\+?)', html)
    return found.group(1) if found else None


def test_the_bell_counts_unread_notifications_and_the_list_marks_them_read(
    app, client, auth, db_session, people
):
    page = fresh_page(app, db_session, people["editor"], "Dock rules", "Helmets.\n")
    auth.login("watcher")
    assert client.post(f"/wiki/{page.slug}/watch", data={"target": "page"}).status_code == 302
    view = client.get(f"/wiki/{page.slug}").get_data(as_text=True)
    assert "You watch this page." in view and _bell(view) is None
    edit(db_session, people["editor"], page, "Helmets and boots.\n", summary="boots too")
    edit(db_session, people["editor"], page, "Helmets, boots and vests.\n")
    run_worker(app)
    # The kept view of the page shows the new count at once.
    assert _bell(client.get(f"/wiki/{page.slug}").get_data(as_text=True)) == "2"
    listing = client.get("/-/notifications").get_data(as_text=True)
    assert "Dock rules" in listing and "boots too" in listing and "You watch this page." in listing
    assert f"/wiki/{page.slug}/diff/1/2" in listing
    newest = notes_of(db_session, people["watcher"])[-1]
    client.post("/-/notifications/read", data={"id": str(newest.id)})
    assert _bell(client.get("/-/notifications").get_data(as_text=True)) == "1"
    client.post("/-/notifications/read", data={"all": "1"})
    assert _bell(client.get(f"/wiki/{page.slug}").get_data(as_text=True)) is None


def test_nobody_marks_another_persons_notifications_read(app, client, auth, db_session, people):
    page = fresh_page(app, db_session, people["editor"], "Dock", "One.\n")
    watches.watch(db_session, people["watcher"], WatchTarget.PAGE, page=page)
    db_session.commit()
    edit(db_session, people["editor"], page, "Two.\n")
    run_worker(app)
    [note] = notes_of(db_session, people["watcher"])
    auth.login("outsider")
    client.post("/-/notifications/read", data={"id": str(note.id)})
    client.post("/-/notifications/read", data={"all": "1"})
    [still] = notes_of(db_session, people["watcher"])
    assert still.read_at is None


def test_the_watch_list_shows_and_stops_watches(app, client, auth, db_session, people):
    page = fresh_page(app, db_session, people["editor"], "Dock", "One.\n")
    auth.login("watcher")
    client.post(f"/wiki/{page.slug}/watch", data={"target": "subtree"})
    client.post("/-/spaces/main/watch")
    client.post("/-/watching/tags", data={"tag": "  Safety "})
    listing = client.get("/-/watching").get_data(as_text=True)
    assert "and every page under it" in listing
    assert "Every page of the space" in listing and ">safety<" in listing
    assert client.post("/-/watching/tags", data={"tag": "   "}).status_code == 400
    client.post("/-/watching/stop", data={"key": "tag:safety"})
    assert ">safety<" not in client.get("/-/watching").get_data(as_text=True)
    client.post("/-/watching/settings", data={})
    db_session.expire_all()
    assert accounts.get_user(db_session, "watcher").watch_own_edits is False


def test_one_cannot_watch_a_page_one_may_not_read(app, client, auth, db_session, people):
    admin = people["admin"]
    secret = spaces.create_space(db_session, admin, "hr", "HR", open_to_signed_in=False)
    page = create_page(db_session, admin, "Salaries", "Secret.\n", "", Limits(), space=secret).page
    db_session.commit()
    auth.login("watcher")
    assert client.post(f"/wiki/{page.slug}/watch", data={"target": "page"}).status_code == 404
    assert client.post("/-/spaces/hr/watch").status_code == 404
    assert (
        db_session.scalar(select(func.count(Watch.id)).where(Watch.user_id == people["watcher"].id))
        == 0
    )


def test_the_worker_command_handles_what_is_waiting(app, db_session, people):
    page = fresh_page(app, db_session, people["editor"], "Dock", "One.\n")
    watches.watch(db_session, people["watcher"], WatchTarget.PAGE, page=page)
    db_session.commit()
    edit(db_session, people["editor"], page, "Two.\n")
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len(notes_of(db_session, people["watcher"])) == 1
    assert (
        db_session.scalar(
            select(func.count(ChangeEvent.id)).where(ChangeEvent.handled_at.is_(None))
        )
        == 0
    )


def test_who_hears_of_a_page_is_decided_by_the_rule_of_can(app, db_session, people):
    """readers_among answers for many people at once what can() answers for one."""
    from wiki.access import groups
    from wiki.access.permissions import Action, can, readers_among

    admin = people["admin"]
    team = groups.create_group(db_session, admin, "night", "Night shift")
    groups.change_members(db_session, admin, team, "add", "watcher")
    secret = spaces.create_space(db_session, admin, "ops", "Ops", open_to_signed_in=False)
    grants.set_grant(db_session, admin, secret, "group", "night", "edit")
    grants.set_grant(db_session, admin, secret, "user", "reader", "read")
    top = create_page(db_session, admin, "Runbook", "Top.\n", "", Limits(), space=secret).page
    inner = create_page(
        db_session, admin, "Keys", "Inner.\n", "", Limits(), space=secret, parent=top
    ).page
    db_session.commit()
    restrictions.set_restriction(db_session, admin, inner, "read", "night", "")
    accounts.set_disabled(db_session, people["outsider"], True)
    db_session.commit()
    everyone = list(people.values())
    with app.test_request_context():
        for page in (top, inner):
            expected = {u.id for u in everyone if not u.disabled and can(u, Action.READ, page)}
            assert readers_among(db_session, [u.id for u in everyone], page) == expected
        assert readers_among(db_session, [u.id for u in everyone], inner) == {
            admin.id,
            people["watcher"].id,
        }


def test_the_bell_counts_up_to_ninety_nine_then_says_more(app, client, auth, db_session, people):
    from sqlalchemy import insert

    page = fresh_page(app, db_session, people["editor"], "Dock rules", "Helmets.\n")
    revision_id = page.current_revision_id
    reader = people["reader"]

    def tell(count: int) -> None:
        events = [
            db_session.execute(
                insert(ChangeEvent).values(page_id=page.id, revision_id=revision_id)
            ).inserted_primary_key[0]
            for _ in range(count)
        ]
        db_session.execute(
            insert(Notification),
            [
                {"user_id": reader.id, "event_id": e, "page_id": page.id, "reason": "page"}
                for e in events
            ],
        )
        db_session.commit()

    auth.login("reader")
    tell(inbox.BELL_MOST)
    assert _bell(client.get("/-/notifications").get_data(as_text=True)) == "99"
    tell(1)
    assert _bell(client.get("/-/notifications").get_data(as_text=True)) == "99+"
