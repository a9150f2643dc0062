"""Thumbnails of images for page views: made on the first view, kept in the database
(``file_thumbnails``, derived data) and shared by every page and version with the same
content.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from wiki.db import Database
from wiki.files.images import ImageRejected, make_thumbnail
from wiki.files.kinds import INLINE_IMAGE_TYPES
from wiki.files.storage import BlobStore
from wiki.models import AttachmentVersion, FileThumbnail

__all__ = ["THUMBNAIL_SIDE", "Shown", "thumbnail_of"]

THUMBNAIL_SIDE = 800
"""Longest side of a thumbnail, in pixels: sharp on a page column on high-density screens."""


@dataclass(frozen=True)
class Shown:
    """What to send for an image in a page: a thumbnail's bytes and type; None when the
    original is to be sent (small enough already), or, when ``rejected``, nothing: an image
    too large to decode or damaged is only ever downloaded, never shown in a page."""

    data: bytes | None
    mime: str
    rejected: bool = False


def thumbnail_of(
    session: Session,
    store: BlobStore,
    version: AttachmentVersion,
    database: Database | None = None,
    side: int = THUMBNAIL_SIDE,
) -> Shown:
    """The thumbnail of an image version, made when there is none yet and kept through
    ``database`` (in a short transaction of its own, like cached renderings: the caller's
    read transaction never turns into a write). Raises ValueError for a version that is not
    an inline image, BlobMissing when its bytes are gone from the store."""
    if version.mime not in INLINE_IMAGE_TYPES:
        raise ValueError("only images have thumbnails")
    if version.width and version.height and max(version.width, version.height) <= side:
        return Shown(None, version.mime)  # small already: no need to look anything up
    kept = session.execute(
        select(FileThumbnail.mime, FileThumbnail.data).where(
            FileThumbnail.sha256 == version.blob_sha256, FileThumbnail.max_side == side
        )
    ).first()
    if kept is not None:
        if kept.data is not None:
            return Shown(bytes(kept.data), kept.mime)
        return Shown(None, version.mime, rejected=not kept.mime)
    rejected = False
    try:
        made = make_thumbnail(store.read(session, version.blob_sha256), side)
    except ImageRejected:
        made, rejected = None, True  # a bomb or a damaged image: remembered, never decoded again
    # No data: the original is shown (mime set) or nothing is (mime "", rejected).
    row = FileThumbnail(
        sha256=version.blob_sha256,
        max_side=side,
        mime=made.mime if made else ("" if rejected else version.mime),
        data=made.data if made else None,
    )
    if database is not None:
        with database.session(write=True) as writer:
            try:
                writer.add(row)
                writer.commit()
            except (IntegrityError, DBAPIError):  # made at this moment elsewhere, or busy
                writer.rollback()
    if made is not None:
        return Shown(made.data, made.mime)
    return Shown(None, version.mime, rejected=rejected)
