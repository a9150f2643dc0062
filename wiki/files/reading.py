"""Reading a content kept in the database a piece at a time, so that sending a 50 MB file
never holds 50 MB in a worker's memory, nor a database connection for the whole download.

The request's own session is closed before a response's body is sent, so the pieces are
read on other connections. PostgreSQL borrows one from the pool for each piece and slices
the value with ``substring``, which fetches only the TOAST chunks it needs from a value
stored uncompressed (migration 0020); a content never changes once written (it is named by
its hash), so pieces read at different moments fit together. SQLite reads through one
incremental blob handle (``substr`` would load the whole value for every piece) on a
pooled connection held until the file is closed: with WAL, a reader blocks no writer.
"""

from __future__ import annotations

import io
import sqlite3

from sqlalchemy import Engine, PoolProxiedConnection, func, select

from wiki.models import FileBlob

__all__ = ["PIECE", "DatabaseContentReader", "open_in_pieces"]

#: How much one database read fetches: large enough that a download costs few queries,
#: small enough to keep a worker's memory flat.
PIECE = 1024 * 1024


class DatabaseContentReader(io.RawIOBase):
    """A seekable, read-only file over ``file_blobs.data`` of one content."""

    def __init__(self, engine: Engine, sha256: str, size: int):
        super().__init__()
        self._engine = engine
        self._sha256 = sha256
        self._size = size
        self._position = 0
        # SQLite: one blob handle for the whole read, which keeps its place in the value's
        # chain of overflow pages (a new handle per piece walks the chain from the start).
        self._raw: PoolProxiedConnection | None = None
        self._blob: sqlite3.Blob | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), PIECE, self._size - self._position)
        if wanted <= 0:
            return 0
        piece = self._read(self._position, wanted)
        if len(piece) != wanted:
            raise OSError(f"content {self._sha256} is shorter than its recorded size")
        buffer[:wanted] = piece
        self._position += wanted
        return wanted

    def _read(self, offset: int, length: int) -> bytes:
        if self._engine.dialect.name == "sqlite":
            return self._read_sqlite(offset, length)
        with self._engine.connect() as connection:
            piece = connection.scalar(
                select(func.substring(FileBlob.data, offset + 1, length)).where(
                    FileBlob.sha256 == self._sha256
                )
            )
        if piece is None:
            raise OSError(f"content {self._sha256} is not in the database")
        return bytes(piece)

    def _read_sqlite(self, offset: int, length: int) -> bytes:
        if self._blob is None:
            self._raw = self._engine.raw_connection()
            connection = self._raw.driver_connection
            assert connection is not None  # a pooled connection is always open
            row = connection.execute(
                "SELECT rowid FROM file_blobs WHERE sha256 = ?", (self._sha256,)
            ).fetchone()
            if row is None:
                raise OSError(f"content {self._sha256} is not in the database")
            self._blob = connection.blobopen("file_blobs", "data", row[0], readonly=True)
        self._blob.seek(offset)
        return self._blob.read(length)

    def close(self) -> None:
        if self._blob is not None:
            self._blob.close()
            self._blob = None
        if self._raw is not None:
            self._raw.close()  # back to the pool
            self._raw = None
        super().close()


def open_in_pieces(engine: Engine, sha256: str, size: int) -> io.BufferedReader:
    """A buffered, seekable file over the content ``sha256`` of ``size`` bytes; each
    database read fetches one :data:`PIECE`. Reading raises OSError when the content is
    gone or shorter than ``size``; opening raises nothing."""
    return io.BufferedReader(DatabaseContentReader(engine, sha256, size), buffer_size=PIECE)
