"""Security headers on every response: a strict Content-Security-Policy, nosniff, referrer
and framing rules, a minimal Permissions-Policy, and HSTS when the wiki is on HTTPS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import url_for

from wiki.access import security
from wiki.db import get_database

from .conftest import PASSWORD, make_app
from .helpers import rule_arguments

ROOT = Path(__file__).resolve().parent.parent

# Spelled out here, not imported: loosening the policy must fail this test.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
EXPECTED = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def missing_headers(response) -> dict:
    """The expected headers that ``response`` lacks or gets wrong."""
    wrong = {
        name: response.headers.get(name)
        for name, value in EXPECTED.items()
        if response.headers.get(name) != value
    }
    if "Strict-Transport-Security" in response.headers:
        wrong["Strict-Transport-Security"] = response.headers["Strict-Transport-Security"]
    return wrong


def every_url(app) -> list[str]:
    """One URL for each route of the app (each choice of an ``any`` part), with arguments
    that exist in the ``pages`` fixture."""
    values = {
        "slug": "policy",
        "username": "editor",
        "number": 1,
        "old": 1,
        "new": 2,
        "filename": "css/wiki.css",
        "key": "sample",
        "invite_id": 1,
        "token": "no-such-invite",
        "position": 0,
        "name": "plan.txt",
        "page_id": 1,
        "tag": "guide",
        "subscription_id": 1,
    }
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            for args in rule_arguments(rule, values):
                urls.append(url_for(rule.endpoint, **args))
    return sorted(urls)


def test_the_policy_allows_no_inline_script_style_or_eval():
    assert security.CONTENT_SECURITY_POLICY == CSP
    assert "unsafe" not in CSP
    directives = dict(part.split(" ", 1) for part in CSP.split("; "))
    assert directives["script-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == directives["object-src"] == "'none'"


@pytest.mark.parametrize("who", ["admin", "reader", None])
def test_every_route_answers_with_the_security_headers(app, client, pages, who):
    if who:
        assert (
            client.post("/-/login", data={"username": who, "password": PASSWORD}).status_code == 302
        )
    urls = every_url(app)
    assert len(urls) > 25  # every route, including the POST-only ones (they answer 405)

    answers = {url: client.get(url) for url in urls}
    for response in answers.values():
        response.close()  # static files are streamed from an open file

    wrong = {
        url: (r.status_code, missing_headers(r)) for url, r in answers.items() if missing_headers(r)
    }
    assert wrong == {}
    if who == "admin":  # the routes were really reached, not just redirected
        assert answers["/wiki/policy"].status_code == 200
        assert answers["/-/admin/users"].status_code == 200
        assert answers["/wiki/policy/rev/1/raw"].status_code == 200


def test_every_static_file_answers_with_the_security_headers(client):
    files = sorted(
        p.relative_to(ROOT / "static").as_posix()
        for p in (ROOT / "static").rglob("*")
        if p.is_file()
    )
    assert any(name.endswith(".js") for name in files) and any(
        name.endswith(".css") for name in files
    )
    for name in files:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert missing_headers(response) == {}, name
        response.close()


def test_error_pages_carry_the_security_headers(app, client, auth, pages):
    auth.login("editor")
    answers = {
        404: client.get("/-/no-such-thing"),
        403: client.get("/-/admin/users"),
        405: client.get("/-/logout"),
        413: client.post(
            "/-/new", data={"title": "Big", "body": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
        ),
    }
    stranger = app.test_client()
    for _ in range(5):
        stranger.post("/-/login", data={"username": "someone", "password": "wrong password"})
    answers[429] = stranger.post(
        "/-/login", data={"username": "someone", "password": "wrong password"}
    )
    for status, response in answers.items():
        assert response.status_code == status
        assert missing_headers(response) == {}, status


def test_a_refused_form_and_a_server_error_carry_the_security_headers(
    database_url, tmp_path, users
):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True, TESTING=False)

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/-/broken", "broken", broken)
    try:
        client = app.test_client()
        refused = client.post("/-/login", data={"username": "editor", "password": PASSWORD})
        assert refused.status_code == 400  # no CSRF token
        assert missing_headers(refused) == {}
        crashed = client.get("/-/broken")
        assert crashed.status_code == 500
        assert missing_headers(crashed) == {}
    finally:
        get_database(app).dispose()


def test_hsts_is_sent_only_when_the_wiki_is_on_https(database_url, tmp_path, users, monkeypatch):
    plain = make_app(database_url, tmp_path)
    monkeypatch.setenv("WIKI_SECURE_COOKIES", "1")
    secure = make_app(database_url, tmp_path)
    try:
        for url in ["/-/login", "/static/css/wiki.css", "/-/no-such-thing"]:
            with plain.test_client().get(url) as response:
                assert "Strict-Transport-Security" not in response.headers, url
            response = secure.test_client().get(url)
            response.close()
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000", url
            assert response.headers["Content-Security-Policy"] == CSP
    finally:
        get_database(plain).dispose()
        get_database(secure).dispose()


# --- what the policy needs from templates, scripts and rendered pages ---------------------------

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
_STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


def test_templates_have_no_inline_script_or_style():
    found = []
    for template in sorted((ROOT / "templates").glob("*.html")):
        text = template.read_text()
        for name, pattern in [
            ("inline script", _INLINE_SCRIPT),
            ("style attribute", _STYLE_ATTRIBUTE),
            ("style element", _STYLE_ELEMENT),
            ("event handler", _EVENT_HANDLER),
            ("javascript: URL", _JAVASCRIPT_URL),
        ]:
            found += [f"{template.name}: {name}: {m.group()!r}" for m in pattern.finditer(text)]
    assert found == []


def test_the_scripts_need_no_eval_and_set_no_style_attributes():
    found = []
    for script in sorted((ROOT / "static" / "js").glob("*.js")):
        text = script.read_text()
        for pattern in [
            r"\beval\(",
            r"new Function\(",
            r"set(?:Timeout|Interval)\(\s*['\"]",
            r"setAttribute\(\s*['\"](?:style|on[a-z]+)['\"]",
        ]:
            found += [f"{script.name}: {m.group()!r}" for m in re.finditer(pattern, text)]
    assert found == []


def test_the_pattern_checks_above_do_find_what_they_look_for():
    assert _INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not _INLINE_SCRIPT.search('<script src="/static/js/x.js" defer></script>')
    assert _STYLE_ATTRIBUTE.search('<p style="color:red">')
    assert _EVENT_HANDLER.search('<img src=x onerror="alert(1)">')
    assert not _EVENT_HANDLER.search('<a href="/wiki/on-call">')


def test_a_rendered_page_view_has_no_style_attributes(client, auth, pages, db_session, users):
    from tests.helpers import edit
    from wiki.content.pages import find_page

    page = find_page(db_session, "policy")[0]
    edit(
        db_session,
        users["editor"],
        page,
        "# Title\n\n```python\nprint('hi')\n```\n\n- [ ] task\n\nNote[^1]\n\n[^1]: foot\n\n"
        "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n[[Other page]] ~~old~~ https://example.org\n",
    )
    auth.login("reader")
    html = client.get("/wiki/policy").get_data(as_text=True)
    assert 'class="highlight"' in html and "<table>" in html  # the content is there
    assert not _STYLE_ATTRIBUTE.search(html)
    assert not _INLINE_SCRIPT.search(html)


def test_aligned_table_columns_are_rendered_without_style_attributes():
    from wiki.content.render import render_markdown

    html = render_markdown("| left | right |\n|:-----|------:|\n| a | b |\n").html
    assert not _STYLE_ATTRIBUTE.search(html)
    assert '<th class="align-right">' in html
