"""Property tests (Hypothesis) for what hostile or random text can do to the wiki.

* The Markdown pipeline never fails with anything but its documented ``RenderError``, and
  whatever it outputs is already sanitised (cleaning it again changes nothing) and passes
  the strict checker of ``tests/test_xss.py``.
* The search query parser and the engine answer every query, however malformed.
* Deeply nested input renders within a time bound or is refused with a clear message,
  also through the HTTP save path (a 400 page with the message and the text, never a 500).

Runs are reproducible (``derandomize``, no example database) and bounded in size.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from tests.helpers import assert_fast_enough, timed
from tests.test_search_engine import make_engine, page
from tests.test_xss import script_problems
from tests.xss_corpus import CORPUS
from wiki.content.render import RenderError, render_markdown, sanitize_html
from wiki.search.backend import Results
from wiki.search.query import parse
from wiki.search.schema import build_schema
from wiki.search.snippets import make_snippet
from wiki.search.syntax import correctable_words

FUZZ = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MARKDOWN_TOKENS = (
    "*", "**", "_", "__", "~~", "[", "]", "(", ")", "<", ">", "`", "```", "~~~", "#", "# ",
    "## ", "|", "| --- |", "-", "- ", "1. ", "> ", "\n", "\n\n", "    ", "\t", "\r", "[[", "]]",
    "\\|", "![", "](", "[^1]", "[^1]: ", "^[", "- [ ] ", "- [x] ", "---", "===", "\\", "!",
    ":", "=", "@", "&#", "&#x", ";", "&lt;", "&amp;", "&quot;", "&#106;", "&Tab;", '"', "'",
    " ", "a", "b", "x", "Z", "1", "javascript:", "JaVaScRiPt:", "vbscript:", "data:text/html,",
    "javascript:alert(1)", "<script>", "</script>", "<img src=x onerror=alert(1)>", "onerror=",
    "<svg onload=alert(1)>", "<!--", "-->", "http://x.invalid/", "https://x.invalid/a?b=c",
    "mailto:a@b.invalid", "www.x.invalid", "%6A", "%0A", "%00", "\x00", "\x01", "\x1b", "\x7f",
    "\u00a0", "\u200b", "\u202e", "\u2028", "\ufeff", "__proto__", "{{", "}}", "python ",
    "html ",
)  # fmt: skip

markdownish = st.lists(
    st.one_of(
        st.sampled_from(MARKDOWN_TOKENS),
        st.text(max_size=4),
        st.sampled_from([payload.text for payload in CORPUS]),
    ),
    max_size=60,
).map("".join)
"""Text made of Markdown syntax, hostile fragments, corpus payloads and random characters."""

any_text = st.one_of(
    markdownish,
    st.text(max_size=300),
    st.text(
        st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=300
    ),  # ASCII incl. controls
    st.text(
        st.characters(codec=None, categories=["Cs", "Cc", "Zs", "Po"]), max_size=50
    ),  # + surrogates
)


def _render_or_refuse(text: str):
    try:
        return render_markdown(text)
    except RenderError as exc:
        message = str(exc)
        assert message and message.endswith(".") and "\n" not in message
        return None


# --------------------------------------------------------------------------- the renderer


@FUZZ
@given(any_text)
def test_rendering_fails_only_with_render_error(text):
    _render_or_refuse(text)


@FUZZ
@given(markdownish)
def test_rendered_html_is_already_clean_and_holds_no_script(text):
    rendered = _render_or_refuse(text)
    if rendered is None:
        return
    assert sanitize_html(rendered.html) == rendered.html
    assert sanitize_html(rendered.toc_html) == rendered.toc_html
    assert script_problems(rendered.html, fragment=True) == []
    assert script_problems(rendered.toc_html, fragment=True) == []


# --------------------------------------------------------------------------- search

QUERY_TOKENS = (
    '"', "(", ")", "*", "-", "+", "OR", "AND", "NOT", "or", "title:", "tag:", "author:",
    "updated:", "updated:>", "updated:<", ">", "<", "2024-01-01", "2024", "99999-99-99", ":",
    " ", "  ", "office", "move", "parking", "vpn", "café", "x", "a*", "*a", "\\", "'", "^",
    "~", "{", "}", "[", "]", "\x00", "\t", "\n", "\u200b", "é", "ß", "<script>", "&amp;",
)  # fmt: skip

queries = st.one_of(
    st.lists(st.one_of(st.sampled_from(QUERY_TOKENS), st.text(max_size=5)), max_size=30).map(
        "".join
    ),
    st.text(max_size=200),
    st.sampled_from([payload.text for payload in CORPUS]),
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    docs = [
        page(1, "Office move", "We moved the office; parking was the first problem.", tags=("facilities",)),
        page(2, "VPN <setup>", "Install the client. <script>alert(1)</script> is text here.",
             tags=("it", "<b>"), author="Chloé <Martin>", updated=datetime(2023, 5, 1, tzinfo=UTC)),
        page(3, "Café rules", "Cafés and parking spaces near the campus.", tags=("office move",)),
    ]  # fmt: skip
    engine = make_engine(tmp_path_factory.mktemp("fuzz") / "index", docs)
    yield engine
    engine.close()


SCHEMA = build_schema()


@FUZZ
@given(queries)
def test_the_query_parser_reads_anything(text):
    query, fallback = parse(text, SCHEMA)
    assert query is not None and isinstance(fallback, bool)
    for start, end, word in correctable_words(text):
        assert 0 <= start < end and word


@settings(FUZZ, max_examples=150)
@given(text=queries, page_number=st.integers(min_value=-3, max_value=5))
def test_searching_answers_any_query(engine, text, page_number):
    results = engine.search(text, page=page_number, per_page=10)
    assert isinstance(results, Results)
    assert results.total >= len(results.hits) >= 0
    for hit in results.hits:
        snippet = str(hit.snippet).replace("<mark>", "").replace("</mark>", "")
        assert "<" not in snippet
    suggestions = engine.autocomplete(text[:100], limit=8)
    assert all(isinstance(title, str) and isinstance(slug, str) for title, slug in suggestions)


@FUZZ
@given(body=markdownish, terms=st.sets(st.sampled_from(["alert", "script", "x", "onerror", "1"])))
def test_snippets_escape_everything_but_their_marks(body, terms):
    snippet = str(make_snippet(body, set(terms)))
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    as_content = snippet.replace("<mark>", "<strong>").replace("</mark>", "</strong>")
    assert script_problems(f"<p>{as_content}</p>", fragment=True) == []


# --------------------------------------------------------------------------- deep nesting

N = 10_000
DEEP = {
    "block quotes": "> " * N + "x",
    "block quote lines": "\n".join(">" * k + " x" for k in range(1, 400)),
    "bullet lists": "- " * N + "x",
    "ordered lists": "1. " * N + "x",
    "indented lists": "\n".join("  " * k + "- x" for k in range(1_000)),  # ~1 MB
    "quotes in lists": "> - " * N + "x",
    "brackets": "[" * N + "x" + "]" * N,
    "links in brackets": "[" * N + "a](b)" * N,
    "emphasis": "*" * N + "x" + "*" * N,
    "underscores": "_" * N + "x" + "_" * N,
    "nested strong": "**a " * N + "b" + " c**" * N,
    "images": "![" * N + "x" + "](y)" * N,
    "wiki links": "[[" * N + "x" + "]]" * N,
    "angle brackets": "<" * N + "a" + ">" * N,
    "backticks": "`" * N + "x" + "`" * N,
    "footnotes": "^[" * N + "x" + "]" * N,
}


@pytest.mark.parametrize("name", DEEP)
def test_deep_nesting_renders_in_bounded_time_or_is_refused(name):
    # Typical runs take well under 0.3 s; the bound allows for a slow or busy machine.
    elapsed, outcome = timed(DEEP[name])
    if isinstance(outcome, RenderError):
        text = str(outcome)
        assert "nest" in text or "too many" in text or "too much" in text, text
    else:
        assert script_problems(outcome.html, fragment=True) == []
    assert_fast_enough(DEEP[name], elapsed, name)


REFUSED = ["block quotes", "bullet lists", "ordered lists", "quotes in lists"]
ACCEPTED = ["brackets", "nested strong"]


def test_deep_nesting_through_the_save_path_answers_400_with_the_text_never_500(
    client, auth, db_session, users
):
    from tests.helpers import make_page

    make_page(db_session, users["editor"], "Deep", "Shallow.\n")
    auth.login("editor")
    for name in REFUSED:
        body = DEEP[name]
        message = str(pytest.raises(RenderError, render_markdown, body).value)
        for url, data in [
            ("/wiki/deep/edit", {"body": body, "base": "1", "summary": ""}),
            ("/-/new", {"title": f"Deep {name}", "body": body}),
        ]:
            reply = client.post(url, data=data)
            text = reply.get_data(as_text=True)
            assert reply.status_code == 400, (name, url)
            assert str(escape(message)) in text, (name, url)
            assert str(escape(body)) in text, (name, url)  # the text comes back to be fixed
            assert script_problems(text) == [], (name, url)
        preview = client.post("/-/preview", data={"body": body})
        assert preview.status_code == 400 and preview.get_json() == {"error": message}, name
    for number, name in enumerate(ACCEPTED, start=2):
        form = {"body": DEEP[name], "base": str(number - 1), "summary": ""}
        reply = client.post("/wiki/deep/edit", data=form)
        assert reply.status_code == 302, name
        shown = client.get("/wiki/deep")
        assert shown.status_code == 200 and script_problems(shown.get_data(as_text=True)) == [], (
            name
        )
