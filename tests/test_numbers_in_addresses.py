"""Numbers in addresses are range-checked, so none reaches the database beyond what its
columns hold (SQLite raised OverflowError past 2**63: a 500).

* Every ``<int:...>`` part of every route, taken from the URL map (a new numeric route is
  covered by construction), answers 404 for numbers above 2**31 - 1, the largest id or
  revision number, and for huge digit strings; the largest number itself reaches the
  database and is simply not found.
* Every numeric query or form parameter a view reads (found in the views' code, so a new
  one is covered too) treats such a value, or one that is not a number, exactly as if it
  were absent: same status, same redirect, the typed text kept.
"""

from __future__ import annotations

import inspect
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from .helpers import rule_arguments, snapshot
from .test_access_matrix import ROUTES

LARGEST = 2**31 - 1
TOO_LARGE = [str(2**31), str(2**63), str(2**64), "9" * 30, "9" * 5000]
NOT_NUMBERS = ["", "-1", "+1", "1.0", "1e3", " 1", "0x1", "²", "١", "１"]
# Sample values of the other parts of routes; "number" and the like are set by the tests.
SAMPLES = {
    "slug": "policy",
    "username": "editor",
    "filename": "css/wiki.css",
    "name": "plan.txt",
    "key": "main",
}
_PART = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_NUMERIC_PARAMETER = re.compile(r"\bint_(arg|field)\(\s*\"([^\"]+)\"")


def _numeric_routes(app):
    """(rule, method, names of its numeric parts) for every route with a number in it."""
    found = []
    for rule in app.url_map.iter_rules():
        numeric = [
            name
            for name, converter in rule._converters.items()
            if isinstance(converter, IntegerConverter)
        ]
        if numeric:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule, method, numeric))
    return found


def _address(rule, values: dict) -> str:
    return _PART.sub(lambda part: str(values[part.group(1)]), rule.rule)


@pytest.fixture
def admin(client, auth, pages, policy_files):
    """The admin's browser: every route lets it through to the number."""
    auth.login("admin")
    client.policy_id = policy_files.id  # addresses of the sample files hold it
    return client


def test_the_url_map_has_numeric_routes_to_check(app):
    # The other tests would pass vacuously if the walk found nothing.
    endpoints = {rule.endpoint for rule, _method, _names in _numeric_routes(app)}
    assert {"history.revision", "history.raw", "history.diff", "history.restore"} <= endpoints


def test_numbers_too_large_for_an_id_are_not_found_in_any_route(app, admin):
    before = snapshot(app)
    for rule, method, numeric in _numeric_routes(app):
        for args in rule_arguments(rule, SAMPLES | dict.fromkeys(numeric, 1)):
            for name in numeric:
                for value in TOO_LARGE:
                    url = _address(rule, args | {name: value})
                    response = admin.open(url, method=method)
                    assert response.status_code == 404, (method, url[:120])
    assert snapshot(app) == before


def test_the_largest_id_reaches_the_database_and_is_not_found(app, admin):
    before = snapshot(app)
    for rule, method, numeric in _numeric_routes(app):
        for args in rule_arguments(rule, SAMPLES | dict.fromkeys(numeric, 1)):
            for name in numeric:
                url = _address(rule, args | {name: LARGEST})
                response = admin.open(url, method=method)
                assert response.status_code == 404, (method, url)
                assert "There is nothing at this address" not in response.get_data(as_text=True)
    assert snapshot(app) == before


def _numeric_parameters(app) -> list[tuple[str, str, str, str]]:
    """(endpoint, method, "arg" or "field", name) for every number a view reads from the
    query string (``int_arg``) or the form (``int_field``)."""
    found = []
    for endpoint, view in app.view_functions.items():
        source = inspect.getsource(view)
        for kind, name in _NUMERIC_PARAMETER.findall(source):
            for method in ("GET", "POST"):
                if (endpoint, method) in ROUTES and (kind == "arg" or method == "POST"):
                    found.append((endpoint, method, kind, name))
    return found


def _request(client, endpoint, method, kind, name, value):
    """The access-matrix sample request of the route, with ``name`` set to ``value``
    (left out when None)."""
    route = ROUTES[endpoint, method]
    url, data = route.url.format(policy=client.policy_id), dict(route.data or {})
    if kind == "arg":
        query = [(key, item) for key, item in parse_qsl(urlsplit(url).query) if key != name]
        if value is not None:
            query.append((name, value))
        url = urlsplit(url).path + ("?" + urlencode(query) if query else "")
    else:
        data.pop(name, None)
        if value is not None:
            data[name] = value
    return client.open(url, method=method, data=data or None)


def test_the_views_read_the_known_numeric_parameters(app):
    found = {(endpoint, name) for endpoint, _method, _kind, name in _numeric_parameters(app)}
    assert {
        ("history.page_history", "before"),
        ("history.recent", "after"),
        ("history.contributions", "before"),
        ("history.choose_diff", "from"),
        ("history.choose_diff", "to"),
        ("admin.audit", "after"),
        ("search.results", "page"),
        ("pages.edit", "base"),
        ("files.download", "version"),
        ("files.restore", "version"),
    } <= found


def test_a_numeric_parameter_out_of_range_or_malformed_counts_as_absent(app, admin):
    before = snapshot(app)
    for endpoint, method, kind, name in _numeric_parameters(app):
        absent = _request(admin, endpoint, method, kind, name, None)
        assert absent.status_code < 500
        for value in TOO_LARGE + NOT_NUMBERS:
            response = _request(admin, endpoint, method, kind, name, value)
            label = (endpoint, method, name, value[:20])
            assert response.status_code == absent.status_code, label
            assert response.location == absent.location, label
            typed = (ROUTES[endpoint, method].data or {}).get("body")
            if typed and response.status_code == 400:
                assert typed in response.get_data(as_text=True), label
    assert snapshot(app) == before


@pytest.mark.parametrize("value", [str(2**31), str(2**63), str(2**64), "9" * 5000])
def test_choosing_a_diff_with_a_revision_out_of_range_asks_for_two_revisions(admin, value):
    response = admin.get(f"/wiki/policy/diff?from=1&to={value}", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/wiki/policy/history"
    assert "Pick two revisions to compare." in response.get_data(as_text=True)


def test_a_save_from_a_form_with_a_base_out_of_range_keeps_the_text(app, admin):
    before = snapshot(app)
    response = admin.post(
        "/wiki/policy/edit", data={"body": "My careful words.\n", "base": str(2**63)}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The edit form is out of date; reload the page." in html
    assert "My careful words." in html
    assert snapshot(app) == before


@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize("value", [str(2**31), str(2**64), "9" * 5000, "99999-01-01"])
def test_an_audit_date_that_is_a_huge_number_is_refused_with_a_message(admin, field, value):
    response = admin.get("/-/admin/audit", query_string={field: value})
    assert response.status_code == 400
    assert "is not a date: write it as yyyy-mm-dd" in response.get_data(as_text=True)
