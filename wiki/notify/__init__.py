"""Telling people about changes: what they watch, mentions, and their notifications.

Changes are written to the outbox (``change_events``) by :mod:`wiki.content.change_events`
in the transaction that makes them; :mod:`wiki.notify.fanout` later turns each into
notifications for the people who may read the page at that moment; :mod:`wiki.notify.inbox`
lists and counts them, always through the permission module.

May import the bottom layer, ``wiki.access`` and ``wiki.content``; never ``wiki.files``,
``wiki.search`` or the views. Services take the caller's session and never commit (the
worker in :mod:`wiki.ops.worker` and the views do).
"""
