"""Full-text search of the wiki's pages (the engine is :mod:`wiki.search.engine`, the
query language :mod:`wiki.search.query`)."""
