"""Titles people can trust: distinct titles get distinct addresses, look-alikes and hidden
characters are refused by name, and user text is shown bidi-isolated."""

from __future__ import annotations

import re

import pytest

from wiki.content.pages import Limits, create_page, find_page, rename_page
from wiki.errors import InvalidInput
from wiki.models import Page, utcnow
from wiki.slugs import slugify

from .helpers import make_page


def refusal(session, author, title) -> str:
    with pytest.raises(InvalidInput) as caught:
        create_page(session, author, title, "Text.\n", "", Limits())
    session.rollback()
    return caught.value.errors["title"]


def test_titles_that_differ_only_in_symbols_get_distinct_addresses(db_session, users):
    author = users["editor"]
    slugs = {title: make_page(db_session, author, title).slug for title in ("C++", "C#", "C")}
    assert slugs == {"C++": "c-plus-plus", "C#": "c-sharp", "C": "c"}
    assert make_page(db_session, author, "Q&A").slug == "q-and-a"
    assert make_page(db_session, author, "Q/A").slug == "q-slash-a"
    # Ordinary titles keep the slugs they always had.
    assert slugify("Lessons learned: 2024 office move") == "lessons-learned-2024-office-move"
    assert slugify("Node.js") == "node-js"


def test_a_path_like_title_takes_no_other_address(db_session, users):
    author = users["editor"]
    make_page(db_session, author, "Admin")
    for title in ("../../admin", "-/admin"):
        page = make_page(db_session, author, title)
        assert "/" not in page.slug and page.slug != "admin", title
    assert find_page(db_session, "admin")[0].title == "Admin"


def test_a_title_that_still_collides_names_the_page(db_session, users):
    make_page(db_session, users["editor"], "C++")
    assert "C plus plus would have the same address as the page C++" in refusal(
        db_session, users["editor"], "C plus plus"
    )
    assert refusal(db_session, users["editor"], "c++") == "A page called C++ already exists."


def test_look_alikes_are_refused_naming_the_page(db_session, users):
    make_page(db_session, users["editor"], "Admin")
    message = refusal(db_session, users["editor"], "\u0410dmin")  # Cyrillic А
    assert message.startswith("\u0410dmin looks like the page Admin")


def test_invisible_characters_are_refused_by_name(db_session, users):
    message = refusal(db_session, users["editor"], "Ad\u200bmin")
    assert "U+200B ZERO WIDTH SPACE" in message
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in refusal(
        db_session, users["editor"], "Invoice\u202egpj.exe"
    )
    # A Persian word needs its zero-width non-joiner.
    make_page(db_session, users["editor"], "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")


def test_a_word_mixing_scripts_is_refused(db_session, users):
    message = refusal(db_session, users["editor"], "M\u043eskva plan")  # Cyrillic о
    assert "mixes" in message and "Cyrillic" in message and "Latin" in message


def test_renaming_to_a_look_alike_is_refused(db_session, users):
    author = users["editor"]
    make_page(db_session, author, "Admin")
    other = make_page(db_session, author, "Budget")
    with pytest.raises(InvalidInput) as caught:
        rename_page(db_session, author, other, "\u0410dmin", "", Limits())
    assert "looks like the page Admin" in caught.value.errors["title"]
    db_session.rollback()
    # A page may change the capitals of its own title.
    page = find_page(db_session, "admin")[0]
    rename_page(db_session, author, page, "ADMIN", "", Limits())


def test_the_form_explains_the_refusal_and_keeps_what_was_typed(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Admin")
    auth.login("editor")
    reply = client.post("/-/new", data={"title": "\u0410dmin", "body": "x", "summary": ""})
    html = reply.get_data(as_text=True)
    assert reply.status_code in (200, 400, 422)
    assert "looks like the page Admin" in html
    assert 'value="\u0410dmin"' in html
    reply = client.post("/-/new", data={"title": "Ad\u200bmin", "body": "x", "summary": ""})
    html = reply.get_data(as_text=True)
    assert "U+200B ZERO WIDTH SPACE" in html and 'value="Ad\u200bmin"' in html


TRICK = "Invoice\u202egpj.exe"


def test_a_reversing_title_is_isolated_wherever_it_is_shown(client, auth, db_session, users):
    # Made before titles were checked: such pages may exist.
    page = make_page(db_session, users["editor"], "Invoice placeholder")
    kept = make_page(db_session, users["editor"], "Invoice kept")
    for one in (page, kept):
        db_session.execute(Page.__table__.update().values(title=TRICK).where(Page.id == one.id))
    page.current.summary = TRICK
    page.current.tags = "x" + TRICK
    page.updated_at = utcnow()
    db_session.commit()
    auth.login("admin")
    client.post(f"/wiki/{page.slug}/rename", data={"title": "Invoice 2", "summary": TRICK})
    client.post("/wiki/invoice-2/rename", data={"title": "Invoice 3", "summary": ""})
    urls = [
        "/wiki/invoice-3",
        "/wiki/invoice-3/history",
        "/wiki/invoice-3/rev/1",
        "/wiki/invoice-3/diff/1/2",
        "/wiki/invoice-3/blame",
        "/-/pages",
        "/-/recent",
        "/-/users/editor/contributions",
        "/-/admin/audit",
    ]
    for url in urls:
        html = client.get(url).get_data(as_text=True)
        assert TRICK in html, url
        for found in re.finditer(re.escape(TRICK), html):
            before = html[: found.start()]
            inside_bdi = before.rfind("<bdi>") > before.rfind("</bdi>")
            tag_open = before.rfind("<")
            in_dir_auto = bool(
                re.search(r'<[a-z0-9]+ [^>]*dir="auto"[^>]*>[^<]*$', before[tag_open - 200 :])
            )
            isolated = before.endswith("\u2068")
            in_title = before.rfind("<title>") > before.rfind("</title>")
            assert inside_bdi or in_dir_auto or isolated, (url, html[found.start() - 120 :][:200])
            if in_title:
                assert isolated, url
