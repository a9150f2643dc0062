"""Whoosh queries and matchers of the wiki's own: faster versions of Whoosh's OR, prefix and
phrase queries, bounded in cost, and an exact AND-NOT, whose matchers stop a search once its
deadline has passed.

The query compiler (:mod:`wiki.search.query`) builds them; the engine puts the deadline
into the search context (``context.deadline``) and the collector
(:mod:`wiki.search.scoring`) turns :class:`SearchTimeout` into partial results.
"""

from __future__ import annotations

import time
from array import array
from heapq import nlargest

from whoosh import matching, query
from whoosh.matching.binary import BiMatcher, IntersectionMatcher
from whoosh.matching.combo import ArrayUnionMatcher
from whoosh.query.spans import SpanWrappingMatcher
from whoosh.util import make_binary_tree

__all__ = [
    "PREFIX_MAX_POSTINGS",
    "PREFIX_MAX_TERMS",
    "PREFIX_SCAN_TERMS",
    "ArrayOr",
    "BoundedPrefix",
    "ExactPhrase",
    "Exclude",
    "MostWords",
    "SearchTimeout",
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
        scored = context.weighting is not None if context else True
        matchers = [sub.matcher(searcher, context) for sub in subs]
        return _ArrayUnionMatcher(
            matchers,
            searcher.doc_count_all(),
            boost=self.boost,
            scored=scored,
            deadline=getattr(context, "deadline", None),
        )


class _ArrayUnionMatcher(ArrayUnionMatcher):
    """Whoosh's array union, checking the deadline before reading each block, and never
    moving backwards."""

    part_size = 2048
    """Documents per block (Whoosh's default); tests make it small to cross blocks."""

    def __init__(self, submatchers, doccount, *, boost, scored, deadline):
        self._deadline = deadline  # before __init__, which reads the first block
        super().__init__(submatchers, doccount, boost=boost, scored=scored, partsize=self.part_size)

    def _read_part(self):
        if _past(self._deadline):
            raise SearchTimeout
        super()._read_part()

    def skip_to(self, docnum):
        # Whoosh's version moves back to ``docnum`` when it lies earlier in the current
        # block, so a match already returned could come again.
        if self.is_active() and docnum > self._docnum:
            super().skip_to(docnum)


class BoundedPrefix(query.Prefix):
    """A prefix query that expands to a bounded number of words.

    Plain Whoosh prefixes expand to every word with the prefix and score them all (measured:
    ``config*`` took 1.7 s at 10,000 pages). This one scans at most :data:`PREFIX_SCAN_TERMS`
    candidates and keeps the :data:`PREFIX_MAX_TERMS` most frequent ones, within a budget of
    :data:`PREFIX_MAX_POSTINGS` postings. The expansions are scored like ordinary words.
    """

    def __init__(self, fieldname, text, boost=1.0):
        super().__init__(fieldname, text, boost=boost, constantscore=False)

    def _btexts(self, ixreader):
        if self.fieldname not in ixreader.schema:
            return []
        candidates = []
        for count, (btext, terminfo) in enumerate(ixreader.iter_prefix(self.fieldname, self.text)):
            if count >= PREFIX_SCAN_TERMS:
                break
            candidates.append((terminfo.doc_frequency(), btext))
        chosen: list[bytes] = []
        postings = 0
        for frequency, btext in nlargest(PREFIX_MAX_TERMS, candidates):
            if chosen and postings + frequency > PREFIX_MAX_POSTINGS:
                continue  # a rarer word may still fit in the budget
            chosen.append(btext)
            postings += frequency
        return sorted(chosen)

    def matcher(self, searcher, context=None):
        terms = [query.Term(self.fieldname, btext) for btext in self._btexts(searcher.reader())]
        if not terms:
            return matching.NullMatcher()
        if len(terms) == 1:
            return terms[0].matcher(searcher, context)
        return ArrayOr(terms, boost=self.boost).matcher(searcher, context)


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
        matchers = [sub.matcher(searcher, context) for sub in subs]
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
    """An array union that also counts, per document, how many parts matched."""

    def __init__(self, submatchers, doccount, *, boost, scored, deadline, parts, power):
        self._factors = [(count / max(parts, 1)) ** power for count in range(parts + 1)]
        self._counts = array("i")  # sized on the first read
        super().__init__(submatchers, doccount, boost=boost, scored=scored, deadline=deadline)

    def _read_part(self):
        if _past(self._deadline):
            raise SearchTimeout
        limit = min(self._docnum + self._partsize, self._doccount)
        offset = self._docnum
        scores = self._a
        if len(self._counts) != self._partsize:
            self._counts = array("i", bytes(self._counts.itemsize * self._partsize))
        counts = self._counts
        for i in range(self._partsize):
            scores[i] = 0
            counts[i] = 0
        for matcher in self._submatchers:
            seen = -1
            while matcher.is_active() and matcher.id() < limit:
                i = matcher.id() - offset
                scores[i] += matcher.score() * self._boost if self._scored else 1
                if i != seen:  # a part counts once per document
                    counts[i] += 1
                    seen = i
                matcher.next()
        self._offset = offset
        self._limit = limit

    def score(self):
        i = self._docnum - self._offset
        return self._a[i] * self._factors[min(self._counts[i], len(self._factors) - 1)]

    def block_quality(self):
        return max(self._a)
