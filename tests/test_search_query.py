"""Behaviour of the search query language (wiki.search.query), through the engine's results
on the corpus of tests/test_search_engine.py, and of parse() itself."""

from __future__ import annotations

from dataclasses import replace

import pytest
from whoosh import query as wquery

from tests.test_search_engine import CORPUS, make_engine
from wiki.search.analysis import fold
from wiki.search.backend import Notice, Results
from wiki.search.query import MAX_CLAUSES, highlight_terms, parse
from wiki.search.schema import build_schema
from wiki.search.syntax import MAX_QUERY_CHARS, correctable_words

SCHEMA = build_schema()


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(tmp_path_factory.mktemp("query") / "index")
    yield engine
    engine.close()


def found(engine, text: str) -> set[int]:
    """Page ids of every hit for ``text`` searched as typed (the corpus has 14 pages): the
    query language's own answer, without spelling correction or "most words"."""
    results = engine.search(text, per_page=50, as_typed=True)
    assert results.total == len(results.hits)
    return {hit.page_id for hit in results.hits}


ALL = {doc.page_id for doc in CORPUS}


# ---------------------------------------------------------------------- words


def test_every_word_must_match(engine):
    assert found(engine, "parking entrance") == {2}
    assert found(engine, "parking heating") == {1}
    assert found(engine, "parking toner") == set()


def test_words_are_searched_in_title_headings_and_body(engine):
    assert found(engine, "holiday") == {13}  # title ("holidays" in the body too)
    assert found(engine, "rollback") == {7}  # a heading only
    assert found(engine, "lorry") == {1}  # body only


def test_english_stemming(engine):
    assert found(engine, "lesson") == {1, 11}  # "lessons"
    assert found(engine, "moving") == {1, 2, 11}  # "moved", "Moving"
    assert found(engine, "reimburse") == {4}  # "reimbursed"
    assert found(engine, "unplug") == {11}  # "unplugged"
    assert found(engine, "printers") == {12}


def test_accents_and_case_are_ignored(engine):
    assert found(engine, "cafe") == {4, 5}
    assert found(engine, "CAFÉ") == {4, 5}
    assert found(engine, "Café menu") == {5}


def test_stop_words_alone_find_nothing(engine):
    results = engine.search("the of and")
    assert results.total == 0 and not results.fallback


def test_lower_case_or_is_a_word_not_an_operator(engine):
    assert found(engine, "vpn or printer") == set()  # both words, "or" being a stop word
    assert found(engine, "vpn OR printer") == {3, 6, 12}


# ---------------------------------------------------------------------- phrases and prefixes


def test_phrase_needs_the_words_together_and_in_order(engine):
    assert found(engine, "office move") == {1, 2}
    assert found(engine, '"office move"') == {1}
    assert found(engine, '"campus parking"') == set()
    assert found(engine, '"ground floor"') == {4, 5}


def test_phrase_ignores_stop_words_between_words(engine):
    assert found(engine, '"lessons from the datacenter"') == {11}
    assert found(engine, '"datacenter migration"') == {11}


def test_words_typed_with_punctuation_are_a_phrase(engine):
    assert found(engine, "ground-floor") == {4, 5}
    assert found(engine, "floor-ground") == set()


def test_prefix(engine):
    assert found(engine, "config*") == {3}
    assert found(engine, "reimb*") == {4}
    assert found(engine, "datacen*") == {11}
    # Indexed words are stems: "configuration*" must still find "configuration".
    assert found(engine, "configuration*") == {3}


def test_a_one_letter_prefix_is_ignored(engine):
    assert found(engine, "a* toner") == {12}


def test_prefix_matches_highlight_in_snippets(engine):
    (hit,) = engine.search("config*").hits
    assert "<mark>configure</mark>" in hit.snippet and "<mark>configuration</mark>" in hit.snippet


# ---------------------------------------------------------------------- operators


def test_exclusion(engine):
    assert found(engine, "vpn") == {3, 6}
    assert found(engine, "vpn -onboarding") == {3}
    assert found(engine, "vpn NOT onboarding") == {3}
    assert found(engine, 'office -"office move"') == {2, 13}
    assert found(engine, "vpn -(onboarding OR certificate)") == set()


def test_only_exclusions_match_nothing(engine):
    results = engine.search("-vpn")
    assert results.total == 0 and not results.fallback


def test_or(engine):
    assert found(engine, "toner OR forecast") == {10, 12}
    assert found(engine, "toner OR forecast OR lorry") == {1, 10, 12}


def test_or_binds_tighter_than_the_implicit_and(engine):
    # (budget OR expense) receipts: page 10 has "budget" but no receipts.
    assert found(engine, "budget OR expense receipts") == {4}
    assert found(engine, "budget OR (expense receipts)") == {4, 10}


def test_parentheses(engine):
    assert found(engine, "(vpn OR printer) -onboarding") == {3, 12}
    assert found(engine, "((vpn))") == {3, 6}


# ---------------------------------------------------------------------- fields


def test_title_field(engine):
    assert found(engine, "title:lessons") == {1, 11}
    assert found(engine, "title:vpn") == {3}  # page 6 mentions the VPN in its body only
    assert found(engine, 'title:"office move"') == {1}
    assert found(engine, "title:(vpn OR printer)") == {3, 12}
    assert found(engine, "title:print*") == {12}
    assert found(engine, "TITLE:vpn") == {3}


def test_tag_field(engine):
    assert found(engine, "tag:finance") == {4, 10}
    assert found(engine, "tags:finance") == {4, 10}
    assert found(engine, "tag:FINANCE") == {4, 10}
    assert found(engine, 'tag:"office move"') == {1}  # a tag with a space, any case
    assert found(engine, "tag:office") == set()  # tags match whole, not word by word
    assert found(engine, "tag:fin*") == {4, 10}
    assert found(engine, "tag:facilities parking") == {1, 2}
    assert found(engine, "tag:facilities -tag:it") == {1, 2, 5, 9}


def test_author_field(engine):
    assert found(engine, "author:chloe") == {1, 5}
    assert found(engine, "author:Chloé") == {1, 5}
    assert found(engine, 'author:"chloe martin"') == {1, 5}
    assert found(engine, "author:martin") == {1, 5}
    assert found(engine, "author:dmi*") == {3, 11}
    assert found(engine, 'author:"martin chloe"') == set()


def test_unknown_field_names_are_plain_text(engine):
    results = engine.search("note: toner", as_typed=True)
    assert not results.fallback
    assert {hit.page_id for hit in results.hits} == set()  # "note" and "toner" both needed
    assert found(engine, "printer: toner") == {12}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Page 7 was updated on 2024-01-01 00:30 at UTC+2, which is 2023-12-31 in UTC.
        ("updated:2024", {1, 2, 4, 6, 8, 9, 10}),
        ("updated:2023", {3, 7, 12, 13, 14}),
        ("updated:2023-12", {7}),
        ("updated:2024-02-29", {8}),
        ("updated:2024-2-29", {8}),
        ("updated:>2024-01-01", {1, 2, 4, 6, 8, 10}),  # after that day
        ("updated:>=2024-01-01", {1, 2, 4, 6, 8, 9, 10}),
        ("updated:<2024-06-30", ALL - {6}),  # before that day
        ("updated:<=2024-06-30", ALL),
        ("updated:<2023", {5, 11}),
        ("updated:>2023", {1, 2, 4, 6, 8, 9, 10}),
        ("updated:[2023-01-01 to 2023-12-31]", {3, 7, 12, 13, 14}),
        ("updated:[2024-01-01 TO 2024-01-02]", {9, 10}),
        ("updated:[2024-06 to]", {6}),
        ("updated:[to 2022-06]", {11}),
        ("updated:2022-01-01..2022-12-31", {5, 11}),
        ("updated:2024-12..2024-01", set()),  # an empty range
        ("tag:facilities updated:2024", {1, 2, 9}),
        ("updated:2024 parking", {1, 2}),
    ],
)
def test_updated_field(engine, text, expected):
    results = engine.search(text, per_page=50)
    assert not results.fallback
    assert {hit.page_id for hit in results.hits} == expected


# ---------------------------------------------------------------------- fallback and malformed input


def test_unparseable_text_is_searched_as_plain_words(engine):
    results = engine.search('vpn "client')
    assert results.fallback
    assert [hit.page_id for hit in results.hits] == [3]
    garbage = engine.search("updated:garbage")
    assert garbage.fallback and garbage.total == 0


MALFORMED = [
    "",
    " ",
    "((",
    "))",
    "(vpn",
    "vpn)",
    "()",
    "title:",
    "title: vpn",
    "tag:",
    "author:",
    "updated:",
    "updated:>",
    "updated:garbage",
    "updated:2024-13",
    "updated:2024-02-30",
    "updated:0000",
    "updated:9999",
    "updated:[2024-01-01 to",
    "updated:[x to y]",
    "updated:[]",
    "updated:(2024)",
    'updated:"2024"',
    "title:(",
    "title:(vpn OR",
    "*",
    "**",
    "*vpn",
    "v*n",
    "-",
    "--",
    "-x",
    "- -",
    "+",
    "+vpn",
    '"',
    '""',
    '"""',
    '"unclosed',
    "OR",
    "AND",
    "NOT",
    "vpn OR",
    "OR vpn",
    "vpn OR OR toner",
    "vpn AND AND toner",
    "NOT NOT vpn",
    "vpn OR -toner",
    "-(-vpn)",
    "the of and",
    "\x00",
    "vpn\x00toner",
    "\ud800vpn",
    "🙂 vpn",
    "\u202evpn",
    "ÿ" * 50,
    "x" * 10_000,
    "vpn " * 3000,
    "(" * 500 + "vpn" + ")" * 500,
    "NOT " * 2000 + "vpn",
    '"' + "vpn " * 500 + '"',
    "title:" * 300,
    "a:b:c:d",
    "tag:*",
    "tag:,",
    "author:*",
    "[2024-01-01 to 2024-02-01]",
    "vpn^2",
    "vpn~2",
    "c++ c# .net",
    "http://example.com/a?b=c&d=e",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("text", MALFORMED)
def test_any_input_gives_results_and_never_raises(engine, text):
    results = engine.search(text)
    assert isinstance(results, Results)
    assert results.total >= len(results.hits)
    engine.suggest(text)
    engine.autocomplete(text)


@pytest.mark.parametrize(
    "text",
    ["((", '"unclosed', "title:", "updated:garbage", "vpn OR", "vpn OR -toner", "(" * 50 + "vpn"],
)
def test_malformed_queries_report_the_fallback(text):
    q, fallback = parse(text, SCHEMA)
    assert fallback
    assert isinstance(q, wquery.Query)


@pytest.mark.parametrize(
    "text", ["vpn", "title:vpn -printer", '"office move" OR tag:it', "updated:2024", ""]
)
def test_valid_queries_are_not_a_fallback(text):
    assert parse(text, SCHEMA)[1] is False


def test_queries_are_cut_to_a_bounded_size():
    q, _ = parse(" ".join(f"word{n}" for n in range(5000)), SCHEMA)
    terms = {text for _field, text in q.iter_all_terms()}
    assert 0 < len(terms) <= MAX_CLAUSES
    q, _ = parse("x" * (MAX_QUERY_CHARS * 10), SCHEMA)
    assert all(len(text) <= MAX_QUERY_CHARS for _field, text in q.iter_all_terms())


# ---------------------------------------------------------------------- helpers


def test_highlight_terms_leave_out_exclusions_and_expand_prefixes(engine):
    q, _ = parse("parking -heating title:campus config*", SCHEMA)
    with engine._lock:
        reader = engine._live_locked().searcher.reader()
        terms = highlight_terms(q, "body", reader)
    assert "park" in terms and "configur" in terms
    assert "heat" not in terms
    assert "campus" not in terms  # asked for in the title only


def test_correctable_words_are_plain_and_phrase_words():
    text = 'title:vpn budgte* "lesons learned" recieve tag:finance'
    words = [word for _start, _end, word in correctable_words(text)]
    assert words == ["lesons", "learned", "recieve"]
    for start, end, word in correctable_words(text):
        assert text[start:end] == word


def test_fold():
    assert fold("  Café \t MENU ") == "cafe menu"
    assert fold("Crème BRÛLÉE") == "creme brulee"


# ---------------------------------------------------------------------- escapes and tags


def test_phrases_take_backslash_escapes():
    from wiki.search.syntax import Leaf, parse_tree

    assert parse_tree(r'"say \"hi\""').children == [Leaf("phrase", 'say "hi"', None)]
    assert parse_tree(r'"a\\b"').children == [Leaf("phrase", "a\\b", None)]
    # Any other backslash is kept as typed, as before escapes existed.
    assert parse_tree(r'"C:\path"').children == [Leaf("phrase", "C:\\path", None)]
    assert parse(r'"unclosed \"', SCHEMA)[1] is True  # the escaped quote does not close it


def test_correctable_words_keep_their_place_after_escapes():
    text = r'"\"quoted\" recieve"'
    assert [(text[a:b], word) for a, b, word in correctable_words(text)] == [
        ("quoted", "quoted"),
        ("recieve", "recieve"),
    ]


@pytest.mark.parametrize(
    "tag",
    ['say "hi"', "back\\slash", "ends \\", "(x)", "-minus", "OR", "wip*", "①", "strasse", '"'],
)
def test_tag_query_finds_exactly_the_tag(tmp_path, tag):
    from tests.test_search_engine import page
    from wiki.search.syntax import tag_query

    docs = [
        page(1, "Tagged", "Text.", tags=(tag, "other")),
        page(2, "Decoy", "Text.", tags=("other", tag + " more", f"({tag})")),
    ]
    engine = make_engine(tmp_path / "index", docs)
    try:
        results = engine.search(tag_query(tag))
        assert [hit.page_id for hit in results.hits] == [1]
        assert not results.fallback and not results.notices
    finally:
        engine.close()


def test_a_quoted_tag_ending_in_a_star_is_not_a_prefix(engine):
    assert found(engine, "tag:fin*") == {4, 10}
    assert found(engine, 'tag:"fin*"') == set()


# ---------------------------------------------------------------------- notices


def notices(text: str) -> list[tuple[str, str, int]]:
    from wiki.search.query import parse_with_notices

    return [(n.kind, n.word, n.limit) for n in parse_with_notices(text, SCHEMA)[2]]


def test_what_the_compiler_cuts_or_ignores_is_noted():
    from wiki.search.query import MAX_PHRASE_WORDS, MAX_PREFIXES, PREFIX_MIN_CHARS

    words = [f"w{n}x" for n in range(MAX_CLAUSES + 3)]
    assert notices(" ".join(words)) == [("words_ignored", words[MAX_CLAUSES], MAX_CLAUSES)]
    prefixes = [f"p{n}x*" for n in range(MAX_PREFIXES + 2)]
    assert notices(" ".join(prefixes)) == [
        ("prefix_as_word", prefix, MAX_PREFIXES) for prefix in prefixes[MAX_PREFIXES:]
    ]
    assert notices("v* vpn") == [("prefix_too_short", "v*", PREFIX_MIN_CHARS)]
    phrase = " ".join(f"w{n}x" for n in range(MAX_PHRASE_WORDS + 1))
    assert notices(f'"{phrase}"') == [("phrase_cut", phrase, MAX_PHRASE_WORDS)]
    assert notices("vpn printer") == []


@pytest.mark.parametrize("text", ["the of", "-", "OR", "()", "*", "\x00", '"', "(" * 1000])
def test_nothing_to_search_is_noted(text):
    assert ("nothing_to_search", "", 0) in notices(text)


def test_only_exclusions_are_noted():
    assert notices("-draft") == [("only_exclusions", "", 0)]
    assert notices("-draft NOT (old)") == [("only_exclusions", "", 0)]
    assert notices("vpn -draft") == []


def test_a_cut_prefix_is_noted_and_the_total_is_a_bound(tmp_path):
    from tests.test_search_engine import page
    from wiki.search.matching import PREFIX_MAX_TERMS

    docs = [page(n + 1, f"Code {n}", f"xb{n:03d} text") for n in range(PREFIX_MAX_TERMS + 20)]
    engine = make_engine(tmp_path / "index", docs)
    try:
        results = engine.search("xb0*")
        assert results.notices == (Notice("prefix_cut", "xb0*", PREFIX_MAX_TERMS),)
        assert results.total_bound == "at least" and results.total == PREFIX_MAX_TERMS
        results = engine.search("text -xb0*")
        assert results.notices == (Notice("excluded_prefix_cut", "xb0*", PREFIX_MAX_TERMS),)
        assert results.total_bound == "at most"
        results = engine.search("xb06*")  # ten words: none left out
        assert results.notices == () and results.total_bound == "exact"
        assert engine.search("tag:x*").notices == ()  # no such tags: nothing left out
    finally:
        engine.close()


def test_a_cut_query_is_noted_with_where_it_stopped(engine):
    results = engine.search("vpn " * MAX_QUERY_CHARS)
    assert results.notices[0].kind == "query_cut"
    assert results.notices[0].limit == MAX_QUERY_CHARS
    assert results.notices[0].word.endswith("vpn")
    assert all(n.kind != "query_cut" for n in engine.search("vpn").notices)


def test_total_bound():
    results = Results(hits=[], total=5, page=1, per_page=10)
    assert results.total_bound == "exact"
    assert replace(results, timed_out=True).total_bound == "at least"
    cut = Notice("prefix_cut", "ab*", 50)
    excluded = Notice("excluded_prefix_cut", "cd*", 50)
    assert replace(results, notices=(cut,)).total_bound == "at least"
    assert replace(results, notices=(excluded,)).total_bound == "at most"
    assert replace(results, notices=(cut, excluded)).total_bound == "about"
    with pytest.raises(ValueError):
        Notice("no such kind")
