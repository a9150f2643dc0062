"""Files of a page: uploading (a new file or a new version of one), reading, restoring an
old version, deleting and undeleting.

Like pages, files never lose history: every upload and every restore appends a version
(:class:`~wiki.models.AttachmentVersion`), deleting only hides the file. A request's
uploads are checked together first and written in the caller's one transaction, so a
refused request stores nothing. Each change that alters which files a page has, or their
contents, is noted for search in that same transaction (:mod:`wiki.content.page_changes`):
a file's text is part of its page's search document. Who may do what is the views' question
(:mod:`wiki.access.permissions`); these functions assume it was asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wiki.access import audit
from wiki.content.attachment_links import ATTACHMENT_SCHEME
from wiki.content.page_changes import note_page_changes
from wiki.content.pages import clean_summary
from wiki.errors import InvalidInput, NotFound
from wiki.files.images import MAX_PIXELS, image_size
from wiki.files.kinds import INLINE_IMAGE_TYPES, safe_file_name, sniff
from wiki.files.storage import BlobStore, content_hash
from wiki.models import Attachment, AttachmentVersion, FileBlob, Page, User, utcnow

__all__ = [
    "FileLimits",
    "Stored",
    "Upload",
    "delete_file",
    "file_versions",
    "find_file",
    "get_version",
    "markdown_for",
    "markdown_link",
    "shown_as_picture",
    "name_key",
    "size_label",
    "restore_version",
    "undelete_file",
    "upload_files",
]


@dataclass(frozen=True)
class FileLimits:
    """How much one upload may hold: bytes per file and files per request."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_files: int = 20


@dataclass(frozen=True)
class Upload:
    """One file as a browser sent it: the name it gave (not trusted) and the bytes; ``size``
    is its whole size when ``data`` holds only its first bytes (a file too large to read)."""

    name: str
    data: bytes
    size: int | None = None


@dataclass(frozen=True)
class Stored:
    """What became of one upload: the file, and its new version (None when the bytes were
    those of the current version already, so nothing was added)."""

    attachment: Attachment
    version: AttachmentVersion | None
    is_new_file: bool


def name_key(name: str) -> str:
    """What makes two names the same file of a page: case and Unicode forms folded.
    Raises nothing."""
    return name.casefold()


def size_label(number: int) -> str:
    """A size as people read it: bytes, KB or MB (of 1,024). Raises nothing."""
    if number >= 1024 * 1024:
        return f"{number / (1024 * 1024):.1f} MB"
    if number >= 1024:
        return f"{number / 1024:.0f} KB"
    return f"{number} bytes"


def _check(uploads: Sequence[Upload], limits: FileLimits) -> list[tuple[str, Upload]]:
    """The uploads with their safe names; raises InvalidInput naming every problem."""
    if not uploads:
        raise InvalidInput({"file": "Choose a file to upload."})
    if len(uploads) > limits.max_files:
        raise InvalidInput(
            {"file": f"Upload at most {limits.max_files} files at once ({len(uploads)} chosen)."}
        )
    problems: list[str] = []
    named: list[tuple[str, Upload]] = []
    seen: set[str] = set()
    for upload in uploads:
        name = safe_file_name(upload.name)
        size = max(len(upload.data), upload.size or 0)
        if not upload.data:
            problems.append(f"“{name}” is empty.")
        elif size > limits.max_file_bytes:
            problems.append(
                f"“{name}” is {size_label(size)}; files may be at most {size_label(limits.max_file_bytes)}."
            )
        if name_key(name) in seen:
            problems.append(f"Two of the files are named “{name}”: upload them one at a time.")
        seen.add(name_key(name))
        named.append((name, upload))
    if problems:
        raise InvalidInput({"file": " ".join(problems) + " Nothing was uploaded."})
    return named


def _blob(session: Session, store: BlobStore, data: bytes) -> FileBlob:
    """The stored content of ``data``, added when new (once per content)."""
    sha256 = content_hash(data)
    blob = session.get(FileBlob, sha256)
    if blob is not None:
        return blob
    blob = FileBlob(sha256=sha256, size=len(data), mime=sniff(data), created_at=utcnow())
    store.put(session, blob, data)
    try:
        with session.begin_nested():
            session.add(blob)
            session.flush()
    except IntegrityError:  # the same content, uploaded at this moment elsewhere
        found = session.get(FileBlob, sha256)
        if found is None:
            raise
        return found
    return blob


def _locked_file(session: Session, page: Page, name: str) -> tuple[Attachment, bool]:
    """The page's file of that name, row-locked, made when there is none yet."""
    query = (
        select(Attachment)
        .where(Attachment.page_id == page.id, Attachment.name_key == name_key(name))
        .with_for_update()
    )
    found = session.scalars(query).first()
    if found is not None:
        return found, False
    made = Attachment(page_id=page.id, name=name, name_key=name_key(name), latest_number=0)
    made.created_at = made.updated_at = utcnow()
    session.add(made)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # uploaded under the same name at this moment: add a version
        found = session.scalars(query.execution_options(populate_existing=True)).first()
        if found is None:
            raise
        return found, False
    return made, True


def _append_version(
    session: Session,
    file: Attachment,
    blob: FileBlob,
    author: User,
    comment: str,
    data: bytes,
) -> AttachmentVersion:
    width = height = None
    if blob.mime in INLINE_IMAGE_TYPES:
        measured = image_size(data)  # the header only: never decodes a bomb
        if measured is not None:
            width, height = measured
    version = AttachmentVersion(
        attachment_id=file.id,
        number=file.latest_number + 1,
        blob_sha256=blob.sha256,
        size=blob.size,
        mime=blob.mime,
        width=width,
        height=height,
        uploader_id=author.id,
        created_at=utcnow(),
        comment=comment,
    )
    return _make_current(session, file, version)


def _make_current(
    session: Session, file: Attachment, version: AttachmentVersion
) -> AttachmentVersion:
    session.add(version)
    session.flush()
    file.latest_number = version.number
    file.current_version = version
    file.updated_at = version.created_at
    return version


def upload_files(
    session: Session,
    store: BlobStore,
    author: User,
    page: Page,
    uploads: Sequence[Upload],
    comment: str = "",
    limits: FileLimits | None = None,
) -> list[Stored]:
    """Add ``uploads`` to ``page``: each a new file, or a new version of the page's file of
    the same name (a deleted one comes back with it). Bytes equal to a file's current
    version add nothing. Everything is checked before anything is written.

    Raises InvalidInput (naming every refused file: empty, too large, too many, two of one
    name; or a bad comment), NotFound for a deleted page, OSError when a folder store
    cannot write.
    """
    limits = limits or FileLimits()
    named = _check(uploads, limits)
    try:
        comment = clean_summary(comment)
    except InvalidInput as error:
        raise InvalidInput({"comment": error.message.replace("summary", "comment")}) from None
    if page.deleted:
        raise NotFound(f"{page.title} has been deleted; undelete it before adding files.")
    results = []
    for name, upload in named:
        blob = _blob(session, store, upload.data)
        file, is_new = _locked_file(session, page, name)
        current = file.current_version
        if current is not None and current.blob_sha256 == blob.sha256 and not file.deleted:
            results.append(Stored(file, None, False))
            continue
        if file.deleted:
            file.deleted, file.deleted_at, file.deleted_by_id = False, None, None
        version = _append_version(session, file, blob, author, comment, upload.data)
        results.append(Stored(file, version, is_new))
    if any(item.version is not None for item in results):
        note_page_changes(session, [page.id])
    return results


def find_file(session: Session, page: Page, name: str) -> Attachment | None:
    """The page's file called ``name`` (case-insensitively), deleted or not; None when
    there is none. Raises nothing."""
    return session.scalars(
        select(Attachment).where(
            Attachment.page_id == page.id, Attachment.name_key == name_key(safe_file_name(name))
        )
    ).first()


def get_version(session: Session, file: Attachment, number: int) -> AttachmentVersion:
    """Version ``number`` of ``file``. Raises NotFound when it has none such."""
    version = session.scalars(
        select(AttachmentVersion).where(
            AttachmentVersion.attachment_id == file.id, AttachmentVersion.number == number
        )
    ).first()
    if version is None:
        raise NotFound(f"{file.name} has no version {number}.")
    return version


def file_versions(session: Session, file: Attachment) -> list[AttachmentVersion]:
    """Every version of ``file``, newest first, with their uploaders. Raises nothing."""
    return list(
        session.scalars(
            select(AttachmentVersion)
            .where(AttachmentVersion.attachment_id == file.id)
            .order_by(AttachmentVersion.number.desc())
        )
    )


def _locked(session: Session, file: Attachment) -> Attachment:
    return session.scalars(
        select(Attachment)
        .where(Attachment.id == file.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _record(session: Session, author: User, action: audit.AuditAction, file: Attachment, **details):
    audit.record(session, author, action, file.page, {"file": file.name, **details})


def restore_version(
    session: Session, author: User, file: Attachment, number: int, comment: str = ""
) -> AttachmentVersion:
    """Make version ``number``'s bytes current again, as a new version (history kept).

    Raises NotFound for an unknown version or a deleted file, InvalidInput when those bytes
    are current already or the comment is refused.
    """
    file = _locked(session, file)
    if file.deleted:
        raise NotFound(f"{file.name} has been deleted; undelete it first.")
    old = get_version(session, file, number)
    if old.blob_sha256 == file.current.blob_sha256:
        raise InvalidInput({"restore": f"Version {number} is the same file as the current one."})
    comment = clean_summary(comment) or f"Restored version {number}"
    version = AttachmentVersion(
        attachment_id=file.id,
        number=file.latest_number + 1,
        blob_sha256=old.blob_sha256,
        size=old.size,
        mime=old.mime,
        width=old.width,
        height=old.height,
        uploader_id=author.id,
        created_at=utcnow(),
        comment=comment,
        restored_from=number,
    )
    _make_current(session, file, version)
    _record(session, author, audit.AuditAction.FILE_RESTORE, file, version=number)
    note_page_changes(session, [file.page_id])
    return version


def delete_file(session: Session, author: User, file: Attachment) -> None:
    """Hide ``file`` (all its versions stay; admins may undelete it). Raises InvalidInput
    when it is deleted already."""
    file = _locked(session, file)
    if file.deleted:
        raise InvalidInput({"file": f"{file.name} is already deleted."})
    file.deleted, file.deleted_at, file.deleted_by_id = True, utcnow(), author.id
    _record(session, author, audit.AuditAction.FILE_DELETE, file)
    note_page_changes(session, [file.page_id])


def undelete_file(session: Session, author: User, file: Attachment) -> None:
    """Bring a deleted file back. Raises InvalidInput when it is not deleted."""
    file = _locked(session, file)
    if not file.deleted:
        raise InvalidInput({"file": f"{file.name} is not deleted."})
    file.deleted, file.deleted_at, file.deleted_by_id = False, None, None
    _record(session, author, audit.AuditAction.FILE_UNDELETE, file)
    note_page_changes(session, [file.page_id])


def shown_as_picture(mime: str, width: int | None, height: int | None) -> bool:
    """Whether a version is a picture browsers are given to show (in pages, thumbnails and
    downloads): one of the allowed types whose header could be read, small enough to decode
    safely. Everything else is only ever downloaded. Raises nothing."""
    return (
        mime in INLINE_IMAGE_TYPES
        and width is not None
        and height is not None
        and width * height <= MAX_PIXELS
    )


def markdown_link(name: str, picture: bool) -> str:
    """The text that shows a page's file ``name`` in the page: a picture, or a link.
    Raises nothing."""
    target = f"{ATTACHMENT_SCHEME}:{quote(name, safe='')}"
    label = name.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{label}]({target})" if picture else f"[{label}]({target})"


def markdown_for(file: Attachment) -> str:
    """The text that shows ``file`` in its page: a picture for images that can be shown,
    a link otherwise. Raises LookupError for a file without a version."""
    current = file.current
    return markdown_link(file.name, shown_as_picture(current.mime, current.width, current.height))
