"""Behaviour of the search engine (wiki.search.engine): indexing, ranking, snippets,
suggestions, autocomplete, generations and rebuilds, damaged indexes, concurrent writers.

The corpus below is shared with tests/test_search_query.py, which covers the query language.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from whoosh import index as whoosh_index
from whoosh import query as wquery
from whoosh import scoring
from whoosh.codec.base import Automata
from whoosh.matching.combo import ArrayUnionMatcher
from whoosh.util.filelock import FileLock

from wiki.search import collecting, schema, suggest
from wiki.search import scoring as scoring_module
from wiki.search.analysis import index_term
from wiki.search.backend import Hit, IndexBusy, IndexUnavailable, PageDocument, Results
from wiki.search.engine import WhooshEngine
from wiki.search.matching import (
    PREFIX_MAX_TERMS,
    AllOf,
    ArrayOr,
    BoundedPrefix,
    ColumnDateRange,
    ExactPhrase,
    MostWords,
    _ArrayUnionMatcher,
    block_scored,
)
from wiki.search.schema import SCORED_FIELDS, build_schema


def page(
    page_id,
    title,
    body,
    *,
    headings="",
    tags=(),
    author="Alice Smith",
    updated=None,
    revision=None,
    slug=None,
):
    """A PageDocument with defaults for what a test does not care about."""
    return PageDocument(
        page_id=page_id,
        slug=slug or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
        title=title,
        headings=headings,
        body=body,
        tags=tuple(tags),
        author=author,
        updated=updated or datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        revision_id=revision or page_id * 10,
    )


CORPUS = [
    page(
        1,
        "Office move lessons learned",
        "We moved the whole office from the old building to the new campus over two weekends. "
        "Start the inventory six weeks ahead: every desk and monitor got a numbered label. "
        "The first problem on the day was parking, because the loading bay took one lorry at a time. "
        "Most complaints in the first week were about the heating, not about lost equipment.",
        headings="Before the move\nOn the day\nAfter the move",
        tags=("facilities", "Office Move"),
        author="Chloé Martin",
        updated=datetime(2024, 3, 5, 9, 0, tzinfo=UTC),
    ),
    page(
        2,
        "Parking at the new campus",
        "Since we moved, the office has sixty parking spaces. Book a space the day before in the "
        "facilities app; spaces near the entrance are kept for visitors and accessible parking.",
        tags=("facilities",),
        author="Bob Stone",
        updated=datetime(2024, 4, 10, 8, 0, tzinfo=UTC),
    ),
    page(
        3,
        "VPN setup guide",
        "Install the client from the software centre, then configure it with the configuration "
        "file that IT sends you. The client needs a certificate, which expires after a year.",
        headings="Install the client\nConfigure the tunnel",
        tags=("it", "howto"),
        author="Dmitri Ivanov",
        updated=datetime(2023, 5, 20, 14, 0, tzinfo=UTC),
    ),
    page(
        4,
        "Expense policy",
        "Expenses are reimbursed within a month when you attach the receipts. Coffee at the café "
        "on the ground floor is not reimbursed. Travel must be booked through the travel desk.",
        tags=("finance", "policy"),
        author="Erin Walsh",
        updated=datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
    ),
    page(
        5,
        "Café menu",
        "The café on the ground floor serves breakfast from eight and lunch until two. "
        "Vegetarian dishes are marked; ask the staff about allergens.",
        tags=("facilities",),
        author="Chloé Martin",
        updated=datetime(2022, 11, 2, 12, 0, tzinfo=UTC),
        slug="cafe-menu",
    ),
    page(
        6,
        "Onboarding checklist",
        "On your first day you get a laptop and your accounts. In the first week, set up the VPN, "
        "meet your buddy and read the expense policy.",
        headings="First day\nFirst week",
        tags=("onboarding", "howto"),
        author="Grace Lee",
        updated=datetime(2024, 6, 30, 9, 0, tzinfo=UTC),
    ),
    page(
        7,
        "Release process",
        "Releases leave from a release branch. Deploy to staging first, watch the dashboards "
        "for an hour, then deploy to production. If errors rise, roll back at once.",
        headings="Branches\nRollback",
        tags=("engineering",),
        author="Farid Haddad",
        # 00:30 in UTC+2 on New Year's Day is still 2023 in UTC, where dates are compared.
        updated=datetime(2024, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),
    ),
    page(
        8,
        "Security incident response",
        "Report a suspected incident to the on-call engineer at once. Keep notes of what you "
        "saw and when; do not switch off affected machines.",
        headings="Escalation\nAfter the incident",
        tags=("security", "policy"),
        author="Hana Sato",
        updated=datetime(2024, 2, 29, 16, 0, tzinfo=UTC),
    ),
    page(
        9,
        "Meeting room booking",
        "Book meeting rooms in the shared calendar. Cancel a booking you no longer need so "
        "that others can use the room; the calendar shows the room's equipment.",
        tags=("facilities",),
        author="Bob Stone",
        updated=datetime(2024, 1, 1, 10, 0, tzinfo=UTC),
    ),
    page(
        10,
        "Budget forecast 2024",
        "The budget forecast is updated every quarter in the finance spreadsheet. "
        "Department heads review their lines before the board meeting.",
        tags=("finance",),
        author="Erin Walsh",
        updated=datetime(2024, 1, 2, 9, 0, tzinfo=UTC),
    ),
    page(
        11,
        "Lessons from the datacenter migration",
        "Moving the racks took three nights. Photograph the cabling of every rack before "
        "anything is unplugged, and test the backups the week before.",
        tags=("it",),
        author="Dmitri Ivanov",
        updated=datetime(2022, 5, 5, 12, 0, tzinfo=UTC),
    ),
    page(
        12,
        "Printer troubleshooting",
        "If the printer shows <script>alert('jam')</script>, reload the toner & paper tray. "
        "Printers on the third floor are managed by AT&T; call them for hardware faults.",
        tags=("it", "howto"),
        author="Grace Lee",
        updated=datetime(2023, 3, 3, 11, 0, tzinfo=UTC),
    ),
    page(
        13,
        "Holiday calendar",
        "Public holidays for every office, and the days the office closes between Christmas "
        "and New Year. Plan leave with your team.",
        tags=("people",),
        author="Hana Sato",
        updated=datetime(2023, 9, 1, 12, 0, tzinfo=UTC),
    ),
    page(
        14,
        "On-call rota",
        "Each team keeps a weekly on-call rota. The escalation goes to the team lead after "
        "fifteen minutes without an answer.",
        tags=("engineering",),
        author="Farid Haddad",
        updated=datetime(2023, 8, 8, 8, 0, tzinfo=UTC),
    ),
]
"""Pages 13 ("calendar" in the title) and 9 ("calendar" twice in the body), 8 ("escalation"
as a heading) and 14 (in the body) are there for the ranking tests."""

BY_ID = {doc.page_id: doc for doc in CORPUS}


def make_engine(directory, docs=CORPUS, **kwargs) -> WhooshEngine:
    engine = WhooshEngine(directory, **kwargs)
    engine.create()
    engine.apply(list(docs), [], high_water_mark=max((d.revision_id for d in docs), default=0))
    return engine


@pytest.fixture(scope="module")
def corpus_engine(tmp_path_factory):
    """One engine over the corpus, shared by the read-only tests of a module."""
    engine = make_engine(tmp_path_factory.mktemp("search") / "index")
    yield engine
    engine.close()


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(tmp_path / "index")
    yield engine
    engine.close()


def ids(results: Results) -> list[int]:
    return [hit.page_id for hit in results.hits]


def current_generation(directory) -> str:
    return (directory / "CURRENT").read_text().strip()


def _searcher(engine: WhooshEngine, weighting):
    """A plain Whoosh searcher of the engine's live generation, weighing with
    ``weighting``: to compare the engine's own classes with Whoosh's."""
    directory = engine.directory / current_generation(engine.directory)
    ix = whoosh_index.open_dir(str(directory), schema=build_schema())
    return ix.searcher(weighting=weighting)


# ---------------------------------------------------------------------- documents


def test_page_document_rejects_naive_datetimes_and_bad_ids():
    with pytest.raises(ValueError):
        page(1, "Naive", "x", updated=datetime(2024, 1, 1))
    with pytest.raises(ValueError):
        page(0, "Zero", "x")
    with pytest.raises(TypeError):
        PageDocument(1, "s", "t", "", "b", "finance", "a", datetime.now(UTC), 1)


# ---------------------------------------------------------------------- results and ranking


def test_search_returns_hits_with_page_fields(corpus_engine):
    results = corpus_engine.search("toner")
    assert isinstance(results, Results)
    assert ids(results) == [12]
    hit = results.hits[0]
    assert isinstance(hit, Hit)
    assert hit.slug == "printer-troubleshooting"
    assert hit.title == "Printer troubleshooting"
    assert (hit.author, hit.tags) == ("Grace Lee", ("it", "howto"))
    assert hit.updated == datetime(2023, 3, 3, 11, 0, tzinfo=UTC)
    assert hit.score > 0
    assert (results.total, results.page, results.per_page) == (1, 1, 10)
    assert not results.fallback and not results.timed_out


def test_updated_is_returned_in_utc(corpus_engine):
    (hit,) = corpus_engine.search("rollback").hits
    assert hit.updated == datetime(2023, 12, 31, 22, 30, tzinfo=UTC)
    assert hit.updated.utcoffset() == timedelta(0)


def test_title_match_ranks_above_body_only_match(corpus_engine):
    # Page 9 says "calendar" twice in its body; page 13 has it once, in its title.
    assert ids(corpus_engine.search("calendar")) == [13, 9]


def test_heading_match_ranks_above_plain_text_match(corpus_engine):
    # Page 8 has "Escalation" as a heading only; page 14 has "escalation" in its body.
    assert ids(corpus_engine.search("escalation")) == [8, 14]


def test_scores_are_whooshs_bm25f_times_the_field_weight(corpus_engine, monkeypatch):
    # The engine's faster scorer must agree with Whoosh's own BM25F (author has weight 1);
    # the bonus for recent edits is tested on its own (tests/test_search_understanding.py).
    monkeypatch.setattr(collecting, "RECENCY_BONUS", 0.0)
    results = corpus_engine.search("author:chloe")
    with _searcher(corpus_engine, scoring.BM25F()) as searcher:
        expected = {
            searcher.stored_fields(docnum)["page_id"]: score
            for score, docnum in searcher.search(wquery.Term("author", "chloe")).top_n
        }
    assert {hit.page_id: hit.score for hit in results.hits} == pytest.approx(expected)
    assert set(expected) == {1, 5}


@pytest.mark.parametrize("part_size", [1, 3, 2048])
def test_the_union_reads_postings_a_block_at_a_time_with_whooshs_scores(
    corpus_engine, monkeypatch, part_size
):
    # The union reads the index's posting lists a block at a time; it must give the
    # documents and scores Whoosh's own array union gives, one posting at a time, for
    # plain, boosted and phrase parts alike.
    monkeypatch.setattr(_ArrayUnionMatcher, "part_size", part_size)
    blocks = []
    add_scores = scoring_module.BM25FScorer.add_scores
    monkeypatch.setattr(
        scoring_module.BM25FScorer,
        "add_scores",
        lambda self, *args: blocks.append(args[-1]) or add_scores(self, *args),
    )
    parts = [
        wquery.Term("body", "week"),
        wquery.Term("title", "onboard", boost=0.7),
        ExactPhrase("body", ["first", "week"]),
        wquery.Term("body", "offic"),
        wquery.Term("headings", "escal"),
    ]
    matched = 0
    with _searcher(corpus_engine, scoring_module.FieldWeighting(SCORED_FIELDS)) as searcher:
        for subsearcher, _offset in searcher.leaf_searchers():
            count = subsearcher.doc_count_all()
            ours = ArrayOr(parts).matcher(subsearcher, subsearcher.context())
            theirs = ArrayUnionMatcher(
                [part.matcher(subsearcher, subsearcher.context()) for part in parts],
                count,
                partsize=part_size,
            )
            got, expected = [], []
            for matcher, into in ((ours, got), (theirs, expected)):
                while matcher.is_active():
                    into.append((matcher.id(), matcher.score()))
                    matcher.next()
            assert got == expected
            matched += len(got)
    assert matched > 3
    assert 0.7 in blocks and 1.0 in blocks  # the boosted term was read by blocks too


@pytest.mark.parametrize("part_size", [1, 3, 2048])
def test_an_and_of_words_intersects_blocks_with_whooshs_scores(
    corpus_engine, monkeypatch, part_size
):
    # Words that must all match (each a union of its field terms) are intersected a block
    # at a time; the documents and scores must be those of Whoosh's intersections.
    monkeypatch.setattr(_ArrayUnionMatcher, "part_size", part_size)
    words = [
        ArrayOr([wquery.Term(field, term) for field in ("title", "headings", "body")])
        for term in ("week", "first", "onboard")
    ]
    matched = 0
    with _searcher(corpus_engine, scoring_module.FieldWeighting(SCORED_FIELDS)) as searcher:
        for subsearcher, _offset in searcher.leaf_searchers():
            for count in (2, 3):
                ours = AllOf(words[:count]).matcher(subsearcher, subsearcher.context())
                theirs = wquery.And(words[:count]).matcher(subsearcher, subsearcher.context())
                assert type(ours).__name__ == "_ArrayIntersectionMatcher"
                got, expected = [], []
                for matcher, into in ((ours, got), (theirs, expected)):
                    while matcher.is_active():
                        into.append((matcher.id(), matcher.score()))
                        matcher.next()
                assert [docnum for docnum, _ in got] == [docnum for docnum, _ in expected]
                assert [score for _, score in got] == pytest.approx(
                    [score for _, score in expected]
                )
                matched += len(got)
    assert matched >= 2


@pytest.mark.parametrize("part_size", [1, 3, 2048])
def test_a_most_words_union_scores_the_sum_of_whooshs_parts_times_their_coordination(
    corpus_engine, monkeypatch, part_size
):
    # A question's words (each a union of its field terms) and a phrase: a page's score is
    # the sum of the parts' scores times (parts matched / parts) ** COORDINATION, whether
    # read document by document or a block at a time.
    monkeypatch.setattr(_ArrayUnionMatcher, "part_size", part_size)
    fields = ("title", "headings", "body")
    parts = [
        ArrayOr([wquery.Term(field, term) for field in fields])
        for term in ("week", "first", "onboard", "offic")
    ] + [ExactPhrase("body", ["first", "week"])]
    matched, how_many = 0, set()
    with _searcher(corpus_engine, scoring_module.FieldWeighting(SCORED_FIELDS)) as searcher:
        for subsearcher, _offset in searcher.leaf_searchers():
            count, context = subsearcher.doc_count_all(), subsearcher.context()
            sums: dict[int, float] = {}
            counts: dict[int, int] = {}
            for part in parts:
                matcher = (
                    ArrayUnionMatcher([t.matcher(subsearcher, context) for t in part], count)
                    if isinstance(part, ArrayOr)
                    else part.matcher(subsearcher, context)
                )
                while matcher.is_active():
                    docnum = matcher.id()
                    sums[docnum] = sums.get(docnum, 0.0) + matcher.score()
                    counts[docnum] = counts.get(docnum, 0) + 1
                    matcher.next()
            expected = [
                (docnum, sums[docnum] * (counts[docnum] / len(parts)) ** MostWords.COORDINATION)
                for docnum in sorted(sums)
            ]
            stepped = []
            ours = MostWords(parts).matcher(subsearcher, context)
            while ours.is_active():
                stepped.append((ours.id(), ours.score()))
                ours.next()
            blocks = list(block_scored(MostWords(parts).matcher(subsearcher, context)))
            for got in (stepped, blocks):
                assert [docnum for docnum, _ in got] == [docnum for docnum, _ in expected]
                assert [score for _, score in got] == pytest.approx(
                    [score for _, score in expected]
                )
            matched += len(expected)
            how_many.update(counts.values())
    assert matched > 3
    assert len(how_many) > 1  # pages with more and with fewer of the parts


def test_a_date_range_read_from_the_column_matches_whooshs(corpus_engine):
    # updated:... is matched from the column the engine keeps in memory; it must find
    # exactly what Whoosh's range of terms finds, ends included or not.
    edited = datetime(2023, 12, 31, 22, 30)  # a page's edit time, to the microsecond
    ranges = [
        (None, None, False, False),
        (edited, None, False, False),
        (edited, None, True, False),
        (None, edited, False, False),
        (None, edited, False, True),
        (datetime(2020, 1, 1), datetime(2024, 1, 1), False, True),
        (datetime(2030, 1, 1), None, False, False),
    ]
    with _searcher(corpus_engine, scoring_module.FieldWeighting(SCORED_FIELDS)) as searcher:
        sizes = []
        for start, end, startexcl, endexcl in ranges:
            ours = ColumnDateRange("updated", start, end, startexcl, endexcl)
            theirs = wquery.DateRange("updated", start, end, startexcl, endexcl)
            found = set(searcher.docs_for_query(ours))
            assert found == set(searcher.docs_for_query(theirs))
            assert set(searcher.search(ours, limit=None).docs()) == found
            sizes.append(len(found))
        assert sizes[1] == sizes[2] + 1 and sizes[3] == sizes[4] + 1
        assert 0 < sizes[5] < sizes[0] and sizes[-1] == 0
        # (A segment holding only the index state has no such column.)
        assert any(
            ColumnDateRange("updated", edited, None)._ids(subsearcher)
            for subsearcher, _offset in searcher.leaf_searchers()
        )


def test_paging(corpus_engine):
    everything = corpus_engine.search("the", per_page=50)  # a stop word: nothing
    assert everything.total == 0
    query = "office OR week OR floor"
    first = corpus_engine.search(query, per_page=2)
    second = corpus_engine.search(query, page=2, per_page=2)
    assert first.total == second.total == 9  # "weekly" counts as "week"
    assert len(first.hits) == len(second.hits) == 2
    assert not set(ids(first)) & set(ids(second))
    assert ids(first) + ids(second) == ids(corpus_engine.search(query))[:4]
    beyond = corpus_engine.search(query, page=50, per_page=2)
    assert beyond.hits == [] and beyond.total == first.total


def test_allowed_filters_hits_and_total(corpus_engine):
    everyone = corpus_engine.search("office OR week OR floor")
    hidden = {2, 5}
    filtered = corpus_engine.search(
        "office OR week OR floor", allowed=lambda page_id: page_id not in hidden
    )
    assert set(ids(everyone)) & hidden
    assert not set(ids(filtered)) & hidden
    assert filtered.total == everyone.total - len(hidden & set(ids(everyone)))


def test_errors_from_allowed_propagate(corpus_engine):
    def broken(page_id):
        raise LookupError("permissions unavailable")

    with pytest.raises(LookupError):
        corpus_engine.search("office", allowed=broken)
    assert ids(corpus_engine.search("toner")) == [12]  # the engine still works


# ---------------------------------------------------------------------- snippets


def test_snippet_marks_matches_including_stemmed_forms(corpus_engine):
    (hit,) = corpus_engine.search("unplug").hits
    assert "<mark>unplugged</mark>" in hit.snippet


def test_snippet_escapes_the_body(corpus_engine):
    (hit,) = corpus_engine.search("toner").hits
    snippet = str(hit.snippet)
    assert "&lt;script&gt;alert(&#x27;jam&#x27;)&lt;/script&gt;" in snippet
    assert "<mark>toner</mark> &amp; paper" in snippet
    assert "AT&amp;T" in corpus_engine.search("hardware").hits[0].snippet
    # The only markup is <mark>...</mark>.
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0
    assert "<mark>toner</mark>" in snippet


def test_snippet_does_not_mark_excluded_words(corpus_engine):
    (hit,) = corpus_engine.search("parking -heating").hits
    assert "<mark>parking</mark>" in hit.snippet
    assert "<mark>heating" not in hit.snippet


def test_snippet_without_body_match_is_the_start_of_the_page(corpus_engine):
    (hit,) = corpus_engine.search("title:holiday").hits
    assert str(hit.snippet).startswith("Public holidays for every office")
    assert "<mark>" not in hit.snippet


def test_snippet_of_a_long_page_is_a_short_passage(tmp_path):
    filler = "Nothing to see in this sentence about ordinary things. " * 200
    body = filler + "The quarterly audit found one issue. " + filler
    engine = make_engine(tmp_path / "index", [page(1, "Long page", body)])
    try:
        (hit,) = engine.search("audit").hits
        assert "<mark>audit</mark>" in hit.snippet
        assert len(hit.snippet) < 400
        assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    finally:
        engine.close()


# ---------------------------------------------------------------------- exact title, suggestions


def test_exact_title_is_case_and_accent_insensitive(corpus_engine):
    assert corpus_engine.search("cafe MENU").exact_title.slug == "cafe-menu"
    assert corpus_engine.search("  office move  lessons learned ").exact_title.page_id == 1
    assert corpus_engine.search('"Café menu"').exact_title.page_id == 5
    assert corpus_engine.search("cafe").exact_title is None
    assert (
        corpus_engine.search("cafe menu", allowed=lambda page_id: page_id != 5).exact_title is None
    )


def test_a_typo_is_corrected_at_once(corpus_engine):
    results = corpus_engine.search("lesons")
    assert results.total > 0 and results.searched == "lessons"
    assert results.corrected_from == "lesons" and results.suggestion is None
    assert {hit.page_id for hit in results.hits} == {
        hit.page_id for hit in corpus_engine.search("lessons").hits
    }


def test_suggestion_for_a_typo(corpus_engine):
    results = corpus_engine.search("lesons", as_typed=True)
    assert results.total == 0 and results.corrected_from is None
    assert results.suggestion == "lessons"
    assert (
        corpus_engine.search("configuraton file", as_typed=True).suggestion == "configuration file"
    )
    assert corpus_engine.suggest("Recieipts") == "Receipts"


def test_no_suggestion_when_words_are_known_or_nothing_is_close(corpus_engine):
    assert corpus_engine.search("parking").suggestion is None
    assert corpus_engine.suggest("parking office") is None
    assert corpus_engine.suggest("xqzvwk") is None
    assert corpus_engine.suggest("") is None


def test_the_kept_word_lists_find_the_words_whooshs_edit_distance_search_finds(engine):
    # Corrections walk the edit-distance automaton through each segment's words kept in
    # memory; they must find what Whoosh's own walk through the index files finds.
    engine.apply(
        [page(20, "Budget forecst", "The forecasted budjet and its forecaster.")],
        [],
        high_water_mark=100,
    )
    with _searcher(engine, scoring_module.FieldWeighting(SCORED_FIELDS)) as searcher:
        leaves = [leaf for leaf, _offset in searcher.reader().leaf_readers()]
        assert len(leaves) > 1  # the corpus, then the page above in a segment of its own
        found = 0
        for typo, distance in (("budgte", 2), ("forcast", 1), ("lesson", 2), ("calender", 1)):
            automaton = Automata.levenshtein_dfa(typo, distance, prefix=1)
            for leaf in leaves:
                for name in ("body", "title"):
                    ours = list(
                        suggest._accepted(automaton, suggest._vocabulary(searcher, leaf, name))
                    )
                    theirs = sorted(leaf.terms_within(name, typo, distance, prefix=1))
                    assert ours == theirs
                    found += len(ours)
        assert found > 4


def test_a_word_indexed_after_a_correction_is_offered_for_the_next_typo(engine):
    # The word lists are kept per segment: a later save's words are in a new segment.
    assert engine.suggest("zanzibra") is None
    engine.apply([page(21, "Trip to Zanzibar", "Zanzibar travel notes.")], [], high_water_mark=101)
    assert engine.suggest("zanzibra") == "zanzibar"


def test_suggestion_keeps_the_rest_of_the_query(corpus_engine):
    assert corpus_engine.suggest('tag:finance "budgte forecast"') == 'tag:finance "budget forecast"'


# ---------------------------------------------------------------------- autocomplete


def test_autocomplete_prefers_titles_starting_with_the_prefix(corpus_engine):
    assert corpus_engine.autocomplete("les") == [
        ("Lessons from the datacenter migration", "lessons-from-the-datacenter-migration"),
        ("Office move lessons learned", "office-move-lessons-learned"),
    ]


def test_autocomplete_is_case_and_accent_insensitive(corpus_engine):
    assert corpus_engine.autocomplete("CAFE") == [("Café menu", "cafe-menu")]
    assert corpus_engine.autocomplete("café m") == [("Café menu", "cafe-menu")]
    assert corpus_engine.autocomplete("office mo") == [
        ("Office move lessons learned", "office-move-lessons-learned")
    ]


def test_autocomplete_limit_empty_and_allowed(corpus_engine):
    assert len(corpus_engine.autocomplete("o", limit=2)) == 2
    assert corpus_engine.autocomplete("") == []
    assert corpus_engine.autocomplete("  ") == []
    assert corpus_engine.autocomplete("zzz") == []
    assert corpus_engine.autocomplete("caf", allowed=lambda page_id: page_id != 5) == []


# ---------------------------------------------------------------------- applying changes


def test_a_new_index_is_empty_with_mark_zero(tmp_path):
    engine = WhooshEngine(tmp_path / "index")
    assert not engine.exists()
    engine.create()
    assert engine.exists()
    assert engine.high_water_mark() == 0
    assert engine.indexed_revisions() == {}
    assert engine.search("anything").total == 0
    engine.create()  # idempotent
    engine.close()


def test_apply_updates_pages_and_the_mark(engine):
    engine.apply(
        [page(1, "Office move lessons learned", "We now use a removal company.", revision=500)],
        [],
        high_water_mark=500,
    )
    assert engine.high_water_mark() == 500
    assert engine.indexed_revisions()[1] == 500
    assert ids(engine.search("removal company")) == [1]
    assert engine.search("lorry").total == 0  # the old text is gone
    # still one document for page 1
    assert engine.search("office move", as_typed=True).total == 2


def test_an_older_revision_never_replaces_a_newer_one(engine):
    engine.apply(
        [page(3, "VPN setup guide", "New client: WireGuard.", revision=300)],
        [],
        high_water_mark=300,
    )
    engine.apply(
        [page(3, "VPN setup guide", "Old client: OpenVPN.", revision=299)], [], high_water_mark=300
    )
    assert engine.indexed_revisions()[3] == 300
    assert ids(engine.search("wireguard")) == [3]
    assert engine.search("openvpn").total == 0


def test_of_two_versions_in_one_batch_the_newest_wins(engine):
    newer = page(3, "VPN setup guide", "Newest text mentions kangaroos.", revision=302)
    older = page(3, "VPN setup guide", "Older text mentions wombats.", revision=301)
    engine.apply([newer, older], [], high_water_mark=302)
    assert engine.indexed_revisions()[3] == 302
    assert engine.search("kangaroos").total == 1
    assert engine.search("wombats").total == 0


def test_removals(engine):
    engine.apply([], [12, 999], high_water_mark=200)  # an unknown page is no error
    assert 12 not in engine.indexed_revisions()
    assert engine.search("toner").total == 0
    assert engine.autocomplete("printer") == []


def test_a_page_cannot_be_upserted_and_removed_at_once(engine):
    with pytest.raises(ValueError):
        engine.apply([BY_ID[1]], [1], high_water_mark=1)
    with pytest.raises(ValueError):
        engine.apply([], [], high_water_mark=-1)


def test_the_mark_never_goes_down(engine):
    engine.apply([], [], high_water_mark=10_000)
    engine.apply([], [], high_water_mark=5)
    assert engine.high_water_mark() == 10_000


def test_indexed_revisions(engine):
    assert engine.indexed_revisions() == {doc.page_id: doc.revision_id for doc in CORPUS}
    assert engine.indexed_revisions([1, 2, 999]) == {1: 10, 2: 20}


def test_the_mark_survives_reopening_and_is_committed_with_the_documents(tmp_path):
    directory = tmp_path / "index"
    engine = make_engine(directory)
    generation = directory / current_generation(directory)
    tocs_before = sorted(generation.glob("_MAIN_*.toc"))
    engine.apply(
        [page(20, "Fire drill", "Meet at the car park.", revision=777)], [], high_water_mark=777
    )
    # One apply is one Whoosh commit (one new table of contents): pages and mark together.
    (toc_after,) = sorted(generation.glob("_MAIN_*.toc"))
    assert int(toc_after.stem.split("_")[-1]) == int(tocs_before[-1].stem.split("_")[-1]) + 1
    engine.close()

    reopened = WhooshEngine(directory)
    assert reopened.high_water_mark() == 777
    assert reopened.indexed_revisions()[20] == 777
    assert ids(reopened.search("fire drill")) == [20]
    reopened.close()


def test_a_failed_apply_changes_neither_pages_nor_mark(tmp_path, monkeypatch):
    directory = tmp_path / "index"
    engine = make_engine(directory)
    real_fields = schema._documents

    def failing_fields(doc):
        if doc.page_id == 22:
            raise RuntimeError("disk full, say")
        return real_fields(doc)

    monkeypatch.setattr(schema, "_documents", failing_fields)
    with pytest.raises(RuntimeError):
        engine.apply(
            [
                page(21, "First", "alpha bravo", revision=901),
                page(22, "Second", "charlie", revision=902),
            ],
            [],
            high_water_mark=902,
        )
    engine.close()
    reopened = WhooshEngine(directory)
    assert reopened.high_water_mark() == max(d.revision_id for d in CORPUS)
    assert 21 not in reopened.indexed_revisions()
    assert reopened.search("bravo").total == 0
    reopened.close()


def test_a_second_engine_sees_commits_after_refresh(tmp_path):
    directory = tmp_path / "index"
    first = make_engine(directory)
    second = WhooshEngine(directory)
    assert second.search("sandwich").total == 0  # opens its searcher now
    first.apply(
        [page(30, "Lunch order", "Order a sandwich by ten.", revision=3000)],
        [],
        high_water_mark=3000,
    )
    assert second.search("sandwich").total == 0  # still the old searcher
    second.refresh()
    assert ids(second.search("sandwich")) == [30]
    assert second.high_water_mark() == 3000
    # Updates and removals are seen too (deletions in segments the searcher already had).
    first.apply(
        [page(30, "Lunch order", "Order soup instead.", revision=3001)], [1], high_water_mark=3001
    )
    second.refresh()
    assert second.search("sandwich").total == 0
    assert ids(second.search("soup")) == [30]
    assert second.search("lorry").total == 0
    for n in range(12):  # many small commits: Whoosh merges segments meanwhile
        first.apply(
            [page(30, "Lunch order", f"Order number {n} soup.", revision=3002 + n)],
            [],
            high_water_mark=3002 + n,
        )
        second.refresh()
    assert second.search("soup").total == 1
    assert second.indexed_revisions() == first.indexed_revisions()
    first.close()
    second.close()


# ---------------------------------------------------------------------- rebuilds


def renamed(docs, word):
    """The corpus with every body ending in ``word``, so tests can tell generations apart."""
    for doc in docs:
        yield page(
            doc.page_id,
            doc.title,
            doc.body + f" {word}.",
            tags=doc.tags,
            author=doc.author,
            updated=doc.updated,
            revision=doc.revision_id + 1,
            slug=doc.slug,
        )


def test_rebuild_builds_aside_and_swaps_while_searching(tmp_path):
    directory = tmp_path / "index"
    reader = make_engine(directory)
    builder = WhooshEngine(directory)
    old_generation = current_generation(directory)
    seen_during = []

    def documents():
        for n, doc in enumerate(renamed(CORPUS, "zeppelin")):
            if n == 5:
                # Mid-rebuild: the live index is untouched and still answers.
                seen_during.append((reader.search("lorry").total, reader.search("zeppelin").total))
                reader.refresh()
            yield doc

    progress = []
    builder.rebuild(documents(), high_water_mark=4242, progress=progress.append)
    assert seen_during == [(1, 0)]
    assert progress[-1] == len(CORPUS)
    assert current_generation(directory) != old_generation
    # The reader keeps its searcher until it refreshes, then sees the new generation.
    assert reader.search("zeppelin").total == 0
    reader.refresh()
    assert reader.search("zeppelin").total == len(CORPUS)
    assert reader.high_water_mark() == 4242
    assert reader.indexed_revisions() == {doc.page_id: doc.revision_id + 1 for doc in CORPUS}
    reader.close()
    builder.close()


def test_an_old_generation_stays_readable_until_processes_refresh(tmp_path):
    directory = tmp_path / "index"
    reader = make_engine(directory)
    assert reader.search("lorry").total == 1
    first_generation = current_generation(directory)
    builder = WhooshEngine(directory)
    builder.rebuild(renamed(CORPUS, "alpha"), high_water_mark=1)
    assert (directory / first_generation).is_dir()  # kept: the previous generation
    builder.rebuild(renamed(CORPUS, "bravo"), high_water_mark=2)
    assert not (directory / first_generation).exists()  # two rebuilds later: deleted
    assert len([p for p in directory.iterdir() if p.name.startswith("index-")]) == 2
    # The reader's files were deleted under it, but it opened them all: it still answers.
    assert reader.search("lorry").total == 1
    assert reader.search("toner").hits[0].snippet
    reader.refresh()
    assert reader.search("bravo").total == len(CORPUS)
    reader.close()
    builder.close()


def test_a_failed_rebuild_leaves_the_live_index_alone(engine):
    directory = engine.directory
    live = current_generation(directory)

    def documents():
        yield from CORPUS[:3]
        raise ConnectionError("database went away")

    with pytest.raises(ConnectionError):
        engine.rebuild(documents(), high_water_mark=99)
    assert current_generation(directory) == live
    assert [p.name for p in directory.iterdir() if p.name.startswith("index-")] == [live]
    assert engine.search("lorry").total == 1
    with pytest.raises(ValueError):
        engine.rebuild([CORPUS[0], CORPUS[0]], high_water_mark=99)
    assert current_generation(directory) == live


def test_rebuild_from_a_thread_indexes_in_process(tmp_path):
    # With other threads running the rebuild does not fork; the result is the same.
    engine = WhooshEngine(tmp_path / "index")
    errors = []

    def run():
        try:
            engine.rebuild(iter(CORPUS), high_water_mark=140)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert errors == []
    assert engine.indexed_revisions() == {doc.page_id: doc.revision_id for doc in CORPUS}
    assert ids(engine.search("toner")) == [12]
    engine.close()


def test_rebuild_of_an_empty_directory_and_of_nothing(tmp_path):
    engine = WhooshEngine(tmp_path / "fresh")
    engine.rebuild(iter(CORPUS), high_water_mark=140)
    assert engine.exists()
    assert engine.search("toner").total == 1
    engine.rebuild([], high_water_mark=141)
    assert engine.indexed_revisions() == {}
    assert engine.high_water_mark() == 141
    engine.close()


# ---------------------------------------------------------------------- unusable indexes


def test_missing_index_is_unavailable(tmp_path):
    engine = WhooshEngine(tmp_path / "nothing-here")
    assert not engine.exists()
    for call in (
        lambda: engine.search("office"),
        lambda: engine.autocomplete("off"),
        lambda: engine.suggest("ofice"),
        engine.high_water_mark,
        engine.indexed_revisions,
        engine.refresh,
        lambda: engine.apply([], [], high_water_mark=1),
    ):
        with pytest.raises(IndexUnavailable):
            call()


def test_deleted_directory_is_unavailable_to_an_open_engine(engine):
    assert engine.search("toner").total == 1
    shutil.rmtree(engine.directory)
    with pytest.raises(IndexUnavailable):
        engine.refresh()
    with pytest.raises(IndexUnavailable):
        engine.search("toner")
    assert not engine.exists()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: (d / "CURRENT").write_text("../../etc\n"), id="bad-pointer"),
        pytest.param(lambda d: (d / "CURRENT").write_bytes(b"\xff\xfe\x00"), id="binary-pointer"),
        pytest.param(lambda d: (d / "CURRENT").write_text("index-99\n"), id="missing-generation"),
        pytest.param(lambda d: (d / "CURRENT").unlink(), id="no-pointer"),
        pytest.param(
            lambda d: [
                toc.write_bytes(b"garbage" * 10)
                for toc in (d / current_generation(d)).glob("*.toc")
            ],
            id="garbage-toc",
        ),
        pytest.param(
            lambda d: [toc.unlink() for toc in (d / current_generation(d)).glob("*.toc")],
            id="no-toc",
        ),
        pytest.param(
            lambda d: [
                seg.write_bytes(b"\x00" * 64) for seg in (d / current_generation(d)).glob("*.seg")
            ],
            id="garbage-segments",
        ),
    ],
)
def test_damaged_index_is_unavailable_not_a_crash(tmp_path, damage):
    directory = tmp_path / "index"
    make_engine(directory).close()
    damage(directory)
    engine = WhooshEngine(directory)
    assert not engine.exists()
    with pytest.raises(IndexUnavailable):
        engine.search("office")
    with pytest.raises(IndexUnavailable):
        engine.apply([BY_ID[1]], [], high_water_mark=1)
    # create() replaces a damaged index with an empty one; the wiki then re-applies all.
    engine.create()
    assert engine.exists()
    assert engine.high_water_mark() == 0
    engine.close()


def test_index_of_another_schema_version_is_unavailable(tmp_path, monkeypatch):
    directory = tmp_path / "index"
    make_engine(directory).close()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    engine = WhooshEngine(directory)
    with pytest.raises(IndexUnavailable, match="rebuild"):
        engine.search("office")


# ---------------------------------------------------------------------- concurrent writers


def test_a_writer_waiting_longer_than_the_timeout_gets_index_busy(tmp_path):
    directory = tmp_path / "index"
    holder = make_engine(directory)
    impatient = WhooshEngine(directory, writer_timeout=0.2)
    lock = FileLock(str(directory / "LOCK"))  # what another process's writer holds
    assert lock.acquire()
    try:
        started = time.monotonic()
        with pytest.raises(IndexBusy):
            impatient.apply([page(40, "Busy", "waiting", revision=4000)], [], high_water_mark=4000)
        assert time.monotonic() - started < 2
        with pytest.raises(IndexBusy):
            impatient.rebuild(CORPUS, high_water_mark=1)
    finally:
        lock.release()
    impatient.apply([page(40, "Busy", "waiting", revision=4000)], [], high_water_mark=4000)  # retry
    assert ids(impatient.search("waiting")) == [40]
    holder.close()
    impatient.close()


def test_concurrent_apply_from_two_engines_loses_nothing(tmp_path):
    directory = tmp_path / "index"
    make_engine(directory, []).close()
    engines = [
        WhooshEngine(directory, writer_timeout=0.05),
        WhooshEngine(directory, writer_timeout=0.05),
    ]
    barrier = threading.Barrier(2)
    busy = [0, 0]
    errors = []

    def writer(n):
        try:
            barrier.wait()
            for batch in range(10):
                first = 1000 * (n + 1) + batch * 5
                docs = [
                    page(first + k, f"Page {first + k}", f"writer{n} text", revision=first + k)
                    for k in range(5)
                ]
                while True:
                    try:
                        engines[n].apply(docs, [], high_water_mark=docs[-1].revision_id)
                        break
                    except IndexBusy:
                        busy[n] += 1  # the other writer holds the lock: retry later
                        time.sleep(0.01)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    check = WhooshEngine(directory)
    revisions = check.indexed_revisions()
    assert len(revisions) == 100
    assert check.search("writer0").total == 50 and check.search("writer1").total == 50
    assert check.high_water_mark() == 2049
    for engine in [*engines, check]:
        engine.close()


def test_searches_from_many_threads_while_indexing(tmp_path):
    directory = tmp_path / "index"
    engine = make_engine(directory)
    stop = threading.Event()
    failures = []

    def searcher():
        while not stop.is_set():
            try:
                results = engine.search("office OR parking")
                assert results.total >= 2
                engine.autocomplete("off")
                engine.refresh()
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(exc)
                return

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for n in range(15):
        engine.apply(
            [page(50 + n, f"Note {n}", "parking memorandum", revision=5000 + n)],
            [],
            high_water_mark=5000 + n,
        )
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert engine.search("memorandum").total == 15
    engine.close()


# ---------------------------------------------------------------------- bounded work


@pytest.fixture(scope="module")
def prefix_engine(tmp_path_factory):
    """500 pages each with its own word starting with "zeta", plus "zetafrequent" in 30."""
    docs = [
        page(
            n,
            f"Page {n}",
            f"Word zeta{n:04d}x here." + (" And zetafrequent too." if n % 17 == 0 else ""),
            revision=n,
        )
        for n in range(1, 501)
    ]
    engine = make_engine(tmp_path_factory.mktemp("prefix") / "index", docs)
    yield engine
    engine.close()


def test_a_prefix_expands_to_a_bounded_number_of_the_most_frequent_words(prefix_engine):
    with prefix_engine._lock:
        reader = prefix_engine._live_locked().searcher.reader()
        expansions = list(BoundedPrefix("body", "zeta")._btexts(reader))
    assert len(expansions) == PREFIX_MAX_TERMS
    assert index_term("zetafrequent").encode() in expansions
    started = time.monotonic()
    results = prefix_engine.search("zeta*")
    assert time.monotonic() - started < 2
    # Bounded: the frequent word's 30 pages and one page per other expansion, not all 500.
    assert 30 <= results.total <= 30 + PREFIX_MAX_TERMS
    everything = prefix_engine.search("zeta*", per_page=100)
    assert {hit.page_id for hit in everything.hits} >= set(range(17, 501, 17))
    assert "<mark>zetafrequent</mark>" in results.hits[0].snippet  # two expansions rank first
    assert prefix_engine.search("zeta0123*").total == 1  # a longer prefix is exact


def test_a_slow_search_returns_partial_results(prefix_engine, monkeypatch):
    monkeypatch.setattr(prefix_engine, "time_limit", 0.0)  # every deadline check fails
    partial = prefix_engine.search("author:alice")  # all 500 pages; checked every 64 matches
    assert partial.timed_out
    assert 0 < partial.total < 500
    assert partial.hits
    # Unions of fields check the deadline before reading each block of documents: here
    # before the first one, so nothing is found; but the search answers.
    early = prefix_engine.search("word zeta*")
    assert early.timed_out and early.total == 0
    # A phrase checks it while scanning candidates that never match (500 pages have both
    # names, none in this order).
    assert prefix_engine.search('author:"smith alice"').timed_out
    monkeypatch.undo()
    complete = prefix_engine.search("word")
    assert not complete.timed_out and complete.total == 500
    assert not prefix_engine.search('author:"smith alice"').timed_out
