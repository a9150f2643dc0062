"""Search relevance does not get worse: the wiki's search over the judged queries of
``bench/relevance/`` (see bench/README.md, "Relevance"), loaded and indexed once for the
module, on SQLite, exactly as ``bench/relevance.py`` does.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from bench import relevance

# nDCG@10 of the wiki's search per query class and overall, as `bench/relevance.py` prints
# it, rounded down to two decimals, minus 0.02 (never below 0). When the search gets better,
# raise the figures to the new ones the same way; never lower one to let a change pass
# without saying so in the change.
MINIMUM_NDCG = {
    "overall": 0.88,
    "keywords": 0.93,
    "questions": 0.78,
    "typos": 0.89,
    "variants": 0.87,
    "tags": 0.90,
    "fields": 0.97,
    "exclusions": 0.86,
    "incidents": 0.86,
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    with relevance.WikiSearch.build(tmp_path_factory.mktemp("relevance")) as wiki:
        yield relevance.run(wiki.search, relevance.load_queries())


@pytest.fixture(scope="module")
def figures(outcomes):
    return relevance.summary(outcomes)


def test_the_set_is_complete_and_up_to_date():
    queries = relevance.load_queries()  # raises for a judgment of a page that does not exist
    pages = relevance.load_pages()
    assert len(pages) >= 220
    assert len(queries) >= 90
    for kind in relevance.CLASSES:
        assert sum(1 for q in queries if q.kind == kind) >= 8, kind
    assert set(MINIMUM_NDCG) == {"overall", *relevance.CLASSES}
    # pages.json is what make_pages.py writes.
    path = Path(relevance.DATA) / "make_pages.py"
    spec = importlib.util.spec_from_file_location("relevance_make_pages", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert json.loads(json.dumps(module.PAGES)) == pages, "run bench/relevance/make_pages.py"


def test_overall_ndcg(figures):
    assert figures["overall"]["ndcg"] >= MINIMUM_NDCG["overall"]


@pytest.mark.parametrize("kind", relevance.CLASSES)
def test_ndcg_of_each_class(outcomes, figures, kind):
    worst = sorted((o.ndcg, o.query.id, o.query.text) for o in outcomes if o.query.kind == kind)
    assert figures[kind]["ndcg"] >= MINIMUM_NDCG[kind], f"weakest queries: {worst[:5]}"


def test_no_query_returns_a_page_it_excludes(outcomes):
    violations = {
        f"#{o.query.id} {o.query.text}": [title for _, title in o.violations]
        for o in outcomes
        if o.violations
    }
    assert not violations


@pytest.fixture(scope="module")
def baseline():
    fts5 = relevance.Fts5Search(relevance.load_pages())
    try:
        yield relevance.summary(relevance.run(fts5.search, relevance.load_queries()))
    finally:
        fts5.close()


@pytest.mark.parametrize("kind", ["overall", *relevance.CLASSES])
def test_the_wiki_beats_the_plain_fts5_baseline(figures, baseline, kind):
    assert figures[kind]["ndcg"] > baseline[kind]["ndcg"]
