"""``@username`` in a page's text mentions that person; only mentions a revision adds are
news (a page that always named someone does not notify them again at every edit)."""

from __future__ import annotations

import re

__all__ = ["added_mentions", "mentioned"]

# Code shows text as written: an @ inside it is not a mention.
_FENCED = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
# A username (see wiki.access.accounts.USERNAME_PATTERN) after an @ that does not follow a
# word character (so e-mail addresses are not mentions).
_MENTION = re.compile(r"(?<![\w@./])@([A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?)")


def mentioned(text: str) -> set[str]:
    """The case-folded usernames ``text`` mentions, outside code. Raises nothing."""
    text = _INLINE_CODE.sub("", _FENCED.sub("", text))
    return {name.casefold() for name in _MENTION.findall(text)}


def added_mentions(before: str, after: str) -> set[str]:
    """The usernames ``after`` mentions that ``before`` did not. Raises nothing."""
    return mentioned(after) - mentioned(before)
