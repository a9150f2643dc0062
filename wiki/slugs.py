"""Page titles become stable URL slugs.

A slug is what a page's URL is made of. It never contains ``/``, so every page URL has the
shape ``/wiki/<slug>[/<action>]`` and can never clash with a system URL (those live under
``/-/``).
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def slugify(title: str) -> str:
    """Return the slug for ``title``: lower case letters and digits joined by ``-``.

    Letters outside ASCII are kept (``Café`` -> ``café``), so titles in any language get
    readable URLs. Returns an empty string when the title has no letter or digit at all;
    callers reject such titles.
    """
    normalised = unicodedata.normalize("NFKC", title).casefold()
    return _NOT_WORD.sub("-", normalised.replace("_", " ")).strip("-")


# Letters that carry no separable accent but are read as a variant of basic Latin letters.
_BASE_LETTERS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "ŀ": "l",
    }
)
MAX_SORT_KEY_CHARS = 510  # twice a slug's 255: no letter above becomes more than two
# Canonical combining classes kept: 0 (not a mark, or a vowel sign), 7 (nukta) and 9 (virama),
# which belong to the letters of Indic scripts rather than accenting them.
_KEPT_MARK_CLASSES = frozenset({0, 7, 9})


def sort_key(slug: str) -> str:
    """What the alphabetical list of pages sorts a slug by: the slug without accents
    (``éclair`` sorts as ``eclair``, ``øl`` as ``ol``), so pages file under the letter a
    reader looks for. Ties (``eclair``, ``éclair``) are broken by the slug itself.

    Only marks that combine with a letter are dropped (accents, cedillas, dakuten); vowel
    signs of other scripts stay, as they are part of the letter.
    """
    decomposed = unicodedata.normalize("NFD", slug)
    bare = "".join(char for char in decomposed if unicodedata.combining(char) in _KEPT_MARK_CLASSES)
    return unicodedata.normalize("NFC", bare).translate(_BASE_LETTERS)
