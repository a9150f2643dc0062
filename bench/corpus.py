"""Realistic English wiki pages, made offline from the Python standard library's docstrings.

The standard library is a large body of real technical prose that every Python install
carries, so the benchmark pages have real sentence lengths, punctuation, inline code and
code samples without any download and without lorem ipsum.

    from bench.corpus import Corpus
    corpus = Corpus.load()                    # harvests the docstrings (a few seconds)
    titles = corpus.titles(2000, seed=1)      # unique page titles
    body = corpus.page_body(titles, 17, seed=1)   # 3-5 KB of Markdown for page 17

Everything is deterministic for a given seed (and a given Python version, since the
docstrings come from the running interpreter). Page ``i`` depends only on the seed, ``i``
and the list of titles it may link to, so the first 2,000 pages of a 20,000-page corpus
have the same titles as a 2,000-page one.

Run it to see a sample: ``python bench/corpus.py --pages 3``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import inspect
import io
import itertools
import pkgutil
import random
import re
import sys
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

# Modules that do something visible when imported (open a browser, print, start a GUI),
# or that are test suites or entry points rather than library code.
SKIP_MODULES = {
    "antigravity",
    "this",
    "idlelib",
    "tkinter",
    "turtle",
    "turtledemo",
    "test",
    "lib2to3",
    "ensurepip",
    "pydoc_data",
    "__hello__",
    "__phello__",
    "_pyrepl",
    "__main__",
}
MIN_DOC_CHARS = 200
PAGE_MIN_BYTES = 3000
PAGE_MAX_BYTES = 5000

DEPARTMENTS = [
    "Finance", "Facilities", "IT operations", "Legal", "Procurement", "People team",
    "Security", "Platform", "Data team", "Support", "Sales operations", "Onboarding",
    "Release management", "Quality", "Compliance", "Architecture", "Networking", "Payroll",
]  # fmt: skip
KINDS = [
    "guide", "notes", "runbook", "FAQ", "overview", "checklist", "how-to", "policy",
    "design notes", "troubleshooting", "handbook", "reference", "lessons learned", "primer",
]  # fmt: skip
SUMMARIES = [
    "First version", "Imported from the old wiki", "Moved here from the shared drive",
    "Initial notes", "Draft for review", "Written up after the team meeting",
]  # fmt: skip

_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`~?([^`]+)`")  # :func:`x`, :py:class:`~a.B`
_DOUBLE_TICK = re.compile(r"``([^`]+)``")
_UNDERLINE = re.compile(r"^\s*[-=~^*]{3,}\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_SECTION_LABELS = (
    "Args:",
    "Arguments:",
    "Parameters:",
    "Returns:",
    "Raises:",
    "Yields:",
    "Keyword arguments:",
    "Attributes:",
)
_NAME_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@dataclass(frozen=True)
class Doc:
    """One harvested docstring: where it came from and its text split into blocks."""

    name: str  # e.g. "shutil.copytree"
    paragraphs: tuple[str, ...]  # prose, one line each, inline code in backticks
    code: tuple[str, ...]  # doctest examples / literal blocks, as code text


@dataclass
class Corpus:
    docs: list[Doc]
    sources: list[str] = field(default_factory=list)  # short function sources for code blocks

    # ------------------------------------------------------------------ harvesting

    @classmethod
    def load(cls) -> Corpus:
        """Import the standard library's modules and collect their long docstrings."""
        docs: dict[str, Doc] = {}
        sources: list[str] = []
        for module_name in _stdlib_module_names():
            module = _quiet_import(module_name)
            if module is None:
                continue
            _collect(module, module_name, docs, sources)
        _collect_help_topics(docs)
        # The same docstring is inherited or copied in many places (codecs above all):
        # keep each paragraph once, in the first document (by name) that has it.
        seen: set[str] = set()
        ordered = []
        for name in sorted(docs):
            doc = docs[name]
            fresh = tuple(p for p in doc.paragraphs if p not in seen)
            seen.update(fresh)
            if fresh:
                ordered.append(Doc(name=name, paragraphs=fresh, code=doc.code))
        return cls(docs=ordered, sources=sorted(set(sources)))

    # ------------------------------------------------------------------ pages

    def titles(self, count: int, seed: int = 1) -> list[str]:
        """``count`` distinct page titles (distinct slugs too), each derived from a docstring."""
        titles: list[str] = []
        seen: set[str] = set()
        for index in range(count):
            rng = random.Random(f"{seed}:title:{index}")
            title = ""
            for _attempt in range(20):  # bounded: fall back to a numbered title below
                doc = rng.choice(self.docs)
                candidate = f"{rng.choice(DEPARTMENTS)}: {_humanise(doc.name)} {rng.choice(KINDS)}"
                if _slug_key(candidate) not in seen:
                    title = candidate
                    break
            if not title:
                title = f"{rng.choice(DEPARTMENTS)}: {_humanise(doc.name)} notes {index}"
            seen.add(_slug_key(title))
            titles.append(title)
        return titles

    def page_body(self, titles: list[str], index: int, seed: int = 1) -> str:
        """3-5 KB of Markdown for page ``index``, linking to some of the other ``titles``."""
        rng = random.Random(f"{seed}:body:{index}")
        target = rng.randint(PAGE_MIN_BYTES + 200, PAGE_MAX_BYTES - 300)
        parts: list[str] = [self.paragraph(rng, titles, exclude=index)]
        sections = 0
        for _ in range(40):  # bounded; normally stops after 3-6 blocks
            size = _size("\n\n".join(parts))
            if size >= target:
                break
            roll = rng.random()
            after_heading = parts[-1].startswith("## ")
            if (
                not after_heading
                and sections < 5
                and (roll < 0.3 or (sections == 0 and len(parts) > 1))
            ):
                parts.append(f"## {_humanise(rng.choice(self.docs).name).capitalize()}")
                sections += 1
            elif roll < 0.45:
                parts.append(self.bullet_list(rng))
            elif roll < 0.55:
                parts.append(self.code_block(rng))
            else:
                parts.append(self.paragraph(rng, titles, exclude=index))
        body = "\n\n".join(parts)
        return _trim(body, PAGE_MAX_BYTES) + "\n"

    def paragraph(
        self, rng: random.Random, titles: list[str] | None = None, exclude: int = -1
    ) -> str:
        """A prose paragraph, sometimes with a ``[[wiki link]]`` to another title."""
        doc = rng.choice(self.docs)
        text = rng.choice(doc.paragraphs)
        if titles and len(titles) > 1 and rng.random() < 0.45:
            other = rng.randrange(len(titles))
            if other == exclude:
                other = (other + 1) % len(titles)
            link = f"[[{titles[other]}]]"
            text += rng.choice(
                [f" See also {link}.", f" The details are in {link}.", f" (Compare {link}.)"]
            )
        return text

    def sentence(self, rng: random.Random) -> str:
        sentences = _SENTENCE_END.split(self.paragraph(rng))
        return rng.choice(sentences).strip()

    def bullet_list(self, rng: random.Random) -> str:
        """The sentences of one paragraph (or a few) as a Markdown list."""
        items: list[str] = []
        for _ in range(6):  # bounded
            items.extend(s.strip() for s in _SENTENCE_END.split(self.paragraph(rng)) if s.strip())
            if len(items) >= 3:
                break
        items = items[: rng.randint(3, 6)]
        marker = "1." if rng.random() < 0.3 else "-"
        return "\n".join(f"{marker} {item}" for item in items)

    def code_block(self, rng: random.Random) -> str:
        """A fenced code block: a doctest example or a short standard library function."""
        with_code = [doc for doc in self.docs if doc.code]
        if self.sources and (not with_code or rng.random() < 0.5):
            code = rng.choice(self.sources)
        else:
            code = rng.choice(rng.choice(with_code).code)
        return f"```python\n{code.rstrip()}\n```"


# ---------------------------------------------------------------------- a page's history

OFFICE_MOVE_TITLE = "Office move lessons learned"
OFFICE_MOVE_INTRO = """\
We moved the whole office from the old building to the new campus over two weekends. \
This page collects what went well, what did not, and what we would do differently next \
time. Add to it whenever you remember something; small corrections are welcome.

## Before the move

Start the inventory at least six weeks ahead. Every desk, monitor, docking station and \
cabinet got a numbered label, and the list lived in a shared spreadsheet that facilities \
owned. Labels with the new room number saved hours on the day.

- Book the goods lift for both days, not only the first one.
- Ask every team to name one person who answers questions about their area.
- Photograph the cabling of every rack before anything is unplugged.

## On the day

Movers arrived at seven and the network team was on site from six. The first problem was \
parking: the loading bay could take only one lorry at a time.

## After the move

Most complaints in the first week were about the heating and the meeting room bookings, \
not about lost equipment.
"""


class HistoryWriter:
    """Successive small, realistic edits of one page (for a page with a long history)."""

    def __init__(self, corpus: Corpus, seed: int = 1, low: int = 3500, high: int = 7000):
        self.corpus = corpus
        self.rng = random.Random(f"{seed}:history")
        self.low, self.high = low, high
        self._typos: list[tuple[str, str]] = []

    def first_text(self) -> str:
        parts = [OFFICE_MOVE_INTRO.rstrip()]
        for _ in range(12):  # bounded
            if _size("\n\n".join(parts)) >= self.low:
                break
            parts.append(self.corpus.paragraph(self.rng))
        return "\n\n".join(parts) + "\n"

    def edit(self, text: str) -> tuple[str, str]:
        """A new text differing from ``text`` by one small change, and its edit summary."""
        for _ in range(20):  # bounded; almost always the first try
            size = _size(text)
            grow = 1.0 if size < self.low else 0.0 if size > self.high else 0.5
            options = self._options(grow)
            change = self.rng.choices([o for o, _ in options], [w for _, w in options])[0]
            blocks = text.rstrip("\n").split("\n\n")
            result = change(blocks)
            if result is not None:
                new_blocks, summary = result
                new_text = "\n\n".join(new_blocks) + "\n"
                if new_text != text:
                    return new_text, summary
        return text.rstrip("\n") + "\n\n" + self.corpus.paragraph(self.rng) + "\n", "Add a note"

    def _options(self, grow: float) -> list[tuple[Callable, float]]:
        """The kinds of change and their weights; ``grow`` is 1 below the size range, 0
        above it and 0.5 inside."""
        return [
            (self._reword, 3.0),
            (self._typo_fix, 2.0),
            (self._add_sentence, 2.0 * grow),
            (self._add_list_item, 1.5 * grow),
            (self._add_paragraph, 1.0 * grow),
            (self._add_section, 0.3 * grow),
            (self._drop_sentence, 1.5 * (1 - grow)),
            (self._drop_paragraph, 1.0 * (1 - grow)),
            (self._swap_paragraphs, 0.2),
        ]

    # Each change returns (blocks, summary) or None when it does not apply.

    def _prose_index(self, blocks: list[str]) -> int | None:
        prose = [i for i, b in enumerate(blocks) if not b.startswith(("#", "-", "1.", "```"))]
        return self.rng.choice(prose) if prose else None

    def _reword(self, blocks):
        i = self._prose_index(blocks)
        if i is None:
            return None
        sentences = _SENTENCE_END.split(blocks[i])
        j = self.rng.randrange(len(sentences))
        sentences[j] = self.corpus.sentence(self.rng)
        blocks[i] = " ".join(sentences)
        return blocks, self.rng.choice(
            ["Reword", "Clarify", "Reword a sentence", "Make this clearer"]
        )

    def _typo_fix(self, blocks):
        """Put a transposed-letter typo in a word, or (later) fix one made earlier."""
        text = "\n\n".join(blocks)
        pending = [(typo, word) for typo, word in self._typos if f" {typo} " in text]
        if pending and self.rng.random() < 0.7:
            typo, word = self.rng.choice(pending)
            self._typos.remove((typo, word))
            fixed = text.replace(f" {typo} ", f" {word} ", 1)
            return fixed.split("\n\n"), self.rng.choice(["Typo", "Fix typo", "Spelling", "typo"])
        i = self._prose_index(blocks)
        if i is None:
            return None
        words = blocks[i].split(" ")
        candidates = [
            k for k in range(1, len(words) - 1) if len(words[k]) > 5 and words[k].isalpha()
        ]
        if not candidates:
            return None
        k = self.rng.choice(candidates)
        word = words[k]
        swap = self.rng.randrange(1, len(word) - 2)
        words[k] = word[:swap] + word[swap + 1] + word[swap] + word[swap + 2 :]
        self._typos.append((words[k], word))
        blocks[i] = " ".join(words)
        return blocks, self.rng.choice(["Reword", "Wording", "Small fix"])

    def _add_sentence(self, blocks):
        i = self._prose_index(blocks)
        if i is None:
            return None
        blocks[i] = f"{blocks[i]} {self.corpus.sentence(self.rng)}"
        return blocks, self.rng.choice(["Add a detail", "More detail", "Add what we learned"])

    def _add_list_item(self, blocks):
        lists = [i for i, b in enumerate(blocks) if b.startswith("- ") and b.count("\n") < 8]
        item = f"- {self.corpus.sentence(self.rng)}"
        if lists:
            i = self.rng.choice(lists)
            blocks[i] = f"{blocks[i]}\n{item}"
        else:
            blocks.insert(self.rng.randrange(1, len(blocks) + 1), item)
        return blocks, self.rng.choice(["Add to the list", "One more item", "Add checklist item"])

    def _add_paragraph(self, blocks):
        blocks.insert(self.rng.randrange(1, len(blocks) + 1), self.corpus.paragraph(self.rng))
        return blocks, self.rng.choice(["Add a paragraph", "Add notes from the retrospective"])

    def _add_section(self, blocks):
        heading = f"## {_humanise(self.rng.choice(self.corpus.docs).name).capitalize()}"
        blocks.extend([heading, self.corpus.paragraph(self.rng)])
        return blocks, f"New section: {heading[3:]}"

    def _drop_sentence(self, blocks):
        i = self._prose_index(blocks)
        if i is None:
            return None
        sentences = _SENTENCE_END.split(blocks[i])
        if len(sentences) < 2:
            return None
        del sentences[self.rng.randrange(len(sentences))]
        blocks[i] = " ".join(sentences)
        return blocks, self.rng.choice(["Remove outdated sentence", "Shorten", "Trim"])

    def _drop_paragraph(self, blocks):
        i = self._prose_index(blocks)
        if i is None or i == 0 or len(blocks) < 4:
            return None
        del blocks[i]
        if blocks[i - 1].startswith("#") and (i == len(blocks) or blocks[i].startswith("#")):
            del blocks[i - 1]  # no empty section left behind
        return blocks, self.rng.choice(["Remove paragraph that is no longer true", "Cut"])

    def _swap_paragraphs(self, blocks):
        prose = [
            i
            for i in range(1, len(blocks) - 1)
            if not blocks[i].startswith("#") and not blocks[i + 1].startswith("#")
        ]
        if not prose:
            return None
        i = self.rng.choice(prose)
        blocks[i], blocks[i + 1] = blocks[i + 1], blocks[i]
        return blocks, "Reorder"


# ---------------------------------------------------------------------- a wiki with everything

# The "everything" corpus (bench/seed.py --corpus everything): pages in several spaces, a
# share of them records made from the built-in templates with field values, files with
# their text, and many edits across pages. Vocabularies are small, like a real company's.
TEAMS = [
    "Logistics", "Finance", "Payroll", "Procurement", "Facilities", "Legal", "Compliance",
    "Security", "Platform", "Networking", "Data", "Analytics", "Support", "Field Service",
    "Sales", "Marketing", "Research", "Design", "Mobile", "Web", "Billing", "Identity",
    "Infrastructure", "Release", "Quality", "Onboarding", "Recruiting", "Customer Success",
    "Warehouse", "Travel",
]  # fmt: skip
PROJECTS = [
    "Kestrel", "Marigold", "Bluebell", "Tamarind", "Halyard", "Quillon", "Saffron", "Juniper",
    "Osprey", "Cobalt", "Nimbus", "Paddock", "Wayfarer", "Lantern", "Foxglove", "Granite",
    "Ironwood", "Jacaranda", "Kingfisher", "Lodestar", "Meridian", "Nettle", "Orchard",
    "Pinnacle", "Quarry", "Redwood", "Sextant", "Thistle", "Umber", "Vervain", "Willow",
    "Yarrow", "Zephyr", "Alder", "Bramble", "Cinder", "Dunlin", "Ember", "Fennel", "Gannet",
]  # fmt: skip
CUSTOMERS = [
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
    "Tyrell", "Cyberdyne", "Wonka", "Oscorp", "Gringotts", "Monarch",
]  # fmt: skip
SERVICES = [
    "checkout", "payments API", "single sign-on", "VPN", "mail relay", "build farm",
    "search", "file shares", "badge readers", "payroll export", "data warehouse",
    "ticket queue", "phone system", "print service", "CRM sync", "mobile app", "status page",
    "backup jobs", "DNS", "expense tool",
]  # fmt: skip
SEVERITIES = {"low": 35, "medium": 40, "high": 20, "critical": 5}  # the template's choices
OUTCOMES = {"success": 45, "partial success": 40, "failure": 15}
DECISION_STATUSES = {"accepted": 60, "proposed": 20, "rejected": 10, "superseded": 10}
# (key, name, description); "" is the default space.
SPACES = [
    ("eng", "Engineering", "Platform, networking, releases and the services we run."),
    ("ops", "Operations", "Facilities, logistics, support and incidents."),
    ("people", "People", "Hiring, onboarding, payroll and policies."),
    ("finance", "Finance", "Budgets, procurement, billing and audits."),
    ("sales", "Sales", "Customers, accounts and the sales playbook."),
]
# What share of pages is which kind of record ("" an ordinary page), and where each goes.
PAGE_KINDS = {
    "": 65,
    "lessons-learned": 20,
    "incident-post-mortem": 8,
    "meeting-notes": 4,
    "decision-record": 3,
}
KIND_SPACES = {
    "": {"": 30, "eng": 25, "ops": 15, "people": 12, "finance": 12, "sales": 6},
    "lessons-learned": {"eng": 40, "ops": 35, "sales": 10, "finance": 10, "": 5},
    "incident-post-mortem": {"eng": 60, "ops": 40},
    "meeting-notes": {"": 20, "eng": 20, "ops": 20, "people": 15, "finance": 15, "sales": 10},
    "decision-record": {"eng": 60, "ops": 20, "finance": 20},
}
FILE_KINDS = {"report": 40, "minutes": 35, "spreadsheet": 25}
PEOPLE = ["editor", "alice", "bob", "carol", "dave"]
"""The accounts bench/seed.py makes that write: record contacts, attendees, file owners."""
EPOCH = date(2025, 6, 30)
"""The corpus's "today": dates in records and files fall in the four years before it."""


def zipf_choice(rng: random.Random, items: list[str], exponent: float = 0.8) -> str:
    """One of ``items``, the first ones far more often than the last (as teams and projects
    are in any company's records)."""
    weights = [1 / (rank + 1) ** exponent for rank in range(len(items))]
    return rng.choices(items, weights)[0]


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), list(table.values()))[0]


@dataclass(frozen=True)
class PagePlan:
    """What page ``i`` of the everything corpus is: its kind ("" for an ordinary page, else
    the key of a built-in template), its space key ("" for the default space), its title and
    its field values (as the template's fields name them)."""

    kind: str
    space: str
    title: str
    values: dict[str, str]
    day: date  # the date the template's placeholders are filled with


def plan_pages(corpus: Corpus, count: int, seed: int, people: list[str] = PEOPLE) -> list[PagePlan]:
    """The plan of ``count`` pages; page ``i``'s kind, space and values depend only on the
    seed and ``i``. Titles are distinct (slugs too); ordinary pages keep the titles of
    :meth:`Corpus.titles`."""
    titles = corpus.titles(count, seed)
    seen = {_slug_key(t) for t in titles}
    plans: list[PagePlan] = []
    for index in range(count):
        rng = random.Random(f"{seed}:plan:{index}")
        kind = _weighted(rng, PAGE_KINDS)
        space = _weighted(rng, KIND_SPACES[kind])
        day = EPOCH - timedelta(days=rng.randrange(4 * 365))
        values: dict[str, str] = {}
        title = titles[index]
        topic = _humanise(rng.choice(corpus.docs).name)
        team, project = zipf_choice(rng, TEAMS), zipf_choice(rng, PROJECTS)
        customer = zipf_choice(rng, CUSTOMERS) if rng.random() < 0.6 else ""
        if kind == "lessons-learned":
            values = {
                "project": project,
                "team": team,
                "event_date": day.isoformat(),
                "outcome": _weighted(rng, OUTCOMES),
                "severity": _weighted(rng, SEVERITIES),
                "customer": customer,
                "owner": rng.choice(people),
            }
            title = f"{project} lessons: {topic}"
        elif kind == "incident-post-mortem":
            service = zipf_choice(rng, SERVICES)
            values = {
                "severity": _weighted(rng, SEVERITIES),
                "team": team,
                "started": day.isoformat(),
                "resolved": (day + timedelta(days=rng.choice([0, 0, 0, 1, 2]))).isoformat(),
                "customer": customer,
                "service": service,
                "incident_lead": rng.choice(people),
            }
            title = f"Incident {day.isoformat()}: {service} {topic}"
        elif kind == "meeting-notes":
            values = {"meeting_date": day.isoformat(), "team": team}
            title = f"{team} meeting {day.isoformat()}: {topic}"
        elif kind == "decision-record":
            values = {
                "status": _weighted(rng, DECISION_STATUSES),
                "decided_on": day.isoformat(),
                "decider": rng.choice(people),
                "team": team,
                "project": project,
            }
            title = f"Decision: {topic} for {project}"
        if kind:
            base, number = title, 2
            while _slug_key(title) in seen:  # bounded by the titles taken so far
                title, number = f"{base} ({number})", number + 1
            seen.add(_slug_key(title))
        plans.append(PagePlan(kind, space, title, {k: v for k, v in values.items() if v}, day))
    return plans


def record_body(
    corpus: Corpus, template_text: str, plan: PagePlan, titles: list[str], index: int, seed: int
) -> str:
    """A record's text: the template's (placeholders filled) with each instruction line
    replaced by prose, each empty list filled, timelines and attendees added."""
    rng = random.Random(f"{seed}:record:{index}")
    values = plan.values
    out: list[str] = []
    blocks = template_text.strip("\n").split("\n\n")
    for position, block in enumerate(blocks):
        lines = block.split("\n")
        if position > 0 and block.startswith("_") and block.rstrip().endswith("_"):
            text = corpus.paragraph(rng, titles, exclude=index)
            if "project" in values and rng.random() < 0.3:
                text = f"This concerns project {values['project']}. {text}"
            elif "customer" in values and rng.random() < 0.3:
                text = f"{values['customer']} was affected. {text}"
            out.append(text)
            if rng.random() < 0.4:
                out.append(corpus.paragraph(rng, titles, exclude=index))
        elif block.strip() in ("-", "1."):
            marker = block.strip()
            items = [corpus.sentence(rng) for _ in range(rng.randint(2, 4))]
            out.append("\n".join(f"{marker} {item}" for item in items))
        elif lines[0].startswith("1. _"):
            items = [corpus.sentence(rng) for _ in range(rng.randint(2, 4))]
            out.append("\n".join(f"{n}. {item}" for n, item in enumerate(items, 1)))
        elif lines[0].startswith("| Time"):
            rows = lines[:2]
            for hour in sorted(rng.sample(range(24), rng.randint(3, 5))):
                event = corpus.sentence(rng).replace("|", "/")
                rows.append(
                    f"| {plan.day.isoformat()} {hour:02d}:{rng.randrange(60):02d} | {event} |"
                )
            out.append("\n".join(rows))
        elif lines[0].startswith("- @"):  # attendees
            others = [p for p in PEOPLE if f"- @{p}" not in lines]
            lines += [f"- @{p}" for p in rng.sample(others, rng.randint(1, len(others)))]
            out.append("\n".join(lines))
        elif lines[0].startswith("- [ ]"):
            items = [
                f"- [{'x' if rng.random() < 0.3 else ' '}] "
                f"@{values.get('owner') or values.get('incident_lead') or values.get('decider') or 'editor'} "
                f"{(plan.day + timedelta(days=rng.randrange(7, 90))).isoformat()} "
                f"{_short(corpus.sentence(rng))}"
                for _ in range(rng.randint(1, 3))
            ]
            out.append("\n".join(items))
        else:
            out.append(block)
    return _trim("\n\n".join(out), PAGE_MAX_BYTES + 1500) + "\n"


def _short(sentence: str, words: int = 10) -> str:
    cut = sentence.split()[:words]
    return " ".join(cut).rstrip(".,;:") + ("" if len(cut) < words else "...")


def file_document(corpus: Corpus, seed: int, number: int, plan: PagePlan) -> tuple[str, str]:
    """File ``number`` of the corpus, attached to the page of ``plan``: a name and its text
    (2-6 KB): a status report, meeting minutes, or a spreadsheet saved as CSV."""
    rng = random.Random(f"{seed}:file:{number}")
    kind = _weighted(rng, FILE_KINDS)
    team = plan.values.get("team") or zipf_choice(rng, TEAMS)
    project = plan.values.get("project") or zipf_choice(rng, PROJECTS)
    day = plan.day + timedelta(days=rng.randrange(60))
    target = rng.randint(2000, 6000)
    people = PEOPLE
    if kind == "report":
        parts = [
            f"{project} status report, {day.strftime('%B %Y')}",
            f"Prepared by {rng.choice(people)} for the {team} team.",
        ]
        section = 1
        while _size("\n\n".join(parts)) < target:  # bounded: each round adds text
            parts.append(f"{section}. {_humanise(rng.choice(corpus.docs).name).capitalize()}")
            parts.append(corpus.paragraph(rng))
            if rng.random() < 0.4:
                parts.append("\n".join(f"  * {corpus.sentence(rng)}" for _ in range(3)))
            section += 1
        return f"{project.lower()}-report-{day.isoformat()}-{number}.txt", "\n\n".join(parts)
    if kind == "minutes":
        present = ", ".join(sorted(rng.sample(people, 3)))
        parts = [f"# Minutes of the {team} meeting, {day.isoformat()}", f"Present: {present}"]
        item = 1
        while _size("\n\n".join(parts)) < target:  # bounded: each round adds text
            parts.append(
                f"{item}. {_humanise(rng.choice(corpus.docs).name).capitalize()}\n\n"
                f"{corpus.paragraph(rng)}\n\n"
                f"Decision: {corpus.sentence(rng)}\n"
                f"Action: {rng.choice(people)} to {_short(corpus.sentence(rng), 8).lower()}"
            )
            item += 1
        slug = team.lower().replace(" ", "-")
        return f"minutes-{slug}-{day.isoformat()}-{number}.md", "\n\n".join(parts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Item", "Owner", "Team", "Project", "Cost", "Status", "Notes"])
    row = 1
    while out.tell() < target:  # bounded: each row adds text
        writer.writerow(
            [
                row,
                rng.choice(people),
                zipf_choice(rng, TEAMS),
                project,
                f"{rng.randrange(50, 50000):,}",
                rng.choice(["open", "done", "late", "cancelled", "ordered"]),
                _short(corpus.sentence(rng), 14),
            ]
        )
        row += 1
    slug = team.lower().replace(" ", "-")
    return f"{slug}-{project.lower()}-{day.year}-{number}.csv", out.getvalue()


_SYLLABLES = "ka lo mir tes var nok bel dra fen quo ril sam tor ul vex wen zan cor pha lis mon ter bri gal".split()
_ROOMS = "Heron Puffin Lapwing Curlew Plover Avocet Bittern Merlin Shrike Dipper".split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday".split()
_NOTES = [
    "Note: until {month} the {system} export runs on {host} ({ticket}); ask {person} for access.",
    "Temporary workaround ({ticket}): restart the {system} sync by hand after each deploy.",
    "Update: the {vendor} contract ends on {day}, and {person} is handling the renewal.",
    "The {team} stand-up now meets in the {room} room on {weekday}s.",
    "Known issue {ticket}: {system} rejects uploads larger than {size} MB until the patch lands.",
    "Update: {system} was replaced by {other}; the old links still redirect for now.",
]
_LIST_ITEM = re.compile(r"^(?:- |\d+\. )")
_NOTE_START = re.compile(r"^(?:Note:|Temporary workaround|Update:|Known issue|The .* stand-up)")


def _coined_names(count: int, seed: str) -> list[str]:
    """Made-up product and vendor names ("Varnok", "Telisam"): the words of short-lived
    notes, which real wikis are full of and which no docstring has."""
    rng = random.Random(seed)
    names: dict[str, None] = {}
    for _ in range(count * 20):  # bounded: stops once there are enough
        names.setdefault("".join(rng.sample(_SYLLABLES, rng.choice([2, 2, 3]))).capitalize())
        if len(names) == count:
            break
    return list(names)


SYSTEMS = _coined_names(3000, "systems")  # each in a note or two: words that come and go
VENDORS = [
    f"{name} {kind}"
    for name, kind in zip(
        _coined_names(3300, "vendors")[3000:],
        itertools.cycle(["Ltd", "GmbH", "Logistics", "Partners"]),
    )
]


class EditWriter(HistoryWriter):
    """Edits of many pages in turn: the kinds of change of :class:`HistoryWriter`, with
    more removals (sentences, paragraphs, list items), list items reworded, short-lived
    notes (a workaround, a ticket, a contract date, a system since replaced) added and
    later removed, and each page its own pending typos."""

    def __init__(self, corpus: Corpus, seed: int = 1, low: int = 2500, high: int = 6500):
        super().__init__(corpus, seed, low, high)
        self.rng = random.Random(f"{seed}:edits")
        self._pending: dict[object, list[tuple[str, str]]] = {}

    def edit_of(self, key: object, text: str) -> tuple[str, str]:
        """A new text for the page ``key`` (any hashable name) and its summary."""
        self._typos = self._pending.setdefault(key, [])
        return self.edit(text)

    def _options(self, grow: float) -> list[tuple[Callable, float]]:
        return [
            (self._reword, 2.5),
            (self._reword_list_item, 1.0),
            (self._typo_fix, 1.5),
            (self._add_sentence, 2.0 * grow),
            (self._add_list_item, 1.5 * grow),
            (self._add_paragraph, 1.0 * grow),
            (self._add_section, 0.2 * grow),
            (self._drop_sentence, 0.5 + 2.0 * (1 - grow)),
            (self._drop_paragraph, 0.3 + 1.0 * (1 - grow)),
            (self._drop_list_item, 0.4 + 1.5 * (1 - grow)),
            (self._add_note, 1.0),
            (self._drop_note, 1.4),
            (self._swap_paragraphs, 0.2),
        ]

    def _prose_index(self, blocks: list[str]) -> int | None:
        prose = [
            i
            for i, b in enumerate(blocks)
            if not b.startswith(("#", "-", "1.", "```", "|", "_", "**"))
        ]
        return self.rng.choice(prose) if prose else None

    def note(self) -> str:
        """A short-lived note: names, dates and numbers that seldom outlive a few edits."""
        rng = self.rng
        day = EPOCH - timedelta(days=rng.randrange(4 * 365))
        system, other = rng.sample(SYSTEMS, 2)
        return rng.choice(_NOTES).format(
            month=day.strftime("%B"),
            system=system,
            other=other,
            host=f"{system.lower()}-{rng.randrange(1, 40):02d}",
            person=rng.choice(PEOPLE),
            ticket=f"INC-{rng.randrange(10000, 100000)}",
            vendor=rng.choice(VENDORS),
            day=day.isoformat(),
            team=zipf_choice(rng, TEAMS),
            room=rng.choice(_ROOMS),
            weekday=rng.choice(_WEEKDAYS),
            size=rng.choice([5, 10, 20, 50]),
        )

    def _add_note(self, blocks):
        note = self.note()
        roll = self.rng.random()
        lists = self._lists(blocks)
        i = self._prose_index(blocks)
        if roll < 0.4 and i is not None:
            blocks[i] = f"{blocks[i]} {note}"
        elif roll < 0.7 and lists:
            j = self.rng.choice(lists)
            marker = "-" if blocks[j].startswith("- ") else f"{blocks[j].count(chr(10)) + 2}."
            blocks[j] = f"{blocks[j]}\n{marker} {note}"
        else:
            blocks.insert(self.rng.randrange(1, len(blocks) + 1), note)
        return blocks, self.rng.choice(["Add a note", "Status update", "Workaround", "FYI"])

    def _drop_note(self, blocks):
        """Remove a note that is no longer true (the sentence, list item or paragraph)."""
        found = []
        for i, block in enumerate(blocks):
            for j, line in enumerate(block.split("\n")):
                item = line.split(" ", 1)[1] if _LIST_ITEM.match(line) else line
                for k, sentence in enumerate(_SENTENCE_END.split(item)):
                    if _NOTE_START.match(sentence):
                        found.append((i, j, k))
        if not found:
            return None
        i, j, k = self.rng.choice(found)
        lines = blocks[i].split("\n")
        marker, _, item = (
            lines[j].partition(" ") if _LIST_ITEM.match(lines[j]) else ("", "", lines[j])
        )
        sentences = _SENTENCE_END.split(item)
        del sentences[k]
        if sentences:
            lines[j] = " ".join(filter(None, [marker, " ".join(sentences)]))
        else:
            del lines[j]
        if lines:
            blocks[i] = "\n".join(lines)
        else:
            del blocks[i]
        return blocks, self.rng.choice(["Remove outdated note", "No longer true", "Fixed now"])

    def _lists(self, blocks: list[str]) -> list[int]:
        """Bullet and numbered lists, not task lists (their items are action items)."""
        return [
            i
            for i, b in enumerate(blocks)
            if b.startswith(("- ", "1. ")) and not b.startswith(("- [", "- @"))
        ]

    def _add_list_item(self, blocks):
        lists = [i for i in self._lists(blocks) if blocks[i].count("\n") < 8]
        if not lists:
            return super()._add_list_item(blocks)
        i = self.rng.choice(lists)
        marker = "-" if blocks[i].startswith("- ") else f"{blocks[i].count(chr(10)) + 2}."
        blocks[i] = f"{blocks[i]}\n{marker} {self.corpus.sentence(self.rng)}"
        return blocks, self.rng.choice(["Add to the list", "One more item", "Add checklist item"])

    def _drop_list_item(self, blocks):
        lists = self._lists(blocks)
        if not lists:
            return None
        i = self.rng.choice(lists)
        items = blocks[i].split("\n")
        if len(items) < 2:
            if len(blocks) < 4:
                return None
            del blocks[i]
        else:
            del items[self.rng.randrange(len(items))]
            blocks[i] = "\n".join(items)
        return blocks, self.rng.choice(["Remove an item", "No longer needed", "Trim the list"])

    def _reword_list_item(self, blocks):
        lists = self._lists(blocks)
        if not lists:
            return None
        i = self.rng.choice(lists)
        items = blocks[i].split("\n")
        j = self.rng.randrange(len(items))
        marker = items[j].split(" ", 1)[0]
        items[j] = f"{marker} {self.corpus.sentence(self.rng)}"
        blocks[i] = "\n".join(items)
        return blocks, self.rng.choice(["Reword an item", "Update the list", "Clarify"])


# ---------------------------------------------------------------------- helpers


def _stdlib_module_names() -> list[str]:
    names: set[str] = set()
    for top in sorted(sys.stdlib_module_names):
        # Private modules are allowed (``_pydecimal`` and ``_pyio`` hold much prose), but
        # not dunder ones (``__hello__`` prints) nor C test helpers.
        if top in SKIP_MODULES or top.startswith(("__", "_test", "_xx", "_tkinter")):
            continue
        names.add(top)
        module = _quiet_import(top)
        path = getattr(module, "__path__", None)
        if not path:
            continue
        for info in pkgutil.walk_packages(path, prefix=f"{top}.", onerror=lambda _name: None):
            parts = info.name.split(".")
            if any(p.startswith("_") or p in SKIP_MODULES or p.startswith("test") for p in parts):
                continue
            names.add(info.name)
    return sorted(names)


def _quiet_import(name: str):
    """Import a module with warnings and output suppressed; None when it cannot be imported."""
    if name.split(".")[0] in SKIP_MODULES:
        return None
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        try:
            return importlib.import_module(name)
        except BaseException:  # noqa: BLE001  (ImportError, OSError, SystemExit from odd modules)
            return None


def _collect(module, module_name: str, docs: dict[str, Doc], sources: list[str]) -> None:
    _add_doc(docs, module_name, inspect.getdoc(module))
    for attr, value in sorted(vars(module).items()):
        if attr.startswith("_") or getattr(value, "__module__", None) != module_name:
            continue
        if inspect.isclass(value) or inspect.isroutine(value):
            _add_doc(docs, f"{module_name}.{attr}", inspect.getdoc(value))
            if inspect.isfunction(value):
                _add_source(sources, value)
        if inspect.isclass(value):
            for member_name, member in sorted(vars(value).items()):
                if member_name.startswith("_") or not inspect.isroutine(member):
                    continue
                _add_doc(docs, f"{module_name}.{attr}.{member_name}", inspect.getdoc(member))


def _collect_help_topics(docs: dict[str, Doc]) -> None:
    """The interactive ``help()`` topics: the language reference as plain text."""
    try:
        from pydoc_data.topics import topics
    except ImportError:
        return
    for key, text in sorted(topics.items()):
        paragraphs, code = _split_docstring(text, indented_code=True)
        if paragraphs:
            docs[f"language reference.{key.replace('-', '_')}"] = Doc(
                name=f"language reference.{key.replace('-', '_')}",
                paragraphs=tuple(paragraphs),
                code=tuple(code),
            )


def _add_source(sources: list[str], function) -> None:
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return
    lines = source.splitlines()
    if 4 <= len(lines) <= 14 and all(len(line) <= 100 for line in lines) and "```" not in source:
        sources.append(source)


def _add_doc(docs: dict[str, Doc], name: str, text: str | None) -> None:
    if not text or len(text) < MIN_DOC_CHARS:
        return
    paragraphs, code = _split_docstring(text)
    if paragraphs and sum(len(p) for p in paragraphs) >= MIN_DOC_CHARS // 2:
        docs[name] = Doc(name=name, paragraphs=tuple(paragraphs), code=tuple(code))


def _split_docstring(text: str, indented_code: bool = False) -> tuple[list[str], list[str]]:
    """Prose paragraphs (unwrapped, reST markup turned into Markdown) and code examples.

    With ``indented_code``, indented blocks (other than grammar rules) are code examples.
    """
    paragraphs: list[str] = []
    code: list[str] = []
    for block in re.split(r"\n\s*\n", text.replace("\r", "")):
        lines = [line for line in block.split("\n") if not _UNDERLINE.match(line)]
        if not lines:
            continue
        if lines[0].lstrip().startswith(">>>"):
            example = textwrap.dedent("\n".join(lines))
            if "```" not in example:
                code.append(example)
            continue
        if (
            indented_code
            and lines[0].startswith("   ")
            and all(not line.strip() or line.startswith("   ") for line in lines)
        ):
            example = textwrap.dedent("\n".join(lines))
            if "::=" not in example and "```" not in example and 2 <= len(lines) <= 20:
                code.append(example)
            continue
        if lines[0].startswith((" ", "\t")) or len(lines) == 1 and lines[0].rstrip().endswith(":"):
            continue  # argument tables, literal blocks and section labels: not prose
        prose = " ".join(line.strip() for line in lines)
        prose = _DOUBLE_TICK.sub(r"`\1`", _ROLE.sub(r"`\1`", prose))
        prose = prose.replace("[[", "[").replace("]]", "]")  # never a stray wiki link
        words = prose.split()
        letters = sum(ch.isalpha() for ch in prose)
        if prose.startswith(_SECTION_LABELS) or prose.startswith(("- ", "* ", "+ ")):
            continue  # "Args: x: the ..." reads like a table, not prose
        if len(words) >= 12 and letters > 0.6 * len(prose) and prose[-1:] in ".:)":
            if prose.endswith(":"):
                prose = prose[:-1] + "."
            paragraphs.append(prose)
    return paragraphs, code


def _humanise(dotted: str) -> str:
    """``http.cookiejar.CookieJar.add_cookie_header`` -> ``cookie jar add cookie header``."""
    last = dotted.split(".")[-2:] if "." in dotted else [dotted]
    words: list[str] = []
    for part in last:
        for piece in part.split("_"):
            words.extend(w.lower() for w in _NAME_WORDS.findall(piece))
    return " ".join(words) or dotted


def _slug_key(title: str) -> str:
    return re.sub(r"[^\w]+", "-", title.casefold()).strip("-")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _trim(body: str, max_bytes: int) -> str:
    """Cut ``body`` at a sentence or block boundary so it fits in ``max_bytes``."""
    if _size(body) <= max_bytes:
        return body
    blocks = body.split("\n\n")
    for _ in range(len(blocks)):  # drop whole trailing blocks first
        if _size("\n\n".join(blocks)) <= max_bytes or len(blocks) == 1:
            break
        tail = blocks.pop()
        room = max_bytes - _size("\n\n".join(blocks)) - 2
        if room > 200 and not tail.startswith(("```", "#", "-", "1.")):
            kept = ""
            for sentence in _SENTENCE_END.split(tail):
                if _size(kept + " " + sentence) > room:
                    break
                kept = f"{kept} {sentence}".strip()
            if kept:
                blocks.append(kept)
                break
    while blocks and blocks[-1].startswith("#"):
        blocks.pop()  # never end on a heading
    return "\n\n".join(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = Corpus.load()
    print(f"# {len(corpus.docs)} docstrings, {len(corpus.sources)} code samples harvested\n")
    titles = corpus.titles(args.pages, args.seed)
    for index, title in enumerate(titles):
        body = corpus.page_body(titles, index, args.seed)
        print(f"==== {title} ({_size(body)} bytes)\n{body}")


if __name__ == "__main__":
    main()
