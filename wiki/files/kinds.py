"""What a file is, from its bytes, and the names it may be shown and sent under.

The type of an upload is read from its first bytes with libmagic (:func:`sniff`), never
from its name or the browser's word. Only four raster image types are ever served inline,
and only when Pillow reads their header as that same format (:func:`is_inline_image`);
everything else (SVG, HTML, XML, PDF, scripts...) is served as an attachment. The text of
the types :func:`extractable` accepts is read for search by :mod:`wiki.files.extract`.

Names come from the uploader's machine and are shown to others: :func:`safe_file_name`
keeps one path component without invisible or control characters, and
:func:`content_disposition` sends it in a header with nothing that could break out.
"""

from __future__ import annotations

import io
import struct
import threading
import unicodedata
import zipfile
from urllib.parse import quote

import magic

from wiki.files.images import image_size

__all__ = [
    "DOCX",
    "INLINE_IMAGE_TYPES",
    "MAX_NAME_CHARS",
    "NEVER_TEXT_TYPES",
    "OCTET_STREAM",
    "PDF",
    "SNIFF_BYTES",
    "TEXT_TYPES",
    "XLSX",
    "content_disposition",
    "extractable",
    "is_inline_image",
    "safe_file_name",
    "sniff",
]

OCTET_STREAM = "application/octet-stream"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SNIFF_BYTES = 64 * 1024
"""libmagic reads no further than this for the types we tell apart."""

INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
"""The only types ever served inline; the routes send everything else as an attachment."""

TEXT_TYPES = frozenset({PDF, DOCX, XLSX, "text/plain", "text/csv", "text/markdown"})
"""The types whose text is read for search; :func:`extractable` also takes other text."""

NEVER_TEXT_TYPES = frozenset({"text/html", "text/xml", "text/rtf"})
"""Text types whose plain reading would be mostly markup, not words: never extracted."""

# What libmagic says -> the one name we use (only where we treat the type specially).
_ALIASES = {
    "image/x-ms-bmp": "image/bmp",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "text/x-markdown": "text/markdown",
    "application/x-pdf": PDF,
}

# libmagic reports a DOCX or XLSX as a plain zip (or as nothing) when the members are not
# in the order it expects (alphabetical, or stored uncompressed); the names then tell.
_MAYBE_OFFICE = frozenset({"application/zip", OCTET_STREAM})
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_END_RECORD = b"PK\x05\x06"
_ZIP_END_RECORD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"  # 20 bytes before the end record, in archives over 4 GB
_ZIP_MAX_COMMENT = 0xFFFF
# A real document has a few dozen members in a few kilobytes of directory; reading a
# larger directory would cost the server memory (zipfile reads every entry it holds).
_OFFICE_MAX_MEMBERS = 10_000
_OFFICE_MAX_DIRECTORY_BYTES = 256 * 1024

# libmagic handles are not thread-safe: each thread gets its own.
_local = threading.local()


def _magic() -> magic.Magic:
    handle = getattr(_local, "magic", None)
    if handle is None:
        handle = _local.magic = magic.Magic(mime=True)
    return handle


def sniff(data: bytes) -> str:
    """The MIME type of a file from its first :data:`SNIFF_BYTES` bytes, as libmagic says.

    A few aliases get one name (``image/x-ms-bmp`` is ``image/bmp``); a zip holding a Word
    or Excel document is :data:`DOCX` or :data:`XLSX` whatever libmagic says of it.
    :data:`OCTET_STREAM` when libmagic knows nothing better. Raises nothing for ``bytes``;
    thread-safe.
    """
    try:
        found = _magic().from_buffer(data[:SNIFF_BYTES])
    except magic.MagicException:
        return OCTET_STREAM
    mime = _ALIASES.get(found, found) or OCTET_STREAM
    if mime in _MAYBE_OFFICE:
        mime = _office_type(data) or mime
    return mime


def _office_type(data: bytes) -> str | None:
    """:data:`DOCX` or :data:`XLSX` for a zip holding one's main parts, else None.

    Reads the zip's directory only, never a member, and not even that when it is larger
    than a document's would be (or in the zip64 format, which only archives over 4 GB need).
    """
    if not data.startswith(_ZIP_LOCAL_HEADER):
        return None
    end = data.rfind(_ZIP_END_RECORD, max(0, len(data) - _ZIP_END_RECORD_SIZE - _ZIP_MAX_COMMENT))
    if end < 0 or len(data) < end + _ZIP_END_RECORD_SIZE:
        return None
    entries, directory_bytes = struct.unpack_from("<HI", data, end + 10)
    if (
        entries > _OFFICE_MAX_MEMBERS
        or directory_bytes > _OFFICE_MAX_DIRECTORY_BYTES
        or data[max(0, end - 20) : end - 16] == _ZIP64_LOCATOR
    ):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {name.lower() for name in archive.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        return None
    if "[content_types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def is_inline_image(mime: str, data: bytes) -> bool:
    """Whether ``data``, sniffed as ``mime``, may be shown inline in a browser.

    True only for :data:`INLINE_IMAGE_TYPES` whose header Pillow reads as that same format
    (a PNG signature before HTML, or a GIF header before script, is not an image), with no
    more pixels than Pillow's decompression-bomb limit. Reads the header only, never the
    pixels. Raises nothing.
    """
    return mime in INLINE_IMAGE_TYPES and image_size(data, mime) is not None


def extractable(mime: str) -> bool:
    """Whether the text of a file of type ``mime`` is read for search.

    PDF, DOCX, XLSX, and any ``text/*`` type but :data:`NEVER_TEXT_TYPES` (plain text,
    CSV, Markdown, source code: libmagic tells these apart only roughly). HTML, XML and
    SVG never are. Raises nothing.
    """
    if mime in TEXT_TYPES:
        return True
    return mime.startswith("text/") and mime not in NEVER_TEXT_TYPES


MAX_NAME_CHARS = 200
_MAX_EXTENSION_CHARS = 16  # longer than any real extension: past it, no extension is kept
_FALLBACK_NAME = "file"
# Invisible: control characters (NUL, newlines...), format characters (bidi overrides such
# as U+202E that show "invoice\u202egnp.exe" as "invoiceexe.png", zero-width characters)
# and lone surrogates, which no encoder accepts.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def safe_file_name(name: str) -> str:
    """``name`` made safe to show, store and send: one path component, visible characters.

    Keeps the last component after ``/`` or ``\\``; drops control and format characters
    (bidi overrides, zero-width characters, NUL, newlines) and lone surrogates; normalises
    to NFC; turns each run of whitespace into one space; strips dots and spaces from both
    ends (never ``.`` or ``..``, no hidden files); cuts to :data:`MAX_NAME_CHARS`
    characters, keeping the extension. ``"file"`` when nothing is left. Raises nothing for
    a ``str``.
    """
    visible = "".join(c for c in name if unicodedata.category(c) not in _INVISIBLE_CATEGORIES)
    last = visible.replace("\\", "/").rpartition("/")[2]
    cleaned = " ".join(unicodedata.normalize("NFC", last).split()).strip(". ")
    if len(cleaned) > MAX_NAME_CHARS:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and stem and 0 < len(extension) <= _MAX_EXTENSION_CHARS:
            stem = stem[: MAX_NAME_CHARS - len(extension) - 1].rstrip(". ")
            cleaned = f"{stem}.{extension}" if stem else extension
        else:
            cleaned = cleaned[:MAX_NAME_CHARS].rstrip(". ")
    return cleaned or _FALLBACK_NAME


# RFC 5987 attr-char beyond letters and digits: what filename* may hold unencoded.
_ATTR_CHARS = "!#$&+-.^_`|~"
# Out of the quoted ASCII fallback: what ends or escapes the quoted string, and the percent
# sign, which some browsers decode there.
_NOT_IN_FALLBACK = frozenset('"\\%')


def content_disposition(disposition: str, name: str) -> str:
    """A ``Content-Disposition`` header value sending a file as ``name`` (RFC 6266).

    ``disposition`` is ``"attachment"`` or ``"inline"``. The name is made safe first
    (:func:`safe_file_name`), then given twice: ``filename="..."`` in printable ASCII
    without quotes, backslashes or percent signs for old clients, and
    ``filename*=UTF-8''...`` percent-encoded (RFC 5987). The value holds no CR, LF or other
    control character. Raises ``ValueError`` for another disposition.
    """
    if disposition not in ("attachment", "inline"):
        raise ValueError(f"disposition must be 'attachment' or 'inline', not {disposition!r}")
    safe_name = safe_file_name(name)
    return (
        f'{disposition}; filename="{_ascii_fallback(safe_name)}"; '
        f"filename*=UTF-8''{quote(safe_name, safe=_ATTR_CHARS)}"
    )


def _ascii_fallback(name: str) -> str:
    """``name`` in printable ASCII: accents dropped (é -> e), other characters as ``_``."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(
        c if " " <= c <= "~" and c not in _NOT_IN_FALLBACK else "_"
        for c in decomposed
        if not unicodedata.combining(c)
    )
    return safe_file_name(ascii_only)
