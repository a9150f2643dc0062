"""What a results page must say of how the query was searched, gathered in one place.

The query compiler (:mod:`wiki.search.query`) notes what it cut or ignored while reading
the text; only the index knows whether a prefix had more words than a search expands it
to, so :func:`search_notices` asks it for every prefix of the compiled query, and adds the
note that the text itself was cut. The results are plain :class:`Notice` data, worded for
people by the results page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from whoosh import query

from wiki.search.backend import Notice
from wiki.search.matching import BoundedPrefix
from wiki.search.syntax import MAX_QUERY_CHARS

__all__ = ["QUERY_END_CHARS", "prefix_notices", "search_notices"]

QUERY_END_CHARS = 40
"""How much of the end of a cut query the notice quotes, so people see where it stopped."""


def search_notices(
    text: str, compiled: Iterable[Notice], q: query.Query, readers: Sequence, *, cut: bool
) -> tuple[Notice, ...]:
    """The notices for a search of ``text`` (as cleaned, so already cut when ``cut`` is
    True), given those the compiler made (``compiled``), the compiled query ``q`` and the
    ``readers`` of the index's segments. Raises what a reader raises for a damaged
    index."""
    notices: list[Notice] = []
    if cut:
        end = text.rstrip()[-QUERY_END_CHARS:].lstrip()
        notices.append(Notice("query_cut", end, MAX_QUERY_CHARS))
    for notice in [*compiled, *prefix_notices(q, readers)]:
        if notice not in notices:
            notices.append(notice)
    return tuple(notices)


def prefix_notices(q: query.Query, readers: Sequence) -> list[Notice]:
    """A ``prefix_cut`` (or, under an exclusion, ``excluded_prefix_cut``) notice for each
    prefix of ``q`` that has more words in a segment of the index (``readers``) than it is
    expanded to there, with the number of words searched (the most for any one field and
    segment). A prefix is expanded segment by segment, as the search did (which it
    remembers). Raises what a reader raises for a damaged index."""
    searched: dict[tuple[str, bool], int] = {}

    def walk(node, excluded: bool) -> None:
        if isinstance(node, query.AndNot):
            walk(node.a, excluded)
            walk(node.b, not excluded)
        elif isinstance(node, query.Not):
            walk(node.query, not excluded)
        elif isinstance(node, BoundedPrefix):
            expansions = [node.expansion(reader) for reader in readers]
            chosen = max((len(words) for words, _more in expansions), default=0)
            if any(more for _words, more in expansions):
                word = ("tag:" if node.fieldname == "tags" else "") + node.text + "*"
                key = (word, excluded)
                searched[key] = max(searched.get(key, 0), chosen)
        elif not node.is_leaf():
            for child in node.children():
                walk(child, excluded)

    walk(q, False)
    return [
        Notice("excluded_prefix_cut" if excluded else "prefix_cut", word, limit)
        for (word, excluded), limit in searched.items()
    ]
