"""The index directory: its generations, which one is live, and who may write.

Layout::

    CURRENT        names the live generation, e.g. "index-7"; replaced with os.replace
    LOCK           held (flock) by whoever writes: apply, create, rebuild
    index-7/       a Whoosh index: the pages and one state document
    index-6/       the previous generation, kept until the next rebuild for processes
                   that still read it

A rebuild builds ``index-<n+1>`` aside while searches keep using the live generation, then
swaps ``CURRENT``. Writers in any process exclude each other through ``LOCK``; the loser
waits up to its timeout and gets :class:`~wiki.search.backend.IndexBusy`.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.util.filelock import FileLock, try_for

from wiki.search.backend import IndexBusy, IndexUnavailable

__all__ = ["CURRENT_FILE", "INDEX_NAME", "LOCK_FILE", "IndexDirectory", "damaged_index"]

INDEX_NAME = "MAIN"
CURRENT_FILE = "CURRENT"
LOCK_FILE = "LOCK"
_GENERATION = re.compile(r"index-(\d+)\Z")


def damaged_index(message: str, exc: BaseException) -> IndexUnavailable:
    """IndexUnavailable for a damaged index, to raise ``from exc``. Never raises.

    When Whoosh fails to read a damaged TOC or segment it leaves that file open, referenced
    only from the frames of the exception: drop the traceback now, so the file is closed
    here (quietly) rather than whenever the exception happens to be collected.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        exc.__traceback__ = None
    return IndexUnavailable(f"{message} ({type(exc).__name__}: {exc})")


def _files(path: Path) -> FileStorage:
    """Whoosh storage for one generation's folder, without memory-mapped files: when a
    mapped file is truncated under a running process (a damaged or replaced index), the
    next read of the lost pages kills the whole process with SIGBUS, which no Python code
    can catch. Plain reads fail with an exception instead, and the index is reported
    unavailable and rebuilt. (Measured on 2,000 pages: searches about 10% slower.)"""
    return FileStorage(str(path), supports_mmap=False)


class IndexDirectory:
    """One index directory (see the module docstring for the layout). Holds no open files."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextmanager
    def exclusive(self, timeout: float) -> Iterator[None]:
        """Hold the directory's write lock (all processes) for the ``with`` block. Raises
        IndexBusy when another writer keeps it longer than ``timeout`` seconds."""
        lock = FileLock(str(self.path / LOCK_FILE))
        if not try_for(lock.acquire, timeout=timeout, delay=0.05):
            raise IndexBusy(f"another writer holds {self.path / LOCK_FILE}")
        try:
            yield
        finally:
            lock.release()

    def read_current(self) -> str:
        """The name of the live generation. Raises IndexUnavailable when there is none or
        ``CURRENT`` is damaged."""
        try:
            name = (self.path / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexUnavailable(f"no index in {self.path}") from exc
        if not _GENERATION.match(name):
            raise IndexUnavailable(f"{self.path / CURRENT_FILE} is damaged")
        return name

    def open_index(self, name: str, schema: Schema) -> FileIndex:
        """The Whoosh index of generation ``name``. Raises IndexUnavailable when it is
        missing or damaged."""
        path = self.path / name
        if not path.is_dir():
            raise IndexUnavailable(f"index generation {name} is missing")
        try:
            return FileIndex(_files(path), schema, INDEX_NAME)
        except Exception as exc:  # a damaged TOC raises anything from struct to pickle
            raise damaged_index(f"index generation {name} is damaged", exc) from exc

    def new_generation(self) -> str:
        """Make the folder of a generation numbered after every existing one; returns its
        name. Call with the write lock held. Raises OSError."""
        numbers = [number for number, _name in self._generations()]
        name = f"index-{max(numbers, default=0) + 1}"
        (self.path / name).mkdir()
        return name

    def create_index(self, name: str, schema: Schema) -> FileIndex:
        """An empty Whoosh index in the (new) generation ``name``. Raises OSError."""
        return FileIndex.create(_files(self.path / name), schema, INDEX_NAME)

    def document_count(self, name: str, schema: Schema) -> int:
        """Documents in the latest commit of generation ``name``, read afresh from disk.
        Raises what Whoosh raises for a damaged generation."""
        return FileIndex(_files(self.path / name), schema, INDEX_NAME).doc_count()

    def swap(self, name: str) -> None:
        """Make generation ``name`` the live one; keep the one it replaces (other
        processes may still read it until they refresh) and delete all older ones. Call
        with the write lock held. Raises OSError when ``CURRENT`` cannot be replaced."""
        try:
            previous = {self.read_current()}
        except IndexUnavailable:
            previous = set()
        temporary = self.path / f"{CURRENT_FILE}.{os.getpid()}.{threading.get_ident()}"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path / CURRENT_FILE)
        try:
            directory = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError:
            pass  # not all file systems can sync a directory; the rename is still atomic
        self.remove_generations(keep={name} | previous)

    def discard_generation(self, name: str) -> None:
        """Delete generation ``name`` (one that never went live). Never raises."""
        shutil.rmtree(self.path / name, ignore_errors=True)

    def generations_to_keep(self) -> set[str]:
        """The live generation and the one before it (empty when there is no live one).
        Raises OSError when the directory cannot be listed."""
        try:
            current = self.read_current()
        except IndexUnavailable:
            return set()
        number = int(current.removeprefix("index-"))  # read_current() checked the name
        older = [name for n, name in self._generations() if n < number]
        return {current, *older[-1:]}

    def remove_generations(self, keep: set[str]) -> None:
        """Delete every generation not in ``keep``, as far as possible. Raises OSError when
        the directory cannot be listed."""
        for _number, name in self._generations():
            if name not in keep:
                shutil.rmtree(self.path / name, ignore_errors=True)

    def _generations(self) -> list[tuple[int, str]]:
        found = []
        for entry in self.path.iterdir():
            match = _GENERATION.match(entry.name)
            if match and entry.is_dir():
                found.append((int(match.group(1)), entry.name))
        return sorted(found)
