"""Profile wiki requests in-process (Flask test client, real database, CSRF on) to see where
the time of a page view, save, history page, diff or blame goes.

    python bench/profile_requests.py --database-url sqlite:///wiki.db --what view -n 300
    python bench/profile_requests.py --database-url sqlite:///wiki.db --what save -n 100 --tool cprofile

``--what``: view (random pages), save (POST of the edit form on random pages: it CHANGES the
database, use a copy), history, diff (neighbouring revisions), diff100 (revisions 100 apart),
diffall (first against last revision), blame. Uses pyinstrument when
installed (``pip install pyinstrument``; wall-clock samples), else cProfile (CPU time, so
other processes on the machine do not distort it). Prints the mean time per request
without the profiler first, then the profile of ``-n`` more requests.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import io
import pstats
import random
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from views import HISTORY_SLUG, USER_AGENT, page_slugs

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_BASE = re.compile(r'name="base" value="(\d+)"')


def make_client(database_url: str, username: str, instance: str):
    from seed import PASSWORD

    from wiki import create_app

    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "profile", "INSTANCE_PATH": instance}
    )
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    token = _CSRF.search(client.get("/-/login").get_data(as_text=True)).group(1)
    reply = client.post(
        "/-/login",
        data={"username": username, "password": PASSWORD, "csrf_token": html.unescape(token)},
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)[:2000]
    return app, client


def requests_for(what: str, client, slugs: list[str], revisions: int, rng: random.Random):
    """A callable doing one request of the kind ``what``; raises on an unexpected status."""
    from corpus import Corpus, HistoryWriter

    writer = HistoryWriter(Corpus.load()) if what == "save" else None

    def get(path: str) -> None:
        reply = client.get(path)
        if reply.status_code != 200:
            raise RuntimeError(
                f"GET {path}: {reply.status_code}\n{reply.get_data(as_text=True)[:3000]}"
            )

    def one() -> None:
        if what == "view":
            get(f"/wiki/{rng.choice(slugs)}")
        elif what == "history":
            get(f"/wiki/{HISTORY_SLUG}/history")
        elif what == "diff":
            new = rng.randrange(2, revisions + 1)
            get(f"/wiki/{HISTORY_SLUG}/diff/{new - 1}/{new}")
        elif what == "diff100":
            old = rng.randrange(1, revisions - 99)
            get(f"/wiki/{HISTORY_SLUG}/diff/{old}/{old + 100}")
        elif what == "diffall":
            get(f"/wiki/{HISTORY_SLUG}/diff/1/{revisions}")
        elif what == "blame":
            get(f"/wiki/{HISTORY_SLUG}/blame")
        elif what == "save":
            slug = rng.choice(slugs)
            form = client.get(f"/wiki/{slug}/edit").get_data(as_text=True)
            base = _BASE.search(form).group(1)
            text, summary = writer.edit(
                client.get(f"/wiki/{slug}/rev/{base}/raw").get_data(as_text=True)
            )
            reply = client.post(
                f"/wiki/{slug}/edit",
                data={
                    "csrf_token": html.unescape(_CSRF.search(form).group(1)),
                    "base": base,
                    "body": text,
                    "summary": summary,
                    "action": "save",
                },
            )
            if reply.status_code != 302:
                raise RuntimeError(
                    f"POST edit {slug}: {reply.status_code}\n{reply.get_data(as_text=True)[:3000]}"
                )

    return one


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--what",
        choices=["view", "save", "history", "diff", "diff100", "diffall", "blame"],
        default="view",
    )
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--tool", choices=["auto", "pyinstrument", "cprofile"], default="auto")
    args = parser.parse_args()

    slugs, revisions = page_slugs(args.database_url)
    with tempfile.TemporaryDirectory() as instance:
        _app, client = make_client(
            args.database_url, "editor" if args.what == "save" else "reader", instance
        )
        one = requests_for(args.what, client, slugs, revisions, random.Random(3))
        for _ in range(min(20, args.n)):  # warm-up: templates compiled, caches filled
            one()
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(args.n):
            one()
        mean = (time.perf_counter() - started) / args.n
        cpu = (time.process_time() - cpu_started) / args.n
        print(
            f"{args.what}: {mean * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU per request in-process, "
            f"no profiler (n={args.n}; CPU time is what counts when the machine is busy)\n"
        )

        tool = args.tool
        if tool == "auto":
            try:
                import pyinstrument  # noqa: F401  (only: is it installed?)

                tool = "pyinstrument"
            except ImportError:
                tool = "cprofile"
        if tool == "pyinstrument":
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.n):
                one()
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
        else:
            profile = cProfile.Profile(time.process_time)  # CPU time: robust to other load
            profile.enable()
            for _ in range(args.n):
                one()
            profile.disable()
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
            print(out.getvalue())


if __name__ == "__main__":
    main()
