"""Search understands what people type: questions, typos, spelling variants of compounds,
British and American spellings, tag words, and newer pages before older ones.

Through the engine (the service the search page calls); the search page's messages are in
tests/test_search.py and the browser journey in tests/browser/test_finding.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.test_search_engine import make_engine, page
from wiki.search.analysis import text_analyzer
from wiki.search.rewrite import FILLER_WORDS

PAGES = [
    page(1, "Berlin office: Wi-Fi", "Join the network Staff with the password on the fridge."),
    page(2, "London office WiFi", "The guest network is Visitors."),
    page(3, "Email setup on your phone", "Add your account in the mail app."),
    page(4, "E-mail setup in Thunderbird", "Thunderbird asks for the server name."),
    page(5, "Post-mortem: invoice paid twice", "A supplier was paid twice for one bill."),
    page(6, "Postmortem: data center power outage", "Both feeds failed in Frankfurt."),
    page(7, "London office: colour printer", "The printer on the second floor prints A3."),
    page(8, "Organisation chart", "Who reports to whom, by department."),
    page(
        9,
        "Leavers: exit checklist",
        "Return the laptop and badge on the last day.",
        tags=("offboarding", "hr"),
    ),
    page(
        10,
        "Travel policy 2021",
        "Trips over 5,000 EUR are approved by the finance director. Book through the desk.",
        updated=datetime(2021, 1, 10, tzinfo=UTC),
    ),
    page(
        11,
        "Travel policy 2025",
        "Trips over 5,000 EUR are approved by the finance director. Book through the desk.",
        updated=datetime(2025, 1, 10, tzinfo=UTC),
    ),
    page(12, "How to reset your password", "Open the self-service portal and choose Reset."),
    page(13, "On-call rotation", "The platform team rotates weekly."),
    page(14, "Oncall handbook", "What to do when paged at night."),
    page(15, "Receiving supplier invoices", "Scan the invoice and send it to accounts payable."),
    page(16, "Couldn't log in", "If you couldn't log in, check caps lock."),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(tmp_path_factory.mktemp("understanding") / "index", PAGES)
    yield engine
    engine.close()


def ids(results) -> list[int]:
    return [hit.page_id for hit in results.hits]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("wifi", {1, 2}),
        ("Wi-Fi", {1, 2}),
        ("wi fi", {1, 2}),
        ("WiFi", {1, 2}),
        ("email setup", {3, 4}),
        ("e-mail setup", {3, 4}),
        ("postmortem", {5, 6}),
        ("post-mortem", {5, 6}),
        ("oncall", {13, 14}),
        ("on-call", {13, 14}),
        ("color printer", {7}),
        ("colour printer", {7}),
        ("organization chart", {8}),
        ("5000 EUR", {10, 11}),
        ("5,000 EUR", {10, 11}),
    ],
)
def test_spelling_variants_meet(engine, typed, expected):
    results = engine.search(typed, as_typed=True)
    assert set(ids(results)) == expected


def test_a_compound_in_a_phrase_matches_either_spelling(engine):
    assert ids(engine.search('"wifi guest"', as_typed=True)) == []
    assert set(ids(engine.search('"post-mortem invoice"', as_typed=True))) == {5}
    assert set(ids(engine.search('"postmortem invoice"', as_typed=True))) == {5}


def test_the_parts_of_a_compound_are_words_too(engine):
    assert set(ids(engine.search("mortem", as_typed=True))) == {5}


def test_words_of_tags_are_searched_and_outrank_body_text(engine):
    assert ids(engine.search("offboarding")) == [9]


def test_the_newer_of_two_equal_pages_comes_first(engine):
    # The older page (10) was indexed first, so without the bonus it would win the tie.
    assert ids(engine.search("policy finance director approved")) == [11, 10]


def test_question_words_need_not_match(engine):
    results = engine.search("how do I reset my password")
    assert ids(results)[0] == 12 and results.all_words == 1


def test_a_question_whose_words_are_never_all_on_one_page_ranks_by_most_words(engine):
    results = engine.search("who approves trips over 5000 EUR during the night")
    assert results.relaxed and results.all_words == 0
    assert set(ids(results)[:2]) == {10, 11}


def test_pages_with_all_words_come_before_those_with_some(engine):
    results = engine.search("supplier paid twice bill")
    assert ids(results)[0] == 5


def test_relaxing_never_shows_fewer_pages(engine):
    results = engine.search("finance director approves")
    assert not results.relaxed and set(ids(results)) == {10, 11}


def test_as_typed_means_every_word(engine):
    results = engine.search("supplier twice night", as_typed=True)
    assert results.total == 0 and not results.relaxed


def test_a_query_that_finds_nothing_is_corrected_at_once(engine):
    results = engine.search("recieving suplier invoices")
    assert results.corrected_from == "recieving suplier invoices"
    assert results.searched == "receiving supplier invoices"
    assert ids(results)[0] == 15


def test_a_correction_keeps_apostrophes(engine):
    results = engine.search("couldn't logg in", as_typed=True)
    assert results.suggestion == "couldn't log in"
    assert engine.search("couldn't logg in").searched == "couldn't log in"


def test_a_correction_comes_only_from_pages_the_reader_may_read(engine):
    secret = engine.search("thunderbrid", as_typed=True, allowed=lambda page_id: page_id != 4)
    assert secret.suggestion is None
    results = engine.search("thunderbrid", allowed=lambda page_id: page_id != 4)
    assert results.total == 0 and results.corrected_from is None
    assert engine.search("thunderbrid", as_typed=True).suggestion == "thunderbird"


def test_a_suggestion_is_offered_only_when_it_finds_more(engine):
    # "printer" is known; the suggestion for the unknown word must find more than the
    # one page found, or it is not offered.
    results = engine.search("printer floor")
    assert results.suggestion is None


def test_filler_words_are_not_stemmed_away_from_real_words():
    analyzer = text_analyzer()
    kept = {token.text for token in analyzer(" ".join(sorted(FILLER_WORDS)), mode="query")}
    # Filler words are dropped by the query rewrite, not the analyzer: a page title "Who
    # we are" is still found by its words.
    assert "who" in kept


def test_a_typo_one_edit_from_a_word_is_corrected_though_its_stem_is_further(tmp_path):
    # "execuatble" is one swap from "executable", but three edits from its stem "execut".
    engine = make_engine(tmp_path / "index", [page(1, "Deploy", "Build the executable.")])
    try:
        results = engine.search("execuatble")
        assert results.searched == "executable" and [hit.page_id for hit in results.hits] == [1]
    finally:
        engine.close()
