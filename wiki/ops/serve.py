"""``wiki serve``: the wiki under gunicorn, the server for production and for ./scripts/run.

The master process only reads the settings and announces the first-run setup token; each
worker builds its own app with :func:`wiki.create_app` after the fork (gunicorn's
``BaseApplication.load``), so no database connection, search index or thread is ever shared
between processes. Workers are ``gthread`` workers: the wiki may face browsers directly
(./scripts/run has no buffering proxy in front), and a slow client then holds one thread of
a worker instead of a whole sync worker.

Signals are gunicorn's: TERM (or INT, Ctrl-C) stops the server, letting running requests
finish for up to :data:`GRACEFUL_TIMEOUT` seconds; HUP starts fresh workers and then stops
the old ones gracefully.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_THREADS = 4
#: More processes than this rarely help one wiki; each holds its own database pool and
#: search index readers. WIKI_WORKERS sets any number.
MAX_DEFAULT_WORKERS = 8
#: Seconds a stopping worker has to finish its requests (a save, a long render).
GRACEFUL_TIMEOUT = 30
#: Each worker is replaced after about this many requests (plus up to the jitter, so that
#: they are not all replaced at once): whatever a long-running process accumulates is let go.
MAX_REQUESTS = 2000
MAX_REQUESTS_JITTER = 400
#: The longest request line gunicorn accepts (its maximum; its default is 4094): a search of
#: 1,000 characters percent-encoded is up to 3,000 (Latin) or 9,000 (most other scripts)
#: characters long, and the search box holds back what would still not fit.
LIMIT_REQUEST_LINE = 8190


def available_cpus() -> int:
    """The CPU cores this process may run on (a container's or taskset's limit included)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers(cpus: int) -> int:
    """gunicorn's rule of thumb, two workers per core plus one, capped at
    :data:`MAX_DEFAULT_WORKERS`."""
    return min(2 * max(cpus, 1) + 1, MAX_DEFAULT_WORKERS)


def bind_address(host: str, port: int) -> str:
    """``host:port`` as gunicorn's ``bind`` reads it (IPv6 addresses in brackets)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def gunicorn_settings(*, host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The gunicorn settings ``wiki serve`` runs with (names as in gunicorn's settings)."""
    return {
        "bind": [bind_address(host, port)],
        "workers": workers,
        # gunicorn's gthread worker, safe to stop at any moment (see wiki.ops.worker).
        "worker_class": "wiki.ops.worker.WikiThreadWorker",
        "threads": threads,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        # Browsers fetch the stylesheets and scripts right after a page: keep the connection
        # a little longer than gunicorn's 2 s (the poller holds it, not a thread).
        "keepalive": 5,
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS_JITTER,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "accesslog": "-",  # standard output
        "errorlog": "-",  # standard error
        # Never load the app in the master: each worker builds its own after the fork.
        "preload_app": False,
        "proc_name": "bureaupedia",
    }


class WikiApplication(BaseApplication):
    """gunicorn's custom-application API: settings given here, an app built per worker."""

    def __init__(self, settings: Mapping[str, Any], make_app: Callable[[], Flask]):
        self.settings = dict(settings)
        self.make_app = make_app
        super().__init__()

    def load_config(self) -> None:
        assert self.cfg is not None
        for name, value in self.settings.items():
            self.cfg.set(name, value)
        # gunicorn 25.1+ opens a control socket at one path in the home folder (a thread in
        # the master): wikis served side by side would take it from each other.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Flask:
        return self.make_app()  # in each worker, after the fork


def _announce_ready(server: Any) -> None:
    # gunicorn's when_ready hook: the real address is known now (also for --port 0).
    addresses = ", ".join(str(listener) for listener in server.LISTENERS)
    server.log.info(
        "Bureaupedia is serving at %s (%d workers x %d threads; Ctrl-C stops it)",
        addresses,
        server.cfg.workers,
        server.cfg.threads,
    )


class BackgroundWorker:
    """``wiki worker`` as a child of gunicorn's master: started when the server is ready,
    stopped (TERM, then KILL after the graceful timeout) when it exits."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, server: Any) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wiki.ops.cli", "worker"], stdin=subprocess.DEVNULL
        )
        server.log.info("Started the background worker (pid %d)", self.process.pid)

    def stop(self, _server: Any) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=GRACEFUL_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@click.command("serve")
@click.option(
    "--host", envvar="HOST", default=DEFAULT_HOST, show_default=True, help="Address to listen on."
)
@click.option(
    "--port",
    envvar="PORT",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free port, shown in the log).",
)
@click.option(
    "--workers",
    envvar="WIKI_WORKERS",
    type=click.IntRange(min=1),
    default=None,
    help=f"Worker processes [default: 2 per CPU core + 1, at most {MAX_DEFAULT_WORKERS}].",
)
@click.option(
    "--threads",
    envvar="WIKI_THREADS",
    type=click.IntRange(min=1),
    default=DEFAULT_THREADS,
    show_default=True,
    help="Threads per worker.",
)
@click.option(
    "--with-worker/--no-worker",
    envvar="WIKI_SERVE_WORKER",
    default=True,
    show_default=True,
    help="Also run the background worker (notifications); hosts that run "
    "`wiki worker` on their own say --no-worker.",
)
@with_appcontext
def serve_command(
    host: str, port: int, workers: int | None, threads: int, with_worker: bool
) -> None:
    """Serve the wiki with gunicorn (HOST, PORT, WIKI_WORKERS and WIKI_THREADS too), with
    the background worker beside it unless --no-worker."""
    from wiki import create_app
    from wiki.access import security

    # In the master, before any worker exists; on its own short-lived connection.
    security.announce_setup_token(current_app)
    settings = gunicorn_settings(
        host=host,
        port=port,
        workers=workers or default_workers(available_cpus()),
        threads=threads,
    )
    if with_worker:
        background = BackgroundWorker()

        def when_ready(server: Any) -> None:
            _announce_ready(server)
            background.start(server)

        settings["when_ready"] = when_ready
        settings["on_exit"] = background.stop
    else:
        settings["when_ready"] = _announce_ready
    WikiApplication(settings, create_app).run()
