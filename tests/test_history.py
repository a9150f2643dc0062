"""History, revisions, diffs, blame, restore, recent changes and contributions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from wiki.content.diffing import MAX_SHOWN_LINES
from wiki.content.history import BLAME_LINE_CHARS, BLAME_WINDOW_LINES
from wiki.content.pages import Limits, create_page
from wiki.models import Revision, RevisionKind

from .helpers import edit, make_page


def test_history_lists_revisions_newest_first_with_author_and_summary(
    client, auth, db_session, users
):
    page = make_page(db_session, users["editor"], "Travel", "v1\n", summary="start")
    edit(db_session, users["admin"], page, "v2\n", summary="second thoughts")
    auth.login("reader")
    html = client.get("/wiki/travel/history").get_data(as_text=True)
    assert html.index("second thoughts") < html.index("start")
    assert "/-/people/admin" in html and "/-/people/editor" in html


def test_history_is_paginated_with_stable_cursors(app, client, auth, db_session, users):
    app.config["PAGE_SIZE"] = 5
    page = make_page(db_session, users["editor"], "Busy", "0\n")
    for n in range(1, 12):
        edit(db_session, users["editor"], page, f"{n}\n", summary=f"edit number {n}")
    auth.login("reader")
    first = client.get("/wiki/busy/history").get_data(as_text=True)
    assert "edit number 11" in first and "edit number 7" in first and "edit number 6" not in first
    assert "/wiki/busy/history?before=8" in first
    second = client.get("/wiki/busy/history?before=8").get_data(as_text=True)
    # revision n+1 holds "edit number n"
    assert "edit number 6" in second and "edit number 2" in second
    assert "edit number 7" not in second and "edit number 1<" not in second
    assert "/wiki/busy/history?after=7" in second
    newer = client.get("/wiki/busy/history?after=7").get_data(as_text=True)
    assert "edit number 11" in newer and "edit number 7" in newer and "edit number 6" not in newer
    last = client.get("/wiki/busy/history?before=3").get_data(as_text=True)
    assert "Older" not in last


def test_any_old_revision_can_be_viewed_rendered_and_as_markdown(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "**old** text\n")
    edit(db_session, users["editor"], page, "new text\n")
    auth.login("reader")
    rendered = client.get("/wiki/travel/rev/1").get_data(as_text=True)
    assert "<strong>old</strong>" in rendered and "revision 1 of 2" in rendered
    raw = client.get("/wiki/travel/rev/1/raw")
    assert raw.mimetype == "text/plain" and raw.get_data(as_text=True) == "**old** text\n"
    assert client.get("/wiki/travel/rev/9").status_code == 404


def test_a_diff_shows_added_and_removed_lines_with_word_highlights(client, auth, db_session, users):
    page = make_page(
        db_session, users["editor"], "Travel", "Trains under four hours.\nKeep receipts.\n"
    )
    edit(
        db_session,
        users["editor"],
        page,
        "Trains under five hours.\nKeep receipts.\nNew line <b>.\n",
    )
    auth.login("reader")
    html = client.get("/wiki/travel/diff/1/2").get_data(as_text=True)
    assert "<del>four</del>" in html and "<ins>five</ins>" in html
    assert "New line &lt;b&gt;." in html
    side = client.get("/wiki/travel/diff/1/2?view=side").get_data(as_text=True)
    assert "side-by-side" in side and "<ins>five</ins>" in side


def test_the_compare_form_leads_to_the_stable_diff_url(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "a\n")
    edit(db_session, users["editor"], page, "b\n")
    auth.login("reader")
    response = client.get("/wiki/travel/diff?from=2&to=1&view=side")
    assert response.location == "/wiki/travel/diff/1/2?view=side"
    assert client.get("/wiki/travel/diff?from=x").status_code == 302


def test_a_diff_of_a_huge_one_line_paragraph_does_not_hang(client, auth, db_session, users):
    words = " ".join(f"word{n}" for n in range(15_000))  # ~130 KB on one line
    page = make_page(db_session, users["editor"], "Long", words + "\n")
    edit(db_session, users["editor"], page, words.replace("word7500 ", "changed ") + "\n")
    auth.login("reader")
    response = client.get("/wiki/long/diff/1/2")
    assert response.status_code == 200
    assert "<ins>changed</ins>" in response.get_data(as_text=True)


@pytest.mark.parametrize("view", ["", "?view=side"], ids=["inline", "side by side"])
def test_a_diff_too_large_to_show_says_what_it_leaves_out_and_links_both_whole_texts(
    client, auth, db_session, users, view
):
    lines = 3 * MAX_SHOWN_LINES  # every one changed: twice as many changed lines
    page = make_page(
        db_session, users["editor"], "Big", "".join(f"old line {n}\n" for n in range(lines))
    )
    edit(db_session, users["editor"], page, "".join(f"new line {n}\n" for n in range(lines)))
    auth.login("reader")
    response = client.get(f"/wiki/big/diff/1/2{view}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = html.count("<ins>new</ins>")
    assert 0 < shown <= MAX_SHOWN_LINES
    assert f"{2 * lines - 2 * shown:,} more changed lines are not shown" in html
    assert 'href="/wiki/big/rev/1/raw"' in html and 'href="/wiki/big/rev/2/raw"' in html
    assert f"+{lines} lines" in html and f"−{lines} lines" in html  # the counts stay whole
    assert len(html) < 300_000


def test_a_small_diff_is_shown_whole_without_a_notice(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Small", "".join(f"{n}\n" for n in range(50)))
    edit(db_session, users["editor"], page, "".join(f"{n} changed\n" for n in range(50)))
    auth.login("reader")
    html = client.get("/wiki/small/diff/1/2").get_data(as_text=True)
    assert html.count("<ins> changed</ins>") == 50
    assert "not shown" not in html and "/raw" not in html


def test_blame_of_a_long_page_shows_it_in_windows_of_lines(client, auth, db_session, users):
    total = 2 * BLAME_WINDOW_LINES + 10
    body = "".join(f"line {n}\n" for n in range(1, total + 1))
    make_page(db_session, users["editor"], "Long", body.replace("line 7\n", "x" * 5_000 + "\n"))
    auth.login("reader")

    def numbers(html):
        return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html)]

    first = client.get("/wiki/long/blame").get_data(as_text=True)
    assert numbers(first) == list(range(1, BLAME_WINDOW_LINES + 1))
    assert f"Lines 1–{BLAME_WINDOW_LINES} of {total:,}" in first
    assert 'href="/wiki/long/rev/1/raw"' in first
    assert "x" * BLAME_LINE_CHARS + "</code>" in first
    assert f"{5_000 - BLAME_LINE_CHARS:,} characters not shown" in first
    later = re.search(r'href="([^"]+)" rel="next">Later lines', first).group(1)
    middle = client.get(later).get_data(as_text=True)
    assert numbers(middle) == list(range(BLAME_WINDOW_LINES + 1, 2 * BLAME_WINDOW_LINES + 1))
    assert "Earlier lines" in middle and "Later lines" in middle
    last = client.get("/wiki/long/blame?from=999999").get_data(as_text=True)
    assert numbers(last) == list(range(total - BLAME_WINDOW_LINES + 1, total + 1))
    assert "Later lines" not in last


def test_blame_names_the_revision_and_author_of_each_line(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "line one\nline two\n")
    edit(db_session, users["admin"], page, "line one\nline two changed\nline three\n")
    auth.login("reader")
    html = client.get("/wiki/travel/blame").get_data(as_text=True)
    rows = html.split("<tr")[2:]  # skip the header row
    assert len(rows) == 3
    assert "/wiki/travel/rev/1" in rows[0] and "editor" in rows[0] and "line one" in rows[0]
    assert "/wiki/travel/rev/2" in rows[1] and "admin" in rows[1] and "line two changed" in rows[1]
    assert "line three" in rows[2]


def test_an_admin_restores_an_old_revision_as_a_new_revision(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "good text\n")
    edit(db_session, users["editor"], page, "vandalised\n")
    auth.login("admin")
    response = client.post(
        "/wiki/travel/rev/1/restore", data={"current": "2", "reason": "undo the vandalism"}
    )
    assert response.status_code == 302
    db_session.rollback()
    revisions = list(
        db_session.scalars(
            select(Revision).where(Revision.page_id == page.id).order_by(Revision.number)
        )
    )
    assert [r.body for r in revisions] == ["good text\n", "vandalised\n", "good text\n"]
    assert revisions[-1].kind is RevisionKind.RESTORE
    assert revisions[-1].summary == "Restored revision 1 (by editor) — undo the vandalism"
    assert revisions[-1].author.username == "admin"
    assert "good text" in client.get("/wiki/travel").get_data(as_text=True)


def test_restoring_the_current_text_is_refused_with_a_message(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "same\n")
    edit(db_session, users["editor"], page, "other\n")
    edit(db_session, users["editor"], page, "same\n")
    auth.login("admin")
    response = client.post("/wiki/travel/rev/1/restore", data={"current": "3"})
    page_html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "same text, tags and fields as the current revision 3" in page_html
    assert "Restore revision 1</button>" not in page_html


def test_an_editor_cannot_restore_a_revision(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "good\n")
    edit(db_session, users["editor"], page, "bad\n")
    auth.login("editor")
    assert client.get("/wiki/travel/rev/1/restore").status_code == 403
    assert client.post("/wiki/travel/rev/1/restore", data={"current": "2"}).status_code == 403
    assert "Restore this revision" not in client.get("/wiki/travel/rev/1").get_data(as_text=True)
    assert "restore" not in client.get("/wiki/travel/history").get_data(
        as_text=True
    ).lower().replace("restored", "")


def test_recent_changes_lists_all_pages_newest_first(client, auth, db_session, users):
    alpha = make_page(db_session, users["editor"], "Alpha", "a\n", summary="alpha made")
    make_page(db_session, users["admin"], "Beta", "b\n", summary="beta made")
    edit(db_session, users["editor"], alpha, "a2\n", summary="alpha edited")
    auth.login("reader")
    html = client.get("/-/recent").get_data(as_text=True)
    assert html.index("alpha edited") < html.index("beta made") < html.index("alpha made")


def test_recent_changes_link_to_each_page_revision_and_diff_whatever_the_title(
    client, auth, db_session, users
):
    from wiki.content import spaces

    space = spaces.create_space(
        db_session, users["admin"], "ops", "Operations", open_to_signed_in=True
    )
    made = create_page(
        db_session, users["editor"], "C++ & Q/A: 100% ?#", "v1\n", "", Limits(), space=space
    ).page
    db_session.commit()
    edit(db_session, users["editor"], made, "v2\n", summary="second")
    auth.login("reader")
    html = client.get("/-/recent").get_data(as_text=True)
    links = re.findall(r'href="(/wiki/ops:[^"]*)"', html)
    assert links
    for link in dict.fromkeys(links):
        assert client.get(link).status_code == 200, link
    assert any(link.endswith("/rev/2") for link in links)
    assert any(link.endswith("/diff/1/2") for link in links)


def test_recent_changes_are_paginated(app, client, auth, db_session, users):
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        make_page(db_session, users["editor"], f"Page {n}", "x\n", summary=f"made {n}")
    auth.login("reader")
    first = client.get("/-/recent").get_data(as_text=True)
    assert "made 4" in first and "made 3" in first and "made 2" not in first
    assert "Older" in first


def test_contributions_list_one_users_edits(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Alpha", "a\n", summary="by editor")
    make_page(db_session, users["admin"], "Beta", "b\n", summary="by admin")
    auth.login("reader")
    html = client.get("/-/users/editor/contributions").get_data(as_text=True)
    assert "by editor" in html and "by admin" not in html
    assert client.get("/-/users/nobody/contributions").status_code == 404
