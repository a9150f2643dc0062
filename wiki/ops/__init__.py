"""Running the wiki: the command line, the server, schema migrations, backup and restore.

The top of the import graph beside the views: it may import every other part.
"""
