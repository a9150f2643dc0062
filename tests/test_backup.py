"""Backup and restore of the whole wiki through the command line (``wiki backup FILE``,
``wiki restore FILE``): a round trip on and across both databases gives back every row,
and the restored wiki works; a restore refuses, changing nothing, what it must not load."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from wiki.access import grants, groups, restrictions
from wiki.access.accounts import create_user, set_disabled
from wiki.access.invites import create_invite
from wiki.access.people import update_profile
from wiki.content import drafts, spaces
from wiki.content.pages import (
    Limits,
    create_page,
    delete_page,
    edit_page,
    rename_page,
    restore_revision,
    undelete_page,
)
from wiki.db import get_database
from wiki.models import Base, Page, Revision, RevisionKind, Role, User
from wiki.ops import backup as backup_service
from wiki.ops.migrate import upgrade

from .conftest import PASSWORD, make_app
from .conftest import open_engine as _engine
from .test_search import search_now, titles_found
from .test_search_files import pages_found

KEPT_TABLES = [
    table
    for table in Base.metadata.sorted_tables
    if table.name not in backup_service.SKIPPED_TABLES
]
# A body near the size limit, with text from every Unicode plane the wiki accepts.
BIG_BODY = "# Big\n\n" + ("Grüße, 東京, emoji 🧭, tab\there. " * 20_000)[:400_000] + "\n"


# ---------------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def target_app(tmp_path):
    """Makes a wiki app on another database and instance folder (disposed afterwards)."""
    made = []

    def make(url: str, **config):
        app = make_app(url, tmp_path / f"target-{len(made)}", **config)
        made.append(app)
        return app

    yield make
    for app in made:
        get_database(app).dispose()


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every backed-up table, as the models read it, in primary-key order."""
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in KEPT_TABLES
            }
    finally:
        engine.dispose()


def state(url: str) -> tuple:
    """Tables and the row counts of all of them, to show that nothing changed."""
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(inspect(connection).get_table_names())
            return tuple(
                (name, connection.scalar(select(func.count()).select_from(text(f'"{name}"'))))
                for name in names
            )
    finally:
        engine.dispose()


def run(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def seed(app, *, people: bool = True) -> None:
    """A wiki with some of everything: roles, a disabled account, edits with summaries and
    tags, a rename (alias), a restore, a delete, a delete and undelete, a big page, audit
    events, a profile and an invite (unless not ``people``: an older schema has no room for
    them), cached renderings and login sessions (the last two are not backed up)."""
    limits = Limits(max_page_bytes=2 * 1024 * 1024)
    session = get_database(app).session()
    try:
        admin = create_user(session, "admin", PASSWORD, Role.ADMIN)
        editor = create_user(session, "Editor", PASSWORD, Role.EDITOR)
        create_user(session, "reader", PASSWORD, Role.READER)
        gone = create_user(session, "leaver", PASSWORD, Role.EDITOR)
        set_disabled(session, gone, True, actor=admin)
        policy = create_page(
            session, editor, "Policy", "Book trains.\n", "first", limits, tags="Travel, rules"
        ).page
        edit_page(
            session,
            editor,
            policy,
            1,
            "Book trains.\nFly overseas.\n",
            "flights",
            limits,
            tags="travel",
        )
        rename_page(session, editor, policy, "Travel policy", "clearer", limits)
        restore_revision(session, admin, policy, 1, limits)
        old = create_page(session, editor, "Old plan", "Outdated.\n", "", limits).page
        delete_page(session, admin, old, "obsolete")
        back = create_page(session, editor, "Comeback", "Lazarus text.\n", "", limits).page
        delete_page(session, admin, back, "")
        undelete_page(session, admin, back, "needed after all")
        create_page(session, editor, "Big page", BIG_BODY, "large", limits)
        if people:
            update_profile(session, editor, "Eddie Tor", "Eddie@Example.com", "Asia/Tokyo")
            create_invite(session, admin, "newcomer@example.com", Role.READER)
        session.commit()
    finally:
        session.close()
    client = app.test_client()
    assert (
        client.post("/-/login", data={"username": "reader", "password": PASSWORD}).status_code
        == 302
    )
    assert client.get("/wiki/travel-policy").status_code == 200  # fills the rendering cache


def seed_groups(app) -> None:
    """A group with a manager and a member (after :func:`seed`)."""
    session = get_database(app).session()
    try:
        admin = session.scalar(select(User).where(User.username_key == "admin"))
        team = groups.create_group(session, admin, "finance", "Finance", "Money matters.")
        groups.change_members(session, admin, team, "add", "Editor, reader")
        groups.set_manager(session, admin, team, "editor", True)
        # Access: a private space granting the group, a page tree, a restricted subtree.
        vault = spaces.create_space(session, admin, "vault", "Vault", open_to_signed_in=False)
        grants.set_grant(session, admin, vault, "group", "finance", "edit")
        top = create_page(session, admin, "Ledger", "Sums.\n", "", Limits(), space=vault).page
        child = create_page(session, admin, "Payroll", "Pay.\n", "", Limits(), space=vault).page
        child.parent_id = top.id
        restrictions.set_restriction(session, admin, top, "read", "", "editor")
        session.commit()
    finally:
        session.close()


def seed_spaces(app) -> None:
    """A second space, and a home page for the default one (after :func:`seed`): the
    default space is a row the migrations make, restored with a page loaded after it."""
    session = get_database(app).session()
    try:
        admin = session.scalar(select(User).where(User.username_key == "admin"))
        spaces.create_space(session, admin, "hr", "People team", "Hiring and leave.")
        main = spaces.default_space(session)
        spaces.update_space(session, admin, main, "Everyone", main.description, "Travel policy")
        session.commit()
    finally:
        session.close()


def seed_records(app) -> None:
    """A lesson with fields and action items in hr, given a review interval and verified,
    and the editor's draft of it (after :func:`seed_spaces`)."""
    from datetime import date

    from wiki.content.records import page_templates, reviews

    session = get_database(app).session()
    try:
        admin = session.scalar(select(User).where(User.username_key == "admin"))
        hr = spaces.get_space(session, "hr")
        start = page_templates.start(session, admin, hr, "lessons-learned", date(2026, 12, 4))
        lesson = create_page(
            session,
            admin,
            "Freight elevator",
            start.body + "- [ ] @reader 2026-12-31 book it\n",
            "",
            Limits(),
            tags=start.tags,
            space=hr,
            record=start.record.with_values({"team": "Logistics", "severity": "high"}),
        ).page
        reviews.change_review(session, admin, lesson, "admin", 90, date(2026, 12, 4))
        reviews.verify(session, admin, lesson, "Checked.")
        # Unsaved work is the user's too: a draft of the lesson, with a field as typed.
        drafts.save_draft(
            session,
            session.scalar(select(User).where(User.username_key == "editor")),
            lesson,
            drafts.DraftForm(1, start.body + "Half a thought", values={"team": "Ops"}),
            Limits(),
        )
        session.commit()
    finally:
        session.close()


def rewrite(
    source: Path, target: Path, *, revision=None, keep=None, manifest_change=None, members=None
) -> None:
    """Copy an archive with changes: another schema ``revision``; only the tables and
    columns of ``keep`` ({table: columns}); ``members`` {name: new bytes} with the manifest's
    checksums and counts made to match; ``manifest_change(manifest)`` applied last."""
    with zipfile.ZipFile(source) as old:
        manifest = json.loads(old.read("manifest.json"))
        contents = {name: old.read(name) for name in old.namelist() if name != "manifest.json"}
    if revision is not None:
        manifest["schema_revision"] = revision
    if keep is not None:
        manifest["tables"] = [entry for entry in manifest["tables"] if entry["name"] in keep]
        for entry in manifest["tables"]:
            columns = keep[entry["name"]]
            entry["columns"] = [column for column in entry["columns"] if column["name"] in columns]
            lines = [json.loads(line) for line in contents[entry["file"]].splitlines()]
            members = {
                **(members or {}),
                entry["file"]: b"".join(
                    json.dumps({k: v for k, v in row.items() if k in columns}).encode() + b"\n"
                    for row in lines
                ),
            }
    for name, content in (members or {}).items():
        contents[name] = content
        for entry in manifest["tables"]:
            if entry["file"] == name:
                entry["sha256"] = hashlib.sha256(content).hexdigest()
                entry["rows"] = content.count(b"\n")
    if manifest_change is not None:
        manifest_change(manifest)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, content in contents.items():
            new.writestr(name, content)
        new.writestr("manifest.json", json.dumps(manifest))


def flip_a_byte_in(archive: Path, member: str) -> None:
    """Damage the compressed data of one member, as a bad disk or transfer would."""
    with zipfile.ZipFile(archive) as opened:
        info = opened.getinfo(member)
    data = bytearray(archive.read_bytes())
    # The data follows the local header (30 bytes, then the name and extra field, whose
    # lengths are at offsets 26 and 28).
    header = info.header_offset
    name_length = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_length = int.from_bytes(data[header + 28 : header + 30], "little")
    start = header + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0x55
    archive.write_bytes(bytes(data))


# ---------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "target_kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_a_round_trip_gives_back_every_row_and_a_working_wiki(
    app, tmp_path, empty_database, target_app, target_kind
):
    seed(app)
    seed_groups(app)
    seed_spaces(app)
    seed_records(app)
    source_url = app.config["DATABASE_URL"]
    before = dump(source_url)
    archive = tmp_path / "wiki-backup.zip"

    made = run(app, "backup", archive)

    assert made.exit_code == 0, made.output
    assert (
        f"revisions: {len(before['revisions'])} rows" in made.output and "Backed up" in made.output
    )
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds password hashes
    target_url = empty_database(target_kind)
    target = target_app(target_url)

    restored = run(target, "restore", archive)

    assert restored.exit_code == 0, restored.output
    assert "Rebuilt the search index: 6 pages" in restored.output  # the live ones
    after = dump(target_url)
    assert after == before  # every column of every row, primary keys included
    # The data really had what the test claims to compare.
    revisions = before["revisions"]
    columns = [column.name for column in Base.metadata.tables["revisions"].columns]
    kinds = {row[columns.index("kind")] for row in revisions}
    assert kinds == set(RevisionKind)
    assert max(len(row[columns.index("body")]) for row in revisions) == len(BIG_BODY)
    assert before["page_aliases"] and before["audit_events"] and before["invites"]
    assert len(before["groups"]) == 1 and len(before["group_members"]) == 2
    assert len(before["space_grants"]) == 4 and len(before["page_restrictions"]) == 1
    pages = before["pages"]
    page_columns = [column.name for column in Base.metadata.tables["pages"].columns]
    assert any(row[page_columns.index("parent_id")] for row in pages)
    assert any(row[page_columns.index("read_scope_id")] for row in pages)
    space_columns = [column.name for column in Base.metadata.tables["spaces"].columns]
    homes = [row[space_columns.index("home_page_id")] for row in before["spaces"]]
    assert homes[0] is not None and set(homes[1:]) == {None}  # main's home page; no others
    assert any(row[columns.index("restored_from")] == 1 for row in revisions)
    # Records, action items, owners and reviews travel too.
    assert any(row[columns.index("fields")] for row in revisions)
    assert len(before["page_fields"]) == 2 and len(before["action_items"]) == 2
    assert len(before["review_log"]) == 1 and before["page_reviews"]
    assert len(before["drafts"]) == 1
    # Skipped tables come back empty (and were not empty).
    engine = _engine(target_url)
    with engine.connect() as connection:
        for name in backup_service.SKIPPED_TABLES:
            assert connection.scalar(text(f"SELECT count(*) FROM {name}")) == 0
    engine.dispose()

    refused = target.test_client().post(
        "/-/login", data={"username": "leaver", "password": PASSWORD}
    )
    assert (refused.status_code, refused.location) != (302, "/")  # still disabled
    browser = target.test_client()
    logged_in = browser.post("/-/login", data={"username": "editor", "password": PASSWORD})
    assert (logged_in.status_code, logged_in.location) == (302, "/")
    page = browser.get("/wiki/travel-policy")
    assert page.status_code == 200 and "Book trains." in page.get_data(as_text=True)
    offer = browser.get("/wiki/hr:freight-elevator/edit").get_data(as_text=True)
    assert "You have an unsaved draft of this page" in offer and "Half a thought" in offer
    space = browser.get("/-/spaces/main").get_data(as_text=True)
    assert (
        "Everyone" in space
        and 'Home page: <a class="page-title" href="/wiki/travel-policy"' in space
    )
    assert browser.get("/wiki/policy").status_code in (301, 302)  # the old title still leads there
    history = browser.get("/wiki/travel-policy/history").get_data(as_text=True)
    assert "flights" in history and "clearer" in history
    diff = browser.get("/wiki/travel-policy/diff/1/2")
    assert diff.status_code == 200 and "Fly overseas." in diff.get_data(as_text=True)
    assert "Grüße, 東京, emoji 🧭" in browser.get("/wiki/big-page").get_data(as_text=True)
    search_now(target)
    assert titles_found(browser, "lazarus") == ["Comeback"]
    assert titles_found(browser, "outdated") == []  # deleted pages stay out of search

    # New rows get fresh ids (PostgreSQL's sequences were moved past the restored ones).
    saved = browser.post(
        "/wiki/travel-policy/edit",
        data={"base": "4", "body": "Book trains.\nAnd buses.\n", "summary": "buses"},
    )
    assert saved.status_code == 302
    assert (
        browser.post("/-/new", data={"title": "After restore", "body": "New.\n"}).status_code == 302
    )
    made_user = target.test_cli_runner().invoke(
        args=["create-user", "newcomer", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert made_user.exit_code == 0, made_user.output
    session = get_database(target).session()
    try:
        newest = session.scalars(select(Revision).order_by(Revision.id.desc()).limit(2)).all()
        assert [(r.page.title, r.number) for r in newest] == [
            ("After restore", 1),
            ("Travel policy", 5),
        ]
        assert newest[1].id == max(row[0] for row in revisions) + 1
        assert (
            session.scalar(select(func.max(Page.id))) == max(row[0] for row in before["pages"]) + 1
        )
        assert (
            session.scalar(select(func.max(User.id))) == max(row[0] for row in before["users"]) + 1
        )
        admin = session.scalar(select(User).where(User.username_key == "admin"))
        made_group = groups.create_group(session, admin, "ops", "Ops")
        assert made_group.id == max(row[0] for row in before["groups"]) + 1
        assert groups.group_ids_of(session, admin.id) == frozenset()
        editor = session.scalar(select(User).where(User.username_key == "editor"))
        assert [g.key for g in groups.groups_of(session, editor.id)] == ["finance"]
    finally:
        session.close()


def test_the_backup_is_one_consistent_snapshot_while_the_wiki_keeps_saving(
    app, tmp_path, empty_database, target_app
):
    """A save that commits while the backup runs is either wholly in it or not at all."""
    seed(app)
    before = dump(app.config["DATABASE_URL"])
    saved = []

    def save_meanwhile(message: str) -> None:
        if saved or not message.startswith("  pages:"):
            return
        session = get_database(app).session(write=True)
        try:
            author = session.scalar(select(User).where(User.username == "Editor"))
            page = session.scalar(select(Page).where(Page.slug == "travel-policy"))
            edit_page(
                session, author, page, page.latest_number, "Changed meanwhile.\n", "", Limits()
            )
            create_page(session, author, "Meanwhile", "Saved during the backup.\n", "", Limits())
            session.commit()
        finally:
            session.close()
        saved.append(message)

    archive = tmp_path / "snapshot.zip"
    backup_service.backup(
        get_database(app), archive, Path(app.instance_path), progress=save_meanwhile
    )

    assert saved == ["  pages: 4 rows"]  # the saves committed after pages, before revisions
    assert dump(app.config["DATABASE_URL"]) != before
    target_url = empty_database("sqlite")
    restored = run(target_app(target_url), "restore", archive)
    assert restored.exit_code == 0, restored.output
    assert dump(target_url) == before


def test_an_archive_of_an_older_schema_is_migrated_after_loading(
    sqlite_app, tmp_path, target_app, sqlite_template
):
    """The target is brought to the archive's schema revision first (from nothing, or down
    from the newest on an unused database), loaded, then upgraded to the newest."""
    seed(sqlite_app, people=False)
    archive = tmp_path / "new.zip"
    assert run(sqlite_app, "backup", archive).exit_code == 0
    # The same data as the 0002 schema held it (before the audit log and login sessions).
    old_schema = tmp_path / "old-schema.db"
    engine = create_engine(f"sqlite:///{old_schema}")
    upgrade(engine, "0002")
    with engine.connect() as connection:
        old_columns = {
            name: {c["name"] for c in inspect(connection).get_columns(name)}
            for name in inspect(connection).get_table_names()
        }
    engine.dispose()
    old_archive = tmp_path / "old.zip"
    rewrite(archive, old_archive, revision="0002", keep=old_columns)
    before = dump(sqlite_app.config["DATABASE_URL"])

    for migrated in (False, True):
        target_url = f"sqlite:///{tmp_path / f'target-{migrated}.db'}"
        if migrated:
            Path(target_url.removeprefix("sqlite:///")).write_bytes(sqlite_template.read_bytes())
        restored = run(target_app(target_url), "restore", old_archive)

        assert restored.exit_code == 0, restored.output
        head = backup_service._script().get_current_head()
        assert (
            f"Schema: {head if migrated else 'empty'} -> 0002 (archive) -> {head}."
            in restored.output
        )
        after = dump(target_url)
        assert after["audit_events"] == []  # the old schema had no audit log
        # Nor spaces: the upgrade made the default space anew (its creation time is now).
        assert [row[:4] for row in after["spaces"]] == [row[:4] for row in before["spaces"]]
        # Nor watches, nor the outbox: the history an archive brings never notifies anyone.
        assert after["watches"] == after["change_events"] == []
        new_in_the_upgrade = {"audit_events", "spaces", "watches", "change_events"}
        assert {name: rows for name, rows in after.items() if name not in new_in_the_upgrade} == {
            name: rows for name, rows in before.items() if name not in new_in_the_upgrade
        }


def test_the_secret_key_file_travels_with_the_archive_unless_left_out(
    sqlite_app, tmp_path, target_app, empty_database
):
    seed(sqlite_app)
    key = "a0" * 32
    instance = Path(sqlite_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)  # the app makes it only when it writes there
    (instance / "secret_key").write_text(key)
    with_key, without_key = tmp_path / "with.zip", tmp_path / "without.zip"
    assert run(sqlite_app, "backup", with_key).exit_code == 0
    assert run(sqlite_app, "backup", without_key, "--no-secret-key").exit_code == 0
    assert "instance/secret_key" in zipfile.ZipFile(with_key).namelist()
    assert "instance/secret_key" not in zipfile.ZipFile(without_key).namelist()

    target = target_app(empty_database("sqlite"))
    assert run(target, "restore", with_key).exit_code == 0
    restored_key = Path(target.instance_path) / "secret_key"
    assert restored_key.read_text() == key
    assert stat.S_IMODE(restored_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(restored_key.parent.stat().st_mode) == 0o700  # made by the restore


# ---------------------------------------------------------------------- refusals


def _without_first_revision(archive: Path) -> bytes:
    with zipfile.ZipFile(archive) as opened:
        lines = opened.read("tables/revisions.jsonl").splitlines(keepends=True)
    return b"".join(lines[1:])  # revision 2's parent and the page's first revision are gone


def _wrong_checksum(manifest):
    manifest["tables"][-1]["sha256"] = "0" * 64


def _format_next(manifest):
    manifest["format_version"] = backup_service.FORMAT_VERSION + 1


REFUSALS = {
    "a byte flipped": (
        lambda good, bad: (
            bad.write_bytes(good.read_bytes()),
            flip_a_byte_in(bad, "tables/revisions.jsonl"),
        ),
        "damaged",
    ),
    "wrong checksum": (
        lambda good, bad: rewrite(good, bad, manifest_change=_wrong_checksum),
        "checksum",
    ),
    "newer schema": (
        lambda good, bad: rewrite(good, bad, revision="9999_from_the_future"),
        "newer version of the wiki",
    ),
    "newer format": (
        lambda good, bad: rewrite(good, bad, manifest_change=_format_next),
        f"format version {backup_service.FORMAT_VERSION + 1}",
    ),
    "not a backup": (
        lambda good, bad: bad.write_bytes(b"PK\x05\x06" + b"\x00" * 18),
        "not a wiki backup archive",
    ),
    "rows that break the database's rules": (
        lambda good, bad: rewrite(
            good, bad, members={"tables/revisions.jsonl": _without_first_revision(good)}
        ),
        "rolled back",
    ),
}


@pytest.mark.parametrize(
    "target_kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_a_bad_archive_is_refused_and_the_target_is_left_as_it_was(
    sqlite_app, tmp_path, empty_database, target_app, target_kind
):
    seed(sqlite_app)
    good = tmp_path / "good.zip"
    assert run(sqlite_app, "backup", good).exit_code == 0
    target_url = empty_database(target_kind)
    target = target_app(target_url)
    untouched = state(target_url)

    for problem, (make, message) in REFUSALS.items():
        bad = tmp_path / "bad.zip"
        make(good, bad)
        result = run(target, "restore", bad)
        assert result.exit_code != 0, problem
        assert message in result.output, (problem, result.output)
        assert "Traceback" not in result.output, problem
        assert state(target_url) == untouched, problem  # not even the schema was created

    assert run(target, "restore", good).exit_code == 0  # the same target takes a good archive


def _format_1(manifest):
    manifest["format_version"] = 1
    del manifest["blobs"]


def test_an_archive_of_format_version_1_is_restored(sqlite_app, tmp_path, target_app):
    """Version 1 archives (before files could live in a folder) have no list of files."""
    seed(sqlite_app)
    archive, old = tmp_path / "new.zip", tmp_path / "old.zip"
    assert run(sqlite_app, "backup", archive).exit_code == 0
    rewrite(archive, old, manifest_change=_format_1)
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    restored = run(target_app(target_url), "restore", old)
    assert restored.exit_code == 0, restored.output
    assert dump(target_url) == dump(sqlite_app.config["DATABASE_URL"])


def test_restore_refuses_a_database_that_holds_rows(app, tmp_path, runner):
    seed(app)
    archive = tmp_path / "backup.zip"
    assert run(app, "backup", archive).exit_code == 0
    before = state(app.config["DATABASE_URL"]), dump(app.config["DATABASE_URL"])

    result = runner.invoke(args=["restore", str(archive)])

    assert result.exit_code != 0
    assert "The database is not empty (" in result.output and "revisions: 10 rows" in result.output
    assert (state(app.config["DATABASE_URL"]), dump(app.config["DATABASE_URL"])) == before


def test_backup_refuses_a_database_behind_the_code(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    upgrade(engine, "0002")
    engine.dispose()
    app = make_app(url, tmp_path)
    try:
        result = run(app, "backup", tmp_path / "never.zip")
        assert result.exit_code != 0
        assert "run `wiki upgrade`" in result.output
        assert not (tmp_path / "never.zip").exists()
        assert not list(tmp_path.glob(".never.zip*"))  # no partial file left behind
    finally:
        get_database(app).dispose()


def test_the_skip_list_names_real_tables_that_nothing_backed_up_refers_to():
    # A renamed table would silently stop being skipped; a backed-up table referring to a
    # skipped one could not be restored (backed_up_tables raises then).
    assert set(backup_service.SKIPPED_TABLES) <= set(Base.metadata.tables)
    names = [table.name for table in backup_service.backed_up_tables()]
    assert {"users", "pages", "revisions", "page_aliases"} <= set(names)
    assert not set(names) & set(backup_service.SKIPPED_TABLES)


# ---------------------------------------------------------------------- files


def seed_files(app, store) -> None:
    """Files on two pages (after :func:`seed`), their bytes in ``store``: a file with three
    versions (the third a restore of the first), a deleted file, a picture shown once (a
    thumbnail), a document whose text was read, and one content on both pages."""
    from tests.files import corpus
    from wiki.files.attachments import Upload, delete_file, restore_version, upload_files

    def put(session, author, page, name, data):
        return upload_files(session, store, author, page, [Upload(name, data)])[0].attachment

    session = get_database(app).session()
    try:
        admin = session.scalar(select(User).where(User.username_key == "admin"))
        editor = session.scalar(select(User).where(User.username_key == "editor"))
        policy = session.scalar(select(Page).where(Page.slug == "travel-policy"))
        other = session.scalar(select(Page).where(Page.slug == "comeback"))
        plan = put(session, editor, policy, "plan.txt", b"First plan.\n")
        put(session, editor, policy, "plan.txt", b"Second plan.\n")
        restore_version(session, admin, plan, 1)
        gone = put(session, editor, policy, "gone.bin", bytes(range(256)) * 40)
        delete_file(session, admin, gone)
        put(session, editor, policy, "map.png", corpus.image("PNG", (1200, 900)))
        shared = corpus.docx_file(["Reimbursement of rail fares: quokka."])
        put(session, editor, policy, "rules.docx", shared)
        put(session, editor, other, "copy of rules.docx", shared)
        session.commit()
    finally:
        session.close()


def downloads(app) -> dict[tuple[str, str, int], bytes]:
    """Every version of every file (deleted ones too), as an admin downloads it."""
    from wiki.models import Attachment, AttachmentVersion

    client = app.test_client()
    assert (
        client.post("/-/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    )
    session = get_database(app).session()
    try:
        versions = session.execute(
            select(Page.id, Page.slug, Attachment.name, AttachmentVersion.number)
            .join(Attachment, Attachment.page_id == Page.id)
            .join(AttachmentVersion, AttachmentVersion.attachment_id == Attachment.id)
            .order_by(Page.slug, Attachment.name, AttachmentVersion.number)
        ).all()
    finally:
        session.close()
    found = {}
    for page_id, slug, name, number in versions:
        # Closed: a file of a folder store is sent from an open file.
        with client.get(
            f"/-/pages/{page_id}/files/{name}", query_string={"version": number}
        ) as answer:
            assert answer.status_code == 200, (slug, name, number)
            found[(slug, name, number)] = answer.data
    return found


def blob_rows(url: str) -> list[tuple[str, bool]]:
    """(sha256, whether the row holds the bytes) of every content."""
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return [
                (sha256, bool(in_row))
                for sha256, in_row in connection.execute(
                    text("SELECT sha256, data IS NOT NULL FROM file_blobs ORDER BY sha256")
                )
            ]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "target_kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_files_travel_in_the_archive_and_every_download_is_the_same(
    app, tmp_path, empty_database, target_app, target_kind
):
    from wiki.files.storage import DatabaseStore

    seed(app)
    seed_files(app, DatabaseStore())
    search_now(app)  # reads the document's text (a derived row, not backed up)
    viewer = app.test_client()
    viewer.post("/-/login", data={"username": "reader", "password": PASSWORD})
    source_page = get_database(app).session()
    try:
        policy_id = source_page.scalar(select(Page.id).where(Page.slug == "travel-policy"))
    finally:
        source_page.close()
    assert viewer.get(f"/-/pages/{policy_id}/thumbs/map.png").status_code == 200
    before, files_before = dump(app.config["DATABASE_URL"]), downloads(app)
    derived = ("file_texts", "file_thumbnails", "search_page_changes")
    assert set(derived) <= set(backup_service.SKIPPED_TABLES)
    assert all(count for name, count in state(app.config["DATABASE_URL"]) if name in derived)
    archive = tmp_path / "with-files.zip"
    assert run(app, "backup", archive).exit_code == 0
    with zipfile.ZipFile(archive) as opened:
        assert not [name for name in opened.namelist() if name.startswith("files/")]

    target_url = empty_database(target_kind)
    target = target_app(target_url)
    restored = run(target, "restore", archive)

    assert restored.exit_code == 0, restored.output
    assert "read again by the wiki's search indexer" in restored.output
    assert dump(target_url) == before
    assert not any(count for name, count in state(target_url) if name in derived)
    assert downloads(target) == files_before
    assert len(files_before) == 7 and len(set(files_before.values())) == 5
    # The derived rows come back as the wiki runs: the text is read again.
    search_now(target)
    browser = target.test_client()
    browser.post("/-/login", data={"username": "reader", "password": PASSWORD})
    assert sorted(pages_found(browser, "quokka")) == ["Comeback", "Travel policy"]


def _with_changed_bytes(archive: Path) -> bytes:
    """tables/file_blobs.jsonl with one content's bytes changed (its hash left as it was)."""
    with zipfile.ZipFile(archive) as opened:
        lines = opened.read("tables/file_blobs.jsonl").splitlines(keepends=True)
    row = json.loads(lines[0])
    data = bytearray(base64.b64decode(row["data"]))
    data[0] ^= 0x01
    row["data"] = base64.b64encode(bytes(data)).decode()
    return json.dumps(row).encode() + b"\n" + b"".join(lines[1:])


@pytest.mark.parametrize(
    "target_kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_an_archive_whose_file_bytes_were_changed_is_refused(
    sqlite_app, tmp_path, empty_database, target_app, target_kind
):
    from wiki.files.storage import DatabaseStore, DirectoryStore

    seed(sqlite_app)
    seed_files(sqlite_app, DatabaseStore())
    good = tmp_path / "good.zip"
    assert run(sqlite_app, "backup", good).exit_code == 0
    target_url = empty_database(target_kind)
    target = target_app(target_url)
    untouched = state(target_url)

    tampered = tmp_path / "tampered.zip"
    # The manifest's checksums made to match: only the content's own hash tells.
    rewrite(good, tampered, members={"tables/file_blobs.jsonl": _with_changed_bytes(good)})
    result = run(target, "restore", tampered)
    assert result.exit_code != 0
    assert "do not match their SHA-256" in result.output, result.output
    assert state(target_url) == untouched

    # A folder install's archive: a files/ member changed, its size and the manifest kept.
    folder_app = target_app(empty_database("sqlite"), FILES_PATH=str(tmp_path / "store"))
    assert run(folder_app, "upgrade").exit_code == 0
    seed(folder_app)
    seed_files(folder_app, DirectoryStore(tmp_path / "store"))
    from_folder = tmp_path / "from-folder.zip"
    assert run(folder_app, "backup", from_folder).exit_code == 0
    with zipfile.ZipFile(from_folder) as opened:
        member = next(name for name in opened.namelist() if name.startswith("files/"))
        data = bytearray(opened.read(member))
    data[-1] ^= 0x01
    rewrite(from_folder, tampered, members={member: bytes(data)})
    result = run(target, "restore", tampered)
    assert result.exit_code != 0
    assert "does not match its manifest" in result.output, result.output
    assert state(target_url) == untouched

    assert run(target, "restore", good).exit_code == 0  # the same target takes a good archive


def test_a_folder_install_restores_into_a_database_install_and_back(
    tmp_path, empty_database, target_app
):
    from wiki.files.storage import DirectoryStore

    folder = tmp_path / "files-a"
    source_url = empty_database("sqlite")
    source = target_app(source_url, FILES_PATH=str(folder))
    assert run(source, "upgrade").exit_code == 0
    seed(source)
    seed_files(source, DirectoryStore(folder))
    originals = downloads(source)
    assert not any(in_row for _sha, in_row in blob_rows(source_url))  # all in the folder
    first = tmp_path / "from-folder.zip"

    made = run(source, "backup", first)

    assert made.exit_code == 0, made.output
    assert "and 5 files from the files folder" in made.output
    with zipfile.ZipFile(first) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        members = {name for name in opened.namelist() if name.startswith("files/")}
    assert manifest["format_version"] == 2
    assert {f"files/{blob['sha256']}" for blob in manifest["blobs"]} == members
    assert len(members) == len(blob_rows(source_url)) == 5

    # Into a database install: the bytes go into the rows.
    database_url = empty_database("sqlite")
    in_database = target_app(database_url)
    restored = run(in_database, "restore", first)
    assert restored.exit_code == 0, restored.output
    assert all(in_row for _sha, in_row in blob_rows(database_url))
    assert downloads(in_database) == originals

    # And back into a folder install: the bytes go into its folder, the rows keep none.
    second = tmp_path / "from-database.zip"
    assert run(in_database, "backup", second).exit_code == 0
    with zipfile.ZipFile(second) as opened:
        assert not [name for name in opened.namelist() if name.startswith("files/")]
    other_folder = tmp_path / "files-b"
    folder_url = empty_database("sqlite")
    in_folder = target_app(folder_url, FILES_PATH=str(other_folder))
    restored = run(in_folder, "restore", second)
    assert restored.exit_code == 0, restored.output
    assert not any(in_row for _sha, in_row in blob_rows(folder_url))
    stored = sorted(path.name for path in other_folder.rglob("*") if path.is_file())
    assert stored == sorted(sha for sha, _in_row in blob_rows(source_url))
    assert downloads(in_folder) == originals

    # A folder archive into a folder install (the same layout, another folder).
    third_folder = tmp_path / "files-c"
    again = target_app(empty_database("sqlite"), FILES_PATH=str(third_folder))
    assert run(again, "restore", first).exit_code == 0
    assert downloads(again) == originals


def test_a_backup_refuses_a_files_folder_that_lost_a_content(tmp_path, empty_database, target_app):
    from wiki.files.storage import DirectoryStore

    folder = tmp_path / "files"
    source = target_app(empty_database("sqlite"), FILES_PATH=str(folder))
    assert run(source, "upgrade").exit_code == 0
    seed(source)
    seed_files(source, DirectoryStore(folder))
    next(path for path in folder.rglob("*") if path.is_file()).unlink()

    result = run(source, "backup", tmp_path / "never.zip")

    assert result.exit_code != 0
    assert "are not in the files folder" in result.output
    assert not (tmp_path / "never.zip").exists()
