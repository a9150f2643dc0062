"""Searches return exactly the set arithmetic of their parts: ``X -Y``, ``-tag:``,
``-author:``, OR, groups and fields, whatever the order pages were indexed in.

A property test builds random small wikis into a real index (several segments, deleted and
replaced documents), runs random query trees through the engine and compares the pages
found with a brute-force evaluation of the same tree over the same documents, analysed by
the same analyzers. The regression tests below it are the reported cases.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.matching import ListMatcher

from tests.test_search_engine import page
from wiki.search.analysis import fold
from wiki.search.engine import WhooshEngine
from wiki.search.matching import (
    SearchTimeout,
    _ArrayIntersectionMatcher,
    _ArrayUnionMatcher,
    _CoordinatedUnionMatcher,
    _ExcludeMatcher,
    block_scored,
)
from wiki.search.query import highlight_terms, parse
from wiki.search.schema import build_schema, remove_page, update_page

# Words that stem ("lessons" -> "lesson", "onboarding" -> "onboard") and none that is a
# stop word: a stop word drops out of the query, which the evaluator below does not model.
VOCAB = ["onboarding", "lessons", "learned", "vpn", "budget", "review", "office", "deploy"]
QUERY_WORDS = [*VOCAB, "lesson", "deploying", "reviews", "missing"]
PREFIXES = ["on", "les", "lea", "rev", "dep", "bud", "vp", "learn"]
TAGS = ["engineering", "decision record", "lessons", "vpn", "HR"]
TAG_QUERIES = ["engineering", "decision record", "Decision Record", "lessons", "vpn", "hr"]
TAG_PREFIXES = ["eng", "dec", "les", "v"]
AUTHORS = ["Alice Smith", "Bob Jones", "Chloé Martin", "Alice Martin"]
AUTHOR_QUERIES = ["alice", "martin", "chloe", "Chloé Martin", "Alice Smith", "bob"]
TEXT_FIELDS = ("title", "tag_words", "headings", "body")  # what plain words search
USER_FIELD = {"title": "title", "tags": "tag", "author": "author"}


# ---------------------------------------------------------------------- the evaluator


@dataclass(frozen=True)
class Doc:
    page_id: int
    title: str
    headings: str
    body: str
    tags: tuple[str, ...]
    author: str

    @property
    def tag_words(self) -> str:
        return "\n".join(self.tags)  # plain words also search the words of tags


def _tokens(schema, fieldname: str, text: str, mode: str) -> list[tuple[int, str]]:
    analyzer = schema[fieldname].analyzer
    return [(t.pos, t.text) for t in analyzer(text, positions=True, mode=mode)]


class Evaluator:
    """What a query tree must match, worked out document by document."""

    def __init__(self, schema, docs: list[Doc]):
        self.schema = schema
        self.docs = docs
        self.fields = {
            doc.page_id: {
                name: dict(_tokens(schema, name, getattr(doc, name), "index"))
                for name in (*TEXT_FIELDS, "author")
            }
            for doc in docs
        }

    def matches(self, node) -> set[int]:
        return {doc.page_id for doc in self.docs if self._match(node, doc)}

    def _words(self, doc: Doc, fieldname: str, text: str) -> bool:
        terms = [term for _pos, term in _tokens(self.schema, fieldname, text, "query")]
        positions = self.fields[doc.page_id][fieldname]
        if not terms:
            return False
        # One term anywhere, or several at consecutive positions (a phrase).
        return any(
            all(positions.get(start + i) == term for i, term in enumerate(terms))
            for start in positions
        )

    def _prefix(self, doc: Doc, fieldname: str, text: str) -> bool:
        stems = [term for _pos, term in _tokens(self.schema, fieldname, text, "query")]
        return any(
            term.startswith(text) or term in stems
            for term in self.fields[doc.page_id][fieldname].values()
        )

    def _match(self, node, doc: Doc) -> bool:
        kind = node[0]
        if kind == "or":
            return any(self._match(child, doc) for child in node[1])
        if kind == "and":
            return all(self._match(child, doc) for child in node[1]) and not any(
                self._match(child, doc) for child in node[2]
            )
        _kind, fieldname, text = node
        if fieldname == "tags":
            tags = {fold(tag) for tag in doc.tags}
            if kind == "prefix":
                return any(tag.startswith(fold(text)) for tag in tags)
            return fold(text) in tags
        fields = TEXT_FIELDS if fieldname is None else (fieldname,)
        if kind == "prefix":
            return any(self._prefix(doc, name, text) for name in fields)
        return any(self._words(doc, name, text) for name in fields)


# ---------------------------------------------------------------------- query trees


def render(node, top: bool = False) -> str:
    """The search box text of a tree."""
    kind = node[0]
    if kind in ("or", "and"):
        if kind == "or":
            text = " OR ".join(render(child) for child in node[1])
        else:
            parts = [render(child) for child in node[1]]
            parts += ["-" + render(child) for child in node[2]]
            text = " ".join(parts)
        return text if top else f"({text})"
    _kind, fieldname, text = node
    field = f"{USER_FIELD[fieldname]}:" if fieldname else ""
    if kind == "prefix":
        return f"{field}{text}*"
    if kind == "phrase" and (" " in text or not field):
        return f'{field}"{text}"'
    return f"{field}{text}"


def leaves(node) -> list:
    if node[0] == "or":
        return [leaf for child in node[1] for leaf in leaves(child)]
    if node[0] == "and":
        return [leaf for child in (*node[1], *node[2]) for leaf in leaves(child)]
    return [node]


def _phrase(words: list[str]) -> str:
    return " ".join(words)


leaf = st.one_of(
    st.tuples(st.just("word"), st.sampled_from([None, "title"]), st.sampled_from(QUERY_WORDS)),
    st.tuples(
        st.just("phrase"),
        st.sampled_from([None, "title"]),
        st.lists(st.sampled_from(VOCAB), min_size=2, max_size=3).map(_phrase),
    ),
    st.tuples(st.just("prefix"), st.sampled_from([None, "title"]), st.sampled_from(PREFIXES)),
    st.tuples(st.just("phrase"), st.just("tags"), st.sampled_from(TAG_QUERIES)),
    st.tuples(st.just("prefix"), st.just("tags"), st.sampled_from(TAG_PREFIXES)),
    st.tuples(st.just("phrase"), st.just("author"), st.sampled_from(AUTHOR_QUERIES)),
)


def _groups(children):
    """An OR of positive nodes, or an AND with at least one positive child and any number
    of exclusions (an AND of exclusions only matches nothing, by design)."""
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda parts: ("or", parts)),
        st.tuples(
            st.just("and"),
            st.lists(children, min_size=1, max_size=3),
            st.lists(children, max_size=2),
        ),
    )


trees = st.tuples(
    st.just("and"),
    st.lists(st.recursive(leaf, _groups, max_leaves=6), min_size=1, max_size=3),
    st.lists(st.recursive(leaf, _groups, max_leaves=4), max_size=2),
).filter(
    lambda tree: (
        len(leaves(tree)) <= 20
        and sum(1 for n in leaves(tree) if n[0] == "prefix" and n[1] != "tags") <= 3
    )
)


# ---------------------------------------------------------------------- random wikis


docs = st.builds(
    Doc,
    page_id=st.integers(1, 12),
    title=st.lists(st.sampled_from(VOCAB), min_size=1, max_size=3).map(" ".join),
    headings=st.lists(st.sampled_from(VOCAB), max_size=2).map(" ".join),
    body=st.lists(st.sampled_from([*VOCAB, "the", "and"]), max_size=6).map(" ".join),
    tags=st.lists(st.sampled_from(TAGS), max_size=2, unique=True).map(tuple),
    author=st.sampled_from(AUTHORS),
)

# A batch is one commit: pages written (or, for None, removed) in it.
batches = st.lists(
    st.lists(st.one_of(docs, st.integers(1, 12)), min_size=1, max_size=6),
    min_size=1,
    max_size=5,
)


def build(directory: Path, layout) -> tuple[WhooshEngine, list[Doc]]:
    """An engine whose index holds one segment per batch (no merging), with the earlier
    versions of rewritten pages deleted in their segments."""
    engine = WhooshEngine(directory)
    engine.create()
    live: dict[int, Doc] = {}
    revision = 0
    files = engine._files
    for batch in layout:
        last: dict[int, Doc | None] = {}
        for op in batch:  # a page once per commit, as the engine itself writes them
            if isinstance(op, Doc):
                last[op.page_id] = op
            else:
                last[op] = None
        with files.exclusive(5):
            ix = files.open_index(files.read_current(), engine.schema)
            writer = ix.writer()
            searcher = writer.searcher()
            for page_id, doc in last.items():
                revision += 1
                if doc is None:
                    remove_page(writer, page_id, searcher)
                    live.pop(page_id, None)
                else:
                    update_page(writer, as_page(doc, revision), searcher)
                    live[page_id] = doc
            writer.commit(merge=False)
    engine.refresh()
    return engine, list(live.values())


def as_page(doc: Doc, revision: int):
    return page(
        doc.page_id,
        doc.title,
        doc.body,
        headings=doc.headings,
        tags=doc.tags,
        author=doc.author,
        revision=revision,
    )


def found(engine: WhooshEngine, text: str) -> set[int]:
    # As typed: the set arithmetic of the query language, without correction or most words.
    results = engine.search(text, per_page=100, as_typed=True)
    assert not results.fallback, text
    assert not results.timed_out, text
    got = [hit.page_id for hit in results.hits]
    assert len(got) == len(set(got)) == results.total, text
    return set(got)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    layout=batches,
    queries=st.lists(trees, min_size=1, max_size=6),
    part_size=st.sampled_from([1, 2, 3, 5, 2048]),
)
def test_searches_are_the_set_arithmetic_of_their_parts(layout, queries, part_size):
    directory = Path(tempfile.mkdtemp())
    saved = _ArrayUnionMatcher.part_size
    # Small blocks make the array union cross block boundaries inside tiny segments.
    _ArrayUnionMatcher.part_size = part_size
    try:
        engine, live = build(directory / "index", layout)
        try:
            evaluator = Evaluator(engine.schema, live)
            for tree in queries:
                text = render(tree, top=True)
                assert found(engine, text) == evaluator.matches(tree), text
        finally:
            engine.close()
    finally:
        _ArrayUnionMatcher.part_size = saved
        shutil.rmtree(directory, ignore_errors=True)


# ---------------------------------------------------------------------- matchers


def _model_steps(ids: list[int], steps: list[int]) -> list[int | None]:
    """Where a matcher over sorted ``ids`` stands after each step: 0 is next(), n > 0
    skip_to(current + n - 3) (so also backwards and on the spot)."""
    where: list[int | None] = []
    i = 0
    for step in steps:
        if i >= len(ids):
            break
        if step == 0:
            i += 1
        else:
            target = ids[i] + step - 3
            while i < len(ids) and ids[i] < target:
                i += 1
        where.append(ids[i] if i < len(ids) else None)
    return where


def _run_steps(matcher, steps: list[int], count: int) -> list[int | None]:
    where: list[int | None] = []
    for step in steps[:count]:
        if step == 0:
            matcher.next()
        else:
            matcher.skip_to(matcher.id() + step - 3)
        where.append(matcher.id() if matcher.is_active() else None)
    return where


def _check_steps(make, ids: list[int], steps: list[int]) -> None:
    """A matcher from ``make()`` lists exactly ``ids``, starts on the first, and stands
    where the model says after each step."""
    assert list(make().all_ids()) == ids
    matcher = make()
    assert ([matcher.id()] if matcher.is_active() else []) == ids[:1]
    model = _model_steps(ids, steps)
    assert _run_steps(matcher, steps, len(model)) == model


id_lists = st.lists(st.integers(0, 40), max_size=15).map(lambda ids: sorted(set(ids)))


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(id_lists, min_size=1, max_size=4),
    excluded=st.lists(id_lists, min_size=1, max_size=3),
    steps=st.lists(st.integers(0, 8), max_size=30),
    part_size=st.sampled_from([1, 2, 3, 7, 2048]),
)
def test_union_intersection_most_words_and_exclusion_matchers_step_and_skip_exactly(
    parts, excluded, steps, part_size
):
    def union(id_lists, read=True):
        matchers = [ListMatcher(ids) for ids in id_lists]
        return _ArrayUnionMatcher(matchers, 41, boost=1.0, scored=False, deadline=None, read=read)

    def intersection():
        unions = [union(parts, read=False), union(excluded, read=False)]
        return _ArrayIntersectionMatcher(unions, 41, deadline=None)

    def most_words():
        # Words (unions of their field terms) and a part that is a bare posting list.
        words = [union(parts, read=False), union(excluded, read=False), ListMatcher(steps_ids)]
        return _CoordinatedUnionMatcher(
            words, 41, boost=1.0, scored=False, deadline=None, parts=3, power=2.0
        )

    steps_ids = sorted({step * 5 for step in steps})

    saved = _ArrayUnionMatcher.part_size
    _ArrayUnionMatcher.part_size = part_size
    try:
        wanted = sorted(set().union(*parts))
        _check_steps(lambda: union(parts), wanted, steps)
        common = sorted(set(wanted) & set().union(*excluded))
        _check_steps(intersection, common, steps)
        anything = sorted(set(wanted) | set().union(*excluded) | set(steps_ids))
        _check_steps(most_words, anything, steps)
        assert [docnum for docnum, _score in block_scored(most_words())] == anything
        difference = sorted(set(wanted) - set().union(*excluded))
        _check_steps(lambda: _ExcludeMatcher(union(parts), union(excluded)), difference, steps)
    finally:
        _ArrayUnionMatcher.part_size = saved


def test_a_long_run_of_excluded_documents_stops_at_the_deadline():
    everything = list(range(1000))
    with pytest.raises(SearchTimeout):
        _ExcludeMatcher(ListMatcher(everything), ListMatcher(everything), deadline=0.0)


# ---------------------------------------------------------------------- reported cases


def _engine_in_order(tmp_path, pages):
    """An engine with ``pages`` indexed in this order (Whoosh's AND-NOT depended on it)."""
    engine = WhooshEngine(tmp_path / "index")
    engine.create()
    for number, doc in enumerate(pages, 1):
        engine.apply([doc], [], high_water_mark=number)
    return engine


def test_a_word_without_a_tag(tmp_path):
    engine = _engine_in_order(
        tmp_path,
        [
            page(4, "Laptop setup", "Install the tools.", tags=["engineering"]),
            page(1, "Engineering onboarding", "First week onboarding.", tags=["engineering"]),
            page(2, "Sales onboarding", "First week onboarding.", tags=["sales"]),
        ],
    )
    try:
        assert found(engine, "onboarding -tag:engineering") == {2}
        assert found(engine, "onboarding NOT tag:engineering") == {2}
    finally:
        engine.close()


def test_a_tag_without_another_tag(tmp_path):
    engine = _engine_in_order(
        tmp_path,
        [
            page(7, "Choosing a firewall", "Decided.", tags=["decision record"]),
            page(3, "VPN provider", "We chose a provider.", tags=["vpn", "decision record"]),
            page(5, "VPN how-to", "Connect like this.", tags=["vpn"]),
        ],
    )
    try:
        assert found(engine, 'tag:vpn -tag:"decision record"') == {5}
    finally:
        engine.close()


def test_a_word_without_the_tag_of_the_same_name(tmp_path):
    engine = _engine_in_order(
        tmp_path,
        [
            page(9, "Retrospective", "What went well.", tags=["lessons"]),
            page(1, "Office move lessons", "Lessons from the move.", tags=["lessons"]),
            page(2, "Launch lessons", "Lessons from the launch.", tags=["launch"]),
        ],
    )
    try:
        assert found(engine, "lessons -tag:lessons") == {2}
    finally:
        engine.close()


def test_nested_groups_and_exclusions_of_phrases_prefixes_and_authors(tmp_path):
    engine = _engine_in_order(
        tmp_path,
        [
            page(1, "Budget review", "The budget plan.", author="Chloé Martin"),
            page(2, "Budget plan", "Review the budget.", author="Bob Jones"),
            page(3, "Forecast", "Forecast review.", author="Alice Smith", tags=["finance"]),
            page(4, "Forecast budget", "Plan the forecast.", author="Bob Jones"),
        ],
    )
    try:
        assert found(engine, "(budget OR forecast) -review") == {4}
        assert found(engine, "budget -(review OR forecast)") == set()
        assert found(engine, "plan -(review OR forecast)") == set()
        assert found(engine, 'budget -"budget plan"') == {4}  # page 1's body has it
        assert found(engine, "budget -rev*") == {4}
        assert found(engine, 'budget -author:"Chloé Martin"') == {2, 4}
        assert found(engine, "tag:finance OR author:bob") == {2, 3, 4}
        assert found(engine, "forecast -author:bob") == {3}
    finally:
        engine.close()


def test_excluded_words_are_not_highlighted():
    q, _fallback = parse("budget -review -(plan OR forecast)", build_schema())
    assert highlight_terms(q, "body", None) == {"budget"}
