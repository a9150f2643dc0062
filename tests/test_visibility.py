"""One visibility rule: whoever asks, and whatever happened to the pages, ``can(user, READ,
page)`` and the SQL condition ``visible_pages(user)`` agree on every page, and every list
(All pages, Recent changes, Contributions, search results, title suggestions) shows
exactly the pages the viewer may read.

Hypothesis draws what happens to a few new pages (edits, renames, deletions,
undeletions) and who looks. The examples share one database (a fresh one each would be
far too slow), so each adds pages and every check covers all the pages made so far. Runs
are reproducible (``derandomize``, no example database).
"""

from __future__ import annotations

import itertools
import random
import re
import string

import pytest
from flask_login import AnonymousUserMixin
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from wiki.access import accounts
from wiki.access.permissions import Action, can, visible_pages
from wiki.content.pages import (
    Limits,
    create_page,
    delete_page,
    edit_page,
    rename_page,
    undelete_page,
)
from wiki.db import get_database
from wiki.models import Page, Revision, Role

from .conftest import PASSWORD, make_app
from .test_search import search_now

KINDS = ("anonymous", "disabled", "reader", "editor", "admin")
STEPS = ("edit", "rename", "delete", "undelete")
# No shrinking: the examples share the database, so a smaller replay of a failure runs on
# more pages than the failure did and explains nothing more; the message names the viewer.
VISIBILITY = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
)

# What a list shows, as page slugs: All pages; one line per revision in Recent changes
# and Contributions (with the "deleted" mark); search hits.
_INDEX_ENTRY = re.compile(r'class="all-pages-title page-title" href="/wiki/([^"/]+)"')
_CHANGES = re.compile(r'<ol class="changes">(.*?)</ol>', re.S)
_CHANGE = re.compile(r'<li( class="is-deleted")?>(.*?)</li>', re.S)
_CHANGE_REVISION = re.compile(r'href="/wiki/([^"/]+)/rev/\d+"')
_HIT = re.compile(r'<h2[^>]*><a href="/wiki/([^"/]+)">')


def _token(number: int) -> str:
    """A word no other example's pages contain, of fixed length (none is another's prefix)."""
    letters = []
    for _ in range(4):
        number, digit = divmod(number, 26)
        letters.append(string.ascii_lowercase[digit])
    return "zq" + "".join(letters)


@pytest.fixture
def world(database_url, tmp_path, db_session, users):
    """Two wikis on the test database, like two hosts with their own search index
    (anonymous reading off and on; lists long enough for every page), the viewers as the
    service layer sees them, and a client for each kind of viewer on each wiki."""
    apps = {
        anonymous_read: make_app(
            database_url,
            tmp_path / f"anonymous-read-{anonymous_read}",
            ANONYMOUS_READ=anonymous_read,
            PAGE_SIZE=1000,
        )
        for anonymous_read in (False, True)
    }
    former = accounts.create_user(db_session, "former", PASSWORD, Role.EDITOR)
    db_session.commit()
    clients = {}
    for anonymous_read, app in apps.items():
        for kind in KINDS:
            client = clients[anonymous_read, kind] = app.test_client()
            if kind != "anonymous":
                username = "former" if kind == "disabled" else kind
                response = client.post(
                    "/-/login", data={"username": username, "password": PASSWORD}
                )
                assert response.status_code == 302
    # Disabling ends the account's logins: the "disabled" clients are signed out.
    accounts.set_disabled(db_session, former, True)
    db_session.commit()
    viewers = {"anonymous": AnonymousUserMixin(), "disabled": former, **users}
    yield apps, clients, viewers
    for app in apps.values():
        get_database(app).dispose()


def _make_pages(session, users, token: str, count: int) -> list[tuple[int, str]]:
    """``count`` pages made by the editor, with ``token`` in their titles and texts:
    ``(id, slug)`` of each."""
    made = []
    for number in range(count):
        title = f"{token} page {number}"
        page = create_page(session, users["editor"], title, f"Notes on {token}.\n", "", Limits())
        made.append(page.page)
    session.commit()
    return [(page.id, page.slug) for page in made]


def _take_steps(session, users, ids: list[int], histories: list[list[str]]) -> None:
    """Take each page through its steps (a step that does not apply, such as undeleting a
    live page, is skipped): the editor edits and renames, the admin deletes and undeletes."""
    editor, admin = users["editor"], users["admin"]
    for page_id, steps in zip(ids, histories, strict=True):
        page = session.get(Page, page_id)
        for count, step in enumerate(steps):
            if step == "edit" and not page.deleted:
                body = f"{page.title}, take {count}.\n"
                edit_page(session, editor, page, page.latest_number, body, "", Limits())
            elif step == "rename" and not page.deleted:
                rename_page(session, editor, page, f"{page.title} r{count}", "", Limits())
            elif step == "delete" and not page.deleted:
                delete_page(session, admin, page, "")
            elif step == "undelete" and page.deleted:
                undelete_page(session, admin, page, "")
    session.commit()


def _catch_up(apps) -> None:
    for app in apps.values():
        search_now(app)


def _readable(session, app, viewer) -> set[str]:
    """The slugs of the pages ``viewer`` may read, asked of ``can`` page by page; checks
    on the way that the SQL condition selects exactly these pages."""
    with app.app_context():
        pages = session.scalars(select(Page)).all()
        by_can = {page.slug for page in pages if can(viewer, Action.READ, page)}
        by_sql = set(session.scalars(select(Page.slug).where(visible_pages(viewer))))
    assert by_sql == by_can
    return by_can


def _changes(client, url: str) -> dict[str, bool]:
    """The pages a changes list shows, each with whether its lines say "deleted"."""
    response = client.get(url)
    assert response.status_code == 200, url
    marks: dict[str, bool] = {}
    listed = _CHANGES.search(response.get_data(as_text=True))
    for deleted_class, line in _CHANGE.findall(listed.group(1) if listed else ""):
        slug = _CHANGE_REVISION.search(line).group(1)
        marked = bool(deleted_class) and '<span class="badge">deleted</span>' in line
        assert marks.setdefault(slug, marked) == marked, url
    return marks


def _shown(client, token: str) -> dict[str, set[str]]:
    """The slugs each list shows to ``client``; None for a list that sent it to log in."""
    lists = {
        "all pages": "/-/pages",
        "recent": "/-/recent",
        "editor's contributions": "/-/users/editor/contributions",
        "admin's contributions": "/-/users/admin/contributions",
        "search": f"/-/search?q={token}",
        "suggestions": f"/-/search/titles?q={token}",
    }
    first = client.get(lists["all pages"])
    if first.status_code == 302:
        for url in lists.values():
            response = client.get(url)
            assert response.status_code == 302 and "/-/login" in response.location, url
        return {name: set() for name in lists}
    html = first.get_data(as_text=True)
    suggestions = client.get(lists["suggestions"]).get_json()
    return {
        "all pages": set(_INDEX_ENTRY.findall(html)),
        "recent": set(_changes(client, lists["recent"])),
        "editor's contributions": set(_changes(client, lists["editor's contributions"])),
        "admin's contributions": set(_changes(client, lists["admin's contributions"])),
        "search": set(_HIT.findall(client.get(lists["search"]).get_data(as_text=True))),
        "suggestions": {item["url"].removeprefix("/wiki/") for item in suggestions},
    }


def test_every_list_shows_exactly_the_pages_the_viewer_may_read(world, db_session, users):
    apps, clients, viewers = world
    tokens = map(_token, itertools.count())
    admin_id = users["admin"].id

    @VISIBILITY
    @given(
        histories=st.lists(st.lists(st.sampled_from(STEPS), max_size=4), min_size=1, max_size=3),
        stale_index=st.booleans(),
        lookers=st.lists(st.tuples(st.sampled_from(KINDS), st.booleans()), min_size=1, max_size=2),
    )
    def check(histories, stale_index, lookers):
        # Hypothesis seeds the random module alike for every example, and Whoosh names new
        # index segments with it: without fresh seeds the second catch-up would reuse the
        # first one's segment name.
        random.seed()
        token = next(tokens)
        made = _make_pages(db_session, users, token, len(histories))
        if stale_index:  # search at its worst: the index has not heard of the steps yet
            _catch_up(apps)
        _take_steps(db_session, users, [page_id for page_id, _slug in made], histories)
        if not stale_index:
            _catch_up(apps)
        # For every kind of viewer, can() and the SQL condition agree (see _readable) ...
        readable = {
            (kind, anonymous_read): _readable(db_session, apps[anonymous_read], viewers[kind])
            for kind in KINDS
            for anonymous_read in (False, True)
        }
        # ... and the rule is the documented one: admins read every page, readers and
        # editors (and visitors, when anonymous reading is on) the pages not deleted.
        live = set(db_session.scalars(select(Page.slug).where(Page.deleted.is_(False))))
        everything = set(db_session.scalars(select(Page.slug)))
        for kind, anonymous_read in readable:
            signed_out = kind in ("anonymous", "disabled")
            reads_live = kind in ("reader", "editor") or (signed_out and anonymous_read)
            expected = everything if kind == "admin" else live if reads_live else set()
            assert readable[kind, anonymous_read] == expected, (kind, anonymous_read)
        touched_by_admin = set(
            db_session.scalars(
                select(Page.slug)
                .join(Revision, Revision.page_id == Page.id)
                .where(Revision.author_id == admin_id)
            )
        )
        now = {
            page.id: page
            for page in db_session.scalars(
                select(Page).where(Page.id.in_([page_id for page_id, _slug in made]))
            )
        }
        db_session.rollback()
        # What the lists show, for the viewers drawn. Search shows a page as the index
        # holds it: a stale index still has every page under its first address; a fresh
        # one has live pages only (deleted ones leave the index, for admins too).
        for kind, anonymous_read in lookers:
            may_read = readable[kind, anonymous_read]
            if stale_index:
                found = {slug for page_id, slug in made if now[page_id].slug in may_read}
            else:
                found = {page.slug for page in now.values() if page.slug in may_read & live}
            shown = _shown(clients[anonymous_read, kind], token)
            expected = {
                "all pages": may_read,
                "recent": may_read,
                "editor's contributions": may_read,  # the editor made every page
                "admin's contributions": may_read & touched_by_admin,
                "search": found,
                "suggestions": found,
            }
            assert shown == expected, (kind, anonymous_read, stale_index)

    check()


def test_admins_see_deleted_pages_in_changes_lists_marked_as_deleted(world, db_session, users):
    apps, clients, _viewers = world
    (gone, _), (kept, _) = _make_pages(db_session, users, "Gone", 1) + _make_pages(
        db_session, users, "Kept", 1
    )
    _take_steps(db_session, users, [gone, kept], [["delete"], ["delete", "undelete"]])
    for url in ("/-/recent", "/-/users/editor/contributions", "/-/users/admin/contributions"):
        assert _changes(clients[False, "admin"], url) == {
            "gone-page-0": True,
            "kept-page-0": False,
        }
        for kind in ("reader", "editor"):
            assert _changes(clients[False, kind], url) == {"kept-page-0": False}
        assert _changes(clients[True, "anonymous"], url) == {"kept-page-0": False}
