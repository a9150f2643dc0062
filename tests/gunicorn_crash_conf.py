"""gunicorn config for tests/test_server_reliability.py: kills a worker in the middle of a
save, without any test hook in the wiki itself.

Each worker, once booted, appends its pid to ``$CRASH_TEST_PIDS`` and wraps the search
engine's write path (``WhooshEngine.apply``, which the background indexer calls after the
save's database commit). The first time in the whole server that a document containing the
word ``$CRASH_TEST_MARKER`` is about to be indexed, the worker writes its pid to
``$CRASH_TEST_FLAG`` and kills itself with SIGKILL (no cleanup of any kind) at
``$CRASH_TEST_POINT``:

* ``before-index`` (default): the revision is committed, the index has not been touched;
* ``mid-index``: inside the index commit, holding the index's write locks, after the new
  segment's files are written and before the table of contents that would make them live.

Workers started later (gunicorn's arbiter replaces the dead one) see the flag and index
normally.
"""

import os
import signal


def post_worker_init(worker):
    from whoosh.writing import SegmentWriter

    from wiki.search.engine import WhooshEngine

    marker = os.environ["CRASH_TEST_MARKER"]
    flag = os.environ["CRASH_TEST_FLAG"]
    point = os.environ.get("CRASH_TEST_POINT", "before-index")
    with open(os.environ["CRASH_TEST_PIDS"], "a") as pids:
        pids.write(f"{os.getpid()}\n")

    armed = {"now": False}

    def die():
        with open(flag, "x") as handle:  # "x": only one worker, only once
            handle.write(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)

    apply = WhooshEngine.apply

    def crashing_apply(self, upserts, removals, *, high_water_mark):
        if not os.path.exists(flag) and any(marker in doc.body for doc in upserts):
            if point == "before-index":
                die()
            armed["now"] = True
        try:
            return apply(self, upserts, removals, high_water_mark=high_water_mark)
        finally:
            armed["now"] = False

    commit_toc = SegmentWriter._commit_toc

    def crashing_commit_toc(self, segments):
        if armed["now"]:
            die()
        return commit_toc(self, segments)

    WhooshEngine.apply = crashing_apply
    SegmentWriter._commit_toc = crashing_commit_toc
