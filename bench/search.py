"""Full-text search benchmark: reindex time, query and autocomplete latencies, save-to-searchable.

    python bench/search.py                       # 10,000 pages (seeds bench/out/wiki-10000-1000.db once)
    python bench/search.py --pages 10000 20000   # and how the figures scale
    python bench/search.py --database-url sqlite:///copy.db   # an already seeded database
    python bench/search.py --pages 10000 --profile phrases    # where one class's time goes
    python bench/search.py --corpus everything   # records, files, history (bench/seed.py)

For each database (SQLite files are copied first, so a seeded file is never changed):

1. **reindex**: ``wiki.search.indexer.rebuild`` with a real database session and a
   ``WhooshEngine`` in a temporary folder, exactly what ``flask reindex`` runs.
2. **queries**: a fixed set of queries built deterministically from the corpus (words
   counted over every 25th page), in classes: single words (common, medium, rare), AND of
   2-3 words that occur together on a page, field queries (``title:``, ``author:``,
   ``updated:``), phrases (word pairs that occur), prefixes, typos (a word with two letters
   swapped: the search corrects it and searches again) and questions whose words are never
   all on one page (the search ranks pages by most words). Every query is run once to
   warm up, then ``--repeat`` times timed: ``engine.search(q, per_page=10)`` (top 10 with
   highlighted snippets). p50 / p95 per class; a query that finds nothing is reported.
   On a corpus with records, files and edits (``--corpus everything``) five more classes,
   built from the database the same way: record field queries (``team:platform``,
   ``severity:high``...), field values typed as plain words (a project's name), words and
   phrases found only in text removed from pages (searched with ``history=True``), words
   found only in files' text, and words with a facet's filter (``space:eng``,
   ``type:file``). With ``--facets`` (the default) every timed search also asks for the
   facets (``facets=True``). A class whose argument ``engine.search`` does not take yet
   (``history``, ``filters``) is built and printed but not timed.
3. **autocomplete**: 2-4 letter prefixes of real title words, ``engine.autocomplete``.
4. **save -> searchable**: the app's own runtime (``SEARCH_BACKGROUND=True``: one
   ``BackgroundIndexer`` thread, woken by the after-commit hook). Saves alternate between
   creating a page and editing an existing one through ``wiki.content.pages`` (service layer, then
   commit); each text carries a word found nowhere else. Measured: the save (service call +
   commit) and the time from the commit until ``engine.search(word, as_typed=True)`` finds
   the page (polled every 10 ms, for at most 10 s; as typed, so that the polls do not try
   spelling corrections while the word is not indexed yet).
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import os
import pstats
import random
import re
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from sqlalchemy import func, select
from views import ms, percentile

from wiki import create_app
from wiki.content.pages import Limits, create_page, edit_page
from wiki.db import get_database
from wiki.models import Attachment, AttachmentVersion, FileText, Page, Revision, User
from wiki.search import indexer
from wiki.search.analysis import stem
from wiki.search.engine import WhooshEngine
from wiki.search.rewrite import FILLER_WORDS

REVISIONS_PAGE = 1000
SAMPLE_EVERY = 25
CLASSES = ["words", "and", "fields", "phrases", "prefixes", "corrected", "most"]
TARGETS_MS = {
    "words": 50,
    "and": 50,
    "fields": 50,
    "phrases": 150,
    "prefixes": 150,
    "corrected": 100,
    "most": 100,
    "autocomplete": 20,
}
# Classes of the corpus with records, files and history ("search across everything"); a
# class is built only when the database has what it needs.
CORPUS_CLASSES = ["record", "values", "history", "files", "filtered"]
# As fields and single words; "include history" has a target of its own.
TARGETS_MS.update({"record": 50, "values": 50, "files": 50, "history": 200})
NEEDS = {"history": "history", "filtered": "filters"}
"""The argument of ``engine.search`` a class needs beyond the query text."""
SEARCH_PARAMETERS = frozenset(inspect.signature(WhooshEngine.search).parameters)
CLASS_NAMES = {
    "words": "single words",
    "and": "AND of 2-3 words",
    "fields": "field queries",
    "phrases": "phrases",
    "prefixes": "prefixes",
    "corrected": "typos, corrected at once",
    "most": "questions, pages with most words",
    "record": "record fields (team:, severity:...)",
    "values": "field values as plain words",
    "history": "words only in removed text (history)",
    "files": "words only in files",
    "filtered": "words with a facet's filter",
}
REINDEX_TARGET_S = 60
REINDEX_EVERYTHING_S = 120  # with files and old text as documents of their own
VISIBLE_TARGET_S = 1.0
POLL_S = 0.010
POLL_LIMIT_S = 10.0

STOP = set(
    """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers him his how i if in into is it its itself just let me more most
my no nor not of off on once only or other our out over own same she should so some such than
that the their them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours none true false self
return returns returned value values default object objects used using use may must one two also
""".split()
)
_FENCE = re.compile(r"```.*?```", re.S)
_WORD = re.compile(r"[a-z]+")
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TICKET = re.compile(r"inc-\d+")
_PHRASE_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------------- databases


def seeded_sqlite(workdir: Path, pages: int, corpus: str = "plain") -> Path:
    """``workdir/wiki-<pages>-1000.db`` (``wiki-<pages>-1000-<corpus>.db`` for another
    corpus than the plain one), seeded with bench/seed.py unless it is there."""
    suffix = "" if corpus == "plain" else f"-{corpus}"
    path = workdir / f"wiki-{pages}-{REVISIONS_PAGE}{suffix}.db"
    if path.exists():
        with sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True) as connection:
            count = connection.execute("select count(*) from pages").fetchone()[0]
        if count == pages + 1:
            print(f"Using the seeded database {path} ({pages:,} pages)")
            return path
        raise SystemExit(
            f"{path} has {count - 1:,} pages, not {pages:,}: move it away or use --workdir"
        )
    from seed import corpus_options, seed

    partial = Path(f"{path}.partial")
    for end in ("", "-wal", "-shm"):
        Path(f"{partial}{end}").unlink(missing_ok=True)
    print(f"Seeding {pages:,} pages ({corpus}) into {path} (kept for later runs)...", flush=True)
    options = corpus_options(corpus, pages)
    timings = seed(f"sqlite:///{partial}", pages, REVISIONS_PAGE, quiet=not options, **options)
    print(f"  seeded in {timings['total']:.1f} s", flush=True)
    partial.rename(path)
    return path


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy ``source`` (opened read-only: not even a -wal or -shm file appears beside it) and
    bring the copy to the newest schema; a database seeded before a later migration (e.g.
    revision tags) is still usable that way. Warns if its cached HTML is of another renderer
    version: the reindex would then render every page, which it does not normally do."""
    from sqlalchemy import create_engine

    from wiki.content.render import RENDERER_VERSION
    from wiki.ops.migrate import upgrade

    with (
        sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True) as src,
        sqlite3.connect(target) as dst,
    ):
        src.backup(dst)
        stale = dst.execute(
            "select count(*) from rendered_revisions where renderer_version != ?",
            (RENDERER_VERSION,),
        ).fetchone()[0]
    if stale:
        print(
            f"WARNING: {stale:,} cached renderings are of another renderer version; reseed for a fair reindex time"
        )
    engine = create_engine(f"sqlite:///{target}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- queries


@dataclass
class Vocabulary:
    words: list[str]  # by document frequency, most common first
    df: Counter
    pages: list[tuple[int, str, list[str]]]  # (page id, title, words in order)
    pairs: Counter
    title_words: list[str]
    sampled: int


def vocabulary(session) -> Vocabulary:
    rows = session.execute(
        select(Page.id, Page.title, Revision.body)
        .join(Revision, Revision.id == Page.current_revision_id)
        .where(Page.deleted.is_(False), Page.id % SAMPLE_EVERY == 0)
        .order_by(Page.id)
    ).all()
    df: Counter = Counter()
    pairs: Counter = Counter()
    titles: Counter = Counter()
    pages = []
    for page_id, title, body in rows:
        words = _WORD.findall(_FENCE.sub(" ", body).lower())
        df.update({w for w in words if len(w) >= 4 and w not in STOP})
        pairs.update(
            {
                (a, b)
                for a, b in pairwise(words)
                if len(a) >= 4 and len(b) >= 4 and a not in STOP and b not in STOP
            }
        )
        titles.update({w for w in _WORD.findall(title.lower()) if len(w) >= 4 and w not in STOP})
        pages.append((page_id, title, words))
    ordered = sorted(df, key=lambda w: (-df[w], w))
    title_words = sorted(titles, key=lambda w: (-titles[w], w))
    return Vocabulary(ordered, df, pages, pairs, title_words, len(rows))


def _at_fraction(items: list, fraction: float, count: int, taken: set) -> list:
    """``count`` items from ``items`` starting at ``fraction`` of its length, skipping taken ones."""
    out = []
    for item in items[int(len(items) * fraction) :]:
        if item not in taken:
            out.append(item)
            taken.add(item)
            if len(out) == count:
                break
    return out


def build_queries(vocab: Vocabulary, known: set[str] | None = None) -> dict[str, list[str]]:
    """The classes of queries; ``known`` (the stems of the words found in pages now), when
    given, keeps out of the typos class the misspellings that pages really have."""
    n = vocab.sampled
    taken: set = set()
    by_df = vocab.words
    common = [w for w in by_df if vocab.df[w] <= 0.6 * n]  # leave out near-universal words
    medium = [w for w in by_df if 0.02 * n <= vocab.df[w] <= 0.10 * n]
    rare = [w for w in by_df if 3 <= vocab.df[w] < 0.02 * n]
    words = (
        _at_fraction(common, 0, 2, taken)
        + _at_fraction(medium, 0.3, 2, taken)
        + _at_fraction(rare, 0.3, 2, taken)
    )

    # AND: words that occur together on one sampled page, of common to medium frequency.
    ands = []
    usable = [w for w in by_df if 0.02 * n <= vocab.df[w] <= 0.4 * n]
    usable_set = set(usable)
    rng = random.Random(11)
    for _page_id, _title, page_words in rng.sample(vocab.pages, min(200, len(vocab.pages))):
        present = sorted(
            {w for w in page_words if w in usable_set}, key=lambda w: (-vocab.df[w], w)
        )
        size = 2 if len(ands) % 2 == 0 else 3
        if len(present) >= size + 2:
            pick = [present[1], present[len(present) // 2], present[-1]][:size]
            query = " ".join(pick)
            if query not in ands:
                ands.append(query)
        if len(ands) == 5:
            break

    titles = [w for w in vocab.title_words if w not in STOP]
    fields = [
        f"title:{titles[len(titles) // 10]}",
        f"title:{titles[len(titles) // 3]}",
        "author:editor",
        "author:alice",
        "updated:>2024-01-01",
        f"author:bob {medium[len(medium) // 2]}",
    ]

    mid_pairs = [p for p, c in vocab.pairs.items() if 0.01 * n <= c <= 0.2 * n]
    mid_pairs.sort(key=lambda p: (-vocab.pairs[p], p))
    phrases = []
    for a, b in mid_pairs[:: max(1, len(mid_pairs) // 6)]:
        phrases.append(f'"{a} {b}"')
        if len(phrases) == 5:
            break

    stems = []
    for w in common[5:60]:
        start = w[: 3 if len(stems) % 2 else 4]
        if start not in stems and start not in ("conf", "pro"):
            stems.append(start)
        if len(stems) == 3:
            break
    prefixes = ["config*", "pro*"] + [f"{s}*" for s in stems]

    # Typos: a common or medium word with two inner letters swapped finds nothing, so the
    # search corrects it and searches again (alone and with a second, correct word).
    corrected = []
    for index, w in enumerate(w for w in medium + common if len(w) >= 7 and w.isalpha()):
        middle = len(w) // 2
        typo = w[:middle] + w[middle + 1] + w[middle] + w[middle + 2 :]
        if typo == w or (known is not None and stem(typo) in known):
            continue
        corrected.append(typo if index % 2 == 0 else f"{typo} {medium[index % len(medium)]}")
        if len(corrected) == 5:
            break

    # Questions whose words are (almost) never all on one page: the search ranks by most
    # words. Each takes a medium word and two rare words, from three different sampled pages
    # (never a filler word, which the search leaves out of a question).
    most = []
    lead = ["how do I", "who approves", "what is the", "where can I find", "why does"]
    rare_set = set(rare) - FILLER_WORDS
    medium_set = usable_set - FILLER_WORDS
    for index in range(5):
        chosen: list[str] = []
        for position, (_page_id, _title, page_words) in enumerate(rng.sample(vocab.pages, 3)):
            pool = medium_set if position == 0 else rare_set
            candidates = [w for w in page_words if w in pool and w not in chosen]
            if candidates:
                chosen.append(candidates[len(candidates) // 2])
        most.append(f"{lead[index]} {' '.join(chosen)}")
    return {
        "words": words,
        "and": ands,
        "fields": fields,
        "phrases": phrases,
        "prefixes": prefixes,
        "corrected": corrected,
        "most": most,
    }


def autocomplete_prefixes(vocab: Vocabulary, count: int = 40) -> list[str]:
    out = []
    for index, word in enumerate(vocab.title_words[:: max(1, len(vocab.title_words) // count)]):
        prefix = word[: 2 + index % 3]
        if prefix not in out:
            out.append(prefix)
    return out[:count]


# ---------------------------------------------------------------------- the corpus with everything


@dataclass(frozen=True)
class Probe:
    """One query: the text typed, the facet filters clicked (query-syntax strings such as
    ``space:eng``) and whether text removed from pages is searched too."""

    text: str
    filters: tuple[str, ...] = ()
    history: bool = False

    @property
    def label(self) -> str:
        extras = [*self.filters, *(["history"] if self.history else [])]
        return self.text + "".join(f"  [{extra}]" for extra in extras)


def search_options(probe: Probe, facets: bool) -> dict:
    """The keyword arguments of ``engine.search`` for ``probe`` beyond the text and the
    page: only those it needs, so that the plain classes run on an engine without them."""
    options: dict = {}
    if facets:
        options["facets"] = True
    if probe.history:
        options["history"] = True
    if probe.filters:
        options["filters"] = probe.filters
    return options


@dataclass
class CorpusFacts:
    """What the corpus holds beyond pages, read from the database: field values, the words
    found now anywhere, the words only removed text has, and the words of files."""

    records: int = 0
    files: int = 0
    revisions: int = 0
    values: dict[str, Counter] = field(default_factory=dict)  # field name -> value counts
    present: set[str] = field(default_factory=set)  # words of pages and files as they are now
    present_stems: set[str] = field(default_factory=set)
    page_stems: set[str] = field(default_factory=set)  # without the files' text
    current_text: str = ""  # every page's words, a page a line (for phrase look-ups)
    removed: Counter = field(default_factory=Counter)  # word -> sampled pages that removed it
    removed_pairs: list[tuple[str, str]] = field(default_factory=list)
    file_words: Counter = field(default_factory=Counter)  # word -> files that have it


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_FENCE.sub(" ", text).lower())


def _phrase_words(text: str) -> list[str]:
    """Words as the search splits them for phrases: letters, digits and underscores
    (``exclusive_upper_bound`` is one word, so "exclusive upper" is no phrase of it)."""
    return _PHRASE_WORD.findall(_FENCE.sub(" ", text).lower())


def _with_parts(tokens) -> set[str]:
    words = set(tokens)
    words.update(part for token in tokens if "-" in token for part in token.split("-"))
    return words


def corpus_facts(session) -> CorpusFacts:
    """Read the records, files and history of the database (a few seconds at 10,000 pages:
    every current text, the history of every ``SAMPLE_EVERY``-th page and every file)."""
    from wiki.content.records.fields import Record

    facts = CorpusFacts()
    facts.revisions = session.scalar(select(func.count(Revision.id))) or 0
    lines: list[str] = []
    page_words: set[str] = set()
    current: dict[int, tuple[set[str], set[tuple[str, str]]]] = {}
    rows = session.execute(
        select(Page.id, Page.title, Revision.body, Revision.tags, Revision.fields)
        .join(Revision, Revision.id == Page.current_revision_id)
        .where(Page.deleted.is_(False))
        .execution_options(yield_per=1000)
    )
    for page_id, title, body, tags, stored in rows:
        record = Record.from_json(stored)
        values = [value for _spec, value in record.filled()]
        if record:
            facts.records += 1
            for spec, value in record.filled():
                facts.values.setdefault(spec.name, Counter())[value] += 1
        tokens = _tokens(f"{title}\n{tags or ''}\n{' '.join(values)}\n{body}")
        words = _with_parts(tokens)
        page_words |= words
        lines.append(" ".join(_tokens(body)))
        if page_id % SAMPLE_EVERY == 0:
            current[page_id] = (words, set(pairwise(_phrase_words(body))))
    facts.current_text = "\n".join(lines)

    file_words: set[str] = set()
    for (text,) in session.execute(
        select(FileText.text)
        .join(AttachmentVersion, AttachmentVersion.blob_sha256 == FileText.sha256)
        .join(Attachment, Attachment.current_version_id == AttachmentVersion.id)
        .where(FileText.status == "done", Attachment.deleted.is_(False))
        .distinct()
    ):
        facts.files += 1
        words = _with_parts(_tokens(text))
        file_words |= words
        facts.file_words.update(words)
    facts.present = page_words | file_words
    facts.page_stems = {stem(word) for word in page_words}
    facts.present_stems = facts.page_stems | {stem(word) for word in file_words - page_words}

    # The history of the sampled pages: words and word pairs of their older revisions that
    # their current text no longer has.
    history = session.execute(
        select(Revision.page_id, Revision.body)
        .join(Page, Page.id == Revision.page_id)
        .where(
            Page.deleted.is_(False),
            Revision.page_id % SAMPLE_EVERY == 0,
            Revision.id != Page.current_revision_id,
        )
        .order_by(Revision.page_id, Revision.id)
    )
    removed: dict[int, set[str]] = {}
    pairs: dict[tuple[str, str], None] = {}  # in the order met
    for page_id, body in history:
        now_words, now_pairs = current.get(page_id, (set(), set()))
        tokens = _tokens(body)
        removed.setdefault(page_id, set()).update(_with_parts(tokens) - now_words)
        # Pairs within a line: the search indexes removed lines, not whole old texts.
        for line in body.splitlines():
            for pair in pairwise(_phrase_words(line)):
                if pair not in now_pairs:
                    pairs.setdefault(pair)
    for words in removed.values():
        facts.removed.update(w for w in words if w not in facts.present)
    # Phrases of two words that are both still found, but not side by side.
    facts.removed_pairs = [
        (a, b)
        for a, b in pairs
        if a.isalpha() and b.isalpha() and len(a) >= 4 and len(b) >= 4
        if a not in STOP and b not in STOP and a in facts.present and b in facts.present
    ]
    return facts


def _anagram(word: str) -> str:
    return "".join(sorted(word))


def _field_query(name: str, value: str) -> str:
    value = value.lower()
    return f'{name}:"{value}"' if " " in value else f"{name}:{value}"


def _nothing_found(engine: WhooshEngine, text: str) -> bool:
    """Whether ``text`` finds no page in the current text (as typed: no correction)."""
    return engine.search(text, per_page=1, as_typed=True).total == 0


def build_corpus_queries(
    facts: CorpusFacts, vocab: Vocabulary, engine: WhooshEngine
) -> dict[str, list[Probe]]:
    """The classes of a corpus with records, files and history; only those it has data for.
    ``engine`` (the current index) checks that each history query finds nothing without
    the history: its words or phrase are in removed text only."""
    queries: dict[str, list[Probe]] = {}
    by_count = {
        name: [value for value, _ in counts.most_common()] for name, counts in facts.values.items()
    }

    def ranked(name: str, position: float) -> str | None:
        values = by_count.get(name, [])
        return values[min(len(values) - 1, int(len(values) * position))] if values else None

    record = []
    for name, position in [
        ("team", 0),
        ("team", 0.5),
        ("severity", -1),
        ("project", 0.3),
        ("customer", 0.5),
        ("service", 0),
        ("outcome", 0.9),
    ]:
        value = "high" if name == "severity" else ranked(name, position)
        if value and (name != "severity" or "severity" in by_count):
            record.append(Probe(_field_query(name, value)))
    if "severity" in by_count and "team" in by_count:
        record.append(Probe(f"severity:critical {_field_query('team', ranked('team', 0.2))}"))
    if record:
        queries["record"] = record

    # Field values typed as words: single-word values of the names people search for, not
    # words that pages use anyway ("Data", "Web"): those are the class of single words.
    values = []
    for name, position in [("project", 0), ("project", 0.6), ("team", 0.4), ("customer", 0.3)]:
        single = [
            v
            for v in by_count.get(name, [])
            if " " not in v and vocab.df[v.lower()] <= 0.02 * vocab.sampled
        ]
        if single:
            values.append(Probe(single[min(len(single) - 1, int(len(single) * position))].lower()))
    if values and "severity" in by_count:
        values.append(Probe(f"{values[0].text} critical"))
    if values:
        queries["values"] = values

    # History: words and phrases that pages of the sample had and no page has now.
    # A word whose letters are those of a word found now is a typo that an edit fixed (the
    # edits swap letters, sometimes twice in one word): not a word anybody searches for.
    anagrams = Counter(_anagram(w) for w in facts.present)
    candidates = [
        w
        for w, _ in sorted(facts.removed.items(), key=lambda item: (-item[1], item[0]))
        if stem(w) not in facts.present_stems and _anagram(w) not in anagrams
    ]
    words = [w for w in candidates if w.isalpha() and len(w) >= 6 and w not in STOP]
    tickets = [w for w in candidates if _TICKET.fullmatch(w)]
    history: list[Probe] = []
    for pool, count in [(words, 2), (words[len(words) // 2 :], 1), (tickets, 1)]:
        taken = 0
        for w in pool[:50]:
            text = w.upper() if _TICKET.fullmatch(w) else w
            if text not in {p.text for p in history} and _nothing_found(engine, text):
                history.append(Probe(text, history=True))
                taken += 1
                if taken == count:
                    break
    rng = random.Random(17)
    pairs = rng.sample(facts.removed_pairs, min(400, len(facts.removed_pairs)))
    found = 0
    for a, b in pairs:
        # Not a typo that pages still have ("legnth" beside "length") in the phrase.
        if anagrams[_anagram(a)] > 1 or anagrams[_anagram(b)] > 1:
            continue
        if f"{a} {b}" in facts.current_text:
            continue
        phrase = f'"{a} {b}"'
        if _nothing_found(engine, phrase):
            history.append(Probe(phrase, history=True))
            found += 1
            if found == 2:
                break
    if history:
        queries["history"] = history

    # Files: words that only files' text has (never a page's title, text, tags or fields),
    # from common to rare among the files, and a word of both, searched in files only.
    only_files = [
        w
        for w, _ in sorted(facts.file_words.items(), key=lambda item: (-item[1], item[0]))
        if w.isalpha() and len(w) >= 5 and w not in STOP and stem(w) not in facts.page_stems
    ]
    files = [Probe(w) for w in _at_fraction(only_files, 0, 2, set())]
    files += [Probe(w) for w in _at_fraction(only_files, 0.5, 2, set())]
    if files and values:
        files.append(Probe(f"in:files {values[0].text}"))
    if files:
        queries["files"] = files

    # A facet's filter clicked: space, type, a field.
    medium = [w for w in vocab.words if 0.02 * vocab.sampled <= vocab.df[w] <= 0.10 * vocab.sampled]
    common = [w for w in vocab.words if vocab.df[w] <= 0.6 * vocab.sampled]
    filtered = []
    if common:
        filtered.append(Probe(common[0], filters=("space:eng",)))
    if medium and "team" in by_count:
        word = medium[len(medium) // 3]
        filtered.append(Probe(word, filters=(_field_query("team", ranked("team", 0)),)))
    if files:
        filtered.append(Probe(files[0].text, filters=("type:file",)))
    if values and "severity" in by_count:
        filtered.append(Probe(values[0].text, filters=("severity:high", "space:ops")))
    if filtered and (record or files):
        queries["filtered"] = filtered
    return queries


# ---------------------------------------------------------------------- measuring


@dataclass
class Result:
    label: str
    pages: int
    reindex_s: float = float("nan")
    indexed: int = 0
    classes: dict[str, list[float]] = field(default_factory=dict)
    per_query: dict[str, tuple[str, float, int, bool]] = field(default_factory=dict)
    autocomplete: list[float] = field(default_factory=list)
    saves: list[float] = field(default_factory=list)
    visible: list[float] = field(default_factory=list)
    not_found: int = 0
    problems: list[str] = field(default_factory=list)
    facets_seen: dict[str, str] = field(default_factory=dict)  # class -> the first facets
    skipped: dict[str, str] = field(default_factory=dict)  # class -> why it was not timed
    corpus: str = ""  # what the database holds beyond pages


def time_queries(
    engine: WhooshEngine,
    queries: dict[str, list[str]] | dict[str, list[Probe]],
    repeat: int,
    result: Result,
    profile: list[str],
    facets: bool = False,
) -> None:
    """Time each class (a query is a text, or a :class:`Probe` with filters or history);
    with ``facets`` every search also asks for the facets."""
    probes = {
        cls: [q if isinstance(q, Probe) else Probe(q) for q in items]
        for cls, items in queries.items()
    }
    for cls, items in probes.items():
        for probe in items:  # warm-up (also records the hit counts)
            q = probe.label
            found = engine.search(probe.text, per_page=10, **search_options(probe, facets))
            if not found.total:
                result.problems.append(f"query {q!r} ({cls}) finds nothing")
            elif cls == "corrected" and found.corrected_from is None:
                result.problems.append(f"query {q!r} ({cls}) was not corrected")
            elif cls == "most" and not found.relaxed:
                result.problems.append(f"query {q!r} ({cls}) found pages with all its words")
            if facets and not getattr(found, "facets", None) and found.total:
                result.problems.append(f"query {q!r} ({cls}) found pages but no facets")
            if facets and cls not in result.facets_seen and getattr(found, "facets", None):
                result.facets_seen[cls] = ", ".join(
                    f"{group.name} ({len(group.values)})" for group in found.facets
                )
    for cls, items in probes.items():
        profiler = cProfile.Profile() if cls in profile else None
        samples = []
        for probe in items:
            options = search_options(probe, facets)
            mine = []
            for _ in range(repeat):
                if profiler:
                    profiler.enable()
                started = time.perf_counter()
                found = engine.search(probe.text, per_page=10, **options)
                elapsed = time.perf_counter() - started
                if profiler:
                    profiler.disable()
                mine.append(elapsed)
            samples += mine
            result.per_query[probe.label] = (
                cls,
                statistics.median(mine),
                found.total,
                found.timed_out,
            )
        result.classes[cls] = samples
        if profiler:
            print_profile(profiler, f"search, class {cls}")


def time_autocomplete(
    engine: WhooshEngine, prefixes: list[str], repeat: int, result: Result, profile: bool
) -> None:
    for p in prefixes:
        engine.autocomplete(p)
    profiler = cProfile.Profile() if profile else None
    for p in prefixes:
        for _ in range(repeat):
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            engine.autocomplete(p)
            elapsed = time.perf_counter() - started
            if profiler:
                profiler.disable()
            result.autocomplete.append(elapsed)
    if profiler:
        print_profile(profiler, "autocomplete")


def unique_word(number: int, salt: int) -> str:
    letters = "bcdfghjklmnpqrstvwxz"
    value, out = number * 7919 + salt, []
    for _ in range(6):
        value, digit = divmod(value, len(letters))
        out.append(letters[digit])
    return "qyx" + "".join(out) + "vork"


def time_saves(app, count: int, result: Result, rng: random.Random, profile: bool = False) -> None:
    """Saves through the service layer with the app's own background indexer running."""
    runtime = app.extensions["wiki.search"]
    runtime.ensure_started()  # the engine of this process and its indexer thread
    profiler = cProfile.Profile() if profile else None
    if profiler:
        # Profile the indexer thread's rounds (cProfile follows the thread that enables it).
        run_once = runtime.indexer.run_once

        def profiled_round():
            profiler.enable()
            try:
                return run_once()
            finally:
                profiler.disable()

        runtime.indexer.run_once = profiled_round
    engine = runtime.engine
    database = get_database(app)
    limits = Limits()
    with database.session() as session:
        editor_id = session.scalar(select(User.id).where(User.username == "editor"))
        page_ids = list(
            session.scalars(select(Page.id).where(Page.deleted.is_(False)).order_by(Page.id))
        )
    salt = int(time.time()) % 100_000
    time.sleep(1.5)  # let the indexer's first catch-up round finish
    for number in range(count):
        word = unique_word(number, salt)
        started = time.perf_counter()
        with database.session(write=True) as session:
            author = session.get(User, editor_id)
            if number % 2 == 0:
                title = f"Search benchmark note {salt} {number}"
                body = (
                    f"A short note written by the search benchmark. It mentions {word} once, "
                    "so that the page can be found right after the save.\n\n"
                    "## Details\n\nNothing else of interest: the office move, the budget review.\n"
                )
                saved = create_page(session, author, title, body, "Benchmark note", limits)
            else:
                page = session.get(Page, rng.choice(page_ids))
                body = (
                    page.current_revision.body.rstrip()
                    + f"\n\nAdded by the benchmark: see {word}.\n"
                )
                saved = edit_page(
                    session, author, page, page.latest_number, body, "Benchmark edit", limits
                )
            page_id = saved.page.id
            session.commit()
        committed = time.perf_counter()
        result.saves.append(committed - started)
        deadline = committed + POLL_LIMIT_S
        while True:  # bounded by POLL_LIMIT_S
            # As typed: until the page is indexed, the word finds nothing, and a search that
            # finds nothing also tries a spelling correction; that would time the poll.
            found = engine.search(word, per_page=10, as_typed=True)
            if any(hit.page_id == page_id for hit in found.hits):
                result.visible.append(time.perf_counter() - committed)
                break
            if time.perf_counter() > deadline:
                result.not_found += 1
                result.problems.append(
                    f"saved page {page_id} not searchable for {word!r} after {POLL_LIMIT_S:g} s"
                )
                break
            time.sleep(POLL_S)
        time.sleep(rng.uniform(0.05, 0.3))  # saves are not back to back
    if profiler:
        runtime.indexer.stop()  # no round may be running while the figures are read
        print_profile(profiler, "background indexer rounds during the saves")


def print_profile(profiler: cProfile.Profile, what: str) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)
    print(f"\n--- cProfile: {what} ---\n{out.getvalue()}")


def run_one(label: str, database_url: str, args, work: Path) -> Result:
    instance = work / "instance"
    index_dir = instance / "search"
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": os.urandom(16).hex(),
            "SEARCH_INDEX_PATH": str(index_dir),
            "SEARCH_BACKGROUND": True,
        }
    )
    database = get_database(app)
    runtime = app.extensions["wiki.search"]
    try:
        with database.session() as session:
            pages = session.scalar(select(func.count(Page.id)).where(Page.deleted.is_(False)))
        result = Result(label, pages)
        print(f"\n=== {label}: {pages:,} pages", flush=True)

        # 1. Full reindex, through the wiki's own path.
        builder = WhooshEngine(index_dir)
        profiler = cProfile.Profile() if "reindex" in args.profile else None
        with database.session() as session:
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            indexer.rebuild(session, builder)
            result.reindex_s = time.perf_counter() - started
            if profiler:
                profiler.disable()
        result.indexed = len(builder.indexed_revisions())
        builder.close()
        print(
            f"reindex: {result.indexed:,} pages in {result.reindex_s:.1f} s "
            f"({1000 * result.reindex_s / max(1, result.indexed):.2f} ms/page)",
            flush=True,
        )
        if profiler:
            print_profile(
                profiler, "reindex (this process only; the indexing processes are not in it)"
            )
        if result.indexed != pages:
            result.problems.append(
                f"the index has {result.indexed:,} pages, the database {pages:,}"
            )

        # 2-3. Queries and autocomplete, on a reused searcher (one engine per process).
        with database.session() as session:
            vocab = vocabulary(session)
        started = time.perf_counter()
        with database.session() as session:
            facts = corpus_facts(session)
        everything = bool(facts.records or facts.files)
        # Edits leave typos in pages: on such a corpus a typo query must not be one of them.
        queries: dict = build_queries(vocab, facts.present_stems if everything else None)
        prefixes = autocomplete_prefixes(vocab)
        engine = WhooshEngine(index_dir)
        more = build_corpus_queries(facts, vocab, engine)
        if everything:
            result.corpus = (
                f"{facts.records:,} records, {facts.files:,} files with text, "
                f"{facts.revisions:,} revisions"
            )
            print(
                f"corpus: {result.corpus}; its queries built in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
        for cls, probes in more.items():
            needed = NEEDS.get(cls)
            if needed and needed not in SEARCH_PARAMETERS:
                result.skipped[cls] = f"engine.search takes no {needed!r} argument"
                print(f"{cls:9} not timed ({result.skipped[cls]}): {[p.label for p in probes]}")
            else:
                queries[cls] = probes
        time_queries(engine, queries, args.repeat, result, args.profile, args.facets)
        time_autocomplete(engine, prefixes, args.repeat, result, "autocomplete" in args.profile)
        engine.close()
        print(f"{'class':9} {'median ms':>9} {'hits':>7}  query")
        for q, (cls, median, total, timed_out) in result.per_query.items():
            print(f"{cls:9} {ms(median):>9} {total:>7,}  {q}{'  (timed out)' if timed_out else ''}")
        print(f"autocomplete prefixes: {' '.join(prefixes)}")
        for cls, seen in result.facets_seen.items():
            print(f"facets of the first query of {cls}: {seen}")
        for cls, s in result.classes.items():
            print(
                f"{cls:9} p50 {ms(percentile(s, 50)):>6} ms  p95 {ms(percentile(s, 95)):>6} ms  "
                f"({len(s)} searches)"
            )
        a = result.autocomplete
        print(
            f"autocomplete p50 {ms(percentile(a, 50))} ms  p95 {ms(percentile(a, 95))} ms ({len(a)})",
            flush=True,
        )

        # 4. Saves with the real runtime: after-commit hook -> BackgroundIndexer thread.
        time_saves(app, args.saves, result, random.Random(args.seed), "saves" in args.profile)
        print(
            f"save p50 {ms(percentile(result.saves, 50))} ms  p95 {ms(percentile(result.saves, 95))} ms; "
            f"searchable after commit p50 {ms(percentile(result.visible, 50))} ms  "
            f"p95 {ms(percentile(result.visible, 95))} ms  max {ms(max(result.visible, default=float('nan')))} ms"
            f" ({len(result.visible)} of {args.saves}; not found {result.not_found})",
            flush=True,
        )
        for problem in result.problems:
            print(f"!!! {problem}")
        return result
    finally:
        if runtime.indexer is not None:
            runtime.indexer.stop()
        if runtime.engine is not None:
            runtime.engine.close()
        database.dispose()


# ---------------------------------------------------------------------- report


def summary_table(results: list[Result]) -> str:
    head = "| measure | " + " | ".join(f"{r.pages:,} pages" for r in results) + " | target |"
    rows = [head, "|" + "---|" * (len(results) + 2)]
    rows.append(
        "| full reindex, s | "
        + " | ".join(f"{r.reindex_s:.1f}" for r in results)
        + f" | < {REINDEX_EVERYTHING_S if any(r.corpus for r in results) else REINDEX_TARGET_S} |"
    )
    for cls in [*CLASSES, *CORPUS_CLASSES]:
        if not any(cls in r.classes or cls in r.skipped for r in results):
            continue
        cells = [
            f"{ms(percentile(r.classes[cls], 50))} / {ms(percentile(r.classes[cls], 95))}"
            if cls in r.classes
            else "not timed"
            if cls in r.skipped
            else ""
            for r in results
        ]
        target = f"p95 < {TARGETS_MS[cls]}" if cls in TARGETS_MS else ""
        rows.append(
            f"| search, {CLASS_NAMES[cls]}, p50 / p95 ms | " + " | ".join(cells) + f" | {target} |"
        )
    rows.append(
        "| autocomplete p50 / p95 ms | "
        + " | ".join(
            f"{ms(percentile(r.autocomplete, 50))} / {ms(percentile(r.autocomplete, 95))}"
            for r in results
        )
        + f" | p95 < {TARGETS_MS['autocomplete']} |"
    )
    rows.append(
        "| save (service layer + commit) p50 / p95 ms | "
        + " | ".join(
            f"{ms(percentile(r.saves, 50))} / {ms(percentile(r.saves, 95))}" for r in results
        )
        + " | |"
    )
    rows.append(
        "| commit -> searchable p50 / p95 ms | "
        + " | ".join(
            f"{ms(percentile(r.visible, 50))} / {ms(percentile(r.visible, 95))}"
            + (f" ({r.not_found} never)" if r.not_found else "")
            for r in results
        )
        + " | < 1000 |"
    )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pages",
        type=int,
        nargs="+",
        default=[10000],
        help="corpus sizes to seed (once) and measure on SQLite (default 10000)",
    )
    parser.add_argument(
        "--database-url",
        help="measure this already seeded database instead (any backend; "
        "the saves add pages and revisions to it)",
    )
    parser.add_argument(
        "--workdir", type=Path, default=HERE / "out", help="where seeded databases are kept"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed runs of each query (default 5)"
    )
    parser.add_argument("--saves", type=int, default=30, help="timed saves (default 30)")
    parser.add_argument(
        "--corpus",
        choices=["plain", "everything"],
        default="plain",
        help="the seeded corpus: plain pages (default) or everything (records with fields, "
        "files with their text, edits across pages: bench/seed.py --corpus everything)",
    )
    parser.add_argument(
        "--facets",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="every timed search also asks for the facets (default; --no-facets for an "
        "engine whose search takes no facets argument)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--profile",
        nargs="+",
        default=[],
        choices=[*CLASSES, *CORPUS_CLASSES, "autocomplete", "reindex", "saves"],
        help="print cProfile figures for classes of queries, autocomplete, the reindex, or "
        "(saves) the background indexer's rounds during the saves",
    )
    args = parser.parse_args()
    if args.facets and "facets" not in SEARCH_PARAMETERS:
        print("engine.search takes no facets argument here: run with --no-facets")
        return 2

    # SIGTERM must still run the finally blocks (the indexer thread, temporary folders).
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(143)))
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="wiki-search-bench-") as tmp:
        work = Path(tmp)
        if args.database_url:
            run_dir = work / "given"
            run_dir.mkdir()
            results.append(run_one("given database", args.database_url, args, run_dir))
        else:
            args.workdir.mkdir(parents=True, exist_ok=True)
            for pages in args.pages:
                seeded = seeded_sqlite(args.workdir, pages, args.corpus)
                run_dir = work / f"run-{pages}"
                run_dir.mkdir()
                copy = run_dir / "wiki.db"
                started = time.perf_counter()
                copy_sqlite(seeded, copy)
                print(f"copied {seeded.name} in {time.perf_counter() - started:.1f} s")
                try:
                    label = f"SQLite, {pages:,} pages" + (
                        f" ({args.corpus})" if args.corpus != "plain" else ""
                    )
                    results.append(run_one(label, f"sqlite:///{copy}", args, run_dir))
                finally:
                    shutil.rmtree(run_dir, ignore_errors=True)
    print("\n" + summary_table(results))
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
