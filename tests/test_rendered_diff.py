"""The rendered diff: two revisions compared as the page shows them, with added and removed
text marked in the formatted page (tables, lists, headings), sanitised like any page."""

from __future__ import annotations

import re
import time

import pytest

from tests.xss_corpus import CORPUS, MARKER
from wiki.content import rendered_diff
from wiki.content.pages import delete_page
from wiki.content.render import RenderError, render_markdown
from wiki.content.rendered_diff import diff_rendered

from .helpers import edit, make_page
from .test_xss import script_problems


def compare(old: str, new: str):
    """The rendered diff of two Markdown texts, through the one render pipeline."""
    return diff_rendered(render_markdown(old).html, render_markdown(new).html)


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.DOTALL)
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.DOTALL) for row in rows]


TABLE = """| City | Office | Staff |
| --- | --- | --- |
| Paris | Rue Neuve | 12 |
| Rome | Via Larga | 8 |
"""


def test_a_changed_table_cell_is_marked_in_its_cell_and_the_table_keeps_its_shape():
    result = compare(TABLE, TABLE.replace("Via Larga", "Via Stretta"))
    cells = _cells(result.html)
    assert result.changed
    assert [len(row) for row in cells] == [3, 3, 3]  # no cell added or moved
    assert cells[2] == ["Rome", "Via <del>Larga</del><ins>Stretta</ins>", "8"]
    assert cells[1] == ["Paris", "Rue Neuve", "12"]  # untouched rows carry no mark


def test_an_added_list_item_is_marked_as_added_and_the_others_are_not():
    old = "Bring:\n\n- a badge\n- a laptop\n"
    result = compare(old, old + "- a key card\n")
    assert '<li class="diff-added"><ins>a key card</ins></li>' in result.html
    assert "<li>a badge</li>" in result.html and "<li>a laptop</li>" in result.html
    assert result.html.count("<ins") == 1 and "<del" not in result.html


def test_a_removed_heading_is_shown_struck_through_where_it_was():
    old = "# Guide\n\nIntro.\n\n## Parking\n\nNo parking.\n\n## Lunch\n\nAt noon.\n"
    new = old.replace("## Parking\n\nNo parking.\n\n", "")
    result = compare(old, new)
    removed = re.findall(r'<del class="diff-block">(.*?)</del>', result.html, flags=re.DOTALL)
    assert [re.sub(r"<[^>]+>", "", block).strip() for block in removed] == [
        "Parking",
        "No parking.",
    ]
    assert result.html.index("Parking") < result.html.index("Lunch")
    # The removed heading keeps no id: it would repeat an id of the page.
    assert 'id="user-content-parking"' not in result.html
    assert 'id="user-content-lunch"' in result.html


def test_inside_a_changed_paragraph_only_the_changed_words_are_marked():
    result = compare("Meet at **nine** in the lobby.\n", "Meet at **ten** in the big lobby.\n")
    assert result.html == (
        "<p>Meet at <strong><del>nine</del><ins>ten</ins></strong> in the <ins>big </ins>lobby.</p>"
    )


def test_a_rewritten_paragraph_is_shown_as_removed_and_added_rather_than_word_salad():
    result = compare("Cats sleep all day.\n", "Invoices go to finance.\n")
    assert result.html == (
        '<del class="diff-block"><p>Cats sleep all day.</p></del>'
        '<ins class="diff-block"><p>Invoices go to finance.</p></ins>'
    )


def test_a_change_inside_a_nested_list_is_marked_inside_it():
    old = "- Day one\n  - badge\n  - laptop\n- Day two\n"
    result = compare(old, old.replace("  - laptop\n", "  - laptop\n  - phone\n"))
    assert '<li class="diff-added"><ins>phone</ins></li>' in result.html
    assert result.html.count("<ins") == 1 and "<del" not in result.html


def test_a_removed_table_row_stays_in_the_table_marked_as_removed():
    result = compare(TABLE, TABLE.replace("| Paris | Rue Neuve | 12 |\n", ""))
    cells = _cells(result.html)
    assert [len(row) for row in cells] == [3, 3, 3]
    assert '<tr class="diff-removed"><td class="diff-removed"><del>Paris</del></td>' in result.html


def test_same_pages_show_no_marks_even_when_the_markdown_changed():
    result = compare("Some *words* here.\n", "Some _words_\nhere.\n")
    assert not result.changed
    assert "<ins" not in result.html and "<del" not in result.html


def test_a_changed_picture_shows_the_old_one_removed_and_the_new_one_added():
    result = compare("![plan](/old.png)\n", "![plan](/new.png)\n")
    assert '<del><img src="/old.png" alt="plan"></del>' in result.html
    assert '<ins><img src="/new.png" alt="plan"></ins>' in result.html


def test_a_ticked_task_shows_the_box_before_and_after():
    result = compare("- [ ] book a room\n", "- [x] book a room\n")
    assert re.search(r"<del><input[^>]*></del><ins><input[^>]*checked[^>]*></ins>", result.html)


@pytest.mark.parametrize("payload", CORPUS, ids=[payload.id for payload in CORPUS])
def test_hostile_text_never_becomes_script_in_a_rendered_diff(payload):
    """Added, removed and changed, every payload stays inert text or allowlisted markup."""
    text = payload.text
    compared = 0
    for old, new in (
        ("Intro.\n", f"Intro.\n\n{text}\n"),
        (f"Intro.\n\n{text}\n", "Intro.\n"),
        (f"Intro {text}\n", f"Intro, then {text} v2\n"),
        (f"| a |\n| - |\n| {text} |\n", f"| a |\n| - |\n| {text} x |\n"),
    ):
        try:
            result = compare(old, new)
        except RenderError:  # what the renderer refuses has no rendered diff to make
            continue
        compared += 1
        assert script_problems(result.html, fragment=True, marks=True) == [], (old, new)
    assert compared


def test_markup_that_did_not_come_from_the_sanitiser_is_sanitised_again():
    """The diff writes only what it parsed and escaped, then sanitises once more: even HTML
    that never went through the pipeline cannot carry script through it."""
    hostile = (
        f'<p onclick="{MARKER}()">x<script>{MARKER}()</script></p>'
        f'<a href="javascript:{MARKER}()">y</a><img src=x onerror="{MARKER}()">'
        f'<p class="flash" style="color:red" id="location">z</p><iframe src="/x"></iframe>'
    )
    result = diff_rendered("<p>x</p>", hostile)
    assert script_problems(result.html, fragment=True, marks=True) == []
    assert "script" not in result.html and "onclick" not in result.html
    assert "javascript" not in result.html and "onerror" not in result.html


def test_pages_too_large_to_compare_rendered_say_so():
    big = "<p>word</p>" * (rendered_diff.MAX_HTML_CHARS // 10)
    result = diff_rendered("<p>x</p>", big)
    assert result.too_large and result.changed and result.html == ""


def test_past_its_time_budget_the_diff_marks_whole_blocks_and_says_so(monkeypatch):
    monkeypatch.setattr(rendered_diff, "TIME_BUDGET", 0.0)
    result = compare("Meet at nine.\n\nKeep this.\n", "Meet at ten.\n\nKeep this.\n")
    assert result.coarse and result.changed
    assert '<del class="diff-block"><p>Meet at nine.</p></del>' in result.html
    assert '<ins class="diff-block"><p>Meet at ten.</p></ins>' in result.html
    assert "<p>Keep this.</p>" in result.html


def test_a_large_page_with_many_changes_is_compared_in_bounded_time():
    paragraphs = [f"Paragraph {n} says {'something ' * (n % 40)}here." for n in range(3000)]
    changed = [p + " More." if n % 5 == 0 else p for n, p in enumerate(paragraphs)]
    old, new = "\n\n".join(paragraphs), "\n\n".join(changed)
    started = time.monotonic()
    result = compare(old, new)
    assert result.changed
    assert time.monotonic() - started < 5  # rendering both texts included


# --------------------------------------------------------------------------- the diff page


@pytest.fixture
def offices(db_session, users):
    page = make_page(db_session, users["editor"], "Offices", TABLE)
    edit(db_session, users["editor"], page, TABLE.replace("Via Larga", "Via Stretta"))
    return page


def test_the_diff_page_switches_between_the_source_and_the_rendered_page(client, auth, offices):
    auth.login("reader")
    source = client.get("/wiki/offices/diff/1/2").get_data(as_text=True)
    assert '<table class="diff inline">' in source and "rendered-diff" not in source
    assert 'href="/wiki/offices/diff/1/2?view=rendered">Rendered view</a>' in source

    response = client.get("/wiki/offices/diff/1/2?view=rendered")
    rendered = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<table class="diff' not in rendered
    assert '<div class="markdown-body rendered-diff">' in rendered
    assert "<td>Via <del>Larga</del><ins>Stretta</ins></td>" in rendered
    assert (
        'href="/wiki/offices/diff/1/2?view=rendered" aria-current="page">Rendered view</a>'
        in rendered
    )
    assert 'href="/wiki/offices/diff/1/2">Inline view</a>' in rendered


def test_the_compare_form_can_ask_for_the_rendered_view(client, auth, offices):
    auth.login("reader")
    response = client.get("/wiki/offices/diff?from=2&to=1&view=rendered")
    assert response.status_code == 302
    assert response.location.endswith("/wiki/offices/diff/1/2?view=rendered")


def test_the_rendered_view_says_when_only_the_markdown_changed(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Style", "Some *words*.\n")
    edit(db_session, users["editor"], page, "Some _words_.\n")
    auth.login("reader")
    rendered = client.get("/wiki/style/diff/1/2?view=rendered").get_data(as_text=True)
    assert "The two revisions look the same on the page: only the Markdown changed" in rendered


def test_the_rendered_view_of_a_page_the_reader_may_not_read_is_not_found(
    client, auth, db_session, users, offices
):
    delete_page(db_session, users["admin"], offices, "closed")
    db_session.commit()
    auth.login("reader")
    assert client.get("/wiki/offices/diff/1/2?view=rendered").status_code == 404
    auth.logout()
    auth.login("admin")  # admins see deleted pages, but no revision 9
    assert client.get("/wiki/offices/diff/1/2?view=rendered").status_code == 200
    assert client.get("/wiki/offices/diff/1/9?view=rendered").status_code == 404
