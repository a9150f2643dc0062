"""Where the bytes of files live: one small interface, two stores.

:class:`DatabaseStore` (the default) keeps them in ``file_blobs.data``: backups, restores
and several hosts need nothing more. :class:`DirectoryStore` keeps them in a folder
(``WIKI_FILES_PATH``; on several hosts, a shared one) for installs whose files would make
the database unwieldy; the ``file_blobs`` row is written either way and is what says a
content exists. Contents are named by their SHA-256, so each is stored once and never
changed; a store only ever adds.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from wiki.files.reading import PIECE, open_in_pieces
from wiki.models import FileBlob

__all__ = ["BlobMissing", "BlobStore", "DatabaseStore", "DirectoryStore", "store_for"]


class BlobMissing(LookupError):
    """The bytes of a content the database names are not in the store (a folder copied
    without its files, a damaged disk)."""


class BlobStore(Protocol):
    """Stores and reads the bytes of :class:`~wiki.models.FileBlob` rows."""

    def put(self, session: Session, blob: FileBlob, data: bytes) -> None:
        """Store ``data`` as ``blob``'s bytes, in the caller's transaction where the store is
        the database (a folder store writes the file at once, durably: the row that names
        it commits after). Raises OSError when a folder store cannot write."""
        ...

    def read(self, session: Session, sha256: str) -> bytes:
        """The bytes of a content. Raises BlobMissing."""
        ...

    def path(self, sha256: str) -> Path | None:
        """A file holding the content, to send without reading it into memory; None for
        stores without files. Never raises."""
        ...

    def open(self, session: Session, sha256: str, size: int) -> BinaryIO:
        """A seekable file of the content's ``size`` bytes that stays readable after
        ``session`` is closed (responses are sent after the request's session ends), and
        never holds a large content in memory at once. Raises BlobMissing."""
        ...


class DatabaseStore:
    """Bytes in ``file_blobs.data``."""

    def put(self, session: Session, blob: FileBlob, data: bytes) -> None:
        blob.data = data

    def read(self, session: Session, sha256: str) -> bytes:
        data = session.scalar(select(FileBlob.data).where(FileBlob.sha256 == sha256))
        if data is None:
            raise BlobMissing(sha256)
        return bytes(data)

    def path(self, sha256: str) -> Path | None:
        return None

    def open(self, session: Session, sha256: str, size: int) -> BinaryIO:
        if size <= 4 * PIECE:
            return io.BytesIO(self.read(session, sha256))
        # length() of a stored value is read from its header: no large value is loaded.
        stored = session.scalar(select(func.length(FileBlob.data)).where(FileBlob.sha256 == sha256))
        if stored != size:
            raise BlobMissing(sha256)
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        return open_in_pieces(engine, sha256, size)


class DirectoryStore:
    """Bytes in ``<root>/<first two hex digits>/<sha256>``, written once, read-only after."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _file(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 in hex")  # never a path made from other input
        return self.root / sha256[:2] / sha256

    def put(self, session: Session, blob: FileBlob, data: bytes) -> None:
        self.add(blob.sha256, [data], verify=False)  # the upload named it by its hash

    def add(self, sha256: str, chunks: Iterable[bytes], *, verify: bool = True) -> None:
        """Write the content ``sha256`` from ``chunks`` (restores stream it), unless the
        folder has it already. Raises ValueError when ``verify`` and the bytes do not hash
        to ``sha256`` (nothing is then written), OSError when the folder cannot be
        written."""
        target = self._file(sha256)
        if target.exists():
            return  # the same content, from an upload whose transaction did not commit
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, flushed to disk, then renamed: a crash never leaves half a file
        # under a content's name.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            digest = hashlib.sha256()
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    if verify:
                        digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if verify and digest.hexdigest() != sha256:
                raise ValueError(f"the bytes given for content {sha256} hash to another value")
            os.chmod(temporary, 0o640)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def read(self, session: Session, sha256: str) -> bytes:
        try:
            return self._file(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(sha256) from None

    def path(self, sha256: str) -> Path | None:
        found = self._file(sha256)
        return found if found.is_file() else None

    def open(self, session: Session, sha256: str, size: int) -> BinaryIO:
        try:
            return self._file(sha256).open("rb")
        except FileNotFoundError:
            raise BlobMissing(sha256) from None


def store_for(files_path: str | None) -> BlobStore:
    """The store a configuration names: a folder when ``files_path`` is set, else the
    database. Raises nothing (the folder is made on first write)."""
    return DirectoryStore(Path(files_path)) if files_path else DatabaseStore()


def content_hash(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex, the name of its content. Raises nothing."""
    return hashlib.sha256(data).hexdigest()
