"""What one generation of the index holds: the Whoosh schema and its version, and how a
page and the index state are written into it and read back.

Each generation holds one document per page (key ``page:<id>``) and one state document
(key ``state``) that records the last revision id applied (the *high-water mark*), the
last id of the page change feed applied, when that feed was last read through, and the
schema version. The state is written in the same commit as the pages, so after a crash
the marks never disagree with what the index contains.

A page's document holds the text of its live files too (field ``files``, at most
:data:`MAX_FILES_CHARS` characters in all), so a file is found exactly where its page is,
by exactly the readers of its page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from whoosh import fields
from whoosh.analysis import NgramFilter

from wiki.search.analysis import fold, keyword_analyzer, name_analyzer, text_analyzer
from wiki.search.backend import IndexState, IndexUnavailable, PageDocument
from wiki.search.storage import damaged_index

__all__ = [
    "AUTOCOMPLETE_GRAM",
    "FIELD_BOOSTS",
    "MAX_FILES_CHARS",
    "SCHEMA_VERSION",
    "add_page",
    "add_state",
    "build_schema",
    "field_term",
    "indexed_file_stamp",
    "indexed_revision",
    "read_state",
    "remove_page",
    "update_page",
    "update_state",
]

SCHEMA_VERSION = 4
"""Bump whenever the schema, the analysis (:mod:`wiki.search.analysis`) or the way pages
are stored changes: an index of another version is reported unavailable, and the wiki
must rebuild it."""

FIELD_BOOSTS = {"title": 3.0, "tag_words": 2.5, "headings": 2.0, "body": 1.0, "files": 0.5}
"""The fields plain words search, with their weights (BM25F field boosts): a word of the
title says most about a page, then a word of its tags ("offboarding" on a leavers'
checklist that never uses the word), its headings, its text, and last the text of its
files (a long spreadsheet mentions many things it is not about). The engine's
scoring applies them, so queries carry no boosts: a boosted Whoosh query wraps every term
matcher in one more layer, which cost ~10% of the time of multi-word searches."""

MAX_FILES_CHARS = 200_000
"""Characters of a page's files indexed, in all (names included): the first ones, files
taken by name."""

AUTOCOMPLETE_GRAM = 20
"""Title words are indexed by their first 1..20 letters for autocomplete."""

_STATE_KEY = "state"
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def build_schema() -> fields.Schema:
    """The index schema. Changing it (or the analyzers) requires bumping SCHEMA_VERSION.
    Never raises."""
    return fields.Schema(
        key=fields.ID(unique=True, stored=True),  # "page:<id>", or "state"
        page_id=fields.NUMERIC(int, 64, signed=False, shift_step=0, stored=True, sortable=True),
        revision_id=fields.NUMERIC(int, 64, signed=False, shift_step=0, stored=True, sortable=True),
        slug=fields.STORED(),
        title=fields.TEXT(analyzer=text_analyzer(), stored=True),
        # The whole folded title: "go to page" on an exact match, and autocomplete ranking.
        title_key=fields.ID(sortable=True),
        title_ac=fields.TEXT(
            analyzer=name_analyzer() | NgramFilter(1, AUTOCOMPLETE_GRAM, at="start"),
            phrase=False,
        ),
        headings=fields.TEXT(analyzer=text_analyzer()),
        body=fields.TEXT(analyzer=text_analyzer(), stored=True),
        # The page's live files: each one's name, then its text. Stored for snippets, with
        # where each file's text lies in it (file_spans: [(name, start, end)]).
        files=fields.TEXT(analyzer=text_analyzer(), stored=True),
        file_spans=fields.STORED(),
        files_stamp=fields.STORED(),
        tags=fields.TEXT(analyzer=keyword_analyzer(), phrase=False, stored=True),
        # The same tags as words, for plain searches: "austin parking" finds a page
        # tagged "austin" whose text speaks of a garage.
        tag_words=fields.TEXT(analyzer=text_analyzer()),
        # A record's fields, each "name=value" one term (``team:logistics``); their values
        # are also among the tag words, so plain words find them.
        record=fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        author=fields.TEXT(analyzer=name_analyzer(), stored=True),
        updated=fields.DATETIME(stored=True, sortable=True),  # sortable: read for recency
        # On the state document: {"hwm": int, "changes": int, "checked": float | None,
        # "schema": int}.
        state=fields.STORED(),
    )


# ---------------------------------------------------------------------- writing


def add_page(writer, doc: PageDocument) -> None:
    """Add ``doc`` to a new index, where the page cannot be yet. Raises what the Whoosh
    writer raises."""
    writer.add_document(**_fields(doc))


def update_page(writer, doc: PageDocument) -> None:
    """Add ``doc``, replacing the page's indexed document if there is one. Raises what the
    Whoosh writer raises."""
    writer.update_document(**_fields(doc))


def remove_page(writer, page_id: int, searcher) -> None:
    """Delete the page's document if there is one (``searcher``: the writer's own). Raises
    what the Whoosh writer raises."""
    writer.delete_by_term("key", _key(page_id), searcher=searcher)


def add_state(writer, state: IndexState) -> None:
    """Add the state document to a new index. Raises what the Whoosh writer raises."""
    writer.add_document(**_state_fields(state))


def update_state(writer, state: IndexState) -> None:
    """Replace the state document. Raises what the Whoosh writer raises."""
    writer.update_document(**_state_fields(state))


def _text(value: str) -> str:
    # Whoosh encodes terms as UTF-8, which lone surrogates would break.
    return _SURROGATES.sub("\ufffd", value)


def field_term(name: str, value: str) -> str:
    """How the index spells a field's value before analysis: ``team=logistics`` (commas
    would split it; spacing collapsed). A query for ``team:Logistics`` spells it the same."""
    return f"{name}=" + " ".join(value.replace(",", " ").split())


def _key(page_id: int) -> str:
    return f"page:{page_id}"


def _files(doc: PageDocument) -> tuple[str, list[tuple[str, int, int]]]:
    """The files' text as indexed and stored ("name\ntext", blank lines between files, cut
    at MAX_FILES_CHARS), and where each file's text lies in it."""
    parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    used = 0
    for name, text in doc.files:
        if used >= MAX_FILES_CHARS:
            break
        head = _text(name) + "\n"
        body = _text(text)[: max(0, MAX_FILES_CHARS - used - len(head))]
        start = used + len(head)
        parts.append(head + body + "\n\n")
        spans.append((name, start, start + len(body)))
        used += len(head) + len(body) + 2
    return "".join(parts), spans


def _fields(doc: PageDocument) -> dict:
    updated = doc.updated.astimezone(UTC)
    tags = [_text(tag).replace(",", " ") for tag in doc.tags]
    files, spans = _files(doc)
    return {
        "key": _key(doc.page_id),
        "page_id": doc.page_id,
        "revision_id": doc.revision_id,
        "slug": doc.slug,
        "title": _text(doc.title),
        "title_key": fold(_text(doc.title)),
        "title_ac": _text(doc.title),
        "headings": _text(doc.headings),
        "body": _text(doc.body),
        "files": files,
        "file_spans": spans,
        "files_stamp": doc.files_stamp,
        "tags": ",".join(tags),
        "_stored_tags": tuple(doc.tags),
        # Tags and field values as text, one per line.
        "tag_words": "\n".join(_text(word) for word in (*doc.tags, *(v for _, v in doc.fields))),
        "record": ",".join(field_term(name, _text(value)) for name, value in doc.fields),
        "author": _text(doc.author),
        # The DATETIME field drops tzinfo: give it UTC; store the aware value for display.
        "updated": updated.replace(tzinfo=None),
        "_stored_updated": updated,
    }


def _state_fields(state: IndexState) -> dict:
    checked = state.checked_at.timestamp() if state.checked_at is not None else None
    # page_id 0 marks it as no page (a missing column value would read as 2**64 - 1).
    return {
        "key": _STATE_KEY,
        "page_id": 0,
        "revision_id": 0,
        "state": {
            "hwm": state.revision_mark,
            "changes": state.change_mark,
            "checked": checked,
            "schema": SCHEMA_VERSION,
        },
    }


# ---------------------------------------------------------------------- reading


def read_state(searcher) -> IndexState:
    """The state of ``searcher``'s index, from its state document.

    Raises IndexUnavailable when it cannot be read (a damaged index) or the index is of
    another schema version.
    """
    try:
        stored = searcher.document(key=_STATE_KEY)
    except Exception as exc:
        raise damaged_index("cannot read the index state", exc) from exc
    state = (stored or {}).get("state")
    if not isinstance(state, dict) or state.get("schema") != SCHEMA_VERSION:
        raise IndexUnavailable("the index was made by another version: rebuild it")
    checked = state.get("checked")
    return IndexState(
        revision_mark=state["hwm"],
        change_mark=state["changes"],
        checked_at=datetime.fromtimestamp(checked, UTC) if checked is not None else None,
    )


def indexed_file_stamp(searcher, page_id: int) -> str | None:
    """The files stamp indexed for the page, or None when it is not indexed. Raises what
    Whoosh raises for a damaged index."""
    docnum = searcher.document_number(key=_key(page_id))
    if docnum is None:
        return None
    return searcher.stored_fields(docnum).get("files_stamp", "")


def indexed_revision(searcher, page_id: int) -> int | None:
    """The revision id indexed for the page, or None when it is not indexed. Raises what
    Whoosh raises for a damaged index."""
    docnum = searcher.document_number(key=_key(page_id))
    if docnum is None:
        return None
    return searcher.stored_fields(docnum).get("revision_id")
