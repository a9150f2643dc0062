"""Pages as records of a corporate memory, and their upkeep: the templates new pages start
from (:mod:`.page_templates`), typed fields stored with each revision (:mod:`.fields`) and
listed per space (:mod:`.lessons`), action items in task lists (:mod:`.tasks`,
:mod:`.action_items`, :mod:`.ticking`), and owners with review dates (:mod:`.reviews`).

Nothing is imported here: the render pipeline uses :mod:`.tasks` while the save path,
which renders, is used by the others.
"""
