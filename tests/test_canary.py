"""A page a person may not read does not exist for them, anywhere.

Each page carries a canary word of its own in its text and another in its title. As each
kind of visitor, the test crawls every GET route of the URL map (taken from the app, so a
new route is covered by construction) with every page's address, revision numbers, user
names and search queries (with their filters, old text and order) filled in, and
asserts:

- no canary of a page the visitor may not read appears in any byte of any response (the
  title canary is allowed only in an answer to an address that the visitor typed with it);
- an unreadable page's addresses answer exactly like a missing page's (same status, same
  body once the two addresses are swapped);
- every page the visitor may read is reachable, and found by its canary.

Every page view lists related pages: the plain world's pages are deleted after their lists
were worked out, so the lists of readable pages name deleted ones; in the random worlds
they name restricted pages and pages of spaces a visitor does not see (a test checks that
some list does, so the crawl proves they are left out).

Two worlds: a plain one (the pages a reader may not read are the deleted ones, and every
page when anonymous reading is off), and random ones of spaces, groups, memberships,
grants, page trees, restrictions and deleted pages, where who may read what is worked out
here by a small oracle of its own (not by the permission module under test). The people
the pages' action items name are notified while they may read them (given the items, then
reminded that they are overdue), before pages are restricted or deleted: the notification
list, the bell and the mail composed afterwards must follow. The random worlds are crawled
again right after an access change, with every cache warm: no kept answer may serve the
old access.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from itertools import product

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from tests.helpers import TINY_PNG, make_page
from wiki.access import accounts, feed_tokens
from wiki.content.pages import Limits, delete_page, edit_page
from wiki.db import get_database
from wiki.files.attachments import Upload, upload_files
from wiki.files.storage import DatabaseStore
from wiki.models import MailMessage, Page, RelatedPage, Role, SpaceSubscription, User, utcnow
from wiki.notify import compose, subscriptions
from wiki.notify.mail import MailSettings, still_wanted
from wiki.ops.notifier import handle_pending, remind_due

from .conftest import PASSWORD, make_app
from .test_search import search_now

VISITORS = ("anonymous", "reader", "editor", "admin")
REVISION_NUMBERS = (1, 2, 3)


@dataclass(frozen=True)
class CanaryPage:
    title: str
    slug: str
    title_canary: str
    body_canary: str
    deleted: bool
    readers: frozenset[str] = frozenset()  # who may read it (the plain world: by rule)


TEAMS = ("alpha", "beta")


def _action_items(canary: str) -> str:
    # Due yesterday: overdue, and recent enough for the worker to remind their owners.
    due = (utcnow().date() - timedelta(days=1)).isoformat()
    return "".join(f"- [ ] @{who} {due} Do {canary}\n" for who in VISITORS if who != "anonymous")


def _file_word(body_canary: str) -> str:
    """A word only the page's document holds (search finds it in the file's text alone):
    made from the body canary, without containing it."""
    return "docw" + body_canary[4:]


def _old_word(body_canary: str) -> str:
    """A word only text removed from the page holds (search finds it with "include
    history" alone): made from the body canary, without containing it."""
    return "oldw" + body_canary[4:]


def _attach(session, author, page, title_canary: str, body_canary: str) -> None:
    """A document and a picture on ``page``, named by its title canary; the document holds
    its body canary and a word of its own: files of a page, and their text, are as hidden
    as the page."""
    upload_files(
        session,
        DatabaseStore(),
        author,
        page,
        [
            Upload(
                f"Doc {title_canary}.txt",
                f"Text {body_canary}\nOnly here: {_file_word(body_canary)}\n".encode(),
            ),
            Upload(f"Pic {title_canary}.png", TINY_PNG),
        ],
        comment=f"Comment {body_canary}",
    )


def _file_names(made: list[CanaryPage]) -> list[str]:
    return [
        name
        for page in made
        for name in (f"Doc {page.title_canary}.txt", f"Pic {page.title_canary}.png")
    ]


def _canary() -> str:
    return "cnry" + secrets.token_hex(5)


class Made(list):
    """The pages of a world, with its spaces (key, name canary, who may see it) and, for
    the random worlds, the oracle that says who may read what."""

    def __init__(self, pages=(), spaces=(), oracle=None):
        super().__init__(pages)
        self.spaces: list[tuple[str, str, frozenset[str]]] = list(spaces)
        self.oracle: Oracle | None = oracle
        self.feed_tokens: dict[str, str] = {}  # visitor -> their feed token


def _make_feed_tokens(database, made: Made) -> None:
    """A feed token for each signed-in visitor: their feeds are crawled with it too."""
    with database.session() as session:
        for visitor in VISITORS:
            if visitor != "anonymous":
                user = accounts.get_user(session, visitor)
                made.feed_tokens[visitor] = feed_tokens.make_token(session, user)
        session.commit()


def _plain_world(app, database) -> Made:
    made = Made()
    with database.session() as session:
        people = {
            role.value: accounts.create_user(session, role.value, PASSWORD, role) for role in Role
        }
        session.commit()
        first = None
        for number in range(6):
            deleted = number >= 4
            title_canary, body_canary = _canary(), _canary()
            title = f"Notes {title_canary}"
            first = first or title
            # A line the edit below removes: old text, found only with "include history".
            page = make_page(
                session,
                people["editor"],
                title,
                f"First {body_canary}.\nOld {_old_word(body_canary)} notes.\n",
            )
            # Every page links to the first (which everyone reads) and to a missing page,
            # and has a tag, named by its own canary: what links here, orphaned and wanted
            # pages and the tag index must show them only to the page's readers.
            edit_page(
                session,
                people["editor"],
                page,
                1,
                f"First {body_canary}.\nSecond line.\n"
                f"[[{first}|the first notes]], [[Wish {body_canary}]].\n\n"
                # Action items of every cast member, overdue: lists of them must not leak.
                + _action_items(body_canary),
                "more",
                Limits(),
                tags=body_canary,
            )
            _attach(session, people["editor"], page, title_canary, body_canary)
            # The worker tells the people the action items mention (the reader, the admin)
            # now; the page's deletion must then hide what they were told.
            session.commit()
            remind_due(database)
            handle_pending(database)
            readers = frozenset({"admin"} if deleted else VISITORS)
            made.append(CanaryPage(title, page.slug, title_canary, body_canary, deleted, readers))
        # Every page links to the first, so each is related to it: the first page's list of
        # related pages, worked out while all were live, names the pages deleted now.
        search_now(app)
        for page in made:
            if page.deleted:
                gone = session.scalars(select(Page).where(Page.slug == page.slug)).one()
                delete_page(session, people["admin"], gone, "gone")
        session.commit()
    return made


# --- the random worlds, and an oracle of their own ------------------------------------------

LEVELS = {"read": 1, "edit": 2, "admin": 3}
CEILING = {"anonymous": 1, "reader": 1, "editor": 3}


@dataclass
class Oracle:
    """Who may read what in a random world, from the world's own record of what it made:
    the rules as the README states them, worked out independently of the wiki's code."""

    members: dict[str, set[str]]  # visitor -> groups
    grants: dict[str, dict[str, str]]  # space key -> subject -> level
    parents: dict[str, str | None]  # page slug -> parent slug
    spaces_of: dict[str, str]  # page slug -> space key
    restricted: dict[str, set[str]]  # page slug -> subjects that keep reading
    deleted: set[str]

    def subjects(self, visitor: str) -> set[str]:
        if visitor == "anonymous":
            return {"anonymous"}
        groups = {f"group:{name}" for name in self.members.get(visitor, set())}
        return {"anonymous", "signed_in", f"user:{visitor}"} | groups

    def level(self, visitor: str, space: str) -> int:
        if visitor == "admin":
            return 3
        held = [
            LEVELS[level] if subject != "anonymous" else 1
            for subject, level in self.grants.get(space, {}).items()
            if subject in self.subjects(visitor)
        ]
        return min(max(held), CEILING[visitor]) if held else 0

    def may_read(self, visitor: str, slug: str) -> bool:
        if visitor == "admin":
            return True
        level = self.level(visitor, self.spaces_of[slug])
        if level == 3:
            return True  # a space's admins pass its restrictions and see its deleted pages
        if level == 0 or slug in self.deleted:
            return False
        mine = self.subjects(visitor)
        current: str | None = slug
        while current is not None:
            if current in self.restricted and not self.restricted[current] & mine:
                return False
            current = self.parents[current]
        return True

    def readers(self, slug: str) -> frozenset[str]:
        return frozenset(v for v in VISITORS if self.may_read(v, slug))

    def sees_space(self, visitor: str, space: str) -> bool:
        return self.level(visitor, space) > 0


def _random_world(app, database, seed: int) -> Made:
    from wiki.access import grants, groups, restrictions
    from wiki.access.restrictions import refresh_scopes
    from wiki.content import spaces
    from wiki.content.pages import create_page

    rng = random.Random(seed)
    subjects = ["signed_in", "anonymous", "group:alpha", "group:beta", "user:reader", "user:editor"]
    with database.session() as session:
        people = {
            role.value: accounts.create_user(session, role.value, PASSWORD, role) for role in Role
        }
        admin = people["admin"]
        members: dict[str, set[str]] = {"reader": set(), "editor": set()}
        for team in TEAMS:
            group = groups.create_group(session, admin, team, team.title())
            joining = [v for v in ("reader", "editor") if rng.random() < 0.6]
            if joining:
                groups.change_members(session, admin, group, "add", " ".join(joining))
            for visitor in joining:
                members[visitor].add(team)
        oracle = Oracle(
            members, {"main": {"signed_in": "edit", "anonymous": "read"}}, {}, {}, {}, set()
        )
        made = Made(oracle=oracle)
        for number in range(3):
            name_canary = _canary()
            key = f"s{number}{secrets.token_hex(2)}"
            space = spaces.create_space(
                session, admin, key, f"Space {name_canary}", open_to_signed_in=False
            )
            oracle.grants[key] = {}
            for subject in rng.sample(subjects, rng.randint(0, 3)):
                level = "read" if subject == "anonymous" else rng.choice(list(LEVELS))
                kind, _, name = subject.partition(":")
                who = {
                    "signed_in": "signed_in",
                    "anonymous": "anonymous",
                    "group": "group",
                    "user": "user",
                }[kind]
                grants.set_grant(session, admin, space, who, name, level)
                oracle.grants[key][subject] = level
            # A group follows the space: its members hear of the pages they may read,
            # and their list of what they follow names only spaces they may see.
            subscriptions.subscribe_group(session, admin, space, rng.choice(TEAMS), "weekly")
            made.spaces.append((key, name_canary, frozenset()))
            in_space: list = []
            for _ in range(4):
                title_canary, body_canary = _canary(), _canary()
                title = f"Notes {title_canary}"
                # A link to a missing page and a tag, named by the page's canary.
                body = f"First {body_canary}.\n[[Wish {body_canary}]]\n\n" + _action_items(
                    body_canary
                )
                page = create_page(
                    session,
                    admin,
                    title,
                    f"Old {_old_word(body_canary)} notes.\n" + body,
                    "",
                    Limits(),
                    tags=body_canary,
                    space=space,
                ).page
                # Its first line removed: old text, found only with "include history".
                edit_page(session, admin, page, 1, body, "trim", Limits(), tags=body_canary)
                _attach(session, admin, page, title_canary, body_canary)
                parent = rng.choice(in_space) if in_space and rng.random() < 0.6 else None
                if parent is not None:
                    page.parent_id = parent.id
                    refresh_scopes(session, [page.id])
                oracle.parents[page.slug] = parent.slug if parent is not None else None
                oracle.spaces_of[page.slug] = key
                in_space.append(page)
                made.append(CanaryPage(title, page.slug, title_canary, body_canary, False))
            # Those the action items mention hear of the pages while they may read them;
            # the restrictions and deletions below must hide what they were told.
            session.commit()
            remind_due(database)
            handle_pending(database)
            for page in rng.sample(in_space, 2):
                named = rng.sample(["alpha", "beta"], rng.randint(0, 2))
                people_named = rng.sample(["reader", "editor"], rng.randint(0, 1))
                if not named and not people_named:
                    continue
                restrictions.set_restriction(
                    session, admin, page, "read", " ".join(named), " ".join(people_named)
                )
                oracle.restricted[page.slug] = {f"group:{n}" for n in named} | {
                    f"user:{n}" for n in people_named
                }
            if rng.random() < 0.5:
                gone = rng.choice(in_space)
                delete_page(session, admin, gone, "gone")
                oracle.deleted.add(gone.slug)
            # A live page links to its live parent, whom every reader of the page may read:
            # the parent's "what links here" may show the page only to the page's readers.
            for page in in_space:
                parent = oracle.parents[page.slug]
                if page.slug in oracle.deleted or parent is None or parent in oracle.deleted:
                    continue
                above = next(p for p in in_space if p.slug == parent)
                body = f"{page.current.body}[[{above.title}|up]]\n"
                edit_page(session, admin, page, page.latest_number, body, "up", Limits())
            session.commit()
    _settle(made)
    return made


def _settle(made: Made) -> None:
    """Write the oracle's answers into the world's pages and spaces."""
    oracle = made.oracle
    assert oracle is not None
    for position, page in enumerate(made):
        made[position] = CanaryPage(
            page.title,
            page.slug,
            page.title_canary,
            page.body_canary,
            page.slug in oracle.deleted,
            oracle.readers(page.slug),
        )
    made.spaces = [
        (key, canary, frozenset(v for v in VISITORS if oracle.sees_space(v, key)))
        for key, canary, _seen in made.spaces
    ]


@pytest.fixture(params=["plain", "spaces-1", "spaces-2"])
def world(request, database_url, tmp_path):
    """Users, pages with canaries (live and deleted; in random worlds, in spaces with
    grants, trees and restrictions), and the index."""
    app = make_app(database_url, tmp_path, ANONYMOUS_READ=True)
    database = get_database(app)
    if request.param == "plain":
        made = _plain_world(app, database)
    else:
        made = _random_world(app, database, seed=int(request.param.rpartition("-")[2]))
    _make_feed_tokens(database, made)
    search_now(app)  # the pages, and the text of their files
    yield app, made
    database.dispose()


def _client(app, visitor: str):
    client = app.test_client()
    if visitor != "anonymous":
        response = client.post("/-/login", data={"username": visitor, "password": PASSWORD})
        assert response.status_code == 302, visitor
    return client


def _may_read(visitor: str, page: CanaryPage) -> bool:
    return visitor in page.readers


def _fill(
    app,
    rule,
    page_slugs: list[str],
    usernames: list[str],
    space_keys: list[str] = (),
    file_names: list[str] = (),
    page_ids: list[int] = (),
    tags: list[str] = (),
) -> list[str]:
    """Every address of ``rule`` with its variables taken from the world."""
    choices = {
        "name": [*file_names, "none.txt"],
        "page_id": [*page_ids, 999_999],
        "slug": page_slugs,
        "username": usernames,
        "old": [REVISION_NUMBERS[0]],  # one diff per page, not every pair
        "new": [REVISION_NUMBERS[-1]],
        "number": list(REVISION_NUMBERS),
        "filename": ["css/wiki.css"],
        "key": ["main", "no-such-space", *space_keys],
        "token": ["no-such-invite"],
        "invite_id": [1],
        "tag": [*tags, "no-such-tag"],
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
    with get_database(app).session() as session:
        page_ids = list(session.scalars(select(Page.id).where(Page.slug.in_(slugs))))
    names = _file_names(made)
    addresses = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if {"slug", "name"} <= set(rule.arguments):  # a page's own file: not every pairing
            for page in made:
                addresses += _fill(app, rule, [page.slug], usernames, (), _file_names([page]))
            continue
        keys = [key for key, *_ in made.spaces]
        # Every page is tagged with its body canary.
        tags = [page.body_canary for page in made]
        addresses += _fill(app, rule, slugs, usernames, keys, names, page_ids, tags)
    # The orphaned pages of each space.
    addresses += [f"/-/orphans?space={key}" for key, *_ in made.spaces]
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
        # The word only the page's file holds, searched everywhere and in files only.
        file_word = _file_word(page.body_canary)
        addresses += [
            f"/-/search?q={file_word}",
            f"/-/search?q=in:files+{file_word}",
            f"/-/search?q=in:files+{file_word}&exactly=1",
        ]
        # Text removed from the page, and the page's words, with old text included; the
        # facets of every results page list spaces, tags and authors of what was found.
        old_word = _old_word(page.body_canary)
        addresses += [
            f"/-/search?q={old_word}&history=1",
            f"/-/search?q=type:history+{old_word}",
            f"/-/search?q={page.body_canary}&history=1&sort=date",
            f"/-/search?f=type:history&f=tag:{page.body_canary}",
            f"/-/search?q=notes&f=tag:{page.body_canary}&history=1",
            "/-/search?q=notes&f=type:file&history=1",
        ]
        # The new-page form naming the page as the parent of the new one.
        addresses += [f"/-/new?parent={page.slug}", f"/-/new?space=main&parent={page.slug}"]
        # A typo of the canary: did-you-mean and corrections must not offer it.
        typo = page.body_canary[:-1] + ("x" if page.body_canary[-1] != "x" else "y")
        addresses += [f"/-/search?q={typo}", f"/-/search?q={typo}&exactly=1"]
    # Starting a new page from each page (page ids count up from 1): "Copy this page" of a
    # page the visitor may not read offers nothing of it.
    for page_id in range(1, len(made) + 3):
        addresses += [
            f"/-/new?template=page:{page_id}",
            f"/-/new?space=main&template=page:{page_id}",
        ]
    return addresses


@pytest.mark.parametrize("visitor", VISITORS)
def test_no_response_holds_a_canary_of_a_page_the_visitor_may_not_read(world, visitor):
    app, made = world
    client = _client(app, visitor)
    assert not _leaks(app, made, client, visitor)


def _leaks(app, made: Made, client, visitor: str) -> list[tuple[str, str]]:
    """Every (address, canary) where a response shows a canary of a page or space hidden
    from ``visitor``."""
    hidden = [
        canary
        for page in made
        if not _may_read(visitor, page)
        for canary in (page.body_canary, page.title_canary, _file_word(page.body_canary))
    ] + [canary for _key, canary, seen in made.spaces if visitor not in seen]
    leaks = []
    crawl = [(client, address) for address in _crawl_addresses(app, made)]
    token = made.feed_tokens.get(visitor)
    if token is not None:
        # The visitor's feeds again, read by a feed reader (no login) with their token.
        reader = app.test_client()
        crawl += [
            (reader, f"{address}?token={token}")
            for _client, address in crawl
            if address.startswith("/-/feeds/")
        ]
    for getter, address in crawl:
        lowered = getter.get(address).get_data().lower()
        for canary in hidden:
            # A canary may come back only in an answer to an address typed with it (the
            # search box and the login redirect echo what was asked).
            if canary.encode() in lowered and canary not in address:
                leaks.append((address, canary))
    return leaks


def test_the_crawl_reaches_related_pages_that_name_pages_hidden_from_their_viewer(world):
    """The page views the crawl reads list related pages, and some page a visitor may read
    has a list naming a page hidden from them (deleted, restricted, or in a space they do
    not see): the crawl proves that such pages are left out, titles and all."""
    app, made = world
    by_slug = {page.slug: page for page in made}
    listed = aliased(Page)
    with get_database(app).session() as session:
        pairs = session.execute(
            select(Page.slug, listed.slug)
            .join(RelatedPage, RelatedPage.page_id == Page.id)
            .join(listed, listed.id == RelatedPage.related_page_id)
        ).all()
    assert pairs
    hidden = {
        (visitor, slug, other)
        for slug, other in pairs
        for visitor in VISITORS
        if _may_read(visitor, by_slug[slug]) and not _may_read(visitor, by_slug[other])
    }
    assert hidden, "no list names a page hidden from a visitor of its page"


def test_no_mail_about_to_go_out_tells_anyone_of_a_page_they_may_not_read(world):
    """The cast, with addresses and mail at once (and the groups' digests of the spaces due),
    was told of pages before they were restricted or deleted; the worker composes that mail
    now. Every message it would send holds canaries only of pages its reader may read."""
    app, made = world
    database = get_database(app)
    settings = MailSettings.from_config(app.config, "canary-secret")
    with database.session(write=True) as session:
        for name in ("reader", "editor", "admin"):
            person = accounts.get_user(session, name)
            person.email, person.email_frequency = f"{name}@example.com", "immediate"
        session.execute(
            update(SpaceSubscription).values(digest_through=utcnow() - timedelta(days=8))
        )
        session.commit()
        assert compose.compose_due(session, settings) > 0  # the cast was told of pages
        session.commit()
    with database.session() as session:
        names = {user_id: name for user_id, name in session.execute(select(User.id, User.username))}
        messages = [
            row for row in session.scalars(select(MailMessage)) if still_wanted(session, row)
        ]
    assert messages
    for row in messages:
        visitor = names[row.user_id]
        hidden = [
            canary
            for page in made
            if not _may_read(visitor, page)
            for canary in (page.body_canary, page.title_canary)
        ] + [canary for _key, canary, seen in made.spaces if visitor not in seen]
        text = f"{row.subject}\n{row.body}".lower()
        assert [canary for canary in hidden if canary in text] == [], (visitor, row.subject)


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
        # Every address naming the page: in the path, or as the parent of a new page.
        addresses = [f"/-/new?parent={page.slug}", f"/-/new?space=main&parent={page.slug}"]
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and "slug" in rule.arguments:
                addresses += _fill(app, rule, [page.slug], ["editor"], (), _file_names([page]))
        for address in addresses:
            hidden = _fresh_get(client, address)
            # The page's files are named by its title canary too.
            missing_address = address.replace(page.slug, missing_slug)
            missing = _fresh_get(client, missing_address.replace(page.title_canary, missing_canary))
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
            # The text of its file, read by the indexer, finds it too, naming the file.
            in_file = client.get(f"/-/search?q=in:files+{_file_word(page.body_canary)}")
            assert f'href="/wiki/{page.slug}"' in in_file.get_data(as_text=True), page.slug
            assert f"Doc {page.title_canary}.txt" in in_file.get_data(as_text=True)
            # Its removed line is found with old text included, and only then.
            old_word = _old_word(page.body_canary)
            old = client.get(f"/-/search?q={old_word}&history=1").get_data(as_text=True)
            assert f'href="/wiki/{page.slug}/diff/1/2"' in old, (visitor, page.slug)
            assert f'href="/wiki/{page.slug}"' not in client.get(
                f"/-/search?q={old_word}&exactly=1"
            ).get_data(as_text=True)
    # The feed of recent changes lists every page the visitor may read (the worlds have
    # fewer changes than a feed holds), read in a browser or with their feed token.
    feeds = [client.get("/-/feeds/recent").get_data(as_text=True)]
    if visitor in made.feed_tokens:
        token = made.feed_tokens[visitor]
        feeds.append(app.test_client().get(f"/-/feeds/recent?token={token}").get_data(as_text=True))
    for feed in feeds:
        for page in (p for p in made if _may_read(visitor, p)):
            assert f"Notes {page.title_canary}" in feed, (visitor, page.slug)


def test_with_anonymous_reading_off_a_visitor_reads_nothing(database_url, tmp_path, world):
    app, made = world
    closed = make_app(database_url, tmp_path, ANONYMOUS_READ=False)
    try:
        client = closed.test_client()
        for address in _crawl_addresses(closed, made):
            body = client.get(address).get_data().lower()
            for page in made:
                for canary in (page.body_canary, page.title_canary, _file_word(page.body_canary)):
                    assert canary.encode() not in body or canary in address, address
    finally:
        get_database(closed).dispose()


@pytest.mark.parametrize("visitor", ["reader", "editor"])
def test_right_after_an_access_change_no_kept_answer_serves_the_old_access(world, visitor):
    """Open every space to the visitor by name and crawl (every cache warm), then take
    away every grant that names them, their groups or everyone, and crawl again."""
    from wiki.access import grants
    from wiki.content import spaces

    app, made = world
    oracle = made.oracle
    if oracle is None:
        pytest.skip("the plain world has no grants to change")
    database = get_database(app)
    client = _client(app, visitor)

    def change(levels: dict[str, str]) -> None:
        with database.session() as session:
            admin = accounts.get_user(session, "admin")
            for key, *_ in made.spaces:
                space = spaces.get_space(session, key)
                for subject, level in levels.items():
                    kind, _, name = subject.partition(":")
                    grants.set_grant(session, admin, space, kind, name, level)
                    if level == "none":
                        oracle.grants[key].pop(subject, None)
                    else:
                        oracle.grants[key][subject] = level
            session.commit()
        _settle(made)

    change({f"user:{visitor}": "read"})
    opened = {page.slug for page in made if _may_read(visitor, page)}
    assert opened, "the visitor can read nothing: the test would prove nothing"
    assert not _leaks(app, made, client, visitor)
    mine = oracle.subjects(visitor) - {"anonymous"}
    change({subject: "none" for subject in sorted(mine | {"anonymous"})})
    assert not any(_may_read(visitor, page) for page in made)  # every page is in those spaces
    assert not _leaks(app, made, client, visitor)
