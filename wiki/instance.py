"""Private files the wiki writes for itself: the instance folder (secret key, setup token,
SQLite database, search index) is made readable by its owner only when the wiki creates it,
at the moment something is first written there (never when the app is built).

Standard library only: the search engine and the database layer use it too.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Make ``path`` a folder if it is not one yet; the folders it creates (``path`` and any
    missing parents) get mode 0700. Existing folders keep their mode: an operator may have
    chosen it. Returns ``path``.

    Raises OSError (FileExistsError when a file is in the way, PermissionError ...).
    """
    path = Path(path)
    missing = []
    current = path
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
    return path


def create_private_file(path: Path) -> bool:
    """Create ``path`` as an empty file readable by its owner only (0600), making its
    folder with :func:`private_folder` if needed. Returns False, changing nothing, when it
    exists already (so processes racing to create it agree).

    Raises OSError when the folder cannot be made or written.
    """
    path = Path(path)
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True
