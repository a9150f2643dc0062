"""`wiki serve`: the wiki under gunicorn, as ./scripts/run and a production host start it."""

from __future__ import annotations

import os
import re
import signal
import stat
import threading
import time

import pytest

from wiki.ops.serve import (
    GRACEFUL_TIMEOUT,
    LIMIT_REQUEST_LINE,
    MAX_DEFAULT_WORKERS,
    bind_address,
    default_workers,
    gunicorn_settings,
)

from .conftest import PASSWORD, make_app
from .servers import Browser, ServeCommand, csrf_token

STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/static/[^"]+)"')
SCRIPT = re.compile(r'<script src="(/static/[^"]+)"')


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_first_admin_sets_up_a_served_wiki_which_reloads_and_stops_cleanly(
    database_url, tmp_path
):
    instance = tmp_path / "instance"
    server = ServeCommand(
        database_url=database_url,
        instance_path=instance,
        search_index_path=instance / "search",
        workers=2,
        threads=3,
    )
    with server:
        # The setup token was announced on the console before the workers started.
        token = (instance / "setup_token").read_text().strip()
        log = server.log_text()
        assert token in log
        assert log.index(token) < log.index("Booting worker")
        assert "(2 workers x 3 threads; Ctrl-C stops it)" in log
        # gunicorn boots its workers one after the other: the first may answer before the second.
        wait_for(lambda: len(server.worker_pids()) == 2, 10, "two workers")
        # ... and the background worker beside them (notifications), once.
        wait_for(lambda: len(server.background_pids()) == 1, 10, "the background worker")
        background = server.background_pids()

        browser = Browser(server.port)
        assert browser.get("/").location == "/-/setup"
        setup = browser.get("/-/setup")
        assert setup.status == 200
        created = browser.post(
            "/-/setup",
            {
                "csrf_token": csrf_token(setup.body),
                "setup_token": token,
                "username": "ada",
                "password": PASSWORD,
                "password_confirm": PASSWORD,
            },
        )
        assert (created.status, created.location) == (302, "/")

        page = browser.get("/-/pages")
        assert page.status == 200 and "ada" in page.body
        assets = STYLESHEET.findall(page.body) + SCRIPT.findall(page.body)
        types = {}
        for path in assets:
            reply = browser.get(path)
            assert reply.status == 200, path
            types[path.rsplit(".", 1)[-1]] = reply.headers["content-type"].split(";")[0]
        assert types == {"css": "text/css", "js": "text/javascript"}

        # The instance folder and the generated secret key are private.
        assert mode(instance) == 0o700 and mode(instance / "secret_key") == 0o600

        # HUP: fresh workers replace the old ones; the login (signed with the instance's
        # key, which the new workers read) goes on.
        old = server.worker_pids()
        server.process.send_signal(signal.SIGHUP)
        wait_for(
            lambda: len(server.worker_pids()) == 2 and not old & server.worker_pids(),
            20,
            "new workers after HUP",
        )
        assert browser.get("/-/admin/users").status == 200
        browser.close()

        # Ctrl-C in a terminal signals the whole process group. A worker may take up to the
        # graceful timeout to end what it is doing; none may need killing.
        os.killpg(server.process.pid, signal.SIGINT)
        assert server.process.wait(timeout=GRACEFUL_TIMEOUT + 10) == 0
    assert not any(os.path.exists(f"/proc/{pid}") for pid in background)
    log = server.log_text()
    assert "Shutting down: Master" in log
    assert "Traceback" not in log
    assert "was sent SIGKILL" not in log


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        (["--port", "70000"], {}, "Invalid value for '--port'"),
        ([], {"PORT": "http"}, "Invalid value for '--port'"),
        ([], {"WIKI_WORKERS": "0"}, "Invalid value for '--workers'"),
        (["--threads", "many"], {}, "Invalid value for '--threads'"),
    ],
)
def test_wrong_settings_are_refused_with_a_clear_message(tmp_path, arguments, environment, message):
    app = make_app("sqlite://", tmp_path)  # refused before anything is opened
    result = app.test_cli_runner().invoke(args=["serve", *arguments], env=environment)

    assert result.exit_code == 2
    assert message in result.output


def test_the_default_number_of_workers_follows_the_cpu_cores_within_a_cap():
    assert [default_workers(cpus) for cpus in (1, 2, 3)] == [3, 5, 7]
    assert default_workers(64) == MAX_DEFAULT_WORKERS


def test_an_ipv6_address_is_bracketed_for_gunicorn():
    assert bind_address("::1", 5000) == "[::1]:5000"
    assert bind_address("0.0.0.0", 80) == "0.0.0.0:80"


def test_request_lines_up_to_gunicorns_maximum_are_accepted():
    # Its default (4094) refuses a search of 1,000 characters once percent-encoded.
    settings = gunicorn_settings(host="127.0.0.1", port=5000, workers=1, threads=1)
    assert settings["limit_request_line"] == LIMIT_REQUEST_LINE == 8190
    # 1,000 characters of Cyrillic or Greek (two bytes each, so six characters encoded) fit.
    assert len("GET /-/search?q=" + "%D0%B6" * 1000 + " HTTP/1.1") < LIMIT_REQUEST_LINE


def test_a_stop_signal_during_submit_cannot_deadlock_the_worker_thread_pool():
    # gunicorn's gthread worker shuts its pool down from a signal handler, which may run
    # while the main thread is inside submit() holding the pool's shutdown lock.
    from wiki.ops.worker import _SignalSafePool

    pool = _SignalSafePool(max_workers=1)
    finished = threading.Event()

    def handler_inside_submit():
        with pool._shutdown_lock:  # where submit() is when the signal arrives
            pool.shutdown(wait=False)  # what the signal handler does
        finished.set()

    runner = threading.Thread(target=handler_inside_submit, daemon=True)
    runner.start()
    assert finished.wait(5), "shutdown waited for a lock its own thread holds"
    assert (
        gunicorn_settings(host="127.0.0.1", port=5000, workers=1, threads=2)["worker_class"]
        == "wiki.ops.worker.WikiThreadWorker"
    )
