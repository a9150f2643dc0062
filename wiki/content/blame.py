"""Blame: which revision introduced each line of a page's latest text.

Successive revisions are diffed line by line; unchanged lines keep the origin they had, every
inserted or changed line gets the revision that made the change. The result is the one of
diffing each pair with :func:`wiki.content.diffing.line_runs` (diff-match-patch line mode), computed
faster: each distinct line stands for one character in ONE table shared by all revisions of a
blame, only the lines between the common first and last lines of a pair (found on the text,
in C-speed slice comparisons) are split and encoded, the encoded texts are diffed with
``diff_main``'s own steps (common shapes of small edits settled directly, exactly as it would)
and the runs are counted in characters, i.e. lines.

Semantics worth knowing:

* A line's origin is the revision that last *put that text on that line* relative to the
  revision before it. A line restored by a revert (or a restore of an old revision) is
  attributed to the restoring revision, not to the revision that first wrote it: the restoring
  revision is the one that made it current, and it is the one a reader can follow up on.
* A line that is changed in any way (even whitespace only) or moved gets the changing revision.
* Line endings are normalised and a missing final newline is not a change, as on the diff page.
* An empty text has no lines.

Each step is time-limited; when a limit is hit the step settles for a coarser diff, which can
only attribute more lines to the newer revision. A whole blame is additionally budgeted, so
even pathological histories finish in bounded time. The shared line table is bounded too (in
distinct lines, by the Unicode code points available, and in characters); when it is full it
is started afresh, and a single pair of revisions with more distinct lines than code points is
diffed by :func:`wiki.content.diffing.line_runs` instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from diff_match_patch import diff_match_patch

from wiki.content.diffing import line_runs, normalize_text

K = TypeVar("K")

#: Seconds one diff between successive revisions may take.
STEP_TIMEOUT = 0.1
#: Seconds all diffs of one blame may take together; past it each step gets only
#: ``MIN_STEP_TIMEOUT`` (still correct, coarser). Half a second, like one diff's line and
#: word budgets together, so that the blame page of any history answers in about a second.
TOTAL_BUDGET = 0.5
MIN_STEP_TIMEOUT = 0.001

#: Distinct lines one line table can hold: characters 1 .. U+10FFFF stand for lines.
_MAX_CODES = 0x10FFFF
#: Characters of line text one line table may hold before it is started afresh (bounds memory).
_MAX_TABLE_CHARS = 16 * 1024 * 1024

_INSERT = diff_match_patch.DIFF_INSERT
_DELETE = diff_match_patch.DIFF_DELETE
_EQUAL = diff_match_patch.DIFF_EQUAL


@dataclass(frozen=True)
class BlameLine(Generic[K]):
    """A line of the latest text: 1-based ``number``, ``text`` without its newline, and the
    ``origin`` key of the revision that introduced it."""

    number: int
    text: str
    origin: K


def blame(revisions: Iterable[tuple[K, str]]) -> list[BlameLine[K]]:
    """Attribute each line of the last revision to the revision that introduced it.

    ``revisions`` are ``(key, text)`` pairs, oldest first; keys are returned as given (e.g.
    revision ids) and need not be hashable. Returns one :class:`BlameLine` per line of the last
    text, or an empty list when there are no revisions or the last text is empty. Raises
    nothing itself; errors from iterating ``revisions`` propagate.
    """
    return _walk(revisions, None)


@dataclass(frozen=True)
class RemovedLines(Generic[K]):
    """Lines that revision ``removed_by`` took out of the text: consecutive lines of the
    previous revision ``last`` (the last that had them), each with the ``origin`` key of
    the revision that introduced it, oldest first in ``origins``."""

    lines: tuple[str, ...]
    origins: tuple[K, ...]
    last: K
    removed_by: K


def removed_lines(revisions: Iterable[tuple[K, str]]) -> list[RemovedLines[K]]:
    """Every run of lines a revision deleted from the one before, with the revisions that
    had introduced them (as :func:`blame` attributes lines), in the order of the revisions.

    A line that was only changed is removed too (its new form is another line), and so is
    a moved one: the caller decides what counts as removed text. Blank lines are left out.
    Same arguments and time budget as :func:`blame`; raises nothing itself.
    """
    found: list[RemovedLines[K]] = []
    _walk(revisions, found)
    return found


def _walk(
    revisions: Iterable[tuple[K, str]], removals: list[RemovedLines[K]] | None
) -> list[BlameLine[K]]:
    """:func:`blame`, also noting into ``removals`` (when given) what each revision deleted."""
    deadline = time.monotonic() + TOTAL_BUDGET
    dmp = diff_match_patch()
    table = _LineTable()
    origins: list[K] = []  # one per line of ``previous``
    previous = ""  # normalised text of the previous revision
    previous_code: str | None = ""  # its encoding in ``table``; None if it could not be encoded
    previous_key: K | None = None
    for key, text in revisions:
        if "\r" in text or (text and text[-1] != "\n"):
            text = normalize_text(text)
        if text == previous:
            previous_key = key
            continue
        noting = _Noting(removals, previous, previous_key, key) if removals is not None else None
        previous_key = key
        timeout = min(STEP_TIMEOUT, max(deadline - time.monotonic(), MIN_STEP_TIMEOUT))
        if previous_code is not None and table.chars <= _MAX_TABLE_CHARS:
            head, old_end, new_end = _common_lines(previous, text)
            middle = table.encode(text[head:new_end])
            if middle is not None:
                # Line numbers of the cut points; count newlines in the shorter common part.
                changed = previous.count("\n", head, old_end)
                if head <= len(previous) - old_end:
                    lines_before = previous.count("\n", 0, head)
                    lines_after = lines_before + changed
                else:
                    lines_after = len(previous_code) - previous.count("\n", old_end)
                    lines_before = lines_after - changed
                dmp.Diff_Timeout = timeout
                diffs = _diff_middle(
                    dmp,
                    previous_code[:lines_before],
                    previous_code[lines_before:lines_after],
                    middle,
                    previous_code[lines_after:],
                    time.time() + timeout,
                )
                _apply(origins, key, diffs, noting)
                previous_code = previous_code[:lines_before] + middle + previous_code[lines_after:]
                previous = text
                continue
        # The table is full (or the previous text is not in it): start afresh with this pair.
        table = _LineTable()
        old_code = table.encode(previous)
        new_code = table.encode(text) if old_code is not None else None
        if old_code is not None and new_code is not None:
            dmp.Diff_Timeout = timeout
            _apply(origins, key, _diff_main(dmp, old_code, new_code, time.time() + timeout), noting)
        else:
            # More distinct lines in this pair than characters: diff-match-patch's own line
            # mode copes (coarsely) with that.
            table = _LineTable()
            at = 0
            for kind, count in line_runs(previous, text, timeout=timeout):
                if kind == "equal":
                    at += count
                elif kind == "delete":
                    if noting is not None:
                        noting.note(at, origins[at : at + count])
                    del origins[at : at + count]
                else:
                    origins[at:at] = [key] * count
                    at += count
        previous, previous_code = text, new_code
    lines = previous.split("\n")
    del lines[-1]
    return [
        BlameLine(number, line, origin)
        for number, (line, origin) in enumerate(zip(lines, origins, strict=True), start=1)
    ]


def _apply(
    origins: list[K], key: K, diffs: list[tuple[int, str]], noting: _Noting[K] | None = None
) -> None:
    """Turn the origins of the old text's lines into those of the new text's, in place,
    telling ``noting`` of the lines deleted."""
    at = 0
    old_at = 0  # the same place, counted in the old text's lines
    for op, chars in diffs:
        count = len(chars)  # one character per line
        if op == _EQUAL:
            at += count
            old_at += count
        elif op == _DELETE:
            if noting is not None:
                noting.note(old_at, origins[at : at + count])
            del origins[at : at + count]
            old_at += count
        else:
            origins[at:at] = [key] * count
            at += count


class _Noting(Generic[K]):
    """Collects the lines one revision deleted from the previous text into ``removals``."""

    def __init__(self, removals: list[RemovedLines[K]], old_text: str, last: K | None, key: K):
        self._removals, self._old_text, self._last, self._key = removals, old_text, last, key
        self._lines: list[str] | None = None

    def note(self, old_at: int, origins: list[K]) -> None:
        if self._last is None:
            return
        if self._lines is None:
            self._lines = self._old_text.split("\n")
        kept = [
            (line, origin)
            for line, origin in zip(
                self._lines[old_at : old_at + len(origins)], origins, strict=True
            )
            if line.strip()
        ]
        if kept:
            lines, line_origins = zip(*kept, strict=True)
            self._removals.append(RemovedLines(lines, line_origins, self._last, self._key))


class _TableFull(Exception):
    pass


class _LineTable(dict):
    """One character per distinct line (without its newline), shared by the revisions of one
    blame. ``chars`` counts the characters of line text held."""

    __slots__ = ("chars",)

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0

    def __missing__(self, line: str) -> str:
        if len(self) >= _MAX_CODES:
            raise _TableFull
        code = self[line] = chr(len(self) + 1)
        self.chars += len(line)
        return code

    def encode(self, text: str) -> str | None:
        """``text`` (whole lines, each ending in a newline) as one character per line, or
        ``None`` when the table has no room left for its new lines."""
        lines = text.split("\n")
        del lines[-1]
        try:
            return "".join(map(self.__getitem__, lines))
        except _TableFull:
            return None


def _common_lines(old: str, new: str) -> tuple[int, int, int]:
    """The common first and last whole lines of two normalised texts, as offsets.

    Returns ``(head, old_end, new_end)``: ``old[:head] == new[:head]`` is the longest common
    run of first lines, and ``old[old_end:] == new[new_end:]`` the longest common run of last
    lines of what follows (``head <= old_end``, ``head <= new_end``).
    """
    old_len, new_len = len(old), len(new)
    # Longest common prefix by bisection on slice comparisons (C speed), then cut back to the
    # start of the line it ends in: that line differs, or one text ends there.
    low, high = 0, min(old_len, new_len)
    while low < high:
        mid = (low + high + 1) // 2
        if new.startswith(old[low:mid], low):
            low = mid
        else:
            high = mid - 1
    head = old.rfind("\n", 0, low) + 1
    # Longest common suffix of the rest, likewise; then cut forward to a line start in both.
    low, high = 0, min(old_len, new_len) - head
    while low < high:
        mid = (low + high + 1) // 2
        if new.endswith(old[old_len - mid : old_len - low], head, new_len - low):
            low = mid
        else:
            high = mid - 1
    old_end, new_end = old_len - low, new_len - low
    if not (
        (old_end == head or old[old_end - 1] == "\n")
        and (new_end == head or new[new_end - 1] == "\n")
    ):
        # Identical text after both cut points, so a newline in it is one in both.
        cut = old.find("\n", old_end, old_len) + 1 - old_end
        old_end += cut
        new_end += cut
    return head, old_end, new_end


def _diff_main(dmp: diff_match_patch, old: str, new: str, deadline: float) -> list[tuple[int, str]]:
    """``dmp.diff_main(old, new, False, deadline)``, the same list, only faster
    (``dmp.Diff_Timeout`` must be positive, as it is when ``diff_main`` sets a deadline)."""
    if old == new:
        return [(_EQUAL, old)] if old else []
    prefix = dmp.diff_commonPrefix(old, new)
    head, old, new = old[:prefix], old[prefix:], new[prefix:]
    suffix = dmp.diff_commonSuffix(old, new)
    tail = ""
    if suffix:
        tail, old, new = old[-suffix:], old[:-suffix], new[:-suffix]
    return _diff_middle(dmp, head, old, new, tail, deadline)


def _diff_middle(
    dmp: diff_match_patch, head: str, old: str, new: str, tail: str, deadline: float
) -> list[tuple[int, str]]:
    """``dmp.diff_main(head + old + tail, head + new + tail, False, deadline)`` where ``head``
    and ``tail`` are the longest common prefix and then suffix of the two.

    Does what ``diff_main`` does (diff the middle with ``diff_compute``, put back ``head`` and
    ``tail``, ``diff_cleanupMerge``) but settles the common shapes of small edits without the
    general machinery, with the result ``diff_main`` would give: a pure insertion or deletion
    (shifted sideways over the surrounding equalities as ``diff_cleanupMerge`` does), and a
    changed stretch with nothing in common with what it replaces (one deletion and one
    insertion: no equality is possible and ``diff_cleanupMerge`` merges all edits between two
    equalities into one deletion and one insertion, with no common affix to factor out as
    ``head``/``tail`` are the longest).
    """
    if not old or not new:
        op, edit = (_INSERT, new) if new else (_DELETE, old)
        # diff_cleanupMerge shifts an edit between two equalities over the first one when the
        # edit ends with it. (Its shift over the second one, when the edit starts with it, never
        # applies here: the common prefix would then be longer than ``head``.)
        if head and tail and edit.endswith(head):
            return [(op, head + edit[: -len(head)]), (_EQUAL, head + tail)]
        diffs = [(op, edit)]
    elif old not in new if len(old) == 1 else set(old).isdisjoint(new):
        diffs = [(_DELETE, old), (_INSERT, new)]
    else:
        diffs = _diff_compute(dmp, old, new, deadline)
        if head:
            diffs.insert(0, (_EQUAL, head))
        if tail:
            diffs.append((_EQUAL, tail))
        dmp.diff_cleanupMerge(diffs)
        return diffs
    if head:
        diffs.insert(0, (_EQUAL, head))
    if tail:
        diffs.append((_EQUAL, tail))
    return diffs


def _diff_compute(
    dmp: diff_match_patch, old: str, new: str, deadline: float
) -> list[tuple[int, str]]:
    """``dmp.diff_compute(old, new, False, deadline)`` for non-empty texts without a common
    prefix or suffix, with its recursive ``diff_main`` calls made by :func:`_diff_main`."""
    long, short = (old, new) if len(old) > len(new) else (new, old)
    i = long.find(short)
    if i != -1:
        op = _DELETE if len(old) > len(new) else _INSERT
        return [(op, long[:i]), (_EQUAL, short), (op, long[i + len(short) :])]
    if len(short) == 1:
        return [(_DELETE, old), (_INSERT, new)]
    half = dmp.diff_halfMatch(old, new)
    if half:
        old_a, old_b, new_a, new_b, common = half
        return [
            *_diff_main(dmp, old_a, new_a, deadline),
            (_EQUAL, common),
            *_diff_main(dmp, old_b, new_b, deadline),
        ]
    return dmp.diff_bisect(old, new, deadline)
