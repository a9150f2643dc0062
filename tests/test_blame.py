"""Behaviour of blame, the per-line origin of a page's latest text (wiki.content.blame)."""

from __future__ import annotations

import random
import time

import pytest
from diff_match_patch import diff_match_patch

import wiki.content.blame as blame_module
from wiki.content.blame import BlameLine, blame
from wiki.content.diffing import line_runs, normalize_text, split_lines


def origins(result: list[BlameLine]) -> list[object]:
    return [line.origin for line in result]


def test_every_line_of_a_single_revision_comes_from_it():
    assert blame([(1, "first\nsecond\n")]) == [
        BlameLine(1, "first", 1),
        BlameLine(2, "second", 1),
    ]


def test_no_revisions_or_an_empty_latest_text_give_no_lines():
    assert blame([]) == []
    assert blame([(1, "something\n"), (2, "")]) == []


def test_unchanged_lines_keep_their_origin_and_edited_lines_get_the_editing_revision():
    result = blame(
        [
            ("r1", "alpha\nbeta\ngamma\n"),
            ("r2", "alpha\nBETA\ngamma\n"),
            ("r3", "alpha\nBETA\ngamma\ndelta\n"),
        ]
    )
    assert [(line.number, line.text, line.origin) for line in result] == [
        (1, "alpha", "r1"),
        (2, "BETA", "r2"),
        (3, "gamma", "r1"),
        (4, "delta", "r3"),
    ]


def test_lines_inserted_above_keep_the_origin_of_the_lines_below():
    result = blame([(1, "b\nc\n"), (2, "a\nb\nc\n")])
    assert [(line.number, line.text, line.origin) for line in result] == [
        (1, "a", 2),
        (2, "b", 1),
        (3, "c", 1),
    ]


def test_deleted_lines_disappear_and_the_rest_are_renumbered():
    result = blame([(1, "a\nb\nc\n"), (2, "a\nc\n")])
    assert [(line.number, line.text, line.origin) for line in result] == [(1, "a", 1), (2, "c", 1)]


def test_a_line_restored_from_an_old_revision_is_attributed_to_the_restoring_revision():
    result = blame(
        [
            (1, "policy: trains\nowner: anna\n"),
            (2, "policy: planes\nowner: anna\n"),
            (3, "policy: trains\nowner: anna\n"),  # revert of revision 2
        ]
    )
    assert [(line.text, line.origin) for line in result] == [
        ("policy: trains", 3),
        ("owner: anna", 1),
    ]


def test_a_revision_identical_to_its_predecessor_claims_no_lines():
    result = blame([(1, "a\nb\n"), (2, "a\nB\n"), (3, "a\nB\n")])
    assert origins(result) == [1, 2]


def test_line_ending_and_final_newline_changes_claim_no_lines():
    result = blame([(1, "a\nb\n"), (2, "a\r\nb\r\n"), (3, "a\nb")])
    assert origins(result) == [1, 1]
    assert [line.text for line in result] == ["a", "b"]


def test_a_page_emptied_and_refilled_is_attributed_to_the_refill():
    assert origins(blame([(1, "a\n"), (2, ""), (3, "a\n")])) == [3]


def test_keys_are_returned_as_given_even_if_unhashable():
    first, second = {"id": 1}, {"id": 2}
    result = blame([(first, "x\n"), (second, "x\ny\n")])
    assert result[0].origin is first and result[1].origin is second


def test_revisions_may_be_any_iterable():
    result = blame((n, "line\n" * n) for n in range(1, 4))
    assert origins(result) == [1, 2, 3]


def test_blame_describes_exactly_the_latest_text():
    rng = random.Random(11)
    lines = [f"line {n}" for n in range(40)]
    revisions = []
    for revision in range(200):
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(lines))
            action = rng.random()
            if action < 0.4:
                lines[position] = f"edited in {revision}"
            elif action < 0.7 or len(lines) < 10:
                lines.insert(position, f"added in {revision}")
            else:
                del lines[position]
        revisions.append((revision, "\n".join(lines)))
    result = blame(revisions)
    assert [line.text for line in result] == lines
    assert [line.number for line in result] == list(range(1, len(lines) + 1))
    for line in result:  # every edited or added line names the revision that wrote it
        if line.text.startswith(("edited in", "added in")):
            assert line.origin == int(line.text.split()[-1])
        else:
            assert line.origin == 0


def test_a_thousand_revisions_of_a_hundred_line_page_blame_quickly():
    rng = random.Random(5)

    def sentence() -> str:
        return " ".join("".join(rng.choices("abcdefghijklmnop", k=6)) for _ in range(7))

    lines = [sentence() for _ in range(100)]
    revisions = []
    for revision in range(1_000):
        for _ in range(rng.randint(1, 2)):
            lines[rng.randrange(len(lines))] = sentence()
        revisions.append((revision, "\n".join(lines) + "\n"))
    assert 4_000 < len(revisions[-1][1]) < 6_000  # a ~5 KB page

    started = time.perf_counter()
    result = blame(revisions)
    elapsed = time.perf_counter() - started

    assert elapsed < 5, f"blame took {elapsed:.2f} s"
    assert [line.text for line in result] == lines


# --- The fast implementation gives the results of diffing each pair with line_runs ---------


def reference_blame(revisions) -> list[tuple[int, str, object]]:
    """Blame as defined: each successive pair diffed with ``line_runs`` (line mode)."""
    origins: list[object] = []
    previous = ""
    for key, text in revisions:
        text = normalize_text(text)
        if text == previous:
            continue
        carried: list[object] = []
        at = 0
        for kind, count in line_runs(previous, text, timeout=10):
            if kind == "equal":
                carried.extend(origins[at : at + count])
                at += count
            elif kind == "delete":
                at += count
            else:
                carried.extend([key] * count)
        origins, previous = carried, text
    return [
        (n, line, o)
        for n, (line, o) in enumerate(zip(split_lines(previous), origins, strict=True), 1)
    ]


def triples(result: list[BlameLine]) -> list[tuple[int, str, object]]:
    return [(line.number, line.text, line.origin) for line in result]


def random_history(seed: int, count: int = 60) -> list[tuple[int, str]]:
    """Small edits over few distinct lines (many repeats) and some new ones, with reverts,
    emptied pages, CRLF and missing final newlines."""
    rng = random.Random(seed)
    vocabulary = ["a", "b", "c", "d", "", " a", "a "]

    def some_line() -> str:
        return rng.choice(vocabulary) if rng.random() < 0.8 else f"new {rng.randrange(10**6)}"

    lines = [some_line() for _ in range(rng.randint(0, 8))]
    texts: list[str] = []
    for _ in range(count):
        action = rng.random()
        if action < 0.08 and texts:
            text = rng.choice(texts)  # revert to an older revision
            lines = split_lines(text)
        else:
            if action < 0.12:
                lines = []
            for _ in range(rng.randint(1, 3)):
                position = rng.randint(0, len(lines))
                edit = rng.random()
                if edit < 0.3 or not lines:
                    lines[position:position] = [some_line() for _ in range(rng.randint(1, 3))]
                elif edit < 0.55:
                    del lines[position : position + rng.randint(1, 3)]
                elif edit < 0.8:
                    lines[min(position, len(lines) - 1)] = some_line()
                else:  # move a line
                    moved = lines.pop(min(position, len(lines) - 1))
                    lines.insert(rng.randint(0, len(lines)), moved)
            text = "\n".join(lines)
            if rng.random() < 0.7 and lines:
                text += "\n"
            if rng.random() < 0.1:
                text = text.replace("\n", "\r\n")
        texts.append(text)
    return list(enumerate(texts))


@pytest.mark.parametrize("seed", range(150))
def test_blame_matches_diffing_each_pair_in_line_mode(seed):
    history = random_history(seed)
    assert triples(blame(history)) == reference_blame(history)


def test_the_fast_diff_is_exactly_diff_match_patchs_diff_main():
    rng = random.Random(7)
    dmp, reference = diff_match_patch(), diff_match_patch()
    dmp.Diff_Timeout = reference.Diff_Timeout = 10
    for _ in range(20_000):
        old = "".join(rng.choices("abcd"[: rng.randint(1, 4)], k=rng.randint(0, 14)))
        if rng.random() < 0.5:  # a small edit of it
            at = rng.randint(0, len(old))
            cut = rng.randint(0, 3)
            new = old[:at] + "".join(rng.choices("abcde", k=rng.randint(0, 3))) + old[at + cut :]
        else:
            new = "".join(rng.choices("abcd", k=rng.randint(0, 14)))
        expected = reference.diff_main(old, new, False)
        assert blame_module._diff_main(dmp, old, new, time.time() + 10) == expected, (old, new)


def test_common_lines_are_found_on_the_text():
    rng = random.Random(3)

    def naive(old: str, new: str) -> tuple[int, int, int]:
        a, b = split_lines(old), split_lines(new)
        k = 0
        while k < min(len(a), len(b)) and a[k] == b[k]:
            k += 1
        m = 0
        while m < min(len(a), len(b)) - k and a[-1 - m] == b[-1 - m]:
            m += 1
        return (
            sum(len(line) + 1 for line in a[:k]),
            len(old) - sum(len(line) + 1 for line in a[len(a) - m :]),
            len(new) - sum(len(line) + 1 for line in b[len(b) - m :]),
        )

    def text(lines: list[str]) -> str:
        return "".join(line + "\n" for line in lines)

    for _ in range(20_000):
        old_lines = [
            "".join(rng.choices("ab", k=rng.randint(0, 4))) for _ in range(rng.randint(0, 8))
        ]
        new_lines = list(old_lines)
        at = rng.randint(0, len(new_lines))
        new_lines[at : at + rng.randint(0, 2)] = [
            "".join(rng.choices("ab", k=rng.randint(0, 4))) for _ in range(rng.randint(0, 2))
        ]
        old, new = text(old_lines), text(new_lines)
        assert blame_module._common_lines(old, new) == naive(old, new), (old, new)


def test_the_usual_path_does_not_fall_back_to_line_runs(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("line_runs called")

    monkeypatch.setattr(blame_module, "line_runs", fail)
    history = random_history(1, count=200)
    assert triples(blame(history)) == reference_blame(history)


@pytest.mark.parametrize("limit", [3, 12, 16])
def test_a_full_line_table_is_started_afresh_without_changing_the_result(monkeypatch, limit):
    # These histories have 18 to 33 distinct lines each, and at most 15 in any pair.
    tables, fallbacks = [], []

    class CountedTable(blame_module._LineTable):
        def __init__(self) -> None:
            super().__init__()
            tables.append(self)

    def counted_line_runs(*args, **kwargs):
        fallbacks.append(args)
        return line_runs(*args, **kwargs)

    monkeypatch.setattr(blame_module, "_LineTable", CountedTable)
    monkeypatch.setattr(blame_module, "line_runs", counted_line_runs)
    monkeypatch.setattr(blame_module, "_MAX_CODES", limit)
    for seed in range(30):
        history = random_history(seed)
        assert triples(blame(history)) == reference_blame(history)
    assert len(tables) >= 30 * 2  # every blame started a table afresh at least once
    if limit == 3:  # some pairs have more distinct lines than that: diffed by line_runs
        assert fallbacks
    if limit == 16:  # every pair fits in a fresh table
        assert not fallbacks


def test_a_line_table_over_its_character_budget_is_started_afresh(monkeypatch):
    monkeypatch.setattr(blame_module, "_MAX_TABLE_CHARS", 5)
    for seed in range(30):
        history = random_history(seed)
        assert triples(blame(history)) == reference_blame(history)


def test_more_distinct_lines_than_characters_still_blames_every_line(monkeypatch):
    monkeypatch.setattr(blame_module, "_MAX_CODES", 4)
    history = [(1, "a\nb\nc\n"), (2, "a\nb\nc\nd\ne\nf\n"), (3, "x\nb\nc\nd\ne\nf\ny\n")]
    assert triples(blame(history)) == [
        (1, "x", 3),
        (2, "b", 1),
        (3, "c", 1),
        (4, "d", 2),
        (5, "e", 2),
        (6, "f", 2),
        (7, "y", 3),
    ]


def test_an_exhausted_budget_still_describes_the_latest_text(monkeypatch):
    monkeypatch.setattr(blame_module, "TOTAL_BUDGET", 0)
    history = random_history(4, count=300)
    result = blame(history)
    assert [line.text for line in result] == split_lines(history[-1][1])
    texts = dict(history)
    for line in result:  # coarser diffs only credit newer revisions, which have the line
        assert line.text in split_lines(texts[line.origin])
