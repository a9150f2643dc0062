"""The text of documents is read in a bounded child process: real documents give their
words; bombs, pathological PDFs and endless work end as "failed" or "timeout" within the
time allowed, the child killed and reaped, the caller unharmed."""

from __future__ import annotations

import ast
import io
import os
import time
from pathlib import Path

import pytest

from tests.files import corpus
from wiki.files import _extract_child, extract
from wiki.files.extract import Extraction, decode_text, extract_text
from wiki.files.kinds import DOCX, PDF, XLSX, sniff


def _children() -> set[int]:
    """This process's child processes (zombies included), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            if int(stat.rpartition(")")[2].split()[1]) == os.getpid():
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, reaped by whoever adopted it, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


# The first lines of a fake child that uses the real one's resource limits.
WITH_LIMITS = (
    "import sys\n"
    f"sys.path.insert(0, {str(Path(_extract_child.__file__).parent)!r})\n"
    "from _extract_child import limit_resources\n"
)


@pytest.fixture
def fake_child(monkeypatch, tmp_path):
    """Replaces the child script by one written in the test (same arguments, same stdin)."""

    def install(source: str) -> None:
        script = tmp_path / "child.py"
        script.write_text(source)
        monkeypatch.setattr(extract, "_CHILD_SCRIPT", script)

    return install


# --------------------------------------------------------------------------- real files


def test_the_words_of_a_word_document():
    data = corpus.docx_file(
        ["Quarterly budget review", "Überstunden und Gehälter"], cells=["cellword", "42"]
    )
    result = extract_text(data, sniff(data))
    assert result.status == "done", result.error
    for words in ["Quarterly budget review", "Überstunden und Gehälter", "cellword", "42"]:
        assert words in result.text


def test_the_cells_of_a_workbook_sheet_by_sheet():
    data = corpus.xlsx_file(
        {"Costs": [["item", "amount"], ["laptops", 1200.5]], "Staff": [[None, "Zoë"]]}
    )
    result = extract_text(data, sniff(data))
    assert result.status == "done", result.error
    assert result.text.split("\n")[:5] == [
        "Costs",
        "item\tamount",
        "laptops\t1200.5",
        "Staff",
        "Zoë",
    ]


def test_the_text_of_a_pdf():
    data = corpus.text_pdf(["Incident postmortem", "root cause: expired certificate"])
    result = extract_text(data, sniff(data))
    assert result.status == "done", result.error
    assert "Incident postmortem" in result.text
    assert "root cause: expired certificate" in result.text


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"name,city\nalice,paris\nbob,berlin\n", "bob,berlin"),
        (b"# Runbook\n\n1. Restart the *queue* worker\n", "Restart the *queue* worker"),
        ("Grüße aus Köln — naïve café\n".encode(), "Grüße aus Köln — naïve café"),
        ("Grüße aus Köln, café\n".encode("latin-1"), "Grüße aus Köln, café"),
        ("“Smart quotes” – Windows\n".encode("cp1252"), "“Smart quotes” – Windows"),
        ("\ufeffwith a byte-order mark".encode(), "with a byte-order mark"),
        ("UTF-16 text, ça va".encode("utf-16"), "UTF-16 text, ça va"),
    ],
)
def test_plain_text_in_its_encoding(data, words):
    result = extract_text(data, sniff(data))
    assert result == Extraction("done", result.text)
    assert words in result.text
    assert "\ufeff" not in result.text


def test_control_characters_are_dropped():
    result = extract_text(b"nul\x00 bell\x07 tab\tline\n", "text/plain")
    assert result.text == "nul bell tab\tline\n"


def test_text_is_cut_at_max_chars():
    assert extract_text(b"x" * 1000, "text/plain", max_chars=10).text == "x" * 10
    assert decode_text("é".encode() * 100, 7) == "é" * 7  # not cut inside a character
    data = corpus.docx_file(["word " * 2000])
    result = extract_text(data, DOCX, max_chars=50)
    assert result.status == "done" and len(result.text) == 50


@pytest.mark.parametrize(
    "mime", ["image/png", "text/html", "image/svg+xml", "application/zip", "text/xml"]
)
def test_other_types_are_unsupported(mime):
    result = extract_text(b"<svg><script>alert(1)</script></svg>", mime)
    assert result.status == "unsupported" and result.text == ""
    assert mime in result.error


# --------------------------------------------------------------------------- hostile files


def test_a_zip_bomb_disguised_as_a_word_document_is_not_unpacked():
    bomb = corpus.docx_bomb(megabytes=300)  # 300 MiB of zeros in ~300 KB
    assert len(bomb) < 400_000 and sniff(bomb) == DOCX
    started = time.perf_counter()
    result = extract_text(bomb, DOCX, timeout=5)
    assert result.status == "failed"
    assert "unpack to 314,572,8" in result.error
    assert time.perf_counter() - started < 2


def test_a_member_packed_too_tightly_is_not_unpacked():
    bomb = corpus.docx_bomb(megabytes=100)  # under the total cap, over the ratio
    result = extract_text(bomb, DOCX)
    assert result.status == "failed" and "compressed more than 100:1" in result.error


def test_a_zip_that_understates_its_members_is_cut_at_what_it_declares():
    """zipfile unpacks no more than the directory declares (then finds the CRC wrong)."""
    result = extract_text(corpus.docx_understating_its_size(megabytes=50), DOCX)
    assert result.status == "failed" and "CRC" in result.error


# 30 MiB of text operators in 60 KB: minutes of work for a PDF reader, and more memory
# than the decompressed stream alone.
ENDLESS_PDF = corpus.pdf_with_endless_drawing(megabytes=30)


def test_a_pdf_drawing_endlessly_times_out_and_its_reader_is_killed():
    before = _children()
    started = time.perf_counter()
    result = extract_text(ENDLESS_PDF, PDF, timeout=1.2)
    elapsed = time.perf_counter() - started
    assert result == Extraction("timeout", error="Reading the file took more than 1.2 s.")
    assert 1.2 <= elapsed < 2
    assert _children() == before  # killed and reaped: no zombie


def test_the_memory_limit_holds():
    result = extract_text(ENDLESS_PDF, PDF, memory_bytes=96 * 1024 * 1024)
    assert result == Extraction("failed", error="Reading the file needs more than 96 MiB.")


@pytest.mark.parametrize(
    "data",
    [
        # An array nested 200,000 deep in the page.
        corpus.pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /Deep " + b"[" * 200_000 + b"]" * 200_000 + b" >>",
            ]
        ),
        # A page tree that contains itself and claims a billion pages.
        corpus.one_page_pdf(
            b"BT (hi) Tj ET", pages=b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1000000000 >>"
        ),
        b"%PDF-1.4\n1 0 obj << /Length 99999999999 >>\nstream\n" + os.urandom(2_000),
    ],
    ids=["deep-nesting", "cyclic-pages", "endless-stream"],
)
def test_pathological_pdfs_fail_in_time(data):
    started = time.perf_counter()
    result = extract_text(data, PDF, timeout=3)
    assert result.status in ("failed", "timeout"), result
    assert result.text == "" and result.error
    assert time.perf_counter() - started < 4


def test_a_damaged_document_fails():
    result = extract_text(b"PK\x03\x04" + os.urandom(500), XLSX)
    assert result.status == "failed" and "not a valid zip" in result.error


def test_a_password_protected_pdf_fails():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(corpus.text_pdf(["secret plans"]))))
    writer.encrypt(user_password="letmein", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    result = extract_text(out.getvalue(), PDF)
    assert result == Extraction("failed", error="The PDF is protected by a password.")


# --------------------------------------------------------------------------- the child


def test_a_child_that_never_ends_is_killed_with_all_it_started(fake_child, tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    fake_child(
        "import subprocess, sys, time\n"
        f"helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(helper.pid))\n"
        "while True: time.sleep(1)\n"
    )
    before = _children()
    started = time.perf_counter()
    result = extract_text(b"%PDF", PDF, timeout=1)
    assert result.status == "timeout"
    assert time.perf_counter() - started < 2
    assert _children() == before
    # SIGKILL takes effect when the process next runs: give a busy machine a moment.
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 2
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(grandchild)


def test_the_child_gets_no_open_file_but_its_pipes(fake_child):
    fake_child("import os, sys; sys.stdout.write(' '.join(sorted(os.listdir('/proc/self/fd'))))\n")
    inheritable = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(inheritable, True)
    try:
        result = extract_text(b"%PDF", PDF)
    finally:
        os.close(inheritable)
    assert result.status == "done"
    # stdin, stdout, stderr, and the one listing the folder
    assert result.text.split() == ["0", "1", "2", "3"]
    assert inheritable > 3


def test_the_child_limits_itself_before_reading(fake_child):
    fake_child(
        WITH_LIMITS + "import resource\n"
        "limit_resources(int(sys.argv[3]), int(sys.argv[4]))\n"
        "print(resource.getrlimit(resource.RLIMIT_AS), resource.getrlimit(resource.RLIMIT_CPU),"
        " resource.getrlimit(resource.RLIMIT_FSIZE))\n"
    )
    result = extract_text(b"%PDF", PDF, timeout=2, memory_bytes=300 * 1024 * 1024)
    assert result.text.strip() == f"({300 * 1024 * 1024}, {300 * 1024 * 1024}) (3, 4) (0, 0)"


def test_a_child_past_its_processor_time_is_a_timeout(fake_child):
    fake_child(WITH_LIMITS + "limit_resources(2**30, cpu_seconds=1)\nwhile True: pass\n")
    result = extract_text(b"%PDF", PDF, timeout=10)
    assert result.status == "timeout"


def test_a_crashing_child_is_a_failure(fake_child):
    fake_child("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)\n")
    result = extract_text(b"%PDF", PDF)
    assert result.status == "failed"
    assert "stopped unexpectedly (signal 11)" in result.error


def test_a_child_that_writes_too_much_is_cut(fake_child):
    fake_child("import sys\nfor _ in range(100): sys.stdout.write('y' * 100_000)\n")
    result = extract_text(b"%PDF", PDF, max_chars=1_000)
    assert result == Extraction("done", "y" * 1_000)


def test_the_child_starts_with_the_standard_library_alone():
    """No Flask, no wiki (a fast start); each parser is imported when it is needed."""
    tree = ast.parse(Path(_extract_child.__file__).read_text())
    top_level = {
        alias.name if isinstance(node, ast.Import) else node.module
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert top_level == {
        "__future__",
        "collections.abc",
        "io",
        "logging",
        "resource",
        "sys",
        "warnings",
        "zipfile",
    }
    everywhere = {
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in everywhere if name.split(".")[0] in ("wiki", "flask")}


def test_bad_limits_are_refused():
    with pytest.raises(ValueError, match="timeout"):
        extract_text(b"x", "text/plain", timeout=0)
    with pytest.raises(ValueError, match="max_chars"):
        extract_text(b"x", "text/plain", max_chars=-1)
