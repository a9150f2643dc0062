"""Profile wiki requests in-process (Flask test client, real database, CSRF on) to see where
the time of a page view, save, history page, diff, blame or list goes.

    python bench/profile_requests.py --database-url sqlite:///wiki.db --what view -n 300
    python bench/profile_requests.py --database-url sqlite:///wiki.db --what save -n 100 --tool cprofile

``--what``: view (random pages), save (POST of the edit form on random pages: it CHANGES the
database, use a copy), history, diff (neighbouring revisions), diff100 (revisions 100 apart),
diffall (first against last revision), blame, recent (Recent changes, the first window),
pages (All pages, the first window). Uses pyinstrument when
installed (``pip install pyinstrument``; wall-clock samples), else cProfile (CPU time, so
other processes on the machine do not distort it). Prints the mean time per request
without the profiler first, then the profile of ``-n`` more requests.

Only the requests are measured: the search index is built first (``wiki reindex``) and the
app runs without its background indexer (``SEARCH_BACKGROUND`` off), so no other thread of
this process works meanwhile; the CPU time is the requesting thread's own
(``time.thread_time``), and so is cProfile's clock. (Counting the whole process's CPU, as
this script once did, added the indexer's work of building the index to every request.)
The test client keeps the cookies the app sets, like a browser; replies that set one
during the measurement are counted.
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
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "profile",
            "INSTANCE_PATH": instance,
            # No indexer thread: its CPU would be counted (and sampled) with the requests'.
            "SEARCH_BACKGROUND": False,
        }
    )
    # The index the pages are read with, built first as an operator does (wiki reindex).
    started = time.perf_counter()
    built = app.test_cli_runner().invoke(args=["reindex"])
    if built.exit_code != 0 or "Indexed" not in built.output:
        raise RuntimeError(f"wiki reindex failed ({built.exit_code}):\n{built.output}")
    print(f"{built.output.strip().splitlines()[-1]} ({time.perf_counter() - started:.1f} s)")
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
    """A callable doing one request of the kind ``what`` (raises on an unexpected status),
    and the counts of replies and of replies that set a cookie, kept up to date."""
    from corpus import Corpus, HistoryWriter

    writer = HistoryWriter(Corpus.load()) if what == "save" else None
    counts = {"replies": 0, "set_cookie": 0}

    def count(reply) -> None:
        counts["replies"] += 1
        counts["set_cookie"] += "Set-Cookie" in reply.headers

    def get(path: str) -> None:
        reply = client.get(path)
        count(reply)
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
        elif what == "recent":
            get("/-/recent")
        elif what == "pages":
            get("/-/pages")
        elif what == "save":
            slug = rng.choice(slugs)
            form_reply = client.get(f"/wiki/{slug}/edit")
            count(form_reply)
            form = form_reply.get_data(as_text=True)
            base = _BASE.search(form).group(1)
            raw = client.get(f"/wiki/{slug}/rev/{base}/raw")
            count(raw)
            text, summary = writer.edit(raw.get_data(as_text=True))
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
            count(reply)
            if reply.status_code != 302:
                raise RuntimeError(
                    f"POST edit {slug}: {reply.status_code}\n{reply.get_data(as_text=True)[:3000]}"
                )

    return one, counts


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--what",
        choices=[
            "view",
            "save",
            "history",
            "diff",
            "diff100",
            "diffall",
            "blame",
            "recent",
            "pages",
        ],
        default="view",
    )
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--tool", choices=["auto", "pyinstrument", "cprofile"], default="auto")
    parser.add_argument("--user", help="who makes the requests (default: reader; editor for saves)")
    parser.add_argument(
        "--readable-only",
        action="store_true",
        help="only pages the user may read (edit, for saves): for organisations made by "
        "access_world.py, where some pages are hidden from them",
    )
    parser.add_argument(
        "--urls",
        type=int,
        default=0,
        help="rotate over this many random pages, each viewed once untimed first (views: the "
        "figure is then that of kept views, as in views.py's rotation); 0: any page",
    )
    args = parser.parse_args()

    username = args.user or ("editor" if args.what == "save" else "reader")
    slugs, revisions = page_slugs(args.database_url)
    if args.readable_only:
        from views import user_pages

        action = "edit" if args.what == "save" else "read"
        slugs = sorted(slug for slug, _title in user_pages(args.database_url, username, action))
        print(f"{username} may {action} {len(slugs):,} pages: the requests go to those")
    with tempfile.TemporaryDirectory() as instance:
        _app, client = make_client(args.database_url, username, instance)
        rng = random.Random(3)
        if args.urls:
            slugs = rng.sample(slugs, min(args.urls, len(slugs)))
        one, counts = requests_for(args.what, client, slugs, revisions, rng)
        for _ in range(min(20, args.n)):  # warm-up: templates compiled, caches filled
            one()
        if args.urls and args.what == "view":
            for slug in slugs:  # each page kept once, as wrk's rounds do
                client.get(f"/wiki/{slug}")
        counts.update(replies=0, set_cookie=0)
        started = time.perf_counter()
        thread_started, process_started = time.thread_time(), time.process_time()
        for _ in range(args.n):
            one()
        mean = (time.perf_counter() - started) / args.n
        cpu = (time.thread_time() - thread_started) / args.n
        process_cpu = (time.process_time() - process_started) / args.n
        # A save is three requests: the edit form, the raw text, the POST.
        unit = "save (edit form + raw text + POST)" if args.what == "save" else "request"
        print(
            f"{args.what}: {mean * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU of the requesting "
            f"thread per {unit} in-process, no profiler (n={args.n}; CPU time is what counts "
            "when the machine is busy)"
        )
        print(
            f"  whole process: {process_cpu * 1000:.2f} ms CPU per {unit} (other threads: "
            f"{max(0.0, process_cpu - cpu) * 1000:.2f} ms); {counts['set_cookie']} of "
            f"{counts['replies']} replies set a cookie\n"
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
            # CPU time of this thread: robust to other load, blind to other threads.
            profile = cProfile.Profile(time.thread_time)
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
