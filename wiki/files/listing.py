"""Lists of files: a page's (its Files tab), a space's, and the storage they use.

Every list of files that more than one page contributes to goes through
:func:`wiki.access.permissions.visible_pages`, like every list of pages: a file of a page
the viewer may not read is never listed, counted or summed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wiki.access.permissions import Viewer, visible_pages
from wiki.files.attachments import markdown_link, shown_as_picture
from wiki.models import Attachment, AttachmentVersion, FileBlob, Page, Space, User

__all__ = ["FileRow", "FileSummary", "StorageUse", "page_files", "space_files", "storage_use"]


@dataclass(frozen=True)
class FileRow:
    """One file as lists show it: its current version's facts."""

    id: int
    name: str
    page_id: int
    page_slug: str
    page_title: str
    number: int  # the current version's number
    size: int
    mime: str
    width: int | None
    height: int | None
    uploader: str
    updated_at: datetime
    comment: str
    deleted: bool
    deleted_at: datetime | None

    @property
    def markdown(self) -> str:
        """The text that shows this file in its page."""
        return markdown_link(self.name, shown_as_picture(self.mime, self.width, self.height))


@dataclass(frozen=True)
class FileSummary:
    """Files and the total size of their current versions."""

    files: list[FileRow]
    total_bytes: int


_ROWS = (
    select(
        Attachment.id,
        Attachment.name,
        Attachment.page_id,
        Page.slug,
        Page.title,
        AttachmentVersion.number,
        AttachmentVersion.size,
        AttachmentVersion.mime,
        AttachmentVersion.width,
        AttachmentVersion.height,
        func.coalesce(User.display_name, User.username),
        AttachmentVersion.created_at,
        AttachmentVersion.comment,
        Attachment.deleted,
        Attachment.deleted_at,
    )
    .join(Page, Page.id == Attachment.page_id)
    .join(AttachmentVersion, AttachmentVersion.id == Attachment.current_version_id)
    .join(User, User.id == AttachmentVersion.uploader_id)
)


def _rows(result) -> list[FileRow]:
    return [FileRow(*row) for row in result]


def _summary(result) -> FileSummary:
    files = _rows(result)
    return FileSummary(files, sum(row.size for row in files if not row.deleted))


def page_files(session: Session, page: Page, *, with_deleted: bool = False) -> FileSummary:
    """The files of ``page`` by name (deleted ones too when ``with_deleted``: for those who
    may undelete them). The caller has checked that the viewer may read the page. Raises
    nothing."""
    query = _ROWS.where(Attachment.page_id == page.id)
    if not with_deleted:
        query = query.where(Attachment.deleted.is_(False))
    return _summary(session.execute(query.order_by(Attachment.name_key)))


def space_files(session: Session, viewer: Viewer, space: Space, limit: int = 500) -> FileSummary:
    """The files of the live pages of ``space`` that ``viewer`` may read, newest first (at
    most ``limit``), and the total size of all of them. Raises nothing."""
    where = (
        Page.space_id == space.id,
        Page.deleted.is_(False),
        Attachment.deleted.is_(False),
        visible_pages(viewer),
    )
    rows = session.execute(
        _ROWS.where(*where)
        .order_by(Attachment.updated_at.desc(), Attachment.id.desc())
        .limit(limit)
    )
    files = _rows(rows)
    total = session.scalar(
        select(func.coalesce(func.sum(AttachmentVersion.size), 0))
        .select_from(Attachment)
        .join(Page, Page.id == Attachment.page_id)
        .join(AttachmentVersion, AttachmentVersion.id == Attachment.current_version_id)
        .where(*where)
    )
    return FileSummary(files, int(total or 0))


@dataclass(frozen=True)
class SpaceUse:
    key: str
    name: str
    files: int
    bytes: int  # current versions of live files


@dataclass(frozen=True)
class StorageUse:
    """What files take, for admins: the stored contents (each once), the versions and files
    that refer to them, and the current versions' sizes per space."""

    contents: int
    stored_bytes: int
    versions: int
    versions_bytes: int  # as if every version were stored apart
    files: int
    deleted_files: int
    spaces: list[SpaceUse]


def storage_use(session: Session) -> StorageUse:
    """Totals over the whole wiki (site admins only: it names every space). Raises
    nothing."""
    contents, stored = session.execute(
        select(func.count(), func.coalesce(func.sum(FileBlob.size), 0)).select_from(FileBlob)
    ).one()
    versions, versions_bytes = session.execute(
        select(func.count(), func.coalesce(func.sum(AttachmentVersion.size), 0)).select_from(
            AttachmentVersion
        )
    ).one()
    files, deleted = session.execute(
        select(func.count(), func.count().filter(Attachment.deleted.is_(True))).select_from(
            Attachment
        )
    ).one()
    per_space = session.execute(
        select(
            Space.key, Space.name, func.count(), func.coalesce(func.sum(AttachmentVersion.size), 0)
        )
        .select_from(Attachment)
        .join(Page, Page.id == Attachment.page_id)
        .join(Space, Space.id == Page.space_id)
        .join(AttachmentVersion, AttachmentVersion.id == Attachment.current_version_id)
        .where(Attachment.deleted.is_(False))
        .group_by(Space.key, Space.name)
        .order_by(func.sum(AttachmentVersion.size).desc())
    )
    return StorageUse(
        contents=contents,
        stored_bytes=int(stored),
        versions=versions,
        versions_bytes=int(versions_bytes),
        files=files,
        deleted_files=int(deleted),
        spaces=[SpaceUse(key, name, count, int(size)) for key, name, count, size in per_space],
    )
