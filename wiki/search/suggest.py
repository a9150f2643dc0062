"""Help while typing and after a poor search: spelling corrections ("did you mean"), made
from the index's own vocabulary, and title autocomplete.

Both work on an open searcher of the live generation; the engine takes its lock, checks
the index state and turns failures into IndexUnavailable.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import TypeVar

from whoosh import query as wquery
from whoosh.codec.base import Automata
from whoosh.support.levenshtein import damerau_levenshtein

from wiki.search.analysis import WORD, fold, index_term
from wiki.search.schema import AUTOCOMPLETE_GRAM, FIELD_BOOSTS, OLD_TEXT_FIELD
from wiki.search.scoring import CallerError
from wiki.search.snippets import SNIPPET_SCAN_CHARS
from wiki.search.syntax import correctable_words

T = TypeVar("T")

__all__ = ["AUTOCOMPLETE_SCAN", "MAX_CORRECTED_WORDS", "complete_title", "spelling_suggestion"]

MAX_CORRECTED_WORDS = 6
"""A suggestion corrects at most the first six words of a query."""

AUTOCOMPLETE_SCAN = 5000
"""Most candidate titles one autocomplete request looks at."""


# ---------------------------------------------------------------------- spelling


def spelling_suggestion(
    searcher, text: str, allowed: Callable[[int], bool] | None = None
) -> str | None:
    """``text`` (a cleaned query) with its unknown words replaced by the closest known
    ones, or None when every word is known or nothing close exists. Only words of pages
    ``allowed`` permits are offered: a suggestion must not tell that a word exists on a
    page the reader may not read.

    Raises CallerError from the exception ``allowed`` raised, and what Whoosh raises for a
    damaged index.
    """
    words = correctable_words(text)
    if not words:
        return None
    out = text
    changed = False
    readable = _Readable(searcher, allowed)
    # From the end, so that offsets stay valid; a few words at most (each costs a scan
    # of the vocabulary).
    for start, end, word in reversed(words[:MAX_CORRECTED_WORDS]):
        replacement = _correct(searcher, word, readable)
        if replacement is not None and replacement != word:
            out = out[:start] + replacement + out[end:]
            changed = True
    return out if changed else None


class _Readable:
    """The documents (index numbers) with a term that the reader may read, up to a few."""

    def __init__(self, searcher, allowed: Callable[[int], bool] | None):
        self._searcher = searcher
        self._allowed = allowed
        self._verdicts: dict[int, bool] = {}

    def allows(self, docnum: int) -> bool:
        if self._allowed is None:
            return True
        verdict = self._verdicts.get(docnum)
        if verdict is None:
            page_id = self._searcher.stored_fields(docnum).get("page_id")
            try:
                verdict = bool(page_id) and bool(self._allowed(page_id))
            except Exception as exc:
                raise CallerError() from exc
            self._verdicts[docnum] = verdict
        return verdict

    def documents(self, fieldname: str, term: str, most: int = 3) -> list[int]:
        reader = self._searcher.reader()
        if (fieldname, term) not in reader:
            return []
        found: list[int] = []
        # The first few hundred postings are enough to find a readable page, if any.
        for count, docnum in enumerate(reader.postings(fieldname, term).all_ids()):
            if count >= 500 or len(found) >= most:
                break
            if self.allows(docnum):
                found.append(docnum)
        return found


def _frequency(reader, term: str) -> int:
    """Pages that contain ``term`` in their title, tags, headings or body (roughly: a page
    with the word in two fields counts twice)."""
    return sum(reader.doc_frequency(name, term) for name in FIELD_BOOSTS)


def _correct(searcher, word: str, readable: _Readable) -> str | None:
    """The closest known word to an unknown ``word``, or None."""
    folded = fold(word)
    if not 3 <= len(folded) <= 30 or not folded.isalpha():
        # Numbers, codes, short words, words with apostrophes or hyphens and very long
        # ones are not corrected (and the edit-distance automaton of a long word is slow
        # to build).
        return None
    term = index_term(folded)
    reader = searcher.reader()
    # A word of text removed from pages is no typo either: history finds it.
    if term is None or _frequency(reader, term) or reader.doc_frequency(OLD_TEXT_FIELD, term):
        return None
    maxdist = 2 if len(folded) > 4 else 1
    # The edit-distance automaton is built once (a few milliseconds in pure Python), not
    # once per segment and field as each reader's terms_within() would.
    automaton = Automata.levenshtein_dfa(term, maxdist, prefix=1)
    candidates: set[str] = set()
    leaves = [leaf for leaf, _offset in reader.leaf_readers() if leaf.doc_count_all()]
    for leaf in leaves:
        for name in ("body", "title"):  # headings add little and cost as much again
            candidates.update(_accepted(automaton, _vocabulary(searcher, leaf, name)))
    # Indexed words are stems, and a typo can hide the suffix the stemmer would have
    # removed: "configuraton" is 4 edits from "configur" but starts with it.
    for end in range(len(folded) - 1, 3, -1):
        if _frequency(reader, folded[:end]):
            candidates.add(folded[:end])
    # For the same reason, a typo one edit away from a word can be more edits away from
    # its stem ("execuatble" -> "executable" -> "execut"): stem the words one edit away.
    # (Some 300 of them: looked up in the kept word sets, not in the index's files.)
    indexed = [_words_of_pages(searcher, leaf) for leaf in leaves]
    for variant in _one_edit_away(folded):
        stem = index_term(variant)
        if stem and stem not in candidates and any(stem in words for words in indexed):
            candidates.add(stem)
    best = None
    for candidate in sorted(candidates, key=lambda c: (-_frequency(reader, c), c))[:5]:
        for form in _surface_forms(searcher, candidate, readable):
            distance = damerau_levenshtein(form, folded)
            rank = (distance, -_frequency(reader, candidate), len(form), form)
            if distance <= maxdist and (best is None or rank < best[0]):
                best = (rank, form)
    if best is None:
        return None
    surface = best[1]
    if word[:1].isupper():
        surface = surface[:1].upper() + surface[1:]
    return surface


def _vocabulary(searcher, leaf, name: str) -> list[str]:
    """The words of field ``name`` in the segment ``leaf``, sorted, read once per segment
    (:func:`_kept`): walking the edit-distance automaton through the index's word list
    cost a seek and a read per step (measured at 10,000 pages: two thirds of a
    correction's 100-200 ms), through a list a bisect. (A segment of that index holds some
    13,000 words of text.) Raises what Whoosh raises for a damaged index."""
    spelled = leaf.schema[name].spelling_fieldname(name)
    return _kept(
        searcher,
        leaf,
        f"vocabulary:{spelled}",
        lambda: [word.decode("utf-8") for word in leaf.lexicon(spelled)],
    )


def _words_of_pages(searcher, leaf) -> frozenset[str]:
    """Every word of the fields plain words search (title, tags, headings, text, files) in
    the segment ``leaf``: a word is in it exactly when :func:`_frequency` counts it there.
    Read once per segment (:func:`_kept`). Raises what Whoosh raises for a damaged index."""
    return _kept(
        searcher,
        leaf,
        "vocabulary:pages",
        lambda: frozenset(
            word
            for name in FIELD_BOOSTS
            if name in leaf.schema
            for word in _vocabulary(searcher, leaf, name)
        ),
    )


def _kept(searcher, leaf, name: str, build: Callable[[], T]) -> T:
    """What ``build()`` makes of the segment ``leaf``, kept with the engine's other tables
    of the segment (by its weighting) until the segment goes; made anew with another
    weighting. Raises what ``build`` raises."""
    kept = getattr(searcher.weighting, "kept", None)  # the engine's FieldWeighting
    return kept(leaf, name, None, build) if kept is not None else build()


def _accepted(automaton, words: list[str]) -> Iterator[str]:
    """The words of the sorted ``words`` that ``automaton`` accepts: Whoosh's
    ``Automata.find_matches``, with a bisect of the list for its cursor's ``find``."""
    if not words:
        return
    match = automaton.next_valid_string(words[0])
    while match:
        at = bisect_left(words, match)
        if at == len(words):
            return
        word = words[at]
        if word == match:
            yield word
            word += "\0"
        match = automaton.next_valid_string(word)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _one_edit_away(word: str) -> set[str]:
    """The words one swap of neighbours, deletion or insertion away from ``word`` (a few
    hundred: cheap beside the edit-distance automaton)."""
    swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    deletions = {word[:i] + word[i + 1 :] for i in range(len(word))}
    insertions = {word[:i] + c + word[i:] for i in range(len(word) + 1) for c in _LETTERS}
    return (swaps | deletions | insertions) - {word}


def _surface_forms(searcher, term: str, readable: _Readable) -> set[str]:
    """The words of readable pages whose term is ``term`` (terms are stems: "configur" ->
    "configure", "configuration"), read from a few pages that contain it."""
    forms: set[str] = set()
    for name in ("body", "title"):
        for docnum in readable.documents(name, term):
            text = searcher.stored_fields(docnum).get(name) or ""
            for match in WORD.finditer(text[:SNIPPET_SCAN_CHARS]):
                if index_term(match.group()) == term:
                    forms.add(fold(match.group()))
        if forms:
            break
    return forms


# ---------------------------------------------------------------------- autocomplete


def complete_title(
    searcher, folded: str, limit: int, allowed: Callable[[int], bool] | None
) -> list[tuple[str, str]]:
    """``(title, slug)`` of at most ``limit`` permitted pages whose title starts with
    ``folded`` (a folded prefix with at least one word), then of those with a word starting
    with it, shortest titles first.

    Raises CallerError from the exception ``allowed`` raised, and what Whoosh raises for a
    damaged index.
    """
    words = WORD.findall(folded)
    at_word_start = re.compile(r"(?<!\w)" + re.escape(folded))
    q = wquery.And([wquery.Term("title_ac", word[:AUTOCOMPLETE_GRAM]) for word in words[:8]])
    ranked = []
    scanned = 0
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if not reader.has_column("title_key"):
            continue
        keys = reader.column_reader("title_key")
        matcher = q.matcher(leaf, leaf.boolean_context())
        for docnum in matcher.all_ids() if matcher.is_active() else ():
            key = keys[docnum]
            rank = 0 if key.startswith(folded) else 1 if at_word_start.search(key) else 2
            ranked.append((rank, len(key), key, offset + docnum))
            scanned += 1
            if scanned >= AUTOCOMPLETE_SCAN:
                break
    ranked.sort()
    out = []
    for _rank, _length, _key, docnum in ranked:
        stored = searcher.stored_fields(docnum)
        try:
            if allowed is not None and not allowed(stored["page_id"]):
                continue
        except Exception as exc:
            raise CallerError() from exc
        out.append((stored["title"], stored["slug"]))
        if len(out) == limit:
            break
    return out
