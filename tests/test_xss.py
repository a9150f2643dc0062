"""No hostile user text ever turns into script.

Every payload of ``tests/xss_corpus.py`` goes through every place where user text appears,
through the real HTTP views: page bodies (page, revisions, diffs, blame, raw, editor,
previews, conflict screen, refused saves), page titles, edit summaries and tags (history,
recent changes, contributions, all pages, search results, autocomplete, every site page),
search snippets and the search query echoed back, and user names (refused). Every HTML
answer is parsed and checked by :class:`ScriptFinder`: inside the rendered Markdown only
what ``wiki.content.render``'s allowlist permits, elsewhere only what the templates emit, and
nowhere an event handler, a ``style`` attribute, an inline script or a script URL.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from markupsafe import escape

from tests.conftest import PASSWORD, make_app
from tests.xss_corpus import CORPUS, HOSTILE_USERNAMES, MARKER
from wiki import textsafety
from wiki.access import accounts
from wiki.content.merge import END_MARKER, MID_MARKER, START_MARKER
from wiki.content.pages import Limits, create_page, edit_page
from wiki.content.render import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    DIFF_ALLOWED_CLASSES,
    DIFF_ALLOWED_TAGS,
    ID_PREFIX,
    render_markdown,
)
from wiki.db import get_database
from wiki.errors import InvalidInput
from wiki.models import Role
from wiki.search.runtime import get_search
from wiki.slugs import slugify

# --------------------------------------------------------------------------- the checker

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

NEVER = frozenset(
    {
        "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg",
        "math", "template", "noscript", "xmp", "noembed", "noframes", "plaintext", "isindex",
        "param", "portal", "foreignobject", "animate", "set", "use", "image", "video", "audio",
        "source", "track", "marquee", "bgsound", "keygen", "listing", "img", "picture",
    }
)  # fmt: skip
"""Elements that must not appear outside the rendered Markdown, whatever the templates say."""

EMITTED_BY_CODE = frozenset({"ins", "del", "mark", "bdi"})
"""Elements the wiki's Python code writes outside templates (diff words, search highlights,
the bdi filter around user text)."""


def _template_tags() -> frozenset[str]:
    tags: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        source = re.sub(r"\{#.*?#\}", "", template.read_text(), flags=re.DOTALL)
        tags.update(name.lower() for name in re.findall(r"<([a-zA-Z][a-zA-Z0-9-]*)", source))
    return frozenset(tags)


PAGE_TAGS = (_template_tags() | EMITTED_BY_CODE) - NEVER
"""What may appear outside the rendered Markdown: what the templates themselves emit."""

URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
        "cite", "longdesc", "srcset", "ping", "codebase", "classid", "archive", "manifest",
        "icon", "lowsrc", "dynsrc", "usemap", "profile", "itemtype", "to", "from", "values",
        "by", "data-titles",
    }
)  # fmt: skip
NEVER_ATTRIBUTES = frozenset({"style", "srcdoc", "formaction", "xmlns", "is", "http-equiv"})

# Browsers drop ASCII tabs and newlines anywhere in a URL, and control characters and spaces
# around it; the checker drops all of these anywhere, to be stricter. (Other invisible
# characters such as U+200B end a scheme for browsers: "java\u200bscript:" is a path.)
_INVISIBLE = re.compile("[\x00-\x20\x7f]")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_ATTRIBUTE_NAME = re.compile(r"[a-z_][a-z0-9_.:-]*")
_CONTENT_REGIONS = {("div", "markdown-body"), ("nav", "toc")}
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr", "param", "keygen"}
)  # fmt: skip
_META_NAMES = frozenset(
    {"viewport", "color-scheme", "theme-color", "description", "referrer", "robots"}
)
_SCRIPT_ATTRIBUTES = frozenset({"src", "defer", "async", "nonce", "type"})
_LINK_RELATIONS = frozenset({"stylesheet", "icon", "manifest"})


def _harmless_link(values: dict[str, str]) -> bool:
    """A style sheet or icon of this site, or one of its Atom feeds (which browsers only
    offer to subscribe to, never run)."""
    href = values.get("href", "")
    if values.get("rel") in _LINK_RELATIONS:
        return href.startswith("/static/")
    return (
        values.get("rel") == "alternate"
        and values.get("type") == "application/atom+xml"
        and href.startswith("/-/feeds/")
        and same_site(href)
    )


def _is_url(attribute: str) -> bool:
    return attribute in URL_ATTRIBUTES or attribute.endswith(("url", "href", "src"))


def url_schemes(value: str) -> set[str]:
    """The schemes a browser could see in an attribute value (already entity-decoded once by
    the parser): as it is and percent-decoded, invisible characters dropped, lower case."""
    found = set()
    for variant in (value, unquote(value)):
        match = _SCHEME.match(_INVISIBLE.sub("", variant).lower())
        if match:
            found.add(match.group(1))
    return found


def same_site(value: str) -> bool:
    """Whether a URL written by a template stays on this site (a path, query or fragment)."""
    compact = _INVISIBLE.sub("", value)
    if url_schemes(value):
        return False
    if compact.startswith(("#", "?")):
        return True
    return compact.startswith("/") and not compact.startswith(("//", "/\\"))


class ScriptFinder(HTMLParser):
    """Collects every way a parsed HTML document could run script or load active content.

    Inside the rendered Markdown (``div.markdown-body``, ``nav.toc``; or the whole input for
    a fragment) only ``wiki.content.render``'s allowlist is accepted: its tags, attributes and
    classes, ``user-content-`` ids, no ``style`` attribute at all, URLs with its
    schemes. Elsewhere only the elements the templates emit, scripts and style sheets only
    from this site, no ``style`` attributes. Everywhere: no ``on*`` attribute, no URL with a
    scheme other than http(s)/mailto, no comment, no text a browser might read as a tag.
    With ``marks`` the rendered Markdown is a rendered diff, which may also hold the marks of
    the diff allowlist (``<ins>``, and classes on ``<ins>``, ``<del>``, rows, cells and list
    items).
    """

    def __init__(self, *, fragment: bool = False, marks: bool = False):
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self._fragment = fragment
        self._tags = DIFF_ALLOWED_TAGS if marks else ALLOWED_TAGS
        self._classes = DIFF_ALLOWED_CLASSES if marks else ALLOWED_CLASSES
        self._stack: list[str] = []
        # Index in the stack of the element holding rendered Markdown (None: outside it;
        # -1: the whole input is rendered Markdown).
        self._content_at: int | None = -1 if fragment else None
        self._in_head = False
        self._in_script = False

    def _flag(self, what: str) -> None:
        self.problems.append(what)

    @property
    def _in_content(self) -> bool:
        return self._content_at is not None

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag in _VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        if not self._in_content and any(tag == t and c in classes for t, c in _CONTENT_REGIONS):
            self._content_at = len(self._stack)
        self._stack.append(tag)
        self._in_head |= tag == "head"
        self._in_script |= tag == "script"

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "head":
            self._in_head = False
        if tag == "script":
            self._in_script = False
        if not self._in_content:
            if tag in self._stack:
                while self._stack.pop() != tag:
                    pass
            return
        inner = self._stack[self._content_at + 1 :]
        if not inner and not self._fragment and self._stack[self._content_at] == tag:
            self._stack.pop()  # the end of the rendered Markdown
            self._content_at = None
        elif tag in inner:
            while (closed := self._stack.pop()) != tag:
                self._flag(f"</{tag}> in the rendered text closes <{closed}> implicitly")
        else:  # a browser would close an element the rendered text did not open
            self._flag(f"</{tag}> in the rendered text closes an element it did not open")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self._flag(f"inline script content {data[:80]!r}")
        elif "<" in data:  # escaped text never has a bare "<"; the parser gave up on a tag
            self._flag(f"text a browser may read as markup: {data[:80]!r}")

    def handle_comment(self, data):
        self._flag(f"comment <!--{data[:60]}-->")

    def handle_decl(self, decl):
        if decl.strip().lower() != "doctype html":
            self._flag(f"declaration <!{decl[:60]}>")

    def unknown_decl(self, data):
        self._flag(f"declaration <![{data[:60]}>")

    def handle_pi(self, data):
        self._flag(f"processing instruction <?{data[:60]}>")

    # -- the rules
    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"<{tag}>"
        names = [name for name, _ in attrs]
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if not _ATTRIBUTE_NAME.fullmatch(name):
                self._flag(f"{where} has a malformed attribute {name!r}")
            if name.startswith("on"):
                self._flag(f"{where} has an event handler {name}={value[:60]!r}")
            if _is_url(name):
                bad = url_schemes(value) - ALLOWED_URL_SCHEMES
                if bad:
                    self._flag(f"{where} {name}={value[:80]!r} has the scheme {sorted(bad)}")
        if len(set(names)) != len(names):
            self._flag(f"{where} repeats an attribute: {names}")
        if self._in_content:
            self._check_content(tag, values)
        else:
            self._check_page(tag, values)

    def _check_content(self, tag: str, values: dict[str, str]) -> None:
        where = f"<{tag}> in the rendered text"
        if tag not in self._tags:
            self._flag(f"{where} is not in the renderer's allowlist")
            return
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, ()))
        if tag in self._classes:
            allowed.add("class")
        if tag == "a":
            allowed.add("rel")
        if tag == "input":  # task list check boxes (render.py: tag_attribute_values)
            allowed |= {"type", "checked", "disabled"}
            if values.get("type") != "checkbox" or "disabled" not in values:
                self._flag(f"{where} is not a disabled check box: {values}")
        for name, value in values.items():
            if name not in allowed:
                self._flag(f"{where} has the attribute {name}={value[:60]!r}, not allowed")
        for cls in values.get("class", "").split():
            if cls not in self._classes.get(tag, ()):
                self._flag(f"{where} has the class {cls!r}, not allowed")
        if "id" in values and not values["id"].startswith(ID_PREFIX):
            self._flag(f"{where} has id={values['id']!r} without the {ID_PREFIX!r} prefix")
        if "style" in values:
            self._flag(f"{where} has style={values['style'][:60]!r}")
        if tag == "a":
            href = values.get("href", "")
            if href.startswith("#") and not href.startswith("#" + ID_PREFIX):
                self._flag(f"{where} points at #{href[1:60]!r}, an id of the page around it")
            if "rel" in values and values["rel"] != "noopener noreferrer":
                self._flag(f"{where} has rel={values['rel']!r}")

    def _check_page(self, tag: str, values: dict[str, str]) -> None:
        where = f"<{tag}>"
        if tag in NEVER or tag not in PAGE_TAGS:
            self._flag(f"{where} is not an element the templates emit")
            return
        for name in values:
            if name in NEVER_ATTRIBUTES:
                self._flag(f"{where} has the attribute {name}={values[name][:60]!r}")
            elif _is_url(name) and not same_site(values[name]):
                self._flag(f"{where} {name}={values[name][:80]!r} leaves the site")
        if tag == "script" and (
            not values.get("src", "").startswith("/static/") or set(values) - _SCRIPT_ATTRIBUTES
        ):
            self._flag(f"{where} is not a script file of this site: {values}")
        if tag == "link" and not _harmless_link(values):
            self._flag(f"{where} is not a style sheet, icon or feed of this site: {values}")
        if tag == "meta":
            harmless = set(values) == {"charset"} or (
                set(values) == {"name", "content"} and values["name"] in _META_NAMES
            )
            if not self._in_head or not harmless:
                self._flag(f"{where} is not a harmless meta element: {values}")
        if tag == "form" and "action" in values and not same_site(values["action"]):
            self._flag(f"{where} submits elsewhere: {values['action']!r}")


def script_problems(document: str, *, fragment: bool = False, marks: bool = False) -> list[str]:
    """Everything in ``document`` that could run script (see :class:`ScriptFinder`).

    ``fragment``: the input is rendered Markdown on its own (e.g. the preview's JSON);
    ``marks``: the rendered Markdown is a rendered diff.
    """
    finder = ScriptFinder(fragment=fragment, marks=marks)
    finder.feed(document)
    finder.close()
    if fragment and finder._stack:
        finder.problems.append(f"the rendered text leaves {finder._stack} open")
    return finder.problems


# --------------------------------------------------------------------------- the checker can fail

KNOWN_BAD = {
    "inline script": "<p>x</p><script>alert(1)</script>",
    "script from elsewhere": '<script src="https://x.invalid/a.js"></script>',
    "event handler": '<p onclick="alert(1)">x</p>',
    "upper-case handler": '<p ONMOUSEOVER="alert(1)">x</p>',
    "javascript link": '<a href="javascript:alert(1)">x</a>',
    "entity-encoded scheme": '<a href="&#106;avascript:alert(1)">x</a>',
    "tab in scheme": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "leading control character": '<a href="\x01javascript:alert(1)">x</a>',
    "percent-encoded scheme": '<a href="%6Aavascript:alert(1)">x</a>',
    "vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "data html": '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "iframe": '<iframe src="/x"></iframe>',
    "object": '<object data="/x"></object>',
    "embed": '<embed src="/x">',
    "svg": "<svg><circle r=1></circle></svg>",
    "math": "<math><mi>x</mi></math>",
    "base": '<base href="/">',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=/x">',
    "style element": "<style>p{}</style>",
    "style attribute": '<p style="color:red">x</p>',
    "form elsewhere": '<form action="https://x.invalid/"></form>',
    "formaction": '<button formaction="/x">x</button>',
    "xlink": '<a xlink:href="javascript:alert(1)">x</a>',
    "comment": "<!-- x -->",
    "cdata": "<![CDATA[x]]>",
    "stylesheet from elsewhere": '<link rel="stylesheet" href="https://x.invalid/a.css">',
    "malformed tag left as text": "<p>a</p><img/src=x\x00onerror=alert(1)",
    "unknown element": "<blink>x</blink>",
}
KNOWN_BAD_CONTENT = {
    "image outside the allowlist's attributes": '<img src="x" onerror="alert(1)">',
    "unprefixed id (DOM clobbering)": '<h1 id="location">x</h1>',
    "fragment link to a page id": '<a href="#content">x</a>',
    "class outside the allowlist": '<p class="flash">x</p>',
    "div": "<div>x</div>",
    "form": "<form></form>",
    "style on a cell": '<table><tr><td style="background:url(x)">x</td></tr></table>',
    "enabled check box": '<input type="checkbox">',
    "text input": '<input type="text" disabled>',
    "name attribute": '<a name="x" href="/x">x</a>',
}
KNOWN_BAD_STRUCTURE = {
    "stray end tag": "<p>x</p></div></article><p>y</p>",
    "unclosed element": "<p><em>x</p>",
    "element left open": "<blockquote><p>x</p>",
    "data image": '<img src="data:image/png;base64,AAAA" alt="">',
}


@pytest.mark.parametrize("snippet", KNOWN_BAD.values(), ids=KNOWN_BAD.keys())
def test_the_checker_finds_script_in_a_page(snippet):
    document = f"<!doctype html><html><head><title>t</title></head><body><main>{snippet}</main></body></html>"
    assert script_problems(document)


@pytest.mark.parametrize(
    "snippet",
    [*KNOWN_BAD.values(), *KNOWN_BAD_CONTENT.values()],
    ids=[*KNOWN_BAD, *KNOWN_BAD_CONTENT],
)
def test_the_checker_finds_what_the_renderer_would_never_emit(snippet):
    assert script_problems(snippet, fragment=True)
    page = f'<html><body><div class="markdown-body">{snippet}</div></body></html>'
    assert script_problems(page)


@pytest.mark.parametrize("snippet", KNOWN_BAD_STRUCTURE.values(), ids=KNOWN_BAD_STRUCTURE.keys())
def test_the_checker_finds_rendered_text_that_breaks_out_of_its_element(snippet):
    assert script_problems(snippet, fragment=True)


def test_the_checker_accepts_what_the_wiki_really_emits(client, auth, db_session, users):
    body = (
        '# Title\n\n## Part\n\nA [link](https://example.com "t"), [[Other page]], '
        "![img](/static/x.png), x[^1].\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n- [x] done\n\n"
        "```python\nprint(1)\n```\n\n[^1]: Note.\n"
    )
    create_page(db_session, users["editor"], "Benign", body, "", Limits(), tags="a, b")
    db_session.commit()
    auth.login("admin")
    for url in (
        "/wiki/benign",
        "/wiki/benign/history",
        "/wiki/benign/edit",
        "/-/pages",
        "/-/recent",
    ):
        reply = client.get(url)
        assert reply.status_code == 200, url
        assert script_problems(reply.get_data(as_text=True)) == [], url
    assert script_problems(render_markdown(body).html, fragment=True) == []


# --------------------------------------------------------------------------- pure rendering


@pytest.mark.parametrize("payload", CORPUS, ids=[payload.id for payload in CORPUS])
def test_rendered_payload_is_inert(payload):
    rendered = render_markdown(payload.text)
    assert script_problems(rendered.html, fragment=True) == []
    assert script_problems(rendered.toc_html, fragment=True) == []


def test_the_corpus_is_big_and_marked():
    assert len(CORPUS) >= 100
    assert len({payload.id for payload in CORPUS}) == len(CORPUS)
    assert all(MARKER in payload.text for payload in CORPUS)


# --------------------------------------------------------------------------- a wiki full of payloads

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
PAYLOADS_PER_PAGE = 4
"""Payloads share pages (each in its own revision, summary and tags) to keep requests few."""


def _one_line(text: str, limit: int) -> str:
    return " ".join(" ".join(_CONTROL.sub("", text).split())[:limit].split())


def _as_title(text: str) -> str:
    """``text`` without what titles refuse: invisible characters and words mixing scripts
    (tests/test_titles.py checks those refusals)."""
    while (hidden := textsafety.first_hidden_char(text)) is not None:
        text = text.replace(hidden, "")
    while (mixed := textsafety.first_mixed_script_word(text)) is not None:
        text = text.replace(mixed[0], "")
    return " ".join(text.split())


class HostilePage:
    """A few corpus payloads as one page: each is added in its own revision (so it is in
    the body, and is that revision's summary), all of them make the title and the tags, and
    a last revision changes the first line and adds a word to search for."""

    def __init__(self, index: int, payloads):
        self.payloads = payloads
        self.ids = [payload.id for payload in payloads]
        self.needle = f"needle{index:03d}"
        texts = [
            _CONTROL.sub("", payload.text) for payload in payloads
        ]  # clean_body refuses the rest
        self.refused = any(_CONTROL.search(payload.text) for payload in payloads)
        self.raw = "\n\n".join(payload.text for payload in payloads)
        cut = 190 // len(payloads) - 1  # titles have at most 200 characters
        self.title = _as_title(f"X{index:03d} {' '.join(_one_line(p.text, cut) for p in payloads)}")
        self.slug = slugify(self.title)
        per_payload = 20 // len(payloads)  # a page has at most 20 tags
        pieces = [
            tag[:50]
            for payload in payloads
            for tag in _one_line(payload.text, 400).split(",")[:per_payload]
        ]
        self.tags = ",".join(pieces)
        self.shown_tags = sorted({" ".join(tag.split()).casefold() for tag in pieces} - {""})
        first, _, rest = "\n\n".join(texts).partition("\n")
        searchable = " ".join(_one_line(payload.text, 200) for payload in payloads)
        self.revisions = [
            ("\n\n".join(texts[:n]), _one_line(payload.text, 480))
            for n, payload in enumerate(payloads, start=1)
        ]
        self.revisions.append(
            (
                f"{first} v2\n{rest}\n\n{self.needle} {searchable}\n",
                f"{self.needle} {searchable}"[:480],
            )
        )
        self.summaries = [" ".join(summary.split()) for _, summary in self.revisions]
        self.body = self.revisions[-1][0]
        self.conflicting = f"{first} mine\n{rest}"

    @property
    def url(self) -> str:
        return "/wiki/" + quote(self.slug)

    def __repr__(self) -> str:
        return "+".join(self.ids)


def hostile_pages(payloads=CORPUS, per_page: int = PAYLOADS_PER_PAGE) -> list[HostilePage]:
    return [
        HostilePage(i // per_page, payloads[i : i + per_page])
        for i in range(0, len(payloads), per_page)
    ]


def add_hostile_pages(session, editor, admin, hostile: list[HostilePage]) -> None:
    """Save ``hostile`` through the service layer, revision by revision, and commit."""
    for page in hostile:
        (body, summary), *later = page.revisions
        saved = create_page(session, editor, page.title, body, summary, Limits(), tags=page.tags)
        for number, (body, summary) in enumerate(later, start=1):
            author = admin if number % 2 else editor
            edit_page(session, author, saved.page, number, body, summary, Limits(), tags=page.tags)
        session.commit()


def _wiki_full_of_payloads(database_url, tmp_path):
    """An app whose pages carry every payload, its search index caught up, and a client
    logged in as an admin (who sees every control)."""
    app = make_app(database_url, tmp_path, PAGE_SIZE=1000)
    hostile = hostile_pages()
    with get_database(app).session() as session:
        editor = accounts.create_user(session, "editor", PASSWORD, Role.EDITOR)
        admin = accounts.create_user(session, "admin", PASSWORD, Role.ADMIN)
        session.commit()
        add_hostile_pages(session, editor, admin, hostile)
    with app.app_context():
        get_search().indexer.run_once()
    client = app.test_client()
    assert (
        client.post("/-/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    )
    return app, client, hostile


@pytest.fixture
def hostile_wiki(database_url, tmp_path):
    app, client, hostile = _wiki_full_of_payloads(database_url, tmp_path)
    yield app, client, hostile
    get_database(app).dispose()


class Findings:
    """Problems found across many answers, reported together at the end."""

    def __init__(self):
        self.problems: list[str] = []
        self.checked = 0

    def page(self, reply, where: str, *, status=200, marks: bool = False) -> str:
        """Check an HTML answer; a redirect must stay on the site (its body is not shown)."""
        statuses = status if isinstance(status, tuple) else (status,)
        text = reply.get_data(as_text=True)
        if reply.status_code not in statuses:
            self.problems.append(f"{where}: status {reply.status_code}, expected {status}")
        if 300 <= reply.status_code < 400:
            location = reply.headers.get("Location", "")
            if url_schemes(location) - {"http", "https"} or not (
                same_site(location) or location.startswith("http://localhost/")
            ):
                self.problems.append(f"{where}: redirects to {location[:80]!r}")
            return text
        self.checked += 1
        if reply.mimetype == "text/html":
            self.problems.extend(
                f"{where}: {problem}" for problem in script_problems(text, marks=marks)
            )
        else:
            self.problems.append(f"{where}: answered {reply.mimetype}, expected text/html")
        return text

    def fragment(self, text: str, where: str) -> None:
        self.checked += 1
        self.problems.extend(
            f"{where}: {problem}" for problem in script_problems(text, fragment=True)
        )

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.problems.append(what)

    def shown(self, text: str, user_text: str, where: str) -> None:
        """The user's text is in the answer, escaped: the place was really exercised."""
        self.expect(str(escape(user_text)) in text, f"{where}: does not show {user_text[:60]!r}")

    def assert_none(self) -> None:
        assert not self.problems, f"{len(self.problems)} problems:\n" + "\n".join(
            self.problems[:60]
        )


CLASH_FRAMES = (
    '<div class="conflict-block"><div class="conflict-side conflict-mine"><p class="conflict-label">Your version</p>',
    '</div><div class="conflict-side conflict-theirs"><p class="conflict-label">Saved meanwhile</p>',
    "</div></div>",
)


def _without_clash_frames(html: str) -> str:
    """The conflict preview's rendered pieces without the fixed markup framing each clash
    (which the fragment check would rightly refuse in rendered Markdown)."""
    for frame in CLASH_FRAMES:  # rendered Markdown has no <div> of its own
        assert html.count(frame) == 1, f"{frame!r} not once in the conflict preview"
        html = html.replace(frame, "")
    return html


def test_page_bodies_never_become_script(hostile_wiki):
    """Page view, first revision, inline, side-by-side and rendered diffs, blame, raw text,
    editor, a draft's offer and its resumed editor, JSON and form previews, conflict screen
    and refused saves: every payload."""
    _, client, hostile = hostile_wiki
    found = Findings()
    for page in hostile:
        where, last = repr(page), len(page.revisions)
        text = found.page(client.get(page.url), f"{where} page view")
        found.shown(text, page.title, f"{where} page view")
        for tag in page.shown_tags:
            found.shown(text, tag, f"{where} page view tags")
        found.page(client.get(f"{page.url}/rev/1"), f"{where} revision 1")
        diff = found.page(client.get(f"{page.url}/diff/1/{last}"), f"{where} diff")
        found.shown(diff, page.summaries[0], f"{where} diff")
        found.page(client.get(f"{page.url}/diff/1/{last}?view=side"), f"{where} side-by-side diff")
        rendered = found.page(
            client.get(f"{page.url}/diff/1/{last}?view=rendered"),
            f"{where} rendered diff",
            marks=True,
        )
        found.expect("rendered-diff" in rendered, f"{where}: the rendered diff shows no page")
        found.page(client.get(f"{page.url}/blame"), f"{where} blame")
        editor = found.page(client.get(f"{page.url}/edit"), f"{where} editor")
        found.shown(editor, page.body, f"{where} editor")
        # A draft of another text: the offer to resume it (its diff, summary and tags) and
        # the editor resuming it; then it is discarded.
        draft = {"body": page.conflicting, "base": str(last), "tags": page.tags}
        saved = client.post(f"{page.url}/draft", data={**draft, "summary": page.summaries[0]})
        found.expect(saved.status_code == 200, f"{where}: draft answered {saved.status_code}")
        offer = found.page(client.get(f"{page.url}/edit"), f"{where} draft offer")
        found.expect("unsaved draft" in offer, f"{where}: no draft offered")
        resumed = found.page(client.get(f"{page.url}/edit?draft=resume"), f"{where} resumed")
        found.shown(resumed, page.conflicting, f"{where} resumed draft")
        client.post(f"{page.url}/draft/discard")

        raw = client.get(f"{page.url}/rev/{last}/raw")
        found.expect(
            raw.mimetype == "text/plain"
            and raw.headers.get("X-Content-Type-Options") == "nosniff"
            and raw.get_data(as_text=True) == page.body,
            f"{where}: the raw view answered {raw.mimetype}, {dict(raw.headers)}",
        )

        for payload in page.payloads:
            preview = client.post("/-/preview", data={"body": payload.text})
            answer = preview.get_json() if preview.mimetype == "application/json" else {}
            if _CONTROL.search(payload.text):  # refused, with the reason
                found.expect(
                    preview.status_code == 400 and "error" in answer, f"{payload.id}: preview"
                )
            else:
                found.expect(
                    preview.status_code == 200 and "html" in answer, f"{payload.id}: preview"
                )
                found.fragment(answer.get("html", ""), f"{payload.id} JSON preview")
                found.fragment(answer.get("toc_html", ""), f"{payload.id} JSON preview contents")
                clash = (
                    f"{START_MARKER}\n{payload.text}\n{MID_MARKER}\n{payload.text}\n{END_MARKER}\n"
                )
                answer = client.post("/-/preview?conflicts=1", data={"body": clash}).get_json()
                found.fragment(
                    _without_clash_frames(answer["html"]), f"{payload.id} conflict preview"
                )

        form = {"title": page.raw, "body": page.raw, "action": "preview"}
        new_preview = client.post("/-/new", data=form)
        found.page(new_preview, f"{where} new page preview", status=400 if page.refused else 200)
        conflict = client.post(
            f"{page.url}/edit",
            data={
                "body": page.conflicting,
                "base": "1",
                "summary": page.summaries[0],
                "tags": page.tags,
            },
        )
        found.shown(
            found.page(conflict, f"{where} conflict screen", status=409), page.conflicting, where
        )
        if page.refused:
            form = {"body": page.raw, "base": str(last), "summary": "x"}
            refused = client.post(f"{page.url}/edit", data=form)
            found.shown(found.page(refused, f"{where} refused save", status=400), page.raw, where)
    found.assert_none()
    assert found.checked >= 9 * len(hostile) + len(CORPUS)


def test_titles_summaries_tags_and_snippets_never_become_script(hostile_wiki):
    """History, recent changes, contributions, all pages, the rename form, search results
    (titles, snippets, tags), title autocomplete, the search query and the title filter
    echoed back, and every other page of the site."""
    app, client, hostile = hostile_wiki
    found = Findings()
    listings = {
        "recent changes": "/-/recent",
        "contributions of editor": "/-/users/editor/contributions",
        "contributions of admin": "/-/users/admin/contributions",
        "all pages": "/-/pages",
    }
    for name, url in listings.items():
        text = found.page(client.get(url), name)
        missing = [page for page in hostile if str(escape(page.title)) not in text]
        found.expect(not missing, f"{name} does not list {missing[:3]}")
    recent = client.get("/-/recent").get_data(as_text=True)
    for page in hostile:
        for summary in page.summaries:
            found.shown(recent, summary, f"{page!r} recent changes")
    for number, page in enumerate(hostile):
        where = repr(page)
        text = found.page(client.get(f"{page.url}/history"), f"{where} history")
        for summary in page.summaries:
            found.shown(text, summary, f"{where} history")
        other = hostile[number - 1]
        taken = client.post(f"{page.url}/rename", data={"title": other.title, "summary": page.raw})
        found.shown(
            found.page(taken, f"{where} rename to a taken title", status=400), other.title, where
        )

        results = found.page(
            client.get("/-/search", query_string={"q": page.needle}), f"{where} search"
        )
        found.shown(results, page.title, f"{where} search results")
        found.expect(
            f"<mark>{page.needle}</mark>" in results, f"{where}: no snippet around {page.needle}"
        )
        for tag in page.shown_tags:
            found.shown(results, tag, f"{where} search result tags")

        prefix = page.title[:12]
        titles = client.get("/-/search/titles", query_string={"q": prefix})
        found.expect(
            titles.mimetype == "application/json", f"{where}: autocomplete is {titles.mimetype}"
        )
        found.expect(
            any(item["title"] == page.title for item in titles.get_json()),
            f"{where}: autocomplete for {prefix!r} does not give the title as plain data",
        )

        echoed = found.page(
            client.get("/-/search", query_string={"q": page.raw}), f"{where} search query"
        )
        if not page.refused:
            found.shown(echoed, page.raw[:1000], f"{where} search query")
        found.page(client.get("/-/pages", query_string={"q": page.raw}), f"{where} title filter")
    for rule in app.url_map.iter_rules():  # every other page that takes no argument
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            reply = client.get(rule.rule)
            if reply.status_code == 200 and reply.mimetype == "text/html":
                found.page(reply, f"site page {rule.rule}")
    found.assert_none()


def test_addresses_and_expired_forms_echo_user_text_inert(database_url, tmp_path):
    """Unknown page and user addresses, the login page's ``next``, and the page that gives
    back the text of a form whose CSRF token is missing: every payload."""
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True, ANONYMOUS_READ=True)
    try:
        with get_database(app).session() as session:  # once a wiki has accounts
            accounts.create_user(session, "admin", PASSWORD, Role.ADMIN)
            session.commit()
        client = app.test_client()
        found = Findings()
        for page in hostile_pages():
            where, address = repr(page), quote(page.raw, safe="")
            unknown_page = client.get(f"/wiki/{address}")
            found.page(unknown_page, f"{where} unknown page", status=(301, 302, 404))
            unknown_user = client.get(f"/-/users/{address}/contributions")
            found.page(unknown_user, f"{where} unknown user", status=(302, 308, 404))
            found.page(
                client.get("/-/login", query_string={"next": page.raw}), f"{where} login next"
            )
            expired = client.post("/-/new", data={"title": page.raw, "body": page.raw})
            found.shown(found.page(expired, f"{where} expired form", status=400), page.raw, where)
        found.assert_none()
    finally:
        get_database(app).dispose()


def test_hostile_usernames_are_refused_and_echoed_inert(app, client, auth, db_session, users):
    """User names are [A-Za-z0-9._-] only: the service and the admin form refuse anything
    else, and the form that says so shows the name as text."""
    for name in HOSTILE_USERNAMES:
        with pytest.raises(InvalidInput) as refused:
            accounts.create_user(db_session, name, PASSWORD, Role.EDITOR)
        assert "username" in refused.value.errors, name
        db_session.rollback()
    auth.login("admin")
    found = Findings()
    for name in HOSTILE_USERNAMES:
        reply = client.post(
            "/-/admin/users", data={"username": name, "password": PASSWORD, "role": "editor"}
        )
        text = found.page(reply, f"admin form with {name!r}", status=400)
        found.expect(
            f'value="{escape(name)}"' in text, f"the admin form does not give back {name!r}"
        )
    auth.logout()
    for name in HOSTILE_USERNAMES[:3]:
        reply = client.post("/-/login", data={"username": name, "password": PASSWORD})
        found.page(reply, f"login as {name!r}", status=401)
    found.assert_none()
    db_session.rollback()
    assert sorted(user.username for user in accounts.list_users(db_session)) == [
        "admin",
        "editor",
        "reader",
    ]


def test_jinja_syntax_in_user_text_is_not_evaluated(client, auth, db_session, users):
    payload = next(payload for payload in CORPUS if payload.id == "templates/jinja-config")
    create_page(
        db_session,
        users["editor"],
        "Template " + payload.text,
        payload.text,
        payload.text,
        Limits(),
    )
    db_session.commit()
    auth.login("reader")
    text = client.get("/wiki/" + slugify("Template " + payload.text)).get_data(as_text=True)
    assert text.count("{{ config.SECRET_KEY }}") >= 2  # title and body, as text
    assert "test-secret" not in text
