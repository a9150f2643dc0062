"""What one generation of the index holds: the Whoosh schema and its version, and how a
page and the index state are written into it and read back.

Each page is written as several documents (``kind``): the page itself (key
``page:<id>``), one per live file (``file:<id>:<n>``, its name and text in the field
``files``, at most :data:`MAX_FILE_CHARS` characters) and one per passage removed from it
(``old:<id>:<n>``, the text in :data:`OLD_TEXT_FIELD`). All of them carry the page's id,
space, tags and record fields and are written and deleted together (field ``owner``), so a file or old
text is found by exactly the readers of its page, and narrowed like it. Only the page's
own document has its title, headings and tags as words.

One state document (key ``state``) records the last revision id applied (the *high-water
mark*), the last id of the page change feed applied, when that feed was last read through,
and the schema version. The state is written in the same commit as the pages, so after a
crash the marks never disagree with what the index contains.

What the facets count is kept in a column (``facets``) per document, read without
touching the stored fields: see :func:`facet_entries`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from whoosh import columns, fields
from whoosh.analysis import NgramFilter

from wiki.search.analysis import fold, keyword_analyzer, name_analyzer, text_analyzer
from wiki.search.backend import IndexState, IndexUnavailable, PageDocument, RemovedPassage
from wiki.search.storage import damaged_index

__all__ = [
    "AUTOCOMPLETE_GRAM",
    "FACET_SEPARATOR",
    "FIELD_BOOSTS",
    "MAX_FILE_CHARS",
    "OLD_TEXT_FIELD",
    "SCHEMA_VERSION",
    "SCORED_FIELDS",
    "add_page",
    "add_state",
    "build_schema",
    "facet_entries",
    "field_term",
    "indexed_file_stamp",
    "indexed_revision",
    "read_state",
    "removed_passage",
    "remove_page",
    "update_page",
    "update_state",
]

SCHEMA_VERSION = 6
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

OLD_TEXT_FIELD = "old"
"""The field of text removed from pages (the history documents' only text). Plain words
search it only when old text is asked for: in the page fields, a common word would visit
every old passage that has it only for the collector to skip it."""

SCORED_FIELDS = {**FIELD_BOOSTS, OLD_TEXT_FIELD: 1.0}
"""Every text field's weight in the scoring: old text weighs as a page's text."""

MAX_FILE_CHARS = 200_000
"""Characters of a file's text indexed: the first ones."""

FACET_SEPARATOR = "\x1f"
"""Between the entries of a document's ``facets`` column (a character no text keeps)."""

AUTOCOMPLETE_GRAM = 20
"""Title words are indexed by their first 1..20 letters for autocomplete."""

_STATE_KEY = "state"
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def build_schema() -> fields.Schema:
    """The index schema. Changing it (or the analyzers) requires bumping SCHEMA_VERSION.
    Never raises."""
    return fields.Schema(
        key=fields.ID(unique=True, stored=True),  # "page:<id>", "file:...", "old:...", "state"
        owner=fields.ID(),  # "page:<id>" on every document of the page
        kind=fields.ID(stored=True, sortable=True),  # page, file or history: HIT_KINDS
        page_id=fields.NUMERIC(int, 64, signed=False, shift_step=0, stored=True, sortable=True),
        revision_id=fields.NUMERIC(int, 64, signed=False, shift_step=0, stored=True, sortable=True),
        slug=fields.STORED(),
        page_title=fields.STORED(),
        title=fields.TEXT(analyzer=text_analyzer(), stored=True),
        # The whole folded title: "go to page" on an exact match, and autocomplete ranking.
        title_key=fields.ID(sortable=True),
        title_ac=fields.TEXT(
            analyzer=name_analyzer() | NgramFilter(1, AUTOCOMPLETE_GRAM, at="start"),
            phrase=False,
        ),
        headings=fields.TEXT(analyzer=text_analyzer()),
        # A page's text; stored for snippets.
        body=fields.TEXT(analyzer=text_analyzer(), stored=True),
        # Text removed from the page (on history documents); stored for snippets.
        old=fields.TEXT(analyzer=text_analyzer(), stored=True),
        # A file's name, then its text; stored for snippets.
        files=fields.TEXT(analyzer=text_analyzer(), stored=True),
        file_name=fields.STORED(),
        files_stamp=fields.STORED(),
        # Where old text was: (first, last, removed revision numbers, removing revision id).
        removed=fields.STORED(),
        tags=fields.TEXT(analyzer=keyword_analyzer(), phrase=False, stored=True),
        # The same tags as words, for plain searches: "austin parking" finds a page
        # tagged "austin" whose text speaks of a garage.
        tag_words=fields.TEXT(analyzer=text_analyzer()),
        # A record's fields, each "name=value" one term (``team:logistics``); their values
        # are also among the page's tag words, so plain words find them.
        record=fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        space=fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        author=fields.TEXT(analyzer=name_analyzer(), stored=True),
        updated=fields.DATETIME(stored=True, sortable=True),  # sortable: read for recency
        facets=fields.COLUMN(columns.VarBytesColumn()),
        # On the state document: {"hwm": int, "changes": int, "checked": float | None,
        # "schema": int}.
        state=fields.STORED(),
    )


# ---------------------------------------------------------------------- writing


def add_page(writer, doc: PageDocument) -> int:
    """Add the page's documents to a new index, where the page cannot be yet; returns how
    many. Raises what the Whoosh writer raises."""
    written = 0
    for document in _documents(doc):
        writer.add_document(**document)
        written += 1
    return written


def update_page(writer, doc: PageDocument, searcher) -> None:
    """Write the page's documents, replacing those indexed (``searcher``: the writer's
    own). Raises what the Whoosh writer raises."""
    remove_page(writer, doc.page_id, searcher)
    add_page(writer, doc)


def remove_page(writer, page_id: int, searcher) -> None:
    """Delete the page's documents if there are any (``searcher``: the writer's own).
    Raises what the Whoosh writer raises."""
    writer.delete_by_term("owner", _key(page_id), searcher=searcher)


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


def facet_entries(column_value: bytes) -> list[str]:
    """A document's ``facets`` column as its entries: ``k:<kind>``, ``s:<space>``,
    ``a:<author>``, ``t:<tag>`` and ``f:<name>=<value>``. Never raises for bytes."""
    if not column_value:
        return []
    return column_value.decode("utf-8", "replace").split(FACET_SEPARATOR)


def _facets(kind: str, doc: PageDocument, author: str) -> bytes:
    entries = [f"k:{kind}", f"s:{doc.space}", f"a:{author}"]
    entries += [f"t:{tag}" for tag in doc.tags]
    counted = doc.facet_fields
    entries += [
        f"f:{name}={' '.join(value.split())}"
        for name, value in doc.fields
        if counted is None or name in counted
    ]
    return FACET_SEPARATOR.join(
        _text(entry).replace(FACET_SEPARATOR, " ") for entry in entries
    ).encode()


def _documents(doc: PageDocument) -> list[dict]:
    """The page's documents: the page, then its files, then its old text."""
    tags = [_text(tag).replace(",", " ") for tag in doc.tags]
    shared = {
        "owner": _key(doc.page_id),
        "page_id": doc.page_id,
        "revision_id": doc.revision_id,
        "slug": doc.slug,
        "page_title": _text(doc.title),
        "tags": ",".join(tags),
        "_stored_tags": tuple(doc.tags),
        "record": ",".join(field_term(name, _text(value)) for name, value in doc.fields),
        "space": doc.space,
    }
    documents = [
        {
            **shared,
            "key": _key(doc.page_id),
            "kind": "page",
            "title": _text(doc.title),
            "title_key": fold(_text(doc.title)),
            "title_ac": _text(doc.title),
            "headings": _text(doc.headings),
            "body": _text(doc.body),
            "files_stamp": doc.files_stamp,
            # Tags and field values as text, one per line.
            "tag_words": "\n".join(
                _text(word) for word in (*doc.tags, *(v for _, v in doc.fields))
            ),
            **_by(doc.author, doc.updated),
            "facets": _facets("page", doc, doc.author),
        }
    ]
    for number, file in enumerate(doc.files, 1):
        documents.append(
            {
                **shared,
                "key": f"file:{doc.page_id}:{number}",
                "kind": "file",
                "files": _text(file.name) + "\n" + _text(file.text[:MAX_FILE_CHARS]),
                "file_name": file.name,
                **_by(file.author, file.updated),
                "facets": _facets("file", doc, file.author),
            }
        )
    for number, passage in enumerate(doc.removed, 1):
        documents.append(
            {
                **shared,
                "key": f"old:{doc.page_id}:{number}",
                "kind": "history",
                OLD_TEXT_FIELD: _text(passage.text),
                "removed": (passage.first, passage.last, passage.removed, passage.removed_id),
                **_by(passage.author, passage.removed_at),
                "facets": _facets("history", doc, passage.author),
            }
        )
    return documents


def _by(author: str, when: datetime) -> dict:
    updated = when.astimezone(UTC)
    return {
        "author": _text(author),
        # The DATETIME field drops tzinfo: give it UTC; store the aware value for display.
        "updated": updated.replace(tzinfo=None),
        "_stored_updated": updated,
    }


def removed_passage(stored: dict) -> RemovedPassage | None:
    """Where the old text of a stored history document was (its text left ""), or None
    for another kind. Never raises for a stored document of this schema."""
    place = stored.get("removed")
    if not place:
        return None
    first, last, removed, removed_id = place
    return RemovedPassage(
        text="",
        first=first,
        last=last,
        removed=removed,
        removed_id=removed_id,
        author=stored.get("author", ""),
        removed_at=stored["updated"],
    )


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
