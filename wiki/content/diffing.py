"""Compare two revisions of a page's Markdown for the diff page.

The comparison runs at two levels, both with Google's diff-match-patch:

* **Lines.** Each distinct line is mapped to one character (diff-match-patch's "line mode"),
  the two character strings are diffed and the result mapped back to lines.
* **Words.** Inside a changed stretch, the n-th deleted line is paired with the n-th inserted
  line and the pair is diffed again on words (runs of letters/digits, runs of whitespace and
  single punctuation characters), so the page can highlight just the words that changed.

Everything is bounded so that no input can make a request hang: the line diff has a time
limit, the word diffs of one comparison share a time budget, and very long changed stretches
inside a line are highlighted as a whole instead of word by word. When a limit is hit the
result is still a correct diff, just a coarser one.

What is *shown* is bounded too, so that the page stays small for any pair of texts: a diff
shows at most :data:`MAX_SHOWN_LINES` lines and about :data:`MAX_SHOWN_HTML` characters of
line HTML; the changed lines past that are only counted (:attr:`Diff.hidden`), for the page
to say so and link to both texts in full. A line longer than :data:`MAX_LINE_CHARS` is cut
down: unchanged stretches keep :data:`LINE_CONTEXT_CHARS` characters next to each change,
and what is left out is marked with the number of characters.

Line endings are normalised (``\\r\\n`` and ``\\r`` become ``\\n``) and a missing final newline
is not a change.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch
from markupsafe import Markup, escape

Kind = Literal["equal", "delete", "insert"]

#: Seconds the line-level diff may take before it settles for a coarser result.
LINE_DIFF_TIMEOUT = 0.25
#: Seconds all word-level diffs of one comparison may take together.
WORD_DIFF_BUDGET = 0.25
#: Changed stretches of a line pair longer than this (in characters, on either side) are
#: highlighted as a whole rather than diffed word by word.
WORD_DIFF_MAX_CHARS = 10_000
#: Most lines (changed and context) one diff shows; later changes are counted, not shown.
MAX_SHOWN_LINES = 1_000
#: Characters of line HTML after which a diff shows no further lines (a soft limit: the
#: line that crosses it is shown whole).
MAX_SHOWN_HTML = 300_000
#: Longest line shown whole; longer ones are cut down around their changes.
MAX_LINE_CHARS = 20_000
#: Unchanged characters kept next to each change in a line that is cut down.
LINE_CONTEXT_CHARS = 500

_DELETE = diff_match_patch.DIFF_DELETE
_INSERT = diff_match_patch.DIFF_INSERT
_EQUAL = diff_match_patch.DIFF_EQUAL
_KIND: dict[int, Kind] = {_EQUAL: "equal", _DELETE: "delete", _INSERT: "insert"}

# Words, whitespace runs, and single other characters (punctuation, Markdown syntax).
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WORD_CHAR = re.compile(r"\w")
# Largest code point usable as a token stand-in (token 0 is never used).
_MAX_TOKENS = 0x10FFFF


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff.

    ``old_number``/``new_number`` are 1-based line numbers in the old/new text (``None`` on the
    side the line does not exist). ``html`` is the escaped line without its newline; in changed
    lines that were paired up, the changed words are wrapped in ``<del>`` (old side) or
    ``<ins>`` (new side).
    """

    kind: Kind
    old_number: int | None
    new_number: int | None
    html: Markup


@dataclass(frozen=True)
class SideBySideRow:
    """One row of the side-by-side view: old line on the left, new line on the right.

    Unchanged lines appear on both sides (the same :class:`DiffLine`). In a changed stretch the
    n-th deleted line sits next to the n-th inserted line; a side without a partner is ``None``.
    """

    left: DiffLine | None
    right: DiffLine | None


@dataclass(frozen=True)
class Hunk:
    """A group of changes with surrounding context.

    ``lines`` is the inline (unified) view: context, then all deleted lines of a change, then
    all inserted ones. ``rows`` is the side-by-side view of the same lines. ``skipped_before``
    counts the unchanged lines collapsed between the previous hunk (or the start of the text)
    and this one.
    """

    lines: list[DiffLine]
    rows: list[SideBySideRow]
    skipped_before: int


@dataclass(frozen=True)
class Diff:
    """The comparison of two texts.

    ``added``/``removed`` count inserted/deleted lines. ``skipped_after`` counts the unchanged
    lines collapsed after the last hunk; when the texts are identical there are no hunks and it
    counts all lines. ``hidden`` counts the changed (deleted or inserted) lines not shown
    because the diff reached its size limits; then ``skipped_after`` is 0.
    """

    hunks: list[Hunk]
    added: int
    removed: int
    skipped_after: int
    hidden: int = 0

    @property
    def identical(self) -> bool:
        """True when the texts have the same lines (after line-ending normalisation)."""
        return self.added == 0 and self.removed == 0


def normalize_text(text: str) -> str:
    """Return ``text`` with ``\\n`` line endings and, unless empty, a final newline.

    ``\\r\\n`` and lone ``\\r`` become ``\\n``. Raises nothing.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    return text


def split_lines(text: str) -> list[str]:
    """Return the lines of ``text`` without line terminators, after :func:`normalize_text`.

    An empty text has no lines; ``"\\n"`` is one empty line. Only ``\\n`` (after
    normalisation) separates lines, other Unicode separators stay inside a line. Raises
    nothing.
    """
    text = normalize_text(text)
    return text.split("\n")[:-1] if text else []


def line_runs(old: str, new: str, *, timeout: float = LINE_DIFF_TIMEOUT) -> list[tuple[Kind, int]]:
    """Diff two texts line by line and return runs of ``(kind, number_of_lines)``.

    Texts are normalised with :func:`normalize_text` first, so the runs index into
    :func:`split_lines` of each text: ``equal`` runs consume lines of both, ``delete`` runs lines
    of ``old`` only and ``insert`` runs lines of ``new`` only. Between two equal runs the deleted
    lines come before the inserted ones. The diff gives up refining after ``timeout`` seconds
    (which must be positive), producing a larger but still correct change. Raises
    ``ValueError`` for a timeout that is not positive.
    """
    if not timeout > 0:
        raise ValueError("timeout must be positive")
    old, new = normalize_text(old), normalize_text(new)
    if old == new:
        count = old.count("\n")
        return [("equal", count)] if count else []
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    chars_old, chars_new, line_array = dmp.diff_linesToChars(old, new)
    if set(chars_old).isdisjoint(chars_new):  # no line in common: skip the search
        whole: list[tuple[Kind, int]] = [("delete", old.count("\n")), ("insert", new.count("\n"))]
        return [(kind, count) for kind, count in whole if count]
    diffs = dmp.diff_main(chars_old, chars_new, False)
    dmp.diff_charsToLines(diffs, line_array)
    runs: list[tuple[Kind, int]] = []
    pending_insert = 0  # keep deletions before insertions within one change
    for op, text in diffs:
        count = text.count("\n")
        if not count:
            continue
        if op == _INSERT:
            pending_insert += count
            continue
        if op == _EQUAL and pending_insert:
            runs.append(("insert", pending_insert))
            pending_insert = 0
        kind = _KIND[op]
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + count)
        else:
            runs.append((kind, count))
    if pending_insert:
        runs.append(("insert", pending_insert))
    return runs


def encode_tokens(a: Sequence[str], b: Sequence[str]) -> tuple[str, str] | None:
    """Map each distinct string of ``a`` and ``b`` to one character, as line mode does.

    Returns the two encoded strings (equal strings get equal characters), or ``None`` when there
    are more distinct strings than Unicode code points. Raises nothing.
    """
    table: dict[str, str] = {}

    def encode(tokens: Sequence[str]) -> str | None:
        out = []
        for token in tokens:
            char = table.get(token)
            if char is None:
                if len(table) >= _MAX_TOKENS:
                    return None
                char = table[token] = chr(len(table) + 1)
            out.append(char)
        return "".join(out)

    encoded_a = encode(a)
    encoded_b = encode(b) if encoded_a is not None else None
    if encoded_a is None or encoded_b is None:
        return None
    return encoded_a, encoded_b


def diff_texts(old: str, new: str, context: int = 3) -> Diff:
    """Compare two texts line by line, with word highlights inside changed lines.

    ``context`` unchanged lines are kept around each change; a longer unchanged stretch
    between changes (more than ``2 * context`` lines) is collapsed and counted in
    :attr:`Hunk.skipped_before` / :attr:`Diff.skipped_after`. All text is HTML-escaped.
    The hunks stop at :data:`MAX_SHOWN_LINES` lines or :data:`MAX_SHOWN_HTML` characters
    of line HTML; the changed lines after that are counted in :attr:`Diff.hidden`. Lines
    longer than :data:`MAX_LINE_CHARS` are cut down around their changes. Runs in bounded
    time for any input (see the module docstring). Raises ``ValueError`` when ``context``
    is negative.
    """
    if context < 0:
        raise ValueError("context must not be negative")
    old_lines, new_lines = split_lines(old), split_lines(new)
    blocks = _change_blocks(line_runs(old, new))
    builder = _HunkBuilder(_WordBudget(time.monotonic() + WORD_DIFF_BUDGET))
    old_at = new_at = 0  # 0-based index of the next line on each side
    added = removed = hidden = 0
    skipped_after = 0
    for index, (deleted, inserted, equal) in enumerate(blocks):
        removed += deleted
        added += inserted
        if deleted or inserted:
            if builder.full:
                hidden += deleted + inserted
            else:
                shown = builder.add_change(
                    old_lines[old_at : old_at + deleted],
                    new_lines[new_at : new_at + inserted],
                    old_at,
                    new_at,
                )
                hidden += deleted + inserted - shown
            old_at += deleted
            new_at += inserted
        if not equal:
            continue
        change_before = index > 0 or bool(deleted or inserted)
        change_after = index + 1 < len(blocks)
        if not change_after and (builder.full or not change_before):
            skipped_after = equal
        elif builder.full:
            pass  # the changes after this stretch are only counted
        elif not change_before:
            shown = min(equal, context)
            builder.start(skipped_before=equal - shown)
            builder.add_equal(_unchanged(old_lines, old_at, new_at, equal - shown, equal))
        elif not change_after:
            shown = min(equal, context)
            builder.add_equal(_unchanged(old_lines, old_at, new_at, 0, shown))
            skipped_after = equal - shown
        elif equal <= 2 * context:
            builder.add_equal(_unchanged(old_lines, old_at, new_at, 0, equal))
        else:
            builder.add_equal(_unchanged(old_lines, old_at, new_at, 0, context))
            builder.start(skipped_before=equal - 2 * context)
            builder.add_equal(_unchanged(old_lines, old_at, new_at, equal - context, equal))
        old_at += equal
        new_at += equal
    return Diff(builder.finish(), added, removed, 0 if hidden else skipped_after, hidden)


def _change_blocks(runs: list[tuple[Kind, int]]) -> list[tuple[int, int, int]]:
    """Group line runs into ``(deleted, inserted, equal)`` blocks.

    Each block is a change of ``deleted`` old and ``inserted`` new lines followed by ``equal``
    unchanged lines. Only the first block can have an empty change (a leading unchanged
    stretch), and only the last one can have ``equal == 0``.
    """
    blocks: list[tuple[int, int, int]] = []
    deleted = inserted = 0
    for kind, count in runs:
        if kind == "delete":
            deleted += count
        elif kind == "insert":
            inserted += count
        else:
            blocks.append((deleted, inserted, count))
            deleted = inserted = 0
    if deleted or inserted:
        blocks.append((deleted, inserted, 0))
    return blocks


def _unchanged(
    old_lines: list[str], old_at: int, new_at: int, start: int, stop: int
) -> list[DiffLine]:
    """Lines ``start..stop-1`` of the unchanged stretch beginning at ``old_at``/``new_at``."""
    return [
        DiffLine("equal", old_at + i + 1, new_at + i + 1, _plain_line(old_lines[old_at + i]))
        for i in range(start, stop)
    ]


class _WordBudget:
    """Time left for the word-level diffs of one comparison."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class _HunkBuilder:
    """Collects lines and rows into hunks, and counts what it shows."""

    def __init__(self, budget: _WordBudget) -> None:
        self.budget = budget
        self.hunks: list[Hunk] = []
        self.lines: list[DiffLine] | None = None
        self.rows: list[SideBySideRow] = []
        self.skipped_before = 0
        self.shown_lines = 0
        self.shown_html = 0

    @property
    def full(self) -> bool:
        """Whether the diff shows as much as it may."""
        return self.shown_lines >= MAX_SHOWN_LINES or self.shown_html >= MAX_SHOWN_HTML

    def start(self, skipped_before: int) -> None:
        self._close()
        self.lines, self.rows, self.skipped_before = [], [], skipped_before

    def _shown(self, line: DiffLine) -> DiffLine:
        self.shown_lines += 1
        self.shown_html += len(line.html)
        return line

    def add_equal(self, lines: list[DiffLine]) -> None:
        if self.lines is None:
            self.start(skipped_before=0)
        assert self.lines is not None
        self.lines.extend(map(self._shown, lines))
        self.rows.extend(SideBySideRow(line, line) for line in lines)

    def add_change(
        self, old_lines: list[str], new_lines: list[str], old_at: int, new_at: int
    ) -> int:
        """Add a change, pair of lines by pair of lines while the diff has room; returns
        how many of its lines were added."""
        if self.lines is None:
            self.start(skipped_before=0)
        assert self.lines is not None
        left: list[DiffLine] = []
        right: list[DiffLine] = []
        for i in range(max(len(old_lines), len(new_lines))):
            if self.full:
                break
            old_html: Markup | None
            new_html: Markup | None
            if i < len(old_lines) and i < len(new_lines):
                old_html, new_html = _highlight_pair(old_lines[i], new_lines[i], self.budget)
            else:  # a line without partner is changed as a whole: nothing to highlight
                old_html = _plain_line(old_lines[i]) if i < len(old_lines) else None
                new_html = _plain_line(new_lines[i]) if i < len(new_lines) else None
            if old_html is not None:
                left.append(self._shown(DiffLine("delete", old_at + i + 1, None, old_html)))
            if new_html is not None:
                right.append(self._shown(DiffLine("insert", None, new_at + i + 1, new_html)))
        self.lines.extend(left)
        self.lines.extend(right)
        for i in range(max(len(left), len(right))):
            self.rows.append(
                SideBySideRow(
                    left[i] if i < len(left) else None,
                    right[i] if i < len(right) else None,
                )
            )
        return len(left) + len(right)

    def _close(self) -> None:
        if self.lines:
            self.hunks.append(Hunk(self.lines, self.rows, self.skipped_before))
        self.lines = None

    def finish(self) -> list[Hunk]:
        self._close()
        return self.hunks


# One piece of a line as shown: unchanged text (False), changed text (True), or the number
# of characters left out at that point.
_Piece = tuple[bool, str] | int


def _omitted(count: int) -> str:
    return f'<span class="omitted">… {count:,} characters not shown …</span>'


def _plain_line(line: str) -> Markup:
    """A line shown without highlights, escaped; cut after :data:`MAX_LINE_CHARS`."""
    if len(line) <= MAX_LINE_CHARS:
        return escape(line)
    return Markup(str(escape(line[:MAX_LINE_CHARS])) + _omitted(len(line) - MAX_LINE_CHARS))


def _highlight_pair(old: str, new: str, budget: _WordBudget) -> tuple[Markup, Markup]:
    """Return the escaped old and new line with changed words in ``<del>``/``<ins>``."""
    segments = _word_segments(old, new, budget)
    old_side = [(op != _EQUAL, text) for op, text in segments if op != _INSERT and text]
    new_side = [(op != _EQUAL, text) for op, text in segments if op != _DELETE and text]
    return _side_html(old_side, "del"), _side_html(new_side, "ins")


def _side_html(pieces: list[tuple[bool, str]], tag: str) -> Markup:
    """One side of a changed line pair, changed pieces wrapped in ``tag``; a line longer
    than :data:`MAX_LINE_CHARS` is cut down around its changes first."""
    shown: list[_Piece] = list(pieces)
    if sum(len(text) for _, text in pieces) > MAX_LINE_CHARS:
        shown = _cut_down(pieces)
    parts: list[str] = []
    for piece in shown:
        if isinstance(piece, int):
            parts.append(_omitted(piece))
        elif piece[0]:
            parts.append(f"<{tag}>{escape(piece[1])}</{tag}>")
        else:
            parts.append(str(escape(piece[1])))
    return Markup("".join(parts))


def _cut_down(pieces: list[tuple[bool, str]]) -> list[_Piece]:
    """The pieces of a long line as shown: each unchanged stretch keeps
    :data:`LINE_CONTEXT_CHARS` characters next to each change (all of its start when the
    line has no change on this side), and the whole stays within :data:`MAX_LINE_CHARS`."""
    if len(pieces) == 1 and not pieces[0][0]:
        return [(False, pieces[0][1][:MAX_LINE_CHARS]), len(pieces[0][1]) - MAX_LINE_CHARS]
    trimmed: list[_Piece] = []
    last = len(pieces) - 1
    for index, (changed, text) in enumerate(pieces):
        keep_start = 0 if changed or index == 0 else LINE_CONTEXT_CHARS
        keep_end = 0 if changed or index == last else LINE_CONTEXT_CHARS
        if changed or len(text) <= keep_start + keep_end:
            trimmed.append((changed, text))
            continue
        trimmed.append((False, text[:keep_start]))
        trimmed.append(len(text) - keep_start - keep_end)
        trimmed.append((False, text[len(text) - keep_end :]))
    room = MAX_LINE_CHARS
    result: list[_Piece] = []
    for index, piece in enumerate(trimmed):
        if isinstance(piece, int):
            result.append(piece)
            continue
        changed, text = piece
        if len(text) <= room:
            result.append(piece)
            room -= len(text)
            continue
        result.append((changed, text[:room]))
        rest = (
            len(text)
            - room
            + sum(item if isinstance(item, int) else len(item[1]) for item in trimmed[index + 1 :])
        )
        result.append(rest)
        break
    return result


def _word_segments(old: str, new: str, budget: _WordBudget) -> list[tuple[int, str]]:
    """Diff two lines on words, as diff-match-patch ``(op, text)`` tuples.

    The common start and end (cut back to word boundaries) are split off first in linear time;
    only the differing middle is diffed word by word, and only when it is short enough and the
    budget is not used up. Otherwise the whole middle is marked as changed.
    """
    dmp = diff_match_patch()
    prefix = dmp.diff_commonPrefix(old, new)
    while prefix and (_inside_token(old, prefix) or _inside_token(new, prefix)):
        prefix -= 1
    old_rest, new_rest = old[prefix:], new[prefix:]
    suffix = dmp.diff_commonSuffix(old_rest, new_rest)
    while suffix and (
        _inside_token(old_rest, len(old_rest) - suffix)
        or _inside_token(new_rest, len(new_rest) - suffix)
    ):
        suffix -= 1
    old_mid = old_rest[: len(old_rest) - suffix]
    new_mid = new_rest[: len(new_rest) - suffix]

    middle: list[tuple[int, str]] | None = None
    remaining = budget.remaining()
    if (
        len(old_mid) <= WORD_DIFF_MAX_CHARS
        and len(new_mid) <= WORD_DIFF_MAX_CHARS
        and remaining > 0
    ):
        middle = _diff_words(dmp, old_mid, new_mid, remaining)
    if middle is None:
        middle = [(_DELETE, old_mid), (_INSERT, new_mid)]
    return [(_EQUAL, old[:prefix]), *middle, (_EQUAL, old_rest[len(old_rest) - suffix :])]


def _inside_token(text: str, position: int) -> bool:
    """True when ``position`` splits a word or a whitespace run of ``text``."""
    if position <= 0 or position >= len(text):
        return False
    before, after = text[position - 1], text[position]
    return (_is_word(before) and _is_word(after)) or (before.isspace() and after.isspace())


def _is_word(char: str) -> bool:
    return _WORD_CHAR.match(char) is not None


def _diff_words(
    dmp: diff_match_patch, old: str, new: str, timeout: float
) -> list[tuple[int, str]] | None:
    """Word-level diff of two strings via one character per distinct word."""
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    encoded = encode_tokens(old_tokens, new_tokens)
    if encoded is None:
        return None
    dmp.Diff_Timeout = timeout
    diffs = dmp.diff_main(encoded[0], encoded[1], False)
    dmp.diff_cleanupSemantic(diffs)
    segments: list[tuple[int, str]] = []
    old_at = new_at = 0
    for op, chars in diffs:
        count = len(chars)
        if op == _INSERT:
            segments.append((op, "".join(new_tokens[new_at : new_at + count])))
            new_at += count
        else:
            segments.append((op, "".join(old_tokens[old_at : old_at + count])))
            old_at += count
            if op == _EQUAL:
                new_at += count
    return segments
