"""The child process of :mod:`wiki.files.extract`: reads the text of one document.

Run as ``python -I _extract_child.py KIND MAX_CHARS MEMORY_BYTES CPU_SECONDS`` with the
document on stdin. It limits its own memory and processor time before it reads a byte of
the document (a ``preexec_fn`` would do it in the parent, which is not safe in a threaded
server), then writes at most ``MAX_CHARS`` characters of text to stdout as UTF-8 and exits
0, or writes one line saying why to stderr and exits :data:`EXIT_FAILED` or
:data:`EXIT_OUT_OF_MEMORY`.

It imports nothing from the wiki (no Flask: a fast start) and only the parser it needs.
"""

from __future__ import annotations

import io
import logging
import resource
import sys
import warnings
import zipfile
from collections.abc import Callable

EXIT_FAILED = 3
EXIT_OUT_OF_MEMORY = 4

# A DOCX or XLSX is a zip. Before a parser opens one, its directory must promise no more
# than this (zipfile never unpacks more than a member declares, so the promise holds).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
MAX_COMPRESSION_RATIO = 100
"""XML shrinks 5 to 30 times; a member that claims more than this is a bomb..."""
RATIO_CHECKED_FROM = 1024 * 1024
"""...when it unpacks to more than this (small members may shrink more, harmlessly)."""


class Refused(ValueError):
    """The document is not read; the message says why."""


class _Text:
    """Text collected up to a number of characters."""

    def __init__(self, max_chars: int) -> None:
        self.parts: list[str] = []
        self.room = max_chars

    def add(self, text: str) -> bool:
        """Keep what fits of ``text``; False once there is no more room."""
        kept = text[: self.room]
        self.parts.append(kept)
        self.room -= len(kept)
        return self.room > 0

    def __str__(self) -> str:
        return "".join(self.parts)


def check_zip(data: bytes) -> None:
    """Raise :class:`Refused` for a zip that is damaged or would unpack to too much.

    Reads the zip's directory only, never a member.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused(f"The file is not a valid zip archive ({exc}).") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise Refused(f"The archive has too many members ({len(members):,}).")
    total = sum(member.file_size for member in members)
    if total > MAX_UNZIPPED_BYTES:
        raise Refused(
            f"The archive would unpack to {total:,} bytes "
            f"(at most {MAX_UNZIPPED_BYTES:,}): not read."
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise Refused(
                f"A member of the archive is compressed more than "
                f"{MAX_COMPRESSION_RATIO}:1 ({member.filename}): not read."
            )


def pdf_text(data: bytes, max_chars: int) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise Refused("The PDF is protected by a password.")
    text = _Text(max_chars)
    for page in reader.pages:  # page by page: a long PDF stops at max_chars
        if not text.add((page.extract_text() or "") + "\n"):
            break
    return str(text)


def docx_text(data: bytes, max_chars: int) -> str:
    check_zip(data)
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(data))
    text = _Text(max_chars)
    # Every paragraph of the body in order, those in table cells (nested ones too) included.
    for paragraph in document.element.body.iter(qn("w:p")):
        if not text.add(paragraph.text + "\n"):
            break
    return str(text)


def xlsx_text(data: bytes, max_chars: int) -> str:
    check_zip(data)
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    text = _Text(max_chars)
    try:
        for sheet in workbook.worksheets:
            # A sheet's declared size pads every row to its width (16,384 columns at most);
            # without it, rows are as long as their cells.
            sheet.reset_dimensions()
            if not text.add(f"{sheet.title}\n"):
                break
            for row in sheet.iter_rows(values_only=True):
                cells = [str(value) for value in row if value is not None]
                if cells and not text.add("\t".join(cells) + "\n"):
                    return str(text)
    finally:
        workbook.close()
    return str(text)


EXTRACTORS: dict[str, Callable[[bytes, int], str]] = {
    "pdf": pdf_text,
    "docx": docx_text,
    "xlsx": xlsx_text,
}


def limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    """Cap this process's address space and processor time; no files, no core dumps.

    Hard limits too, so that what the parser runs cannot raise them again. Past the soft
    processor-time limit the kernel sends SIGXCPU, which ends the process (SIGKILL a
    second later, at the hard limit).
    """
    for limit, soft, hard in (
        (resource.RLIMIT_AS, memory_bytes, memory_bytes),
        (resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1),
        (resource.RLIMIT_FSIZE, 0, 0),
        (resource.RLIMIT_CORE, 0, 0),
    ):
        allowed = resource.getrlimit(limit)[1]
        if allowed != resource.RLIM_INFINITY:  # limits can only be lowered
            soft, hard = min(soft, allowed), min(hard, allowed)
        resource.setrlimit(limit, (soft, hard))


def main(argv: list[str]) -> int:
    kind, max_chars = argv[1], int(argv[2])
    limit_resources(memory_bytes=int(argv[3]), cpu_seconds=int(argv[4]))
    data = sys.stdin.buffer.read()
    # Parsers warn and log about damaged files on stderr, where only the reason belongs.
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    try:
        text = EXTRACTORS[kind](data, max_chars)
    except Refused as exc:
        return _fail(str(exc), EXIT_FAILED)
    except MemoryError:
        return _fail("Reading the file needs more memory than allowed.", EXIT_OUT_OF_MEMORY)
    except RecursionError:
        return _fail("The file nests its structure too deeply to read.", EXIT_FAILED)
    except Exception as exc:  # noqa: BLE001 - parsers raise many kinds on hostile files
        return _fail(f"The file could not be read ({type(exc).__name__}: {exc}).", EXIT_FAILED)
    sys.stdout.buffer.write(text.encode("utf-8", "replace"))  # lone surrogates become ?
    return 0


def _fail(reason: str, code: int) -> int:
    sys.stderr.write(" ".join(reason.split())[:300] + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
