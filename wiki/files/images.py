"""Sizes and thumbnails of images, with bounded work: nothing larger than
:data:`MAX_PIXELS` is ever decoded.

Only the four web formats a browser is ever sent inline (PNG, JPEG, GIF, WebP) are opened:
fewer of Pillow's decoders face hostile files. The size is read from the header before any pixel
is, so a few kilobytes declaring 50,000 x 50,000 pixels cost nothing.

Thumbnails are WebP for every source: one format that keeps transparency (PNG would make
photos ten times larger, JPEG would lose the alpha), about half the size of JPEG at the
same look, and shown by every browser the wiki supports. An animated GIF or WebP gives its
first frame. EXIF orientation is applied; no metadata (EXIF, GPS) is copied.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "MAX_PIXELS",
    "PILLOW_FORMATS",
    "THUMBNAIL_MIME",
    "ImageRejected",
    "Thumbnail",
    "image_size",
    "make_thumbnail",
]

MAX_PIXELS = 50_000_000
"""Most pixels an image may have to be decoded (a 50-megapixel photo; as RGBA ~200 MB)."""

PILLOW_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
"""The image types opened at all, with Pillow's name for each."""

THUMBNAIL_MIME = "image/webp"
_THUMBNAIL_QUALITY = 80
_ALL_FORMATS = sorted(PILLOW_FORMATS.values())

# What Pillow raises for data that is not a readable image. Its warnings (a decompression
# bomb, damaged metadata) count too where the process raises warnings as errors (the tests).
_UNREADABLE = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    struct.error,
    Image.DecompressionBombError,
    Warning,
)


class ImageRejected(ValueError):
    """The image cannot be made smaller; the message can be shown to the user."""


@dataclass(frozen=True)
class Thumbnail:
    """The result of :func:`make_thumbnail`."""

    data: bytes
    mime: str
    width: int
    height: int


def image_size(data: bytes, mime: str | None = None) -> tuple[int, int] | None:
    """The width and height ``data``'s header declares, without decoding a pixel.

    With ``mime``, the header must be of that type (``image/png`` only as a PNG). None when
    ``data`` is not a PNG, JPEG, GIF or WebP image (or not of type ``mime``), its header is
    damaged, or it declares more pixels than Pillow's decompression-bomb limit. Raises
    nothing.
    """
    if mime is None:
        formats = _ALL_FORMATS
    elif mime in PILLOW_FORMATS:
        formats = [PILLOW_FORMATS[mime]]
    else:
        return None
    try:
        with Image.open(io.BytesIO(data), formats=formats) as image:
            if image.format not in formats or _over_pillow_limit(image.size):
                return None
            return image.size
    except _UNREADABLE:
        return None


def make_thumbnail(data: bytes, max_side: int = 800) -> Thumbnail | None:
    """A WebP copy of the image in ``data`` whose longer side is at most ``max_side``.

    None when the image already fits (it is decoded all the same, to know it is whole):
    the original can be shown as it is. Raises :class:`ImageRejected` when ``data`` is not
    a readable PNG, JPEG, GIF or WebP image (damaged, truncated, another format), declares
    more than :data:`MAX_PIXELS` pixels, or is a decompression bomb; ``ValueError`` when
    ``max_side`` is less than 1.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be at least 1, not {max_side}")
    try:
        with Image.open(io.BytesIO(data), formats=_ALL_FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS or _over_pillow_limit(image.size):
                raise ImageRejected(
                    f"This image is too large to preview ({width:,} x {height:,} pixels; "
                    f"at most {MAX_PIXELS:,})."
                )
            if max(width, height) <= max_side:
                image.load()
                return None
            return _thumbnail(image, max_side)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow saw the size first (it checks on opening): a warning only where warnings
        # are errors, otherwise the check above rejects it.
        raise ImageRejected(
            f"This image is too large to preview (more than {MAX_PIXELS:,} pixels)."
        ) from exc
    except _UNREADABLE as exc:
        raise ImageRejected("This image is damaged or not an image Bureaupedia can read.") from exc


def _thumbnail(image: Image.Image, max_side: int) -> Thumbnail:
    mode = "RGBA" if _has_alpha(image) else "RGB"
    if image.format == "JPEG":
        # Decodes at 1/2 to 1/8 of the size when that is still at least max_side.
        image.draft(mode, (max_side, max_side))
    # Palette and 1-bit images only resize by nearest neighbour: converted first (they
    # are small); others are converted after, when the copy is small too.
    frame = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert(mode)
    frame.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    frame = ImageOps.exif_transpose(frame)
    if frame.mode != mode:
        frame = frame.convert(mode)
    out = io.BytesIO()
    frame.save(out, "WEBP", quality=_THUMBNAIL_QUALITY)
    return Thumbnail(out.getvalue(), THUMBNAIL_MIME, frame.width, frame.height)


def _over_pillow_limit(size: tuple[int, int]) -> bool:
    # Where warnings are not errors Pillow only warns between its limit and twice it; the
    # answer must not depend on that.
    limit = Image.MAX_IMAGE_PIXELS
    return limit is not None and size[0] * size[1] > limit


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
