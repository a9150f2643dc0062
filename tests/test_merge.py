"""Behaviour of the three-way merge of concurrent edits (wiki.content.merge)."""

from __future__ import annotations

import time

from wiki.content.merge import (
    END_MARKER,
    MID_MARKER,
    START_MARKER,
    Clash,
    MergeResult,
    has_conflicts,
    merge_texts,
    split_conflicts,
)

BASE = """# Travel policy

Book trains for trips under four hours.

Hotels up to 120 EUR per night.

Receipts go to accounting within 30 days.
"""


def test_edits_to_different_paragraphs_merge_without_conflict():
    mine = BASE.replace("four hours", "five hours")
    theirs = BASE.replace("30 days", "14 days")
    result = merge_texts(BASE, mine, theirs)
    assert result == MergeResult(
        BASE.replace("four hours", "five hours").replace("30 days", "14 days"), False
    )


def test_additions_at_different_places_merge_without_conflict():
    mine = "Intro added by me.\n\n" + BASE
    theirs = BASE + "\nA closing remark.\n"
    result = merge_texts(BASE, mine, theirs)
    assert not result.conflicted
    assert result.text == "Intro added by me.\n\n" + BASE + "\nA closing remark.\n"


def test_overlapping_edits_are_reported_as_a_conflict_and_keep_both_texts():
    mine = BASE.replace("120 EUR", "150 EUR")
    theirs = BASE.replace("120 EUR per night.", "100 EUR per night, breakfast included.")
    result = merge_texts(BASE, mine, theirs)
    assert result.conflicted
    assert result.text == BASE.replace(
        "Hotels up to 120 EUR per night.\n",
        f"{START_MARKER}\n"
        "Hotels up to 150 EUR per night.\n"
        f"{MID_MARKER}\n"
        "Hotels up to 100 EUR per night, breakfast included.\n"
        f"{END_MARKER}\n",
    )


def test_conflict_markers_name_the_two_sides():
    assert START_MARKER == "<<<<<<< your version"
    assert MID_MARKER == "======="
    assert END_MARKER == ">>>>>>> saved meanwhile"


def test_only_the_clashing_paragraph_is_marked_while_other_edits_merge():
    mine = BASE.replace("120 EUR", "150 EUR").replace("# Travel policy", "# Travel Policy")
    theirs = BASE.replace("120 EUR", "100 EUR").replace("30 days", "14 days")
    result = merge_texts(BASE, mine, theirs)
    assert result.conflicted
    assert result.text.startswith("# Travel Policy\n")
    assert result.text.endswith("Receipts go to accounting within 14 days.\n")
    assert result.text.count(START_MARKER) == 1


def test_the_same_edit_on_both_sides_is_not_a_conflict():
    mine = BASE.replace("120 EUR", "150 EUR").replace("four", "five")
    theirs = BASE.replace("120 EUR", "150 EUR")
    result = merge_texts(BASE, mine, theirs)
    assert result == MergeResult(mine, False)


def test_identical_texts_on_both_sides_are_taken_as_is():
    edited = "Completely new page.\n"
    assert merge_texts(BASE, edited, edited) == MergeResult(edited, False)


def test_a_change_on_only_one_side_is_taken():
    edited = BASE.replace("Hotels", "Hostels")
    assert merge_texts(BASE, edited, BASE) == MergeResult(edited, False)
    assert merge_texts(BASE, BASE, edited) == MergeResult(edited, False)


def test_edits_to_adjacent_lines_conflict_because_nothing_anchors_them():
    base = "one\ntwo\nthree\nfour\n"
    result = merge_texts(base, "one\nTWO\nthree\nfour\n", "one\ntwo\nTHREE\nfour\n")
    assert result.conflicted
    assert result.text == (
        f"one\n{START_MARKER}\nTWO\nthree\n{MID_MARKER}\ntwo\nTHREE\n{END_MARKER}\nfour\n"
    )


def test_different_insertions_at_the_same_place_conflict():
    base = "a\n\nb\n"
    result = merge_texts(base, "a\n\nmine\n\nb\n", "a\n\ntheirs\n\nb\n")
    assert result.conflicted
    assert START_MARKER + "\nmine\n" in result.text
    assert MID_MARKER + "\ntheirs\n" in result.text


def test_deleting_a_paragraph_the_other_side_edited_is_a_conflict():
    mine = BASE.replace("Hotels up to 120 EUR per night.\n\n", "")
    theirs = BASE.replace("120 EUR", "130 EUR")
    result = merge_texts(BASE, mine, theirs)
    assert result.conflicted
    assert f"{START_MARKER}\n{MID_MARKER}\nHotels up to 130 EUR" in result.text


def test_windows_line_endings_do_not_cause_conflicts():
    base = BASE.replace("\n", "\r\n")
    mine = BASE.replace("four hours", "five hours")  # browser form posts may differ
    theirs = base.replace("30 days", "14 days")
    result = merge_texts(base, mine, theirs)
    assert result == MergeResult(
        BASE.replace("four hours", "five hours").replace("30 days", "14 days"), False
    )


def test_the_result_ends_with_a_newline_exactly_when_mine_does():
    base = "a\n\nb\n"
    assert merge_texts(base, "A\n\nb", "a\n\nB\n") == MergeResult("A\n\nB", False)
    assert merge_texts(base.rstrip(), "A\n\nb\n", "a\n\nB") == MergeResult("A\n\nB\n", False)


def test_markers_stay_on_their_own_lines_when_the_last_line_clashes():
    result = merge_texts("last", "mine last", "their last")
    assert result.conflicted
    assert result.text.split("\n") == [
        START_MARKER,
        "mine last",
        MID_MARKER,
        "their last",
        END_MARKER,
    ]


def test_merging_into_an_empty_base():
    assert merge_texts("", "new text\n", "") == MergeResult("new text\n", False)
    assert merge_texts("", "mine\n", "theirs\n").conflicted


def test_large_merges_finish_quickly():
    base = "".join(f"Paragraph {n} of the handbook.\n\n" for n in range(5_000))
    mine = base.replace("Paragraph 10 ", "Section 10 ")
    theirs = base.replace("Paragraph 4000 ", "Section 4000 ")
    started = time.perf_counter()
    result = merge_texts(base, mine, theirs)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"merge took {elapsed:.2f} s"
    assert not result.conflicted
    assert "Section 10 " in result.text and "Section 4000 " in result.text


def test_a_merged_text_splits_into_plain_stretches_and_clashes():
    merged = merge_texts("a\n\nb\n\nc\n", "a\n\nmine\n\nc\n", "a\n\ntheirs\n\nc\n").text
    assert split_conflicts(merged) == ["a\n\n", Clash("mine", "theirs"), "\nc\n"]
    assert has_conflicts(merged)


def test_stray_or_unfinished_marker_lines_are_plain_text():
    for text in (
        f"{MID_MARKER}\nunder a heading\n",
        f"{START_MARKER}\nmine\n{MID_MARKER}\ntheirs\n",  # no end marker
        f"{START_MARKER}\nmine\n{END_MARKER}\n",  # no middle marker
        f"{END_MARKER}\n{MID_MARKER}\n{START_MARKER}\n",  # out of order
    ):
        assert not has_conflicts(text), text
        assert split_conflicts(text) == [text]
