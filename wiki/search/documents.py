"""The search documents of pages, read from the database: each page's current revision,
rendered to plain text, with its record's fields, the text of its live files and the text
removed from it over its history (:mod:`wiki.search.old_text`).

The indexer (:mod:`wiki.search.indexer`) decides which pages to write; this module says what
each one's document holds. A page's files are summed up by a stamp (their names, contents
and whether their text is read) that tells the indexer whether they changed since the page
was indexed, without reading any text.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wiki.content.reading import fresh_rendering
from wiki.content.records.fields import FieldType, Record
from wiki.content.render import RENDERER_VERSION
from wiki.models import (
    Attachment,
    AttachmentVersion,
    FileText,
    Page,
    RenderedRevision,
    Revision,
    Space,
    User,
)
from wiki.search.backend import FileDocument, PageDocument, RemovedPassage
from wiki.search.old_text import RevisionText, removed_passages
from wiki.search.schema import MAX_FILE_CHARS
from wiki.search.text import readable_text

__all__ = [
    "PageFiles",
    "all_documents",
    "documents_for",
    "file_stamps",
    "old_texts",
    "page_files",
]

_CURRENT = (
    select(
        Page,
        Revision,
        User.username,
        Space.key,
        RenderedRevision.html,
        RenderedRevision.renderer_version,
        RenderedRevision.space_id,
    )
    .join(Revision, Revision.id == Page.current_revision_id)
    .join(User, User.id == Revision.author_id)
    .join(Space, Space.id == Page.space_id)
    .outerjoin(RenderedRevision, RenderedRevision.revision_id == Revision.id)
)


_FACETED_TYPES = frozenset({FieldType.TEXT, FieldType.CHOICE, FieldType.PERSON})
"""Fields whose values the facets count: a team, a severity, a person; not dates or
numbers, which are all different."""

_FILES = (
    select(
        Attachment.page_id,
        Attachment.name,
        AttachmentVersion.blob_sha256,
        FileText.status,
        # Never more than the index keeps of a file: a content's text may be longer.
        func.substr(FileText.text, 1, MAX_FILE_CHARS),
        User.username,
        AttachmentVersion.created_at,
    )
    .join(AttachmentVersion, AttachmentVersion.id == Attachment.current_version_id)
    .join(User, User.id == AttachmentVersion.uploader_id)
    .outerjoin(FileText, FileText.sha256 == AttachmentVersion.blob_sha256)
    .where(Attachment.deleted.is_(False))
    .order_by(Attachment.page_id, Attachment.name_key)
)

_REVISIONS = select(
    Revision.page_id,
    Revision.id,
    Revision.number,
    Revision.body,
    User.username,
    Revision.created_at,
).join(User, User.id == Revision.author_id)


class PageFiles:
    """A page's live files as the index holds them, by name (the text '' until it is
    read), and the stamp that tells whether they changed (made from what :meth:`add` is
    given; only files given with their upload time are kept)."""

    def __init__(self) -> None:
        self.files: list[FileDocument] = []
        self._stamp = hashlib.sha256()
        self._count = 0

    def add(
        self,
        name: str,
        sha256: str,
        status: str | None,
        text: str | None,
        uploader: str = "",
        uploaded: datetime | None = None,
    ) -> None:
        read = status == "done"
        self._count += 1
        self._stamp.update(f"{name}\0{sha256}\0{int(read)}\n".encode("utf-8", "surrogatepass"))
        if uploaded is not None:
            kept = (text or "")[:MAX_FILE_CHARS] if read else ""
            self.files.append(FileDocument(name, kept, uploader, uploaded))

    @property
    def stamp(self) -> str:
        return self._stamp.hexdigest()[:16] if self._count else ""


def page_files(session: Session, page_ids: Iterable[int]) -> dict[int, PageFiles]:
    """The live files of the given pages (only those that have any), with their texts."""
    found: dict[int, PageFiles] = defaultdict(PageFiles)
    for page_id, name, sha256, status, text, uploader, uploaded in session.execute(
        _FILES.where(Attachment.page_id.in_(list(page_ids)))
    ):
        found[page_id].add(name, sha256, status, text, uploader, uploaded)
    return dict(found)


def old_texts(session: Session, page_ids: Iterable[int]) -> dict[int, list[RemovedPassage]]:
    """The text removed from each of the given pages over its history (pages that lost
    none are left out)."""
    revisions: dict[int, list[RevisionText]] = defaultdict(list)
    for page_id, revision_id, number, body, author, created_at in session.execute(
        _REVISIONS.where(Revision.page_id.in_(list(page_ids))).order_by(
            Revision.page_id, Revision.number
        )
    ):
        revisions[page_id].append(RevisionText(revision_id, number, body, author, created_at))
    found = {page_id: removed_passages(texts) for page_id, texts in revisions.items()}
    return {page_id: passages for page_id, passages in found.items() if passages}


def file_stamps(session: Session, page_ids: Iterable[int]) -> dict[int, str]:
    """The files stamp of each of the given pages, without reading any text."""
    found: dict[int, PageFiles] = defaultdict(PageFiles)
    for page_id, name, sha256, status in session.execute(
        select(Attachment.page_id, Attachment.name, AttachmentVersion.blob_sha256, FileText.status)
        .join(AttachmentVersion, AttachmentVersion.id == Attachment.current_version_id)
        .outerjoin(FileText, FileText.sha256 == AttachmentVersion.blob_sha256)
        .where(Attachment.deleted.is_(False), Attachment.page_id.in_(list(page_ids)))
        .order_by(Attachment.page_id, Attachment.name_key)
    ):
        found[page_id].add(name, sha256, status, None)
    return {page_id: found[page_id].stamp if page_id in found else "" for page_id in page_ids}


def _document(
    page: Page,
    revision: Revision,
    author: str,
    space_key: str,
    html: str | None,
    version,
    rendered_in,
    files: PageFiles | None = None,
    removed: list[RemovedPassage] | None = None,
) -> PageDocument:
    if html is None or version != RENDERER_VERSION or rendered_in != page.space_id:
        html = fresh_rendering(revision.body, space_key, page.id)[0]
    text = readable_text(html)
    record = Record.from_json(revision.fields)
    return PageDocument(
        page_id=page.id,
        slug=page.slug,
        title=page.title,
        headings=" ".join(text.headings),
        body=text.body,
        tags=tuple(revision.tag_list),
        author=author,
        updated=revision.created_at,
        revision_id=revision.id,
        fields=tuple((spec.name, value) for spec, value in record.filled()),
        facet_fields=tuple(
            spec.name for spec, _value in record.filled() if spec.type in _FACETED_TYPES
        ),
        files=tuple(files.files) if files is not None else (),
        files_stamp=files.stamp if files is not None else "",
        space=space_key,
        removed=tuple(removed or ()),
    )


def documents_for(session: Session, page_ids) -> tuple[list[PageDocument], list[int]]:
    """The documents of the given pages as they are now, and the ids of deleted ones."""
    page_ids = list(page_ids)
    files = page_files(session, page_ids)
    removed = old_texts(session, page_ids)
    upserts, removals = [], []
    for row in session.execute(_CURRENT.where(Page.id.in_(page_ids)).order_by(Revision.id)):
        if row.Page.deleted:
            removals.append(row.Page.id)
        else:
            page_id = row.Page.id
            upserts.append(_document(*row, files.get(page_id), removed.get(page_id)))
    return upserts, removals


def all_documents(session: Session) -> Iterator[PageDocument]:
    """Every live page's document, streamed (for a full rebuild)."""
    query = (
        _CURRENT.where(Page.deleted.is_(False)).order_by(Page.id).execution_options(yield_per=500)
    )
    for rows in session.execute(query).partitions():
        page_ids = [row.Page.id for row in rows]
        files = page_files(session, page_ids)
        removed = old_texts(session, page_ids)
        for row in rows:
            yield _document(*row, files.get(row.Page.id), removed.get(row.Page.id))
