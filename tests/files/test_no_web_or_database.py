"""What a file is, its thumbnails and its text are worked out without the web framework or
the database: the modules that do it import neither, nor anything of the wiki beyond them."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

FILES = Path(__file__).resolve().parents[2] / "wiki" / "files"
PURE = ["kinds.py", "images.py", "extract.py", "_extract_child.py"]
LIBRARIES = {"magic", "PIL", "pypdf", "docx", "openpyxl"}
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) | {"__future__"}


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("name", PURE)
def test_only_the_standard_library_file_libraries_and_each_other(name):
    imported = _imported(FILES / name)
    wiki = {module for module in imported if module.split(".")[0] == "wiki"}
    assert wiki <= {"wiki.files", "wiki.files.kinds", "wiki.files.images"}, wiki
    others = {module.split(".")[0] for module in imported - wiki} - LIBRARIES
    assert others <= STANDARD_LIBRARY, others - STANDARD_LIBRARY
