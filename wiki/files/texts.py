"""Reading the text of files for search, outside any request.

Uploads never wait for a document to be read: the contents that still need their text (a
type :func:`~wiki.files.kinds.extractable` accepts, held by the current version of a file
that is not deleted, on a page that is not deleted, with no :class:`~wiki.models.FileText`
row) are read later, by the search indexer's thread of each process and by ``wiki
reindex`` (:func:`extract_pending`).

Reading one takes up to the extraction's time limit, so no database transaction stays open
meanwhile: a short one claims the content (a "working" row, so that the other processes
leave it alone: each reading would cost the memory the limit allows), the bytes are read in
another, the text is extracted with none open, and a last one writes the result with a note
for search that the pages holding the content changed (:mod:`wiki.content.page_changes`).
Two processes claiming the same content at once is harmless: one insert fails and that
process moves on. A claim left by a process that died is taken over once it is older than
the time limit and :data:`CLAIM_MARGIN`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wiki.content.page_changes import note_page_changes
from wiki.db import Database
from wiki.files.extract import DEFAULT_MEMORY_BYTES, Extraction, extract_text
from wiki.files.kinds import NEVER_TEXT_TYPES, TEXT_TYPES, extractable
from wiki.files.storage import BlobMissing, BlobStore
from wiki.models import Attachment, AttachmentVersion, FileBlob, FileText, Page, utcnow

__all__ = [
    "CLAIM_MARGIN",
    "MAX_TEXT_CHARS",
    "WORKING",
    "ExtractionLimits",
    "Round",
    "extract_one",
    "extract_pending",
    "pending_contents",
]

MAX_TEXT_CHARS = 200_000
"""Characters of text kept per content: as much as search indexes of a page's files."""

WORKING = "working"
"""The status of a content being read (a claim); the others are those of
:class:`~wiki.files.extract.Extraction`."""

CLAIM_MARGIN = timedelta(seconds=60)
"""How much longer than the time limit a claim is honoured: past it, its process died."""

_MAX_ERROR_CHARS = 300  # file_texts.error


@dataclass(frozen=True)
class ExtractionLimits:
    """What reading one file may take (``WIKI_EXTRACT_TIMEOUT``, ``WIKI_EXTRACT_MEMORY_MB``)."""

    timeout: float = 20.0
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    max_chars: int = MAX_TEXT_CHARS


@dataclass(frozen=True)
class Round:
    """What :func:`extract_pending` did: contents whose result it wrote, and whether it
    stopped at its bound with more left to read."""

    written: int
    more: bool


def _is_extractable():
    """:func:`~wiki.files.kinds.extractable` of ``file_blobs.mime``, in SQL."""
    return or_(
        FileBlob.mime.in_(sorted(TEXT_TYPES)),
        and_(FileBlob.mime.like("text/%"), FileBlob.mime.not_in(sorted(NEVER_TEXT_TYPES))),
    )


def pending_contents(
    session: Session, limits: ExtractionLimits, most: int | None = None
) -> list[tuple[str, str]]:
    """``(sha256, mime)`` of the contents whose text is still to be read, newest first (a
    file just uploaded is found soon even behind a long backlog), at most ``most``. Raises
    what the database raises."""
    held = (
        select(AttachmentVersion.blob_sha256)
        .join(Attachment, Attachment.current_version_id == AttachmentVersion.id)
        .join(Page, Page.id == Attachment.page_id)
        .where(Attachment.deleted.is_(False), Page.deleted.is_(False))
    )
    abandoned = utcnow() - timedelta(seconds=limits.timeout) - CLAIM_MARGIN
    query = (
        select(FileBlob.sha256, FileBlob.mime)
        .outerjoin(FileText, FileText.sha256 == FileBlob.sha256)
        .where(
            FileBlob.sha256.in_(held),
            _is_extractable(),
            or_(
                FileText.sha256.is_(None),
                and_(FileText.status == WORKING, FileText.extracted_at < abandoned),
            ),
        )
        .order_by(FileBlob.created_at.desc(), FileBlob.sha256)
    )
    if most is not None:
        query = query.limit(most)
    return [(sha256, mime) for sha256, mime in session.execute(query) if extractable(mime)]


def _claim(database: Database, sha256: str, limits: ExtractionLimits) -> bool:
    """Claim a content for this process; False when another process has it or is done."""
    now = utcnow()
    with database.session(write=True) as writer:
        found = writer.get(FileText, sha256)
        if found is None:
            writer.add(FileText(sha256=sha256, status=WORKING, text="", error="", extracted_at=now))
            try:
                writer.commit()
            except IntegrityError:  # claimed by another process at this moment
                return False
            return True
        abandoned = now - timedelta(seconds=limits.timeout) - CLAIM_MARGIN
        taken = writer.execute(
            update(FileText)
            .where(
                FileText.sha256 == sha256,
                FileText.status == WORKING,
                FileText.extracted_at < abandoned,
            )
            .values(extracted_at=now)
            .execution_options(synchronize_session=False)
        )
        writer.commit()
        return getattr(taken, "rowcount", 0) == 1


def _read(database: Database, store: BlobStore, sha256: str, mime: str, limits) -> Extraction:
    with database.session() as reader:
        try:
            data = store.read(reader, sha256)
        except BlobMissing:
            return Extraction("failed", error="The file's bytes are missing from the store.")
    # No transaction is open from here: reading may take the whole time limit.
    return extract_text(
        data,
        mime,
        timeout=limits.timeout,
        memory_bytes=limits.memory_bytes,
        max_chars=limits.max_chars,
    )


def _write(database: Database, sha256: str, result: Extraction) -> bool:
    """Store the result of a claimed content and note its pages for search; False when
    the claim had been taken over and the other process wrote first."""
    with database.session(write=True) as writer:
        written = writer.execute(
            update(FileText)
            .where(FileText.sha256 == sha256, FileText.status == WORKING)
            .values(
                status=result.status,
                text=result.text,
                error=result.error[:_MAX_ERROR_CHARS],
                extracted_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(written, "rowcount", 0) != 1:
            writer.rollback()
            return False
        pages = writer.scalars(
            select(Attachment.page_id)
            .join(AttachmentVersion, AttachmentVersion.id == Attachment.current_version_id)
            .where(AttachmentVersion.blob_sha256 == sha256, Attachment.deleted.is_(False))
            .distinct()
        ).all()
        note_page_changes(writer, pages)
        writer.commit()
    return True


def extract_one(
    database: Database, store: BlobStore, sha256: str, mime: str, limits: ExtractionLimits
) -> Extraction | None:
    """Read the text of one content and store it (see the module's docstring for the
    transactions); None when another process has it. Raises what the database raises;
    nothing for any file (a file that cannot be read is stored as such)."""
    if not _claim(database, sha256, limits):
        return None
    try:
        result = _read(database, store, sha256, mime, limits)
    except BaseException:
        # The store failed (a folder not readable, say): release the claim so that the
        # content is tried again later, by any process, rather than stored as unreadable.
        with database.session(write=True) as writer:
            writer.execute(
                delete(FileText)
                .where(FileText.sha256 == sha256, FileText.status == WORKING)
                .execution_options(synchronize_session=False)
            )
            writer.commit()
        raise
    return result if _write(database, sha256, result) else None


def extract_pending(
    database: Database,
    store: BlobStore,
    limits: ExtractionLimits,
    *,
    most: int | None = None,
    seconds: float | None = None,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Round:
    """Read the text of the contents that need it, newest first: at most ``most`` of them,
    and none started after ``seconds`` (each may then still take the time limit) or once
    ``cancelled()`` says so, or all. ``progress`` is called with the number written so far
    after each.

    Raises what the database raises (what was written so far stays written).
    """
    started = time.monotonic()
    with database.session() as session:
        pending = pending_contents(session, limits, None if most is None else most + 1)
    more = most is not None and len(pending) > most
    written = 0
    for sha256, mime in pending[:most]:
        if (seconds is not None and time.monotonic() - started >= seconds) or (
            cancelled is not None and cancelled()
        ):
            return Round(written, True)
        if extract_one(database, store, sha256, mime, limits) is not None:
            written += 1
            if progress is not None:
                progress(written)
    return Round(written, more)
