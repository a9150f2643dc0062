"""What people mean, read into the syntax tree before it becomes a Whoosh query: question
and filler words need not match, and words typed apart that the wiki writes as one ("wi
fi", "on call", "log in") also find the joined word.

Both rewrites take a tree from :func:`wiki.search.syntax.parse_tree` and return a new one;
neither raises. No Whoosh here: whether a joined word is known is asked of the caller.
"""

from __future__ import annotations

from collections.abc import Callable

from wiki.search.syntax import Group, Leaf, Not, is_scope

__all__ = ["FILLER_WORDS", "drop_filler_words", "is_plain_word", "join_split_words"]

FILLER_WORDS = frozenset(
    """
    who whom whose what which when where why how
    do does did done doing get gets got getting
    i me my mine myself we our ours us you your yours he she him his her they them their
    am is are was were be been being has have had having
    can could should would will shall may might must
    there here please some any anyone anybody someone somebody something anything
    thing things way ways lot lots much many also just really
    need needs want wants know tell find see let
    """.split()
)
"""Words of questions and everyday phrasing ("how do I reset my password") that say
nothing about which page is wanted: a query's other words must match, these need not.
A query made only of them searches them all."""


def is_plain_word(node) -> bool:
    """True for a word typed on its own: no field, no quotes, no prefix star. Never
    raises."""
    return (
        isinstance(node, Leaf)
        and node.kind == "word"
        and node.fieldname is None
        and not node.text.endswith("*")
    )


def drop_filler_words(tree: Group) -> Group:
    """``tree`` without the filler words of its top-level AND group, when other words
    remain to search for. Never raises."""
    if tree.op != "and":
        return tree
    kept = [
        child
        for child in tree.children
        if not (is_plain_word(child) and child.text.lower() in FILLER_WORDS)
    ]
    if not any(not isinstance(child, Not) and not is_scope(child) for child in kept):
        return tree
    return Group("and", kept)


def join_split_words(tree: Group, known: Callable[[str], bool]) -> Group:
    """``tree`` with each pair of adjacent plain words of an AND group that the wiki
    writes as one word (``known(joined)`` is True, e.g. "wi fi" -> "wifi") replaced by
    "both words, or the joined word". Nested groups are rewritten too. Raises what
    ``known`` raises."""
    children = []
    i = 0
    source = tree.children
    while i < len(source):
        child = source[i]
        if isinstance(child, Group):
            child = join_split_words(child, known)
        if (
            tree.op == "and"
            and i + 1 < len(source)
            and is_plain_word(child)
            and is_plain_word(source[i + 1])
        ):
            following = source[i + 1]
            joined = child.text + following.text
            if joined.isalnum() and known(joined):
                both = Group("and", [child, following])
                children.append(Group("or", [both, Leaf("word", joined, None)]))
                i += 2
                continue
        children.append(child)
        i += 1
    return Group(tree.op, children)
