"""Where the folders the wiki ships with are: ``templates/``, ``static/`` and ``migrations/``.

In the repository they sit at the top, beside ``wiki/``; the built wheel carries them inside
the package (``wiki/templates`` ...; see ``[tool.setuptools]`` in pyproject.toml). An
installed package finds them inside itself, a checkout (editable install, tests) at its top.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SHIPPED = ("templates", "static", "migrations")


def shipped_folder(name: str) -> Path:
    """The folder ``name`` (one of :data:`SHIPPED`): inside the installed package when it
    is there, else at the top of the checkout.

    Raises ValueError for any other name, and FileNotFoundError when neither place has it
    (a broken install).
    """
    if name not in SHIPPED:
        raise ValueError(f"not a folder the wiki ships with: {name!r}")
    for candidate in (PACKAGE / name, PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"the wiki's {name}/ folder is neither in {PACKAGE} nor beside it: reinstall the package"
    )
