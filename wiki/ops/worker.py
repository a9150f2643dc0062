"""The gunicorn worker ``wiki serve`` runs: gunicorn's ``gthread`` worker, with a thread pool
that a stop signal cannot deadlock.

gunicorn's gthread worker shuts its thread pool down from its SIGINT/SIGQUIT handler. The
signal may interrupt the main thread inside ``ThreadPoolExecutor.submit`` (handing a new
request to the pool), which holds the pool's shutdown lock; ``shutdown`` then waits for that
same, non-reentrant lock and the worker hangs until the master kills it at the graceful
timeout (seen: Ctrl-C, which signals the whole process group, now and then took 30 s and a
SIGKILL). With a reentrant lock the handler goes through and the worker exits at once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from gunicorn.workers.gthread import ThreadWorker

__all__ = ["WikiThreadWorker"]


class _SignalSafePool(ThreadPoolExecutor):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # submit() and shutdown() both take it; a signal handler may run shutdown() while
        # its own thread is inside submit().
        self._shutdown_lock = threading.RLock()  # type: ignore[assignment]


class WikiThreadWorker(ThreadWorker):
    """gunicorn's gthread worker with a thread pool safe to shut down from a signal
    handler. Raises what gunicorn's worker raises."""

    def get_thread_pool(self) -> ThreadPoolExecutor:
        return _SignalSafePool(max_workers=self.cfg.threads)
