"""The "All pages" index (/-/pages) and the site header and footer around every page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import event

from wiki.content import catalog
from wiki.content.pages import Limits, delete_page, rename_page
from wiki.db import get_database

from .conftest import make_app
from .helpers import edit, make_page


def titles_in(html: str) -> list[str]:
    """The page titles listed, in order (as the reader sees them, unescaped)."""
    return [
        unescape(t)
        for t in re.findall(r'class="all-pages-title page-title" href="[^"]*">([^<]*)</a>', html)
    ]


def letters_in(html: str) -> list[str]:
    """The letter headings the list is grouped under, in order."""
    return re.findall(r'<h2 class="all-pages-letter">([^<]*)</h2>', html)


def listed(client, auth, db_session, users, titles) -> str:
    """The All pages list, as a reader sees it, of a wiki with pages of these titles."""
    for title in titles:
        make_page(db_session, users["editor"], title)
    auth.login("reader")
    return client.get("/-/pages").get_data(as_text=True)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]*)"', html)
    return unescape(found.group(1)) if found else None


def test_pages_are_listed_alphabetically_ignoring_case_the_same_on_every_database(
    client, auth, db_session, users
):
    titles = [
        "banana",
        "Éclair",
        "Zebra",
        "apple pie",
        "Cherry",
        "eclipse",
        "2024 plan",
        "A team",
        "ábaco",
    ]
    html = listed(client, auth, db_session, users, titles)
    # By case-folded title without accents: digits, then a-z, accented letters with their base letter.
    assert titles_in(html) == [
        "2024 plan",
        "A team",
        "ábaco",
        "apple pie",
        "banana",
        "Cherry",
        "Éclair",
        "eclipse",
        "Zebra",
    ]
    assert letters_in(html) == ["0–9", "A", "B", "C", "E", "Z"]


def test_accented_and_plain_spellings_sit_together_and_other_scripts_follow_latin(
    client, auth, db_session, users
):
    titles = [
        "Zürich office",
        "Eclair",
        "Øresund bridge",
        "Éclair",
        "Œuvres",
        "Москва",
        "東京",
        "Oslo",
        "Ещё",
    ]
    html = listed(client, auth, db_session, users, titles)
    assert titles_in(html) == [
        "Eclair",
        "Éclair",
        "Œuvres",
        "Øresund bridge",
        "Oslo",
        "Zürich office",
        "Ещё",
        "Москва",
        "東京",
    ]
    assert letters_in(html) == ["E", "O", "Z", "Е", "М", "東"]


def test_a_renamed_page_moves_to_its_new_place_in_the_list(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Budget")
    page = make_page(db_session, users["editor"], "Zeta project")
    rename_page(db_session, users["editor"], page, "Ärger mit dem Drucker", "", Limits())
    db_session.commit()
    auth.login("reader")
    html = client.get("/-/pages").get_data(as_text=True)
    assert titles_in(html) == ["Ärger mit dem Drucker", "Budget"]
    assert letters_in(html) == ["A", "B"]


@pytest.mark.parametrize("code_point_collation", [True, False])
def test_the_order_does_not_depend_on_the_databases_collation(
    app, client, auth, db_session, users, code_point_collation
):
    # PostgreSQL: a database whose collation sorts by code point serves the order from the
    # slug index; any other gets an explicit COLLATE "C". Both give the same order.
    engine = get_database(app).engine
    if engine.dialect.name == "postgresql":
        catalog._code_point_order[engine] = code_point_collation
    app.config["PAGE_SIZE"] = 2
    for title in ["a-c", "Ab", "A b", "Zed", "éte", "ab2", "Ete", "Ève"]:
        make_page(db_session, users["editor"], title)
    auth.login("reader")
    seen, url = [], "/-/pages"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += titles_in(html)
        url = link(html, "next")
    assert seen == ["A b", "a-c", "Ab", "ab2", "Ete", "éte", "Ève", "Zed"]


def test_each_page_shows_when_and_by_whom_it_was_last_edited(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "v1\n")
    edit(db_session, users["admin"], page, "v2\n")
    auth.login("reader")
    html = client.get("/-/pages").get_data(as_text=True)
    item = html[html.index('class="all-pages-item') :]
    item = item[: item.index("</li>")]
    assert 'href="/wiki/travel"' in item
    assert 'by <a dir="auto" href="/-/users/admin/contributions">admin</a>' in item
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]*">\d{4}-\d\d-\d\d</time>', item)
    assert "2 revisions" in item


def test_the_list_is_paginated_with_keyset_cursors_both_ways(app, client, auth, db_session, users):
    app.config["PAGE_SIZE"] = 3
    expected = [f"Page {n:02d}" for n in range(1, 9)]
    for title in reversed(expected):
        make_page(db_session, users["editor"], title)
    auth.login("reader")
    statements = []
    engine = get_database(app).engine
    listener = lambda *args: statements.append((args[2], args[3]))  # noqa: E731  (a one-line event listener)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        first = client.get("/-/pages").get_data(as_text=True)
        assert titles_in(first) == expected[:3]
        assert link(first, "prev") is None and link(first, "next") == "/-/pages?after=page-03"

        seen, url, windows = [], "/-/pages", []
        while url:
            html = client.get(url).get_data(as_text=True)
            windows.append(titles_in(html))
            seen += windows[-1]
            url = link(html, "next")
        assert seen == expected and [len(w) for w in windows] == [3, 3, 2]

        last = client.get("/-/pages?after=page-06").get_data(as_text=True)
        assert link(last, "next") is None and link(last, "prev") == "/-/pages?before=page-07"
        back = client.get(link(last, "prev")).get_data(as_text=True)
        assert titles_in(back) == expected[3:6]
        assert (
            link(back, "prev") == "/-/pages?before=page-04"
            and link(back, "next") == "/-/pages?after=page-06"
        )
        start = client.get("/-/pages?before=page-04").get_data(as_text=True)
        assert titles_in(start) == expected[:3] and link(start, "prev") is None
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    # (SQLite's dialect always writes "LIMIT ? OFFSET ?"; its offset is then 0.)
    offsets = [params[-1] for sql, params in statements if "OFFSET" in sql.upper()]
    assert statements and offsets in ([], [0] * len(offsets))


def test_a_window_past_the_end_says_so_and_links_back(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Only page")
    auth.login("reader")
    html = client.get("/-/pages?after=zzz").get_data(as_text=True)
    assert titles_in(html) == [] and "No more pages here" in html and 'href="/-/pages"' in html


@pytest.mark.parametrize(
    "query, found",
    [
        ("%", ["50% off"]),
        ("_", ["snake_case"]),
        ("\\", ["back\\slash"]),
        ("/", ["a/b"]),
        ("e_c", ["snake_case"]),
        ("office MO", ["Office Move"]),
        ("DÉJÀ", ["Café Déjà", "Café Déjà vu"]),
        ("déjà vu", ["Café Déjà vu"]),
        ("  office   move ", ["Office Move"]),
        ("école", ["ÉCOLE normale"]),
        ("École NORMALE", ["ÉCOLE normale"]),
        ("strasse", ["Hauptstraße"]),
        ("x", ["backXslash", "snakeXcase"]),
    ],
)
def test_the_title_filter_is_a_case_insensitive_literal_substring_in_any_alphabet(
    client, auth, db_session, users, query, found
):
    for title in [
        "50% off",
        "500 reasons",
        "snake_case",
        "snakeXcase",
        "back\\slash",
        "backXslash",
        "a/b",
        "ab",
        "Office Move",
        "Office-move plan",
        "Café Déjà",
        "Café Déjà vu",
        "ÉCOLE normale",
        "Hauptstraße",
    ]:
        make_page(db_session, users["editor"], title)
    auth.login("reader")
    response = client.get("/-/pages", query_string={"q": query})
    assert response.status_code == 200
    assert titles_in(response.get_data(as_text=True)) == found


def test_a_filter_without_matches_says_so_and_is_escaped(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Policy")
    auth.login("reader")
    html = client.get("/-/pages", query_string={"q": "<b>zz</b>"}).get_data(as_text=True)
    assert "No page title contains “<bdi>&lt;b&gt;zz&lt;/b&gt;</bdi>”." in html
    assert "<b>zz</b>" not in html
    assert 'value="&lt;b&gt;zz&lt;/b&gt;"' in html  # the filter form keeps what was typed


def test_the_filter_is_kept_in_the_pager_links(app, client, auth, db_session, users):
    app.config["PAGE_SIZE"] = 2
    for title in ["Plan A", "Plan B", "Plan C", "Budget"]:
        make_page(db_session, users["editor"], title)
    auth.login("reader")
    first = client.get("/-/pages?q=plan").get_data(as_text=True)
    assert titles_in(first) == ["Plan A", "Plan B"]
    assert link(first, "next") == "/-/pages?q=plan&after=plan-b"
    second = client.get(link(first, "next")).get_data(as_text=True)
    assert (
        titles_in(second) == ["Plan C"] and link(second, "prev") == "/-/pages?q=plan&before=plan-c"
    )


def test_huge_or_odd_input_is_cut_down_not_an_error(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Policy")
    auth.login("reader")
    html = client.get("/-/pages", query_string={"q": "x" * 10_000}).get_data(as_text=True)
    assert 'value="' + "x" * 200 + '"' in html
    for args in [
        {"q": "pol\x00icy"},
        "q=%ff%fe%ed%a0%80",
        {"after": "\x00"},
        {"before": "x" * 5000},
        {"after": "é"},
        {"after": "page", "before": "zz"},
    ]:
        assert client.get("/-/pages", query_string=args).status_code == 200, args


def test_deleted_pages_are_listed_only_for_those_who_may_see_them(client, auth, pages):
    for role in ["reader", "editor"]:
        auth.login(role)
        html = client.get("/-/pages").get_data(as_text=True)
        assert titles_in(html) == ["Policy"], role
        assert "deleted" not in html.split("<main")[1]
        auth.logout()
    auth.login("admin")
    html = client.get("/-/pages").get_data(as_text=True)
    assert titles_in(html) == ["Old plan", "Policy"]
    old = html[html.index('href="/wiki/old-plan"') :]
    assert old.index('<span class="badge">deleted</span>') < old.index("</li>")


def test_hidden_deleted_pages_do_not_shorten_a_window(app, client, auth, db_session, users):
    app.config["PAGE_SIZE"] = 2
    for title in ["A1", "A2", "A3", "A4", "A5", "A6"]:
        page = make_page(db_session, users["editor"], title)
        if title in {"A2", "A3", "A4"}:
            delete_page(db_session, users["admin"], page, "")
            db_session.commit()
    auth.login("editor")
    first = client.get("/-/pages").get_data(as_text=True)
    assert titles_in(first) == ["A1", "A5"] and link(first, "next") == "/-/pages?after=a5"
    second = client.get("/-/pages?after=a5").get_data(as_text=True)
    assert titles_in(second) == ["A6"] and link(second, "next") is None
    back = client.get("/-/pages?before=a5").get_data(as_text=True)
    assert titles_in(back) == ["A1"] and link(back, "prev") is None


def test_anonymous_visitors_are_sent_to_log_in(client, users):
    response = client.get("/-/pages")
    assert response.status_code == 302
    assert response.location.startswith("/-/login?next=")


def test_with_anonymous_reading_visitors_see_the_pages_but_not_deleted_ones(
    database_url, tmp_path, pages
):
    app = make_app(database_url, tmp_path, ANONYMOUS_READ=True)
    try:
        html = app.test_client().get("/-/pages").get_data(as_text=True)
        assert titles_in(html) == ["Policy"]
        assert "Log in" in html and "user-menu" not in html and "New page" not in html
    finally:
        get_database(app).dispose()


def test_titles_are_escaped(client, auth, db_session, users):
    make_page(db_session, users["editor"], "<script>alert(1)</script> & <b>co</b>")
    auth.login("reader")
    html = client.get("/-/pages").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>co</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in html


def test_an_empty_wiki_invites_editors_to_create_the_first_page(client, auth, users):
    auth.login("editor")
    html = client.get("/-/pages").get_data(as_text=True)
    assert "No pages yet." in html
    assert '<a href="/-/new">Create the first page</a>' in html
    auth.logout()
    auth.login("reader")
    html = client.get("/-/pages").get_data(as_text=True)
    assert "No pages yet." in html and "Create the first page" not in html


# --- the header and footer on every page ---------------------------------------------------


def header_of(html: str) -> str:
    return html[html.index("<header") : html.index("</header>")]


def test_the_header_has_the_site_links_and_an_account_menu(client, auth, users):
    auth.login("editor")
    header = header_of(client.get("/-/pages").get_data(as_text=True))
    assert '<nav aria-label="Site"' in header
    assert '<a href="/-/pages" aria-current="page">All pages</a>' in header
    assert '<a href="/-/recent">Recent changes</a>' in header
    assert '<a href="/-/new">New page</a>' in header
    menu = header[header.index('<details class="user-menu">') : header.index("</details>")]
    assert (
        '<summary><span class="sr-only">Account menu for </span><span class="user-menu-name" dir="auto">editor</span></summary>'
        in menu
    )
    assert '<a href="/-/users/editor/contributions">My contributions</a>' in menu
    assert ">Log out</button>" in menu and 'action="/-/logout"' in menu
    assert "Admin" not in menu and "Log in" not in header
    # The search form that the search box's script relies on is unchanged.
    assert 'id="site-search-q"' in header and 'data-titles="/-/search/titles"' in header


def test_only_admins_get_the_admin_link_and_readers_no_new_page_link(client, auth, users):
    auth.login("admin")
    header = header_of(client.get("/-/recent").get_data(as_text=True))
    assert '<a href="/-/admin/users">Admin</a>' in header
    assert '<a href="/-/recent" aria-current="page">Recent changes</a>' in header
    auth.logout()
    auth.login("reader")
    header = header_of(client.get("/-/recent").get_data(as_text=True))
    assert "Admin" not in header and "New page" not in header and "My contributions" in header


def test_every_page_has_a_footer_and_the_autocomplete_stylesheet(client, auth, users):
    auth.login("reader")
    html = client.get("/-/recent").get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">') : html.index("</footer>")]
    assert 'href="/-/pages"' in footer and 'href="/-/recent"' in footer
    assert html.index("css/wiki.css") < html.index("css/autocomplete.css") < html.index("</head>")
    assert html.index("</main>") < html.index("<footer")
