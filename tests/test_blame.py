"""Behaviour of blame, the per-line origin of a page's latest text (wiki.blame)."""

from __future__ import annotations

import random
import time

from wiki.blame import BlameLine, blame


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
    assert [(l.number, l.text, l.origin) for l in result] == [
        (1, "alpha", "r1"),
        (2, "BETA", "r2"),
        (3, "gamma", "r1"),
        (4, "delta", "r3"),
    ]


def test_lines_inserted_above_keep_the_origin_of_the_lines_below():
    result = blame([(1, "b\nc\n"), (2, "a\nb\nc\n")])
    assert [(l.number, l.text, l.origin) for l in result] == [
        (1, "a", 2),
        (2, "b", 1),
        (3, "c", 1),
    ]


def test_deleted_lines_disappear_and_the_rest_are_renumbered():
    result = blame([(1, "a\nb\nc\n"), (2, "a\nc\n")])
    assert [(l.number, l.text, l.origin) for l in result] == [(1, "a", 1), (2, "c", 1)]


def test_a_line_restored_from_an_old_revision_is_attributed_to_the_restoring_revision():
    result = blame(
        [
            (1, "policy: trains\nowner: anna\n"),
            (2, "policy: planes\nowner: anna\n"),
            (3, "policy: trains\nowner: anna\n"),  # revert of revision 2
        ]
    )
    assert [(l.text, l.origin) for l in result] == [("policy: trains", 3), ("owner: anna", 1)]


def test_a_revision_identical_to_its_predecessor_claims_no_lines():
    result = blame([(1, "a\nb\n"), (2, "a\nB\n"), (3, "a\nB\n")])
    assert origins(result) == [1, 2]


def test_line_ending_and_final_newline_changes_claim_no_lines():
    result = blame([(1, "a\nb\n"), (2, "a\r\nb\r\n"), (3, "a\nb")])
    assert origins(result) == [1, 1]
    assert [l.text for l in result] == ["a", "b"]


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
    assert [l.text for l in result] == lines
    assert [l.number for l in result] == list(range(1, len(lines) + 1))
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
    assert [l.text for l in result] == lines
