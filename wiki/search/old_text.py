"""The text removed from a page over its history, as the search indexes it ("include
history"): each run of lines a revision took out, said with the revisions it was on.

Only what is gone counts: a line whose every word is still in the revision that removed it
(moved, re-wrapped, re-formatted) is left out, so "include history" finds text that is no
longer on the page, not what merely changed place. Lines come from :func:`removed_lines`
(the blame's diffs), so ``first`` is the revision that introduced the oldest line of a
passage, exactly as the blame page would say.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from wiki.content.blame import removed_lines
from wiki.search.backend import RemovedPassage

__all__ = ["MAX_PASSAGE_CHARS", "MAX_PASSAGES", "RevisionText", "removed_passages"]

MAX_PASSAGE_CHARS = 1500
"""A longer run of removed lines is split into passages of about this size, so that a
hit's place (and its snippet) stays precise."""

MAX_PASSAGES = 2000
"""Most passages indexed per page, the latest removals kept: a page rewritten every day
for years is searched for what it lost lately, and its index stays bounded."""

_SPACING = str.maketrans(
    {
        char: " "
        for char in string.punctuation + "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb"
    }
)
"""Punctuation read as spacing when a text is cut into words: both sides of a comparison
are cut alike, and str.translate and split run at C speed (a regex over every removing
revision was a quarter of a full reindex)."""


def _words(text: str) -> set[str]:
    return set(text.casefold().translate(_SPACING).split())


@dataclass(frozen=True)
class RevisionText:
    """One revision of a page as the history search reads it."""

    id: int
    number: int
    body: str
    author: str
    created_at: datetime


def removed_passages(revisions: Sequence[RevisionText]) -> list[RemovedPassage]:
    """The passages removed by ``revisions`` (one page's, oldest first), oldest removal
    first, at most :data:`MAX_PASSAGES` (the latest). Raises nothing for valid revisions."""
    by_number = {revision.number: revision for revision in revisions}
    words_of: dict[int, set[str]] = {}

    def still_there(line: str, number: int) -> bool:
        words = words_of.get(number)
        if words is None:
            words = words_of[number] = _words(by_number[number].body)
        return _words(line) <= words

    passages: list[RemovedPassage] = []
    for run in removed_lines((revision.number, revision.body) for revision in revisions):
        gone = [
            (line.strip(), origin)
            for line, origin in zip(run.lines, run.origins, strict=True)
            if not still_there(line, run.removed_by)
        ]
        removing = by_number[run.removed_by]
        for chunk in _chunks(gone):
            passages.append(
                RemovedPassage(
                    text="\n".join(line for line, _origin in chunk),
                    first=min(origin for _line, origin in chunk),
                    last=run.last,
                    removed=removing.number,
                    removed_id=removing.id,
                    author=removing.author,
                    removed_at=removing.created_at,
                )
            )
    return passages[-MAX_PASSAGES:]


def _chunks(lines: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """``lines`` cut into runs of at most about :data:`MAX_PASSAGE_CHARS` characters (a
    single longer line is cut too)."""
    chunks: list[list[tuple[str, int]]] = []
    size = MAX_PASSAGE_CHARS + 1
    for line, origin in lines:
        for start in range(0, len(line), MAX_PASSAGE_CHARS):
            piece = line[start : start + MAX_PASSAGE_CHARS]
            if size + len(piece) > MAX_PASSAGE_CHARS:
                chunks.append([])
                size = 0
            chunks[-1].append((piece, origin))
            size += len(piece) + 1
    return chunks
