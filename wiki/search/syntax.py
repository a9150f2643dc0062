"""Reading the search box language (described in :mod:`wiki.search.query`): text -> a
syntax tree.

The lexer splits the text into words, quoted phrases, field prefixes (``title:``), scopes
(``in:files``), parentheses and the operators (upper-case ``OR``, ``AND``, ``NOT``, and
``-`` before a word); the parser builds an AND group of OR groups of possibly excluded
leaves. Words stay
as typed: they are analysed when :mod:`wiki.search.query` turns the tree into a Whoosh
query. Text it cannot read raises :class:`QuerySyntaxError`, which the caller answers by
searching the words plainly. No Whoosh here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wiki.search.analysis import CONTROL_CHARS

__all__ = [
    "MAX_NESTING",
    "MAX_QUERY_CHARS",
    "SCOPES",
    "SCOPE_FIELD",
    "USER_FIELDS",
    "Group",
    "Leaf",
    "Not",
    "QuerySyntaxError",
    "clean",
    "correctable_words",
    "field_query",
    "is_scope",
    "parse_tree",
    "tag_query",
]

USER_FIELDS = {
    "title": "title",
    "tag": "tags",
    "tags": "tags",
    "author": "author",
    "updated": "updated",
    "space": "space",
    "type": "kind",
}
"""Field names people may type (``tags:`` is accepted for ``tag:``) -> schema field."""

KINDS = {
    "page": "page",
    "pages": "page",
    "file": "file",
    "files": "file",
    "history": "history",
    "old": "history",
    "removed": "history",
}
"""What ``type:`` may name -> the kind of document (:data:`wiki.search.backend.HIT_KINDS`):
``type:file`` finds only files, ``type:history`` only text removed from pages."""

SCOPES = {"files": "files", "file": "files"}
"""What ``in:`` may name (``in:files``: the words are searched only in the text of the
pages' files) -> the scope."""

SCOPE_FIELD = "in"
"""The field name of a scope leaf (``Leaf("scope", "files", "in")``)."""

MAX_QUERY_CHARS = 1000
"""Longer input is cut: nobody types more, and parsing and matching cost grows with it."""

MAX_NESTING = 20
"""Deepest parenthesis nesting; deeper input is searched as plain words."""

_WHOLE_WORD = re.compile(r"\w+(?:['\u2019\u2010\u2011-]\w+)*")
"""A word with its apostrophes and hyphens ("couldn't", "on-call"): corrected whole or
not at all, never cut at the apostrophe ("could't")."""

_FIELD_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9_]{0,31}):(.*)\Z", re.DOTALL)

RECORD_FIELD = "record:"
"""The field name of a leaf that searches a record's field: ``team:x`` -> ``record:team``."""


class QuerySyntaxError(ValueError):
    """The text is not a valid query (the caller then searches it as plain words)."""


# ---------------------------------------------------------------------- lexing


@dataclass
class _Token:
    kind: str  # WORD PHRASE FIELD SCOPE LP RP OR AND NOT NEG
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
            close, phrase = _quoted(text, i + 1)
            tokens.append(_Token("PHRASE", phrase, i + 1, close))
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
            if match and match.group(1).lower() == SCOPE_FIELD and match.group(2).lower() in SCOPES:
                tokens.append(_Token("SCOPE", SCOPES[match.group(2).lower()], i, end))
            elif match and match.group(1).lower() in USER_FIELDS:
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
            elif match and _is_record_field(match.group(2), text, end):
                # Any other name is a field of a record (team:logistics, severity:"high").
                name = RECORD_FIELD + match.group(1).lower()
                tokens.append(_Token("FIELD", name, i, end, match.group(2) or None))
            elif run in ("OR", "AND", "NOT"):
                tokens.append(_Token(run, run, i, end))
            else:
                tokens.append(_Token("WORD", run, i, end))
            i = end
    return tokens


def _is_record_field(value: str, text: str, end: int) -> bool:
    """Whether ``name:value`` (a name that is not one of :data:`USER_FIELDS`) searches a
    record's field: a value follows (not an address's ``//``), or a phrase or group does.
    Otherwise it is a word ("Note:" at the end of a question)."""
    if value:
        return not value.startswith("/")
    return end < len(text) and text[end] in '("'


def _quoted(text: str, start: int) -> tuple[int, str]:
    """The closing quote's index and the text between, for a phrase opened just before
    ``start``: ``\\"`` is a quote and ``\\\\`` a backslash (so any tag can be typed in
    quotes); any other backslash is kept as typed. Raises QuerySyntaxError when the phrase
    is not closed."""
    if "\\" not in text:  # the usual case, and the one before escapes existed
        close = text.find('"', start)
        if close < 0:
            raise QuerySyntaxError("unclosed quote")
        return close, text[start:close]
    chars: list[str] = []
    i, n = start, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            return i, "".join(chars)
        if char == "\\" and i + 1 < n and text[i + 1] in '"\\':
            i += 1
            char = text[i]
        chars.append(char)
        i += 1
    raise QuerySyntaxError("unclosed quote")


# ---------------------------------------------------------------------- parsing


@dataclass
class Leaf:
    """A word, phrase or field value as typed, with the field it is restricted to (None:
    the text fields); or a scope (``in:files``), which says where the query's unfielded
    words are searched and matches nothing itself."""

    kind: str  # word | phrase | value (a FIELD token's attached value) | scope
    text: str
    fieldname: str | None
    weight: float = 1.0  # below 1 for what the wiki adds (a synonym), not what was typed


@dataclass
class Not:
    """An excluded node (``-word``, ``NOT word``)."""

    child: object


@dataclass
class Group:
    """Nodes that must all match (``and``) or any of which may (``or``)."""

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

    def parse(self) -> Group:
        node = self.and_group(None)
        if self.peek() is not None:
            raise QuerySyntaxError("unbalanced parenthesis")
        return node

    def and_group(self, fieldname: str | None) -> Group:
        group = Group("and")
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
            if isinstance(node, Group) and node.op == "or":
                node.children.append(right)
            else:
                node = Group("or", [node, right])
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
        return Not(node) if negations % 2 else node

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
            return Leaf("phrase", self.take().text, fieldname)
        if kind == "WORD":
            return Leaf("word", self.take().text, fieldname)
        if kind == "SCOPE":
            return Leaf("scope", self.take().text, SCOPE_FIELD)
        if kind == "FIELD":
            token = self.take()
            if token.value is not None:
                return Leaf("value", token.value, token.text)
            if token.text == "updated":
                raise QuerySyntaxError("updated: takes a date")
            # title:"..." or title:( ... ): the phrase or group applies to that field
            return self.primary(token.text)
        raise QuerySyntaxError(f"unexpected {kind or 'end of query'}")


# ---------------------------------------------------------------------- entry points


def clean(text: str) -> str:
    """``text`` without control characters, cut to :data:`MAX_QUERY_CHARS`. Raises
    whatever ``str(text)`` raises for a non-str."""
    return CONTROL_CHARS.sub(" ", str(text)[:MAX_QUERY_CHARS])


def parse_tree(text: str) -> Group:
    """The syntax tree of ``text`` (an AND group). Raises QuerySyntaxError when the text is
    not a valid query."""
    return _Parser(_lex(text)).parse()


def is_scope(node) -> bool:
    """True for a scope leaf (``in:files``). Never raises."""
    return isinstance(node, Leaf) and node.kind == "scope"


def correctable_words(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` for the words of ``text`` a spelling suggestion may replace:
    plain words and words inside phrases, not field values, prefixes or operators. Never
    raises for a str."""
    text = clean(text)
    try:
        tokens = _lex(text)
    except QuerySyntaxError:
        return [(m.start(), m.end(), m.group()) for m in _WHOLE_WORD.finditer(text)]
    words = []
    for token in tokens:
        if token.kind == "PHRASE" or (token.kind == "WORD" and not token.text.endswith("*")):
            # The text as typed, not the token's: a phrase's escapes shift the positions.
            for m in _WHOLE_WORD.finditer(text[token.start : token.end]):
                words.append((token.start + m.start(), token.start + m.end(), m.group()))
    return words


def quoted(value: str) -> str:
    """``value`` as a phrase, quotes and backslashes escaped, so that no character of it is
    read as syntax. Raises TypeError for a non-str."""
    if not isinstance(value, str):
        raise TypeError("value must be a str")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def field_query(name: str, value: str) -> str:
    """The query that finds the records whose field ``name`` is ``value``:
    ``name:"..."``, escaped like :func:`tag_query`. Raises TypeError for a non-str."""
    if not isinstance(value, str):
        raise TypeError("value must be a str")
    return name + ':"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tag_query(tag: str) -> str:
    """The query that finds exactly the pages tagged ``tag``: ``tag:"..."`` with quotes and
    backslashes escaped, so that no character of a tag (``"``, ``)``, a leading ``-``,
    ``OR``, a final ``*``) is read as syntax. Raises TypeError for a non-str."""
    if not isinstance(tag, str):
        raise TypeError("tag must be a str")
    return 'tag:"' + tag.replace("\\", "\\\\").replace('"', '\\"') + '"'
