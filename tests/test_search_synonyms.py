"""Synonyms: reading the list admins edit, and queries expanded with it (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiki.errors import InvalidInput
from wiki.search.engine import WhooshEngine
from wiki.search.query import MAX_CLAUSES, parse
from wiki.search.schema import build_schema
from wiki.search.synonyms import (
    ALTERNATIVE_WEIGHT,
    DEFAULT_SYNONYMS,
    MAX_ALTERNATIVES,
    MAX_GROUPS,
    MAX_TERM_CHARS,
    MAX_TERMS_PER_GROUP,
    Synonyms,
    format_groups,
    parse_groups,
    term_key,
)
from wiki.search.syntax import Group, Leaf, Not, QuerySyntaxError, clean, parse_tree

from .test_fuzz import FUZZ, QUERY_TOKENS, queries
from .test_search_engine import page

SYNONYMS = Synonyms.from_groups(
    [
        ("PTO", "paid time off", "vacation", "leave"),
        ("WFH", "work from home", "remote work"),
        ("MFA", "two-factor authentication"),
    ]
)


def expand(text: str, synonyms: Synonyms = SYNONYMS, max_leaves: int = MAX_CLAUSES) -> Group:
    return synonyms.expand(parse_tree(text), max_leaves=max_leaves)


def word(text: str) -> Leaf:
    return Leaf("word", text, None)


def alt(text: str) -> Leaf:
    """An alternative the wiki adds: a phrase that weighs less than what was typed."""
    return Leaf("phrase", text, None, weight=ALTERNATIVE_WEIGHT)


# ---------------------------------------------------------------------- the list


def test_the_built_in_list_is_a_valid_list():
    assert parse_groups(format_groups(DEFAULT_SYNONYMS)) == DEFAULT_SYNONYMS
    assert len(Synonyms.from_groups(DEFAULT_SYNONYMS)) == len(DEFAULT_SYNONYMS)


def test_a_list_is_read_one_group_per_line_with_spaces_tidied():
    text = "PTO,  paid   time off ,vacation\n\n   \nWFH, work from home\r\n"
    assert parse_groups(text) == (("PTO", "paid time off", "vacation"), ("WFH", "work from home"))
    assert parse_groups("") == ()


def test_terms_are_compared_as_search_compares_words():
    assert term_key("Vacations") == term_key("vacation") == ("vacat",)
    assert term_key("Work from home") == ("work", "home")  # "from" is not indexed
    assert term_key("it") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PTO, , leave", "Line 1: a term is empty"),
        ("PTO, leave,", "Line 1: a term is empty"),
        ("a, b\nPTO", "Line 2: “PTO” alone: a group needs at least two terms"),
        (
            "PTO, vacation\nleave, Vacations",
            "Line 2: “Vacations” is already in the group on line 1",
        ),
        ("IT, information technology", "“IT” has no word search can look for"),
        ('PTO, "leave"', "holds quotes"),
        ("PTO, " + "x" * (MAX_TERM_CHARS + 1), f"longer than {MAX_TERM_CHARS} characters"),
        (", ".join(f"t{n}x" for n in range(MAX_TERMS_PER_GROUP + 1)), "at most 12 in a group"),
        ("\n".join(f"w{n}x, v{n}x" for n in range(MAX_GROUPS + 1)), f"at most {MAX_GROUPS}"),
        ("PTO, one two three four five six seven", "more than 6 words"),
        ("x" * 40_000, "The list is too long"),
    ],
)
def test_a_bad_list_is_refused_with_a_message_saying_where(text, message):
    with pytest.raises(InvalidInput) as caught:
        parse_groups(text)
    assert message in caught.value.errors["synonyms"]


def test_only_the_first_few_problems_are_listed():
    with pytest.raises(InvalidInput) as caught:
        parse_groups("a,\nb,\nc,\nd,\ne,")
    message = caught.value.errors["synonyms"]
    assert "Line 3" in message and "Line 4" not in message
    assert "(2 more problems after these.)" in message


def test_building_from_groups_skips_what_cannot_be_searched_or_repeats():
    synonyms = Synonyms.from_groups([("PTO", "it", "pto", "leave"), ("leaves", "exit"), ("one",)])
    assert synonyms.groups == (("PTO", "leave"),)
    assert synonyms.alternatives("Leaves") == ("PTO",)
    assert synonyms.alternatives("exit") == ()


# ---------------------------------------------------------------------- expansion


def test_a_word_becomes_an_or_of_its_alternatives():
    assert expand("pto") == Group(
        "and", [Group("or", [word("pto"), alt("paid time off"), alt("vacation"), alt("leave")])]
    )


def test_words_are_matched_after_folding_and_stemming():
    tree = expand("Vacations")
    assert tree.children[0].children == [word("Vacations"), alt("PTO"), alt("paid time off"),
                                         alt("leave")]  # fmt: skip


def test_a_quoted_phrase_is_expanded_as_a_whole():
    tree = expand('"paid time off" policy')
    assert tree.children[0] == Group(
        "or", [Leaf("phrase", "paid time off", None), alt("PTO"), alt("vacation"), alt("leave")]
    )
    assert tree.children[1] == word("policy")


def test_a_run_of_typed_words_spelling_a_term_keeps_its_words_and_gains_the_alternatives():
    tree = expand("new paid time off policy")
    typed = Group("and", [word("paid"), word("time"), word("off")])
    assert tree.children == [
        word("new"),
        Group("or", [typed, alt("PTO"), alt("vacation"), alt("leave")]),
        word("policy"),
    ]


def test_stop_words_inside_a_run_are_part_of_it():
    tree = expand("work from home")
    assert tree.children[0].children[0] == Group("and", [word("work"), word("from"), word("home")])
    assert tree.children[0].children[1:] == [alt("WFH"), alt("remote work")]


def test_words_that_only_start_a_term_are_left_alone():
    assert expand("paid time") == parse_tree("paid time")
    assert expand("time off paid") == parse_tree("time off paid")


def test_exclusions_exclude_the_alternatives_too():
    tree = expand("budget -pto")
    assert tree.children[1] == Not(
        Group("or", [word("pto"), alt("paid time off"), alt("vacation"), alt("leave")])
    )


def test_alternatives_are_added_inside_or_groups_and_parentheses():
    tree = expand("(mfa OR sso) guide")
    assert tree.children[0].children[0] == Group(
        "or", [Group("or", [word("mfa"), alt("two-factor authentication")]), word("sso")]
    )


@pytest.mark.parametrize(
    "text", ["title:pto", 'title:"paid time off"', "tag:pto", "author:leave", "pto*", "pt*"]
)
def test_field_terms_and_prefixes_stay_as_typed(text):
    assert expand(text) == parse_tree(text)


def test_the_typed_tree_is_not_changed():
    tree = parse_tree("pto")
    SYNONYMS.expand(tree, max_leaves=MAX_CLAUSES)
    assert tree == parse_tree("pto")


def test_alternatives_are_capped_per_query():
    groups = [(f"w{n}x", *(f"w{n}x{m}" for m in range(1, 10))) for n in range(6)]
    synonyms = Synonyms.from_groups(groups)
    text = " ".join(f"w{n}x" for n in range(6))
    tree = expand(text, synonyms)
    leaves = sum(len(child.children) if isinstance(child, Group) else 1 for child in tree.children)
    assert leaves - 6 == MAX_ALTERNATIVES


def test_alternatives_never_push_typed_words_past_the_clause_cap():
    text = "pto " + " ".join(f"word{n}" for n in range(MAX_CLAUSES - 2))
    tree = expand(text)
    assert tree.children[0] == Group("or", [word("pto"), alt("paid time off")])
    assert expand(" ".join(["pto"] * MAX_CLAUSES)) == parse_tree(" ".join(["pto"] * MAX_CLAUSES))


def test_no_synonyms_change_nothing():
    assert expand("pto leave", Synonyms.from_groups([])) == parse_tree("pto leave")


# ---------------------------------------------------------------------- searching


@pytest.fixture
def engine(tmp_path):
    engine = WhooshEngine(tmp_path / "index")
    engine.create()
    engine.apply(
        [
            page(1, "Holiday rules", "Book your vacation two weeks ahead in the HR tool."),
            page(2, "PTO", "How many days of PTO you get each year."),
            page(3, "Remote work", "You may work from home two days a week."),
            page(4, "Budget", "The budget for the team offsite, not about leave at all."),
        ],
        [],
        high_water_mark=40,
    )
    yield engine
    engine.close()


def slugs(results) -> set[str]:
    return {hit.slug for hit in results.hits}


def test_an_acronym_finds_pages_that_only_use_its_expansion(engine):
    assert slugs(engine.search("pto")) == {"pto"}
    assert slugs(engine.search("pto", synonyms=SYNONYMS)) == {"pto", "holiday-rules", "budget"}


def test_a_typed_expansion_finds_the_acronym_page(engine):
    assert (  # no "policy"
        engine.search("paid time off policy", synonyms=SYNONYMS, as_typed=True).total == 0
    )
    assert slugs(engine.search("paid time off", synonyms=SYNONYMS)) >= {"pto", "holiday-rules"}
    assert slugs(engine.search("wfh", synonyms=SYNONYMS)) == {"remote-work"}


def test_an_excluded_acronym_excludes_its_alternatives(engine):
    # Which pages an exclusion leaves out is the compiler's business (tested with it); here,
    # that the excluded part of the compiled query holds the alternatives.
    q, fallback = parse("days -pto", engine.schema, synonyms=SYNONYMS)
    assert not fallback
    excluded = {(field, text) for field, text in q.iter_all_terms()} - set(
        parse("days", engine.schema)[0].iter_all_terms()
    )
    assert {("body", "pto"), ("body", "vacat"), ("body", "leav"), ("title", "paid")} <= excluded


def test_snippets_highlight_the_alternative_that_matched(engine):
    hit = next(h for h in engine.search("pto", synonyms=SYNONYMS).hits if h.page_id == 1)
    assert "<mark>vacation</mark>" in hit.snippet


# ---------------------------------------------------------------------- any input

SYNONYM_TOKENS = ("pto", "paid", "time", "off", "from", "work", "home", "wfh", "-", '"', " ")
synonym_queries = st.one_of(
    queries,
    st.lists(st.sampled_from(SYNONYM_TOKENS + QUERY_TOKENS), max_size=40).map(" ".join),
)


def _leaves(node) -> list:
    if isinstance(node, Leaf):
        return [node]
    if isinstance(node, Not):
        return _leaves(node.child)
    return [leaf for child in node.children for leaf in _leaves(child)]


@FUZZ
@given(synonym_queries)
def test_any_query_expands_within_bounds_and_keeps_what_was_typed(text):
    builtin = Synonyms.from_groups(DEFAULT_SYNONYMS)
    try:
        tree = parse_tree(clean(text))
    except QuerySyntaxError:
        return
    expanded = builtin.expand(tree, max_leaves=MAX_CLAUSES)
    typed, now = _leaves(tree), _leaves(expanded)
    kept = [leaf for leaf in now if any(leaf is t for t in typed)]
    assert kept == typed and len(kept) == len(typed)  # the typed leaves, in order, none lost
    added = len(now) - len(typed)
    assert 0 <= added <= MAX_ALTERNATIVES
    assert added == 0 or len(now) <= MAX_CLAUSES
    q, fallback = parse(text, build_schema(), synonyms=builtin)
    assert q is not None and fallback == parse(text, build_schema())[1]


def test_what_was_typed_ranks_above_an_alternative(tmp_path):
    engine = WhooshEngine(tmp_path / "index")
    engine.create()
    engine.apply(
        [
            page(1, "Glossary", "Virtual private network: a virtual private network setup."),
            page(2, "Connecting from home", "Start the VPN client before the setup wizard."),
        ],
        [],
        high_water_mark=20,
    )
    try:
        synonyms = Synonyms.from_groups([["VPN", "virtual private network"]])
        results = engine.search("vpn setup", synonyms=synonyms, as_typed=True)
        assert [hit.page_id for hit in results.hits] == [2, 1]
    finally:
        engine.close()
