"""Drafts of the editor: saving one (the editor's script, as JSON), discarding one, and who
else is editing a page. The editor screen itself is :func:`wiki.views.pages.edit`."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from wiki.access.people import utc_iso
from wiki.access.permissions import Action
from wiki.content import drafts as service
from wiki.content.drafts import DraftForm, DraftOffer
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.models import Page
from wiki.views.common import (
    acting_user,
    check_form_encoding,
    form_text,
    int_field,
    limits,
    load_page,
    localtime,
    write_transaction,
)

bp = Blueprint("drafts", __name__)

_FIELD = "field-"


def _sent_form() -> DraftForm:
    form = request.form
    values = None
    if "fields" in form:  # the editor had field inputs
        values = {name[len(_FIELD) :]: v for name, v in form.items() if name.startswith(_FIELD)}
    return DraftForm(
        base_number=int_field("base") or 0,
        body=form_text("body"),
        summary=form_text("summary"),
        tags=form_text("tags"),
        values=values,
        editor_key=form_text("editor")[:41],
        sequence=int_field("sequence") or 0,
    )


def editor_context(page: Page, resumed: DraftOffer | None = None) -> dict:
    """What the editor screen shows of drafts: who else is editing ``page`` and the draft
    it resumes (if any). Raises nothing but database errors."""
    names = service.others_editing(get_session(), current_user._get_current_object(), page)
    return {"editing": service.editing_sentence(names), "resumed": resumed}


@bp.route("/wiki/<slug>/draft", methods=["POST"])
def save(slug: str):
    """Keep the editor's form as the viewer's draft of the page. Answers JSON: ``saved``
    (false when it changes nothing, so no draft is kept), the server's time of the save,
    who else is editing; 400 with ``error`` for what cannot be kept."""
    page, _ = load_page(slug, Action.EDIT)  # an old address too: the page was renamed
    try:
        with write_transaction() as session:
            check_form_encoding()
            sent = _sent_form()
            draft = service.save_draft(session, acting_user(), page, sent, limits())
            names = service.others_editing(session, current_user._get_current_object(), page)
    except InvalidInput as exc:
        return jsonify(saved=False, error=next(iter(exc.errors.values()))), 400
    answer: dict = {
        "saved": draft is not None,
        "sequence": sent.sequence,
        "editing": service.editing_sentence(names),
    }
    if draft is not None:
        answer["saved_at"] = utc_iso(draft.updated_at)
        answer["saved_at_text"] = localtime(draft.updated_at, "time")
    return jsonify(answer)


@bp.route("/wiki/<slug>/draft/discard", methods=["POST"])
def discard(slug: str):
    """Delete the viewer's draft of the page, then open its editor afresh."""
    page, _ = load_page(slug, Action.EDIT)
    with write_transaction() as session:
        discarded = service.discard_draft(session, acting_user(), page)
    if discarded:
        flash("Your draft was discarded.", "info")
    return redirect(url_for("pages.edit", slug=page.slug))


@bp.route("/wiki/<slug>/editing")
def editing(slug: str):
    """Who else is editing the page now, as JSON (the editor asks every little while)."""
    page, _ = load_page(slug, Action.EDIT)
    names = service.others_editing(get_session(), current_user._get_current_object(), page)
    return jsonify(editing=service.editing_sentence(names))
