"""Command line: ``wiki <command>`` or ``flask --app wsgi <command>``.

Commands: serve (the wiki under gunicorn), upgrade (the database schema), create-user, set-role, set-password, disable-user,
enable-user, reindex (the search index and the links between pages), backup and restore (the
whole wiki, as one archive).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from wiki.access import accounts
from wiki.db import get_database, get_session
from wiki.errors import WikiError
from wiki.models import Role
from wiki.ops.notifier import worker_command
from wiki.ops.serve import serve_command

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

ROLE_CHOICE = click.Choice([role.value for role in Role])


def _commit_or_fail(action) -> None:
    session = get_session()
    try:
        action(session)
        session.commit()
    except WikiError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from None


@click.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Schema revision to go to.")
@with_appcontext
def upgrade_command(revision: str) -> None:
    """Create or upgrade the database schema (safe to run on every deploy)."""
    from wiki.ops.migrate import current_revision, upgrade

    engine = get_database().engine
    before = current_revision(engine)
    upgrade(engine, revision)
    after = current_revision(engine)
    click.echo(f"Database schema: {before or 'empty'} -> {after}.")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=ROLE_CHOICE, default=Role.EDITOR.value, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(username: str, role: str, password_stdin: bool) -> None:
    """Create an account (use --role admin for an admin)."""
    password = _read_password(password_stdin)
    _commit_or_fail(lambda s: accounts.create_user(s, username, password, role))
    click.echo(f"Created {role} {username}.")


@click.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE_CHOICE)
@with_appcontext
def set_role_command(username: str, role: str) -> None:
    """Give a user the role reader, editor or admin."""
    _commit_or_fail(lambda s: accounts.set_role(s, accounts.get_user(s, username), role))
    click.echo(f"{username} is now {role}.")


@click.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password_command(username: str, password_stdin: bool) -> None:
    """Set a user's password (ends their sessions)."""
    password = _read_password(password_stdin)
    _commit_or_fail(lambda s: accounts.set_password(s, accounts.get_user(s, username), password))
    click.echo(f"New password set for {username}.")


@click.command("disable-user")
@click.argument("username")
@with_appcontext
def disable_user_command(username: str) -> None:
    """Disable an account; its sessions end at once."""
    _commit_or_fail(lambda s: accounts.set_disabled(s, accounts.get_user(s, username), True))
    click.echo(f"Disabled {username}.")


@click.command("enable-user")
@click.argument("username")
@with_appcontext
def enable_user_command(username: str) -> None:
    """Enable a disabled account."""
    _commit_or_fail(lambda s: accounts.set_disabled(s, accounts.get_user(s, username), False))
    click.echo(f"Enabled {username}.")


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Read the text of the files that need it, rebuild the search index from the database
    (built aside; search stays online), and the tables of links between pages, of the
    pages' field values and of action items."""
    from pathlib import Path

    from flask import current_app
    from sqlalchemy import func, select

    from wiki.content.links import rebuild_links
    from wiki.content.records.action_items import rebuild_action_items
    from wiki.content.records.lessons import rebuild_page_fields
    from wiki.files.storage import store_for
    from wiki.files.texts import extract_pending, pending_contents
    from wiki.models import Page
    from wiki.search import indexer
    from wiki.search.backend import IndexBusy
    from wiki.search.engine import WhooshEngine
    from wiki.search.runtime import extraction_limits

    # Every file still to read, first: the index built next then holds their text.
    database = get_database()
    limits = extraction_limits(current_app.config)
    with database.session() as session:
        waiting = len(pending_contents(session, limits))
    if waiting:
        reading: ProgressBar[int]
        with click.progressbar(length=waiting, label="Reading the text of files") as reading:
            done = extract_pending(
                database,
                store_for(current_app.config["FILES_PATH"]),
                limits,
                progress=lambda count: reading.update(count - reading.pos),
            )
        click.echo(f"Read the text of {done.written} files.")
    # Its own engine, without the web processes' background indexer.
    engine = WhooshEngine(Path(current_app.config["SEARCH_INDEX_PATH"]))
    with get_database().session() as session:
        total = session.scalar(select(func.count(Page.id)).where(Page.deleted.is_(False)))
        bar: ProgressBar[int]
        with click.progressbar(length=total, label="Indexing pages") as bar:
            # The engine reports pages done so far; the bar wants increments.
            try:
                indexer.rebuild(session, engine, progress=lambda done: bar.update(done - bar.pos))
            except IndexBusy:
                raise click.ClickException(
                    "Another process is writing the index; try again in a moment."
                ) from None
            finally:
                engine.close()  # the files of the new generation, opened to check it
    click.echo(f"Indexed {total} pages.")
    # Derived from the current revisions like the index, in one write transaction: a save
    # meanwhile waits for it (and what it stores is then written by the save itself).
    with get_database().session(write=True) as session:
        linked = rebuild_links(session)
        with_fields = rebuild_page_fields(session)
        with_items = rebuild_action_items(session)
        session.commit()
    click.echo(
        f"Rebuilt the links of {linked} pages, the fields of {with_fields} "
        f"and the action items of {with_items}."
    )


@click.command("setup-token")
@with_appcontext
def setup_token_command() -> None:
    """Print the one-time token the first-run setup page asks for."""
    from wiki.access import security

    token = security.current_setup_token(get_session())
    if token is None:
        click.echo("The wiki is already set up: no setup token is needed (log in instead).")
    else:
        click.echo(token)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--no-secret-key", is_flag=True, help="Leave the instance folder's generated secret_key out."
)
@with_appcontext
def backup_command(file: Path, no_secret_key: bool) -> None:
    """Write the whole wiki to one archive FILE (a zip; safe while the wiki runs), with the
    files kept in WIKI_FILES_PATH if the wiki has one."""
    from flask import current_app

    from wiki.ops import backup

    click.echo(f"Backing up to {file}:")
    try:
        summary = backup.backup(
            get_database(),
            file,
            Path(current_app.instance_path),
            include_secret_key=not no_secret_key,
            files_path=current_app.config["FILES_PATH"],
            progress=click.echo,
        )
    except WikiError as exc:
        raise click.ClickException(exc.message) from None
    from_folder = f" and {summary.blobs:,} files from the files folder" if summary.blobs else ""
    click.echo(
        f"Backed up {summary.total_rows:,} rows of {len(summary.rows)} tables{from_folder} "
        f"(schema {summary.schema_revision}) in {summary.seconds:.1f} s: "
        f"{file.stat().st_size:,} bytes."
    )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Restore an archive made by `wiki backup` into an empty database (the bytes of files
    into WIKI_FILES_PATH if set, else into the database), then rebuild the search index."""
    import time

    from flask import current_app

    from wiki.ops import backup
    from wiki.search.backend import IndexBusy

    click.echo(f"Restoring {file}:")
    try:
        summary = backup.restore(
            get_database(),
            file,
            Path(current_app.instance_path),
            files_path=current_app.config["FILES_PATH"],
            progress=click.echo,
        )
    except WikiError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"Restored {summary.total_rows:,} rows of {len(summary.rows)} tables in {summary.seconds:.1f} s."
    )
    started = time.monotonic()
    try:
        pages = backup.rebuild_search_index(
            get_database(),
            Path(current_app.config["SEARCH_INDEX_PATH"]),
            progress=lambda done: click.echo(f"  search index: {done:,} pages"),
        )
    except (IndexBusy, OSError) as exc:
        raise click.ClickException(
            f"The wiki was restored, but its search index could not be rebuilt ({exc}): "
            "run `wiki reindex`."
        ) from None
    click.echo(f"Rebuilt the search index: {pages:,} pages in {time.monotonic() - started:.1f} s.")
    if summary.rows.get("file_blobs"):
        # Backups leave the text read from files out: it is read again.
        click.echo(
            "The text of documents (for search) is read again by the wiki's search indexer "
            "once the wiki runs, a few files a second; `wiki reindex` reads it all at once."
        )


COMMANDS = [
    serve_command,
    worker_command,
    upgrade_command,
    create_user_command,
    set_role_command,
    set_password_command,
    disable_user_command,
    enable_user_command,
    reindex_command,
    setup_token_command,
    backup_command,
    restore_command,
]


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app():
    from wiki import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="Bureaupedia administration.")

if __name__ == "__main__":  # ``python -m wiki.ops.cli``: how ``wiki serve`` starts its worker
    main()
