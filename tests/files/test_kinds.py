"""What a file is comes from its bytes; only real raster images are ever inline; names and
the Content-Disposition header carry nothing hidden or breaking."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from urllib.parse import unquote

import pytest

from tests.files import corpus
from wiki.files.images import PILLOW_FORMATS
from wiki.files.kinds import (
    DOCX,
    INLINE_IMAGE_TYPES,
    MAX_NAME_CHARS,
    OCTET_STREAM,
    PDF,
    XLSX,
    content_disposition,
    extractable,
    is_inline_image,
    safe_file_name,
    sniff,
)

HTML_WITH_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
# "GIF89a" then a JavaScript comment: a script to a browser that sniffs, not an image.
GIF_HEADER_BEFORE_SCRIPT = b"GIF89a/*\x00\x00*/=alert(1)//"
# A whole, valid 1x1 GIF whose width bytes open a JavaScript comment closed after it.
VALID_GIF_AROUND_SCRIPT = (
    b"GIF89a/*\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;*/=alert(1)//"
)


def _reordered(data: bytes, *, stored: bool = False) -> bytes:
    """The same zip with its members in alphabetical order (or stored, not deflated)."""
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", method) as copy:
        for info in sorted(source.infolist(), key=lambda info: info.filename):
            copy.writestr(info.filename, source.read(info))
    return out.getvalue()


# --------------------------------------------------------------------------- sniff


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (corpus.image("PNG"), "image/png"),
        (corpus.image("JPEG"), "image/jpeg"),
        (corpus.image("GIF"), "image/gif"),
        (corpus.image("WEBP"), "image/webp"),
        (corpus.image("BMP"), "image/bmp"),  # some libmagic versions say image/x-ms-bmp
        (SVG_WITH_SCRIPT, "image/svg+xml"),
        (HTML, "text/html"),
        (b'<?xml version="1.0"?><note/>', "text/xml"),
        (corpus.text_pdf(["hello"]), PDF),
        (b"name,city\nalice,paris\nbob,berlin\n", "text/csv"),
        (b"# Title\n\nSome *text*.\n\n- item\n", "text/plain"),  # libmagic has no Markdown
        ("café\n".encode("latin-1"), "text/plain"),
        (b"\x00\x01\x02\x03binary", OCTET_STREAM),
    ],
)
def test_the_type_comes_from_the_bytes(data, mime):
    assert sniff(data) == mime


def test_documents_are_known_whatever_order_their_members_are_in():
    """libmagic 5.44 names the files python-docx and openpyxl write, but calls a DOCX
    with alphabetical members application/octet-stream and a stored XLSX application/zip;
    the zip's member names settle it."""
    word = corpus.docx_file(["hello"])
    excel = corpus.xlsx_file({"Sheet": [["hello"]]})
    assert sniff(word) == DOCX
    assert sniff(excel) == XLSX
    assert sniff(_reordered(word)) == DOCX
    assert sniff(_reordered(excel, stored=True)) == XLSX
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("notes/document.xml", "<w/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert sniff(plain_zip.getvalue()) == "application/zip"


def test_a_zip_with_a_huge_directory_is_not_read_to_tell_its_type():
    document = corpus.Member.of("word/document.xml", b"")
    padding = [corpus.Member.of(f"{index}.txt", b"") for index in range(10_001)]
    assert sniff(corpus.zip_file([corpus.CONTENT_TYPES, document])) == DOCX
    assert sniff(corpus.zip_file([corpus.CONTENT_TYPES, document, *padding])) != DOCX
    # The count in the end record may lie; the size of the directory is what zipfile reads.
    lying = bytearray(corpus.zip_file([corpus.CONTENT_TYPES, document, *padding]))
    lying[-12:-10] = (2).to_bytes(2, "little")
    lying[-14:-12] = (2).to_bytes(2, "little")
    assert sniff(bytes(lying)) != DOCX


def test_sniffing_is_safe_from_many_threads():
    samples = {
        corpus.image("PNG"): "image/png",
        HTML: "text/html",
        SVG_WITH_SCRIPT: "image/svg+xml",
    }
    wrong = []

    def work() -> None:
        for _ in range(50):
            for data, mime in samples.items():
                if sniff(data) != mime:
                    wrong.append(mime)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


# --------------------------------------------------------------------------- inline


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_real_web_images_are_inline(image_format):
    data = corpus.image(image_format)
    assert sniff(data) in INLINE_IMAGE_TYPES
    assert is_inline_image(sniff(data), data)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (HTML_WITH_PNG_SIGNATURE, "image/png"),
        (GIF_HEADER_BEFORE_SCRIPT, "image/gif"),
        (SVG_WITH_SCRIPT, "image/svg+xml"),
        (HTML, "image/png"),  # an HTML file named photo.png, and a client saying PNG
        (corpus.image("BMP"), "image/bmp"),  # an image, but not one we serve inline
        (corpus.image("PNG")[:20], "image/png"),  # a header cut short
        (corpus.png_declaring(50_000, 50_000), "image/png"),  # a decompression bomb
        (b"", "image/png"),
    ],
)
def test_what_only_looks_like_an_image_is_never_inline(data, said):
    assert not is_inline_image(said, data)
    assert not is_inline_image(sniff(data), data)


def test_the_inline_types_are_the_ones_pillow_opens():
    assert set(PILLOW_FORMATS) == INLINE_IMAGE_TYPES


def test_an_image_is_inline_only_as_the_type_it_is():
    assert not is_inline_image("image/jpeg", corpus.image("PNG"))
    assert not is_inline_image("image/gif", corpus.image("WEBP"))


def test_script_and_markup_are_not_images_at_all():
    assert sniff(HTML_WITH_PNG_SIGNATURE) == OCTET_STREAM
    assert sniff(GIF_HEADER_BEFORE_SCRIPT) == "image/gif"  # libmagic reads six bytes...
    assert not is_inline_image("image/gif", GIF_HEADER_BEFORE_SCRIPT)  # ...Pillow the rest


def test_a_whole_image_with_more_after_it_is_still_an_image():
    """A valid GIF that is also a script, or a JPEG with a zip appended, is shown as the
    image it is: the routes send it as image/* with nosniff, which no browser runs."""
    assert is_inline_image(sniff(VALID_GIF_AROUND_SCRIPT), VALID_GIF_AROUND_SCRIPT)
    jpeg_then_zip = corpus.image("JPEG") + corpus.zip_file([corpus.Member.of("a.txt", b"hi")])
    assert sniff(jpeg_then_zip) == "image/jpeg"
    assert is_inline_image("image/jpeg", jpeg_then_zip)


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    "mime", [PDF, DOCX, XLSX, "text/plain", "text/csv", "text/markdown", "text/x-c"]
)
def test_documents_and_text_are_extractable(mime):
    assert extractable(mime)


@pytest.mark.parametrize(
    "mime",
    ["text/html", "text/xml", "image/svg+xml", "text/rtf", "application/zip", "image/png"],
)
def test_markup_archives_and_images_are_not(mime):
    assert not extractable(mime)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("C:\\Users\\ann\\My Report.docx", "My Report.docx"),
        ("/absolute/path/", "file"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),  # shown as "invoiceexe.png" otherwise
        ("pay\u200broll\ufeff.xlsx", "payroll.xlsx"),
        ("line\nbreak\r\tand\x00nul.txt", "linebreakandnul.txt"),
        ("  lots   of \u3000 space\u2028here.txt  ", "lots of space here.txt"),
        ("", "file"),
        (".", "file"),
        ("..", "file"),
        ("....", "file"),
        (". . .", "file"),
        (".htaccess", "htaccess"),
        ("name.", "name"),
        ("Cafe\u0301.txt", "Café.txt"),  # decomposed é composed (NFC)
        ("\udcff\udc80.txt", "txt"),  # lone surrogates from an undecodable name
    ],
)
def test_file_names_are_made_safe(name, safe):
    assert safe_file_name(name) == safe


def test_long_names_keep_their_extension():
    long = safe_file_name("a" * 500 + ".pdf")
    assert len(long) == MAX_NAME_CHARS
    assert long.endswith("aaa.pdf")
    no_extension = safe_file_name("b" * 500)
    assert no_extension == "b" * MAX_NAME_CHARS
    odd_extension = safe_file_name("c" * 300 + "." + "d" * 300)  # no real extension
    assert len(odd_extension) == MAX_NAME_CHARS


def test_safe_names_are_stable():
    for name in ["../x.png", "a\u202eb", " .. ", "x" * 400 + ".tar.gz", "é\u0301"]:
        once = safe_file_name(name)
        assert safe_file_name(once) == once


# --------------------------------------------------------------------------- header

_QUOTED_FALLBACK = re.compile(
    r'^(attachment|inline); filename="([ -~]*)"; filename\*=UTF-8\'\'(\S+)$'
)


@pytest.mark.parametrize(
    "name",
    [
        "report.pdf",
        'evil"; filename="x.html',
        "back\\slash.txt",
        "new\r\nline: Set-Cookie: a=b.txt",
        "résumé 2025.docx",
        "日本語の資料.xlsx",
        "100% sure.txt",
        "invoice\u202egnp.exe",
        "",
    ],
)
def test_the_header_has_an_ascii_fallback_and_the_exact_name(name):
    value = content_disposition("attachment", name)
    match = _QUOTED_FALLBACK.match(value)
    assert match, value
    fallback = match.group(2)
    assert not set(fallback) & set('"\\%\r\n')
    assert fallback == safe_file_name(fallback)  # a name, not a path
    assert unquote(match.group(3), errors="strict") == safe_file_name(name)
    assert not re.search(r"[\x00-\x1f\x7f]", value)


def test_the_fallback_keeps_what_ascii_can_say():
    value = content_disposition("inline", "résumé 2025.docx")
    assert value.startswith('inline; filename="resume 2025.docx"; ')
    assert value.endswith("filename*=UTF-8''r%C3%A9sum%C3%A9%202025.docx")
    assert 'filename="___.xlsx"' in content_disposition("attachment", "日本語.xlsx")


def test_only_two_dispositions_exist():
    with pytest.raises(ValueError, match="disposition"):
        content_disposition("form-data", "x.txt")
