"""The page tree: pages under pages, breadcrumbs, the pages under a page and the space's
tree beside it, always only as far as the viewer may read."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import event, select

from wiki.access import accounts, groups, restrictions
from wiki.access.permissions import Action, can
from wiki.content import spaces, tree
from wiki.content.pages import Limits, create_page, delete_page
from wiki.db import get_database
from wiki.errors import InvalidInput
from wiki.models import Page, Role
from wiki.views.common import page_urls

from .conftest import PASSWORD


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
