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
