"""British and American spellings meet: both are indexed and searched as the American one.

A company wiki is written by people from both sides of the Atlantic ("colour printer",
"data centre", "organisation chart", "travelling"), and readers search with their own
spelling. The analyzer (:mod:`wiki.search.analysis`) passes every word through
:func:`americanize` before stemming, in the index and in queries alike, so that both
spellings become one term. Only whole words listed here, or endings that are unambiguous
("-isation", "-ising" of the listed verbs), are changed: a rule like "-our" -> "-or" would
turn "hour" into "hor".
"""

from __future__ import annotations

__all__ = ["americanize"]

# Stems whose -ise/-ised/-ises/-ising/-isation forms are spelt with z in American English.
# ("advise", "promise", "exercise", "surprise", "compromise" are the same on both sides.)
_ISE_STEMS = frozenset(
    """
    apolog author capital categor central character civil custom emphas final general
    harmon incentiv industrial initial item legal local maxim memor minim mobil modern
    normal optim organ penal priorit real recogn special standard stabil summar synchron
    sympath util visual
    """.split()
)

_WORDS = {
    # -our / -or
    "colour": "color",
    "colours": "colors",
    "coloured": "colored",
    "behaviour": "behavior",
    "behaviours": "behaviors",
    "favour": "favor",
    "favourite": "favorite",
    "favourites": "favorites",
    "honour": "honor",
    "labour": "labor",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "rumour": "rumor",
    "humour": "humor",
    "harbour": "harbor",
    # -re / -er
    "centre": "center",
    "centres": "centers",
    "centred": "centered",
    "metre": "meter",
    "metres": "meters",
    "litre": "liter",
    "litres": "liters",
    "theatre": "theater",
    "fibre": "fiber",
    # -ence / -ense, -ogue / -og, -mme / -m
    "licence": "license",
    "licences": "licenses",
    "defence": "defense",
    "offence": "offense",
    "catalogue": "catalog",
    "catalogues": "catalogs",
    "dialogue": "dialog",
    "analogue": "analog",
    "programme": "program",
    "programmes": "programs",
    # doubled l
    "travelled": "traveled",
    "travelling": "traveling",
    "traveller": "traveler",
    "travellers": "travelers",
    "cancelled": "canceled",
    "cancelling": "canceling",
    "labelled": "labeled",
    "labelling": "labeling",
    "modelled": "modeled",
    "modelling": "modeling",
    "levelled": "leveled",
    "fuelled": "fueled",
    "signalled": "signaled",
    "enrolment": "enrollment",
    "enrolments": "enrollments",
    "fulfil": "fulfill",
    "fulfilment": "fulfillment",
    # -yse / -yze
    "analyse": "analyze",
    "analysed": "analyzed",
    "analyses": "analyzes",
    "analysing": "analyzing",
    "paralyse": "paralyze",
    # others
    "grey": "gray",
    "aluminium": "aluminum",
    "tyre": "tire",
    "tyres": "tires",
    "storey": "story",
    "storeys": "stories",
    "judgement": "judgment",
    "acknowledgement": "acknowledgment",
    "ageing": "aging",
    "manoeuvre": "maneuver",
    "jewellery": "jewelry",
    "cheque": "check",
    "cheques": "checks",
    "pyjamas": "pajamas",
    "plough": "plow",
    "draught": "draft",
    "mould": "mold",
}

_ISE_ENDINGS = (
    ("isations", "izations"),
    ("isation", "ization"),
    ("ising", "izing"),
    ("ised", "ized"),
    ("iser", "izer"),
    ("isers", "izers"),
    ("ises", "izes"),
    ("ise", "ize"),
)


def americanize(word: str) -> str:
    """The American spelling of a lower-case ``word``, or ``word`` itself. Never raises."""
    known = _WORDS.get(word)
    if known is not None:
        return known
    if "is" in word:
        for british, american in _ISE_ENDINGS:
            if word.endswith(british) and word[: -len(british)] in _ISE_STEMS:
                return word[: -len(british)] + american
    return word
