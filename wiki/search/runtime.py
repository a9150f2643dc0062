"""The search engine of this process, and the hooks that feed it.

Opened lazily in each process (never in a server's parent before it forks workers, which
would share open index files between processes), with one background indexer per process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from wiki.db import get_database
from wiki.files.storage import store_for
from wiki.files.texts import ExtractionLimits
from wiki.models import Revision, SearchPageChange
from wiki.search.backend import SearchBackend
from wiki.search.engine import WhooshEngine
from wiki.search.indexer import BackgroundIndexer


def extraction_limits(config) -> ExtractionLimits:
    """What reading one file's text may take, from the settings ``WIKI_EXTRACT_TIMEOUT``
    and ``WIKI_EXTRACT_MEMORY_MB``. Raises ValueError when one is not positive."""
    timeout = float(config["EXTRACT_TIMEOUT"])
    memory_mb = int(config["EXTRACT_MEMORY_MB"])
    if timeout <= 0 or memory_mb <= 0:
        raise ValueError("WIKI_EXTRACT_TIMEOUT and WIKI_EXTRACT_MEMORY_MB must be positive")
    return ExtractionLimits(timeout=timeout, memory_bytes=memory_mb * 1024 * 1024)


class SearchRuntime:
    def __init__(self, app: Flask):
        self.directory = Path(app.config["SEARCH_INDEX_PATH"])
        self.background = app.config["SEARCH_BACKGROUND"]
        self.database = get_database(app)
        self.store = store_for(app.config["FILES_PATH"])
        self.limits = extraction_limits(app.config)
        self._pid: int | None = None
        self._lock = threading.Lock()
        self.engine: SearchBackend | None = None
        self.indexer: BackgroundIndexer | None = None

    def ensure_started(self) -> None:
        """Open this process's engine and start its indexer (once per process)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self.engine = WhooshEngine(self.directory)
            self.indexer = BackgroundIndexer(
                self.database, self.engine, store=self.store, limits=self.limits
            )
            if self.background:
                self.indexer.start()
                self.indexer.wake()  # catch up on what happened while no process ran
            self._pid = os.getpid()

    def changed(self) -> None:
        """A transaction that added revisions or noted page changes (files) committed:
        index them soon."""
        if self.indexer is not None and self._pid == os.getpid():
            self.indexer.wake()


def get_search() -> SearchRuntime:
    """This process's search runtime, started on first use."""
    runtime: SearchRuntime = current_app.extensions["wiki.search"]
    runtime.ensure_started()
    return runtime


def get_engine() -> SearchBackend:
    """This process's search engine, opened on first use."""
    engine = get_search().engine
    assert engine is not None  # ensure_started() has opened it
    return engine


def _watch_commits(runtime: SearchRuntime) -> None:
    sessions = runtime.database.sessions

    @event.listens_for(sessions, "after_flush")
    def note_revisions(session: Session, _context):
        if any(isinstance(obj, (Revision, SearchPageChange)) for obj in session.new):
            session.info["revisions_written"] = True

    @event.listens_for(sessions, "after_commit")
    def wake_indexer(session: Session):
        if session.info.pop("revisions_written", False):
            runtime.changed()

    @event.listens_for(sessions, "after_rollback")
    def forget(session: Session):
        session.info.pop("revisions_written", None)


def init_app(app: Flask) -> None:
    app.config.setdefault("SEARCH_BACKGROUND", True)
    runtime = SearchRuntime(app)
    app.extensions["wiki.search"] = runtime
    _watch_commits(runtime)
    # The first request of each worker process opens its index and starts its indexer.
    app.before_request(runtime.ensure_started)
