"""Synonyms: groups of equivalent terms ("PTO, paid time off, vacation, leave"), applied
when a query is compiled, so that changing them needs no reindex.

The list is text an admin edits, one group per line, terms separated by commas;
:func:`parse_groups` reads and checks it, :data:`DEFAULT_SYNONYMS` is the built-in start
used until someone edits it. :class:`Synonyms` rewrites a syntax tree
(:mod:`wiki.search.syntax`) so that a typed term also finds its alternatives:

- a plain word (``pto``), a quoted phrase (``"paid time off"``), or a run of adjacent plain
  words that spells a multi-word term (``paid time off policy``) becomes an OR of what was
  typed and the other terms of its group (multi-word terms as phrases);
- an exclusion (``-pto``) excludes the alternatives too;
- field terms (``title:pto``, ``tag:pto``) and prefixes (``pt*``) stay as typed: a field
  names exact values (tags, authors, dates) or is how people look for one precise title.

Terms are compared as the index stores words (lower case, accents folded, stop words
dropped, stemmed: ``vacations`` meets ``vacation``). No Whoosh queries and no database here.
"""

from __future__ import annotations

from wiki.errors import InvalidInput
from wiki.search.analysis import CONTROL_CHARS, WORD, index_term
from wiki.search.syntax import Group, Leaf, Not

__all__ = [
    "DEFAULT_SYNONYMS",
    "MAX_ALTERNATIVES",
    "MAX_GROUPS",
    "MAX_LIST_CHARS",
    "MAX_TERM_CHARS",
    "MAX_TERMS_PER_GROUP",
    "Synonyms",
    "format_groups",
    "parse_groups",
    "term_key",
]

MAX_GROUPS = 300
"""Most groups in a list: enough for a company's jargon, small enough to read on one page."""

MAX_TERMS_PER_GROUP = 12
"""Most terms in one group: each is a clause of every query that uses the group."""

MAX_TERM_CHARS = 60
"""Longest term, in characters."""

MAX_TERM_WORDS = 6
"""Most words in one term (typed runs are matched up to this many words)."""

MAX_LIST_CHARS = 30_000
"""Longest list text accepted (about MAX_GROUPS lines of 100 characters)."""

MAX_ALTERNATIVES = 16
"""Most alternatives one query may gain. Together with the compiler's own clause cap this
bounds the work of any query, however many of its words have synonyms."""

ALTERNATIVE_WEIGHT = 0.5
"""How much a match of an alternative counts beside a match of what was typed: "vpn setup"
finds the glossary entry that says "virtual private network", after the VPN setup pages."""

FIELD = "synonyms"
"""The key of :class:`~wiki.errors.InvalidInput` messages about the list."""

_SHOWN_PROBLEMS = 3  # more messages at once are noise: fixing these shows the next ones

DEFAULT_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("PTO", "paid time off", "vacation", "leave", "holiday"),
    ("WFH", "work from home", "remote work", "home office"),
    ("VPN", "virtual private network"),
    ("SSO", "single sign-on"),
    ("MFA", "2FA", "two-factor authentication", "multi-factor authentication"),
    ("PO", "purchase order"),
    ("HR", "human resources", "people team"),
    ("KPI", "key performance indicator"),
    ("OKR", "objectives and key results"),
    ("SLA", "service level agreement"),
    ("FAQ", "frequently asked questions"),
    ("onboarding", "new starter", "new hire"),
    ("offboarding", "leaver"),
    ("expenses", "expense claim", "reimbursement"),
    ("laptop", "notebook", "computer"),
    ("password", "passphrase"),
    ("invoice", "bill"),
    ("incident", "outage"),
    ("postmortem", "post-incident review", "retrospective", "retro"),
    ("ETA", "estimated time of arrival"),
    ("NDA", "non-disclosure agreement"),
    ("CEO", "chief executive officer"),
    ("CTO", "chief technology officer"),
    ("CFO", "chief financial officer"),
)
"""The built-in list, used until an admin saves one: acronyms common in company wikis and
their expansions. Words the index drops ("it", "us") cannot be synonyms, so IT is absent."""


def term_key(term: str) -> tuple[str, ...]:
    """The words of ``term`` as the index stores them (folded, stemmed, stop words left
    out): two terms with the same key are the same term to search. Empty when no word of
    it is searchable. Never raises for a str."""
    return tuple(key for word in WORD.findall(term) if (key := index_term(word)) is not None)


def format_groups(groups) -> str:
    """The list as an admin edits it: one group per line, terms joined by ", ". Never
    raises for an iterable of iterables of str."""
    return "\n".join(", ".join(group) for group in groups)


def parse_groups(text: str) -> tuple[tuple[str, ...], ...]:
    """The groups of a list as typed (one per line, terms separated by commas; blank lines
    skipped), each term with its spaces tidied.

    Raises InvalidInput (key ``synonyms``, the first few problems with their line numbers)
    when the text is too long, there are too many groups, a line has an empty term or only
    one term, a group has too many terms, a term is too long, holds quotes or control
    characters, has no searchable word ("it" and other stop words), or is already in
    another group (compared as searched: "Vacations" is "vacation").
    """
    if len(text) > MAX_LIST_CHARS:
        raise InvalidInput(
            {FIELD: f"The list is too long: at most {MAX_LIST_CHARS:,} characters, please."}
        )
    problems: list[str] = []
    groups: list[tuple[str, ...]] = []
    seen: dict[tuple[str, ...], tuple[str, int]] = {}  # key -> (term, line) of its group
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        terms = tuple(" ".join(term.split()) for term in line.split(","))
        problems.extend(f"Line {number}: {p}" for p in _group_problems(terms))
        for term in terms:
            key = term_key(term)
            if not key:
                continue
            if key in seen and seen[key][1] != number:
                known, line_of_known = seen[key]
                problems.append(
                    f"Line {number}: “{term}” is already in the group on line {line_of_known} "
                    f"(as “{known}”); a term can be in one group only, so merge the two lines."
                )
            seen.setdefault(key, (term, number))
        groups.append(terms)
    if len(groups) > MAX_GROUPS:
        problems.insert(0, f"There are {len(groups)} groups; at most {MAX_GROUPS}, please.")
    if problems:
        more = len(problems) - _SHOWN_PROBLEMS
        message = " ".join(problems[:_SHOWN_PROBLEMS])
        if more > 0:
            message += f" ({more} more {'problem' if more == 1 else 'problems'} after these.)"
        raise InvalidInput({FIELD: message})
    return tuple(groups)


def _group_problems(terms: tuple[str, ...]) -> list[str]:
    if any(not term for term in terms):
        return ["a term is empty (two commas in a row, or a comma at an end)."]
    if len(terms) < 2:
        return [f"“{terms[0]}” alone: a group needs at least two terms, separated by commas."]
    problems = []
    if len(terms) > MAX_TERMS_PER_GROUP:
        problems.append(f"{len(terms)} terms; at most {MAX_TERMS_PER_GROUP} in a group, please.")
    for term in terms:
        if len(term) > MAX_TERM_CHARS:
            problems.append(f"“{term[:20]}…” is longer than {MAX_TERM_CHARS} characters.")
        elif '"' in term or CONTROL_CHARS.search(term):
            problems.append(f"“{term}” holds quotes or control characters; leave them out.")
        elif len(WORD.findall(term)) > MAX_TERM_WORDS:
            problems.append(f"“{term}” has more than {MAX_TERM_WORDS} words.")
        elif not term_key(term):
            problems.append(
                f"“{term}” has no word search can look for (very common words such as "
                "“it” or “the”, and single letters, are not indexed)."
            )
    return problems


# ---------------------------------------------------------------------- expansion


class Synonyms:
    """Groups of equivalent terms, ready to expand queries. Immutable; build it with
    :meth:`from_groups`."""

    def __init__(self, groups: tuple[tuple[str, ...], ...], index: dict[tuple[str, ...], int]):
        self.groups = groups
        self._index = index
        self._longest = max((len(key) for key in index), default=0)

    @classmethod
    def from_groups(cls, groups) -> Synonyms:
        """Synonyms from groups of terms (as :func:`parse_groups` returns them). Lenient,
        since the list was checked when saved: terms without a searchable word, terms of
        the same key as an earlier one, and groups left with fewer than two terms are
        skipped; at most :data:`MAX_TERMS_PER_GROUP` terms of a group are kept. Never
        raises for an iterable of iterables of str."""
        kept: list[tuple[str, ...]] = []
        index: dict[tuple[str, ...], int] = {}
        for group in groups:
            terms: dict[tuple[str, ...], str] = {}
            for term in group:
                key = term_key(term)
                if key and key not in index and key not in terms:
                    terms[key] = " ".join(term.split())
            if len(terms) < 2:
                continue
            for key in list(terms)[:MAX_TERMS_PER_GROUP]:
                index[key] = len(kept)
            kept.append(tuple(terms.values())[:MAX_TERMS_PER_GROUP])
        return cls(tuple(kept), index)

    def __len__(self) -> int:
        return len(self.groups)

    def alternatives(self, text: str) -> tuple[str, ...]:
        """The other terms of the group ``text`` belongs to (compared as searched), or ()
        when it is in none. Never raises for a str."""
        key = term_key(text)
        group = self._index.get(key)
        if group is None:
            return ()
        return tuple(term for term in self.groups[group] if term_key(term) != key)

    def expand(self, tree: Group, *, max_leaves: int) -> Group:
        """``tree`` (from :func:`wiki.search.syntax.parse_tree`) with each synonym-bearing
        plain word, phrase or run of plain words ORed with its alternatives (see the module
        docstring). The tree gains at most :data:`MAX_ALTERNATIVES` leaves and never grows
        past ``max_leaves`` (the compiler's clause cap: what was typed is never pushed out
        by alternatives). ``tree`` itself is left unchanged. Never raises for a tree
        :func:`~wiki.search.syntax.parse_tree` made."""
        if not self._index:
            return tree
        budget = min(MAX_ALTERNATIVES, max_leaves - _count_leaves(tree))
        return _Expansion(self, budget).group(tree)

    def _group_of(self, key: tuple[str, ...]) -> int | None:
        return self._index.get(key)


def _count_leaves(node) -> int:
    if isinstance(node, Leaf):
        return 1
    if isinstance(node, Not):
        return _count_leaves(node.child)
    return sum(_count_leaves(child) for child in node.children)


def _plain(node) -> bool:
    """A leaf synonyms apply to: unfielded, and not a prefix."""
    return (
        isinstance(node, Leaf)
        and node.fieldname is None
        and (node.kind == "phrase" or (node.kind == "word" and not node.text.endswith("*")))
    )


class _Expansion:
    """One rewrite of one tree, spending a budget of added leaves."""

    def __init__(self, synonyms: Synonyms, budget: int):
        self.synonyms = synonyms
        self.budget = budget

    def node(self, node):
        if isinstance(node, Group):
            return self.group(node)
        if isinstance(node, Not):
            return Not(self.node(node.child))
        if _plain(node):
            return self.alternatives_of(node, term_key(node.text))
        return node

    def group(self, group: Group) -> Group:
        if group.op == "or":
            return Group("or", [self.node(child) for child in group.children])
        children: list = []
        i = 0
        while i < len(group.children):
            child = group.children[i]
            end = self.run_match(group.children, i)
            if end is None:
                children.append(self.node(child))
                i += 1
            else:
                children.append(self.replace_run(group.children[i:end]))
                i = end
        return Group("and", children)

    def run_match(self, children: list, start: int) -> int | None:
        """The end of the longest run of two or more plain words from ``start`` that
        spells one term, or None."""
        first = children[start]
        if not (_plain(first) and first.kind == "word" and term_key(first.text)):
            return None  # a run starts with a searchable word, not a stop word
        key: tuple[str, ...] = ()
        found = None
        end = start
        while end < len(children) and end - start < 2 * MAX_TERM_WORDS:
            leaf = children[end]
            if not (_plain(leaf) and leaf.kind == "word"):
                break
            key += term_key(leaf.text)
            if len(key) > self.synonyms._longest:
                break
            end += 1
            if end - start >= 2 and self.synonyms._group_of(key) is not None:
                found = end
        return found

    def replace_run(self, leaves: list) -> Group:
        typed = Group("and", list(leaves))  # what was typed keeps its meaning: all words
        key = tuple(k for leaf in leaves for k in term_key(leaf.text))
        return self.alternatives_of(typed, key)

    def alternatives_of(self, typed, key: tuple[str, ...]):
        group = self.synonyms._group_of(key) if key else None
        if group is None or self.budget <= 0:
            return typed
        others = [
            Leaf("phrase", term, None, weight=ALTERNATIVE_WEIGHT)
            for term in self.synonyms.groups[group]
            if term_key(term) != key
        ][: self.budget]
        self.budget -= len(others)
        return Group("or", [typed, *others]) if others else typed
