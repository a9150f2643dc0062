"""Content a visitor may not see never leaks through a side door.

A deleted page is visible to admins only. Its words must not reach anyone else through any
address of the wiki: search results and snippets, title suggestions, history, revisions,
raw text, diffs, blame, recent changes, contributions, the page index, previews or error
messages. The index is caught up *before* the deletion, so search is tested at its worst:
the index still holds the page.
"""

from __future__ import annotations

import pytest

from wiki.content.pages import Limits, create_page, delete_page, edit_page

from .conftest import make_app
from .test_search import search_now

SECRET = "nightjar"  # in the body, the summaries and a tag of the deleted page; never typed
TITLE = "Acquisition plans"
SLUG = "acquisition-plans"

# Addresses aimed at the deleted page: none may show its words.
PAGE_PROBES = [
    f"/wiki/{SLUG}",
    f"/wiki/{SLUG}/history",
    f"/wiki/{SLUG}/rev/1",
    f"/wiki/{SLUG}/rev/2",
    f"/wiki/{SLUG}/rev/1/raw",
    f"/wiki/{SLUG}/diff/1/2",
    f"/wiki/{SLUG}/diff/1/2?view=side",
    f"/wiki/{SLUG}/diff/1/2?view=rendered",
    f"/wiki/{SLUG}/diff?from=1&to=2",
    f"/wiki/{SLUG}/blame",
    f"/wiki/{SLUG}/edit",
    f"/wiki/{SLUG}/rename",
    f"/wiki/{SLUG}/delete",
    f"/wiki/{SLUG}/undelete",
    f"/wiki/{SLUG}/rev/1/restore",  # not even for admins: a deleted page is undeleted first
]
# Lists and searches that could include it: they may not even show its title (the query
# never contains the title in full, so an echo of the query cannot pass for a leak).
LIST_PROBES = [
    "/-/recent",
    "/-/users/editor/contributions",
    "/-/users/admin/contributions",
    "/-/pages",
    "/-/pages?q=acq",
    "/-/search?q=rival",
    "/-/search?q=codename+rival",
    "/-/search?q=riv*",
    "/-/search?q=tag:deals",
    "/-/search?q=title:acquisition",
    "/-/search?q=%22buy+the+rival%22",
    "/-/search/titles?q=acq",
    "/search?q=rival",
]
PROBES = PAGE_PROBES + LIST_PROBES

# Writing addresses that answer with messages (errors included) about the same page.
FORMS = [
    ("/-/new", {"title": TITLE, "body": "Mine now."}),
    ("/-/preview", {"body": f"See [[{TITLE}]]."}),
    (f"/wiki/{SLUG}/edit", {"body": "Overwrite.", "base": "2"}),
    (f"/wiki/{SLUG}/rev/1/restore", {}),
    (f"/wiki/{SLUG}/undelete", {"summary": "back"}),
]


@pytest.fixture
def deleted_secret(app, db_session, users):
    editor, admin = users["editor"], users["admin"]
    page = create_page(
        db_session,
        editor,
        TITLE,
        f"Codename {SECRET.upper()}: buy the rival.\n",
        f"{SECRET} draft",
        Limits(),
        tags=f"{SECRET}, deals",
    ).page
    db_session.flush()
    edit_page(
        db_session,
        editor,
        page,
        1,
        f"Codename {SECRET.upper()}: buy the rival in May.\n",
        f"{SECRET} timing",
        Limits(),
    )
    create_page(db_session, editor, "Policy", "Book trains.\n", "", Limits())
    db_session.commit()
    search_now(app)
    delete_page(db_session, admin, page, "leaked too early")
    db_session.commit()


def _leaks(client) -> list[str]:
    found = []
    for url in PROBES:
        with client.get(url) as response:
            assert response.status_code < 500, url
            text = response.get_data(as_text=True).lower()
            if SECRET in text or (url in LIST_PROBES and TITLE.lower() in text):
                found.append(url)
    for url, data in FORMS:
        with client.post(url, data=data) as response:
            assert response.status_code < 500, url
            if SECRET in response.get_data(as_text=True).lower():
                found.append(f"POST {url}")
    return found


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_a_deleted_pages_words_reach_no_one_but_admins(client, auth, deleted_secret, role):
    auth.login(role)
    assert _leaks(client) == []


def test_anonymous_readers_see_nothing_of_a_deleted_page(database_url, tmp_path, deleted_secret):
    app = make_app(database_url, tmp_path, ANONYMOUS_READ=True)
    assert _leaks(app.test_client()) == []


def test_nothing_at_all_reaches_visitors_when_anonymous_reading_is_off(client, deleted_secret):
    for url in PROBES:
        with client.get(url) as response:
            assert response.status_code == 302, url
            assert "/-/login" in response.location


def test_admins_do_see_the_deleted_page_so_the_probes_reach_it(client, auth, deleted_secret):
    # The other tests would pass vacuously if the probes missed the page: here they find it.
    auth.login("admin")
    leaks = _leaks(client)
    assert set(PAGE_PROBES[:10]) - {f"/wiki/{SLUG}/diff?from=1&to=2"} <= set(leaks)
    for url in (
        "/-/recent",
        "/-/users/editor/contributions",
        "/-/users/admin/contributions",
        "/-/pages",
        "/-/search?q=rival",
        "/-/search?q=tag:deals",
        "/-/search/titles?q=acq",
    ):
        assert url in leaks
