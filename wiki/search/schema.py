"""What one generation of the index holds: the Whoosh schema and its version, and how a
page and the index state are written into it and read back.

Each generation holds one document per page (key ``page:<id>``) and one state document
(key ``state``) that records the last revision id applied (the *high-water mark*) and the
schema version. The state is written in the same commit as the pages, so after a crash
the mark never disagrees with what the index contains.
"""

from __future__ import annotations

import re
from datetime import UTC

from whoosh import fields
from whoosh.analysis import NgramFilter

from wiki.search.analysis import fold, keyword_analyzer, name_analyzer, text_analyzer
from wiki.search.backend import IndexUnavailable, PageDocument
from wiki.search.storage import damaged_index

__all__ = [
    "AUTOCOMPLETE_GRAM",
    "FIELD_BOOSTS",
    "SCHEMA_VERSION",
    "add_page",
    "add_state",
    "build_schema",
    "field_term",
    "indexed_revision",
    "read_state",
    "remove_page",
    "update_page",
    "update_state",
]

SCHEMA_VERSION = 3
"""Bump whenever the schema, the analysis (:mod:`wiki.search.analysis`) or the way pages
are stored changes: an index of another version is reported unavailable, and the wiki
must rebuild it."""

FIELD_BOOSTS = {"title": 3.0, "tag_words": 2.5, "headings": 2.0, "body": 1.0}
"""The fields plain words search, with their weights (BM25F field boosts): a word of the
title says most about a page, then a word of its tags ("offboarding" on a leavers'
checklist that never uses the word), its headings and its text. The engine's
scoring applies them, so queries carry no boosts: a boosted Whoosh query wraps every term
matcher in one more layer, which cost ~10% of the time of multi-word searches."""

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
        tags=fields.TEXT(analyzer=keyword_analyzer(), phrase=False, stored=True),
        # The same tags as words, for plain searches: "austin parking" finds a page
        # tagged "austin" whose text speaks of a garage.
        tag_words=fields.TEXT(analyzer=text_analyzer()),
        # A record's fields, each "name=value" one term (``team:logistics``); their values
        # are also among the tag words, so plain words find them.
        record=fields.TEXT(analyzer=keyword_analyzer(), phrase=False),
        author=fields.TEXT(analyzer=name_analyzer(), stored=True),
        updated=fields.DATETIME(stored=True, sortable=True),  # sortable: read for recency
        state=fields.STORED(),  # on the state document: {"hwm": int, "schema": int}
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


def add_state(writer, high_water_mark: int) -> None:
    """Add the state document to a new index. Raises what the Whoosh writer raises."""
    writer.add_document(**_state_fields(high_water_mark))


def update_state(writer, high_water_mark: int) -> None:
    """Replace the state document. Raises what the Whoosh writer raises."""
    writer.update_document(**_state_fields(high_water_mark))


def _text(value: str) -> str:
    # Whoosh encodes terms as UTF-8, which lone surrogates would break.
    return _SURROGATES.sub("\ufffd", value)


def field_term(name: str, value: str) -> str:
    """How the index spells a field's value before analysis: ``team=logistics`` (commas
    would split it; spacing collapsed). A query for ``team:Logistics`` spells it the same."""
    return f"{name}=" + " ".join(value.replace(",", " ").split())


def _key(page_id: int) -> str:
    return f"page:{page_id}"


def _fields(doc: PageDocument) -> dict:
    updated = doc.updated.astimezone(UTC)
    tags = [_text(tag).replace(",", " ") for tag in doc.tags]
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


def _state_fields(hwm: int) -> dict:
    # page_id 0 marks it as no page (a missing column value would read as 2**64 - 1).
    return {
        "key": _STATE_KEY,
        "page_id": 0,
        "revision_id": 0,
        "state": {"hwm": hwm, "schema": SCHEMA_VERSION},
    }


# ---------------------------------------------------------------------- reading


def read_state(searcher) -> dict:
    """The state document of ``searcher``'s index: ``{"hwm": int, "schema": int}``.

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
    return state


def indexed_revision(searcher, page_id: int) -> int | None:
    """The revision id indexed for the page, or None when it is not indexed. Raises what
    Whoosh raises for a damaged index."""
    docnum = searcher.document_number(key=_key(page_id))
    if docnum is None:
        return None
    return searcher.stored_fields(docnum).get("revision_id")
