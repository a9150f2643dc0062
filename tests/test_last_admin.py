"""The wiki always keeps an active admin, whichever way a change arrives: the user list
(the admin's own row included), the command line, or two admins at the same moment."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from wiki.access import accounts
from wiki.db import get_database
from wiki.errors import InvalidInput
from wiki.models import Role, User

from .conftest import PASSWORD, Auth
from .test_conflicts import _run_concurrently

NEEDS_AN_ADMIN = "The wiki needs at least one active admin."


def active_admins(app) -> list[str]:
    with get_database(app).session() as session:
        return sorted(
            session.scalars(
                select(User.username).where(User.role == Role.ADMIN, User.disabled.is_(False))
            )
        )


def set_account(app, username: str, **values) -> None:
    """Change an account directly in the database (arranging a test, not under test)."""
    with get_database(app).session(write=True) as session:
        session.execute(update(User).where(User.username == username).values(**values))
        session.commit()


def browser_of(app, username: str):
    browser = app.test_client()
    assert Auth(browser).login(username).status_code == 302
    return browser


@pytest.fixture
def deputy(app, users, db_session):
    """A second admin, "deputy"."""
    accounts.create_user(db_session, "deputy", PASSWORD, Role.ADMIN)
    db_session.commit()
    return "deputy"


STEP_DOWN = [("role", {"role": "editor"}), ("role", {"role": "reader"}), ("disable", {})]


@pytest.mark.parametrize("change, form", STEP_DOWN)
def test_the_only_active_admin_cannot_step_down_on_their_own_row_beside_a_disabled_admin(
    app, deputy, change, form
):
    set_account(app, deputy, disabled=True)
    response = browser_of(app, "admin").post(
        f"/-/admin/users/admin/{change}", data=form, follow_redirects=True
    )
    assert response.status_code == 200
    assert NEEDS_AN_ADMIN in response.get_data(as_text=True)
    assert active_admins(app) == ["admin"]


@pytest.mark.parametrize(
    "form",
    [{}, {"role": ""}, {"role": "Editor "}, {"role": "ADMIN"}, {"role": "owner"}],
    ids=["missing", "empty", "padded", "upper-case", "unknown"],
)
def test_an_unexpected_role_from_the_form_is_refused_with_the_choices(app, users, form):
    response = browser_of(app, "admin").post(
        "/-/admin/users/admin/role", data=form, follow_redirects=True
    )
    assert "choose reader, editor, admin" in response.get_data(as_text=True)
    assert active_admins(app) == ["admin"]


def test_a_role_posted_twice_counts_once_and_the_last_admin_stays(app, users):
    response = browser_of(app, "admin").post(
        "/-/admin/users/admin/role", data={"role": ["reader", "admin"]}, follow_redirects=True
    )
    assert NEEDS_AN_ADMIN in response.get_data(as_text=True)
    assert active_admins(app) == ["admin"]


@pytest.mark.parametrize("args", [["set-role", "admin", "editor"], ["disable-user", "admin"]])
def test_the_command_line_cannot_step_down_the_only_active_admin(app, runner, deputy, args):
    set_account(app, deputy, disabled=True)
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert NEEDS_AN_ADMIN in result.output
    assert active_admins(app) == ["admin"]


@pytest.mark.parametrize(
    "mine, theirs",
    [("role", "role"), ("disable", "disable"), ("role", "disable")],
)
def test_two_admins_stepping_each_other_down_at_the_same_moment_leave_one_admin(
    app, deputy, mine, theirs
):
    forms = {"role": {"role": "editor"}, "disable": {}}
    for _attempt in range(3):
        admin, other = browser_of(app, "admin"), browser_of(app, deputy)
        _run_concurrently(
            [
                lambda admin=admin: admin.post(f"/-/admin/users/{deputy}/{mine}", data=forms[mine]),
                lambda other=other: other.post(
                    f"/-/admin/users/admin/{theirs}", data=forms[theirs]
                ),
            ]
        )
        assert len(active_admins(app)) == 1
        for name in ("admin", deputy):
            set_account(app, name, role=Role.ADMIN, disabled=False)


def test_a_change_is_judged_on_the_account_as_it_is_now_not_as_first_loaded(
    app, users, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite: a write transaction holds the write lock from its first query")
    database = get_database(app)
    with database.session(write=True) as slow:
        editor = accounts.get_user(slow, "editor")  # loaded while still an editor
        # Before the slow request goes on, the editor becomes an admin and the old admin
        # steps down: the editor is now the only admin.
        with database.session(write=True) as session:
            accounts.set_role(session, accounts.get_user(session, "editor"), Role.ADMIN)
            session.commit()
        with database.session(write=True) as session:
            accounts.set_role(session, accounts.get_user(session, "admin"), Role.EDITOR)
            session.commit()
        with pytest.raises(InvalidInput) as refused:
            accounts.set_disabled(slow, editor, True)
        assert refused.value.message == NEEDS_AN_ADMIN
    assert active_admins(app) == ["editor"]
