"""The text of attached files, for search: bounded in time, memory and length.

Plain text (and CSV, Markdown, source code) is decoded here: it is cheap and bounded by
the number of characters kept. PDF, DOCX and XLSX files are parsed in a child process
(:mod:`wiki.files._extract_child`) that limits its own memory and processor time, gets the
file on stdin and no other open file, runs in its own process group, and is killed with
that group when the wall-clock timeout passes. The caller never waits longer than the
timeout (plus the moment it takes to kill), and the child is always reaped.

Each document read starts a child: about 0.04 s for the interpreter and 0.1 to 0.2 s to
import its parser (openpyxl is the slowest), 0.25 to 0.35 s in all for a small document.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wiki.files import _extract_child as child_protocol
from wiki.files.kinds import DOCX, PDF, XLSX, extractable

__all__ = ["DEFAULT_MEMORY_BYTES", "Extraction", "Status", "decode_text", "extract_text"]

DEFAULT_MEMORY_BYTES = 512 * 1024 * 1024

Status = Literal["done", "unsupported", "failed", "timeout"]


@dataclass(frozen=True)
class Extraction:
    """The result of :func:`extract_text`."""

    status: Status
    """``done``, ``unsupported`` (a type whose text is not read), ``failed`` or ``timeout``."""
    text: str = ""
    """The text, '' unless done."""
    error: str = ""
    """Why there is no text, in a short sentence ('' when done)."""


_CHILD_KINDS = {PDF: "pdf", DOCX: "docx", XLSX: "xlsx"}
_CHILD_SCRIPT = Path(child_protocol.__file__)
_MAX_ERROR_BYTES = 4096
_READ_CHUNK = 64 * 1024
_UTF8_MAX_BYTES = 4  # a character takes at most 4 bytes in UTF-8 (and in UTF-16)
# Characters a database column or an index should not hold (NUL above all): C0 controls
# other than tab and line ends, and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def extract_text(
    data: bytes,
    mime: str,
    *,
    timeout: float = 20.0,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    max_chars: int = 1_000_000,
) -> Extraction:
    """The text of a file of type ``mime`` (as :func:`wiki.files.kinds.sniff` says).

    At most ``max_chars`` characters, without control characters other than tabs and
    line ends. PDF, DOCX and XLSX files are read in a child process limited to
    ``memory_bytes`` of address space and ``timeout`` seconds; a file that takes longer is
    ``timeout``, one that cannot be read (damaged, encrypted, a zip bomb, over the memory
    limit) ``failed``; types :func:`~wiki.files.kinds.extractable` refuses are
    ``unsupported``. Raises ``ValueError`` when ``timeout`` or ``memory_bytes`` is not
    positive or ``max_chars`` is negative; nothing for any file.
    """
    if timeout <= 0 or memory_bytes <= 0 or max_chars < 0:
        raise ValueError("timeout and memory_bytes must be positive, max_chars not negative")
    kind = _CHILD_KINDS.get(mime)
    if kind is not None:
        return _in_child(kind, data, timeout, memory_bytes, max_chars)
    if extractable(mime):
        return Extraction("done", _CONTROL.sub("", decode_text(data, max_chars)))
    return Extraction("unsupported", error=f"The text of {mime} files is not read.")


def decode_text(data: bytes, max_chars: int) -> str:
    """The first ``max_chars`` characters of ``data`` read as text. Raises nothing.

    UTF-8 (a byte-order mark dropped), UTF-16 with a byte-order mark, else Windows-1252,
    the usual encoding of text that is not UTF-8 (Latin-1 with typographic quotes); bytes
    with no character become U+FFFD. Only the bytes needed are decoded.
    """
    head = data[: max_chars * _UTF8_MAX_BYTES + _UTF8_MAX_BYTES]
    complete = len(head) == len(data)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        return decoder.decode(head, final=complete)[:max_chars]
    try:
        # final=False when cut: a character split at the cut is not an error.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=complete)
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
    return text[:max_chars]


def _in_child(
    kind: str, data: bytes, timeout: float, memory_bytes: int, max_chars: int
) -> Extraction:
    command = [
        sys.executable,
        "-I",  # no environment variables, user site or current folder on the path
        str(_CHILD_SCRIPT),
        kind,
        str(max_chars),
        str(memory_bytes),
        str(math.ceil(timeout) + 1),  # processor seconds: the wall clock ends it first
    ]
    deadline = time.monotonic() + timeout
    try:
        # The file goes in as a temporary file: nothing to write while the child reads.
        with tempfile.TemporaryFile() as source:
            source.write(data)
            source.seek(0)
            child = subprocess.Popen(
                command,
                stdin=source,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                close_fds=True,
                start_new_session=True,  # its own process group, killed as one
            )
    except OSError as exc:
        return Extraction("failed", error=f"The reader could not start ({exc.strerror}).")
    with child:
        try:
            finished, output, errors = _collect(child, deadline, max_chars * _UTF8_MAX_BYTES)
        finally:
            if child.returncode is None:
                _kill_group(child)
    if not finished:
        return Extraction("timeout", error=f"Reading the file took more than {timeout:g} s.")
    return _outcome(child.returncode, output, errors, timeout, memory_bytes, max_chars)


def _collect(
    child: subprocess.Popen[bytes], deadline: float, max_output: int
) -> tuple[bool, bytes, bytes]:
    """Read the child's stdout and stderr (each up to a cap) until it exits or the deadline.

    Returns whether it exited in time, with what it wrote. Output past a cap is read and
    dropped, so the child never blocks on a full pipe.
    """
    assert child.stdout is not None and child.stderr is not None
    buffers = {child.stdout.fileno(): bytearray(), child.stderr.fileno(): bytearray()}
    caps = {child.stdout.fileno(): max_output, child.stderr.fileno(): _MAX_ERROR_BYTES}
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        selector.register(child.stderr, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False, b"", b""
            for key, _events in selector.select(remaining):
                chunk = os.read(key.fd, _READ_CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer = buffers[key.fd]
                buffer += chunk[: max(0, caps[key.fd] - len(buffer))]
    try:
        child.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False, b"", b""
    return True, bytes(buffers[child.stdout.fileno()]), bytes(buffers[child.stderr.fileno()])


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    """Kill the child and anything it started, and reap it (no zombie is left)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:  # already gone
        pass
    child.wait()


def _outcome(
    code: int, output: bytes, errors: bytes, timeout: float, memory_bytes: int, max_chars: int
) -> Extraction:
    if code == 0:
        text = output.decode("utf-8", errors="replace")[:max_chars]
        return Extraction("done", _CONTROL.sub("", text))
    reason = errors.decode("utf-8", errors="replace").strip().rpartition("\n")[2][:300]
    if code == -signal.SIGXCPU:  # the processor-time limit
        return Extraction("timeout", error=f"Reading the file took more than {timeout:g} s.")
    if code == child_protocol.EXIT_OUT_OF_MEMORY:
        limit = memory_bytes // (1024 * 1024)
        return Extraction("failed", error=f"Reading the file needs more than {limit} MiB.")
    if code == child_protocol.EXIT_FAILED and reason:
        return Extraction("failed", error=reason)
    how = f"signal {-code}" if code < 0 else f"exit code {code}"
    detail = f": {reason}" if reason else ""
    return Extraction("failed", error=f"The reader stopped unexpectedly ({how}){detail}.")
