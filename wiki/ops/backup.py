"""Backup and restore of the whole wiki as one archive (``wiki backup`` / ``wiki restore``).

The archive is a zip file (format version 2)::

    manifest.json          what the archive holds (read this first)
    tables/<table>.jsonl   one JSON object per row, in primary-key order
    files/<sha256>         the bytes of each file content kept in a folder (WIKI_FILES_PATH)
    instance/secret_key    the instance folder's generated secret key, when there is one

``manifest.json`` records the format and its version, the alembic schema revision of the
database, when the backup began, the kind of database it came from, the tables left out
and why, and for every table its file, row count, SHA-256 of the (uncompressed) file and
the kind of value in each column. Values are written losslessly: timestamps as ISO 8601
with their offset (always UTC here), enums as their stored value, bytes as base64, JSON
columns as JSON, decimals and UUIDs as strings; everything else as JSON's own types.

Tables: every table of ``Base.metadata`` (so tables added later are included without
changes here) except :data:`SKIPPED_TABLES`. The search index is not included: it is
derived from the database and rebuilt after a restore.

Files: a content whose bytes are in the database (``file_blobs.data``, the default store)
travels in its row, as base64. One kept in a folder store has no bytes in its row: the
backup copies them from the folder into ``files/<sha256>`` (streamed, each checked against
its name), and the manifest lists them (``blobs``: SHA-256 and size of each). A restore
checks that every content's bytes hash to its SHA-256, wherever they travel, before it
changes anything, and writes them into the target's own store, whichever it is: an archive
of a folder install restores into a database install and the other way round. Format
version 1 (before files could live in a folder) is read too.

A backup reads everything in one transaction (``REPEATABLE READ, READ ONLY`` on
PostgreSQL; one read transaction on SQLite, whose WAL mode gives it a snapshot), so it is
consistent while the wiki keeps running. Rows are streamed to the archive: memory use does
not grow with the size of the wiki.

A restore only goes into an empty database (unmigrated, or migrated with no rows). It
checks the whole archive first (manifest, format version, schema revision known to this
code, checksums and row counts), then in ONE transaction: brings the schema to the
archive's revision, loads the tables in dependency order with their primary keys, checks
the row counts, sets PostgreSQL's sequences past the largest ids, and upgrades the schema
to the newest revision. Any failure rolls all of it back. Then it writes the archived
instance files and rebuilds the search index.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
import re
import time
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, Table, bindparam, func, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from wiki.db import Database
from wiki.errors import WikiError
from wiki.files.storage import BlobStore, DirectoryStore, store_for
from wiki.instance import private_folder
from wiki.models import Base
from wiki.ops.migrate import (
    MIGRATIONS_DIR,
    ForeignKeyViolation,
    alembic_config,
    schema_change,
)

FORMAT = "bureaupedia-backup"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
BLOB_PREFIX = "files/"

#: Tables left out of backups, and why. Restoring leaves them empty. (``page_links`` is
#: derived too, from the current revisions, but nothing fills it on demand: it is carried,
#: and ``wiki reindex`` rebuilds it if ever needed.)
SKIPPED_TABLES: dict[str, str] = {
    "rendered_revisions": "cached HTML derived from revisions; rebuilt on demand",
    "login_sessions": "logins are ephemeral: after a restore everyone logs in again",
    "file_texts": "text read from files for search; the search indexer reads it again after a restore",
    "file_thumbnails": "smaller copies of pictures; made again when a page first shows them",
    "search_page_changes": "the search index's feed of changes to files; a restore rebuilds the index whole",
    "related_lists": "when each page's related pages were worked out; the search indexer works them out again",
    "related_pages": "each page's related pages, worked out from the search index; made again after a restore",
}

#: Tables the migrations put rows in (how many), which a database "made with `wiki
#: upgrade` and never used" therefore has: a restore replaces them with the archive's.
SEEDED_ROWS: dict[str, int] = {
    "spaces": 1,  # the default space (migration 0008)
    "space_grants": 2,  # its grants to the signed-in and to visitors (migration 0012)
}

#: Files of the instance folder that are backed up (the search index is derived: never).
#: ``secret_key`` is the key generated when SECRET_KEY is not set; restoring it keeps
#: whatever it signed valid. Note that the login sessions are not restored.
INSTANCE_FILES = ("secret_key",)

INSERT_BATCH_ROWS = 1000
INSERT_BATCH_BYTES = 16 * 1024 * 1024
WRITE_CHUNK_BYTES = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")

Progress = Callable[[str], None]


class BackupError(WikiError):
    """A backup or restore cannot be done; ``message`` says why (nothing was changed)."""


@dataclass
class Summary:
    """What a backup wrote or a restore loaded."""

    schema_revision: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows
    files: list[str] = field(default_factory=list)  # instance files
    blobs: int = 0  # file contents carried as files/<sha256>
    blob_bytes: int = 0
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


# ---------------------------------------------------------------------- values


def column_kind(type_: sa.types.TypeEngine) -> str:
    """How values of a column of ``type_`` are written to the archive."""
    if isinstance(type_, sa.Interval):
        raise BackupError(f"Columns of type {type_!r} cannot be backed up yet.")
    if isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, sa.Enum):
        return "enum"
    if isinstance(type_, sa.DateTime):
        return "datetime"
    if isinstance(type_, sa.Date):
        return "date"
    if isinstance(type_, sa.Time):
        return "time"
    if isinstance(type_, sa.types._Binary):
        return "bytes"
    if isinstance(type_, sa.JSON):
        return "json"
    if isinstance(type_, sa.Uuid):
        return "uuid"
    if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float):
        return "decimal"
    return "plain"


def _isoformat(value):
    return value.isoformat()


def _enum_value(value):
    return value.value if isinstance(value, enum.Enum) else value


def _same(value):
    return value


ENCODERS: dict[str, Callable] = {
    "datetime": _isoformat,
    "date": _isoformat,
    "time": _isoformat,
    "enum": _enum_value,
    "bytes": lambda value: base64.b64encode(value).decode("ascii"),
    "json": _same,
    "uuid": str,
    "decimal": str,
    "plain": _same,
}


def _datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else parsed


DECODERS: dict[str, Callable] = {
    "datetime": _datetime,
    "date": date.fromisoformat,
    "time": dtime.fromisoformat,
    "enum": _same,  # the stored value, which the column accepts as is
    "bytes": lambda value: base64.b64decode(value, validate=True),
    "json": _same,
    "uuid": uuid.UUID,
    "decimal": Decimal,
    "plain": _same,
}


def _null_safe(function: Callable) -> Callable:
    return lambda value: None if value is None else function(value)


# ---------------------------------------------------------------------- backup


def backed_up_tables() -> list[Table]:
    """The model tables a backup holds, in dependency order (parents first).

    Raises BackupError when a backed-up table refers to a skipped one (its rows could not
    be restored).
    """
    tables = [table for table in Base.metadata.sorted_tables if table.name not in SKIPPED_TABLES]
    for table in tables:
        for key in table.foreign_keys:
            if key.column.table.name in SKIPPED_TABLES:
                raise BackupError(
                    f"{table.name} refers to {key.column.table.name}, which backups skip"
                )
    return tables


def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


@contextmanager
def _snapshot(database: Database) -> Iterator[Connection]:
    """One read transaction that sees a single consistent state of the database."""
    with database.engine.connect() as connection:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
            # SQLite: the first read below starts the snapshot (WAL), which lasts until
            # the transaction ends.
            yield connection


def _dump_table(connection: Connection, table: Table, archive: zipfile.ZipFile) -> dict:
    kinds = [(column.name, column_kind(column.type)) for column in table.columns]
    encoders = [(name, _null_safe(ENCODERS[kind])) for name, kind in kinds]
    name = f"tables/{table.name}.jsonl"
    digest = hashlib.sha256()
    rows = 0
    order = list(table.primary_key.columns) or list(table.columns)
    query = select(table).order_by(*order).execution_options(yield_per=500)
    dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode
    with archive.open(name, "w", force_zip64=True) as member:
        chunk: list[bytes] = []
        size = 0
        for row in connection.execute(query):
            try:
                line = dumps(
                    {
                        column: encode(value)
                        for (column, encode), value in zip(encoders, row, strict=True)
                    }
                )
            except (TypeError, ValueError) as exc:
                raise BackupError(f"Cannot write a row of {table.name}: {exc}.") from exc
            data = line.encode("ascii") + b"\n"
            digest.update(data)
            chunk.append(data)
            size += len(data)
            rows += 1
            if size >= WRITE_CHUNK_BYTES:
                member.write(b"".join(chunk))
                chunk, size = [], 0
        member.write(b"".join(chunk))
    return {
        "name": table.name,
        "file": name,
        "rows": rows,
        "sha256": digest.hexdigest(),
        "columns": [{"name": column, "kind": kind} for column, kind in kinds],
    }


def _folder_blobs(connection: Connection) -> list[tuple[str, int, str]]:
    """``(sha256, size, mime)`` of the contents whose bytes are not in the database."""
    blobs = Base.metadata.tables["file_blobs"]
    return [
        (row.sha256, row.size, row.mime)
        for row in connection.execute(
            select(blobs.c.sha256, blobs.c.size, blobs.c.mime)
            .where(blobs.c.data.is_(None))
            .order_by(blobs.c.sha256)
        )
    ]


# Contents that are compressed already: stored as they are, not deflated again.
_COMPRESSED = ("image/", "video/", "audio/", "application/pdf", "application/zip",
               "application/vnd.openxmlformats", "application/gzip", "application/x-7z")  # fmt: skip


def _copy_blob(
    archive: zipfile.ZipFile, store: BlobStore, sha256: str, size: int, mime: str
) -> dict:
    """Copy one content from the folder store into ``files/<sha256>``, a chunk at a time,
    checking its bytes against its name."""
    path = store.path(sha256)
    if path is None:
        raise BackupError(
            f"The bytes of file content {sha256} are not in the files folder: the backup "
            "would be incomplete. Nothing was written."
        )
    info = zipfile.ZipInfo(f"{BLOB_PREFIX}{sha256}", date_time=time.gmtime()[:6])
    info.compress_type = (
        zipfile.ZIP_STORED if mime.startswith(_COMPRESSED) else zipfile.ZIP_DEFLATED
    )
    info.external_attr = 0o600 << 16
    digest = hashlib.sha256()
    copied = 0
    with open(path, "rb") as source, archive.open(info, "w", force_zip64=True) as member:
        while chunk := source.read(WRITE_CHUNK_BYTES):
            digest.update(chunk)
            member.write(chunk)
            copied += len(chunk)
    if digest.hexdigest() != sha256 or copied != size:
        raise BackupError(
            f"The file {path} is damaged: its bytes no longer match the content they were "
            "saved as. Nothing was written."
        )
    return {"sha256": sha256, "size": size, "file": info.filename}


def backup(
    database: Database,
    target: Path,
    instance_path: Path,
    *,
    include_secret_key: bool = True,
    files_path: str | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Write the whole wiki to the archive ``target`` (replaced atomically when it exists;
    created readable by its owner only: it holds password hashes). ``files_path`` is the
    folder store (``WIKI_FILES_PATH``), if the wiki has one: the contents kept there go
    into the archive too.

    Raises BackupError when the database is not at this code's newest schema revision, a
    content kept in the folder is missing or damaged, or the target cannot be written.
    """
    say = progress or (lambda _message: None)
    started = time.monotonic()
    target = Path(target)
    tables = backed_up_tables()
    head = _script().get_current_head()
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise BackupError(f"Cannot write {target}: {exc.strerror}.") from None
    try:
        with (
            os.fdopen(descriptor, "wb") as raw,
            zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive,
        ):
            created_at = datetime.now(UTC)
            with _snapshot(database) as connection:
                revision = MigrationContext.configure(connection).get_current_revision()
                if revision is None:
                    raise BackupError(
                        "The database has no wiki schema: there is nothing to back up."
                    )
                if revision != head:
                    raise BackupError(
                        f"The database schema is at {revision} but this wiki expects "
                        f"{head}: run `wiki upgrade` (or back up with the matching version)."
                    )
                summary = Summary(schema_revision=revision)
                entries = []
                for table in tables:
                    entry = _dump_table(connection, table, archive)
                    entries.append(entry)
                    summary.rows[table.name] = entry["rows"]
                    say(f"  {table.name}: {entry['rows']:,} rows")
                in_folder = _folder_blobs(connection)
                dialect = connection.dialect.name
            # Contents are never changed once written, so reading them after the snapshot
            # gives the bytes its rows named.
            if in_folder and not files_path:
                raise BackupError(
                    f"{len(in_folder):,} file contents have their bytes in a files folder, but "
                    "WIKI_FILES_PATH is not set: set it as the server has it. Nothing was written."
                )
            store = store_for(files_path)
            blobs = []
            for sha256, size, mime in in_folder:
                blobs.append(_copy_blob(archive, store, sha256, size, mime))
                summary.blobs += 1
                summary.blob_bytes += size
            if blobs:
                say(f"  files: {summary.blobs:,} contents, {summary.blob_bytes:,} bytes")
            files = []
            for name in INSTANCE_FILES:
                if name == "secret_key" and not include_secret_key:
                    continue
                path = Path(instance_path) / name
                try:
                    content = path.read_bytes()
                except FileNotFoundError:
                    continue
                archive.writestr(f"instance/{name}", content)
                files.append(
                    {
                        "name": name,
                        "file": f"instance/{name}",
                        "sha256": hashlib.sha256(content).hexdigest(),
                    }
                )
                summary.files.append(name)
                say(f"  instance file {name}")
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "schema_revision": revision,
                "created_at": created_at.isoformat(),
                "database": dialect,
                "skipped_tables": {name: why for name, why in SKIPPED_TABLES.items()},
                "tables": entries,
                "files": files,
                "blobs": blobs,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    summary.seconds = time.monotonic() - started
    return summary


# ---------------------------------------------------------------------- reading an archive


def _damaged(what: str, exc: BaseException) -> BackupError:
    return BackupError(f"The archive is damaged ({what}: {exc}). Nothing was changed.")


def _check_manifest(data) -> dict:
    def bad(why: str) -> BackupError:
        return BackupError(f"The archive's manifest is invalid ({why}). Nothing was changed.")

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("This is not a wiki backup archive. Nothing was changed.")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise bad("format_version")
    if version > FORMAT_VERSION:
        raise BackupError(
            f"The archive has format version {version}; this wiki reads up to {FORMAT_VERSION}. "
            "Restore it with a newer version of the wiki. Nothing was changed."
        )
    if not isinstance(data.get("schema_revision"), str):
        raise bad("schema_revision")
    tables, seen = data.get("tables"), set()
    if not isinstance(tables, list):
        raise bad("tables")
    for entry in tables:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("file"), str)
            and isinstance(entry.get("rows"), int)
            and entry["rows"] >= 0
            and isinstance(entry.get("sha256"), str)
            and _SHA256.match(entry["sha256"])
            and isinstance(entry.get("columns"), list)
            and entry["name"] not in seen
        ):
            raise bad(f"table entry {str(entry)[:80]}")
        seen.add(entry["name"])
        for column in entry["columns"]:
            if not (isinstance(column, dict) and isinstance(column.get("name"), str)):
                raise bad(f"a column of {entry['name']}")
            if column.get("kind") not in DECODERS:
                raise BackupError(
                    f"The archive stores column {entry['name']}.{column.get('name')} as "
                    f"{column.get('kind')!r}, which this wiki cannot read. Nothing was changed."
                )
    files = data.get("files")
    if not isinstance(files, list):
        raise bad("files")
    for entry in files:
        if not (
            isinstance(entry, dict)
            and entry.get("name") in INSTANCE_FILES  # never a path of the archive's choosing
            and isinstance(entry.get("file"), str)
            and isinstance(entry.get("sha256"), str)
        ):
            raise bad(f"file entry {str(entry)[:80]}")
    blobs = data.setdefault("blobs", [])  # format version 1 had none
    if not isinstance(blobs, list):
        raise bad("blobs")
    named = set()
    for entry in blobs:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and _SHA256.match(entry["sha256"])
            # never a path of the archive's choosing
            and entry.get("file") == BLOB_PREFIX + entry["sha256"]
            and isinstance(entry.get("size"), int)
            and not isinstance(entry["size"], bool)
            and entry["size"] >= 0
            and entry["sha256"] not in named
        ):
            raise bad(f"blob entry {str(entry)[:80]}")
        named.add(entry["sha256"])
    return data


def read_manifest(archive: zipfile.ZipFile) -> dict:
    """The checked manifest of an open archive. Raises BackupError."""
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise BackupError(
            "This is not a wiki backup archive (no manifest.json). Nothing was changed."
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise _damaged(MANIFEST, exc) from None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _damaged(MANIFEST, exc) from None
    return _check_manifest(data)


def _verify(archive: zipfile.ZipFile, manifest: dict) -> None:
    """Check every table file, file content and instance file against the manifest, and the
    bytes of every content against its SHA-256. Raises BackupError."""
    for entry in [*manifest["tables"], *manifest["files"], *manifest["blobs"]]:
        digest = hashlib.sha256()
        lines = size = 0
        try:
            with archive.open(entry["file"]) as member:
                while chunk := member.read(WRITE_CHUNK_BYTES):
                    digest.update(chunk)
                    lines += chunk.count(b"\n")
                    size += len(chunk)
        except KeyError:
            raise BackupError(f"The archive lacks {entry['file']}. Nothing was changed.") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _damaged(entry["file"], exc) from None
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(
                f"The archive is damaged: the checksum of {entry['file']} does not match its "
                "manifest. Nothing was changed."
            )
        if "rows" in entry and lines != entry["rows"]:
            raise BackupError(
                f"The archive is damaged: {entry['file']} has {lines} rows, its manifest says "
                f"{entry['rows']}. Nothing was changed."
            )
        if "size" in entry and size != entry["size"]:
            raise BackupError(
                f"The archive is damaged: {entry['file']} has {size:,} bytes, its manifest says "
                f"{entry['size']:,}. Nothing was changed."
            )
    _verify_contents(archive, manifest)


def _verify_contents(archive: zipfile.ZipFile, manifest: dict) -> None:
    """Every file content the archive names has its bytes in it, hashing to its SHA-256:
    in its row of ``file_blobs`` (as base64), or as a ``files/`` member. Raises
    BackupError."""
    entry = next((e for e in manifest["tables"] if e["name"] == "file_blobs"), None)
    members = {blob["sha256"]: blob["size"] for blob in manifest["blobs"]}
    if entry is None:
        if members:
            raise BackupError(
                "The archive holds file contents but no file_blobs table. Nothing was changed."
            )
        return
    kinds = {column["name"]: column["kind"] for column in entry["columns"]}
    if kinds.get("data") != "bytes" or "sha256" not in kinds or "size" not in kinds:
        raise BackupError(
            "The archive's file_blobs table lacks its sha256, size or data. Nothing was changed."
        )
    unknown = set(members)
    try:
        with archive.open(entry["file"]) as table:
            for line in table:
                row = json.loads(line)
                sha256, data = row.get("sha256"), row.get("data")
                if data is None:
                    if members.get(sha256) != row.get("size"):
                        raise BackupError(
                            f"The archive lacks the bytes of file content {sha256}: they are "
                            "neither in its row nor among its files. Nothing was changed."
                        )
                    unknown.discard(sha256)
                    continue
                content = base64.b64decode(data, validate=True)
                if hashlib.sha256(content).hexdigest() != sha256 or len(content) != row.get("size"):
                    raise BackupError(
                        f"The archive is damaged: the bytes of file content {sha256} do not "
                        "match their SHA-256. Nothing was changed."
                    )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, AttributeError) as exc:
        raise _damaged(entry["file"], exc) from None
    if unknown:
        raise BackupError(
            f"The archive holds files/{min(unknown)} (and {len(unknown) - 1} more), which no row "
            "of file_blobs names. Nothing was changed."
        )


# ---------------------------------------------------------------------- restore


def _is_ancestor(script: ScriptDirectory, ancestor: str, revision: str) -> bool:
    return any(
        script_.revision == ancestor for script_ in script.iterate_revisions(revision, "base")
    )


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for unknown revisions
        return False


def _migrate(
    connection: Connection, script: ScriptDirectory, current: str | None, target: str
) -> None:
    """Bring the schema from ``current`` to ``target`` inside the connection's transaction
    (down only ever on an empty database)."""
    if current == target:
        return
    config = alembic_config(connection.engine)
    config.attributes["connection"] = connection
    if current is None or _is_ancestor(script, current, target):
        command.upgrade(config, target)
    else:
        command.downgrade(config, target)


def _check_empty(connection: Connection, script: ScriptDirectory) -> str | None:
    """The target's schema revision (None when unmigrated). Raises BackupError unless the
    database is empty and its schema known."""
    names = [name for name in inspect(connection).get_table_names() if name != "alembic_version"]
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None and names:
        raise BackupError(
            f"The database has tables ({', '.join(sorted(names))}) but no wiki schema: restore "
            "into an empty database. Nothing was changed."
        )
    if current is not None and not _known(script, current):
        raise BackupError(
            f"The database's schema {current} is newer than this wiki knows. Nothing was changed."
        )
    filled = []
    for name in sorted(names):
        count = connection.scalar(select(func.count()).select_from(sa.table(name))) or 0
        if count > SEEDED_ROWS.get(name, 0):
            filled.append(f"{name}: {count:,} rows")
    if filled:
        raise BackupError(
            "The database is not empty (" + ", ".join(filled) + "). Restore only into an empty "
            "database (a new one, or one made with `wiki upgrade` and never used). Nothing was changed."
        )
    return current


def _load_table(
    connection: Connection,
    table: Table,
    entry: dict,
    archive: zipfile.ZipFile,
    later: set[str],
    transform: Callable[[dict], None] | None = None,
) -> list[tuple[sa.Update, list[dict]]]:
    """Insert the rows of one archived table (each first given to ``transform``, which may
    change it). Foreign keys to tables loaded ``later`` are inserted as NULL; returns the
    updates (statement, parameters) that set them afterwards."""
    columns = [
        (column["name"], _null_safe(DECODERS[column["kind"]])) for column in entry["columns"]
    ]
    unknown = {name for name, _decode in columns} - set(table.columns.keys())
    if unknown:
        raise BackupError(
            f"The archive's {table.name} has columns the schema lacks ({', '.join(sorted(unknown))}). "
            "Nothing was changed."
        )
    names = {name for name, _decode in columns}
    deferred = sorted(
        {key.parent.name for key in table.foreign_keys if key.column.table.name in later} & names
    )
    primary_key = [column.name for column in table.primary_key.columns]
    pending: dict[str, list[dict]] = {name: [] for name in deferred}
    batch: list[dict] = []
    size = 0
    with archive.open(entry["file"]) as member:
        for line in member:
            data = json.loads(line)
            if not isinstance(data, dict) or data.keys() != names:
                raise BackupError(
                    f"A row of {table.name} does not match its columns. Nothing was changed."
                )
            row = {name: decode(data[name]) for name, decode in columns}
            if transform is not None:
                transform(row)
            for name in deferred:
                if row[name] is not None:
                    pending[name].append(
                        {**{f"b_pk_{key}": row[key] for key in primary_key}, "b_value": row[name]}
                    )
                    row[name] = None
            batch.append(row)
            size += len(line)
            if len(batch) >= INSERT_BATCH_ROWS or size >= INSERT_BATCH_BYTES:
                connection.execute(table.insert(), batch)
                batch, size = [], 0
    if batch:
        connection.execute(table.insert(), batch)
    where = sa.and_(*(table.c[key] == bindparam(f"b_pk_{key}") for key in primary_key))
    return [
        (table.update().where(where).values({name: bindparam("b_value")}), values)
        for name, values in pending.items()
        if values
    ]


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """PostgreSQL: set each serial primary key's sequence past the largest restored id."""
    if connection.dialect.name != "postgresql":
        return  # SQLite numbers new rows from the largest existing id
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(table.name), "column": column.name},
            )
            if sequence:
                largest = f"(SELECT MAX({quote(column.name)}) FROM {quote(table.name)})"
                connection.execute(
                    text(
                        f"SELECT setval(:sequence, COALESCE({largest}, 1), {largest} IS NOT NULL)"
                    ),
                    {"sequence": sequence},
                )


def _into_folder(store: DirectoryStore) -> Callable[[dict], None]:
    """For a target whose files live in a folder: a ``file_blobs`` row's bytes go there,
    the row keeps none (as the folder store's rows do)."""

    def move(row: dict) -> None:
        if row.get("data") is not None:
            store.add(row["sha256"], [row["data"]])
            row["data"] = None

    return move


def _chunks(member) -> Iterator[bytes]:
    while chunk := member.read(WRITE_CHUNK_BYTES):
        yield chunk


def _place_blobs(
    connection: Connection, archive: zipfile.ZipFile, manifest: dict, store: BlobStore
) -> None:
    """Put the contents carried as ``files/`` members into the target's store: the folder,
    or their rows (one content in memory at a time)."""
    blobs = Base.metadata.tables["file_blobs"]
    for entry in manifest["blobs"]:
        if isinstance(store, DirectoryStore):
            with archive.open(entry["file"]) as member:
                store.add(entry["sha256"], _chunks(member))
        else:
            connection.execute(
                blobs.update()
                .where(blobs.c.sha256 == entry["sha256"])
                .values(data=archive.read(entry["file"]))
            )


def _write_instance_file(instance_path: Path, name: str, content: bytes) -> None:
    private_folder(instance_path)
    partial = instance_path / f".{name}.{os.getpid()}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(partial, instance_path / name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def restore(
    database: Database,
    source: Path,
    instance_path: Path,
    *,
    files_path: str | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Restore the archive ``source`` into the (empty) database and instance folder, the
    bytes of files into the folder ``files_path`` (``WIKI_FILES_PATH``) if given, else into
    the database.

    Raises BackupError, with nothing changed, when the archive is not a backup, is damaged
    (a file's bytes that do not hash to its SHA-256 included), comes from a newer format or
    schema than this code knows, or the database is not empty. (A folder may be left with
    contents no row names, which is harmless: a store only ever adds.) The search index is
    not touched here (see :func:`rebuild_search_index`).
    """
    say = progress or (lambda _message: None)
    started = time.monotonic()
    script = _script()
    head = script.get_current_head()
    if head is None:  # an installation without its migrations: nothing to restore into
        raise BackupError("This installation has no schema migrations. Nothing was changed.")
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise BackupError(
            f"{source} is not a backup archive, or is damaged ({exc}). Nothing was changed."
        ) from None
    except OSError as exc:
        raise BackupError(f"Cannot read {source}: {exc.strerror}.") from None
    with archive:
        manifest = read_manifest(archive)
        revision = manifest["schema_revision"]
        if not _known(script, revision):
            raise BackupError(
                f"The archive comes from a newer version of the wiki (schema {revision}; this wiki "
                f"knows up to {head}): upgrade the wiki first. Nothing was changed."
            )
        _verify(archive, manifest)
        say(
            f"Checked the archive: schema {revision}, {len(manifest['tables'])} tables, checksums match."
        )
        summary = Summary(schema_revision=revision)
        store = store_for(files_path)
        names = [entry["name"] for entry in manifest["tables"]]
        try:
            # One transaction; on SQLite the foreign keys are checked in full before the
            # commit (rows may refer to rows of the same table further on, and migrations
            # rebuild tables).
            with schema_change(database.write_engine) as connection:
                current = _check_empty(connection, script)
                _migrate(connection, script, current, revision)
                metadata = MetaData()
                try:
                    metadata.reflect(connection, only=names)
                except sa.exc.InvalidRequestError as exc:
                    raise BackupError(
                        f"The archive's tables do not match schema {revision} ({exc}). Nothing was changed."
                    ) from None
                tables = [metadata.tables[name] for name in names]
                updates = []
                # The archive holds the seeded rows as they were; out first, dependants first.
                for table in reversed(tables):
                    if table.name in SEEDED_ROWS:
                        connection.execute(table.delete())
                for position, (table, entry) in enumerate(
                    zip(tables, manifest["tables"], strict=True)
                ):
                    moving = (
                        _into_folder(store)
                        if table.name == "file_blobs" and isinstance(store, DirectoryStore)
                        else None
                    )
                    updates += _load_table(
                        connection, table, entry, archive, set(names[position + 1 :]), moving
                    )
                    summary.rows[table.name] = entry["rows"]
                    say(f"  {table.name}: {entry['rows']:,} rows")
                for statement, values in updates:
                    connection.execute(statement, values)
                _place_blobs(connection, archive, manifest, store)
                if manifest["blobs"]:
                    summary.blobs = len(manifest["blobs"])
                    summary.blob_bytes = sum(entry["size"] for entry in manifest["blobs"])
                    say(f"  files: {summary.blobs:,} contents, {summary.blob_bytes:,} bytes")
                for table, entry in zip(tables, manifest["tables"], strict=True):
                    count = connection.scalar(select(func.count()).select_from(table))
                    if count != entry["rows"]:
                        raise BackupError(
                            f"{table.name} holds {count} rows after loading, the archive {entry['rows']}. "
                            "Nothing was changed."
                        )
                _reset_sequences(connection, tables)
                _migrate(connection, script, revision, head)
        except BackupError:
            raise
        except (
            SQLAlchemyError,
            ValueError,
            TypeError,
            KeyError,
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            ForeignKeyViolation,
            OSError,
        ) as exc:
            detail = getattr(exc, "orig", None) or exc
            raise BackupError(
                f"Restoring failed and was rolled back: {detail}. Nothing was changed."
            ) from exc
        say(f"Schema: {current or 'empty'} -> {revision} (archive) -> {head}.")
        for entry in manifest["files"]:
            try:
                _write_instance_file(
                    Path(instance_path), entry["name"], archive.read(entry["file"])
                )
            except OSError as exc:
                raise BackupError(
                    f"The database was restored, but {Path(instance_path) / entry['name']} could not be "
                    f"written ({exc.strerror}): copy it from the archive's {entry['file']}."
                ) from None
            summary.files.append(entry["name"])
            say(f"  instance file {entry['name']} (mode 0600)")
    summary.seconds = time.monotonic() - started
    return summary


def rebuild_search_index(
    database: Database, index_path: Path, progress: Callable[[int], None] | None = None
) -> int:
    """Rebuild the search index at ``index_path`` from the database (built aside and
    swapped in); returns the pages indexed. Raises IndexBusy when another process is
    writing the index."""
    from wiki.search import indexer
    from wiki.search.engine import WhooshEngine

    engine = WhooshEngine(Path(index_path))
    try:
        with database.session() as session:
            indexer.rebuild(session, engine, progress=progress)
        engine.refresh()
        return len(engine.indexed_revisions())
    finally:
        engine.close()
