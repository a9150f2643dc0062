"""The search box language: user text -> a Whoosh query, never an exception.

What people can type::

    office move            every word must match (stemmed, accent-insensitive), best first
    "lessons learned"      an exact phrase
    config*                words starting with "config" (the most frequent expansions only)
    -draft  NOT draft      pages without the word
    budget OR forecast     either word; OR binds tighter than the implicit AND, so
                           ``budget OR forecast 2024`` means ``(budget OR forecast) 2024``
    (a OR b) -c            parentheses group
    title:onboarding       a word, phrase, prefix or group in one field:
    tag:finance            title:, tag:, author:, updated:
    author:"Chloé Martin"
    updated:2024           a year, month (2024-03) or day (2024-03-15), UTC
    updated:>2024-01-01    after that day (also >=, <, <=)
    updated:[2024-01-01 to 2024-03-31]   inclusive range; either end may be left out
    updated:2024-01-01..2024-03-31       the same

Plain words search the title, the headings and the body, with the title weighing more than
the headings and the headings more than the body. Upper-case ``OR``, ``AND`` and ``NOT`` are
operators; in lower case they are ordinary (stop) words.

:func:`parse` never raises for any input: text it cannot understand (an unclosed quote or
parenthesis, ``title:`` with nothing after it, ``updated:garbage``, a dangling ``OR``) is
searched as plain words instead, and the caller is told so (``fallback``). The input is cut
to :data:`MAX_QUERY_CHARS` characters and :data:`MAX_CLAUSES` terms so that no query can
make the search slow.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from heapq import nlargest

from whoosh import matching, query
from whoosh.analysis import (
    CharsetFilter,
    CommaSeparatedTokenizer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import porter2
from whoosh.matching.binary import IntersectionMatcher
from whoosh.matching.combo import ArrayUnionMatcher
from whoosh.query.spans import SpanWrappingMatcher
from whoosh.support.charset import accent_map
from whoosh.util import make_binary_tree

__all__ = [
    "FIELD_BOOSTS",
    "MAX_CLAUSES",
    "MAX_QUERY_CHARS",
    "ArrayOr",
    "BoundedPrefix",
    "ExactPhrase",
    "SearchTimeout",
    "correctable_words",
    "fold",
    "highlight_terms",
    "keyword_analyzer",
    "name_analyzer",
    "parse",
    "text_analyzer",
]

FIELD_BOOSTS = {"title": 3.0, "headings": 2.0, "body": 1.0}
"""The fields plain words search, with their weights (BM25F field boosts). The engine's
scoring applies them, so queries carry no boosts: a boosted Whoosh query wraps every term
matcher in one more layer, which cost ~10% of the time of multi-word searches."""

USER_FIELDS = {
    "title": "title",
    "tag": "tags",
    "tags": "tags",
    "author": "author",
    "updated": "updated",
}
"""Field names people may type (``tags:`` is accepted for ``tag:``) -> schema field."""

MAX_QUERY_CHARS = 1000
"""Longer input is cut: nobody types more, and parsing and matching cost grows with it."""

MAX_CLAUSES = 24
"""Most words, phrases, prefixes and field terms in one query; further ones are ignored."""

MAX_NESTING = 20
"""Deepest parenthesis nesting; deeper input is searched as plain words."""

MAX_PHRASE_WORDS = 16
"""Longer phrases are cut to their first words (position checks cost per word)."""

MAX_PREFIXES = 3
"""Prefixes after the third are searched as plain words (each prefix may expand to 150
terms over the three text fields)."""

PREFIX_MIN_CHARS = 2
"""A one-letter prefix (``a*``) matches everything and means nothing: it is ignored."""

PREFIX_MAX_TERMS = 50
"""A prefix expands to at most this many words of the index, the most frequent first."""

PREFIX_SCAN_TERMS = 2000
"""At most this many candidate words (in alphabetical order) are looked at per prefix."""

PREFIX_MAX_POSTINGS = 12_000
"""The chosen expansions together may match at most this many (document, word) pairs per
field (the first one is always kept): short prefixes of very common words would otherwise
score tens of thousands of postings (measured: ``re*`` took 220 ms at 10,000 pages)."""

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
# NUL, other C0/C1 controls and lone surrogates: never meaningful in a query.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_FIELD_PREFIX = re.compile(r"([A-Za-z]+):(.*)\Z", re.DOTALL)
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\Z")
_RANGE_SEPARATOR = re.compile(r"\s*(?:\bto\b|\.\.)\s*", re.IGNORECASE)


# ---------------------------------------------------------------------- analysis

# The analyzers live here (not in the engine) because query terms must be analysed exactly
# like the indexed text: the schema in the engine is built from these same functions.


def text_analyzer():
    """Analyzer for title, headings and body: words, lower case, accents folded, English
    stop words dropped, stemmed ("Cafés" -> "cafe", "lessons" -> "lesson")."""
    # Porter2 (Snowball English), not Whoosh's default Porter: that one leaves
    # "unplugged" as "unplugg" and "running" as "runn", so they miss "unplug" and "run".
    return (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(minsize=2)
        | StemFilter(stemfn=porter2.stem, cachesize=100_000)
    )


def name_analyzer():
    """Analyzer for author names (and title autocomplete): words, lower case, accents folded;
    no stemming and no stop words, since names are not English prose."""
    return RegexTokenizer(r"\w+") | LowercaseFilter() | CharsetFilter(accent_map)


def keyword_analyzer():
    """Analyzer for tags: comma-separated, each whole tag one term (lower case, accents folded)."""
    return CommaSeparatedTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def fold(text: str) -> str:
    """Lower-case, accent-folded, whitespace-collapsed form of ``text`` (for exact titles and
    autocomplete): ``"  Café  Menu"`` -> ``"cafe menu"``."""
    text = unicodedata.normalize("NFKC", _CONTROL.sub(" ", text))
    return _SPACES.sub(" ", text.lower().translate(accent_map)).strip()


_TEXT_ANALYZER = text_analyzer()


@lru_cache(maxsize=100_000)
def index_term(word: str) -> str | None:
    """The indexed term for one word of text (stemmed, folded), or None for a stop word.

    Snippet highlighting calls this for every word of every shown page; the cache makes
    that a dictionary look-up for all but new words.
    """
    for token in _TEXT_ANALYZER(word, mode="index"):
        return token.text
    return None


def _analyze(schema, fieldname: str, text: str) -> list[str]:
    return [token.text for token in schema[fieldname].analyzer(text, mode="query")]


# ---------------------------------------------------------------------- query classes


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
    """Whoosh's array union, checking the deadline before reading each block."""

    def __init__(self, submatchers, doccount, *, boost, scored, deadline):
        self._deadline = deadline  # before __init__, which reads the first block
        super().__init__(submatchers, doccount, boost=boost, scored=scored)

    def _read_part(self):
        if _past(self._deadline):
            raise SearchTimeout
        super()._read_part()


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
        chosen = []
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


# ---------------------------------------------------------------------- parsing


class QuerySyntaxError(ValueError):
    """The text is not a valid query (the caller then searches it as plain words)."""


@dataclass
class _Token:
    kind: str  # WORD PHRASE FIELD LP RP OR AND NOT NEG
    text: str = ""
    start: int = 0
    end: int = 0
    value: str | None = None  # FIELD: the attached value, None when a phrase/group follows


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token("LP" if char == "(" else "RP", char, i, i + 1))
            i += 1
        elif char == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise QuerySyntaxError("unclosed quote")
            tokens.append(_Token("PHRASE", text[i + 1 : close], i + 1, close))
            i = close + 1
        elif char in "-+" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] not in ")-+":
            if char == "-":
                tokens.append(_Token("NEG", char, i, i + 1))
            i += 1  # a leading "+" (required) is the default anyway
        else:
            end = i
            while end < n and not text[end].isspace() and text[end] not in '()"':
                end += 1
            run = text[i:end]
            match = _FIELD_PREFIX.match(run)
            if match and match.group(1).lower() in USER_FIELDS:
                name = USER_FIELDS[match.group(1).lower()]
                value = match.group(2)
                if name == "updated" and value[:1] == "[":
                    close = text.find("]", i)
                    if close < 0:
                        raise QuerySyntaxError("unclosed date range")
                    end = close + 1
                    value = text[i + len(match.group(1)) + 1 : end]
                if not value:
                    if end >= n or text[end] not in '("':
                        raise QuerySyntaxError(f"nothing after {match.group(1)}:")
                    value = None
                tokens.append(_Token("FIELD", name, i, end, value))
            elif run in ("OR", "AND", "NOT"):
                tokens.append(_Token(run, run, i, end))
            else:
                tokens.append(_Token("WORD", run, i, end))
            i = end
    return tokens


# Parse tree nodes. Leaves carry the field they are restricted to (None: the text fields).


@dataclass
class _Leaf:
    kind: str  # word | phrase | value (a FIELD token's attached value)
    text: str
    fieldname: str | None


@dataclass
class _Not:
    child: object


@dataclass
class _Group:
    op: str  # and | or
    children: list = field(default_factory=list)


class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.i].kind if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> _Group:
        node = self.and_group(None)
        if self.peek() is not None:
            raise QuerySyntaxError("unbalanced parenthesis")
        return node

    def and_group(self, fieldname: str | None) -> _Group:
        group = _Group("and")
        while self.peek() not in (None, "RP"):
            if self.peek() == "AND":
                self.take()
                continue
            group.children.append(self.or_group(fieldname))
        return group

    def or_group(self, fieldname: str | None):
        node = self.unary(fieldname)
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, "RP", "OR", "AND"):
                raise QuerySyntaxError("OR without a right-hand side")
            right = self.unary(fieldname)
            if isinstance(node, _Group) and node.op == "or":
                node.children.append(right)
            else:
                node = _Group("or", [node, right])
        return node

    def unary(self, fieldname: str | None):
        # A loop, not recursion: "NOT NOT NOT ... x" must not exhaust the stack.
        negations = 0
        while self.peek() in ("NEG", "NOT"):
            self.take()
            negations += 1
        if negations and self.peek() in (None, "RP", "OR", "AND"):
            raise QuerySyntaxError("nothing to exclude")
        node = self.primary(fieldname)
        return _Not(node) if negations % 2 else node

    def primary(self, fieldname: str | None):
        kind = self.peek()
        if kind == "LP":
            self.take()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise QuerySyntaxError("too deeply nested")
            node = self.and_group(fieldname)
            if self.peek() != "RP":
                raise QuerySyntaxError("unclosed parenthesis")
            self.take()
            self.depth -= 1
            return node
        if kind == "PHRASE":
            return _Leaf("phrase", self.take().text, fieldname)
        if kind == "WORD":
            return _Leaf("word", self.take().text, fieldname)
        if kind == "FIELD":
            token = self.take()
            if token.value is not None:
                return _Leaf("value", token.value, token.text)
            if token.text == "updated":
                raise QuerySyntaxError("updated: takes a date")
            # title:"..." or title:( ... ): the phrase or group applies to that field
            return self.primary(token.text)
        raise QuerySyntaxError(f"unexpected {kind or 'end of query'}")


class _Compiler:
    """Turns the parse tree into Whoosh queries, analysing words like the indexed text."""

    def __init__(self, schema):
        self.schema = schema
        self.clauses = 0
        self.prefixes = 0

    def compile(self, node) -> query.Query | None:
        if isinstance(node, _Group):
            return self.group(node)
        if isinstance(node, _Not):
            raise QuerySyntaxError("an exclusion can only stand next to other terms")
        return self.leaf(node)

    def group(self, node: _Group) -> query.Query | None:
        if node.op == "or":
            if any(isinstance(child, _Not) for child in node.children):
                raise QuerySyntaxError("cannot OR an exclusion")
            parts = []
            for child in node.children:
                q = self.compile(child)
                if q is not None and q not in parts:
                    parts.append(q)
            return _any(parts)
        positive, negative = [], []
        for child in node.children:
            excluded = isinstance(child, _Not)
            q = self.compile(child.child if excluded else child)
            clauses = negative if excluded else positive
            if q is not None and q not in clauses:  # "file file file ..." is "file"
                clauses.append(q)
        if not positive:
            # Only exclusions ("-draft"): nothing to rank, and listing every other page is
            # not a search. Matches nothing.
            return query.NullQuery if negative else None
        matched = query.And(positive) if len(positive) > 1 else positive[0]
        if negative:
            excluded = _any(negative)
            return query.AndNot(matched, excluded)
        return matched

    def _count(self) -> bool:
        self.clauses += 1
        return self.clauses <= MAX_CLAUSES

    def leaf(self, node: _Leaf) -> query.Query | None:
        if not self._count():
            return None
        fieldname = node.fieldname
        if fieldname == "updated":
            return _date_query(node.text)
        if fieldname == "tags":
            return self.tag(node.text)
        if node.kind != "phrase" and node.text.endswith("*"):
            self.prefixes += 1
            if self.prefixes <= MAX_PREFIXES:
                return self.prefix(node.text.rstrip("*"), fieldname)
        return self.words(node.text, fieldname)

    def _fields(self, fieldname: str | None) -> tuple[str, ...]:
        return tuple(FIELD_BOOSTS) if fieldname is None else (fieldname,)

    def words(self, text: str, fieldname: str | None) -> query.Query | None:
        parts = []
        for name in self._fields(fieldname):
            terms = _analyze(self.schema, name, text)
            if len(terms) == 1:
                parts.append(query.Term(name, terms[0]))
            elif terms:
                # "os.path", "e-mail", "Chloé Martin": several words typed as one -> a phrase
                parts.append(ExactPhrase(name, terms[:MAX_PHRASE_WORDS]))
        return _any(parts)

    def tag(self, text: str) -> query.Query | None:
        if text.endswith("*"):
            prefix = fold(text.rstrip("*"))
            return BoundedPrefix("tags", prefix) if prefix else None
        value = fold(text.replace(",", " "))
        return query.Term("tags", value) if value else None

    def prefix(self, text: str, fieldname: str | None) -> query.Query | None:
        # Only the last word of "os.pa*" is a prefix; the words before it must match whole.
        words = _WORD.findall(fold(text))
        if not words:
            return None
        last = words[-1]
        parts = [self.words(word, fieldname) for word in words[:-1]]
        if len(last) >= PREFIX_MIN_CHARS:
            alternatives = []
            for name in self._fields(fieldname):
                alternatives.append(BoundedPrefix(name, last))
                # Indexed words are stems: "configuration*" must also find the stem
                # "configur", which does not start with the typed text.
                stem = _analyze(self.schema, name, last)
                if stem and not stem[0].startswith(last):
                    alternatives.append(query.Term(name, stem[0]))
            parts.append(_any(alternatives))
        return _all([p for p in parts if p is not None])


def _any(parts: list) -> query.Query | None:
    return ArrayOr(parts) if len(parts) > 1 else (parts[0] if parts else None)


def _all(parts: list) -> query.Query | None:
    return query.And(parts) if len(parts) > 1 else (parts[0] if parts else None)


# ---------------------------------------------------------------------- dates


def _day(text: str, *, end: bool) -> datetime:
    """The first instant of a year, month or day (or the first instant after it, if ``end``)."""
    match = _DATE.match(text.strip())
    if not match:
        raise QuerySyntaxError(f"not a date: {text!r}")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        start = datetime(year, month or 1, day or 1)
        if not end:
            return start
        if day:
            return start + timedelta(days=1)
        if month:
            return datetime(year + (month == 12), month % 12 + 1, 1)
        return datetime(year + 1, 1, 1)
    except (ValueError, OverflowError) as exc:
        raise QuerySyntaxError(f"not a date: {text!r}") from exc


def _date_query(text: str) -> query.Query:
    """``2024``, ``2024-03``, ``>2024-01-01``, ``<=2024-06``, ``[a to b]``, ``a..b`` -> a range
    over the ``updated`` field. Dates are UTC days; the index stores naive UTC datetimes."""
    text = text.strip()
    lower = upper = None  # inclusive start, exclusive end
    if text[:1] == "[" and text[-1:] == "]":
        inner = text[1:-1].strip()
        ends = _RANGE_SEPARATOR.split(inner, maxsplit=1)
        if len(ends) != 2:
            ends = [inner, inner]
        first, last = (end.strip() for end in ends)
        lower = _day(first, end=False) if first else None
        upper = _day(last, end=True) if last else None
    elif ".." in text:
        first, last = (end.strip() for end in text.split("..", 1))
        lower = _day(first, end=False) if first else None
        upper = _day(last, end=True) if last else None
    elif text[:2] in (">=", "<="):
        when = text[2:]
        if text[0] == ">":
            lower = _day(when, end=False)
        else:
            upper = _day(when, end=True)
    elif text[:1] in "><":
        when = text[1:]
        if text[0] == ">":
            lower = _day(when, end=True)  # after that day
        else:
            upper = _day(when, end=False)  # before that day
    else:
        lower, upper = _day(text, end=False), _day(text, end=True)
    if lower is None and upper is None:
        raise QuerySyntaxError("empty date range")
    if lower is not None and upper is not None and lower >= upper:
        return query.NullQuery
    return query.DateRange("updated", lower, upper, endexcl=upper is not None)


# ---------------------------------------------------------------------- entry points


def clean(text: str) -> str:
    """``text`` without control characters, cut to :data:`MAX_QUERY_CHARS`."""
    return _CONTROL.sub(" ", str(text)[:MAX_QUERY_CHARS])


def parse(text: str, schema) -> tuple[query.Query, bool]:
    """Turn what someone typed into a Whoosh query over ``schema`` (the engine's schema).

    Returns ``(query, fallback)``: ``fallback`` is True when the text could not be parsed
    and its words were searched as plain terms instead. An empty or all-stop-word query
    returns a query that matches nothing. Never raises.
    """
    text = clean(text)
    try:
        tree = _Parser(_lex(text)).parse()
        q = _Compiler(schema).compile(tree)
        return (q if q is not None else query.NullQuery), False
    except QuerySyntaxError:
        return plain_terms(text, schema), True
    except Exception:  # a bug here must not cost the user their search
        log.exception("could not parse %r; searching it as plain words", text)
        return plain_terms(text, schema), True


def plain_terms(text: str, schema) -> query.Query:
    """Every word of ``text`` must match (title, headings or body), no operators or fields."""
    compiler = _Compiler(schema)
    parts = []
    for word in _WORD.findall(clean(text)):
        if not compiler._count():
            break
        q = compiler.words(word, None)
        if q is not None:
            parts.append(q)
    return _all(parts) or query.NullQuery


def highlight_terms(q: query.Query, fieldname: str, reader) -> set[str]:
    """The terms of ``fieldname`` that ``q`` looks for (prefixes expanded with ``reader``),
    leaving out excluded ones: what a snippet of that field should highlight."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, query.AndNot):
            walk(node.a)
        elif isinstance(node, query.Not):
            return
        elif isinstance(node, BoundedPrefix):
            if node.fieldname == fieldname:
                found.update(b.decode("utf-8") for b in node._btexts(reader))
        elif isinstance(node, query.Phrase):
            if node.fieldname == fieldname:
                found.update(node.words)
        elif isinstance(node, query.Term):
            if node.fieldname == fieldname and isinstance(node.text, str):
                found.add(node.text)
        elif not node.is_leaf():
            for child in node.children():
                walk(child)

    walk(q)
    return found


def correctable_words(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` for the words of ``text`` a spelling suggestion may replace:
    plain words and words inside phrases, not field values, prefixes or operators."""
    text = clean(text)
    try:
        tokens = _lex(text)
    except QuerySyntaxError:
        return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    words = []
    for token in tokens:
        if token.kind == "PHRASE" or (token.kind == "WORD" and not token.text.endswith("*")):
            for m in _WORD.finditer(token.text):
                words.append((token.start + m.start(), token.start + m.end(), m.group()))
    return words
