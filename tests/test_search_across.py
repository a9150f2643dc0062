"""Search across everything: facets that count and narrow within what each reader may
read, results by date, files as results of their own, and text removed from pages found
with "include history".
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from tests.helpers import attach, edit, make_page
from wiki.access import restrictions
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, delete_page
from wiki.content.records import page_templates
from wiki.models import Revision
from wiki.search.backend import RemovedPassage
from wiki.search.old_text import MAX_PASSAGE_CHARS, RevisionText, removed_passages

from .test_search import search_now

WHEN = datetime(2026, 3, 1, tzinfo=UTC)


def _results(client, **args) -> str:
    response = client.get("/-/search", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _facet(html: str, name: str) -> dict[str, int]:
    """``{label: count}`` of one facet of a results page."""
    section = re.search(rf'<section class="facet" data-facet="{name}">(.*?)</section>', html, re.S)
    if section is None:
        return {}
    return {
        label: int(count)
        for label, count in re.findall(
            r'<span dir="auto">([^<]*)</span></a> <span class="count">(\d+)</span>',
            section.group(1),
        )
    }


def _nothing(html: str) -> bool:
    return "Nothing found" in html or "0 results found" in html


def _kinds(html: str) -> list[str]:
    return re.findall(r'<li class="hit-(\w+)">', html)


@pytest.fixture
def world(app, db_session, users):
    """Two spaces; a lesson in each (with fields), a restricted page, a file, and a page
    that lost a paragraph."""
    editor, admin = users["editor"], users["admin"]
    ops = spaces.create_space(db_session, admin, "ops", "Operations", "")
    db_session.commit()

    def lesson(title, space, values, body_extra=""):
        start = page_templates.start(db_session, editor, space, "lessons-learned", WHEN.date())
        assert start is not None
        return create_page(
            db_session,
            editor,
            title,
            start.body + f"\nThe forklift {body_extra}\n",
            "",
            Limits(),
            tags="logistics, warehouse",
            space=space,
            record=start.record.with_values(values),
        ).page

    main = spaces.default_space(db_session)
    dock = lesson("Dock doors", main, {"team": "Logistics", "severity": "high"}, "jammed")
    lift = lesson("Lift outage", ops, {"team": "Facilities", "severity": "low"}, "stalled")
    secret = lesson("Secret forklift deal", ops, {"team": "Board", "severity": "high"}, "sold")
    db_session.commit()
    restrictions.set_restriction(db_session, admin, secret, "read", "", "editor")
    db_session.commit()
    attach(db_session, editor, lift, "Forklift manual.txt", b"Forklift hydraulics service.\n")
    memo = make_page(
        db_session,
        editor,
        "Parking memo",
        "Staff park in the west lot.\n\nVisitors used the zebra garage until March.\n",
    )
    edit(db_session, users["admin"], memo, "Staff park in the west lot.\n")
    search_now(app)
    return {"dock": dock, "lift": lift, "secret": secret, "memo": memo, "ops": ops}


# --------------------------------------------------------------------------- facets


def test_facets_count_what_the_reader_may_read(client, auth, world):
    auth.login("reader")
    html = _results(client, q="forklift")
    assert _facet(html, "type") == {"page": 2, "file": 1}
    assert _facet(html, "space") == {"Main": 1, "Operations": 2}
    assert _facet(html, "field:team") == {"Logistics": 1, "Facilities": 2}
    assert _facet(html, "field:severity") == {"high": 1, "low": 2}
    assert _facet(html, "tag") == {"logistics": 3, "warehouse": 3}
    assert "Board" not in html and "Secret" not in html
    assert "3 results found" in html
    # The editor may read the restricted page: it is counted for them.
    auth.logout()
    auth.login("editor")
    html = _results(client, q="forklift")
    assert _facet(html, "field:team") == {"Board": 1, "Facilities": 2, "Logistics": 1}
    assert _facet(html, "field:severity") == {"high": 2, "low": 2}


def test_a_clicked_facet_narrows_and_combines_with_typed_syntax(client, auth, world):
    auth.login("editor")
    html = _results(client, q="forklift")
    link = re.search(r'<a href="([^"]*)"><span dir="auto">Operations</span>', html).group(1)
    narrowed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert sorted(_kinds(narrowed)) == ["file", "page", "page"]
    assert "Dock doors" not in narrowed
    # The filter shows, and can be removed.
    assert 'aria-label="Remove the filter space:&#34;ops&#34;"' in narrowed
    # A typed field and the facet together.
    html = _results(client, q="forklift severity:high", f='space:"ops"')
    assert re.findall(r'<h2 dir="auto"><a href="/wiki/([^"]+)"', html) == [
        "ops:secret-forklift-deal"
    ]
    # Two facets: files of the space.
    html = _results(client, q="forklift", f=['space:"ops"', "type:file"])
    assert _kinds(html) == ["file"]
    # A filter may leave out what it matches.
    assert sorted(_kinds(_results(client, q="forklift", f=["-type:file"]))) == ["page"] * 3
    assert _kinds(_results(client, q="forklift", f=['NOT space:"ops"'])) == ["page"]
    # Only filters, nothing typed: the filters are the search.
    html = _results(client, f='team:"Logistics"')
    assert re.findall(r'<h2 dir="auto"><a href="/wiki/([^"]+)"', html) == ["dock-doors"]


def test_results_sort_by_date_newest_first(client, auth, db_session, users, world):
    for number, slug in enumerate(("dock", "lift")):
        page = world[slug]
        db_session.execute(
            update(Revision)
            .where(Revision.id == page.current_revision_id)
            .values(created_at=datetime(2020 + number, 1, 1, tzinfo=UTC))
        )
    db_session.commit()
    from wiki.search.indexer import rebuild
    from wiki.search.runtime import get_engine

    with client.application.app_context():
        rebuild(db_session, get_engine())
    auth.login("reader")
    html = _results(client, q="forklift", sort="date", f="type:page")
    assert re.findall(r'<h2 dir="auto"><a href="/wiki/([^"]+)"', html) == [
        "ops:lift-outage",
        "dock-doors",
    ]
    assert '<option value="date" selected>' in html
    edited = _facet(_results(client, q="forklift", f="type:page"), "edited")
    assert edited == {"over a year ago": 2}


def test_odd_filters_get_a_page_not_an_error(client, auth, world):
    auth.login("reader")
    for odd in ("type:nonsense", "((", "-", "space:", '"', "x" * 5000, "tag:*"):
        html = _results(client, q="forklift", f=odd)
        assert "results found" in html or _nothing(html)
    # A filter that cannot be read narrows to nothing rather than to everything.
    assert _nothing(_results(client, q="forklift", f="(("))
    assert len(_kinds(_results(client, q="forklift", sort="sideways"))) == 3


# --------------------------------------------------------------------------- files


def test_a_file_hit_says_in_which_file_on_which_page(client, auth, world):
    auth.login("reader")
    html = _results(client, q="hydraulics")
    assert _kinds(html) == ["file"]
    assert re.search(
        r'In file <a href="/wiki/ops:lift-outage/files/Forklift%20manual.txt">'
        r"<bdi>Forklift manual.txt</bdi></a> on page "
        r'<a href="/wiki/ops:lift-outage"><bdi>Lift outage</bdi></a>',
        html,
    )
    assert "Uploaded by" in html


# --------------------------------------------------------------------------- history


def test_removed_text_is_found_only_with_history_and_says_where_it_was(client, auth, world):
    auth.login("reader")
    assert _nothing(_results(client, q="zebra garage", exactly=1))
    html = _results(client, q="zebra garage", history=1)
    assert _kinds(html) == ["history"]
    assert (
        "Was on <bdi>Parking memo</bdi> from revision 1 to 1, removed by <bdi>admin</bdi>"
    ) in html
    assert '<a href="/wiki/parking-memo/diff/1/2">See the change</a>' in html
    assert "<mark>zebra</mark>" in html
    diff = client.get("/wiki/parking-memo/diff/1/2").get_data(as_text=True)
    assert "zebra garage" in diff
    # The type facet offers old text even when it is not included, for words, phrases,
    # prefixes and the pages' fields alike.
    assert _facet(_results(client, q="zebra"), "type") == {"old text": 1}
    assert _facet(_results(client, q='"zebra garage"'), "type") == {"old text": 1}
    assert _facet(_results(client, q="zeb*"), "type") == {"old text": 1}
    # Most of the words (none has both): two pages, the manual, and the old text.
    most = {"page": 2, "file": 1, "old text": 1}
    assert _facet(_results(client, q="visitors forklift"), "type") == most
    assert _facet(_results(client, q="author:admin"), "type") == {"old text": 1, "page": 1}
    assert _kinds(_results(client, q="zeb*", history=1)) == ["history"]
    assert _kinds(_results(client, q="type:history zebra")) == ["history"]
    assert _kinds(_results(client, q="zebra", f="type:history")) == ["history"]
    # A filter's words leave out old text as they leave out pages.
    assert _nothing(_results(client, q="visitors", f="-garage", history=1, exactly=1))
    # Words still on the page are not old text.
    assert "history" not in _kinds(_results(client, q="west lot", history=1))


def test_a_typo_fixed_by_a_later_edit_is_found_as_old_text_not_corrected(
    client, auth, db_session, users, world
):
    lamp = make_page(db_session, users["editor"], "Lamp room", "The lantren was fixed.\n")
    edit(db_session, users["editor"], lamp, "The lantern was fixed.\n")
    search_now(client.application)
    auth.login("reader")
    html = _results(client, q="lantren")
    assert "Showing results for" not in html and "Did you mean" not in html
    assert _facet(html, "type") == {"old text": 1}
    assert _kinds(_results(client, q="lantren", history=1)) == ["history"]


def test_old_text_follows_the_page_s_access_and_deletion(client, auth, db_session, users, world):
    secret = world["secret"]
    edit(db_session, users["editor"], secret, "Nothing left.\n")
    search_now(client.application)
    auth.login("reader")
    assert "Secret" not in _results(client, q="sold", history=1)
    assert _facet(_results(client, q="sold", history=1), "type") == {}
    assert _facet(_results(client, q="sold"), "type") == {}
    auth.logout()
    auth.login("editor")
    assert _kinds(_results(client, q="sold", history=1)) == ["history"]
    assert _facet(_results(client, q="sold"), "type") == {"old text": 1}
    delete_page(db_session, users["admin"], world["memo"], "gone")
    db_session.commit()
    search_now(client.application)
    assert _nothing(_results(client, q="zebra", history=1, exactly=1))


# --------------------------------------------------------------------------- old text


def _revisions(*bodies: str) -> list[RevisionText]:
    return [
        RevisionText(100 + n, n, body, f"user{n}", datetime(2026, 1, n, tzinfo=UTC))
        for n, body in enumerate(bodies, 1)
    ]


def test_a_passage_knows_when_it_came_and_who_removed_it():
    passages = removed_passages(
        _revisions(
            "Intro.\nThe old rule.\n",
            "Intro.\nThe old rule.\nA second rule.\n",
            "Intro.\nA second rule.\n",
            "Intro.\n",
        )
    )
    assert passages == [
        RemovedPassage("The old rule.", 1, 2, 3, 103, "user3", datetime(2026, 1, 3, tzinfo=UTC)),
        RemovedPassage("A second rule.", 2, 3, 4, 104, "user4", datetime(2026, 1, 4, tzinfo=UTC)),
    ]


def test_moved_or_rewrapped_lines_are_not_old_text():
    assert removed_passages(_revisions("A b.\nC d.\n", "C d.\nA b.\n")) == []
    assert removed_passages(_revisions("- one two\n", "* One two\n")) == []
    # A changed word is: the old line had a word the page no longer has.
    (passage,) = removed_passages(_revisions("Meet at noon.\n", "Meet at ten.\n"))
    assert passage.text == "Meet at noon."


def test_a_long_removal_is_cut_into_passages():
    long = "\n".join(f"Line {n} " + "word " * 40 for n in range(40)) + "\n"
    passages = removed_passages(_revisions(long, "Short.\n"))
    assert len(passages) > 1
    assert all(len(p.text) <= MAX_PASSAGE_CHARS + 50 for p in passages)
    lines = [line.strip() for line in long.splitlines()]
    assert "".join(p.text.replace("\n", "") for p in passages) == "".join(lines)
