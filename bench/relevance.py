"""Search relevance: the wiki's search against a plain SQLite FTS5 baseline, on our own set
of judged queries.

    .venv/bin/python bench/relevance.py                      # the table, per class and overall
    .venv/bin/python bench/relevance.py --show typos         # top 10 of both engines, per query
    .venv/bin/python bench/relevance.py --query 16           # the same for one query
    .venv/bin/python bench/relevance.py --json out.json      # the figures as JSON

The set (``bench/relevance/``): ``pages.json``, a company wiki written by
``make_pages.py``, and ``queries.json``, queries judged in advance from the pages alone:
each has a class, graded judgments (page title -> 3 highly relevant, 2 relevant, 1 partly;
any other page counts 0) and, for field and exclusion queries, the pages that must not be
returned at all (``excluded``).

1. **The wiki**: the pages go into a fresh SQLite database in a temporary folder through
   the service layer (``wiki.content.pages.create_page``, by their authors' accounts, with
   their tags); then each page's revision and creation time are set to the page's date
   (09:00 UTC) directly in the database, so that ``updated:`` and the result dates mean
   something; then ``wiki.search.indexer.rebuild`` builds the index into a temporary
   ``WhooshEngine``. Every query runs through ``engine.search(text, per_page=10)`` with the
   built-in synonym list (what a new wiki searches with until an admin edits it).
2. **The baseline**: an SQLite FTS5 table ``(title, tags, body)`` of the same pages (body:
   the Markdown), ``tokenize='porter unicode61'``, ranked by ``bm25(fts, 10.0, 5.0, 1.0)``;
   the query's words (runs of word characters; everything else is dropped, so field
   syntax, quotes, ``*`` and ``-`` are ignored and ``title:vpn`` searches "title" and
   "vpn") are each quoted and ANDed, and ORed instead when the AND finds nothing. Nothing
   else.

Figures: **P@1** (the first result is judged 2 or 3), **MRR** (1 / the rank of the first
result judged 2 or 3 in the top 10, else 0), **nDCG@10** (gain 2^grade - 1, discount
log2(rank + 1), ideal ordering from all the judgments), each the mean over the queries of
a class and over all queries. **Exclusion violations**: for queries with ``excluded``
pages, every result (all pages of results, not only the top 10) that is one of them.

Deterministic (a fixed set, one indexing process) and quick: about 10 s on a 2-core VM.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import func, select, update

from wiki.access import accounts
from wiki.content.pages import Limits, create_page
from wiki.db import make_database
from wiki.models import Page, Revision, Role, User
from wiki.ops.migrate import upgrade
from wiki.search import engine as engine_module
from wiki.search import indexer
from wiki.search.engine import WhooshEngine
from wiki.search.synonyms import DEFAULT_SYNONYMS, Synonyms

DATA = HERE / "relevance"
CLASSES = (
    "keywords",
    "questions",
    "typos",
    "variants",
    "tags",
    "fields",
    "exclusions",
    "incidents",
)
"""The query classes, in the order the table shows them."""

TOP = 10

BUILT_IN_SYNONYMS = Synonyms.from_groups(DEFAULT_SYNONYMS)
"""The wiki as shipped searches with its built-in synonym list until an admin edits it."""
RELEVANT = 2
"""The grade from which a result counts as relevant for P@1 and MRR."""

PASSWORD = "relevance-set-password-2026"
"""Of the authors' accounts in the throwaway database (nobody logs in)."""


# ---------------------------------------------------------------------- the set


@dataclass(frozen=True)
class Query:
    id: int
    kind: str  # the class
    text: str
    judgments: dict[str, int]
    excluded: tuple[str, ...] = ()


def load_pages() -> list[dict]:
    return json.loads((DATA / "pages.json").read_text(encoding="utf-8"))


def load_queries() -> list[Query]:
    """The judged queries; raises ValueError when one names a page that does not exist or
    has a class or grade that is not known."""
    titles = {page["title"] for page in load_pages()}
    queries = []
    for item in json.loads((DATA / "queries.json").read_text(encoding="utf-8")):
        query = Query(
            id=item["id"],
            kind=item["class"],
            text=item["query"],
            judgments=dict(item["judgments"]),
            excluded=tuple(item.get("excluded", ())),
        )
        unknown = (set(query.judgments) | set(query.excluded)) - titles
        if unknown:
            raise ValueError(f"query {query.id} names pages that do not exist: {sorted(unknown)}")
        if query.kind not in CLASSES:
            raise ValueError(f"query {query.id} has an unknown class {query.kind!r}")
        if not set(query.judgments.values()) <= {1, 2, 3}:
            raise ValueError(f"query {query.id} has grades other than 1, 2, 3")
        if set(query.judgments) & set(query.excluded):
            raise ValueError(f"query {query.id} judges an excluded page")
        queries.append(query)
    return queries


# ---------------------------------------------------------------------- the engines


@dataclass
class Found:
    """What an engine returned for one query."""

    titles: list[str]  # the top results, best first
    total: int  # every match
    everything: list[str] | None = None  # every result, when asked for
    note: str = ""  # what else the engine said (a suggestion, a fallback)


class WikiSearch:
    """The wiki's own search over the set: a temporary database and index (see
    :meth:`build`)."""

    def __init__(self, engine: WhooshEngine):
        self.engine = engine

    @classmethod
    @contextmanager
    def build(cls, folder: Path | None = None) -> Iterator[WikiSearch]:
        """Load the pages into a new wiki in ``folder`` (a new temporary folder when None,
        removed afterwards) and index them."""
        with _folder(folder) as where:
            database = make_database(f"sqlite:///{where / 'wiki.db'}")
            try:
                upgrade(database.engine)
                load_into(database, load_pages())
                engine = WhooshEngine(where / "index")
                # One indexing process: with two, which documents land in which segment
                # depends on timing, and so does the order of results with equal scores.
                with (
                    mock.patch.object(engine_module, "REBUILD_PROCS", 1),
                    database.session() as session,
                ):
                    indexer.rebuild(session, engine)
                try:
                    yield cls(engine)
                finally:
                    engine.close()
            finally:
                database.dispose()

    def search(self, text: str, *, everything: bool = False) -> Found:
        results = self.engine.search(text, per_page=TOP, synonyms=BUILT_IN_SYNONYMS)
        notes = []
        if results.corrected_from is not None:
            notes.append(f"showing results for: {results.searched}")
        if results.relaxed:
            notes.append(f"most words ({results.all_words} pages with all)")
        if results.suggestion:
            notes.append(f"did you mean: {results.suggestion}")
        if results.fallback:
            notes.append("searched as plain words")
        if results.timed_out:
            notes.append("timed out")
        found = Found([hit.title for hit in results.hits], results.total, note="; ".join(notes))
        if everything:
            found.everything = []
            page = 1
            while len(found.everything) < results.total:
                more = self.engine.search(
                    text,
                    page=page,
                    per_page=engine_module.MAX_PER_PAGE,
                    synonyms=BUILT_IN_SYNONYMS,
                )
                if not more.hits:
                    break
                found.everything += [hit.title for hit in more.hits]
                page += 1
        return found


@contextmanager
def _folder(folder: Path | None) -> Iterator[Path]:
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="wiki-relevance-") as name:
        yield Path(name)


def load_into(database, pages: Sequence[dict]) -> None:
    """Create the pages through the service layer, by their authors, then date each
    page's only revision (and its creation) to the page's ``updated`` day, 09:00 UTC."""
    limits = Limits()
    with database.session(write=True) as session:
        authors: dict[str, User] = {}
        for name in sorted({page["author"] for page in pages}):
            authors[name] = accounts.create_user(session, name, PASSWORD, Role.EDITOR)
        dates = {}
        for page in pages:
            saved = create_page(
                session,
                authors[page["author"]],
                page["title"],
                page["body"],
                "Imported from the old wiki",
                limits,
                tags=", ".join(page["tags"]),
            )
            dates[saved.page.id] = datetime.fromisoformat(page["updated"]).replace(
                hour=9, tzinfo=UTC
            )
        session.flush()
        for page_id, when in dates.items():
            session.execute(
                update(Revision).where(Revision.page_id == page_id).values(created_at=when)
            )
            session.execute(update(Page).where(Page.id == page_id).values(created_at=when))
        session.commit()
        count = session.scalar(select(func.count()).select_from(Page))
        if count != len(pages):
            raise RuntimeError(f"{count} pages in the database, {len(pages)} in the set")


class Fts5Search:
    """The baseline: SQLite FTS5 with BM25, the query's words ANDed (ORed when the AND
    finds nothing). Nothing else: no field syntax, no phrases, no exclusions, no
    prefixes."""

    def __init__(self, pages: Sequence[dict]):
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(title, tags, body, tokenize='porter unicode61')"
        )
        self.titles = {}
        for rowid, page in enumerate(pages, 1):
            self.titles[rowid] = page["title"]
            self.db.execute(
                "INSERT INTO fts (rowid, title, tags, body) VALUES (?, ?, ?, ?)",
                (rowid, page["title"], ", ".join(page["tags"]), page["body"]),
            )
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def match_expressions(text: str) -> list[str]:
        """The FTS5 queries for ``text``: the words ANDed, then ORed ([] for no words)."""
        words = [f'"{word}"' for word in re.findall(r"\w+", text)]
        if not words:
            return []
        return [" AND ".join(words), " OR ".join(words)]

    def search(self, text: str, *, everything: bool = False) -> Found:
        for number, expression in enumerate(self.match_expressions(text)):
            rows = self.db.execute(
                "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 10.0, 5.0, 1.0), rowid",
                (expression,),
            ).fetchall()
            if rows:
                titles = [self.titles[rowid] for (rowid,) in rows]
                return Found(
                    titles[:TOP],
                    len(titles),
                    everything=titles if everything else None,
                    note="words ORed" if number else "",
                )
        return Found([], 0, everything=[] if everything else None)


# ---------------------------------------------------------------------- measures


def precision_at_1(titles: Sequence[str], judgments: dict[str, int]) -> float:
    return float(bool(titles) and judgments.get(titles[0], 0) >= RELEVANT)


def reciprocal_rank(titles: Sequence[str], judgments: dict[str, int]) -> float:
    for rank, title in enumerate(titles[:TOP], 1):
        if judgments.get(title, 0) >= RELEVANT:
            return 1.0 / rank
    return 0.0


def ndcg(titles: Sequence[str], judgments: dict[str, int], depth: int = TOP) -> float:
    def dcg(grades) -> float:
        return sum((2**grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades, 1))

    ideal = dcg(sorted(judgments.values(), reverse=True)[:depth])
    return dcg(judgments.get(title, 0) for title in titles[:depth]) / ideal if ideal else 0.0


@dataclass
class Outcome:
    """One query through one engine."""

    query: Query
    found: Found
    p1: float
    rr: float
    ndcg: float
    violations: list[tuple[int, str]] = field(default_factory=list)  # (rank, title)


def run(search: Callable[..., Found], queries: Sequence[Query]) -> list[Outcome]:
    """Every query through ``search``, measured."""
    outcomes = []
    for query in queries:
        found = search(query.text, everything=bool(query.excluded))
        excluded = set(query.excluded)
        violations = [
            (rank, title)
            for rank, title in enumerate(found.everything or [], 1)
            if title in excluded
        ]
        outcomes.append(
            Outcome(
                query,
                found,
                precision_at_1(found.titles, query.judgments),
                reciprocal_rank(found.titles, query.judgments),
                ndcg(found.titles, query.judgments),
                violations,
            )
        )
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> dict[str, dict[str, float]]:
    """``{class or "overall": {"queries", "p1", "mrr", "ndcg", "violations"}}``: means
    over the queries (overall: over all queries, not over the classes), and the number of
    queries that returned an excluded page."""
    groups: dict[str, list[Outcome]] = {kind: [] for kind in CLASSES}
    for outcome in outcomes:
        groups[outcome.query.kind].append(outcome)
    groups["overall"] = list(outcomes)
    table = {}
    for name, members in groups.items():
        if not members:
            continue
        count = len(members)
        table[name] = {
            "queries": count,
            "p1": sum(o.p1 for o in members) / count,
            "mrr": sum(o.rr for o in members) / count,
            "ndcg": sum(o.ndcg for o in members) / count,
            "violations": sum(1 for o in members if o.violations),
        }
    return table


# ---------------------------------------------------------------------- output


def print_table(wiki: dict, base: dict) -> None:
    print(
        f"{'class':<11} {'n':>3}   {'P@1 wiki/base':>13}   {'MRR wiki/base':>13}   "
        f"{'nDCG@10 wiki/base':>17}"
    )
    for name in (*CLASSES, "overall"):
        if name not in wiki:
            continue
        w, b = wiki[name], base[name]
        if name == "overall":
            print("-" * 67)
        print(
            f"{name:<11} {w['queries']:>3}   {w['p1']:>6.2f}/{b['p1']:<6.2f}   "
            f"{w['mrr']:>6.2f}/{b['mrr']:<6.2f}   {w['ndcg']:>8.3f}/{b['ndcg']:.3f}"
        )


def print_violations(label: str, outcomes: Sequence[Outcome]) -> None:
    guarded = [o for o in outcomes if o.query.excluded]
    failing = [o for o in guarded if o.violations]
    pages = sum(len(o.violations) for o in failing)
    print(
        f"{label}: {len(failing)} of {len(guarded)} queries with excluded pages returned "
        f"some ({pages} results in all)"
    )
    for o in failing:
        shown = ", ".join(f"#{rank} {title}" for rank, title in o.violations[:4])
        more = f" and {len(o.violations) - 4} more" if len(o.violations) > 4 else ""
        print(f"  {o.query.id:>3} {o.query.text!r}: {shown}{more}")


def print_query(wiki: Outcome, base: Outcome) -> None:
    query = wiki.query
    print(f"\n#{query.id} [{query.kind}] {query.text!r}")
    for label, o in (("wiki", wiki), ("fts5", base)):
        extra = f"; {o.found.note}" if o.found.note else ""
        print(
            f"  {label}: {o.found.total} results, P@1 {o.p1:.0f}, RR {o.rr:.2f}, "
            f"nDCG@10 {o.ndcg:.3f}{extra}"
        )
    excluded = set(query.excluded)
    for rank in range(TOP):
        cells = []
        for o in (wiki, base):
            if rank < len(o.found.titles):
                title = o.found.titles[rank]
                mark = "X" if title in excluded else str(query.judgments.get(title, "."))
                cells.append(f"{mark} {title[:44]:<44}")
            else:
                cells.append(" " * 46)
        if cells[0].strip() or cells[1].strip():
            print(f"  {rank + 1:>2}  {cells[0]}  {cells[1]}".rstrip())
    missed = [t for t, g in query.judgments.items() if g >= RELEVANT and t not in wiki.found.titles]
    if missed:
        print(f"  judged 2-3, not in the wiki's top 10: {'; '.join(missed)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--show", metavar="CLASS", choices=CLASSES, help="top 10 of each query of a class"
    )
    parser.add_argument("--query", type=int, metavar="N", help="top 10 of query N")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures as JSON")
    args = parser.parse_args(argv)

    queries = load_queries()
    pages = load_pages()
    started = time.perf_counter()
    with WikiSearch.build() as wiki:
        built = time.perf_counter() - started
        step = time.perf_counter()
        wiki_outcomes = run(wiki.search, queries)
        wiki_time = time.perf_counter() - step
    baseline = Fts5Search(pages)
    try:
        base_outcomes = run(baseline.search, queries)
    finally:
        baseline.close()

    wiki_table, base_table = summary(wiki_outcomes), summary(base_outcomes)
    print(
        f"{len(pages)} pages, {len(queries)} queries; the wiki loaded and indexed in "
        f"{built:.1f} s, searched in {wiki_time:.1f} s\n"
    )
    print_table(wiki_table, base_table)
    print()
    print_violations("wiki", wiki_outcomes)
    print_violations("fts5 baseline", base_outcomes)
    slow = [o.query.id for o in wiki_outcomes if "timed out" in o.found.note]
    if slow:
        print(f"WARNING: the wiki's search timed out for queries {slow}; figures may vary")

    chosen = [
        i
        for i, q in enumerate(queries)
        if (args.show and q.kind == args.show) or (args.query is not None and q.id == args.query)
    ]
    if args.query is not None and not chosen:
        parser.error(f"no query {args.query}")
    for i in chosen:
        print_query(wiki_outcomes[i], base_outcomes[i])

    if args.json:
        figures = {
            "pages": len(pages),
            "queries": len(queries),
            "wiki": wiki_table,
            "fts5": base_table,
            "per_query": [
                {
                    "id": w.query.id,
                    "class": w.query.kind,
                    "query": w.query.text,
                    "wiki": {
                        "p1": w.p1,
                        "rr": w.rr,
                        "ndcg": w.ndcg,
                        "top": w.found.titles,
                        "violations": [t for _, t in w.violations],
                    },
                    "fts5": {
                        "p1": b.p1,
                        "rr": b.rr,
                        "ndcg": b.ndcg,
                        "top": b.found.titles,
                        "violations": [t for _, t in b.violations],
                    },
                }
                for w, b in zip(wiki_outcomes, base_outcomes, strict=True)
            ],
        }
        args.json.write_text(
            json.dumps(figures, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
