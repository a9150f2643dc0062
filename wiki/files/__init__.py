"""Files attached to pages: what they are (from their bytes), where their bytes live, their
versions, thumbnails of pictures, lists of them, and the text of documents for search.

May import the bottom layer, ``wiki.access`` (permissions, the audit log) and
``wiki.content`` (pages, the link syntax); never ``wiki.search`` or the views. Services take
the caller's session and never commit; the modules that read untrusted bytes (``kinds``,
``images``, ``extract``) import nothing of the wiki's at all.
"""
