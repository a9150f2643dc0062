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
    tag:finance            title:, tag:, author:, updated:, space:, type:
    author:"Chloé Martin"
    updated:2024           a year, month (2024-03) or day (2024-03-15), UTC
    updated:>2024-01-01    after that day (also >=, <, <=)
    updated:[2024-01-01 to 2024-03-31]   inclusive range; either end may be left out
    updated:2024-01-01..2024-03-31       the same
    in:files budget        the words only in the text (and names) of the pages' files
    space:eng              pages (and their files and old text) of one space
    type:file              only files (type:page, type:history: only old text)

Plain words search each page's title, tags, headings and body, each file's name and text,
and (when asked for: ``history``, or ``type:history`` typed) text removed from pages,
with the title weighing most, then the tags, the headings, the body, and the files least.
Upper-case ``OR``, ``AND`` and ``NOT`` are operators; in lower case they are ordinary
(stop) words.

:func:`parse` never raises for any input: text it cannot understand (an unclosed quote or
parenthesis, ``title:`` with nothing after it, ``updated:garbage``, a dangling ``OR``) is
searched as plain words instead, and the caller is told so (``fallback``). The input is cut
to :data:`~wiki.search.syntax.MAX_QUERY_CHARS` characters and :data:`MAX_CLAUSES` terms so
that no query can make the search slow.

Reading the text is :mod:`wiki.search.syntax`'s job; this module turns its syntax tree into
Whoosh queries, analysing words exactly like the indexed text, with the wiki's own query
classes (:mod:`wiki.search.matching`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from whoosh import query

from wiki.search.analysis import HYPHENS, WORD, fold
from wiki.search.backend import Notice
from wiki.search.matching import (
    AllOf,
    ArrayOr,
    BoundedPrefix,
    ColumnDateRange,
    ExactPhrase,
    Exclude,
    MostWords,
)
from wiki.search.rewrite import drop_filler_words, is_plain_word, join_split_words
from wiki.search.schema import FIELD_BOOSTS, OLD_TEXT_FIELD, field_term
from wiki.search.synonyms import Synonyms
from wiki.search.syntax import (
    KINDS,
    RECORD_FIELD,
    SCOPE_FIELD,
    SCOPES,
    Group,
    Leaf,
    Not,
    QuerySyntaxError,
    clean,
    is_scope,
    parse_tree,
)

__all__ = [
    "MAX_CLAUSES",
    "MAX_PHRASE_WORDS",
    "MAX_PREFIXES",
    "PREFIX_MIN_CHARS",
    "highlight_terms",
    "most_words",
    "old_text_query",
    "parse",
    "parse_with_notices",
    "plain_terms",
]

MAX_CLAUSES = 24
"""Most words, phrases, prefixes and field terms in one query; further ones are ignored."""

MAX_PHRASE_WORDS = 16
"""Longer phrases are cut to their first words (position checks cost per word)."""

MAX_PREFIXES = 3
"""Prefixes after the third are searched as plain words (each prefix may expand to 150
terms over the three text fields)."""

PREFIX_MIN_CHARS = 2
"""A one-letter prefix (``a*``) matches everything and means nothing: it is ignored."""

log = logging.getLogger(__name__)

_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\Z")
_SCOPE = re.compile(
    rf"(?<!\S){SCOPE_FIELD}:(?:{'|'.join(map(re.escape, SCOPES))})(?!\S)", re.IGNORECASE
)
"""A scope as typed, found in text that could not be parsed (searched as plain words)."""
_RANGE_SEPARATOR = re.compile(r"\s*(?:\bto\b|\.\.)\s*", re.IGNORECASE)


def _analyze(schema, fieldname: str, text: str) -> list[str]:
    return [token.text for token in schema[fieldname].analyzer(text, mode="query")]


# ---------------------------------------------------------------------- compiling


_WITHOUT_OLD, _WITH_OLD, _ONLY_OLD = "without", "with", "only"
"""Where unfielded words are searched, besides the page fields: not in old text, in it too
(history included), or only in it (what history would add)."""


class _Compiler:
    """Turns the parse tree into Whoosh queries, analysing words like the indexed text.
    ``scope`` (``files``) narrows where unfielded words are searched; ``old`` says
    whether they search the old text (:data:`_WITH_OLD`...)."""

    def __init__(self, schema, scope: str | None = None, *, old: str = _WITHOUT_OLD):
        self.schema = schema
        self.clauses = 0
        self.prefixes = 0
        self.notices: list[Notice] = []  # what was cut or ignored, for the results page
        self.text_fields: tuple[str, ...]
        if scope:
            self.text_fields = (scope,)
        elif old == _ONLY_OLD:
            self.text_fields = (OLD_TEXT_FIELD,)
        elif old == _WITH_OLD:
            self.text_fields = (*FIELD_BOOSTS, OLD_TEXT_FIELD)
        else:
            self.text_fields = tuple(FIELD_BOOSTS)

    def note(self, kind: str, word: str = "", limit: int = 0) -> None:
        notice = Notice(kind, word, limit)
        if notice not in self.notices:
            self.notices.append(notice)

    def compile(self, node) -> query.Query | None:
        if isinstance(node, Group):
            return self.group(node)
        if isinstance(node, Not):
            raise QuerySyntaxError("an exclusion can only stand next to other terms")
        return self.leaf(node)

    def group(self, node: Group) -> query.Query | None:
        if node.op == "or":
            if any(isinstance(child, Not) for child in node.children):
                raise QuerySyntaxError("cannot OR an exclusion")
            parts = []
            for child in node.children:
                q = self.compile(child)
                if q is not None and q not in parts:
                    parts.append(q)
            return _any(parts)
        positive: list[query.Query] = []
        negative: list[query.Query] = []
        for child in node.children:
            excluded = isinstance(child, Not)
            q = self.compile(child.child if excluded else child)
            clauses = negative if excluded else positive
            if q is not None and q not in clauses:  # "file file file ..." is "file"
                clauses.append(q)
        if not positive:
            # Only exclusions ("-draft"): nothing to rank, and listing every other page is
            # not a search. Matches nothing.
            return query.NullQuery if negative else None
        matched = AllOf(positive) if len(positive) > 1 else positive[0]
        if negative:
            # Not Whoosh's AndNot, whose matcher lets excluded pages through (see Exclude).
            return Exclude(matched, _any(negative))
        return matched

    def _count(self) -> bool:
        self.clauses += 1
        return self.clauses <= MAX_CLAUSES

    def leaf(self, node: Leaf) -> query.Query | None:
        if node.kind == "scope":
            return None  # read before compiling (_scope_of): it matches nothing itself
        if not self._count():
            if not any(n.kind == "words_ignored" for n in self.notices):
                self.note("words_ignored", node.text, MAX_CLAUSES)
            return None
        fieldname = node.fieldname
        if fieldname == "updated":
            return _date_query(node.text)
        if fieldname == "kind":
            kind = KINDS.get(node.text.strip().casefold())
            if kind is None:
                raise QuerySyntaxError(f"type: takes one of {', '.join(sorted(KINDS))}")
            return query.Term("kind", kind)
        if fieldname == "tags":
            # A quoted tag is the tag as it is: "wip*" is a tag, not a prefix.
            return self.tag(node.text, whole=node.kind == "phrase")
        if fieldname is not None and fieldname.startswith(RECORD_FIELD):
            name = fieldname[len(RECORD_FIELD) :]
            return self.record_value(name, node.text, whole=node.kind == "phrase")
        if node.kind != "phrase" and node.text.endswith("*"):
            self.prefixes += 1
            if self.prefixes <= MAX_PREFIXES:
                return self.prefix(node.text.rstrip("*"), fieldname)
            self.note("prefix_as_word", node.text, MAX_PREFIXES)
        q = self.words(node.text, fieldname)
        if q is not None and node.weight != 1.0:
            # A synonym's alternative: it finds pages, but what was typed ranks first. A
            # phrase scores the sum of its words, so "virtual private network" counts as
            # one word, not three. (Term, ArrayOr and ExactPhrase, new objects here, each
            # apply their own boost.)
            words = len(_analyze(self.schema, "body", node.text)) or 1
            q.boost = node.weight / words
        return q

    def _fields(self, fieldname: str | None) -> tuple[str, ...]:
        return self.text_fields if fieldname is None else (fieldname,)

    def words(self, text: str, fieldname: str | None) -> query.Query | None:
        parts: list[query.Query] = []
        # A compound ("ground-floor") is analysed as one joined word, which finds both
        # "ground-floor" and "groundfloor"; its parts as a phrase find "ground floor".
        spaced = HYPHENS.sub(" ", text)
        for name in self._fields(fieldname):
            terms = _analyze(self.schema, name, text)
            if len(terms) == 1:
                parts.append(query.Term(name, terms[0]))
            elif terms:
                # "os.path", "Chloé Martin": several words typed as one -> a phrase
                parts.append(ExactPhrase(name, terms[:MAX_PHRASE_WORDS]))
                if len(terms) > MAX_PHRASE_WORDS:
                    self.note("phrase_cut", text, MAX_PHRASE_WORDS)
            if spaced != text:
                split = _analyze(self.schema, name, spaced)
                if len(split) > 1 and split != terms:
                    parts.append(ExactPhrase(name, split[:MAX_PHRASE_WORDS]))
        return _any(parts)

    def tag(self, text: str, *, whole: bool = False) -> query.Query | None:
        if text.endswith("*") and not whole:
            prefix = fold(text.rstrip("*"))
            return BoundedPrefix("tags", prefix) if prefix else None
        # Analysed like the indexed tags (not fold(), whose NFKC the index does not apply),
        # so that every stored tag finds itself.
        values = _analyze(self.schema, "tags", " ".join(text.replace(",", " ").split()))
        return query.Term("tags", values[0]) if values else None

    def record_value(self, name: str, text: str, *, whole: bool = False) -> query.Query | None:
        """A field of a record equal to ``text`` (case and accents ignored), or starting
        with it for ``team:log*``."""
        prefix = text.endswith("*") and not whole
        values = _analyze(
            self.schema, "record", field_term(name, text.rstrip("*") if prefix else text)
        )
        if not values:
            return None
        if prefix:
            return BoundedPrefix("record", values[0])
        return query.Term("record", values[0])

    def prefix(self, text: str, fieldname: str | None) -> query.Query | None:
        # Only the last word of "os.pa*" is a prefix; the words before it must match whole.
        words = WORD.findall(fold(text))
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
        else:
            self.note("prefix_too_short", text + "*", PREFIX_MIN_CHARS)
        return _all([p for p in parts if p is not None])


def _any(parts: list) -> query.Query | None:
    return ArrayOr(parts) if len(parts) > 1 else (parts[0] if parts else None)


def _all(parts: list) -> query.Query | None:
    return AllOf(parts) if len(parts) > 1 else (parts[0] if parts else None)


# ---------------------------------------------------------------------- dates


def _day(text: str, *, end: bool) -> datetime:
    """The first instant of a year, month or day (or the first instant after it, if ``end``)."""
    match = _DATE.match(text.strip())
    if not match:
        raise QuerySyntaxError(f"not a date: {text!r}")
    year = int(match.group(1))
    month, day = (int(g) if g else None for g in match.groups()[1:])
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
    return ColumnDateRange("updated", lower, upper, endexcl=upper is not None)


# ---------------------------------------------------------------------- entry points


def parse(
    text: str,
    schema,
    known: Callable[[str], bool] | None = None,
    synonyms: Synonyms | None = None,
    *,
    history: bool = False,
) -> tuple[query.Query, bool]:
    """Turn what someone typed into a Whoosh query over ``schema`` (the engine's schema),
    with plain words, phrases and runs of words that have ``synonyms`` also matching their
    alternatives (:meth:`~wiki.search.synonyms.Synonyms.expand`). Plain words also search
    the old text when ``history`` is set or the text names ``type:history``.

    Question and filler words need not match (:func:`~wiki.search.rewrite.drop_filler_words`)
    and, when ``known`` is given (``known(word)``: is this word in the index?), two words
    typed apart also find the word they make together ("wi fi" -> "wifi").

    Returns ``(query, fallback)``: ``fallback`` is True when the text could not be parsed
    and its words were searched as plain terms instead. An empty or all-stop-word query
    returns a query that matches nothing. Never raises.
    """
    q, fallback, _ = parse_with_notices(text, schema, known, synonyms, history=history)
    return q, fallback


def _with_synonyms(tree: Group, synonyms: Synonyms | None) -> Group:
    return tree if synonyms is None else synonyms.expand(tree, max_leaves=MAX_CLAUSES)


def _scope_of(tree: Group) -> str | None:
    """The scope the query's top level names (``in:files``), if any: one nested in
    parentheses or excluded is ignored."""
    if tree.op != "and":
        return None
    return next((child.text for child in tree.children if is_scope(child)), None)


def _asks_for_old_text(node) -> bool:
    """Whether the parse tree asks for old text by name (``type:history`` not excluded),
    so that its words must search the old text too."""
    if isinstance(node, Group):
        return any(_asks_for_old_text(child) for child in node.children)
    return (
        isinstance(node, Leaf)
        and node.fieldname == "kind"
        and KINDS.get(node.text.strip().casefold()) == "history"
    )


def parse_with_notices(
    text: str,
    schema,
    known: Callable[[str], bool] | None = None,
    synonyms: Synonyms | None = None,
    *,
    history: bool = False,
) -> tuple[query.Query, bool, tuple[Notice, ...]]:
    """:func:`parse`, and what the results page must say of how the text was read: the
    parts cut or ignored to keep the search fast, or that there was nothing to search for
    (see :class:`~wiki.search.backend.Notice`). Never raises."""
    return _parse(text, schema, known, synonyms, _WITH_OLD if history else _WITHOUT_OLD)


def old_text_query(
    text: str,
    schema,
    known: Callable[[str], bool] | None = None,
    synonyms: Synonyms | None = None,
    *,
    most: bool = False,
) -> query.Query | None:
    """The query :func:`parse` (or :func:`most_words`, when ``most``) makes of ``text``
    with its plain words searching only the old text: among old text, it finds what the
    same search with history would. With history left out, the results page still says
    how much old text it would add. None when :func:`most_words` makes none. Never
    raises for a str."""
    if most:
        return _most_words(text, schema, synonyms, _ONLY_OLD)
    return _parse(text, schema, known, synonyms, _ONLY_OLD)[0]


def _parse(
    text: str, schema, known, synonyms, old: str
) -> tuple[query.Query, bool, tuple[Notice, ...]]:
    text = clean(text)
    compiler = _Compiler(schema)
    try:
        tree = drop_filler_words(_with_synonyms(parse_tree(text), synonyms))
        if known is not None:
            tree = join_split_words(tree, known)
        if old == _WITHOUT_OLD and _asks_for_old_text(tree):
            old = _WITH_OLD
        compiler = _Compiler(schema, _scope_of(tree), old=old)
        q = compiler.compile(tree)
    except QuerySyntaxError:
        return _plain(text, schema, True, old)
    except Exception:  # a bug here must not cost the user their search
        log.exception("could not parse %r; searching it as plain words", text)
        return _plain(text, schema, True, old)
    if q is query.NullQuery and _only_exclusions(tree):
        compiler.note("only_exclusions")
    elif q is None:
        compiler.note("nothing_to_search")
    return (q if q is not None else query.NullQuery), False, tuple(compiler.notices)


def _only_exclusions(node) -> bool:
    if isinstance(node, Not):
        return True
    if isinstance(node, Group) and node.op == "and" and node.children:
        return all(_only_exclusions(child) for child in node.children)
    return False


def _plain(
    text: str, schema, fallback: bool, old: str
) -> tuple[query.Query, bool, tuple[Notice, ...]]:
    text = clean(text)
    scope = _SCOPE.search(text)
    compiler = _Compiler(
        schema, SCOPES[scope.group().partition(":")[2].lower()] if scope else None, old=old
    )
    parts = []
    for word in WORD.findall(_SCOPE.sub(" ", text)):
        if not compiler._count():
            compiler.note("words_ignored", word, MAX_CLAUSES)
            break
        q = compiler.words(word, None)
        if q is not None:
            parts.append(q)
    if not parts:
        compiler.note("nothing_to_search")
    return _all(parts) or query.NullQuery, fallback, tuple(compiler.notices)


def most_words(
    text: str, schema, synonyms: Synonyms | None = None, *, history: bool = False
) -> query.Query | None:
    """For a query of two or more plain words (no fields, phrases, prefixes or operators),
    the query for pages with any of them (or of their ``synonyms``), those with more of
    them first (:class:`~wiki.search.matching.MostWords`); None for any other query.
    Filler words are left out; ``history``: the old text is searched too. Never raises
    for a str."""
    return _most_words(text, schema, synonyms, _WITH_OLD if history else _WITHOUT_OLD)


def _most_words(text: str, schema, synonyms: Synonyms | None, old: str) -> query.Query | None:
    try:
        tree = drop_filler_words(parse_tree(clean(text)))
    except QuerySyntaxError:
        return None
    words = [child for child in tree.children if not is_scope(child)]
    if tree.op != "and" or not all(is_plain_word(child) for child in words):
        return None
    compiler = _Compiler(schema, _scope_of(tree), old=old)
    parts = []
    for child in _with_synonyms(tree, synonyms).children:
        if not compiler._count():
            break
        q = compiler.compile(child)
        if q is not None and q not in parts:
            parts.append(q)
    return MostWords(parts) if len(parts) > 1 else None


def plain_terms(text: str, schema, *, history: bool = False) -> query.Query:
    """Every word of ``text`` must match (title, tags, headings, body or files, and old
    text with ``history``; only files after ``in:files``), no operators or fields. Never
    raises for a str."""
    return _plain(text, schema, True, _WITH_OLD if history else _WITHOUT_OLD)[0]


def highlight_terms(q: query.Query, fieldname: str, reader) -> set[str]:
    """The terms of ``fieldname`` that ``q`` looks for (prefixes expanded with ``reader``,
    or with each of a list of segment readers, as the search expanded them), leaving out
    excluded ones: what a snippet of that field should highlight. Raises what a reader
    raises for a damaged index."""
    readers = reader if isinstance(reader, list) else [reader]
    found: set[str] = set()

    def walk(node):
        if isinstance(node, query.AndNot):
            walk(node.a)
        elif isinstance(node, query.Not):
            return
        elif isinstance(node, BoundedPrefix):
            if node.fieldname == fieldname:
                for each in readers:
                    found.update(b.decode("utf-8") for b in node._btexts(each))
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
