"""Whoosh queries and matchers of the wiki's own: faster versions of Whoosh's OR, prefix and
phrase queries, bounded in cost, and an exact AND-NOT, whose matchers stop a search once its
deadline has passed.

The query compiler (:mod:`wiki.search.query`) builds them; the engine puts the deadline
into the search context (``context.deadline``) and the collector
(:mod:`wiki.search.collecting`) turns :class:`SearchTimeout` into partial results.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from heapq import nlargest
from itertools import compress

from whoosh import matching, query
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.binary import BiMatcher, IntersectionMatcher
from whoosh.matching.combo import ArrayUnionMatcher, CombinationMatcher
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.query.spans import SpanWrappingMatcher
from whoosh.reading import TermNotFound
from whoosh.util import make_binary_tree, make_weighted_tree

__all__ = [
    "PREFIX_MAX_POSTINGS",
    "PREFIX_MAX_TERMS",
    "PREFIX_SCAN_TERMS",
    "AllOf",
    "ArrayOr",
    "BoundedPrefix",
    "ColumnDateRange",
    "ExactPhrase",
    "Exclude",
    "MostWords",
    "SearchTimeout",
    "block_scored",
    "matched_ids",
]

PREFIX_MAX_TERMS = 50
"""A prefix expands to at most this many words of the index, the most frequent first."""

PREFIX_SCAN_TERMS = 2000
"""At most this many candidate words (in alphabetical order) are looked at per prefix."""

PREFIX_MAX_POSTINGS = 12_000
"""The chosen expansions together may match at most this many (document, word) pairs per
field (the first one is always kept): short prefixes of very common words would otherwise
score tens of thousands of postings (measured: ``re*`` took 220 ms at 10,000 pages)."""


class SearchTimeout(Exception):
    """Raised from inside matching once the search's deadline has passed.

    The deadline travels in the search context (``context.deadline``, a
    ``time.monotonic()`` value); the collector catches this and returns what it has.
    Matchers check it themselves because an AND of common words, or a phrase of them, can
    scan thousands of candidates without producing a match for the collector to time.
    """


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


class ArrayOr(query.Or):
    """An OR that adds its parts' scores into an array, a block of documents at a time.

    Whoosh picks this only for small segments; otherwise it walks a tree of binary unions
    for every document. Measured at 10,000 pages: "con*" (a union of ~50 words) 2x faster,
    two-word searches (each word a union of title, headings and body) p95 44 -> 33 ms.
    """

    matcher_type = query.Or.ARRAY_MATCHER

    def _matcher(self, subs, searcher, context):
        return self.union(searcher, context)

    def union(self, searcher, context, *, read: bool = True) -> _ArrayUnionMatcher:
        """The union's matcher (even of one part); with ``read`` False it reads no block
        until told (:class:`_ArrayIntersectionMatcher` picks the blocks)."""
        scored = context.weighting is not None if context else True
        matchers = [
            _part_matcher(sub, searcher, context, scored)
            for sub in _flattened(self.subqueries, searcher)
        ]
        return _ArrayUnionMatcher(
            matchers,
            searcher.doc_count_all(),
            boost=self.boost,
            scored=scored,
            deadline=getattr(context, "deadline", None),
            read=read,
        )


def _flattened(subs, searcher) -> list:
    """The parts of a union, with the words of its prefixes (``config*`` in title, body...)
    and the parts of its unboosted unions as parts of its own: one union then reads their
    posting lists a block at a time, instead of a union reading the documents of another
    one by one. The scores are the same sums."""
    flat = []
    for sub in subs:
        if isinstance(sub, BoundedPrefix):
            flat.extend(sub.terms_for(searcher))
        elif type(sub) is ArrayOr and sub.boost == 1.0:  # (a MostWords counts its parts)
            flat.extend(_flattened(sub.subqueries, searcher))
        else:
            flat.append(sub)
    return flat


def _part_matcher(sub, searcher, context, scored: bool):
    """A part's matcher; an unscored word's is its bare posting list, without the scorer
    (and its look-ups) Whoosh would make for it."""
    if scored or type(sub) is not query.Term or not searcher.is_atomic():
        return sub.matcher(searcher, context)
    field = searcher.schema[sub.fieldname] if sub.fieldname in searcher.schema else None
    if field is None:
        return matching.NullMatcher()
    try:
        return searcher.reader().postings(sub.fieldname, field.to_bytes(sub.text))
    except TermNotFound:
        return matching.NullMatcher()


class _BlockHits:
    """Stepping through the documents with a score of the block read last (``_hits``),
    for matchers that read a block of documents at a time; ``_next_block()`` reads blocks
    on until one has some, or the matcher ends."""

    _hits: list[int]
    _at: int  # where _docnum is in _hits
    _docnum: int  # the current document; _doccount once done
    _doccount: int

    def _next_block(self) -> None:
        raise NotImplementedError

    def next(self):
        self._at += 1
        if self._at < len(self._hits):
            self._docnum = self._hits[self._at]
            return False
        self._next_block()
        return True

    def _skip_in_block(self, docnum: int) -> bool:
        """Move to this block's first document at or after ``docnum``; False if it has
        none."""
        at = bisect_left(self._hits, docnum, self._at)
        if at < len(self._hits):
            self._at, self._docnum = at, self._hits[at]
            return True
        return False

    def all_ids(self):
        while self._docnum < self._doccount:
            yield from self._hits[self._at :]
            self._next_block()


class _ArrayUnionMatcher(_BlockHits, ArrayUnionMatcher):
    """Whoosh's array union (scores added into an array, a block of documents at a time),
    checking the deadline before reading each block, never moving backwards, and reading
    faster:

    * a posting list of the index (a segment's ``W3LeafMatcher``) whose scorer can score
      a run of postings at once (``add_scores``, the wiki's BM25F) is read a block of
      postings at a time instead of one posting per four method calls: reading postings
      was half the time of a search for a prefix or a common word;
    * the documents with a score are listed once per block (in C, ``compress``), so moving
      to the next match does not step through every document number in between.

    Other submatchers (phrases, nested unions...) are read one posting at a time, as
    Whoosh does. The scores are Whoosh's: the sum of the submatchers' scores times the
    union's boost.
    """

    part_size = 2048
    """Documents per block (Whoosh's default); tests make it small to cross blocks."""

    def __init__(self, submatchers, doccount, *, boost, scored, deadline, read=True):
        # Whoosh's __init__, but with the score array copied from zeros: it filled it from
        # a generator, a tenth of the time of a most-words search (a union per word and
        # segment).
        CombinationMatcher.__init__(self, submatchers, boost=boost)
        self._scored = scored
        self._doccount = doccount
        self._partsize = self.part_size
        self._deadline = deadline
        self._zeros = array("d", bytes(8 * self.part_size))
        self._a = array("d", self._zeros)
        self._hits: list[int] = []  # this block's documents with a score
        self._at = 0  # where _docnum is in _hits
        self._unread = not read  # no first block: another matcher reads the blocks
        self._docnum = self._min_id()
        self._read_part()

    def _read_part(self):
        if self._unread:
            self._unread = False
            self._offset = self._limit = self._docnum
            return
        # Reads blocks from the submatchers' lowest document on until one has a match.
        while True:
            if _past(self._deadline):
                raise SearchTimeout
            offset = self._docnum
            if offset >= self._doccount:
                self._docnum = self._doccount
                return
            limit = min(offset + self._partsize, self._doccount)
            self._fill(offset, limit)
            self._offset, self._limit = offset, limit
            self._hits = list(compress(range(offset, limit), self._a))
            self._at = 0
            if self._hits:
                self._docnum = self._hits[0]
                return
            self._docnum = self._min_id()

    def _fill(self, offset: int, limit: int) -> None:
        """Put the scores of documents ``offset`` to ``limit`` (excluded) into ``_a``."""
        scores = self._a
        scores[:] = self._zeros
        for submatcher in self._submatchers:
            _add_scores(submatcher, scores, offset, limit, self._scored, self._boost)

    def _next_block(self) -> None:
        # The submatchers are all past this block already.
        self._docnum = self._min_id()
        self._read_part()

    def _find_next(self):
        if self._docnum >= self._limit or not self._skip_in_block(self._docnum):
            self._next_block()

    def skip_to(self, docnum):
        # Whoosh's version moves back to ``docnum`` when it lies earlier in the current
        # block, so a match already returned could come again.
        if not self.is_active() or docnum <= self._docnum:
            return
        if docnum < self._limit:
            self._docnum = docnum
            self._find_next()
            return
        for submatcher in self._moved():
            if submatcher.is_active():
                submatcher.skip_to(docnum)
        self._next_block()

    def _moved(self) -> list:
        """The matchers this union moves along (its parts; see the most-words union)."""
        return self._submatchers

    def skip_to_quality(self, minquality):
        skipped = 0
        while self.is_active() and self.block_quality() <= minquality:
            skipped += 1
            self._next_block()
        return skipped

    def scored_ids(self) -> Iterator[tuple[int, float]]:
        """The remaining documents with their scores, to the end."""
        while self.is_active():
            scores, offset = self._a, self._offset
            for docnum in self._hits[self._at :]:
                yield docnum, scores[docnum - offset]
            self._next_block()


class AllOf(query.And):
    """An AND whose parts, when each is a union (a word: its field terms), are intersected
    a block of documents at a time (:class:`_ArrayIntersectionMatcher`) instead of by
    Whoosh's tree of intersections, which steps each union document by document: a third
    of the time of a search for two or three common words. Other parts get Whoosh's
    intersections. Scores are the sums of the parts' scores, as Whoosh's."""

    def _matcher(self, subs, searcher, context):
        if self.boost == 1.0 and all(type(sub) is ArrayOr for sub in subs):
            unions = [sub.union(searcher, context, read=False) for sub in subs]
            return _ArrayIntersectionMatcher(
                unions, searcher.doc_count_all(), deadline=getattr(context, "deadline", None)
            )
        matchers = [sub.matcher(searcher, context) for sub in subs]
        reader = searcher.reader()
        weighted = [(-sub.estimate_size(reader), m) for sub, m in zip(subs, matchers, strict=True)]
        matcher = make_weighted_tree(IntersectionMatcher, weighted)
        return matcher if self.boost == 1.0 else WrappingMatcher(matcher, self.boost)


class _ArrayIntersectionMatcher(_BlockHits, matching.Matcher):
    """The documents every union of ``unions`` has, a block at a time: each union reads the
    block's postings into its array (from the last of their first documents on, so a block
    where one has nothing is never read), the blocks' documents are intersected as sets,
    and a document's score is the sum of the unions' scores."""

    def __init__(self, unions: list[_ArrayUnionMatcher], doccount: int, *, deadline):
        self._unions = unions
        self._doccount = doccount
        self._deadline = deadline
        self._hits: list[int] = []
        self._at = 0
        self._offset = self._limit = 0
        self._docnum = 0
        self._read_part()

    def _read_part(self) -> None:
        size = _ArrayUnionMatcher.part_size
        while True:
            if _past(self._deadline):
                raise SearchTimeout
            offset = max(union._min_id() for union in self._unions)
            if offset >= self._doccount:
                self._docnum = self._doccount
                return
            limit = min(offset + size, self._doccount)
            common: set[int] | None = None
            for union in self._unions:
                for submatcher in union._submatchers:
                    if submatcher.is_active() and submatcher.id() < offset:
                        submatcher.skip_to(offset)
                union._fill(offset, limit)
                found = set(compress(range(offset, limit), union._a))
                common = found if common is None else common & found
            self._offset, self._limit = offset, limit
            self._hits, self._at = sorted(common or ()), 0
            if self._hits:
                self._docnum = self._hits[0]
                return

    def is_active(self):
        return self._docnum < self._doccount

    def id(self):
        return self._docnum

    def score(self):
        at = self._docnum - self._offset
        return sum(union._a[at] for union in self._unions)

    def supports(self, astype):
        return False

    def supports_block_quality(self):
        return False

    def replace(self, minquality=0):
        return self

    def _next_block(self) -> None:
        self._read_part()

    def skip_to(self, docnum):
        if not self.is_active() or docnum <= self._docnum:
            return
        if docnum < self._limit:
            if self._skip_in_block(docnum):
                return
        else:
            for union in self._unions:
                for submatcher in union._submatchers:
                    if submatcher.is_active():
                        submatcher.skip_to(docnum)
        self._read_part()

    def scored_ids(self) -> Iterator[tuple[int, float]]:
        """The remaining documents with their scores, to the end."""
        while self.is_active():
            arrays, offset = [union._a for union in self._unions], self._offset
            for docnum in self._hits[self._at :]:
                yield docnum, sum(scores[docnum - offset] for scores in arrays)
            self._read_part()


def block_scored(matcher) -> Iterator[tuple[int, float]] | None:
    """``matcher``'s remaining documents with their scores, read without a call per
    document, when it is one of the wiki's (a union's, an AND of words', a most-words
    union's, a date range's: they have ``scored_ids``); None for another."""
    # Exact types: a subclass's scores need not be its array's.
    if type(matcher) in _BLOCK_SCORED:
        return matcher.scored_ids()
    return None


def matched_ids(matcher) -> Iterator[int]:
    """``matcher``'s remaining documents, unscored: the wiki's matchers' a block at a time,
    another's one by one (Whoosh's intersection would read both sides whole, however small
    the other)."""
    if type(matcher) in _BLOCK_SCORED:  # (their block's hits, no scores worked out)
        yield from matcher.all_ids()
        return
    while matcher.is_active():
        yield matcher.id()
        matcher.next()


def _add_scores(submatcher, scores: array, offset: int, limit: int, scored: bool, boost: float):
    """Add ``submatcher``'s scores (times ``boost``) of its documents below ``limit`` into
    ``scores`` (index: document - ``offset``), or 1 for each when not ``scored``, leaving
    it on its first document at or past ``limit``."""
    leaf, factor = submatcher, boost
    if type(leaf) is WrappingMatcher:  # a boosted term (a synonym's alternative)
        leaf, factor = leaf.child, factor * leaf.boost
    add = getattr(getattr(leaf, "scorer", None), "add_scores", None)
    if type(leaf) is not W3LeafMatcher or (scored and add is None):
        while submatcher.is_active() and submatcher.id() < limit:
            if scored:
                scores[submatcher.id() - offset] += submatcher.score() * boost
            else:
                scores[submatcher.id() - offset] = 1
            submatcher.next()
        return
    while leaf.is_active():
        if leaf._ids is None:
            leaf._read_ids()
        ids, start, length = leaf._ids, leaf._i, leaf._blocklength
        end = bisect_left(ids, limit, start, length)
        if end > start:
            if scored and add is not None:  # (never None when scored: see above)
                if leaf._weights is None:
                    leaf._read_weights()
                add(scores, offset, ids, leaf._weights, start, end, factor)
            else:
                for docnum in ids[start:end]:
                    scores[docnum - offset] = 1
        if end < length:
            leaf._i = end
            return
        leaf._i = length - 1
        leaf.next()  # the next block of postings


class BoundedPrefix(query.Prefix):
    """A prefix query that expands to a bounded number of words.

    Plain Whoosh prefixes expand to every word with the prefix and score them all (measured:
    ``config*`` took 1.7 s at 10,000 pages). This one scans at most :data:`PREFIX_SCAN_TERMS`
    candidates and keeps the :data:`PREFIX_MAX_TERMS` most frequent ones, within a budget of
    :data:`PREFIX_MAX_POSTINGS` postings. The expansions are scored like ordinary words.
    """

    def __init__(self, fieldname, text, boost=1.0):
        super().__init__(fieldname, text, boost=boost, constantscore=False)
        # (reader id, field, prefix) -> (reader, chosen words, whether the index has
        # more): one search expands a prefix for its matchers, notices and snippets. (A
        # copy of the query shares the dict: the key says which prefix it was.)
        self._expanded: dict[tuple, tuple[object, list[bytes], bool]] = {}

    def expansion(self, ixreader) -> tuple[list[bytes], bool]:
        """The words the prefix stands for in ``ixreader`` (sorted), and whether the
        index has more words with the prefix than were chosen. Raises what the reader
        raises for a damaged index."""
        key = (id(ixreader), self.fieldname, self.text)
        known = self._expanded.get(key)
        if known is not None and known[0] is ixreader:
            return known[1], known[2]
        if self.fieldname not in ixreader.schema:
            return [], False
        candidates = []
        more = False
        for count, (btext, terminfo) in enumerate(ixreader.iter_prefix(self.fieldname, self.text)):
            if count >= PREFIX_SCAN_TERMS:
                more = True
                break
            candidates.append((terminfo.doc_frequency(), btext))
        chosen: list[bytes] = []
        postings = 0
        for frequency, btext in nlargest(PREFIX_MAX_TERMS, candidates):
            if chosen and postings + frequency > PREFIX_MAX_POSTINGS:
                continue  # a rarer word may still fit in the budget
            chosen.append(btext)
            postings += frequency
        chosen.sort()
        more = more or len(candidates) > len(chosen)
        self._expanded[key] = (ixreader, chosen, more)
        return chosen, more

    def _btexts(self, ixreader):
        return self.expansion(ixreader)[0]

    def terms_for(self, searcher) -> list[query.Term]:
        """The prefix's words in ``searcher``'s index as term queries, each with the
        prefix's boost. Raises what the reader raises for a damaged index."""
        return [
            query.Term(self.fieldname, btext, boost=self.boost)
            for btext in self._btexts(searcher.reader())
        ]

    def matcher(self, searcher, context=None):
        terms = self.terms_for(searcher)
        if not terms:
            return matching.NullMatcher()
        return ArrayOr(terms).matcher(searcher, context)


class ColumnDateRange(query.DateRange):
    """A date range (``updated:>2024-01-01``) matched from the field's column, kept in
    memory by the engine's weighting (:meth:`~wiki.search.scoring.FieldWeighting.column`),
    instead of Whoosh's union of the range's terms: every document has its own edit time,
    so that union read a posting for nearly every document of the index (half the time of
    a date search). Constant scores, as Whoosh's. Without such a column (another
    weighting) it is Whoosh's DateRange."""

    def _ids(self, searcher) -> list[int] | None:
        column_of = getattr(searcher.weighting, "column", None)
        if column_of is None or not searcher.is_atomic():
            return None
        column = column_of(searcher.reader(), self.fieldname)
        if column is None:
            return None
        low = self.start if self.start is not None else 0
        high = self.end if self.end is not None else _NO_VALUE - 1
        if self.startexcl:
            low += 1
        if self.endexcl:
            high -= 1
        # Documents without the field (the state document) hold _NO_VALUE: never in range.
        high = min(high, _NO_VALUE - 1)
        return [docnum for docnum, value in enumerate(column) if low <= value <= high]

    def matcher(self, searcher, context=None):
        ids = self._ids(searcher)
        if ids is None:
            return super().matcher(searcher, context)
        if not ids:
            return matching.NullMatcher()
        return _ListedMatcher(array("I", ids), all_weights=self.boost)

    def docs(self, searcher):
        ids = self._ids(searcher)
        return iter(ids) if ids is not None else super().docs(searcher)


_NO_VALUE = 2**64 - 1
"""What a 64-bit numeric column holds for a document without the field."""


class _ListedMatcher(matching.ListMatcher):
    """Documents listed in advance, each with the same score."""

    _i: int  # where it is in _ids

    def scored_ids(self) -> Iterator[tuple[int, float]]:
        """The remaining documents with their (constant) score, to the end."""
        score = self.score() if self.is_active() else 0.0
        ids, start = self._ids, self._i
        self._i = len(ids)
        return ((docnum, score) for docnum in ids[start:])


class ExactPhrase(query.Phrase):
    """An exact phrase (words adjacent, in order) with a faster matcher than Whoosh's.

    Whoosh checks phrases with generic span objects (measured ~130-150 ms for a two-word
    phrase of common words at 10,000 pages); this matcher intersects the words' postings and
    compares position sets directly. Scores are the sum of the words' scores, as in Whoosh.
    """

    def __init__(self, fieldname, words, boost=1.0):
        super().__init__(fieldname, list(words), slop=1, boost=boost)

    def normalize(self):
        if not self.words:
            return query.NullQuery
        if len(self.words) == 1:
            return query.Term(self.fieldname, self.words[0], boost=self.boost)
        return self

    def matcher(self, searcher, context=None):
        fieldname = self.fieldname
        schema = searcher.schema
        if fieldname not in schema or not schema[fieldname].format.supports("positions"):
            return matching.NullMatcher()
        field = schema[fieldname]
        reader = searcher.reader()
        submatchers = []
        for word in self.words:
            btext = field.to_bytes(word)
            if (fieldname, btext) not in reader:
                return matching.NullMatcher()
            submatchers.append(query.Term(fieldname, btext).matcher(searcher, context))
        matcher = _PhraseMatcher(submatchers, getattr(context, "deadline", None))
        if self.boost != 1.0:
            matcher = matching.WrappingMatcher(matcher, boost=self.boost)
        return matcher


class _PhraseMatcher(SpanWrappingMatcher):
    """Matches the documents of an intersection where the words' positions line up."""

    def __init__(self, submatchers, deadline=None):
        self._submatchers = submatchers
        self._deadline = deadline
        self._checked = 0
        super().__init__(make_binary_tree(IntersectionMatcher, submatchers))

    def copy(self):
        return self.__class__([m.copy() for m in self._submatchers], self._deadline)

    def _replacement(self, newchild):
        return self

    def replace(self, minquality=0):
        # The position check needs the original term matchers, which replacing the
        # intersection could swap out (Whoosh's own phrase matcher does the same).
        if not self.is_active():
            return matching.NullMatcher()
        return self

    def _get_spans(self):
        self._checked += 1
        if not self._checked & 63 and _past(self._deadline):
            raise SearchTimeout
        submatchers = self._submatchers
        starts = set(submatchers[0].value_as("positions"))
        for offset in range(1, len(submatchers)):
            positions = set(submatchers[offset].value_as("positions"))
            starts = {start for start in starts if start + offset in positions}
            if not starts:
                return []
        return sorted(starts)


class Exclude(query.AndNot):
    """``a`` without the documents ``b`` matches, scored as ``a``: exactly the difference.

    Whoosh's AND-NOT matcher never checks the first candidate of ``a`` when ``b`` starts on
    an earlier document, so that page comes through even if excluded; which page that is
    depends on the order pages were indexed in (whoosh-community/whoosh#419).

    Its matcher raises SearchTimeout once the context's deadline has passed, also while it
    skips a long run of excluded documents.
    """

    def matcher(self, searcher, context=None):
        positive = self.a.matcher(searcher, context)
        if not positive.is_active():
            return positive
        # Unscored, like Whoosh's, but keeping the deadline the wiki's matchers read.
        if context is None:
            unscored = searcher.boolean_context()
        else:
            unscored = context.set(needs_current=False, weighting=None)
        negative = self.b.matcher(searcher, unscored)
        if not negative.is_active():
            return positive
        return _ExcludeMatcher(positive, negative, getattr(context, "deadline", None))


class _ExcludeMatcher(BiMatcher):
    """The postings of ``a`` that ``b`` does not have; ``b`` only ever moves forwards, to
    ``a``'s current document, which is re-checked after every move of ``a``."""

    def __init__(self, a, b, deadline=None):
        super().__init__(a, b)
        self._deadline = deadline
        self._steps = 0
        self._settle()

    def copy(self):
        return self.__class__(self.a.copy(), self.b.copy(), self._deadline)

    def _settle(self) -> bool:
        # Moves ``a`` past the documents ``b`` has; returns True if ``a`` entered a new
        # block (what next() reports to the collector).
        a, b = self.a, self.b
        moved_block = False
        while a.is_active() and b.is_active():
            current = a.id()
            if b.id() < current:
                b.skip_to(current)
                if not b.is_active():
                    break
            if b.id() != current:
                break
            # Many excluded documents in a row read postings without a match to time.
            self._steps += 1
            if not self._steps & 63 and _past(self._deadline):
                raise SearchTimeout
            moved_block = bool(a.next()) or moved_block
        return moved_block

    def reset(self):
        self.a.reset()
        self.b.reset()
        self._settle()

    def is_active(self):
        return self.a.is_active()

    def id(self):
        return self.a.id()

    def next(self):
        if not self.a.is_active():
            raise matching.ReadTooFar
        moved_block = bool(self.a.next())
        return self._settle() or moved_block

    def skip_to(self, id):
        if not self.a.is_active():
            raise matching.ReadTooFar
        if id <= self.a.id():
            return False
        moved_block = bool(self.a.skip_to(id))
        return self._settle() or moved_block

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def replace(self, minquality=0):
        if not self.a.is_active():
            return matching.NullMatcher()
        if minquality and self.a.max_quality() < minquality:
            return matching.NullMatcher()
        if not self.b.is_active():
            return self.a.replace(minquality)
        a = self.a.replace(minquality)
        b = self.b.replace()
        if a is self.a and b is self.b:
            return self
        if not b.is_active():
            return a
        return self.__class__(a, b, self._deadline)

    def supports_block_quality(self):
        return self.a.supports_block_quality()

    def max_quality(self):
        return self.a.max_quality()

    def block_quality(self):
        return self.a.block_quality()

    def skip_to_quality(self, minquality):
        skipped = self.a.skip_to_quality(minquality)
        self._settle()
        return skipped

    def supports(self, astype):
        return self.a.supports(astype)

    def weight(self):
        return self.a.weight()

    def score(self):
        return self.a.score()

    def value(self):
        return self.a.value()

    def value_as(self, astype):
        return self.a.value_as(astype)

    def spans(self):
        return self.a.spans()


class MostWords(ArrayOr):
    """Pages with any of the parts (one part per word typed), ranked so that pages with
    more of them come first: the sum of the parts' scores times ``(matched / parts) **
    COORDINATION``.

    The search falls back to this when all the words together find nothing or very
    little: a question ("who approves travel over 5000 EUR") or a description of a past
    incident in other words rarely has every word on one page.
    """

    COORDINATION = 2.0

    def _matcher(self, subs, searcher, context):
        scored = context.weighting is not None if context else True
        # A word's union (its field terms) reads no block of its own: this union fills
        # it a block at a time, as the intersection does its words.
        matchers = [
            sub.union(searcher, context, read=False)
            if type(sub) is ArrayOr
            else sub.matcher(searcher, context)
            for sub in subs
        ]
        return _CoordinatedUnionMatcher(
            matchers,
            searcher.doc_count_all(),
            boost=self.boost,
            scored=scored,
            deadline=getattr(context, "deadline", None),
            parts=len(self.subqueries),
            power=self.COORDINATION,
        )


class _CoordinatedUnionMatcher(_ArrayUnionMatcher):
    """An array union that also counts, per document, how many parts matched. A part that
    is a union of its own (a word), made with ``read=False``, adds its block's scores at
    once; another (a phrase) posting by posting."""

    def __init__(self, submatchers, doccount, *, boost, scored, deadline, parts, power):
        self._factors = [(count / max(parts, 1)) ** power for count in range(parts + 1)]
        self._counts = array("i", [0]) * self.part_size
        self._no_counts = array("i", [0]) * self.part_size
        super().__init__(submatchers, doccount, boost=boost, scored=scored, deadline=deadline)

    def _moved(self) -> list:
        # A word's field terms (its union reads no block of its own), or the part itself.
        return [
            matcher
            for part in self._submatchers
            for matcher in (part._submatchers if type(part) is _ArrayUnionMatcher else [part])
        ]

    def _min_id(self):
        active = [matcher.id() for matcher in self._moved() if matcher.is_active()]
        return min(active, default=self._doccount)

    def _fill(self, offset: int, limit: int) -> None:
        scores, counts = self._a, self._counts
        scores[:] = self._zeros
        counts[:] = self._no_counts
        boost, scored = self._boost, self._scored
        for part in self._submatchers:
            if type(part) is _ArrayUnionMatcher:
                part._fill(offset, limit)
                added = part._a
                for i in compress(range(limit - offset), added):
                    scores[i] += added[i] * boost if scored else 1
                    counts[i] += 1
                continue
            seen = -1
            while part.is_active() and part.id() < limit:
                i = part.id() - offset
                scores[i] += part.score() * boost if scored else 1
                if i != seen:  # a part counts once per document
                    counts[i] += 1
                    seen = i
                part.next()

    def score(self):
        i = self._docnum - self._offset
        return self._a[i] * self._factors[min(self._counts[i], len(self._factors) - 1)]

    def scored_ids(self) -> Iterator[tuple[int, float]]:
        """The remaining documents with their coordinated scores, to the end."""
        factors, most = self._factors, len(self._factors) - 1
        while self.is_active():
            scores, counts, offset = self._a, self._counts, self._offset
            for docnum in self._hits[self._at :]:
                i = docnum - offset
                yield docnum, scores[i] * factors[min(counts[i], most)]
            self._next_block()

    def block_quality(self):
        return max(self._a)


_BLOCK_SCORED = (
    _ArrayUnionMatcher,
    _ArrayIntersectionMatcher,
    _CoordinatedUnionMatcher,
    _ListedMatcher,
)
"""The matchers :func:`block_scored` reads through their ``scored_ids``."""
