"""Who people are and what they may do: accounts and logins, the one permission module,
security plumbing (headers, rate limits, the setup token) and the audit log.

May import the bottom layer (``wiki.models``, ``wiki.db``, ``wiki.errors``,
``wiki.config``, ``wiki.instance``, ``wiki.pagination``); never ``wiki.content``,
``wiki.search`` or the views.
``permissions`` imports models only: everything that shows pages asks it.
"""
