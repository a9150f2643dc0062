"""The help page: writing pages, links, templates and fields, action items, searching and
the keyboard shortcuts, in one place the editor and the search page link to."""

from __future__ import annotations

from flask import Blueprint, render_template

from wiki.access.permissions import Action
from wiki.content.records.page_templates import BUILT_IN
from wiki.views.common import require

bp = Blueprint("help", __name__)


@bp.get("/-/help")
def index():
    """The help page (whoever may read the wiki). Its list of templates and their fields is
    the wiki's own, so it never goes out of date."""
    require(Action.READ)
    return render_template("help.html", templates=BUILT_IN)
