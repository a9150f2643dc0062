"""Tests for wiki.content.render: Markdown features, sanitising, DOM-clobbering ids, hostile input.

Assertions on markup walk the output with the standard library's HTML parser instead of
matching strings, so they hold whatever attribute order or quoting the sanitiser picks.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.helpers import PLAIN_TEXT, assert_fast_enough, timed
from wiki.content.render import (
    MAX_INLINE_MARKUP,
    MAX_SOURCE_CHARS,
    RENDERER_VERSION,
    Rendered,
    RenderError,
    mark_missing_links,
    render_markdown,
    sanitize_html,
)

PREFIX = "user-content-"
CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "pygments.css"


# --------------------------------------------------------------------------- helpers


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def elements(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag in ``markup`` as (tag, attributes), attribute values unescaped."""
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return collector.elements


def text_of(markup: str) -> str:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return "".join(collector.text).strip()


def find(markup: str, tag: str, **wanted: str) -> list[dict[str, str | None]]:
    """Attributes of the ``tag`` elements whose attributes include ``wanted``."""
    return [
        attrs
        for name, attrs in elements(markup)
        if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
    ]


def classes(attrs: dict[str, str | None]) -> set[str]:
    return set((attrs.get("class") or "").split())


_FORBIDDEN_TAGS = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "form", "base",
    "meta", "link", "frame", "frameset", "textarea", "button", "select", "template",
}  # fmt: skip
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster"}
_BAD_SCHEME = re.compile(r"^(javascript|vbscript|data|file):", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def assert_safe(markup: str) -> None:
    """Fail unless ``markup`` is free of anything that could run script or clobber the DOM."""
    assert "<script" not in markup.lower()
    for tag, attrs in elements(markup):
        assert tag not in _FORBIDDEN_TAGS, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert name not in {"name", "srcdoc", "formaction"}, (tag, name)
            assert name != "style", (tag, value)
            if name == "id":
                assert (value or "").startswith(PREFIX), (tag, value)
            if name in _URL_ATTRS and value is not None:
                compact = _CONTROL.sub("", html.unescape(value))
                assert not _BAD_SCHEME.match(compact), (tag, name, value)
                if ":" in compact.split("/", 1)[0]:
                    assert compact.lower().startswith(("http:", "https:", "mailto:")), value
        if tag == "input":
            assert attrs.get("type") in {None, "checkbox"} and "disabled" in attrs, attrs
    # the same must hold for a second pass (nothing the sanitiser lets through is live)
    assert sanitize_html(markup) == markup


def render(text: str, space: str = "main") -> Rendered:
    result = render_markdown(text, space)
    assert_safe(result.html)
    assert_safe(result.toc_html)
    return result


# --------------------------------------------------------------------------- interface


def test_public_constants_and_types() -> None:
    assert isinstance(RENDERER_VERSION, int) and RENDERER_VERSION >= 1
    assert isinstance(MAX_SOURCE_CHARS, int) and MAX_SOURCE_CHARS >= 1_000_000
    assert issubclass(RenderError, ValueError)
    result = render_markdown("hello")
    assert isinstance(result, Rendered)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.html = "x"  # type: ignore[misc]  # the point: it is frozen
    assert isinstance(result.wikilinks, frozenset)


def test_plain_paragraph_and_escaping() -> None:
    result = render("Tom & Jerry <b>bold?</b>")
    assert find(result.html, "p")
    assert not find(result.html, "b")
    assert text_of(result.html) == "Tom & Jerry <b>bold?</b>"
    assert result.toc_html == ""
    assert result.wikilinks == frozenset()


def test_empty_text() -> None:
    assert render_markdown("") == Rendered(html="", toc_html="", wikilinks=frozenset())


def test_rejects_non_string() -> None:
    with pytest.raises(TypeError):
        render_markdown(b"bytes")  # type: ignore[arg-type]  # the point: it is refused


# --------------------------------------------------------------------------- features


def test_table_with_alignment() -> None:
    result = render("| left | right |\n|:-----|------:|\n| a | b |\n")
    assert find(result.html, "table")
    headers = find(result.html, "th")
    assert [h.get("class") for h in headers] == ["align-left", "align-right"]
    assert all(h.get("style") is None for h in headers)
    assert len(find(result.html, "td")) == 2
    assert "left" in text_of(result.html)


def test_strikethrough() -> None:
    result = render("keep ~~drop~~ keep")
    assert find(result.html, "s") or find(result.html, "del")
    assert "~~" not in result.html


def test_task_list() -> None:
    result = render("- [ ] open\n- [x] done\n- plain\n")
    boxes = find(result.html, "input")
    assert len(boxes) == 2
    assert all(b.get("type") == "checkbox" and "disabled" in b for b in boxes)
    assert "checked" not in boxes[0] and "checked" in boxes[1]
    assert "contains-task-list" in classes(find(result.html, "ul")[0])
    items = find(result.html, "li")
    assert ["task-list-item" in classes(li) for li in items] == [True, True, False]
    assert "[x]" not in result.html and "[ ]" not in result.html


def test_footnotes_link_both_ways_with_prefixed_ids() -> None:
    result = render("Claim[^src] and again[^src].\n\n[^src]: The source.\n")
    refs = [a for a in find(result.html, "a") if (a.get("href") or "").startswith("#")]
    forward = [a for a in refs if "footnote-backref" not in classes(a)]
    back = [a for a in refs if "footnote-backref" in classes(a)]
    assert len(forward) == 2 and len(back) == 2
    ids = {attrs["id"] for _, attrs in elements(result.html) if attrs.get("id")}
    for link in refs:
        assert link["href"][1:] in ids, link  # every #fragment points at an existing id
    assert {a["id"] for a in forward} == {b["href"][1:] for b in back}
    assert all(i.startswith(PREFIX) for i in ids)
    assert find(result.html, "section", **{"class": "footnotes"})
    assert "The source." in text_of(result.html)


def test_autolinks() -> None:
    result = render("See https://example.com/path?q=1, www.example.org and ops@example.com.")
    hrefs = [a.get("href") for a in find(result.html, "a")]
    assert "https://example.com/path?q=1" in hrefs
    assert "http://www.example.org" in hrefs
    assert "mailto:ops@example.com" in hrefs
    assert all(a.get("rel") == "noopener noreferrer" for a in find(result.html, "a"))


def test_explicit_links_and_images() -> None:
    result = render('[rel](/wiki/x) [abs](https://e.com "T") ![alt](https://e.com/i.png)')
    assert find(result.html, "a", href="/wiki/x")
    assert find(result.html, "a", href="https://e.com", title="T")
    assert find(result.html, "img", src="https://e.com/i.png", alt="alt")


def test_heading_anchors_are_prefixed_and_unique() -> None:
    result = render("# Intro\n## Intro\n## csrf_token\n### submit\n")
    ids = [attrs.get("id") for tag, attrs in elements(result.html) if tag in {"h1", "h2", "h3"}]
    assert ids == [
        f"{PREFIX}intro",
        f"{PREFIX}intro-1",
        f"{PREFIX}csrf-token",
        f"{PREFIX}submit",
    ]


def test_a_leading_byte_order_mark_does_not_hide_the_first_heading() -> None:
    """Texts saved before the mark was dropped on save render like the others."""
    for source in ("\ufeff# Title\n\nText.", "\ufeff\ufeff# Title\n\nText."):
        result = render(source)
        assert find(result.html, "h1", id=f"{PREFIX}title")
        assert "\ufeff" not in result.html
    inside = render("# Title\n\nword\ufeffword")  # elsewhere it is the text's business
    assert "word\ufeffword" in inside.html


def test_heading_without_letters_still_gets_an_anchor() -> None:
    result = render("# !!!\n# ???\n")
    ids = [a.get("id") for t, a in elements(result.html) if t == "h1"]
    assert ids == [f"{PREFIX}section", f"{PREFIX}section-1"]


def test_toc_links_match_heading_ids_and_nest() -> None:
    result = render("# One\n## Two\n### Three\n##### Five\n# Four\ntext\n")
    toc_hrefs = [a["href"] for a in find(result.toc_html, "a")]
    heading_ids = [a["id"] for t, a in elements(result.html) if t in {"h1", "h2", "h3", "h4"}]
    assert toc_hrefs == ["#" + i for i in heading_ids]  # h5 is left out
    assert text_of(result.toc_html).split() == ["One", "Two", "Three", "Four"]
    # One > Two > Three nest; Four is back at the top level
    assert result.toc_html.count("<ul>") == 3
    tags = [t for t, _ in elements(result.toc_html)]
    assert tags[:6] == ["ul", "li", "a", "ul", "li", "a"]


def test_toc_empty_below_two_headings() -> None:
    assert render("# Only one\ntext").toc_html == ""
    assert render("no heading").toc_html == ""


def test_toc_text_is_escaped() -> None:
    result = render("# <img src=x onerror=alert(1)>\n# B & C\n")
    assert not find(result.toc_html, "img")
    assert "<img src=x onerror=alert(1)>" in text_of(result.toc_html)
    assert "B & C" in text_of(result.toc_html)


def test_fenced_code_is_highlighted_with_classes() -> None:
    result = render('```python\ndef f(x):\n    return "<b>"\n```\n')
    pres = find(result.html, "pre")
    assert pres and "highlight" in classes(pres[0])
    spans = find(result.html, "span")
    assert any("k" in classes(s) for s in spans)  # keyword
    assert all("style" not in s for s in spans)  # classes, not inline styles
    assert 'return "<b>"' in text_of(result.html)
    assert not find(result.html, "b")


def test_unknown_language_is_plain_escaped_code() -> None:
    result = render("```nosuchlanguage\n<i>x</i> & y\n```\n")
    assert not find(result.html, "span")
    assert "highlight" not in classes(find(result.html, "pre")[0])
    assert text_of(result.html) == "<i>x</i> & y"
    assert not find(result.html, "i")


def test_highlighting_budget_falls_back_to_plain_code() -> None:
    big = "```python\n" + "value = compute(1, 2)\n" * 6_000 + "```\n"
    small = "```python\ny = 2\n```\n"
    result = render(big + "\n" + small)
    pres = find(result.html, "pre")
    assert ["highlight" in classes(p) for p in pres] == [False, True]


def test_code_without_language_is_not_guessed() -> None:
    result = render("```\ndef f(): pass\n```\n")
    assert not find(result.html, "span")


def test_inline_code_and_indented_code() -> None:
    result = render("Use `<b>` here.\n\n    <i>indented</i>\n")
    assert len(find(result.html, "code")) == 2
    assert not find(result.html, "b") and not find(result.html, "i")


# --------------------------------------------------------------------------- wiki links


def test_wiki_link_and_label() -> None:
    result = render("See [[Team Handbook]] and [[Team Handbook|the handbook]].")
    links = find(result.html, "a", href="/wiki/team-handbook")
    assert len(links) == 2
    assert all(classes(a) == {"wikilink"} for a in links)
    assert text_of(result.html) == "See Team Handbook and the handbook."
    assert result.wikilinks == frozenset({"team-handbook"})


def test_a_wiki_link_may_name_a_heading_of_its_page() -> None:
    result = render("[[Office move#Budget and costs]] and [[Plan#Q3|the Q3 plan]].")
    links = [(a["href"], a.get("class")) for a in find(result.html, "a")]
    assert links == [
        (f"/wiki/office-move#{PREFIX}budget-and-costs", "wikilink"),
        (f"/wiki/plan#{PREFIX}q3", "wikilink"),
    ]
    assert "Office move#Budget and costs</a>" in result.html  # shown as typed
    assert result.wikilinks == {"office-move", "plan"}
    # The heading's id is the one the page's heading gets.
    page = render("## Budget and costs\n")
    assert find(page.html, "h2", id=f"{PREFIX}budget-and-costs")


def test_a_link_to_a_heading_of_the_same_page_and_titles_with_hash_signs() -> None:
    result = render("[[#Next steps]] · [[C#]] · [[F# basics]] · [[C##Setup]] · [[hr:Plan#Risks]]")
    hrefs = [a["href"] for a in find(result.html, "a")]
    assert hrefs == [
        f"#{PREFIX}next-steps",  # a heading of this page
        "/wiki/c-sharp",  # "#" ending a title, or followed by a space, is the title's
        "/wiki/f-sharp-basics",
        f"/wiki/c-sharp#{PREFIX}setup",  # the last "#" starts the heading
        f"/wiki/hr%3Aplan#{PREFIX}risks",
    ]
    assert result.wikilinks == {"c-sharp", "f-sharp-basics", "hr:plan"}


def test_a_missing_page_keeps_the_heading_in_its_link() -> None:
    html = mark_missing_links(render("[[Plan#Risks]]").html, {"plan"})
    assert f'href="/wiki/plan#{PREFIX}risks" class="wikilink missing"' in html


def test_every_heading_carries_a_link_to_itself() -> None:
    result = render("## Budget\n\ntext\n\n## Budget\n")
    links = find(result.html, "a", **{"class": "heading-link"})
    assert [a["href"] for a in links] == [f"#{PREFIX}budget", f"#{PREFIX}budget-1"]
    assert all(a["title"] == "Link to this section" for a in links)
    assert text_of(result.toc_html).split() == ["Budget", "Budget"]  # not in the contents
    assert_safe(result.html)


def test_wiki_link_slug_is_url_quoted() -> None:
    result = render("[[Café Menü]] [[a/b?c#]]")
    hrefs = [a["href"] for a in find(result.html, "a")]
    assert hrefs == ["/wiki/caf%C3%A9-men%C3%BC", "/wiki/a-slash-b-c-sharp"]
    assert result.wikilinks == frozenset({"café-menü", "a-slash-b-c-sharp"})


def test_wiki_link_text_is_escaped() -> None:
    result = render('[[A "quoted" <b>title</b>|<i>label</i> & co]]')
    (link,) = find(result.html, "a")
    assert (
        link["href"]
        == "/wiki/a-quoted-less-than-b-greater-than-title-less-than-slash-b-greater-than"
    )
    assert text_of(result.html) == "<i>label</i> & co"
    assert not find(result.html, "i") and not find(result.html, "b")


def test_wiki_link_without_letters_stays_literal() -> None:
    result = render("[[!!!]] and [[ | label]]")
    assert not find(result.html, "a")
    assert text_of(result.html) == "[[!!!]] and [[ | label]]"
    assert result.wikilinks == frozenset()


def test_wiki_link_not_inside_code() -> None:
    result = render("`[[Inline]]`\n\n```\n[[Fenced]]\n```\n\n    [[Indented]]\n")
    assert not find(result.html, "a")
    assert result.wikilinks == frozenset()
    assert "[[Inline]]" in text_of(result.html) and "[[Fenced]]" in text_of(result.html)


def test_wiki_link_escaped_and_in_table() -> None:
    result = render("\\[[Not a link]]\n\n| a |\n|---|\n| [[Page\\|label]] |\n")
    links = find(result.html, "a")
    assert [a["href"] for a in links] == ["/wiki/page"]
    assert "label" in text_of(result.html)
    assert "[[Not a link]]" in text_of(result.html)


def test_wiki_link_inside_heading_and_footnote_counts() -> None:
    result = render("# About [[Alpha]]\n\nx[^1]\n\n[^1]: see [[Beta]]\n\n[^unused]: [[Gamma]]\n")
    assert result.wikilinks == frozenset({"alpha", "beta"})
    assert find(result.html, "h1", id=f"{PREFIX}about-alpha")


def test_a_wiki_link_resolves_in_the_space_of_the_page() -> None:
    result = render("See [[Leave policy]] and [[Leave policy|the rules]].", space="hr")
    links = find(result.html, "a", href="/wiki/hr%3Aleave-policy")
    assert len(links) == 2 and all(classes(a) == {"wikilink"} for a in links)
    assert text_of(result.html) == "See Leave policy and the rules."
    assert result.wikilinks == frozenset({"hr:leave-policy"})
    # The default space's pages carry no key, from the default space itself too.
    assert render("[[Leave policy]]").wikilinks == frozenset({"leave-policy"})
    assert render("[[Leave policy]]", space="main").wikilinks == frozenset({"leave-policy"})


def test_a_space_key_before_a_colon_reaches_another_space() -> None:
    result = render(
        "[[ops:Runbook]], [[OPS:Runbook|the runbook]], [[main:Home]], [[hr:Leave]]", space="hr"
    )
    hrefs = [a["href"] for a in find(result.html, "a")]
    assert hrefs == ["/wiki/ops%3Arunbook", "/wiki/ops%3Arunbook", "/wiki/home", "/wiki/hr%3Aleave"]
    assert text_of(result.html) == "ops:Runbook, the runbook, main:Home, hr:Leave"
    assert result.wikilinks == frozenset({"ops:runbook", "home", "hr:leave"})


def test_an_unknown_space_key_is_just_a_link_to_a_missing_page() -> None:
    result = render("[[no-such-space:Plan]]", space="hr")
    assert result.wikilinks == frozenset({"no-such-space:plan"})
    marked = mark_missing_links(result.html, result.wikilinks)
    assert classes(find(marked, "a")[0]) == {"wikilink", "missing"}


@pytest.mark.parametrize(
    ("source", "slug"),
    [
        ("[[FAQ: payroll]]", "hr:faq-payroll"),  # a space after the colon: part of the title
        ("[[C++:tips]]", "hr:c-plus-plus-tips"),  # not a key
        ("[[9lives:Cats]]", "hr:9lives-cats"),  # keys start with a letter
        ("[[a--b:Cats]]", "hr:a-b-cats"),  # single dashes only
        (f"[[{'k' * 33}:Cats]]", f"hr:{'k' * 33}-cats"),  # keys have at most 32 characters
        ("[[ops:]]", "hr:ops"),  # nothing after the key
        ("[[ops:a:b]]", "ops:a-b"),  # the first colon only
    ],
)
def test_only_a_key_directly_followed_by_a_title_names_a_space(source: str, slug: str) -> None:
    assert render(source, space="hr").wikilinks == frozenset({slug})


def test_a_space_key_without_a_title_stays_literal() -> None:
    result = render("[[ops:!!!]] [[main:--]]", space="hr")
    assert not find(result.html, "a")
    assert text_of(result.html) == "[[ops:!!!]] [[main:--]]"
    assert result.wikilinks == frozenset()


# --------------------------------------------------------------------------- missing links


def test_mark_missing_links() -> None:
    result = render("[[Exists]] [[Missing Page]] [[Café]] [[Exists|again]]")
    marked = mark_missing_links(result.html, {"missing-page", "café"})
    links = {a["href"]: a for a in find(marked, "a")}
    assert classes(links["/wiki/exists"]) == {"wikilink"}
    assert classes(links["/wiki/missing-page"]) == {"wikilink", "missing"}
    assert classes(links["/wiki/caf%C3%A9"]) == {"wikilink", "missing"}
    assert links["/wiki/missing-page"].get("title")
    assert text_of(marked) == text_of(result.html)
    assert mark_missing_links(marked, {"missing-page", "café"}) == marked  # idempotent
    assert sanitize_html(marked) == marked  # still within the allowlist


def test_mark_missing_links_noop_cases() -> None:
    result = render("[[A]] [B](/wiki/b) `[[C]]`")
    assert mark_missing_links(result.html, set()) == result.html
    assert mark_missing_links(result.html, ["b", "c", "zzz"]) == result.html


# --------------------------------------------------------------------------- sanitiser


def test_sanitize_html_allowlist() -> None:
    dirty = (
        '<p onclick="x()" class="evil">hi<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)" class="wikilink evil">x</a>'
        '<h2 id="submit" style="color:red">t</h2>'
        '<span class="k nope">k</span><iframe src="https://e.com"></iframe>'
        '<input type="text" name="csrf_token"><img src="x" onerror="alert(1)">'
    )
    clean = sanitize_html(dirty)
    assert_safe(clean)
    assert "alert" not in clean
    assert find(clean, "h2", id=f"{PREFIX}submit")
    assert classes(find(clean, "a")[0]) == {"wikilink"}
    assert "href" not in find(clean, "a")[0]
    assert classes(find(clean, "span")[0]) == {"k"}
    assert find(clean, "a")[0].get("rel") == "noopener noreferrer"
    assert sanitize_html(clean) == clean


# --------------------------------------------------------------------------- hostile input

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<style>body{display:none}</style>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x73;cript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](java\nscript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](<java\tscript:alert(1)>)",
    "[x](%6Aavascript:alert(1))",
    "[x](java%09script:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '[x](https://e.com "title\\" onmouseover=\\"alert(1)")',
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "javascript:alert(1) and www.javascript:alert(1)",
    '[["><script>alert(1)</script>]]',
    '[[Page|"><script>alert(1)</script>]]',
    "[[javascript:alert(1)]]",
    '```"><script>alert(1)</script>\ncode\n```',
    "```python onload=alert(1)\ncode\n```",
    "# <img src=x onerror=alert(1)>",
    "# heading <script>alert(1)</script>\n## two",
    "[^<script>]: x\n\nref[^<script>]",
    "- [x] <img src=x onerror=alert(1)>",
    "<!-- comment --><p onclick=alert(1)>x</p>",
    "| <script>alert(1)</script> |\n|---|\n| <img src=x onerror=alert(1)> |",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href='x' onclick=alert(1)>x</a>",
    '[x](https://e.com/"onmouseover="alert(1))',
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<input name=csrf_token value=x>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_is_inert(source: str) -> None:
    render(source)  # render() runs assert_safe on html and toc


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x73;cript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](java%09script:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
    ],
)
def test_rejected_links_stay_visible_as_text(source: str) -> None:
    result = render(source)
    assert not find(result.html, "a")
    assert "script" in text_of(result.html).lower() or "PHNjcmlwdD4" in text_of(result.html)


def test_rejected_image_is_not_an_image() -> None:
    for source in ("![x](data:image/svg+xml,<svg onload=alert(1)>)", "![x](javascript:x)"):
        assert not find(render(source).html, "img")


def test_raw_html_is_shown_as_text() -> None:
    result = render('<div class="x">hello</div>\n\n<span onclick="x()">inline</span>')
    assert not find(result.html, "div")
    assert '<div class="x">hello</div>' in text_of(result.html)


def test_heading_clobbering_names_are_prefixed() -> None:
    result = render("# csrf_token\n# submit\n# location\n# document\n")
    ids = [a["id"] for t, a in elements(result.html) if t == "h1"]
    assert ids == [PREFIX + name for name in ("csrf-token", "submit", "location", "document")]
    assert not any(a.get("name") for _, a in elements(result.html))


def test_heading_already_prefixed_gets_prefixed_again() -> None:
    result = render(f"# {PREFIX}x\n")
    assert find(result.html, "h1", id=f"{PREFIX}{PREFIX}x")


# --------------------------------------------------------------------------- bounds


def _footnotes(n: int) -> str:
    refs = " ".join(f"claim[^{i}]" for i in range(n))
    return refs + "\n\n" + "\n".join(f"[^{i}]: note {i}" for i in range(n)) + "\n"


BOUNDED = {
    "nested emphasis": "*" * 50_000 + "x" + "*" * 50_000,
    "emphasis run": "*a" * 50_000,
    "open brackets": "[" * 50_000,
    "open image brackets": "![" * 50_000,
    "open wiki brackets": "[[" * 25_000 + "]]",
    "nested list items": "- " * 50_000 + "x",
    "nested ordered items": "1. " * 50_000 + "x",
    "raw divs": "<div>" * 50_000,
    "nested quotes": "> " * 10_000 + "x",
    "nested quotes tight": ">" * 10_000 + "x",
    "1 MB paragraph": PLAIN_TEXT,
    "1 MB word": "a" * 1_000_000,
    "10k footnotes": _footnotes(10_000),
    "footnote refs unclosed": "[^a]: x\n\n" + "[^" * 49_000,
    "5k headings": "\n".join(f"## Heading {i % 7}" for i in range(5_000)),
    "task list": "- [ ] x\n" * 19_000,
    "chained urls": "http://a.com/" * 4_000,
    "schemes without hosts": "a://" * 25_000,
    "many autolinks": "<http://a" * 50_000,
    "many links": "[a](http://x.com) " * 50_000,
    "entities": "&amp;" * 200_000,
    "markup past the budget": "*_" * 500_000,
    "markup in many paragraphs": ("*a* " * 40 + "\n\n") * 6_000,
    "wide table": "|a" * 1_000 + "\n" + "|-" * 1_000 + "\n" + "|\n" * 10_000,
    "long table": "|a|b|\n|-|-|\n" + "|a|b|\n" * 19_000,
    "many lines": "x\n" * 100_000,
    "many list items": "1. x\n" * 49_000,
    "many headings": "# x\n" * 49_000,
    "highlighted code": "```python\n" + "def f(x):\n    return x + 1\n" * 9_000 + "```\n",
}


@functools.cache
def bounded(name: str) -> tuple[float, Rendered | RenderError]:
    """The timed outcome of ``BOUNDED[name]``, rendered once for the tests that need it."""
    return timed(BOUNDED[name])


@pytest.mark.parametrize("name", BOUNDED)
def test_hostile_size_is_bounded(name: str) -> None:
    elapsed, outcome = bounded(name)
    assert_fast_enough(BOUNDED[name], elapsed, name)
    if isinstance(outcome, RenderError):
        assert str(outcome) and "\n" not in str(outcome)
    else:
        assert_safe(outcome.html)


def test_deep_nesting_is_rejected_with_clear_message() -> None:
    for source in ("> " * 10_000 + "x", "- " * 50_000 + "x", ">" * 10_000 + "x"):
        with pytest.raises(RenderError, match=r"too deeply \(more than \d+ levels\)"):
            render_markdown(source)


def test_moderate_nesting_renders() -> None:
    items = "".join("  " * i + "- item\n" for i in range(10))
    result = render("> " * 10 + "deep quote\n\n" + items)
    assert len(find(result.html, "blockquote")) == 10
    assert len(find(result.html, "ul")) == 10


def test_outcomes_of_the_big_inputs() -> None:
    def rendered(name: str) -> Rendered:
        outcome = bounded(name)[1]
        assert isinstance(outcome, Rendered), outcome
        return outcome

    paragraph = rendered("1 MB paragraph")
    assert len(paragraph.html) > 1_000_000
    notes = rendered("10k footnotes")
    assert len(find(notes.html, "li", **{"class": "footnote-item"})) == 10_000
    headings = rendered("5k headings")
    ids = [a["id"] for t, a in elements(headings.html) if t == "h2"]
    assert len(ids) == len(set(ids)) == 5_000
    assert len(find(headings.toc_html, "a")) == 5_000
    divs = rendered("raw divs")
    assert not find(divs.html, "div") and text_of(divs.html).count("<div>") == 50_000
    brackets = rendered("open brackets")
    assert text_of(brackets.html) == "[" * 50_000
    tasks = rendered("task list")
    assert len(find(tasks.html, "input")) == 19_000


def test_size_limits_raise_render_error() -> None:
    with pytest.raises(RenderError, match="too long"):
        render_markdown("a" * (MAX_SOURCE_CHARS + 1))
    with pytest.raises(RenderError, match="too many links"):
        render_markdown("[a](http://x.com) " * 30_000)
    with pytest.raises(RenderError, match="too many table cells"):
        render_markdown(BOUNDED["wide table"])
    with pytest.raises(RenderError, match="too many lines"):
        render_markdown("x\n" * 100_000)
    with pytest.raises(RenderError, match="too many list items"):
        render_markdown("1. x\n" * 30_000)


STOPPED = f"Formatting stops here: more than {MAX_INLINE_MARKUP:,} markup characters."


def test_past_the_markup_budget_the_text_is_shown_plain_after_a_note() -> None:
    heavy = "*a* " * (MAX_INLINE_MARKUP // 2 + 1)  # two markup characters each
    result = render(f"# Title *one*\n\n{heavy}\n\n## Two *b*\n\n**bold** <i> [[Page]]\n")
    assert len(find(result.html, "em")) == 1  # the title's; the rest is plain
    assert find(result.html, "span", **{"class": "formatting-stopped"})
    assert text_of(result.html).count(STOPPED) == 1
    assert html.unescape(result.html).rstrip().endswith("**bold** <i> [[Page]]</p>")
    assert not find(result.html, "strong") and not find(result.html, "a", **{"class": "wikilink"})
    assert result.wikilinks == frozenset()
    assert [a["href"] for a in find(result.toc_html, "a")] == [
        f"#{PREFIX}title-one",
        f"#{PREFIX}two-b",
    ]


def test_markup_within_the_budget_is_formatted_without_a_note() -> None:
    result = render("*a* " * (MAX_INLINE_MARKUP // 2 - 10))
    assert len(find(result.html, "em")) == MAX_INLINE_MARKUP // 2 - 10
    assert STOPPED not in text_of(result.html)


@pytest.mark.parametrize(
    "saved",
    [
        pytest.param("    " + "*_" * 125_000, id="an indented code line"),
        pytest.param("[a]: " + "*_" * 125_000, id="a link reference definition"),
        pytest.param("> " + "*_" * 40_000 + "\n\n" + "    " + "*_" * 80_000, id="quote and code"),
    ],
)
def test_a_newline_anywhere_never_makes_a_renderable_text_unrenderable(saved: str) -> None:
    render(saved)
    for at in (0, 1, 5, 1_000, len(saved) // 2, len(saved) - 1):
        render(saved[:at] + "\n" + saved[at:])  # raised "too much formatting" for most


def test_link_budget_degrades_to_text() -> None:
    # unclosed brackets cost far more scanning than the budget: rendered, brackets stay text
    source = "[a " * 30_000 + "[ok](/x)"
    elapsed, outcome = timed(source)
    assert_fast_enough(source, elapsed, "unclosed brackets")
    assert isinstance(outcome, Rendered)
    assert text_of(outcome.html).startswith("[a [a [a")


# --------------------------------------------------------------------------- threads, css


def test_concurrent_renders_do_not_interfere() -> None:
    sources = [f"See https://e.com/{i}, www.site{i}.org and [[Page {i}]]" for i in range(8)]
    expected = [render_markdown(s) for s in sources]
    results: dict[int, list[Rendered]] = {}

    def work(i: int) -> None:
        results[i] = [render_markdown(sources[i]) for _ in range(30)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(sources))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, outcomes in results.items():
        assert all(r == expected[i] for r in outcomes)


def test_pygments_stylesheet_matches_renderer() -> None:
    css = CSS.read_text(encoding="utf-8")
    assert "@media (prefers-color-scheme: dark)" in css
    assert "pre.highlight .k " in css  # keyword rule, scoped to what the renderer emits
    assert "url(" not in css and "@import" not in css  # nothing fetched at run time
