"""Pages and what people read of them: saving (with merge), history, diffs, blame, the
Markdown pipeline, page views and the alphabetical index.

May import the bottom layer and ``wiki.access`` (permissions, the audit log); never
``wiki.search`` or the views. Services take the caller's session and never commit.
"""
