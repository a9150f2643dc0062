"""A page a person may not read does not exist for them, anywhere.

Each page carries a canary word of its own in its text and another in its title. As each
kind of visitor, the test crawls every GET route of the URL map (taken from the app, so a
new route is covered by construction) with every page's address, revision numbers, user
names and search queries filled in, and asserts:

- no canary of a page the visitor may not read appears in any byte of any response (the
  title canary is allowed only in an answer to an address that the visitor typed with it);
- an unreadable page's addresses answer exactly like a missing page's (same status, same
  body once the two addresses are swapped);
- every page the visitor may read is reachable, and found by its canary.

Today the pages a reader may not read are the deleted ones (admins see them, to undelete
them), and every page when anonymous reading is off; spaces and grants add more.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from itertools import product

import pytest

from tests.helpers import make_page
from wiki.access import accounts
from wiki.content.pages import Limits, delete_page, edit_page
from wiki.db import get_database
from wiki.models import Role
from wiki.search.runtime import get_search

from .conftest import PASSWORD, make_app

VISITORS = ("anonymous", "reader", "editor", "admin")
REVISION_NUMBERS = (1, 2, 3)


@dataclass(frozen=True)
class CanaryPage:
    title: str
    slug: str
    title_canary: str
    body_canary: str
    deleted: bool


def _canary() -> str:
    return "cnry" + secrets.token_hex(5)


@pytest.fixture
def world(database_url, tmp_path):
    """Users, live and deleted pages with canaries (two revisions each), and the index."""
    app = make_app(database_url, tmp_path, ANONYMOUS_READ=True)
    database = get_database(app)
    made: list[CanaryPage] = []
    with database.session() as session:
        people = {
            role.value: accounts.create_user(session, role.value, PASSWORD, role) for role in Role
        }
        session.commit()
        for number in range(6):
            deleted = number >= 4
            title_canary, body_canary = _canary(), _canary()
            title = f"Notes {title_canary}"
            page = make_page(session, people["editor"], title, f"First {body_canary}.\n")
            edit_page(
                session,
                people["editor"],
                page,
                1,
                f"First {body_canary}.\nSecond line.\n",
                "more",
                Limits(),
            )
            if deleted:
                delete_page(session, people["admin"], page, "gone")
            session.commit()
            made.append(CanaryPage(title, page.slug, title_canary, body_canary, deleted))
    with app.app_context():
        get_search().indexer.run_once()
    yield app, made
    database.dispose()


def _client(app, visitor: str):
    client = app.test_client()
    if visitor != "anonymous":
        response = client.post("/-/login", data={"username": visitor, "password": PASSWORD})
        assert response.status_code == 302, visitor
    return client


def _may_read(visitor: str, page: CanaryPage) -> bool:
    return not page.deleted or visitor == "admin"


def _fill(app, rule, page_slugs: list[str], usernames: list[str]) -> list[str]:
    """Every address of ``rule`` with its variables taken from the world."""
    choices = {
        "slug": page_slugs,
        "username": usernames,
        "old": [REVISION_NUMBERS[0]],  # one diff per page, not every pair
        "new": [REVISION_NUMBERS[-1]],
        "number": list(REVISION_NUMBERS),
        "filename": ["css/wiki.css"],
        "key": ["main", "no-such-space"],
        "token": ["no-such-invite"],
        "invite_id": [1],
    }
    unknown = set(rule.arguments) - set(choices)
    assert not unknown, f"the canary crawl does not know how to fill {unknown} of {rule}"
    names = sorted(rule.arguments)
    adapter = app.url_map.bind("localhost")
    return [
        adapter.build(rule.endpoint, dict(zip(names, values, strict=True)))
        for values in product(*(choices[name] for name in names))
    ]


def _crawl_addresses(app, made: list[CanaryPage]) -> list[str]:
    slugs = [page.slug for page in made] + ["no-such-page"]
    usernames = [role.value for role in Role] + ["nobody"]
    addresses = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        addresses += _fill(app, rule, slugs, usernames)
    # Every search and suggestion form, with every canary and title prefix.
    for page in made:
        for word in (page.body_canary, page.title_canary, page.title_canary[:7]):
            addresses += [
                f"/-/search?q={word}",
                f"/-/search?q={word}&exactly=1",
                f"/-/search/titles?q={word}",
                f"/search?q={word}",
                f"/-/pages?q={word}",
            ]
        # A typo of the canary: did-you-mean and corrections must not offer it.
        typo = page.body_canary[:-1] + ("x" if page.body_canary[-1] != "x" else "y")
        addresses += [f"/-/search?q={typo}", f"/-/search?q={typo}&exactly=1"]
    return addresses


@pytest.mark.parametrize("visitor", VISITORS)
def test_no_response_holds_a_canary_of_a_page_the_visitor_may_not_read(world, visitor):
    app, made = world
    client = _client(app, visitor)
    hidden = [page for page in made if not _may_read(visitor, page)]
    leaks = []
    for address in _crawl_addresses(app, made):
        body = client.get(address).get_data()
        lowered = body.lower()
        for page in hidden:
            # A canary may come back only in an answer to an address typed with it (the
            # search box and the login redirect echo what was asked).
            for canary in (page.body_canary, page.title_canary):
                if canary.encode() in lowered and canary not in address:
                    leaks.append((address, canary))
    assert not leaks


def _swap(text: str, page: CanaryPage, missing_canary: str) -> str:
    # The missing page's address is the hidden one's with another canary: swapping the
    # canaries swaps the addresses, however they are written (slug, title, query string).
    return text.replace(page.title_canary, missing_canary)


def _fresh_get(client, address: str):
    """GET ``address`` with no message left waiting from an earlier answer (a redirect to
    the login page leaves one, which the next page would show)."""
    with client.session_transaction() as session:
        session.pop("_flashes", None)
    return client.get(address)


@pytest.mark.parametrize("visitor", ["anonymous", "reader", "editor"])
def test_an_unreadable_page_answers_exactly_like_a_missing_one(world, visitor):
    app, made = world
    client = _client(app, visitor)
    differences = []
    for page in (p for p in made if not _may_read(visitor, p)):
        missing_canary = "cnry" + "0" * 10
        missing_slug = page.slug.replace(page.title_canary, missing_canary)
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or "slug" not in rule.arguments:
                continue
            for address in _fill(app, rule, [page.slug], ["editor"]):
                hidden = _fresh_get(client, address)
                missing = _fresh_get(client, address.replace(page.slug, missing_slug))
                hidden_body = _swap(hidden.get_data(as_text=True), page, missing_canary)
                # Tokens that differ per response (CSRF, nonces) are not information.
                normalise = re.compile(r'(nonce|csrf_token|value)="[^"]*"')
                if hidden.status_code != missing.status_code or normalise.sub(
                    "", hidden_body
                ) != normalise.sub("", missing.get_data(as_text=True)):
                    differences.append((address, hidden.status_code, missing.status_code))
    assert not differences


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_page_the_visitor_may_read_is_reachable_and_found(world, visitor):
    app, made = world
    client = _client(app, visitor)
    for page in (p for p in made if _may_read(visitor, p)):
        response = client.get(f"/wiki/{page.slug}")
        assert response.status_code == 200, page.slug
        assert page.body_canary in response.get_data(as_text=True)
        if not page.deleted:  # search covers live pages only, for everyone
            found = client.get(f"/-/search?q={page.body_canary}").get_data(as_text=True)
            assert f'href="/wiki/{page.slug}"' in found, (visitor, page.slug)


def test_with_anonymous_reading_off_a_visitor_reads_nothing(database_url, tmp_path, world):
    app, made = world
    closed = make_app(database_url, tmp_path, ANONYMOUS_READ=False)
    try:
        client = closed.test_client()
        for address in _crawl_addresses(closed, made):
            body = client.get(address).get_data().lower()
            for page in made:
                for canary in (page.body_canary, page.title_canary):
                    assert canary.encode() not in body or canary in address, address
    finally:
        get_database(closed).dispose()
