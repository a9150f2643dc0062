"""Full-text search of the wiki's pages, their files and the text removed from them: an
index derived from the database.

The rest of the wiki sees the interface in :mod:`~wiki.search.backend` (plus
:mod:`~wiki.search.runtime`, which gives each process its engine and indexer, and
:mod:`~wiki.search.service`, a reader's search as the results page asks for it);
:mod:`~wiki.search.indexer` keeps the index in step with the database through that
interface, with the documents :mod:`~wiki.search.documents` reads: the plain text of each
rendered page (:mod:`~wiki.search.text`), its files' text, and the passages its revisions
removed (:mod:`~wiki.search.old_text`). Behind
it, :class:`~wiki.search.engine.WhooshEngine` is built from modules with
one job each, listed here from the bottom up (each imports only modules above it):

- ``backend``: the interface, its data classes and exceptions (no Whoosh);
- ``analysis``: how text becomes index terms;
- ``storage``: the index directory, its generations and write lock;
- ``schema``: what a generation holds, and how pages and the state are stored in it;
- ``matching``: the wiki's own Whoosh queries and matchers;
- ``syntax``: the search box language read into a syntax tree;
- ``synonyms``: groups of equivalent terms, and that tree rewritten to find them;
- ``query``: that tree turned into a Whoosh query;
- ``facets``: the results counted by space, type, date, tag, author and field;
- ``scoring``, ``snippets``: ranking and collecting; highlighted extracts;
- ``readers``: searchers over the live generation;
- ``suggest``: spelling suggestions and title autocomplete;
- ``searching``: one search, from query text to a page of results;
- ``related``: the pages most related to a page (rare words, tags, links in common);
- ``engine``: the engine itself.

Nothing here imports views; only ``runtime``, ``service``, ``indexer``, ``documents``,
``synonym_list`` (the synonyms admins edit, stored in the database) and ``related_lists``
(each page's list of related pages, kept in the database by the indexer) know Flask or the
database.
"""
