"""Blame: which revision introduced each line of a page's latest text.

Successive revisions are diffed line by line (diff-match-patch line mode, see
:func:`wiki.diffing.line_runs`); unchanged lines keep the origin they had, every inserted or
changed line gets the revision that made the change.

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
even pathological histories finish in bounded time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from wiki.diffing import line_runs, normalize_text, split_lines

K = TypeVar("K")

#: Seconds one diff between successive revisions may take.
STEP_TIMEOUT = 0.1
#: Seconds all diffs of one blame may take together; past it each step gets only
#: ``MIN_STEP_TIMEOUT`` (still correct, coarser).
TOTAL_BUDGET = 2.0
MIN_STEP_TIMEOUT = 0.001


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
    deadline = time.monotonic() + TOTAL_BUDGET
    origins: list[K] = []
    previous = ""
    for key, text in revisions:
        text = normalize_text(text)
        if text == previous:
            continue
        timeout = min(STEP_TIMEOUT, max(deadline - time.monotonic(), MIN_STEP_TIMEOUT))
        carried: list[K] = []
        at = 0
        for kind, count in line_runs(previous, text, timeout=timeout):
            if kind == "equal":
                carried.extend(origins[at : at + count])
                at += count
            elif kind == "delete":
                at += count
            else:
                carried.extend([key] * count)
        origins, previous = carried, text
    return [
        BlameLine(number, line, origin)
        for number, (line, origin) in enumerate(zip(split_lines(previous), origins), start=1)
    ]
