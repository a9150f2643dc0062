"""Page titles become stable URL slugs.

A slug is what a page's URL is made of: the title's words, case-folded, joined by ``-``.
Letters outside ASCII are kept (``Café`` -> ``café``), so titles in any language get
readable URLs. Spaces and punctuation that only separate words (``. , : ; ! ? ' " ( ) -
_``) become a single ``-``, so ordinary titles get the slugs they always had (``Office
move: 2026`` -> ``office-move-2026``).

Symbols that carry meaning are spelled out as words, so that titles differing only in
them get distinct addresses (see :data:`SYMBOL_WORDS`)::

    C++  -> c-plus-plus      C#   -> c-sharp         C    -> c
    Q&A  -> q-and-a          Q/A  -> q-slash-a       #1   -> number-1
    .NET -> dot-net          50%  -> 50-percent      ../../admin -> dot-dot-slash-slash-admin

A dot is spelled out only at the start of a title (``.NET``, ``.htaccess``); elsewhere it
separates (``Node.js`` -> ``node-js``). ``#`` before a digit reads "number". Other symbols
(emoji, arrows) are left out as before. Titles that still share a slug (``C++`` and ``C
plus plus``) cannot both exist; the second is refused, naming the first. Slugs are cut to
:data:`MAX_SLUG_CHARS` characters.

A slug never contains ``/`` (``/`` is spelled ``slash``), so every page URL has the shape
``/wiki/<slug>[/<action>]`` and can never clash with a system URL (those live under
``/-/``) or reach another page's address through ``..``.

Slugs are stored: pages keep the slug they were created or renamed with, so pages made
before symbols were spelled out keep their URLs (``C++`` made then stays at ``/wiki/c``).
Applying :func:`slugify` to a slug gives the same slug, so hand-typed URLs
(``/wiki/Office_Move``) can be redirected to theirs.
"""

from __future__ import annotations

import re
import unicodedata

#: Meaningful symbols and the word each is spelled as in a slug.
SYMBOL_WORDS = {
    "+": "plus",
    "#": "sharp",
    "♯": "sharp",
    "&": "and",
    "/": "slash",
    "\\": "backslash",
    "@": "at",
    "%": "percent",
    "=": "equals",
    "<": "less-than",
    ">": "greater-than",
    "*": "star",
    "~": "tilde",
    "|": "bar",
    "^": "caret",
    "$": "dollar",
    "€": "euro",
    "£": "pound",
    "¥": "yen",
    "°": "degree",
}
_SYMBOL = re.compile("|".join(map(re.escape, SYMBOL_WORDS)) + r"|^\.+")
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
#: Slugs are stored in a column of this size.
MAX_SLUG_CHARS = 255


def _spell(found: re.Match[str]) -> str:
    symbol = found.group()
    if symbol.startswith("."):
        return " dot" * len(symbol) + " "
    if symbol == "#" and found.string[found.end() : found.end() + 1].isdigit():
        return " number "
    return f" {SYMBOL_WORDS[symbol]} "


def slugify(title: str) -> str:
    """Return the slug for ``title`` (see the module docstring); raises nothing.

    Returns an empty string when the title has no letter, digit or spelled-out symbol;
    callers reject such titles.
    """
    normalised = unicodedata.normalize("NFKC", title).casefold().strip()
    spelled = _SYMBOL.sub(_spell, normalised)
    slug = _NOT_WORD.sub("-", spelled.replace("_", " ")).strip("-")
    # Spelled-out symbols can make a slug longer than the title; the column has a size.
    return slug[:MAX_SLUG_CHARS].rstrip("-")


SPACE_KEY_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")
"""A space key: lower-case letters and digits, single dashes between them, starting with a
letter ("hr", "platform-team")."""
MAX_SPACE_KEY_CHARS = 32
DEFAULT_SPACE_KEY = "main"
"""The key of the default space (made by migration 0008; keys never change), whose pages'
slugs carry no key."""
_KEYED = re.compile(r"([A-Za-z][A-Za-z0-9-]*):(?=\S)")


def in_space(space_key: str, slug: str) -> str:
    """The slug of a page with ``slug`` in the space ``space_key``: ``key:slug``, or just
    ``slug`` in the default space (and '' for an empty ``slug``). Raises nothing."""
    if not slug or space_key == DEFAULT_SPACE_KEY:
        return slug
    return f"{space_key}:{slug}"


def split_space_key(text: str) -> tuple[str | None, str]:
    """A leading space key and the rest: ``"hr:Onboarding"`` -> ``("hr", "Onboarding")``.

    The key is a :data:`SPACE_KEY_PATTERN` (read case-insensitively, returned lower case)
    directly followed by a colon and a character other than white space, so that a title
    like "FAQ: payroll" keeps its colon. Anything else is ``(None, text)``. Whether a space
    has the key is not checked. Raises nothing.
    """
    found = _KEYED.match(text)
    if found is None:
        return None, text
    key = found.group(1).lower()
    if len(key) > MAX_SPACE_KEY_CHARS or not SPACE_KEY_PATTERN.match(key):
        return None, text
    return key, text[found.end() :]


def legacy_slugify(title: str) -> str:
    """The slug ``title`` had before symbols were spelled out (``C++`` -> ``c``): the
    address of pages made then. Raises nothing."""
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
