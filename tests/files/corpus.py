"""Files, real and hostile, made by code for the tests of wiki.files (nothing downloaded).

Images come from Pillow or from hand-made headers; documents from python-docx and
openpyxl; PDFs and zips are written byte by byte, so that a zip bomb of 300 MB or a PDF
with millions of drawing operators costs milliseconds and a few hundred kilobytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence

import docx
import openpyxl
from PIL import Image

MIB = 1024 * 1024

# --------------------------------------------------------------------------- images


def image(
    image_format: str, size: tuple[int, int] = (64, 48), mode: str = "RGB", **options
) -> bytes:
    """A real image of one colour (or a gradient in RGB, so JPEG has something to do)."""
    picture = Image.new(mode, size, _colour(mode))
    out = io.BytesIO()
    picture.save(out, image_format, **options)
    return out.getvalue()


def _colour(mode: str) -> int | tuple[int, ...]:
    single = {"L": 90, "P": 3, "1": 1, "I;16": 30_000}
    several = {"RGBA": (10, 20, 30, 128), "LA": (50, 128), "CMYK": (10, 20, 30, 40)}
    return single.get(mode) or several.get(mode) or (200, 120, 40)


def animated_gif(size: tuple[int, int] = (1000, 500)) -> bytes:
    """Two frames: red, then blue."""
    first = Image.new("RGB", size, (255, 0, 0))
    second = Image.new("RGB", size, (0, 0, 255))
    out = io.BytesIO()
    first.save(out, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    return out.getvalue()


def rotated_jpeg(size: tuple[int, int], orientation: int) -> bytes:
    """A JPEG whose EXIF says how to turn it (6: a quarter turn clockwise)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return image("JPEG", size, exif=exif.tobytes())


def palette_png_with_transparency(size: tuple[int, int] = (900, 300)) -> bytes:
    picture = Image.new("P", size, 0)
    picture.putpalette([255, 255, 255, 255, 0, 0] + [0] * 762)
    picture.paste(1, (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    picture.save(out, "PNG", transparency=0)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header declaring ``width`` x ``height`` RGB pixels, with a few bytes of data:
    a decompression bomb to anything that believes the header and decodes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- documents


def docx_file(paragraphs: Sequence[str], cells: Sequence[str] = ()) -> bytes:
    """A Word document with these paragraphs and a one-row table of these cells."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if cells:
        table = document.add_table(rows=1, cols=len(cells))
        for cell, text in zip(table.rows[0].cells, cells, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_file(sheets: dict[str, Sequence[Sequence[object]]]) -> bytes:
    """An Excel workbook with these sheets of rows."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF of these object bodies (numbered from 1; 1 is the catalog), with its xref."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_stream(content: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %b >>\nstream\n%b\nendstream" % (len(content), entries, content)


def one_page_pdf(content: bytes, entries: bytes = b"", pages: bytes | None = None) -> bytes:
    """A one-page PDF in Helvetica drawn by the content stream ``content``."""
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            pages or b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            pdf_stream(content, entries),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def text_pdf(lines: Iterable[str]) -> bytes:
    """A PDF showing these lines (Latin-1 text)."""
    shown = b" ".join(b"(%b) Tj 0 -14 Td" % line.encode("latin-1") for line in lines)
    return one_page_pdf(b"BT /F1 12 Tf 72 720 Td " + shown + b" ET")


def pdf_with_endless_drawing(megabytes: int = 20) -> bytes:
    """A page whose content stream holds ``megabytes`` of text operators, deflated to a
    few hundred bytes a megabyte: minutes of work to a PDF reader."""
    operators = b"0 0 Td (x) Tj " * (megabytes * MIB // 14)
    return one_page_pdf(zlib.compress(operators, 9), b"/Filter /FlateDecode")


# --------------------------------------------------------------------------- zips


class Member:
    """A zip member as it is stored: deflated bytes, and the size and CRC it declares."""

    def __init__(self, name: str, packed: bytes, size: int, crc: int) -> None:
        self.name, self.packed, self.size, self.crc = name, packed, size, crc

    @classmethod
    def of(cls, name: str, data: bytes) -> Member:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = packer.compress(data) + packer.flush()
        return cls(name, packed, len(data), zlib.crc32(data))

    @classmethod
    def zeros(cls, name: str, megabytes: int) -> Member:
        """``megabytes`` MiB of zero bytes in about 1 KB each: one deflated MiB repeated
        (a full flush makes each copy independent of the one before)."""
        zero_mib = bytes(MIB)
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        block = packer.compress(zero_mib) + packer.flush(zlib.Z_FULL_FLUSH)
        end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block
        crc = 0
        for _ in range(megabytes):
            crc = zlib.crc32(zero_mib, crc)
        return cls(name, block * megabytes + end, megabytes * MIB, crc)


def zip_file(members: Sequence[Member]) -> bytes:
    """A zip of these members, written byte by byte (so sizes may lie)."""
    out = bytearray()
    directory = bytearray()
    for member in members:
        name = member.name.encode()
        offset = len(out)
        sizes = (member.crc, len(member.packed), member.size, len(name))
        out += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, *sizes, 0)
        out += name + member.packed
        directory += struct.pack(
            "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, *sizes, 0, 0, 0, 0, 0, offset
        )
        directory += name
    count = len(members)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(out), 0)
    return bytes(out + directory + end)


CONTENT_TYPES = Member.of(
    "[Content_Types].xml",
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"/>',
)


def docx_bomb(megabytes: int = 300) -> bytes:
    """A "Word document" whose word/document.xml unpacks to ``megabytes`` MiB of zeros."""
    return zip_file([CONTENT_TYPES, Member.zeros("word/document.xml", megabytes)])


def docx_understating_its_size(megabytes: int = 50) -> bytes:
    """A real Word document whose word/document.xml is replaced by ``megabytes`` MiB of
    zeros that the zip's directory declares as 1 KB (each zip check passes)."""
    real = docx_file(["hello"])
    members = []
    with zipfile.ZipFile(io.BytesIO(real)) as archive:
        for info in archive.infolist():
            if info.filename == "word/document.xml":
                bomb = Member.zeros(info.filename, megabytes)
                members.append(Member(info.filename, bomb.packed, 1024, bomb.crc))
            else:
                members.append(Member.of(info.filename, archive.read(info)))
    return zip_file(members)
