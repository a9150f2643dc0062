"""Behaviour of the revision diff (wiki.content.diffing)."""

from __future__ import annotations

import html
import random
import re
import time

import pytest
from markupsafe import Markup

from wiki.content.diffing import (
    LINE_CONTEXT_CHARS,
    MAX_LINE_CHARS,
    MAX_SHOWN_HTML,
    MAX_SHOWN_LINES,
    WORD_DIFF_MAX_CHARS,
    Diff,
    DiffLine,
    diff_texts,
    line_runs,
    split_lines,
)


def numbered(count: int, prefix: str = "line") -> list[str]:
    return [f"{prefix} {n}" for n in range(1, count + 1)]


def text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def plain(markup: Markup) -> str:
    """The text a reader sees: highlight tags removed, entities decoded."""
    return html.unescape(re.sub(r"</?(?:del|ins)>", "", str(markup)))


def all_lines(diff: Diff) -> list[DiffLine]:
    return [line for hunk in diff.hunks for line in hunk.lines]


_OMITTED = re.compile(r'<span class="omitted">… ([\d,]+) characters not shown …</span>')


def shown_and_left_out(markup: Markup) -> tuple[str, int]:
    """The text a reader sees of a cut-down line, and how many characters it leaves out."""
    left_out = sum(int(count.replace(",", "")) for count in _OMITTED.findall(markup))
    return plain(Markup(_OMITTED.sub("", markup))), left_out


def check_shown_lines(diff: Diff, old: str, new: str) -> None:
    """Every line shown is the line of its text at its number, in order, and every changed
    line is either shown or counted as not shown."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    lines = all_lines(diff)
    olds = [line for line in lines if line.kind != "insert"]
    news = [line for line in lines if line.kind != "delete"]
    assert [plain(line.html) for line in olds] == [old_lines[line.old_number - 1] for line in olds]
    assert [plain(line.html) for line in news] == [new_lines[line.new_number - 1] for line in news]
    assert [line.old_number for line in olds] == sorted({line.old_number for line in olds})
    assert [line.new_number for line in news] == sorted({line.new_number for line in news})
    changed = sum(line.kind != "equal" for line in lines)
    assert changed + diff.hidden == diff.added + diff.removed


# --- identical texts and normalisation ------------------------------------------------------


def test_identical_texts_have_no_hunks_and_count_all_lines_as_skipped():
    diff = diff_texts("a\nb\nc\n", "a\nb\nc\n")
    assert diff.identical
    assert diff.hunks == []
    assert (diff.added, diff.removed, diff.skipped_after) == (0, 0, 3)


def test_windows_line_endings_and_a_missing_final_newline_are_not_changes():
    diff = diff_texts("first\r\nsecond\r\n", "first\nsecond")
    assert diff.identical
    assert diff.hunks == []


def test_empty_texts_are_identical_and_empty():
    diff = diff_texts("", "")
    assert diff.identical and diff.hunks == [] and diff.skipped_after == 0


def test_adding_text_to_an_empty_page_inserts_every_line():
    diff = diff_texts("", "one\ntwo\n")
    assert not diff.identical
    assert (diff.added, diff.removed) == (2, 0)
    assert [
        (line.kind, line.old_number, line.new_number, line.html) for line in all_lines(diff)
    ] == [
        ("insert", None, 1, Markup("one")),
        ("insert", None, 2, Markup("two")),
    ]


def test_split_lines_only_breaks_at_newlines():
    assert split_lines("a\r\nb\rc\u2028d\x0ce") == ["a", "b", "c\u2028d\x0ce"]
    assert split_lines("") == []
    assert split_lines("\n") == [""]


# --- word highlights ------------------------------------------------------------------------


def test_a_changed_word_is_highlighted_on_both_sides():
    diff = diff_texts(
        "The quick brown fox jumps over the lazy dog.\n",
        "The quick red fox jumps over the lazy dog.\n",
    )
    deleted, inserted = all_lines(diff)
    assert deleted.kind == "delete" and inserted.kind == "insert"
    assert deleted.html == Markup("The quick <del>brown</del> fox jumps over the lazy dog.")
    assert inserted.html == Markup("The quick <ins>red</ins> fox jumps over the lazy dog.")


def test_neighbouring_changed_words_are_highlighted_as_one_phrase():
    diff = diff_texts("The quick brown fox jumps.", "A slow red fox jumps.")
    deleted, inserted = all_lines(diff)
    assert deleted.html == Markup("<del>The quick brown</del> fox jumps.")
    assert inserted.html == Markup("<ins>A slow red</ins> fox jumps.")


def test_a_change_inside_a_word_highlights_the_whole_word():
    deleted, inserted = all_lines(diff_texts("the colour red\n", "the color red\n"))
    assert deleted.html == Markup("the <del>colour</del> red")
    assert inserted.html == Markup("the <ins>color</ins> red")


def test_a_change_in_the_middle_of_a_long_line_highlights_only_the_changed_words():
    words = [f"word{n}" for n in range(2_000)]
    old = " ".join(words)
    new = " ".join(words[:1000] + ["CHANGED"] + words[1001:])
    deleted, inserted = all_lines(diff_texts(old, new))
    assert re.findall(r"<del>(.*?)</del>", deleted.html) == ["word1000"]
    assert re.findall(r"<ins>(.*?)</ins>", inserted.html) == ["CHANGED"]
    assert plain(deleted.html) == old and plain(inserted.html) == new


def test_lines_without_a_partner_are_not_highlighted_word_by_word():
    diff = diff_texts("keep\nold\n", "keep\nnew one\nnew two\n")
    kinds = [(line.kind, str(line.html)) for line in all_lines(diff)]
    assert kinds == [
        ("equal", "keep"),
        ("delete", "<del>old</del>"),
        ("insert", "<ins>new one</ins>"),
        ("insert", "new two"),
    ]


def test_html_in_the_page_is_escaped_everywhere():
    old = "<script>alert(1)</script>\nsame <b>bold</b>\n<img src=x onerror=alert(2)> gone\n"
    new = "<script>alert(666)</script>\nsame <b>bold</b>\n"
    diff = diff_texts(old, new)
    rendered = [str(line.html) for line in all_lines(diff)]
    assert len(rendered) == 4
    for markup in rendered:
        without_highlights = re.sub(r"</?(?:del|ins)>", "", markup)
        assert "<" not in without_highlights and ">" not in without_highlights
    assert "&lt;script&gt;alert(<del>1</del>)&lt;/script&gt;" in rendered
    assert "&lt;script&gt;alert(<ins>666</ins>)&lt;/script&gt;" in rendered
    assert "same &lt;b&gt;bold&lt;/b&gt;" in rendered
    assert "&lt;img src=x onerror=alert(2)&gt; gone" in rendered


def test_a_100_kb_one_line_paragraph_changed_in_the_middle_diffs_quickly():
    rng = random.Random(7)
    vocabulary = ["".join(rng.choices("abcdefghij", k=rng.randint(2, 9))) for _ in range(500)]
    paragraph = " ".join(rng.choices(vocabulary, k=20_000))[:100_000]
    middle = paragraph.index(" ", 50_000)
    changed = paragraph[:middle] + " INSERTED" + paragraph[middle:]

    started = time.perf_counter()
    diff = diff_texts(paragraph, changed)
    elapsed = time.perf_counter() - started

    assert elapsed < 5, f"diff took {elapsed:.2f} s"
    deleted, inserted = all_lines(diff)
    assert "<del>" not in deleted.html
    assert [s.strip() for s in re.findall(r"<ins>(.*?)</ins>", inserted.html)] == ["INSERTED"]
    # Too long to show whole: the change with the unchanged text next to it, and counts.
    text, left_out = shown_and_left_out(inserted.html)
    assert len(text) + left_out == len(changed)
    assert text in changed  # one stretch of the line, cut at both ends
    before, after = text.split("INSERTED")
    assert len(before) >= LINE_CONTEXT_CHARS and len(after) >= LINE_CONTEXT_CHARS
    assert len(text) <= 2 * LINE_CONTEXT_CHARS + len(" INSERTED")


def test_very_long_changed_stretches_are_highlighted_as_a_whole():
    filler = "x" * (WORD_DIFF_MAX_CHARS + 10)
    old = f"start A {filler} B end"
    new = f"start C {filler} D end"
    deleted, inserted = all_lines(diff_texts(old, new))
    assert deleted.html == Markup(f"start <del>A {filler} B</del> end")
    assert inserted.html == Markup(f"start <ins>C {filler} D</ins> end")


@pytest.mark.parametrize(
    "old, new",
    [
        pytest.param(
            text(numbered(3_000, "old")), text(numbered(3_000, "new")), id="every line rewritten"
        ),
        pytest.param(
            text(numbered(3_000)),
            text(random.Random(3).sample(numbered(3_000), 3_000)),
            id="lines shuffled",
        ),
        pytest.param(
            "\n".join(" ".join(str(n * k) for k in range(40)) for n in range(2_000)),
            "\n".join(" ".join(str(n * k + 1) for k in range(40)) for n in range(2_000)),
            id="every word of every line changed",
        ),
    ],
)
def test_pathological_inputs_finish_in_bounded_time(old, new):
    started = time.perf_counter()
    diff = diff_texts(old, new)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"diff took {elapsed:.2f} s"
    check_shown_lines(diff, old, new)


# --- huge changes: what is shown is bounded ---------------------------------------------


def test_a_change_of_every_line_of_a_big_page_shows_the_first_lines_and_counts_the_rest():
    old, new = text(numbered(20_000, "old")), text(numbered(20_000, "new"))
    diff = diff_texts(old, new)
    lines = all_lines(diff)
    assert len(lines) == MAX_SHOWN_LINES
    assert (diff.added, diff.removed) == (20_000, 20_000)
    assert diff.hidden == 40_000 - MAX_SHOWN_LINES
    assert diff.skipped_after == 0
    # The first changes, pair by pair: the inline view has all the deleted lines of the
    # shown pairs, then all the inserted ones.
    half = MAX_SHOWN_LINES // 2
    assert [line.old_number for line in lines[:half]] == list(range(1, half + 1))
    assert [line.new_number for line in lines[half:]] == list(range(1, half + 1))
    check_shown_lines(diff, old, new)


def test_changes_after_the_limit_are_counted_not_shown_even_far_apart():
    old = numbered(10 * MAX_SHOWN_LINES)
    new = [line + " edited" if n % 10 == 0 else line for n, line in enumerate(old)]
    diff = diff_texts(text(old), text(new))
    assert len(all_lines(diff)) <= MAX_SHOWN_LINES + 2
    assert diff.hidden == diff.added + diff.removed - sum(
        line.kind != "equal" for line in all_lines(diff)
    )
    assert diff.hidden > 0 and diff.skipped_after == 0
    check_shown_lines(diff, text(old), text(new))


def test_the_html_of_a_diff_of_many_long_lines_stays_small():
    old = [" ".join(f"w{n}x{k}" for k in range(2_000)) for n in range(200)]  # ~15 kB each
    new = [line.replace("x1 ", "y1 ") for line in old]
    diff = diff_texts(text(old), text(new))
    shown = sum(len(line.html) for line in all_lines(diff))
    assert shown <= MAX_SHOWN_HTML + 3 * MAX_LINE_CHARS
    assert diff.hidden > 0
    check_shown_lines(diff, text(old), text(new))


def test_a_huge_line_changed_in_the_middle_is_cut_down_around_the_change():
    words = [f"word{n}" for n in range(150_000)]  # about a megabyte on one line
    old = " ".join(words)
    new = " ".join(words[:75_000] + ["CHANGED"] + words[75_001:])
    deleted, inserted = all_lines(diff_texts(old, new))
    assert re.findall(r"<del>(.*?)</del>", deleted.html) == ["word75000"]
    assert re.findall(r"<ins>(.*?)</ins>", inserted.html) == ["CHANGED"]
    for line, whole in ((deleted, old), (inserted, new)):
        text_shown, left_out = shown_and_left_out(line.html)
        assert len(text_shown) + left_out == len(whole)
        assert len(text_shown) <= 2 * LINE_CONTEXT_CHARS + len("word75000")
        assert text_shown in whole
        assert len(_OMITTED.findall(line.html)) == 2  # before and after the change


def test_a_huge_unchanged_or_unpaired_line_shows_its_start_and_counts_the_rest():
    huge = "z" * (3 * MAX_LINE_CHARS)
    diff = diff_texts(f"{huge}\nold\n", f"{huge}\nnew\nadded {huge}\n")
    unchanged, _deleted, _inserted, added = all_lines(diff)
    assert (unchanged.kind, added.kind) == ("equal", "insert")
    assert shown_and_left_out(unchanged.html) == ("z" * MAX_LINE_CHARS, 2 * MAX_LINE_CHARS)
    assert shown_and_left_out(added.html) == (
        ("added " + huge)[:MAX_LINE_CHARS],
        len("added ") + 2 * MAX_LINE_CHARS,
    )


# --- context and collapsing -----------------------------------------------------------------


def test_unchanged_lines_far_from_a_change_are_collapsed():
    old = numbered(20)
    new = old[:9] + ["line 10 edited"] + old[10:]
    diff = diff_texts(text(old), text(new), context=3)
    assert len(diff.hunks) == 1
    hunk = diff.hunks[0]
    assert hunk.skipped_before == 6
    assert diff.skipped_after == 7
    assert [(line.kind, line.old_number, line.new_number) for line in hunk.lines] == [
        ("equal", 7, 7),
        ("equal", 8, 8),
        ("equal", 9, 9),
        ("delete", 10, None),
        ("insert", None, 10),
        ("equal", 11, 11),
        ("equal", 12, 12),
        ("equal", 13, 13),
    ]
    assert (diff.added, diff.removed) == (1, 1)


def test_changes_separated_by_at_most_twice_the_context_share_a_hunk():
    old = numbered(20)
    new = list(old)
    new[3] = "changed 4"
    new[10] = "changed 11"  # 6 unchanged lines (5..10) in between = 2 * context
    diff = diff_texts(text(old), text(new), context=3)
    assert len(diff.hunks) == 1
    assert diff.hunks[0].skipped_before == 0
    numbers = [line.old_number for line in diff.hunks[0].lines if line.kind != "insert"]
    assert numbers == list(range(1, 15))


def test_a_longer_unchanged_stretch_between_changes_splits_the_hunks():
    old = numbered(20)
    new = list(old)
    new[3] = "changed 4"
    new[11] = "changed 12"  # 7 unchanged lines (5..11) in between
    diff = diff_texts(text(old), text(new), context=3)
    assert [h.skipped_before for h in diff.hunks] == [0, 1]
    assert [line.old_number for line in diff.hunks[0].lines if line.kind == "equal"] == [
        1,
        2,
        3,
        5,
        6,
        7,
    ]
    assert [line.old_number for line in diff.hunks[1].lines if line.kind == "equal"] == [
        9,
        10,
        11,
        13,
        14,
        15,
    ]
    assert diff.skipped_after == 5


def test_zero_context_shows_only_changed_lines():
    old = numbered(10)
    new = list(old)
    new[4] = "changed"
    diff = diff_texts(text(old), text(new), context=0)
    assert [(line.kind, line.old_number, line.new_number) for line in all_lines(diff)] == [
        ("delete", 5, None),
        ("insert", None, 5),
    ]
    assert diff.hunks[0].skipped_before == 4 and diff.skipped_after == 5


def test_negative_context_is_rejected():
    with pytest.raises(ValueError):
        diff_texts("a", "b", context=-1)


# --- line numbers and side by side ----------------------------------------------------------


def test_line_numbers_follow_each_side_after_insertions_and_deletions():
    old = "a\nb\nc\nd\n"
    new = "a\nnew 1\nnew 2\nb\nd\n"
    lines = all_lines(diff_texts(old, new, context=10))
    assert [(line.kind, line.old_number, line.new_number, str(line.html)) for line in lines] == [
        ("equal", 1, 1, "a"),
        ("insert", None, 2, "new 1"),
        ("insert", None, 3, "new 2"),
        ("equal", 2, 4, "b"),
        ("delete", 3, None, "c"),
        ("equal", 4, 5, "d"),
    ]


def test_side_by_side_pairs_deleted_and_inserted_lines_row_by_row():
    old = "keep\nold one\nold two\nold three\nkeep too\n"
    new = "keep\nnew one\nnew two\nkeep too\n"
    hunk = diff_texts(old, new).hunks[0]
    assert [line.kind for line in hunk.lines] == [
        "equal",
        "delete",
        "delete",
        "delete",
        "insert",
        "insert",
        "equal",
    ]
    rows = [
        (
            row.left and (row.left.kind, row.left.old_number),
            row.right and (row.right.kind, row.right.new_number),
        )
        for row in hunk.rows
    ]
    assert rows == [
        (("equal", 1), ("equal", 1)),
        (("delete", 2), ("insert", 2)),
        (("delete", 3), ("insert", 3)),
        (("delete", 4), None),
        (("equal", 5), ("equal", 4)),
    ]
    assert hunk.rows[1].left.html == Markup("<del>old</del> one")
    assert hunk.rows[1].right.html == Markup("<ins>new</ins> one")


def test_side_by_side_puts_extra_inserted_lines_next_to_nothing():
    hunk = diff_texts("a\n", "b\nc\n").hunks[0]
    assert [(r.left and r.left.old_number, r.right and r.right.new_number) for r in hunk.rows] == [
        (1, 1),
        (None, 2),
    ]


# --- the whole picture ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_a_diff_with_full_context_reproduces_both_texts(seed):
    rng = random.Random(seed)
    vocabulary = ["alpha", "beta", "gamma", "<tag>", "&amp;", "", "  indented", "x y z"]
    old = [rng.choice(vocabulary) for _ in range(rng.randint(0, 30))]
    new = list(old)
    for _ in range(rng.randint(0, 6)):
        position = rng.randint(0, len(new))
        action = rng.choice(["insert", "delete", "edit"])
        if action == "insert" or not new:
            new.insert(position, rng.choice(vocabulary) + " added")
        elif action == "delete":
            del new[min(position, len(new) - 1)]
        else:
            new[min(position, len(new) - 1)] += " edited"
    diff = diff_texts(text(old), text(new), context=1_000)
    if old == new:
        assert diff.identical and diff.hunks == [] and diff.skipped_after == len(old)
        return
    lines = all_lines(diff)
    assert [plain(line.html) for line in lines if line.kind != "insert"] == old
    assert [plain(line.html) for line in lines if line.kind != "delete"] == new
    assert [line.old_number for line in lines if line.kind != "insert"] == list(
        range(1, len(old) + 1)
    )
    assert [line.new_number for line in lines if line.kind != "delete"] == list(
        range(1, len(new) + 1)
    )
    assert diff.added == sum(line.kind == "insert" for line in lines)
    assert diff.removed == sum(line.kind == "delete" for line in lines)
    assert not diff.identical
    for hunk in diff.hunks:
        assert [
            line
            for row in hunk.rows
            for line in (row.left, row.right)
            if line and line.kind != "equal"
        ] == [line for line in _side_by_side_order(hunk.lines)]


def _side_by_side_order(lines: list[DiffLine]) -> list[DiffLine]:
    """Changed lines in the order rows show them: n-th deletion, then n-th insertion."""
    result: list[DiffLine] = []
    deleted: list[DiffLine] = []
    inserted: list[DiffLine] = []
    for line in [*lines, None]:
        if line is not None and line.kind == "delete":
            deleted.append(line)
        elif line is not None and line.kind == "insert":
            inserted.append(line)
        else:
            for i in range(max(len(deleted), len(inserted))):
                result.extend(x[i] for x in (deleted, inserted) if i < len(x))
            deleted, inserted = [], []
    return result


def test_line_runs_put_deletions_before_insertions():
    assert line_runs("a\nb\nc\n", "a\nB\nc\nd") == [
        ("equal", 1),
        ("delete", 1),
        ("insert", 1),
        ("equal", 1),
        ("insert", 1),
    ]


def test_line_runs_rejects_a_timeout_that_would_mean_no_limit():
    with pytest.raises(ValueError):
        line_runs("a", "b", timeout=0)
