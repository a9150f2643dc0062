"""Every route and method of the wiki, for every kind of visitor.

The table below is the access decision for each (endpoint, method) of the URL map. A new
route without a decision here fails ``test_every_route_has_an_access_decision``, so no
address can be added without deciding who may use it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from wiki.access import accounts, groups
from wiki.content import spaces
from wiki.content.pages import Limits, create_page
from wiki.models import Invite, Role, utcnow
from wiki.notify import subscriptions
from wiki.notify.mail import unsubscribe_token

from .conftest import PASSWORD, make_app

# Who may use a route. "public": everyone, signed in or not (the route itself decides
# what to show); the others follow the roles (see wiki/access/permissions.py).
PUBLIC, READ, WRITE, ADMIN = "public", "read", "write", "admin"
# Signed-in accounts only, whatever ANONYMOUS_READ says (who is in which group).
SIGNED_IN = "signed in"
# One's own settings: every signed-in account, never a visitor (even with anonymous reading).
OWN = "own"
VISITORS = ("anonymous", "disabled", "reader", "editor", "admin")
MAY = {
    PUBLIC: set(VISITORS),
    READ: {"reader", "editor", "admin"},
    SIGNED_IN: {"reader", "editor", "admin"},
    OWN: {"reader", "editor", "admin"},
    WRITE: {"editor", "admin"},
    ADMIN: {"admin"},
}


@dataclass(frozen=True)
class Route:
    level: str
    url: str
    data: dict | None = None
    # What a signed-in visitor who may not use it gets: 403, or 404 where even the
    # existence of the thing is hidden (deleted pages).
    refused: int = 403


SAMPLE_TOKEN = "sample-invite-token"
SAMPLE_INVITE_ID = 4242


def _seed_invite(session) -> None:
    """A pending invite whose link carries :data:`SAMPLE_TOKEN`."""
    now = utcnow()
    session.add(
        Invite(
            id=SAMPLE_INVITE_ID,  # far above the ids the sequence gives the invites made here
            token_hash=hashlib.sha256(SAMPLE_TOKEN.encode()).hexdigest(),
            email="invitee@example.com",
            role=Role.READER,
            groups=[],
            created_at=now,
            expires_at=now + timedelta(days=1),
        )
    )
    session.commit()


# The unsubscribe link of the account with id 1, signed with the tests' secret key.
_UNSUBSCRIBE = unsubscribe_token("test-secret", 1)

ROUTES: dict[tuple[str, str], Route] = {
    ("static", "GET"): Route(PUBLIC, "/static/css/wiki.css"),
    ("auth.setup", "GET"): Route(PUBLIC, "/-/setup"),
    ("auth.setup", "POST"): Route(
        PUBLIC, "/-/setup", {"username": "intruder", "password": PASSWORD}
    ),
    ("auth.login", "GET"): Route(PUBLIC, "/-/login"),
    ("auth.login", "POST"): Route(
        PUBLIC, "/-/login", {"username": "nobody", "password": "wrong password"}
    ),
    ("auth.logout", "POST"): Route(PUBLIC, "/-/logout"),
    ("pages.home", "GET"): Route(READ, "/"),
    ("pages.all_pages", "GET"): Route(READ, "/-/pages"),
    ("pages.view", "GET"): Route(READ, "/wiki/policy"),
    ("pages.edit", "GET"): Route(WRITE, "/wiki/policy/edit"),
    ("pages.edit", "POST"): Route(WRITE, "/wiki/policy/edit", {"body": "Walk.\n", "base": "2"}),
    # One's own draft of a page one may edit: kept, discarded, and who else is editing it.
    ("drafts.save", "POST"): Route(WRITE, "/wiki/policy/draft", {"body": "Run.\n", "base": "2"}),
    ("drafts.discard", "POST"): Route(WRITE, "/wiki/policy/draft/discard"),
    ("drafts.editing", "GET"): Route(WRITE, "/wiki/policy/editing"),
    ("spaces.directory", "GET"): Route(READ, "/-/spaces"),
    ("access.space", "GET"): Route(SIGNED_IN, "/-/spaces/main/access"),
    ("access.grant", "POST"): Route(
        ADMIN, "/-/spaces/main/access/grant", {"who": "group", "name": "sample", "level": "read"}
    ),
    ("access.page", "GET"): Route(SIGNED_IN, "/wiki/policy/access"),
    ("access.restrict", "POST"): Route(
        ADMIN, "/wiki/policy/access/restrict", {"kind": "read", "groups": "sample", "people": ""}
    ),
    ("spaces.space", "GET"): Route(READ, "/-/spaces/main"),
    ("spaces.lessons", "GET"): Route(READ, "/-/spaces/main/lessons"),
    ("actions.mine", "GET"): Route(OWN, "/-/actions"),
    ("notifications.index", "GET"): Route(OWN, "/-/notifications"),
    ("notifications.mark_read", "POST"): Route(OWN, "/-/notifications/read", {"all": "1"}),
    ("notifications.watching", "GET"): Route(OWN, "/-/watching"),
    ("notifications.stop", "POST"): Route(OWN, "/-/watching/stop", {"key": "tag:none"}),
    ("notifications.watch_tag", "POST"): Route(OWN, "/-/watching/tags", {"tag": "travel"}),
    ("notifications.settings", "POST"): Route(
        OWN, "/-/watching/settings", {"watch_own_edits": "1"}
    ),
    # Watching needs an account and a page (or space) one may read: everyone in the cast.
    ("notifications.watch_page", "POST"): Route(OWN, "/wiki/policy/watch", {"target": "page"}),
    ("notifications.watch_space", "POST"): Route(OWN, "/-/spaces/main/watch"),
    # The link of an e-mail: for anyone who has it (the signed token is the proof).
    ("help.index", "GET"): Route(READ, "/-/help"),
    ("notifications.space_subscriptions", "GET"): Route(ADMIN, "/-/spaces/main/subscriptions"),
    ("notifications.space_subscriptions", "POST"): Route(
        ADMIN, "/-/spaces/main/subscriptions", {"group": "sample", "frequency": "daily"}
    ),
    ("notifications.remove_space_subscription", "POST"): Route(
        ADMIN, "/-/spaces/main/subscriptions/{subscription}/remove"
    ),
    # Anyone signed in, for themselves (the cast is in the group "followers").
    ("notifications.follow_through_group", "POST"): Route(
        OWN, "/-/watching/groups/{subscription}", {"follow": "0"}
    ),
    ("notifications.unsubscribe", "GET"): Route(PUBLIC, f"/-/unsubscribe/{_UNSUBSCRIBE}"),
    ("notifications.unsubscribe", "POST"): Route(PUBLIC, f"/-/unsubscribe/{_UNSUBSCRIBE}"),
    ("notifications.mail_status", "GET"): Route(ADMIN, "/-/admin/mail"),
    ("reviews.page_review", "GET"): Route(READ, "/wiki/policy/review"),
    # The editor owns Policy (made it); readers may not edit it. Saving what is there already
    # changes nothing (so that other tests may send it again and again).
    ("reviews.page_review", "POST"): Route(
        WRITE, "/wiki/policy/review", {"action": "save", "owner": "editor", "every": "0"}
    ),
    ("reviews.site_dashboard", "GET"): Route(READ, "/-/reviews"),
    ("reviews.space_dashboard", "GET"): Route(READ, "/-/spaces/main/reviews"),
    ("actions.of_space", "GET"): Route(READ, "/-/spaces/main/actions"),
    ("actions.tick", "POST"): Route(WRITE, "/wiki/policy/tasks/0", {"base": "1", "done": "1"}),
    # Policy has the file plan.txt (two versions); "gone.txt" was deleted.
    ("files.page_files", "GET"): Route(READ, "/wiki/policy/files"),
    ("files.file_history", "GET"): Route(READ, "/wiki/policy/files/plan.txt"),
    # No file sent: the form answers with what is missing (nothing changes).
    ("files.upload", "POST"): Route(WRITE, "/wiki/policy/files", {"comment": "none"}),
    ("files.delete", "POST"): Route(WRITE, "/wiki/policy/files/plan.txt/delete"),
    # Space admins only; the deleted file is hidden from everyone else.
    ("files.undelete", "POST"): Route(ADMIN, "/wiki/policy/files/gone.txt/undelete", refused=404),
    ("files.restore", "POST"): Route(
        ADMIN, "/wiki/policy/files/plan.txt/restore", {"version": "1"}
    ),
    ("files.download", "GET"): Route(READ, "/-/pages/{policy}/files/plan.txt"),
    ("files.thumbnail", "GET"): Route(READ, "/-/pages/{policy}/thumbs/photo.png"),
    ("files.space_files", "GET"): Route(READ, "/-/spaces/main/files"),
    ("files.storage", "GET"): Route(ADMIN, "/-/admin/storage"),
    ("spaces.new", "GET"): Route(ADMIN, "/-/spaces/new"),
    ("spaces.new", "POST"): Route(ADMIN, "/-/spaces/new", {"key": "hr", "name": "People team"}),
    # Site admins and the space's own admins (nobody in the cast administers "main").
    ("spaces.edit", "GET"): Route(ADMIN, "/-/spaces/main/edit"),
    ("spaces.edit", "POST"): Route(
        ADMIN, "/-/spaces/main/edit", {"name": "Main", "description": "All of us.", "home": ""}
    ),
    ("pages.new", "GET"): Route(WRITE, "/-/new"),
    ("pages.new", "POST"): Route(WRITE, "/-/new", {"title": "Fresh page", "body": "New."}),
    ("pages.preview", "POST"): Route(WRITE, "/-/preview", {"body": "*hi*"}),
    ("pages.rename", "GET"): Route(WRITE, "/wiki/policy/rename"),
    ("pages.rename", "POST"): Route(WRITE, "/wiki/policy/rename", {"title": "Travel policy"}),
    # The preview of a move; its confirmation is among the VARIANTS.
    ("tree.move", "GET"): Route(WRITE, "/wiki/policy/move"),
    ("tree.move", "POST"): Route(
        WRITE, "/wiki/policy/move", {"space": "main", "parent": "Handbook"}
    ),
    ("pages.delete", "GET"): Route(ADMIN, "/wiki/policy/delete"),
    ("pages.delete", "POST"): Route(ADMIN, "/wiki/policy/delete", {"summary": "gone"}),
    ("pages.undelete", "GET"): Route(ADMIN, "/wiki/old-plan/undelete", refused=404),
    ("pages.undelete", "POST"): Route(
        ADMIN, "/wiki/old-plan/undelete", {"summary": "back"}, refused=404
    ),
    ("history.page_history", "GET"): Route(READ, "/wiki/policy/history"),
    ("history.revision", "GET"): Route(READ, "/wiki/policy/rev/1"),
    ("history.raw", "GET"): Route(READ, "/wiki/policy/rev/1/raw"),
    ("history.choose_diff", "GET"): Route(READ, "/wiki/policy/diff?from=1&to=2"),
    ("history.diff", "GET"): Route(READ, "/wiki/policy/diff/1/2"),
    ("history.blame", "GET"): Route(READ, "/wiki/policy/blame"),
    # The confirmation, with the changes; the POST names the revision current when it was shown.
    ("history.restore", "GET"): Route(ADMIN, "/wiki/policy/rev/1/restore"),
    ("history.restore", "POST"): Route(
        ADMIN, "/wiki/policy/rev/1/restore", {"current": "2", "reason": "back to trains"}
    ),
    ("history.recent", "GET"): Route(READ, "/-/recent"),
    # The feeds, read as the session's user ("guide" tags Handbook); feed tokens are
    # tried in test_feeds.
    ("feeds.site", "GET"): Route(READ, "/-/feeds/recent"),
    ("feeds.space", "GET"): Route(READ, "/-/feeds/spaces/main"),
    ("feeds.page", "GET"): Route(READ, "/-/feeds/pages/policy"),
    ("feeds.tag", "GET"): Route(READ, "/-/feeds/tags/guide"),
    ("feeds.person", "GET"): Route(READ, "/-/feeds/people/editor"),
    ("links.links_here", "GET"): Route(READ, "/wiki/policy/links"),
    ("links.orphans", "GET"): Route(READ, "/-/orphans"),
    ("links.wanted", "GET"): Route(READ, "/-/wanted"),
    ("links.tags", "GET"): Route(READ, "/-/tags"),
    ("history.contributions", "GET"): Route(READ, "/-/users/editor/contributions"),
    ("people.profile", "GET"): Route(READ, "/-/people/editor"),
    ("people.account", "GET"): Route(OWN, "/-/account"),
    ("people.account", "POST"): Route(
        OWN, "/-/account", {"display_name": "Someone", "email": "", "time_zone": "Asia/Tokyo"}
    ),
    # A wrong current password: the form answers, and nobody's sessions end.
    ("people.make_feed_token", "POST"): Route(OWN, "/-/account/feed-token"),
    ("people.revoke_feed_token", "POST"): Route(OWN, "/-/account/feed-token/revoke"),
    ("people.change_password", "POST"): Route(
        OWN,
        "/-/account/password",
        {"old_password": "not it", "password": PASSWORD, "password_confirm": PASSWORD},
    ),
    ("admin.invites_page", "GET"): Route(ADMIN, "/-/admin/invites"),
    ("admin.invites_page", "POST"): Route(
        ADMIN, "/-/admin/invites", {"email": "new@example.com", "role": "reader"}
    ),
    ("admin.revoke_invite", "POST"): Route(ADMIN, f"/-/admin/invites/{SAMPLE_INVITE_ID}/revoke"),
    # The first visitor uses the invite up; the others are told it is used.
    ("auth.accept_invite", "GET"): Route(PUBLIC, f"/-/invite/{SAMPLE_TOKEN}"),
    ("auth.accept_invite", "POST"): Route(
        PUBLIC,
        f"/-/invite/{SAMPLE_TOKEN}",
        {"username": "invitee", "password": PASSWORD, "password_confirm": PASSWORD},
    ),
    ("admin.users", "GET"): Route(ADMIN, "/-/admin/users"),
    ("admin.users", "POST"): Route(
        ADMIN, "/-/admin/users", {"username": "newbie", "password": PASSWORD, "role": "editor"}
    ),
    ("admin.change_user", "POST"): Route(ADMIN, "/-/admin/users/subject/role", {"role": "editor"}),
    ("admin.audit", "GET"): Route(ADMIN, "/-/admin/audit"),
    ("admin.search_settings", "GET"): Route(ADMIN, "/-/admin/search"),
    ("admin.search_settings", "POST"): Route(
        ADMIN, "/-/admin/search", {"synonyms": "PTO, paid time off, vacation"}
    ),
    ("search.search_shortcut", "GET"): Route(READ, "/search?q=trains"),
    ("search.results", "GET"): Route(READ, "/-/search?q=trains"),
    ("search.titles", "GET"): Route(READ, "/-/search/titles?q=po"),
    ("groups.index", "GET"): Route(SIGNED_IN, "/-/groups"),
    ("groups.view", "GET"): Route(SIGNED_IN, "/-/groups/sample"),
    ("groups.new", "GET"): Route(ADMIN, "/-/groups/new"),
    ("groups.new", "POST"): Route(ADMIN, "/-/groups/new", {"key": "fresh", "name": "Fresh"}),
    ("groups.edit", "GET"): Route(ADMIN, "/-/groups/sample/edit"),
    ("groups.edit", "POST"): Route(ADMIN, "/-/groups/sample/edit", {"name": "Renamed"}),
    ("groups.delete", "GET"): Route(ADMIN, "/-/groups/sample/delete"),
    ("groups.delete", "POST"): Route(ADMIN, "/-/groups/sample/delete"),
    # Nobody in the cast manages "sample": only the admin may change its members.
    ("groups.members", "POST"): Route(
        ADMIN, "/-/groups/sample/members/add", {"usernames": "editor", "confirm": "yes"}
    ),
    ("groups.manager", "POST"): Route(ADMIN, "/-/groups/sample/managers/subject/grant"),
}

# The other values of routes with a fixed set of choices, each checked like the first.
VARIANTS = {
    ("links.orphans", "GET"): [Route(READ, "/-/orphans?space=main")],
    ("admin.change_user", "POST"): [
        Route(ADMIN, "/-/admin/users/subject/password", {"password": "a brand new password"}),
        Route(ADMIN, "/-/admin/users/subject/disable"),
        Route(ADMIN, "/-/admin/users/subject/enable"),
    ],
    ("groups.members", "POST"): [
        Route(ADMIN, "/-/groups/sample/members/add", {"usernames": "reader"}),  # the preview
        Route(ADMIN, "/-/groups/sample/members/remove", {"usernames": "subject"}),
        Route(ADMIN, "/-/groups/sample/members/remove", {"usernames": "subject", "confirm": "yes"}),
    ],
    ("groups.manager", "POST"): [Route(ADMIN, "/-/groups/sample/managers/subject/revoke")],
    # The editor moves the page; the admin is then told it is there already (a form answer).
    ("tree.move", "POST"): [
        Route(WRITE, "/wiki/policy/move", {"space": "main", "parent": "Handbook", "confirm": "yes"})
    ],
    ("access.grant", "POST"): [
        Route(
            ADMIN,
            "/-/spaces/main/access/grant",
            {"who": "group", "name": "sample", "level": "edit", "confirm": "yes"},
        )
    ],
    ("access.restrict", "POST"): [
        Route(
            ADMIN,
            "/wiki/policy/access/restrict",
            {"kind": "edit", "groups": "sample", "people": "", "confirm": "yes"},
        )
    ],
}


def _routes_of(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_access_decision(app):
    routes = _routes_of(app)
    assert routes - ROUTES.keys() == set(), "routes without an access decision in ROUTES"
    assert ROUTES.keys() - routes == set(), "decisions for routes that no longer exist"
    # Each sample address really reaches the route it stands for.
    adapter = app.url_map.bind("localhost")
    for (endpoint, method), route in ROUTES.items():
        for sample in [route, *VARIANTS.get((endpoint, method), [])]:
            assert adapter.match(urlsplit(_address(sample)).path, method=method)[0] == endpoint


def _outcome(response) -> str:
    """What a visitor got: "login" (sent to log in), "refused" (403/404) or "served".

    A 401 is the login form answering a wrong password: served.
    """
    status = response.status_code
    assert status < 500, response.get_data(as_text=True)[:500]
    if status in (301, 302, 303) and urlsplit(response.location).path == "/-/login":
        return "login"
    if status in (403, 404):
        return f"refused {status}"
    return "served"


def _client_for(app, visitor: str):
    client = app.test_client()
    if visitor == "anonymous":
        return client
    username = "former" if visitor == "disabled" else visitor
    response = client.post("/-/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302 and urlsplit(response.location).path != "/-/login"
    return client


_IDS: dict[str, int] = {
    "policy": 1,
    "subscription": 1,
}  # ids of the cast's pages, for addresses holding them


def _address(route: Route) -> str:
    return route.url.format(**_IDS)


def _handbook(session, users) -> None:
    """ "Handbook", tagged "guide" (a tag with a feed)."""
    create_page(session, users["editor"], "Handbook", "Read this.\n", "", Limits(), tags="guide")


@pytest.fixture
def cast(app, db_session, users, pages, policy_files):
    """Every kind of visitor; "former" is an admin who was signed in, then disabled.

    Account changes are tried on "subject", so they end nobody's session in the cast; it is
    also the one member of the group "sample". Moves put "Policy" under "Handbook".
    """
    _IDS["policy"] = policy_files.id
    _handbook(db_session, users)
    accounts.create_user(db_session, "former", PASSWORD, Role.ADMIN)
    accounts.create_user(db_session, "subject", PASSWORD, Role.READER)
    sample = groups.create_group(db_session, users["admin"], "sample", "Sample")
    groups.change_members(db_session, users["admin"], sample, "add", "subject")
    # "followers" (the cast) follows the space Main: each may opt out of it.
    followers = groups.create_group(db_session, users["admin"], "followers", "Followers")
    groups.change_members(db_session, users["admin"], followers, "add", "reader editor admin")
    main = spaces.get_space(db_session, "main")
    _IDS["subscription"] = subscriptions.subscribe_group(
        db_session, users["admin"], main, "followers", "weekly"
    ).id
    db_session.commit()
    _seed_invite(db_session)
    clients = {visitor: _client_for(app, visitor) for visitor in VISITORS}
    accounts.set_disabled(db_session, accounts.get_user(db_session, "former"), True)
    db_session.commit()
    return clients


def _got(client, route: Route, method: str) -> str:
    with client.open(_address(route), method=method, data=route.data) as response:
        outcome = _outcome(response)
    # Public routes may lead to the login page themselves (logging out, a finished setup).
    return "served" if route.level == PUBLIC and outcome == "login" else outcome


def _expected(route: Route, visitor: str) -> str:
    if visitor in MAY[route.level]:
        return "served"
    if visitor in ("anonymous", "disabled"):
        return "login"
    return f"refused {route.refused}"


@pytest.mark.parametrize(("endpoint", "method"), sorted(ROUTES), ids=lambda v: v)
def test_each_visitor_gets_exactly_the_access_decided(cast, endpoint, method):
    # Visitors in order of rising power, so a change made by one (an admin deleting the
    # page) cannot hide what a weaker one would have been allowed to do.
    for route in [ROUTES[endpoint, method], *VARIANTS.get((endpoint, method), [])]:
        got = {visitor: _got(cast[visitor], route, method) for visitor in VISITORS}
        assert got == {visitor: _expected(route, visitor) for visitor in VISITORS}, route.url


def test_with_anonymous_reading_on_visitors_may_read_but_nothing_more(
    database_url, tmp_path, users, pages, policy_files, db_session
):
    _IDS["policy"] = policy_files.id
    _handbook(db_session, users)
    _seed_invite(db_session)
    app = make_app(database_url, tmp_path, ANONYMOUS_READ=True)
    client = app.test_client()
    for (_endpoint, method), route in sorted(ROUTES.items()):
        # A deleted page is hidden from visitors, as from signed-in non-admins.
        hidden = "refused 404" if route.refused == 404 else "login"
        expected = "served" if route.level in (PUBLIC, READ) else hidden
        assert _got(client, route, method) == expected, route.url


@pytest.mark.parametrize(
    "url",
    [
        "/wiki/a%00b",
        "/wiki/a%00b/history",
        "/wiki/a%00b/blame",
        "/-/users/a%00b/contributions",
        "/-/people/a%00b",
        "/-/invite/a%00b",
        "/wiki/policy/rev/1%00",
    ],
)
def test_a_nul_in_an_address_is_simply_not_found(client, auth, pages, url):
    auth.login("reader")
    assert client.get(url).status_code == 404
