"""The page tree: pages under pages (created there, or moved there with everything under
them, within a space or to another), breadcrumbs, the pages under a page and the space's
tree beside it, always only as far as the viewer may read."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import event, select

from wiki.access import accounts, audit, groups, restrictions
from wiki.access.permissions import Action, can
from wiki.content import spaces, tree
from wiki.content.pages import Limits, create_page, delete_page, edit_page
from wiki.db import get_database
from wiki.errors import Forbidden, InvalidInput
from wiki.models import AuditEvent, Page, PageAlias, Revision, RevisionKind, Role
from wiki.views.common import page_urls

from .conftest import PASSWORD
from .helpers import snapshot


def _page(session, author, title, parent=None, space=None, body=None):
    return create_page(
        session,
        author,
        title,
        body if body is not None else f"About {title}.\n",
        "",
        Limits(),
        space=space,
        parent=parent,
    ).page


def _get(session, slug) -> Page:
    session.commit()  # what the test did is kept; a fresh look at what requests did
    return session.scalar(select(Page).where(Page.slug == slug))


@pytest.fixture
def handbook(db_session, users):
    """In the default space: Handbook > (Benefits > Pension, Travel), and Canteen at the
    top; the group "finance" holds the editor."""
    editor = users["editor"]
    book = _page(db_session, editor, "Handbook")
    benefits = _page(db_session, editor, "Benefits", book)
    _page(db_session, editor, "Pension", benefits)
    _page(db_session, editor, "Travel", book)
    _page(db_session, editor, "Canteen")
    finance = groups.create_group(db_session, users["admin"], "finance", "Finance")
    groups.change_members(db_session, users["admin"], finance, "add", "editor")
    db_session.commit()
    return book


@pytest.fixture
def people_space(db_session, users):
    """A second space, open to the signed-in like the default one."""
    space = spaces.create_space(db_session, users["admin"], "people", "People team")
    db_session.commit()
    return space


def _restrict_reading(session, admin, slug, groups_named="finance"):
    restrictions.set_restriction(session, admin, _get(session, slug), "read", groups_named, "")
    session.commit()


# --- parent on create ------------------------------------------------------------------------


def test_a_page_created_under_another_sits_under_it_and_inherits_its_restrictions(
    client, auth, db_session, users, handbook
):
    admin = users["admin"]
    _restrict_reading(db_session, admin, "benefits")
    child = _page(db_session, admin, "Dental", _get(db_session, "benefits"))
    db_session.commit()
    benefits = _get(db_session, "benefits")
    child = _get(db_session, "dental")
    assert child.parent_id == benefits.id
    assert (child.read_scope_id, child.edit_scope_id) == (benefits.id, None)
    assert not can(users["reader"], Action.READ, child)
    assert can(users["editor"], Action.READ, child)
    auth.login("reader")
    assert client.get("/wiki/dental").status_code == 404
    auth.logout()
    auth.login("editor")
    assert client.get("/wiki/dental").status_code == 200


def test_the_new_page_form_puts_the_page_under_the_parent_it_names(
    client, auth, db_session, handbook
):
    auth.login("editor")
    form = client.get("/-/new?space=main&parent=handbook").get_data(as_text=True)
    assert re.search(r'<input id="parent" name="parent"[^>]* value="Handbook"', form)
    response = client.post(
        "/-/new", data={"space": "main", "parent": "Handbook", "title": "Leave", "body": "Days.\n"}
    )
    assert response.status_code == 302 and response.location.endswith("/wiki/leave")
    assert _get(db_session, "leave").parent_id == handbook.id
    # An address names a parent too, and without a space the parent's is taken.
    form = client.get("/-/new?parent=benefits").get_data(as_text=True)
    assert 'value="Benefits"' in form and '<option value="main" selected>' in form
    # Emptied, the field puts the page at the top of the space.
    client.post("/-/new", data={"space": "main", "parent": " ", "title": "Top", "body": "x"})
    assert _get(db_session, "top").parent_id is None


def test_a_parent_nobody_may_read_is_refused_like_a_missing_one(
    client, auth, db_session, users, handbook
):
    _restrict_reading(db_session, users["admin"], "benefits")
    accounts.create_user(db_session, "outsider", PASSWORD, Role.EDITOR)  # not in finance
    db_session.commit()
    auth.login("outsider")
    answers = {}
    for name in ("Benefits", "Nowhere"):
        response = client.post(
            "/-/new",
            data={"space": "main", "parent": name, "title": "Mine", "body": "Kept text.\n"},
        )
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "Kept text." in html and 'value="Mine"' in html and f'value="{name}"' in html
        answers[name] = re.search(r'id="parent-error"[^>]*>([^<]*)<', html).group(1)
    assert answers["Nowhere"] == "There is no page called Nowhere in Main."
    assert answers["Benefits"] == answers["Nowhere"].replace("Nowhere", "Benefits")
    assert _get(db_session, "mine") is None
    # The same from a link.
    html = client.get("/-/new?space=main&parent=benefits").get_data(as_text=True)
    assert "There is no page called benefits in Main." in html


def test_a_parent_must_be_in_the_same_space_and_open_to_the_author(
    db_session, users, handbook, people_space
):
    editor, admin = users["editor"], users["admin"]
    with pytest.raises(InvalidInput) as refused:
        _page(db_session, editor, "Elsewhere", handbook, space=people_space)
    assert "in another space" in refused.value.errors["parent"]
    restrictions.set_restriction(db_session, admin, handbook, "edit", "", "admin")
    db_session.commit()
    with pytest.raises(InvalidInput) as refused:
        tree.find_parent(db_session, editor, spaces.default_space(db_session), "Handbook")
    assert refused.value.errors["parent"] == "You may not add pages under Handbook."
    with pytest.raises(InvalidInput, match="may not add pages under"):
        _page(db_session, editor, "Sneaky", _get(db_session, "handbook"))
    delete_page(db_session, admin, _get(db_session, "canteen"), "")
    with pytest.raises(InvalidInput, match="is deleted"):
        tree.find_parent(db_session, admin, spaces.default_space(db_session), "canteen")


def test_the_page_view_offers_a_new_page_under_it_to_those_who_may(client, auth, handbook):
    link = 'href="/-/new?space=main&amp;parent=handbook"'
    auth.login("editor")
    assert link in client.get("/wiki/handbook").get_data(as_text=True)
    auth.logout()
    auth.login("reader")
    assert link not in client.get("/wiki/handbook").get_data(as_text=True)


# --- breadcrumbs, pages under a page, the tree -----------------------------------------------


def _breadcrumbs(html: str) -> list[str]:
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group()
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li.*?</li>", crumbs)]


def _tree(html: str) -> str:
    found = re.search(r'<aside class="page-tree".*?</aside>', html, re.S)
    return found.group() if found else ""


def _subpages(html: str) -> list[str]:
    found = re.search(r'<section class="subpages".*?</section>', html, re.S)
    return re.findall(r'<a dir="auto" href="[^"]*">([^<]*)</a>', found.group()) if found else []


def test_breadcrumbs_lead_from_the_space_down_to_the_page(client, auth, handbook):
    auth.login("reader")
    html = client.get("/wiki/pension").get_data(as_text=True)
    assert _breadcrumbs(html) == ["Main", "Handbook", "Benefits", "Pension"]
    assert '<a dir="auto" href="/-/spaces/main">Main</a>' in html
    assert '<a dir="auto" href="/wiki/benefits">Benefits</a>' in html
    assert _breadcrumbs(client.get("/wiki/canteen").get_data(as_text=True)) == ["Main", "Canteen"]


def test_the_pages_under_a_page_are_listed_alphabetically_readable_ones_only(
    client, auth, db_session, users, handbook
):
    editor = users["editor"]
    for title in ("Zoo", "Archive", "Mobile phones"):
        _page(db_session, editor, title, _get(db_session, "handbook"))
    db_session.commit()
    _restrict_reading(db_session, users["admin"], "mobile-phones")
    auth.login("reader")
    html = client.get("/wiki/handbook").get_data(as_text=True)
    assert _subpages(html) == ["Archive", "Benefits", "Travel", "Zoo"]
    assert "Mobile phones" not in html
    assert _subpages(client.get("/wiki/canteen").get_data(as_text=True)) == []
    auth.logout()
    auth.login("editor")
    html = client.get("/wiki/handbook").get_data(as_text=True)
    assert _subpages(html) == ["Archive", "Benefits", "Mobile phones", "Travel", "Zoo"]


def test_the_tree_shows_the_top_the_path_with_its_siblings_and_the_children(
    client, auth, db_session, users, handbook
):
    editor = users["editor"]
    _page(db_session, editor, "Claims", _get(db_session, "pension"))
    _page(db_session, editor, "Gym", _get(db_session, "benefits"))
    _page(db_session, editor, "Visas", _get(db_session, "travel"))  # not on the path
    db_session.commit()
    auth.login("reader")
    shown = _tree(client.get("/wiki/pension").get_data(as_text=True))
    titles = re.findall(r">([^<>]+)</a>", shown)
    assert titles == ["Canteen", "Handbook", "Benefits", "Gym", "Pension", "Claims", "Travel"]
    assert '<a dir="auto" href="/wiki/pension" aria-current="page">Pension</a>' in shown
    assert "<details open>" in shown and "<summary>Pages of <bdi>Main</bdi></summary>" in shown


def test_pages_the_viewer_may_not_read_appear_nowhere_around_a_page(
    client, auth, db_session, users, handbook
):
    admin = users["admin"]
    _restrict_reading(db_session, admin, "travel")
    _page(db_session, admin, "Per diem", _get(db_session, "travel"))
    delete_page(db_session, admin, _get(db_session, "benefits"), "")
    db_session.commit()
    auth.login("reader")
    html = client.get("/wiki/pension").get_data(as_text=True)
    # Benefits is deleted: Pension is shown where it would be, under Handbook.
    assert _breadcrumbs(html) == ["Main", "Handbook", "Pension"]
    assert re.findall(r">([^<>]+)</a>", _tree(html)) == ["Canteen", "Handbook", "Pension"]
    for hidden in ("Benefits", "Travel", "Per diem"):
        assert hidden not in html
    assert _subpages(client.get("/wiki/handbook").get_data(as_text=True)) == []
    auth.logout()
    auth.login("admin")
    html = client.get("/wiki/pension").get_data(as_text=True)
    assert _breadcrumbs(html) == ["Main", "Handbook", "Benefits", "Pension"]
    assert "Per diem" not in html  # not on the path: the tree stays small
    assert _subpages(client.get("/wiki/travel").get_data(as_text=True)) == ["Per diem"]


def test_each_level_of_the_tree_is_bounded_and_the_path_always_shown(
    app, db_session, users, handbook
):
    editor = users["editor"]
    _page(db_session, editor, "Zebra crossings")
    for n in range(5):
        _page(db_session, editor, f"Note {n}", _get(db_session, "benefits"))
    db_session.commit()
    pension = _get(db_session, "pension")
    around = tree.page_tree(db_session, users["reader"], pension.id, tree_limit=2)
    assert around.top.more and [n.title for n in around.top.nodes] == ["Canteen", "Handbook"]
    handbook_level = around.top.branches[1].children
    assert [n.title for n in handbook_level.nodes] == ["Benefits", "Travel"]
    benefits_level = handbook_level.branches[0].children
    # Pension is past the first two of its level: shown all the same.
    assert [n.title for n in benefits_level.nodes] == ["Note 0", "Note 1", "Pension"]
    assert benefits_level.more and benefits_level.branches[2].current
    around = tree.page_tree(db_session, users["reader"], handbook.id, limit=1, tree_limit=3)
    assert around.children.more and [n.title for n in around.children.nodes] == ["Benefits"]
    in_the_tree = around.top.branches[1].children
    assert not in_the_tree.more and [n.title for n in in_the_tree.nodes] == ["Benefits", "Travel"]


def test_the_tree_costs_two_statements_however_deep_and_wide(app, db_session, users, handbook):
    editor = users["editor"]
    parent = _get(db_session, "pension")
    for depth in range(12):
        for n in range(3):
            child = _page(db_session, editor, f"Level {depth} page {n}", parent)
        parent = child
    db_session.commit()
    statements = []
    engine = get_database(app).engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():  # as in a request: the viewer's reach is looked up once
        tree.page_tree(db_session, users["reader"], handbook.id)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            around = tree.page_tree(db_session, users["reader"], parent.id)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 2, statements
    assert [n.title for n in around.ancestors][:4] == [
        "Handbook",
        "Benefits",
        "Pension",
        "Level 0 page 2",
    ]
    assert len(around.ancestors) == 14


def test_page_addresses_are_built_as_the_router_builds_them(app):
    with app.test_request_context():
        address = page_urls()
        for slug in ("policy", "hr:onboarding", "café-au-lait", "q-and-a", "a b?c#d", "x%y"):
            assert address(slug) == url_for("pages.view", slug=slug)


def test_a_new_child_shows_in_a_kept_page_view_at_once(client, auth, db_session, users, handbook):
    auth.login("reader")
    assert _subpages(client.get("/wiki/travel").get_data(as_text=True)) == []
    client.get("/wiki/travel")  # served from the kept views
    _page(db_session, users["editor"], "Visas", _get(db_session, "travel"))
    db_session.commit()
    assert _subpages(client.get("/wiki/travel").get_data(as_text=True)) == ["Visas"]


def test_a_renamed_space_shows_its_new_name_in_kept_page_views_at_once(
    client, auth, db_session, users, handbook
):
    auth.login("reader")
    for _ in range(2):  # the second is served from the kept views
        html = client.get("/wiki/pension").get_data(as_text=True)
        assert _breadcrumbs(html)[0] == "Main"
    main = spaces.default_space(db_session)
    spaces.update_space(db_session, users["admin"], main, "Everyone", main.description, "")
    db_session.commit()
    html = client.get("/wiki/pension").get_data(as_text=True)
    assert _breadcrumbs(html) == ["Everyone", "Handbook", "Benefits", "Pension"]
    assert "<summary>Pages of <bdi>Everyone</bdi></summary>" in html


# --- moving: the service ----------------------------------------------------------------------


def _revisions(session, slug):
    page = _get(session, slug)
    return list(
        session.scalars(
            select(Revision).where(Revision.page_id == page.id).order_by(Revision.number)
        )
    )


def _move_events(session):
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == audit.AuditAction.PAGE_MOVE.value)
        )
    )


def test_a_page_moves_under_another_of_its_space_with_its_subtree(db_session, users, handbook):
    editor = users["editor"]
    benefits = _get(db_session, "benefits")
    plan = tree.move_page(db_session, editor, benefits, "main", "Canteen")
    db_session.commit()
    assert plan.under == 1 and not plan.changes_space
    canteen, benefits = _get(db_session, "canteen"), _get(db_session, "benefits")
    assert benefits.parent_id == canteen.id
    assert _get(db_session, "pension").parent_id == benefits.id  # came along
    history = _revisions(db_session, "benefits")
    assert (history[-1].kind, history[-1].summary) == (RevisionKind.RENAME, "Moved under Canteen")
    assert history[-1].body == history[-2].body
    assert len(_revisions(db_session, "pension")) == 1  # same address: nothing to say
    (event,) = _move_events(db_session)
    assert event.page_id == benefits.id and event.actor_name == "editor"
    assert event.details["from"] == {"space": "main", "parent": "Handbook"}
    assert event.details["to"] == {"space": "main", "parent": "Canteen"}
    assert event.details["pages"] == 2 and event.details["slugs"] == {}
    # And back to the top.
    tree.move_page(db_session, editor, _get(db_session, "benefits"), "main", "")
    db_session.commit()
    assert _get(db_session, "benefits").parent_id is None
    assert _revisions(db_session, "benefits")[-1].summary == "Moved to the top of Main"


def test_a_page_moves_to_another_space_with_new_addresses_and_old_ones_redirecting(
    client, auth, db_session, users, handbook, people_space
):
    editor = users["editor"]
    _page(db_session, editor, "Benefits overview", body="See [[Benefits]] and [[Pension]].\n")
    db_session.commit()
    before = len(_revisions(db_session, "pension"))
    plan = tree.move_page(db_session, editor, _get(db_session, "benefits"), "people", "")
    db_session.commit()
    assert plan.changes_space and plan.under == 1
    benefits, pension = _get(db_session, "people:benefits"), _get(db_session, "people:pension")
    assert benefits.space_id == pension.space_id == people_space.id
    assert benefits.parent_id is None and pension.parent_id == benefits.id
    assert _get(db_session, "benefits") is None
    aliases = dict(db_session.execute(select(PageAlias.slug, PageAlias.page_id)).all())
    assert aliases == {"benefits": benefits.id, "pension": pension.id}
    history = _revisions(db_session, "people:pension")
    assert len(history) == before + 1
    assert (history[-1].kind, history[-1].summary) == (
        RevisionKind.RENAME,
        "Moved from Main to People team",
    )
    assert _revisions(db_session, "people:benefits")[-1].summary == "Moved from Main to People team"
    (event,) = _move_events(db_session)
    assert event.details["from"]["space"] == "main" and event.details["to"]["space"] == "people"
    assert event.details["slugs"] == {"benefits": "people:benefits", "pension": "people:pension"}

    auth.login("reader")
    for old, new in (("benefits", "people:benefits"), ("pension", "people:pension")):
        response = client.get(f"/wiki/{old}")
        assert response.status_code == 302 and response.location.endswith(f"/wiki/{new}")
    html = client.get("/wiki/people:pension").get_data(as_text=True)
    assert _breadcrumbs(html) == ["People team", "Benefits", "Pension"]
    # The wiki links to them lead there too.
    links = client.get("/wiki/benefits-overview").get_data(as_text=True)
    assert 'href="/wiki/benefits" class="wikilink"' in links  # found, not marked missing
    assert (
        client.get("/wiki/benefits", follow_redirects=True).request.path == "/wiki/people:benefits"
    )


def test_links_inside_a_moved_subtree_follow_it_to_the_new_space(
    client, auth, db_session, users, handbook, people_space
):
    editor = users["editor"]
    benefits = _get(db_session, "benefits")
    benefits_text = "See [[Pension]] and [[main:Canteen]].\n"
    edit_page(db_session, editor, benefits, 1, benefits_text, "", Limits())
    db_session.commit()
    tree.move_page(db_session, editor, _get(db_session, "benefits"), "people", "")
    db_session.commit()
    auth.login("reader")
    html = client.get("/wiki/people:benefits").get_data(as_text=True)
    # Rendered anew in its space: [[Pension]] is the page that moved along with it.
    links = re.findall(r'<a href="([^"]*)" class="(wikilink[^"]*)"', html)
    assert links == [("/wiki/people%3Apension", "wikilink"), ("/wiki/canteen", "wikilink")]


def test_a_move_preview_names_the_pages_left_behind_that_moving_pages_link_to(
    client, auth, db_session, users, handbook, people_space
):
    editor, admin = users["editor"], users["admin"]
    text = (
        "See [[Pension]], [[Canteen]], [[Travel|trips]], [[main:Handbook]], [[Nowhere]], "
        "`[[Handbook]]` and [[Secret]].\n"
    )
    edit_page(db_session, editor, _get(db_session, "benefits"), 1, text, "", Limits())
    _page(db_session, admin, "Secret")
    db_session.commit()
    restrictions.set_restriction(db_session, admin, _get(db_session, "secret"), "read", "", "admin")
    db_session.commit()
    plan = tree.preview_move(db_session, editor, _get(db_session, "benefits"), "people", "")
    # Pension moves along; main:Handbook names its space; Nowhere does not exist; code is
    # not a link; Secret is a page the editor may not read: never named.
    assert plan.links_left is not None
    assert plan.links_left.titles == ("Canteen", "Travel") and plan.links_left.count == 2
    assert plan.links_left.pages_linking == 1 and plan.links_left.unchecked == 0
    db_session.rollback()
    auth.login("editor")
    html = client.post("/wiki/benefits/move", data={"space": "people", "parent": ""}).get_data(
        as_text=True
    )
    assert (
        "1 page links with <code>[[Title]]</code> to 2 pages that stay in <bdi>Main</bdi>" in html
    )
    assert "<li><bdi>Canteen</bdi></li><li><bdi>Travel</bdi></li>" in html
    assert "write them as <code>[[main:Title]]</code>" in html
    # Within the space, nothing is cut.
    assert (
        tree.preview_move(
            db_session, editor, _get(db_session, "benefits"), "", "Canteen"
        ).links_left
        is None
    )


def test_moving_under_a_restricted_page_hides_the_subtree_and_moving_out_shows_it(
    client, auth, db_session, users, handbook
):
    admin, editor, reader = users["admin"], users["editor"], users["reader"]
    _restrict_reading(db_session, admin, "benefits")
    tree.move_page(db_session, editor, _get(db_session, "travel"), "main", "Benefits")
    db_session.commit()
    travel, benefits = _get(db_session, "travel"), _get(db_session, "benefits")
    assert travel.read_scope_id == benefits.id
    assert not can(reader, Action.READ, travel) and can(editor, Action.READ, travel)
    auth.login("reader")
    assert client.get("/wiki/travel").status_code == 404
    tree.move_page(db_session, editor, _get(db_session, "travel"), "main", "Canteen")
    db_session.commit()
    assert _get(db_session, "travel").read_scope_id is None
    assert client.get("/wiki/travel").status_code == 200
    # A page's own restriction moves with it, and keeps its subtree hidden.
    tree.move_page(db_session, admin, _get(db_session, "benefits"), "main", "Canteen")
    db_session.commit()
    pension = _get(db_session, "pension")
    assert pension.read_scope_id == _get(db_session, "benefits").id
    assert client.get("/wiki/pension").status_code == 404


def test_the_preview_names_who_gains_and_loses_and_changes_nothing(
    app, client, auth, db_session, users, handbook
):
    _restrict_reading(db_session, users["admin"], "benefits")
    plan = tree.preview_move(
        db_session, users["editor"], _get(db_session, "travel"), "", "Benefits"
    )
    reading = {shift.what: shift for shift in plan.impact.shifts}["read"]
    assert reading.lost == ("reader",) and reading.lost_count == 1 and not reading.gained
    db_session.rollback()
    auth.login("editor")
    before = snapshot(app)
    response = client.post("/wiki/travel/move", data={"space": "main", "parent": "Benefits"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1 page moves: this one." in html
    assert re.search(r'<ul class="access-lost"><li><bdi>reader</bdi></li></ul>', html)
    assert 'name="confirm" value="yes"' in html and 'name="parent" value="Benefits"' in html
    assert snapshot(app) == before
    assert _move_events(db_session) == []
    response = client.post(
        "/wiki/travel/move", data={"space": "main", "parent": "Benefits", "confirm": "yes"}
    )
    assert response.status_code == 302 and response.location.endswith("/wiki/travel")
    assert snapshot(app) != before


def test_a_page_cannot_go_under_itself_or_a_page_under_it(db_session, users, handbook):
    editor = users["editor"]
    with pytest.raises(InvalidInput) as refused:
        tree.preview_move(db_session, editor, handbook, "main", "Handbook")
    assert refused.value.errors["parent"] == "A page cannot go under itself."
    with pytest.raises(InvalidInput) as refused:
        tree.preview_move(db_session, editor, handbook, "main", "Pension")
    assert refused.value.errors["parent"] == (
        "Handbook cannot go under Pension: Pension is one of the pages under it."
    )
    with pytest.raises(InvalidInput, match="is there already"):
        tree.preview_move(db_session, editor, _get(db_session, "benefits"), "main", "Handbook")


def test_titles_that_clash_in_the_target_space_are_each_named(
    db_session, users, handbook, people_space
):
    editor = users["editor"]
    _page(db_session, editor, "Pension", space=people_space)
    _page(db_session, editor, "Travel", space=people_space)
    _page(db_session, editor, "Сору", space=people_space)  # Cyrillic letters
    _page(db_session, editor, "Copy", _get(db_session, "travel"))
    db_session.commit()
    with pytest.raises(InvalidInput) as refused:
        tree.preview_move(db_session, editor, handbook, "people", "")
    message = refused.value.errors["space"]
    assert message.startswith("Titles clash in People team; rename first:")
    assert "A page called Pension already exists." in message
    assert "A page called Travel already exists." in message
    assert "Copy looks like the page Сору" in message
    with pytest.raises(InvalidInput):
        tree.move_page(db_session, editor, handbook, "people", "")
    db_session.rollback()
    assert _get(db_session, "handbook").space_id != people_space.id


def test_a_deleted_page_moving_along_never_stands_in_the_way(
    db_session, users, handbook, people_space
):
    admin = users["admin"]
    _page(db_session, admin, "Pension", space=people_space)
    delete_page(db_session, admin, _get(db_session, "pension"), "")
    db_session.commit()
    tree.move_page(db_session, admin, _get(db_session, "benefits"), "people", "")
    db_session.commit()
    moved = db_session.scalar(select(Page).where(Page.slug.like("people:pension--deleted-%")))
    assert moved.deleted and moved.parent_id == _get(db_session, "people:benefits").id
    assert not _get(db_session, "people:pension").deleted  # the other one, untouched
    # An editor may not carry off a deleted page they cannot see.
    delete_page(db_session, admin, _get(db_session, "travel"), "")
    db_session.commit()
    with pytest.raises(InvalidInput) as refused:
        tree.preview_move(db_session, users["editor"], _get(db_session, "handbook"), "people", "")
    assert "Some pages under this one are not yours to move" in refused.value.errors["page"]


def test_moving_needs_the_page_the_pages_under_it_and_the_target(
    db_session, users, handbook, people_space
):
    admin, editor, reader = users["admin"], users["editor"], users["reader"]
    with pytest.raises(Forbidden):
        tree.preview_move(db_session, reader, handbook, "main", "Canteen")
    restrictions.set_restriction(
        db_session, admin, _get(db_session, "pension"), "edit", "", "admin"
    )
    db_session.commit()
    with pytest.raises(InvalidInput, match="not yours to move"):
        tree.preview_move(db_session, editor, _get(db_session, "benefits"), "main", "Canteen")
    closed = spaces.create_space(db_session, admin, "board", "Board", open_to_signed_in=False)
    db_session.commit()
    with pytest.raises(InvalidInput) as refused:
        tree.preview_move(db_session, editor, _get(db_session, "travel"), "board", "")
    assert refused.value.errors["space"] == "No space has the key board; choose one from the list."
    assert closed.key == "board"
    with pytest.raises(InvalidInput) as refused:
        tree.preview_move(db_session, editor, _get(db_session, "travel"), "main", "Nowhere")
    assert refused.value.errors["parent"] == "There is no page called Nowhere in Main."


# --- moving: the pages ------------------------------------------------------------------------


def test_the_move_form_offers_the_spaces_the_mover_may_add_pages_to(
    client, auth, db_session, users, handbook, people_space
):
    spaces.create_space(db_session, users["admin"], "board", "Board", open_to_signed_in=False)
    db_session.commit()
    auth.login("editor")
    html = client.get("/wiki/benefits/move").get_data(as_text=True)
    assert '<option value="main" selected>' in html and '<option value="people">' in html
    assert "board" not in html
    assert re.search(r'<input id="parent" name="parent"[^>]* value="Handbook"', html)
    assert 'href="/wiki/benefits/move" aria-current="page">Move</a>' in html
    # A cycle, answered on the form with what was typed.
    response = client.post("/wiki/benefits/move", data={"space": "main", "parent": "pension"})
    assert response.status_code == 400
    assert "Benefits cannot go under Pension" in response.get_data(as_text=True)
    assert 'value="pension"' in response.get_data(as_text=True)


def test_an_admin_moves_a_page_to_another_space_through_the_preview(
    client, auth, db_session, handbook, people_space
):
    auth.login("admin")
    response = client.post("/wiki/benefits/move", data={"space": "people", "parent": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 pages move: this page and the 1 page under it." in html
    assert "Where it is: under <bdi>Handbook</bdi> in <bdi>Main</bdi>." in html
    assert "Where it goes: at the top of <bdi>People team</bdi>." in html
    assert _get(db_session, "benefits") is not None
    response = client.post(
        "/wiki/benefits/move", data={"space": "people", "parent": "", "confirm": "yes"}
    )
    assert response.status_code == 302 and response.location.endswith("/wiki/people:benefits")
    page = client.get("/wiki/people:benefits").get_data(as_text=True)
    assert "Moved Benefits with the 1 page under it to People team" in page


def test_moving_is_refused_to_readers_and_unreadable_pages_are_missing(
    client, auth, db_session, users, handbook
):
    _restrict_reading(db_session, users["admin"], "benefits")
    auth.login("reader")
    assert client.get("/wiki/travel/move").status_code == 403
    assert client.post("/wiki/travel/move", data={"parent": "Canteen"}).status_code == 403
    hidden, missing = client.get("/wiki/benefits/move"), client.get("/wiki/nothing/move")
    assert hidden.status_code == missing.status_code == 404
    token = re.compile(r'name="csrf_token" value="[^"]*"')  # signed anew, with the time
    assert token.sub("", hidden.get_data(as_text=True)) == token.sub(
        "", missing.get_data(as_text=True)
    )


def test_a_moved_page_shows_in_its_new_place_in_kept_views(
    client, auth, db_session, users, handbook
):
    auth.login("reader")
    for _ in range(2):  # the second is served from the kept views
        assert _subpages(client.get("/wiki/canteen").get_data(as_text=True)) == []
    tree.move_page(db_session, users["editor"], _get(db_session, "travel"), "main", "Canteen")
    db_session.commit()
    assert _subpages(client.get("/wiki/canteen").get_data(as_text=True)) == ["Travel"]
    assert _subpages(client.get("/wiki/handbook").get_data(as_text=True)) == ["Benefits"]


def test_the_audit_log_says_where_a_page_went(client, auth, db_session, users, handbook):
    tree.move_page(db_session, users["editor"], _get(db_session, "travel"), "main", "Canteen")
    db_session.commit()
    auth.login("admin")
    html = client.get("/-/admin/audit?action=page.move").get_data(as_text=True)
    html = html.replace("\u2068", "").replace("\u2069", "")
    assert "page moved" in html
    assert "from under “Handbook” in main to under “Canteen” in main, 1 page" in html
