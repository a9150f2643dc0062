"""Three-way merge of concurrent edits to a page.

When someone saves a page that was changed after they started editing, their text ("mine")
and the text saved meanwhile ("theirs") are merged against the revision both started from
("base"). Changes to different parts of the page combine cleanly; where both changed the same
lines differently, the merged text carries conflict markers::

    <<<<<<< your version
    ...lines as you wrote them...
    =======
    ...lines as saved meanwhile...
    >>>>>>> saved meanwhile

As usual for line-based merges (diff3), edits to *adjacent* lines also conflict: there is no
unchanged line between them to anchor the merge. Paragraphs in Markdown are separated by blank
lines, so edits to different paragraphs merge cleanly.

The marked text is only a convenience: the conflict page shows both full texts, and the user's
own text is never lost. Line matching uses diff-match-patch with a time limit, so a merge
cannot hang; if the limit is hit, the matching is coarser and may report a conflict where a
slower search would not have, never the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from merge3 import Merge3

from wiki.content.diffing import encode_tokens

#: Seconds each line matching (base against mine, base against theirs) may take.
MATCH_TIMEOUT = 0.5

START_MARKER = "<<<<<<< your version"
MID_MARKER = "======="
END_MARKER = ">>>>>>> saved meanwhile"


@dataclass(frozen=True)
class MergeResult:
    """Outcome of a three-way merge.

    ``text`` is the merged text, with conflict markers around each clash when ``conflicted``.
    """

    text: str
    conflicted: bool


def merge_texts(base: str, mine: str, theirs: str) -> MergeResult:
    """Merge the changes base→mine and base→theirs into one text.

    Line endings are normalised to ``\\n`` in all three texts and a missing final newline is not
    a change. The merged text ends with a newline exactly when ``mine`` does. Changes made only
    on one side, and identical changes made on both sides, are taken without conflict; if
    ``mine`` and ``theirs`` are equal the result is that text. Otherwise clashing stretches are
    written as both versions between markers (``<<<<<<< your version`` / ``=======`` /
    ``>>>>>>> saved meanwhile``) and ``conflicted`` is true. Raises nothing.
    """
    base, mine, theirs = (_normalize_endings(t) for t in (base, mine, theirs))
    mine_has_final_newline = mine.endswith("\n")
    base, mine, theirs = (_terminate(t) for t in (base, mine, theirs))

    if mine == theirs or theirs == base:
        merged, conflicted = mine, False
    elif mine == base:
        merged, conflicted = theirs, False
    else:
        merged, conflicted = _merge_lines(base, mine, theirs)

    if not mine_has_final_newline and merged.endswith("\n"):
        merged = merged[:-1]
    return MergeResult(merged, conflicted)


@dataclass(frozen=True)
class Clash:
    """One marked stretch of a merged text: both versions of the clashing lines."""

    mine: str
    theirs: str


def split_conflicts(text: str) -> list[str | Clash]:
    """The merged text cut at its conflict markers: plain stretches and :class:`Clash` es.

    Only complete, well-ordered marker blocks count; a stray or unfinished marker line is
    left in the plain text as it is.
    """
    parts: list[str | Clash] = []
    plain: list[str] = []
    lines = _normalize_endings(text).split("\n")
    index = 0
    while index < len(lines):
        if lines[index] == START_MARKER:
            middle = _find(lines, MID_MARKER, index + 1, stop_at=START_MARKER)
            end = (
                _find(lines, END_MARKER, middle + 1, stop_at=START_MARKER)
                if middle is not None
                else None
            )
            if middle is not None and end is not None:
                if plain:
                    parts.append("\n".join(plain) + "\n")
                    plain = []
                parts.append(
                    Clash("\n".join(lines[index + 1 : middle]), "\n".join(lines[middle + 1 : end]))
                )
                index = end + 1
                continue
        plain.append(lines[index])
        index += 1
    if any(plain):
        parts.append("\n".join(plain))
    return parts


def has_conflicts(text: str) -> bool:
    """Whether the text still holds a complete conflict marker block."""
    return any(isinstance(part, Clash) for part in split_conflicts(text))


def _find(lines: list[str], wanted: str, start: int, stop_at: str) -> int | None:
    for index in range(start, len(lines)):
        if lines[index] == wanted:
            return index
        if lines[index] == stop_at:
            return None
    return None


def _normalize_endings(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _terminate(text: str) -> str:
    return text + "\n" if text and not text.endswith("\n") else text


def _lines(text: str) -> list[str]:
    """Split a newline-terminated text into lines that keep their ``\n`` (and only at ``\n``)."""
    return [line + "\n" for line in text.split("\n")[:-1]]


def _merge_lines(base: str, mine: str, theirs: str) -> tuple[str, bool]:
    """Merge newline-terminated texts with merge3; return the text and whether it conflicts."""
    merger = Merge3(
        _lines(base), _lines(mine), _lines(theirs), sequence_matcher=_BoundedLineMatcher
    )
    out: list[str] = []
    conflicted = False
    for group in merger.merge_groups():
        if group[0] == "conflict":
            conflicted = True
            _, _base_lines, mine_lines, their_lines = group
            out.append(START_MARKER + "\n")
            out.extend(mine_lines)
            out.append(MID_MARKER + "\n")
            out.extend(their_lines)
            out.append(END_MARKER + "\n")
        else:
            out.extend(group[1])
    return "".join(out), conflicted


class _BoundedLineMatcher:
    """A ``difflib.SequenceMatcher`` stand-in for merge3 backed by diff-match-patch.

    Only :meth:`get_matching_blocks` is provided, which is all merge3 uses. Unlike difflib it
    has a time limit (and no "popular line" heuristics).
    """

    def __init__(
        self,
        isjunk: object = None,
        a: Sequence[str] = (),
        b: Sequence[str] = (),
        autojunk: bool = True,
    ) -> None:
        self.a = a
        self.b = b

    def get_matching_blocks(self) -> list[tuple[int, int, int]]:
        """Return ``(i, j, n)`` triples with ``a[i:i+n] == b[j:j+n]``, ending with a sentinel."""
        blocks: list[tuple[int, int, int]] = []
        encoded = encode_tokens(self.a, self.b)
        if encoded is not None:
            dmp = diff_match_patch()
            dmp.Diff_Timeout = MATCH_TIMEOUT
            i = j = 0
            for op, chars in dmp.diff_main(encoded[0], encoded[1], False):
                n = len(chars)
                if op == dmp.DIFF_EQUAL:
                    blocks.append((i, j, n))
                    i += n
                    j += n
                elif op == dmp.DIFF_DELETE:
                    i += n
                else:
                    j += n
        blocks.append((len(self.a), len(self.b), 0))
        return blocks
