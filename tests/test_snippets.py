"""Snippets are made from the stretches of text around the matched words only; they must
be the passages a reading of the whole text gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import highlight

from wiki.search import snippets
from wiki.search.analysis import index_term

WORDS = [
    "budget", "budgets", "forecast", "travel", "policy", "policies", "office", "move",
    "the", "and", "of", "Wi-Fi", "café", "Café", "colour", "color", "running", "ran",
    "x", "a1", "snake_case", "5,000", "über", "naïve", "configuration", "config",
]  # fmt: skip
GAPS = [" ", " ", " ", ", ", ". ", "\n", "\n\n", " - ", " | ", " (", ") ", "  "]


def _whole_text_snippet(body: str, terms: set[str]) -> str:
    """The snippet read from every word of the text (as it was made before)."""
    original = snippets._tokens_near_matches
    snippets._tokens_near_matches = snippets._highlight_tokens
    try:
        return str(snippets._snippet(body, terms).html)
    finally:
        snippets._tokens_near_matches = original


texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GAPS)), max_size=600).map(
    lambda parts: "".join(word + gap for word, gap in parts)
)


@settings(max_examples=300, deadline=None)
@given(body=texts, picked=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
def test_a_snippet_from_the_stretches_around_matches_is_the_whole_texts(body, picked):
    terms = {term for word in picked if (term := index_term(word)) is not None}
    assert str(snippets._snippet(body, terms).html) == _whole_text_snippet(body, terms)


def test_a_long_page_is_read_only_around_its_matches(monkeypatch):
    seen = []
    original = snippets._highlight_tokens

    def counting(text, terms, start=0, end=None):
        for token in original(text, terms, start, end):
            seen.append(token.startchar)
            yield token

    monkeypatch.setattr(snippets, "_highlight_tokens", counting)
    body = "Plain words about nothing much. " * 900 + "The budget is approved. " + "More. " * 50
    html = str(snippets.make_snippet(body, {index_term("budget")}))
    assert "<mark>budget</mark>" in html
    assert len(seen) < 300  # of some 3,000 words before the cut
    assert min(seen) > 20_000


def test_the_fragmenter_is_whooshs_context_fragmenter():
    # The stretches' margins rely on its settings: 50 characters around, 200 at most.
    assert isinstance(snippets._FRAGMENTER, highlight.ContextFragmenter)
    assert snippets._FRAGMENTER.surround == 50
    assert snippets._FRAGMENTER.maxchars == snippets.SNIPPET_CHARS == 200
