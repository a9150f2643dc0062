"""Two people editing the same page never silently overwrite each other."""

from __future__ import annotations

import threading
from html import escape as html_escape
from html import unescape as html_unescape

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wiki.content.merge import END_MARKER, MID_MARKER, START_MARKER
from wiki.content.pages import Limits, edit_page
from wiki.db import get_database
from wiki.errors import EditConflict
from wiki.models import Revision

from .conftest import Auth
from .helpers import edit, make_page

BASE = "# Travel\n\nTrains under four hours.\n\nHotels up to 120 EUR.\n\nReceipts within 30 days.\n"


def bodies(db_session, page):
    db_session.rollback()
    return [
        r.body
        for r in db_session.scalars(
            select(Revision).where(Revision.page_id == page.id).order_by(Revision.number)
        )
    ]


def test_non_overlapping_edits_from_the_same_base_are_merged(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", BASE)
    edit(db_session, users["admin"], page, BASE.replace("30 days", "14 days"), base=1)
    auth.login("editor")
    response = client.post(
        "/wiki/travel/edit",
        data={
            "body": BASE.replace("four hours", "five hours"),
            "summary": "longer trips",
            "base": "1",
        },
    )
    assert response.status_code == 302
    assert bodies(db_session, page)[-1] == BASE.replace("four hours", "five hours").replace(
        "30 days", "14 days"
    )
    assert "your changes were merged" in client.get("/wiki/travel").get_data(as_text=True)


def test_overlapping_edits_show_a_conflict_page_with_the_users_text_intact(
    client, auth, db_session, users
):
    page = make_page(db_session, users["editor"], "Travel", BASE)
    edit(db_session, users["admin"], page, BASE.replace("120 EUR", "100 EUR"), base=1)
    auth.login("editor")
    mine = BASE.replace("120 EUR", "150 EUR")
    response = client.post(
        "/wiki/travel/edit", data={"body": mine, "summary": "raise", "base": "1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Edit conflict" in html
    assert "150 EUR" in html and "100 EUR" in html  # both texts are shown
    assert '<textarea id="mine" readonly rows="20">' + mine in html
    assert 'name="base" value="2"' in html  # resolving saves on top of the current revision
    assert bodies(db_session, page) == [BASE, BASE.replace("120 EUR", "100 EUR")]


def test_the_conflict_page_keeps_the_users_tags(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", BASE)
    edit(db_session, users["admin"], page, BASE.replace("120 EUR", "100 EUR"), base=1)
    auth.login("editor")
    response = client.post(
        "/wiki/travel/edit",
        data={
            "body": BASE.replace("120 EUR", "150 EUR"),
            "summary": "",
            "base": "1",
            "tags": "Finance, travel",
        },
    )
    assert response.status_code == 409
    assert 'name="tags" dir="auto" value="finance, travel"' in response.get_data(as_text=True)


def test_the_resolved_conflict_saves_as_a_new_revision(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", BASE)
    edit(db_session, users["admin"], page, BASE.replace("120 EUR", "100 EUR"), base=1)
    auth.login("editor")
    resolved = BASE.replace("120 EUR", "110 EUR")
    response = client.post("/wiki/travel/edit", data={"body": resolved, "summary": "", "base": "2"})
    assert response.status_code == 302
    assert bodies(db_session, page)[-1] == resolved


def test_the_same_edit_submitted_twice_creates_one_revision(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", BASE)
    auth.login("editor")
    data = {"body": BASE + "\nMore.\n", "summary": "", "base": "1"}
    assert client.post("/wiki/travel/edit", data=data).status_code == 302
    assert client.post("/wiki/travel/edit", data=data).status_code == 302  # double click
    assert len(bodies(db_session, page)) == 2


def test_the_database_refuses_two_revisions_with_the_same_number(db_session, users):
    page = make_page(db_session, users["editor"], "Travel", BASE)
    first = db_session.scalars(select(Revision).where(Revision.page_id == page.id)).one()
    db_session.add(
        Revision(
            page_id=page.id,
            number=1,
            author_id=first.author_id,
            kind=first.kind,
            summary="",
            title="Travel",
            body="x",
            size=1,
            size_delta=0,
        )
    )
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def _run_concurrently(functions):
    """Start all functions at the same moment in threads; return their results or errors."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(index, function):
        barrier.wait()
        try:
            results[index] = function()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[index] = exc

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_truly_concurrent_saves_on_the_same_base_never_both_win(app, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", BASE)
    database = get_database(app)

    for attempt in range(5):
        current = bodies(db_session, page)[-1]
        base_number = len(bodies(db_session, page))
        texts = [current.replace("EUR", f"EUR (take {attempt}{who})") for who in "ab"]

        def save_from(text, username, base=base_number):
            with database.session(write=True) as session:
                author = session.get(type(users[username]), users[username].id)
                target = session.get(type(page), page.id)
                result = edit_page(session, author, target, base, text, "", Limits())
                session.commit()
                return result.revision.number

        results = _run_concurrently(
            [
                lambda mine=texts[0]: save_from(mine, "editor"),
                lambda mine=texts[1]: save_from(mine, "admin"),
            ]
        )
        winners = [r for r in results if isinstance(r, int)]
        conflicts = [r for r in results if isinstance(r, EditConflict)]
        assert len(winners) == 1 and len(conflicts) == 1, results
        assert conflicts[0].mine in texts  # the loser's text comes back to them
        assert bodies(db_session, page)[-1] in texts
    numbers = [
        r.number for r in db_session.scalars(select(Revision).where(Revision.page_id == page.id))
    ]
    assert sorted(numbers) == list(range(1, 7))


def test_concurrent_non_overlapping_saves_both_land(app, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", BASE)
    database = get_database(app)

    def save_from(text, username):
        with database.session(write=True) as session:
            author = session.get(type(users[username]), users[username].id)
            target = session.get(type(page), page.id)
            edit_page(session, author, target, 1, text, "", Limits())
            session.commit()

    results = _run_concurrently(
        [
            lambda: save_from(BASE.replace("four hours", "five hours"), "editor"),
            lambda: save_from(BASE.replace("30 days", "14 days"), "admin"),
        ]
    )
    assert results == [None, None]
    assert bodies(db_session, page)[-1] == BASE.replace("four hours", "five hours").replace(
        "30 days", "14 days"
    )


def test_concurrent_form_posts_from_two_browsers(app, db_session, users):
    make_page(db_session, users["editor"], "Travel", BASE)
    browsers = []
    for username in ("editor", "admin"):
        browser = app.test_client()
        Auth(browser).login(username)
        browsers.append(browser)

    def post(browser, text):
        return browser.post(
            "/wiki/travel/edit", data={"body": text, "summary": "", "base": "1"}
        ).status_code

    statuses = _run_concurrently(
        [
            lambda: post(browsers[0], BASE.replace("120 EUR", "150 EUR")),
            lambda: post(browsers[1], BASE.replace("120 EUR", "90 EUR")),
        ]
    )
    assert sorted(statuses) == [302, 409]


def _conflict(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", BASE)
    edit(db_session, users["admin"], page, BASE.replace("120 EUR", "100 EUR"), base=1)
    auth.login("editor")
    response = client.post(
        "/wiki/travel/edit", data={"body": BASE.replace("120 EUR", "150 EUR"), "base": "1"}
    )
    assert response.status_code == 409
    return page, _carried(response.get_data(as_text=True), "merged")


def _carried(html: str, name: str) -> str:
    """The text the conflict screen's form carries in its hidden field ``name``."""
    text = html.split(f'<textarea name="{name}" hidden aria-hidden="true" tabindex="-1">')[1]
    return html_unescape(text.split("</textarea>")[0])


def test_saving_from_the_conflict_screen_with_markers_left_is_refused_and_the_text_comes_back(
    client, auth, db_session, users
):
    page, merged = _conflict(client, auth, db_session, users)
    assert START_MARKER in merged
    response = client.post(
        "/wiki/travel/edit", data={"body": merged, "summary": "oops", "base": "2", "resolving": "1"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "still has conflict markers" in html
    assert html_escape(merged) in html  # nothing typed is lost
    assert 'name="resolving" value="1"' in html  # and it stays refused until resolved
    assert len(bodies(db_session, page)) == 2

    resolved = merged.replace(f"{START_MARKER}\n", "").replace(
        f"{MID_MARKER}\nHotels up to 100 EUR.\n{END_MARKER}\n", ""
    )
    response = client.post(
        "/wiki/travel/edit", data={"body": resolved, "base": "2", "resolving": "1"}
    )
    assert response.status_code == 302
    assert bodies(db_session, page)[-1] == BASE.replace("120 EUR", "150 EUR")


def test_marker_lines_typed_in_an_ordinary_edit_are_saved_as_written(
    client, auth, db_session, users
):
    page = make_page(db_session, users["editor"], "Git", "How to read a merge.\n")
    auth.login("editor")
    body = f"How to read a merge.\n\n```\n{START_MARKER}\nmine\n{MID_MARKER}\ntheirs\n{END_MARKER}\n```\n"
    assert client.post("/wiki/git/edit", data={"body": body, "base": "1"}).status_code == 302
    assert bodies(db_session, page)[-1] == body


def test_the_conflict_preview_shows_each_clash_as_both_versions_side_by_side(
    client, auth, db_session, users
):
    _, merged = _conflict(client, auth, db_session, users)
    reply = client.post("/-/preview?conflicts=1", data={"body": merged})
    html = reply.get_json()["html"]
    assert reply.status_code == 200
    mine, theirs = html.split('class="conflict-side conflict-theirs"')
    assert "Your version" in mine and "150 EUR" in mine and "100 EUR" not in mine
    assert "Saved meanwhile" in theirs and "100 EUR" in theirs
    assert "Trains under four hours" in html and "<h1" in html  # the plain parts as usual
    assert "=======" not in html and "&lt;&lt;&lt;" not in html and "<blockquote>" not in html

    # The editor's ordinary preview reads the same text as Markdown, markers and all.
    assert (
        "conflict-block" not in client.post("/-/preview", data={"body": merged}).get_json()["html"]
    )


TABLE = "# Rates\n\n| City | Hotel |\n| --- | --- |\n| Paris | 120 EUR |\n| Oslo | 150 EUR |\n"


def _table_conflict(client, auth, db_session, users):
    """The admin changed Paris to 130 EUR meanwhile; the editor posts 140 EUR."""
    page = make_page(db_session, users["editor"], "Rates", TABLE)
    edit(db_session, users["admin"], page, TABLE.replace("120 EUR", "130 EUR"), base=1)
    auth.login("editor")
    mine = TABLE.replace("120 EUR", "140 EUR")
    response = client.post(
        "/wiki/rates/edit",
        data={"body": mine, "base": "1", "summary": "new rate", "tags": "travel"},
    )
    assert response.status_code == 409
    return page, response.get_data(as_text=True)


def _resolve_form(html: str, **choices) -> dict:
    """The conflict screen's form as a person sends it, with their choices."""
    return {
        "merged": _carried(html, "merged"),
        "mine": _carried(html, "mine"),
        "base": "2",
        "base_original": "1",
        "summary": "new rate",
        "tags": "travel",
        **choices,
    }


def test_the_conflict_screen_names_who_saved_meanwhile_and_shows_each_clash_side_by_side(
    client, auth, db_session, users
):
    _page, html = _table_conflict(client, auth, db_session, users)
    assert "<bdi>admin</bdi> saved this page (revision 2) on <time" in html
    assert "touch the same lines in 1 place." in html
    assert "<legend>Clash 1 of 1</legend>" in html
    mine, theirs = html.split('class="clash-side conflict-theirs"')
    assert "| Paris | 140 EUR |" in mine.split('class="clash-side conflict-mine"')[1]
    assert "| Paris | 130 EUR |" in theirs.split("</section>")[0]
    assert "Theirs (<bdi>admin</bdi>)" in html
    assert "| City | Hotel |" in html  # the table's head, as context above the clash
    for choice in ("Keep yours", "Keep theirs", "Keep both (yours first)", "Edit by hand"):
        assert choice in html
    # No marker syntax to read or edit: the markers only travel in the form's hidden field.
    visible = html.replace(_carried(html, "merged").replace("<", "&lt;").replace(">", "&gt;"), "")
    assert "&lt;&lt;&lt;" not in visible and "=======" not in visible


@pytest.mark.parametrize(
    ("choices", "row"),
    [
        ({"choice-1": "mine"}, "| Paris | 140 EUR |\n"),
        ({"choice-1": "theirs"}, "| Paris | 130 EUR |\n"),
        ({"choice-1": "both"}, "| Paris | 140 EUR |\n| Paris | 130 EUR |\n"),
        (
            {"choice-1": "hand", "hand-1": "| Paris | 135 EUR |\r\n"},
            "| Paris | 135 EUR |\n",
        ),
    ],
)
def test_each_clash_is_kept_as_chosen_and_saved_on_top_of_theirs(
    client, auth, db_session, users, choices, row
):
    page, html = _table_conflict(client, auth, db_session, users)
    response = client.post("/wiki/rates/edit", data=_resolve_form(html, **choices))
    assert response.status_code == 302
    saved = bodies(db_session, page)
    assert len(saved) == 3
    assert saved[-1] == TABLE.replace("| Paris | 120 EUR |\n", row)


def test_a_save_with_a_clash_undecided_is_refused_with_everything_kept(
    client, auth, db_session, users
):
    page, html = _table_conflict(client, auth, db_session, users)
    refused = client.post(
        "/wiki/rates/edit", data=_resolve_form(html, **{"hand-1": "| Paris | 99 EUR |"})
    )
    again = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Choose what to keep where the texts clash (still open: 1)." in again
    assert "| Paris | 99 EUR |</textarea>" in again  # what was typed by hand
    assert 'value="new rate"' in again and 'value="travel"' in again
    assert "<bdi>admin</bdi> saved this page (revision 2)" in again  # the explanation
    assert _carried(again, "mine") == TABLE.replace("120 EUR", "140 EUR")  # and both texts
    assert '<textarea id="theirs" readonly rows="20">' in again and "130 EUR" in again
    assert len(bodies(db_session, page)) == 2

    chosen = client.post(
        "/wiki/rates/edit", data=_resolve_form(html, **{"choice-1": "theirs", "action": "preview"})
    ).get_data(as_text=True)
    assert 'value="theirs" checked' in chosen
    assert "<table>" in chosen.split('id="conflict-preview"')[1]  # the table renders whole
    assert len(bodies(db_session, page)) == 2  # a preview saves nothing


def test_a_page_saved_again_while_resolving_brings_a_new_conflict_with_the_resolved_text(
    client, auth, db_session, users
):
    page, html = _table_conflict(client, auth, db_session, users)
    edit(db_session, users["admin"], page, TABLE.replace("120 EUR", "125 EUR"), base=2)
    response = client.post("/wiki/rates/edit", data=_resolve_form(html, **{"choice-1": "mine"}))
    assert response.status_code == 409
    again = response.get_data(as_text=True)
    assert _carried(again, "mine") == TABLE.replace("120 EUR", "140 EUR")
    assert "(revision 3)" in again and 'name="base" value="3"' in again
    assert len(bodies(db_session, page)) == 3
