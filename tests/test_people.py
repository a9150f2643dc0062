"""People: profiles, one's own settings and password, time zones, invites."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from wiki.access import accounts, invites, people
from wiki.access.audit import AuditAction
from wiki.errors import InvalidInput, NotFound
from wiki.models import AuditEvent, Invite, LoginSession, Revision, Role, User

from .conftest import PASSWORD, make_app
from .helpers import make_page, stored

NEW_PASSWORD = "a brand new password"


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- profile settings (service) ---------------------------------------------------------


def test_a_profile_is_saved_cleaned_and_audited(db_session, users):
    editor = users["editor"]

    changed = people.update_profile(
        db_session, editor, "  Edna   Ditor ", " Edna@Example.com ", "Asia/Tokyo"
    )
    db_session.commit()

    assert changed
    assert (editor.display_name, editor.email, editor.email_key, editor.time_zone) == (
        "Edna Ditor",
        "Edna@Example.com",
        "edna@example.com",
        "Asia/Tokyo",
    )
    assert editor.shown_name == "Edna Ditor"
    assert _actions(db_session)[-1] == AuditAction.USER_PROFILE
    # Saving the same again changes nothing and records nothing.
    assert not people.update_profile(
        db_session, editor, "Edna Ditor", "Edna@Example.com", "Asia/Tokyo"
    )
    # Empty fields clear them: the username and the site's zone again.
    people.update_profile(db_session, editor, "", "", "")
    assert (editor.display_name, editor.email, editor.time_zone) == (None, None, None)
    assert editor.shown_name == "editor"


def test_bad_profile_fields_each_get_a_message_naming_what_was_typed(db_session, users):
    with pytest.raises(InvalidInput) as caught:
        people.update_profile(
            db_session, users["editor"], "evil\u202enimda", "not-an-address", "Mars/Olympus"
        )
    errors = caught.value.errors
    assert "invisible characters" in errors["display_name"]
    assert "“not-an-address” is not an e-mail address" in errors["email"]
    assert "“Mars/Olympus” is not a time zone" in errors["time_zone"]
    with pytest.raises(InvalidInput) as caught:
        people.update_profile(db_session, users["editor"], "x" * 101, "", "")
    assert "at most 100" in caught.value.errors["display_name"]


def test_an_address_belongs_to_one_account_whatever_its_case(db_session, users):
    people.update_profile(db_session, users["reader"], "", "Ana@Example.com", "")
    db_session.commit()

    with pytest.raises(InvalidInput) as caught:
        people.update_profile(db_session, users["editor"], "", "ana@EXAMPLE.com", "")

    assert caught.value.errors["email"] == (
        "The address ana@example.com is used by the account reader."
    )
    # The owner may change the case of their own address.
    assert people.update_profile(db_session, users["reader"], "", "ANA@example.com", "")


def test_a_missing_or_disabled_person_is_not_found(db_session, users):
    assert people.get_person(db_session, "EDITOR") is users["editor"]
    with pytest.raises(NotFound):
        people.get_person(db_session, "nobody")
    accounts.set_disabled(db_session, users["reader"], True)
    with pytest.raises(NotFound):
        people.get_person(db_session, "reader")


# --- local times ------------------------------------------------------------------------


def test_a_late_utc_time_is_the_next_day_in_tokyo():
    moment = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)

    assert people.local_time(moment, "Asia/Tokyo") == "2024-03-02 08:30 JST"
    assert people.local_time(moment, "Asia/Tokyo", "date") == "2024-03-02"
    assert people.local_time(moment, "UTC") == "2024-03-01 23:30 UTC"
    assert people.utc_iso(moment.astimezone(people.zone("Asia/Tokyo"))) == (
        "2024-03-01T23:30:00+00:00"
    )
    assert "Europe/Paris" in people.time_zone_choices()
    assert list(people.time_zone_choices()) == sorted(people.time_zone_choices())


def test_an_unknown_site_zone_stops_the_app_at_start(database_url, tmp_path):
    with pytest.raises(ValueError, match="WIKI_DEFAULT_TIME_ZONE"):
        make_app(database_url, tmp_path, DEFAULT_TIME_ZONE="Atlantis/Capital")


def _page_at_2330(app, db_session, users):
    page = make_page(db_session, users["editor"], "Policy", "Book trains.\n")
    db_session.execute(update(Revision).values(created_at=datetime(2024, 3, 1, 23, 30, tzinfo=UTC)))
    db_session.commit()
    return page


def test_dates_are_shown_in_the_viewers_zone_and_a_kept_page_view_follows_a_change(
    app, client, auth, db_session, users
):
    _page_at_2330(app, db_session, users)
    other_browser = app.test_client()
    auth.login("editor")
    other_browser.post("/-/login", data={"username": "editor", "password": PASSWORD})
    for browser in (client, other_browser):  # both now hold a kept view in UTC
        html = browser.get("/wiki/policy").get_data(as_text=True)
        assert '<time datetime="2024-03-01T23:30:00+00:00">2024-03-01 23:30 UTC</time>' in html

    response = client.post(
        "/-/account", data={"display_name": "", "email": "", "time_zone": "Asia/Tokyo"}
    )

    assert response.status_code == 302
    for browser in (client, other_browser):
        html = browser.get("/wiki/policy").get_data(as_text=True)
        assert '<time datetime="2024-03-01T23:30:00+00:00">2024-03-02 08:30 JST</time>' in html
    history = client.get("/wiki/policy/history").get_data(as_text=True)
    assert "2024-03-02 08:30 JST" in history
    assert "2024-03-02" in client.get("/-/pages").get_data(as_text=True)
    assert "2024-03-02" in client.get("/wiki/policy/blame").get_data(as_text=True)
    # Other people still see the site's zone.
    auth.logout()
    auth.login("reader")
    assert "2024-03-01 23:30 UTC" in client.get("/wiki/policy").get_data(as_text=True)


def test_visitors_see_the_sites_default_zone(database_url, tmp_path, db_session, users):
    app = make_app(
        database_url, tmp_path, ANONYMOUS_READ=True, DEFAULT_TIME_ZONE="America/New_York"
    )
    _page_at_2330(app, db_session, users)

    html = app.test_client().get("/wiki/policy").get_data(as_text=True)

    assert '<time datetime="2024-03-01T23:30:00+00:00">2024-03-01 18:30 EST</time>' in html


def test_a_new_display_name_shows_at_once_in_a_kept_page_view(app, client, auth, db_session, users):
    _page_at_2330(app, db_session, users)
    auth.login("reader")
    assert '<a dir="auto" href="/-/people/editor">editor</a>' in client.get(
        "/wiki/policy"
    ).get_data(as_text=True)

    editor = db_session.scalar(select(User).where(User.username == "editor"))
    people.update_profile(db_session, editor, "Edna Ditor", "", "")
    db_session.commit()

    html = client.get("/wiki/policy").get_data(as_text=True)
    assert '<a dir="auto" href="/-/people/editor">Edna Ditor</a>' in html


# --- the settings page ------------------------------------------------------------------


def test_the_settings_form_keeps_what_was_typed_with_the_messages(client, auth):
    auth.login("editor")
    assert 'value="Asia/Tokyo"' not in client.get("/-/account").get_data(as_text=True)

    response = client.post(
        "/-/account",
        data={"display_name": "Edna", "email": "edna at example", "time_zone": "Asia/Tokio"},
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Edna"' in html and 'value="edna at example"' in html
    assert '<option value="Asia/Tokio" selected>Asia/Tokio</option>' in html
    assert "is not an e-mail address" in html and "is not a time zone" in html


def test_changing_ones_password_needs_the_old_one_and_ends_the_other_sessions(
    app, client, auth, db_session
):
    auth.login("editor")
    laptop = app.test_client()
    laptop.post("/-/login", data={"username": "editor", "password": PASSWORD})
    hash_before = stored(app, "editor").password_hash

    wrong = client.post(
        "/-/account/password",
        data={"old_password": "guess", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert "That is not your current password." in wrong.get_data(as_text=True)
    differ = client.post(
        "/-/account/password",
        data={"old_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": "other"},
    )
    assert "The two new passwords differ." in differ.get_data(as_text=True)
    assert stored(app, "editor").password_hash == hash_before
    assert laptop.get("/-/account").status_code == 200

    changed = client.post(
        "/-/account/password",
        data={"old_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )

    assert changed.status_code == 302
    assert client.get("/-/account").status_code == 200  # this browser stays logged in
    assert laptop.get("/-/account").status_code == 302  # the other one is logged out
    db_session.expire_all()
    assert accounts.authenticate(db_session, "editor", NEW_PASSWORD) is not None
    event = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.actor_name, event.details) == (
        "user.password",
        "editor",
        {"own": True},
    )
    assert db_session.scalar(select(LoginSession.id).where(LoginSession.user_id == event.actor_id))


def test_wrong_current_passwords_are_limited_per_account(database_url, tmp_path, users):
    app = make_app(database_url, tmp_path, LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    client = app.test_client()
    client.post("/-/login", data={"username": "editor", "password": PASSWORD})
    wrong = {"old_password": "guess", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    statuses = [client.post("/-/account/password", data=wrong).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


# --- profiles ---------------------------------------------------------------------------


def test_a_profile_shows_the_person_and_their_recent_contributions(
    app, client, auth, db_session, users
):
    make_page(db_session, users["editor"], "Policy", "Book trains.\n")
    people.update_profile(db_session, users["editor"], "Edna Ditor", "edna@example.com", "")
    db_session.commit()
    auth.login("reader")

    html = client.get("/-/people/editor").get_data(as_text=True)

    assert "<h1>Edna Ditor</h1>" in html
    assert "<dd>editor</dd>" in html and "edna@example.com" in html
    assert 'id="groups-heading"' in html and "Not in any group." in html
    assert 'href="/wiki/policy"' in html
    assert 'href="/-/users/editor/contributions"' in html
    assert client.get("/-/people/nobody").status_code == 404
    # The menu leads to one's own profile and settings.
    assert 'href="/-/people/reader">My profile' in html and 'href="/-/account"' in html


def test_a_profile_lists_the_persons_groups_to_signed_in_people_only(
    more_apps, client, auth, db_session, users
):
    from wiki.access import groups

    team = groups.create_group(db_session, users["admin"], "finance", "Finance")
    groups.change_members(db_session, users["admin"], team, "add", "editor")
    db_session.commit()
    auth.login("reader")
    html = client.get("/-/people/editor").get_data(as_text=True)
    assert 'href="/-/groups/finance"' in html and ">Finance</a>" in html
    open_wiki = more_apps(ANONYMOUS_READ=True).test_client()
    anonymous = open_wiki.get("/-/people/editor").get_data(as_text=True)
    assert "Finance" not in anonymous and 'id="groups-heading"' not in anonymous


def test_a_disabled_persons_profile_is_not_found(app, client, auth, db_session, users):
    accounts.set_disabled(db_session, users["editor"], True)
    db_session.commit()
    auth.login("reader")
    assert client.get("/-/people/editor").status_code == 404


def test_profiles_need_a_login_unless_anonymous_reading_is_on(
    database_url, tmp_path, client, users, db_session
):
    response = client.get("/-/people/editor")
    assert response.status_code == 302 and "/-/login" in response.location
    people.update_profile(db_session, users["editor"], "", "edna@example.com", "")
    db_session.commit()
    open_app = make_app(database_url, tmp_path, ANONYMOUS_READ=True)

    html = open_app.test_client().get("/-/people/editor").get_data(as_text=True)

    assert "<dd>editor</dd>" in html
    assert "edna@example.com" not in html  # addresses are for colleagues who logged in


# --- invites ----------------------------------------------------------------------------


def test_an_invite_lifecycle_in_the_service(db_session, users):
    admin = users["admin"]

    made = invites.create_invite(db_session, admin, " New@Example.com ", "editor", days=7)
    db_session.commit()

    invite = made.invite
    assert invite.email == "New@Example.com" and invite.role == Role.EDITOR
    assert invite.token_hash == hashlib.sha256(made.token.encode()).hexdigest()
    assert made.token not in invite.token_hash
    assert invites.state_of(invite) == invites.InviteState.PENDING
    with pytest.raises(InvalidInput) as caught:
        invites.accept_invite(db_session, made.token, "newbie", PASSWORD, "different")
    assert "differ" in caught.value.errors["password_confirm"]
    db_session.rollback()

    user = invites.accept_invite(db_session, made.token, "newbie", PASSWORD, PASSWORD)
    db_session.commit()

    assert (user.role, user.email, user.email_key) == (
        Role.EDITOR,
        "New@Example.com",
        "new@example.com",
    )
    assert invites.state_of(invite) == invites.InviteState.USED and invite.used_by_id == user.id
    with pytest.raises(invites.InviteUnusable) as used:
        invites.accept_invite(db_session, made.token, "second", PASSWORD, PASSWORD)
    assert used.value.state == invites.InviteState.USED
    assert _actions(db_session)[-3:] == ["invite.create", "user.create", "invite.use"]


def test_invites_refuse_bad_input_and_taken_addresses(db_session, users):
    people.update_profile(db_session, users["reader"], "", "ana@example.com", "")
    with pytest.raises(InvalidInput) as caught:
        invites.create_invite(db_session, users["admin"], "ANA@example.com", "boss")
    assert "used by the account reader" in caught.value.errors["email"]
    assert "Unknown role 'boss'" in caught.value.errors["role"]
    with pytest.raises(InvalidInput) as caught:
        invites.create_invite(db_session, users["admin"], "x@example.com", "reader", ["Sales"])
    assert caught.value.errors == {"groups": "There is no group called “Sales”."}


def test_an_invite_brings_its_groups_and_their_access(app, client, db_session, users):
    from wiki.access import grants, groups
    from wiki.content import spaces
    from wiki.content.pages import Limits, create_page

    admin = users["admin"]
    sales = groups.create_group(db_session, admin, "sales", "Sales")
    space = spaces.create_space(db_session, admin, "deals", "Deals", open_to_signed_in=False)
    create_page(db_session, admin, "Pipeline", "Q4 deals.\n", "", Limits(), space=space)
    grants.set_grant(db_session, admin, space, "group", "sales", "read")
    made = invites.create_invite(db_session, admin, "sam@example.com", "reader", ["Sales"])
    db_session.commit()
    assert made.invite.groups == ["sales"]
    invites.accept_invite(db_session, made.token, "sam", PASSWORD, PASSWORD)
    db_session.commit()
    assert [m.username for m in groups.members(db_session, sales)] == ["sam"]
    event = _actions(db_session)[-2]
    assert event == "group.members_add"
    client.post("/-/login", data={"username": "sam", "password": PASSWORD})
    assert "Q4 deals." in client.get("/wiki/deals:pipeline").get_data(as_text=True)


def test_expired_and_revoked_invites_cannot_be_used(db_session, users):
    admin = users["admin"]
    expired = invites.create_invite(db_session, admin, "late@example.com", "reader")
    expired.invite.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    revoked = invites.create_invite(db_session, admin, "gone@example.com", "reader")
    invites.revoke_invite(db_session, admin, revoked.invite.id)
    db_session.commit()

    for made, state in ((expired, "expired"), (revoked, "revoked")):
        with pytest.raises(invites.InviteUnusable) as caught:
            invites.usable_invite(db_session, made.token)
        assert caught.value.state == state
    with pytest.raises(InvalidInput):
        invites.revoke_invite(db_session, admin, revoked.invite.id)
    with pytest.raises(invites.InviteUnusable) as caught:
        invites.usable_invite(db_session, "made-up")
    assert caught.value.state is None
    assert "invite.revoke" in _actions(db_session)


def _link_from(html: str) -> str:
    match = re.search(r'value="(http://localhost/-/invite/[^"]+)"', html)
    assert match, html
    return match.group(1).removeprefix("http://localhost")


def test_an_admin_invites_and_the_invitee_signs_up_once(app, client, auth, db_session):
    auth.login("admin")
    made = client.post("/-/admin/invites", data={"email": "new@example.com", "role": "editor"})
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    assert "shown only this once" in html
    link = _link_from(html)
    listing = client.get("/-/admin/invites").get_data(as_text=True)
    assert "new@example.com" in listing and "pending" in listing
    assert link not in listing  # the link is never shown again
    auth.logout()

    form = client.get(link)
    assert form.status_code == 200 and "new@example.com" in form.get_data(as_text=True)
    bad = client.post(
        link, data={"username": "bad name!", "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert bad.status_code == 400 and 'value="bad name!"' in bad.get_data(as_text=True)
    joined = client.post(
        link, data={"username": "newbie", "password": PASSWORD, "password_confirm": PASSWORD}
    )

    assert joined.status_code == 302
    home = client.get(joined.location, follow_redirects=True).get_data(as_text=True)
    assert "Welcome, newbie" in home  # and logged in
    assert stored(app, "newbie").role == Role.EDITOR
    again = app.test_client().get(link)
    assert again.status_code == 410
    assert "has been used already" in again.get_data(as_text=True)
    assert app.test_client().get("/-/invite/not-a-real-token").status_code == 404


def test_a_revoked_or_expired_link_answers_with_a_clear_message(app, client, auth, db_session):
    auth.login("admin")
    link = _link_from(
        client.post("/-/admin/invites", data={"email": "a@example.com", "role": "reader"}).get_data(
            as_text=True
        )
    )
    invite_id = db_session.scalar(select(Invite.id).where(Invite.email == "a@example.com"))
    db_session.rollback()
    assert client.post(f"/-/admin/invites/{invite_id}/revoke").status_code == 302
    gone = app.test_client().get(link)
    assert gone.status_code == 410 and "withdrawn" in gone.get_data(as_text=True)

    other = _link_from(
        client.post("/-/admin/invites", data={"email": "b@example.com", "role": "reader"}).get_data(
            as_text=True
        )
    )
    db_session.execute(
        update(Invite)
        .where(Invite.email == "b@example.com")
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    db_session.commit()
    late = app.test_client().post(
        other, data={"username": "late", "password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert late.status_code == 410 and "expired" in late.get_data(as_text=True)
    assert "expired" in client.get("/-/admin/invites").get_data(as_text=True)


def test_the_invite_form_keeps_the_typed_address_with_its_message(client, auth):
    auth.login("admin")
    response = client.post("/-/admin/invites", data={"email": "nobody@", "role": "reader"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="nobody@"' in html and "“nobody@” is not an e-mail address" in html


def test_readers_and_editors_cannot_invite(client, auth, db_session):
    for role in ("reader", "editor"):
        auth.login(role)
        response = client.post("/-/admin/invites", data={"email": "x@example.com", "role": "admin"})
        assert response.status_code == 403
        auth.logout()
    assert db_session.scalar(select(Invite.id)) is None
