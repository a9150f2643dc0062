"""Pages related to a page, worked out from the index: the pages that share its rare words,
its rarer tags, and links with it.

Three parts add up to a page's score for another page:

- **words**: the page's key terms (the words of its title and text that are frequent in it
  and rare in the index: tf-idf) are searched in the other pages' titles and text with the
  engine's BM25F weighting; the other page's score is divided by the page's
  own, so it lies between 0 and about 1 whatever the page's length. A word most pages use
  is hardly a key term, and matches little when it is one;
- **tags**: each tag both pages carry adds up to :data:`TAG_WEIGHT`, less the more pages
  carry it (a tag on every page adds almost nothing);
- **links**: a wiki link from one page to the other adds :data:`LINK_WEIGHT`, in each
  direction. The caller gives them (they are in the database, not the index).

Only page documents count (key ``page:<id>``): the index may hold documents of other
kinds, which are never related pages. The page itself is never related to itself.
Nothing here knows the database; :mod:`wiki.search.related_lists` stores the lists.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping

__all__ = ["CANDIDATES", "KEEP", "LINK_WEIGHT", "TAG_WEIGHT", "related_pages"]

KEEP = 10
"""Related pages kept per page: more than a page view shows, so that pages a viewer may not
read can be left out and some remain."""

CANDIDATES = 200
"""Documents with most words in common kept before the parts are added up."""

FIELD_WEIGHTS = {"title": 3.0, "body": 1.0}
"""A key term in another page's title says three times as much as one in its text (as
search weighs them, :data:`wiki.search.schema.FIELD_BOOSTS`)."""
K1 = 1.2
"""How fast a term's repetitions stop counting (BM25's k1)."""

KEY_TERMS = 12
"""Key terms of a page's text searched; of its title, :data:`TITLE_TERMS`."""
TITLE_TERMS = 4

MAX_TERM_SHARE = 0.05
"""A word in more than this share of the documents (and more than :data:`MIN_TERM_DOCS`)
is too common to tell what a page is about: it is not searched (reading its postings would
also cost the most)."""
MIN_TERM_DOCS = 50

MAX_TEXT_CHARS = 20_000
"""Characters of a page's text its key terms are read from (the start of a long page says
what it is about; reading a whole 1 MB page would take a second)."""

TEXT_WEIGHT = 1.0
TAG_WEIGHT = 0.5
LINK_WEIGHT = 0.3

MAX_TAG_PAGES = 2000
"""A tag carried by more pages than this is not looked at: it would add almost nothing to
each of them, and reading its pages would take long."""

MIN_SCORE = 0.1
"""Below this, a page is not related: a common word or two in common by chance (a word
most pages use scores about 0.05)."""

_SURROGATES = re.compile(r"[\ud800-\udfff]")


def _key(page_id: int) -> str:
    return f"page:{page_id}"


class _Pages:
    """Which page a document number is, for page documents only (their ``key`` is
    ``page:<id>``): cached per computation."""

    def __init__(self, searcher):
        self._searcher = searcher
        reader = searcher.reader()
        self._ids = reader.column_reader("page_id") if reader.has_column("page_id") else None
        self._known: dict[int, int | None] = {}

    def page_of(self, docnum: int) -> int | None:
        if docnum in self._known:
            return self._known[docnum]
        page_id = None
        if self._ids is not None:
            candidate = self._ids[docnum]
            # The page's own document is the one its key finds: any other document naming
            # the page (of another kind, or an old deleted one) is not the page.
            if candidate > 0 and self.docnum_of(candidate) == docnum:
                page_id = candidate
        self._known[docnum] = page_id
        return page_id

    def docnum_of(self, page_id: int) -> int | None:
        return self._searcher.document_number(key=_key(page_id))


class _Frequencies:
    """How many documents have a term in a field, looked up once (in ``known``, which the
    caller may keep for later computations on the same searcher), and the most a key term
    may be in (:data:`MAX_TERM_SHARE`)."""

    def __init__(self, searcher, known: dict[tuple[str, str], int] | None = None):
        self.reader = searcher.reader()
        self.total = max(2, searcher.doc_count())
        self.most = max(MIN_TERM_DOCS, int(self.total * MAX_TERM_SHARE))
        self._known = known if known is not None else {}

    def documents(self, fieldname: str, term: str) -> int:
        key = (fieldname, term)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self.reader.doc_frequency(fieldname, term)
        return found


def _key_terms(
    searcher, frequencies: _Frequencies, fieldname: str, text: str, number: int
) -> list[tuple[str, float]]:
    """The ``number`` most telling terms of ``text`` as ``fieldname`` indexes them, by
    tf-idf, with weights (the best 1.0). Terms no other document has are left out (they
    find nothing), and so are terms too common to tell anything (:data:`MAX_TERM_SHARE`)."""
    text = _SURROGATES.sub("\ufffd", text or "")[:MAX_TEXT_CHARS]
    if not text.strip():
        return []
    field = searcher.schema[fieldname]
    counts: Counter[str] = Counter()
    for term, _frequency, weight, _value in field.index(text):
        counts[field.from_bytes(term)] += weight
    total = frequencies.total
    scored = []
    for term, frequency in counts.items():
        documents = frequencies.documents(fieldname, term)
        if 2 <= documents <= frequencies.most:
            scored.append((term, (1 + math.log(frequency)) * math.log(total / documents)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    best = scored[0][1] if scored and scored[0][1] > 0 else 1.0
    return [(term, score / best) for term, score in scored[:number]]


def _word_scores(searcher, own: int, stored: dict, frequencies: _Frequencies) -> dict[int, float]:
    """Each document sharing key terms with the page (document ``own``), by number: its
    score divided by the page's own (0..1).

    A document's score is the sum, over the key terms it has in its title or text, of the
    term's weight times its BM25 parts (the term's rarity in that field, how often the
    document has it, saturating) times the field's weight: read straight from the
    postings, which is several times faster than a Whoosh search collecting the same."""
    weights: dict[str, float] = {}
    for fieldname, number in (("body", KEY_TERMS), ("title", TITLE_TERMS)):
        text = stored.get(fieldname, "")
        for term, weight in _key_terms(searcher, frequencies, fieldname, text, number):
            weights[term] = max(weight, weights.get(term, 0.0))
    total, reader = frequencies.total, frequencies.reader
    found: dict[int, float] = defaultdict(float)
    for term, weight in weights.items():
        for fieldname, field_weight in FIELD_WEIGHTS.items():
            documents = frequencies.documents(fieldname, term)
            if not documents or documents > frequencies.most:
                continue
            idf = math.log(1 + (total - documents + 0.5) / (documents + 0.5))
            boost = weight * idf * field_weight
            matcher = reader.postings(fieldname, term)
            while matcher.is_active():
                frequency = matcher.weight()
                found[matcher.id()] += boost * frequency / (frequency + K1)
                matcher.next()
    # The page itself has all its key terms (whoever outscores it is as related as a page
    # can be).
    best = max(found.get(own, 0.0), max(found.values(), default=0.0))
    if best <= 0:
        return {}
    found.pop(own, None)
    ranked = sorted(found.items(), key=lambda item: -item[1])[:CANDIDATES]
    return {docnum: min(1.0, score / best) for docnum, score in ranked}


def _tag_scores(searcher, own: int, stored: dict) -> dict[int, float]:
    """Each document sharing tags with the page (document ``own``), by number: the sum of
    each shared tag's weight (a tag carried by fewer pages weighs more; at most 1 each)."""
    tags = stored.get("tags") or ()
    if isinstance(tags, str):
        tags = (tags,)
    field = searcher.schema["tags"]
    # Analysed as the schema indexes them: one term per tag, commas inside a tag spaces.
    text = ",".join(_SURROGATES.sub("\ufffd", tag).replace(",", " ") for tag in tags)
    terms = set(field.process_text(text)) if text else set()
    reader = searcher.reader()
    total = max(2, searcher.doc_count())
    scores: dict[int, float] = defaultdict(float)
    for term in sorted(terms):
        carried_by = reader.doc_frequency("tags", term)
        if carried_by <= 1 or carried_by > MAX_TAG_PAGES:
            continue
        weight = math.log(1 + total / carried_by) / math.log(1 + total)
        for docnum in reader.postings("tags", term).all_ids():
            scores[docnum] += weight
    scores.pop(own, None)
    return scores


def related_pages(
    searcher,
    page_id: int,
    limit: int = KEEP,
    linked: Mapping[int, int] | None = None,
    known: dict[tuple[str, str], int] | None = None,
) -> list[tuple[int, float]]:
    """The pages most related to the page ``page_id`` in ``searcher``'s index, as
    ``(page_id, score)``, best first (ties: the lower id), at most ``limit``; [] when the
    page is not indexed. ``linked`` gives, for the pages linked with it, in how many
    directions (1 or 2); pages not in the index are left out. ``known`` keeps how many
    documents have each term, for later calls on the same searcher (a bulk refresh looks the
    same words up again and again).

    Raises what Whoosh raises for a damaged index.
    """
    pages = _Pages(searcher)
    own = pages.docnum_of(page_id)
    if own is None:
        return []
    stored = searcher.stored_fields(own)
    # By document number first: only the best are looked up as pages (a tag may give
    # hundreds of documents, and each look-up costs a term search).
    scores: dict[int, float] = defaultdict(float)
    words = _word_scores(searcher, own, stored, _Frequencies(searcher, known))
    for docnum, similarity in words.items():
        scores[docnum] += TEXT_WEIGHT * similarity
    for docnum, weight in _tag_scores(searcher, own, stored).items():
        scores[docnum] += TAG_WEIGHT * weight
    for linked_page, directions in (linked or {}).items():
        linked_doc = pages.docnum_of(linked_page) if linked_page != page_id else None
        if linked_doc is not None and linked_doc != own:
            scores[linked_doc] += LINK_WEIGHT * min(2, max(0, directions))
    chosen: list[tuple[int, float]] = []
    for docnum, score in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
        if score < MIN_SCORE or len(chosen) == limit:
            break
        other = pages.page_of(docnum)
        if other is not None and other != page_id:
            chosen.append((other, round(score, 6)))
    return sorted(chosen, key=lambda item: (-item[1], item[0]))
