"""Text that people can trust: characters that hide, and titles that pass for others.

Three checks, shared by everything that names a thing people pick by sight (page titles):

* :func:`first_hidden_char` finds an invisible or format character (zero-width space,
  joiners, word joiner, soft hyphen, byte-order mark, bidi controls, variation selectors):
  "Ad\\u200bmin" looks exactly like "Admin", "Invoice\\u202egpj.exe" shows as
  "Invoiceexe.jpg".
* :func:`lookalike_key` is the Unicode confusable skeleton (UTS #39) of a text, case and
  invisible characters ignored: two texts with the same key look alike ("Admin" and
  "\\u0410dmin" with a Cyrillic A, "paypal" and "paypaI").
* :func:`first_mixed_script_word` finds a word written in two scripts at once (Latin and
  Cyrillic letters in one word), which no language does but a forgery does. Scripts that
  one writing system uses together (Han with Kana, Han with Hangul) count as one.

The confusable tables and script data come from disarm (Unicode's confusables.txt and
Scripts.txt); :data:`LOOKALIKE_KEY_VERSION` changes when its keys do, and stored keys must
then be computed again.
"""

from __future__ import annotations

import re
import unicodedata

import disarm

#: Stored look-alike keys are cut to this length (a title has at most a few hundred
#: characters; compatibility forms can expand, and the column has a fixed size).
MAX_LOOKALIKE_KEY_CHARS = 600
#: Changes whenever the same text gets a different key (see the module docstring).
LOOKALIKE_KEY_VERSION = disarm.KEY_SCHEMA_VERSION

# Zero-width joiner and non-joiner change how letters join in Arabic, Persian and Indic
# scripts (a Persian word needs its non-joiner); between two letters of those scripts they
# are part of the spelling. Anywhere else they only hide.
_JOINERS = frozenset("\u200c\u200d")
# Characters that show nothing but are not format characters (Cf): combining grapheme
# joiner, Hangul fillers, the Mongolian free variation selectors and the variation
# selectors (Unicode's Default_Ignorable_Code_Point beyond Cf).
_OTHER_IGNORABLES = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)
_WORD = re.compile(r"\w+")
# Scripts in which an invisible joiner between letters is ordinary spelling: not the ones
# with look-alike letters, nor none (digits, symbols).
_NO_JOINER_SCRIPTS = {"latin", "greek", "cyrillic", "common", "inherited"}


def char_label(char: str) -> str:
    """A character as a message names it: ``U+200B ZERO WIDTH SPACE``. Raises nothing."""
    name = unicodedata.name(char, "") or f"{unicodedata.category(char)} character"
    return f"U+{ord(char):04X} {name}"


def _script_names(text: str) -> list[str]:
    return [script.value.lower() for script in disarm.detect_scripts(text)]


def _joins_letters(text: str, index: int) -> bool:
    """Whether the joiner at ``index`` sits between two letters of a joining script."""
    if index == 0 or index == len(text) - 1:
        return False
    before, after = text[index - 1], text[index + 1]
    if not (before.isalpha() or unicodedata.category(before) == "Mn") or not after.isalpha():
        return False
    return not set(_script_names(before + after)) & _NO_JOINER_SCRIPTS


def first_hidden_char(text: str) -> str | None:
    """The first character of ``text`` that shows nothing or reorders what follows (format
    characters, default-ignorable ones), or None. Raises nothing."""
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cf":
            if char in _JOINERS and _joins_letters(text, index):
                continue
            return char
        if _OTHER_IGNORABLES.match(char):
            return char
    return None


def lookalike_key(text: str) -> str:
    """The key under which texts that look alike meet: the confusable skeleton of ``text``
    with case folded and invisible characters dropped ("Admin", "ADMIN", "\\u0410dmin" and
    "Ad\\u200bmin" share one). Raises nothing."""
    return disarm.skeleton_key(text.casefold())[:MAX_LOOKALIKE_KEY_CHARS]


def lookalike_keys(text: str) -> set[str]:
    """The keys of ``text`` to look up: :func:`lookalike_key`, and the skeleton before case
    is folded, where capitals pass for other letters ("paypaI" for "paypal"). Raises
    nothing."""
    return {lookalike_key(text), disarm.skeleton_key(text)[:MAX_LOOKALIKE_KEY_CHARS]}


def first_mixed_script_word(text: str) -> tuple[str, list[str]] | None:
    """The first word of ``text`` that mixes scripts, with the scripts' names (``("Аdmin",
    ["Latin", "Cyrillic"])``), or None. Raises nothing."""
    for word in _WORD.findall(text):
        if word.isascii() or not disarm.is_mixed_script(word):
            continue
        return word, [name.capitalize() for name in _script_names(word)]
    return None


#: First strong isolate and pop directional isolate: what ``<bdi>`` does, in plain text.
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def isolate(text: object) -> str:
    """``text`` between bidi isolates, for plain text that shows user text among the wiki's
    own (a window title, an audit description): a right-to-left override in it then ends
    where it does. Raises nothing."""
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"
