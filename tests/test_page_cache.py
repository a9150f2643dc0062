"""Kept page views: a wiki that keeps rendered page views answers exactly like one that
renders every view, across edits, new and renamed link targets, deletes, role changes,
logouts, password changes and disabled accounts, on both databases; and it does serve
kept views when nothing changed."""

from __future__ import annotations

import re

import pytest

from wiki.access import accounts
from wiki.content.pages import Limits, create_page, delete_page, rename_page, undelete_page
from wiki.views.page_cache import PageViewCache, get_cache

from .conftest import PASSWORD
from .helpers import edit, make_page

_CSRF = re.compile(r'(name="csrf_token" value=")[^"]*(")')


@pytest.fixture
def plain_app(more_apps):
    """The same wiki (database, instance, secret key) with views never kept."""
    return more_apps(PAGE_CACHE_MB=0)


class Twins:
    """One browser's cookies used on both wikis: each view is asked of both."""

    def __init__(self, app, plain_app):
        self.app = app
        self.kept = app.test_client()
        self.plain = plain_app.test_client()

    def login(self, username: str) -> None:
        reply = self.kept.post("/-/login", data={"username": username, "password": PASSWORD})
        assert reply.status_code == 302
        # The first page after logging in gives the session its form secret (a new cookie):
        # what is rendered while the session changes is not kept.
        self.kept.get("/-/pages")

    def logout(self) -> None:
        self.kept.post("/-/logout")

    def _share_cookies(self) -> None:
        for name in ("session", "remember_token"):
            cookie = self.kept.get_cookie(name)
            if cookie is None:
                self.plain.delete_cookie(name)
            else:
                self.plain.set_cookie(name, cookie.value)

    def view(self, path: str) -> tuple[int, str, int]:
        """The reply both wikis give (status, body without CSRF tokens, whose signatures
        carry the second they were made), and whether the kept one was served from memory
        (1) or rendered (0). Fails when the two differ."""
        cache = get_cache(self.app)
        hits = cache.hits
        kept = self.kept.get(path)
        self._share_cookies()
        plain = self.plain.get(path)
        answers = [
            (
                reply.status_code,
                reply.headers.get("Location"),
                _CSRF.sub(r"\1…\2", reply.get_data(as_text=True)),
            )
            for reply in (kept, plain)
        ]
        assert answers[0] == answers[1]
        return kept.status_code, answers[0][2], cache.hits - hits


@pytest.fixture
def twins(app, plain_app, users):
    return Twins(app, plain_app)


def test_an_unchanged_page_is_served_from_memory_and_an_edit_shows_at_once(
    twins, db_session, users
):
    page = make_page(db_session, users["editor"], "Office move", "Boxes are **blue**.\n")
    twins.login("reader")
    status, body, served = twins.view("/wiki/office-move")
    assert (status, served) == (200, 0) and "<strong>blue</strong>" in body
    assert twins.view("/wiki/office-move")[2] == 1
    edit(db_session, users["editor"], page, "Boxes are **green**.\n")
    status, body, served = twins.view("/wiki/office-move")
    assert (status, served) == (200, 0) and "<strong>green</strong>" in body
    assert twins.view("/wiki/office-move")[2] == 1


def test_link_targets_created_renamed_deleted_and_undeleted_show_at_once(twins, db_session, users):
    editor, admin = users["editor"], users["admin"]
    make_page(db_session, editor, "Office move", "See [[Budget]] and [[Budget 2027]].\n")
    twins.login("reader")
    missing = 'class="wikilink missing"'

    def missing_links() -> int:
        return twins.view("/wiki/office-move")[1].count(missing)

    assert missing_links() == 2
    assert twins.view("/wiki/office-move")[2] == 1

    budget = make_page(db_session, editor, "Budget", "Numbers.\n")
    status, body, served = twins.view("/wiki/office-move")
    assert body.count(missing) == 1 and served == 0

    # Renamed: the new title is found, and the old one leads to it.
    rename_page(db_session, editor, budget, "Budget 2027", "", Limits())
    db_session.commit()
    assert missing_links() == 0

    delete_page(db_session, admin, budget, "")
    db_session.commit()
    assert missing_links() == 2
    undelete_page(db_session, admin, budget, "")
    db_session.commit()
    status, body, served = twins.view("/wiki/office-move")
    assert missing not in body and served == 0


def test_a_deleted_page_is_gone_for_readers_at_once_and_back_when_undeleted(
    twins, db_session, users
):
    page = make_page(db_session, users["editor"], "Office move", "Text.\n")
    twins.login("reader")
    twins.view("/wiki/office-move")
    assert twins.view("/wiki/office-move")[2] == 1
    delete_page(db_session, users["admin"], page, "")
    db_session.commit()
    assert twins.view("/wiki/office-move")[0] == 404
    undelete_page(db_session, users["admin"], page, "")
    db_session.commit()
    assert twins.view("/wiki/office-move")[:2][0] == 200


def test_a_role_change_shows_the_tabs_of_the_new_role_at_once(twins, db_session, users):
    make_page(db_session, users["editor"], "Office move", "Text.\n")
    twins.login("reader")
    assert "/wiki/office-move/edit" not in twins.view("/wiki/office-move")[1]
    twins.view("/wiki/office-move")
    reader = accounts.get_user(db_session, "reader")
    accounts.set_role(db_session, reader, "editor", actor=users["admin"])
    db_session.commit()
    status, body, served = twins.view("/wiki/office-move")
    assert "/wiki/office-move/edit" in body and served == 0
    accounts.set_role(db_session, reader, "reader", actor=users["admin"])
    db_session.commit()
    assert "/wiki/office-move/edit" not in twins.view("/wiki/office-move")[1]


@pytest.mark.parametrize("ending", ["logout", "password", "disabled"])
def test_an_ended_login_is_never_shown_a_kept_page(twins, db_session, users, ending):
    make_page(db_session, users["editor"], "Office move", "Secret plans.\n")
    twins.login("reader")
    twins.view("/wiki/office-move")
    assert twins.view("/wiki/office-move")[2] == 1
    reader = accounts.get_user(db_session, "reader")
    if ending == "logout":
        # A copy of the cookies from before logging out, replayed afterwards.
        stolen = twins.kept.get_cookie("session").value
        twins.logout()
        twins.kept.set_cookie("session", stolen)
    elif ending == "password":
        accounts.set_password(db_session, reader, "another long password", actor=users["admin"])
        db_session.commit()
    else:
        accounts.set_disabled(db_session, reader, True, actor=users["admin"])
        db_session.commit()
    status, body, _served = twins.view("/wiki/office-move")
    assert status == 302 and "Secret plans" not in body


def test_each_viewer_gets_their_own_view(app, plain_app, db_session, users):
    make_page(db_session, users["editor"], "Office move", "Text.\n")
    reader, editor = Twins(app, plain_app), Twins(app, plain_app)
    reader.login("reader")
    editor.login("editor")
    reader.view("/wiki/office-move")
    status, body, served = editor.view("/wiki/office-move")
    assert served == 0 and "/wiki/office-move/edit" in body and ">editor<" in body
    assert ">reader<" in reader.view("/wiki/office-move")[1]


def test_messages_and_query_strings_are_never_kept(twins, db_session, users):
    page = make_page(db_session, users["editor"], "Office move", "Text.\n")
    rename_page(db_session, users["editor"], page, "Moving office", "", Limits())
    db_session.commit()
    twins.login("reader")
    # The old title redirects with a message shown on the page it leads to.
    assert twins.kept.get("/wiki/office-move").status_code == 302
    body = twins.kept.get("/wiki/moving-office").get_data(as_text=True)
    assert "Redirected from an old title" in body
    assert "Redirected from an old title" not in twins.view("/wiki/moving-office")[1]
    twins.view("/wiki/moving-office?from=search")
    assert twins.view("/wiki/moving-office?from=search")[2] == 0


def test_other_workers_changes_are_seen(app, more_apps, db_session, users):
    """Two processes (apps) on one database: a change made through one is seen by the
    other's kept views at once."""
    make_page(db_session, users["editor"], "Office move", "Old text.\n")
    other = more_apps()
    client, other_client = app.test_client(), other.test_client()
    for c in (client, other_client):
        c.post("/-/login", data={"username": "editor", "password": PASSWORD})
    client.get("/wiki/office-move")
    assert "Old text" in client.get("/wiki/office-move").get_data(as_text=True)
    form = other_client.get("/wiki/office-move/edit").get_data(as_text=True)
    base = re.search(r'name="base" value="(\d+)"', form).group(1)
    saved = other_client.post(
        "/wiki/office-move/edit", data={"body": "New text.\n", "base": base, "summary": ""}
    )
    assert saved.status_code == 302
    assert "New text" in client.get("/wiki/office-move").get_data(as_text=True)


def test_anonymous_readers_get_kept_views_too(more_apps, db_session, users):
    make_page(db_session, users["editor"], "Office move", "Open text.\n")
    open_wiki = more_apps(ANONYMOUS_READ=True)
    client = open_wiki.test_client()
    first = client.get("/wiki/office-move").get_data(as_text=True)
    hits = get_cache(open_wiki).hits
    assert client.get("/wiki/office-move").get_data(as_text=True) == first
    assert get_cache(open_wiki).hits == hits + 1 and "Log in" in first


def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used():
    cache = PageViewCache(max_bytes=1000)
    for n in range(5):
        cache.put(("page", n), "stamp", b"x" * 200)
    assert cache.get(("page", 0), "stamp") == b"x" * 200  # now the most recently used
    cache.put(("page", 5), "stamp", b"y" * 200)
    assert cache.get(("page", 1), "stamp") is None  # the least recently used went
    assert cache.get(("page", 0), "stamp") is not None
    assert cache.get(("page", 5), "other stamp") is None  # rendered at another state
    cache.put(("huge",), "stamp", b"z" * 300)  # over a quarter of the cache: not kept
    assert cache.get(("huge",), "stamp") is None and len(cache) == 5


def test_a_page_created_by_the_service_layer_while_kept_views_exist_is_linked(
    twins, db_session, users
):
    """Creating a page moves the links generation even without an audit event."""
    make_page(db_session, users["editor"], "Office move", "See [[Plan]].\n")
    twins.login("reader")
    twins.view("/wiki/office-move")
    create_page(db_session, users["editor"], "Plan", "Plan text.\n", "", Limits())
    db_session.commit()
    assert 'class="wikilink missing"' not in twins.view("/wiki/office-move")[1]


def test_related_pages_restricted_deleted_or_listed_anew_show_at_once(
    app, twins, db_session, users
):
    """A kept view lists related pages: one restricted or deleted since is gone at the next
    view (the access and links generations retire the view), and a list worked out again
    shows at once (the list's own time is part of what a kept view is checked against)."""
    from wiki.access.restrictions import set_restriction
    from wiki.models import utcnow
    from wiki.search.related_lists import store_list

    from .test_search import search_now

    editor, admin = users["editor"], users["admin"]
    page = make_page(db_session, editor, "Lighthouse keeping", "Trim the lighthouse lamp wick.\n")
    secret = make_page(db_session, editor, "Lighthouse lamp", "The lighthouse lamp wick burns.\n")
    gone = make_page(db_session, editor, "Lamp wick", "A lamp wick for the lighthouse.\n")
    later = make_page(db_session, editor, "Fog horn", "Sound the fog horn.\n")
    search_now(app)
    twins.login("reader")

    def listed() -> tuple[set[str], int]:
        _status, body, served = twins.view("/wiki/lighthouse-keeping")
        section = body.partition('<section class="related"')[2].partition("</section>")[0]
        return set(re.findall(r'href="/wiki/([^"]+)"', section)), served

    assert listed() == ({"lighthouse-lamp", "lamp-wick"}, 0)
    assert listed()[1] == 1  # kept
    set_restriction(db_session, admin, secret, "read", "", "editor")
    db_session.commit()
    assert listed() == ({"lamp-wick"}, 0)
    delete_page(db_session, admin, gone, "")
    db_session.commit()
    assert listed() == (set(), 0)
    assert listed()[1] == 1
    store_list(db_session, page.id, page.current_revision_id, [(later.id, 0.5)], utcnow())
    db_session.commit()
    assert listed() == ({"fog-horn"}, 0)
