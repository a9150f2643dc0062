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
import importlib
import inspect
import io
import pkgutil
import random
import re
import sys
import textwrap
import warnings
from dataclasses import dataclass, field

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
            options = [
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
            change = self.rng.choices([o for o, _ in options], [w for _, w in options])[0]
            blocks = text.rstrip("\n").split("\n\n")
            result = change(blocks)
            if result is not None:
                new_blocks, summary = result
                new_text = "\n\n".join(new_blocks) + "\n"
                if new_text != text:
                    return new_text, summary
        return text.rstrip("\n") + "\n\n" + self.corpus.paragraph(self.rng) + "\n", "Add a note"

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
