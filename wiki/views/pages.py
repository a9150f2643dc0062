"""Reading and changing pages: view, new, edit (with preview), rename, delete, undelete."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from wiki.access.permissions import Action, can, can_in_space
from wiki.content import catalog, conflicts, drafts, landing, related, spaces, tree
from wiki.content import pages as service
from wiki.content.reading import page_view
from wiki.content.reading import preview as preview_text
from wiki.content.records import page_templates, reviews
from wiki.content.records.fields import Record
from wiki.content.records.page_templates import BLANK
from wiki.db import get_database, get_session
from wiki.errors import EditConflict, InvalidInput
from wiki.models import DEFAULT_SPACE_ID, Space
from wiki.slugs import (
    DEFAULT_SPACE_KEY,
    MAX_SPACE_KEY_CHARS,
    SPACE_KEY_PATTERN,
    split_space_key,
)
from wiki.views import page_cache
from wiki.views.common import (
    acting_user,
    check_form_encoding,
    form_text,
    int_field,
    limits,
    load_page,
    page_urls,
    readable_page_or_none,
    require,
    viewer_today,
    write_transaction,
)
from wiki.views.drafts import editor_context

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    """The landing page: the viewer's spaces, recently changed pages, the home page."""
    require(Action.READ)
    shown = landing.landing(
        get_session(), current_user._get_current_object(), current_app.config["HOME_PAGE"]
    )
    return render_template("landing.html", landing=shown)


@bp.route("/-/pages")
def all_pages():
    """Every page the viewer may read, alphabetically, optionally filtered by title."""
    require(Action.READ)
    args = request.args
    title_filter = catalog.clean_text_arg(args.get("q"), catalog.MAX_FILTER_CHARS)
    index = catalog.all_pages(
        get_session(),
        current_user._get_current_object(),
        title_filter=title_filter,
        after=catalog.clean_text_arg(args.get("after"), catalog.MAX_CURSOR_CHARS) or None,
        before=catalog.clean_text_arg(args.get("before"), catalog.MAX_CURSOR_CHARS) or None,
        limit=current_app.config["PAGE_SIZE"],
    )
    return render_template("all_pages.html", index=index)


@bp.route("/wiki/<slug>")
def view(slug: str):
    canonical = spaces.canonical_slug(slug)
    # A hand-typed /wiki/Office_Move finds office-move (/wiki/HR:Onboarding hr:onboarding);
    # a page whose address is not made from a title (a deleted page moved aside) keeps its
    # own.
    if canonical and canonical != slug and readable_page_or_none(slug) is None:
        return redirect(url_for("pages.view", slug=canonical), 301)
    kept = page_cache.serve(slug)
    if kept is not None:
        return kept
    require(Action.READ)
    shown = page_view(get_session(), slug, current_user._get_current_object(), get_database())
    if shown is not None and not can(current_user, Action.READ, shown.page):
        shown = None  # a page the viewer may not read answers exactly like a missing one
    if shown is None:
        page = readable_page_or_none(slug)
        if page is not None:  # an old title of a renamed page
            # 302, not 301: a new page may take this title later, browsers must ask again.
            flash("Redirected from an old title of this page.", "info")
            return redirect(url_for("pages.view", slug=page.slug))
        # The link to write it goes to the space its address names (not looked up: the
        # answer is the same whether such a space exists or not).
        key, rest = split_space_key(slug)
        guess = rest.replace("-", " ").strip().capitalize()
        return render_template("missing.html", slug=slug, title_guess=guess, space_key=key), 404
    around = tree.page_tree(get_session(), current_user._get_current_object(), shown.page.id)
    review = reviews.page_status(get_session(), shown.page.id, viewer_today())
    nearby = related.related_pages(get_session(), current_user._get_current_object(), shown.page)
    html = render_template(
        "page.html",
        review=review[0] if review is not None else None,
        page=shown.page,
        revision=shown.revision,
        shown=shown.shown,
        tree=around,
        related=nearby,
        page_url=page_urls(),
    )
    return page_cache.keep(make_response(html))


def _field_values(record: Record) -> dict[str, str] | None:
    """The values the form sent for ``record``'s fields; None when the form had no field
    inputs (it keeps the values saved)."""
    if "fields" not in request.form:
        return None
    return {spec.name: form_text(f"field-{spec.name}") for spec in record.fields}


def _render_edit(
    page,
    *,
    body,
    summary,
    tags,
    base_number,
    values=None,
    errors=None,
    preview=None,
    resolving=False,
    status=200,
    resumed=None,
):
    record = Record.from_json(page.current.fields)
    if resumed is not None:  # the fields as the draft had them
        record, values = resumed.record, dict(resumed.record.values)
    return (
        render_template(
            "edit.html",
            page=page,
            body=body,
            summary=summary,
            tags=tags,
            record=record,
            values=record.values if values is None else values,
            base_number=base_number,
            errors=errors or {},
            preview=preview,
            resolving=resolving,
            **editor_context(page, resumed),
        ),
        status,
    )


def _preview(body: str, space: str, conflicts: bool = False, page_id: int | None = None):
    """The preview of ``body`` as the page ``page_id`` (None: a new page) of the space with
    the key ``space`` shows it."""
    try:
        return preview_text(
            get_session(),
            current_user._get_current_object(),
            service.clean_body(body, limits()),
            conflicts=conflicts,
            space=space,
            page_id=page_id,
        ), {}
    except InvalidInput as exc:
        return None, exc.errors


def _conflict_screen(
    conflict: EditConflict,
    *,
    choices: dict[int, str] | None = None,
    hand: dict[int, str] | None = None,
    errors: dict[str, str] | None = None,
    show_result: bool = False,
    status: int = 409,
):
    """The edit conflict screen: each clash as yours and theirs with a choice, the result
    (previewed in the space the page's slug names) and both full texts."""
    space = split_space_key(conflict.slug)[0] or DEFAULT_SPACE_KEY
    choices, hand = choices or {}, hand or {}
    resolution = conflicts.resolve(conflict.merged, choices, hand)
    preview = None
    if show_result:
        preview, preview_errors = _preview(resolution.text, space, conflicts=True)
        errors = {**preview_errors, **(errors or {})}
    return render_template(
        "conflict.html",
        conflict=conflict,
        parts=conflicts.conflict_parts(conflict.merged),
        choices=choices,
        hand=hand,
        result=resolution.text,
        preview=preview,
        errors=errors or {},
        space_key=space,
    ), status


def _resolve_conflict(page):
    """A post of the conflict screen: preview the result of the choices, or save it on top
    of the revision saved meanwhile. Every choice comes back when something is missing."""
    values = _field_values(Record.from_json(page.current.fields))
    conflict = conflicts.conflict_from_form(
        get_session(),
        page,
        mine=form_text("mine"),
        merged=form_text("merged"),
        current_number=int_field("base") or 0,
        base_number=int_field("base_original") or 0,
        summary=form_text("summary"),
        tags=form_text("tags"),
        values=values,
    )
    numbers = range(1, conflicts.clash_count(conflict.merged) + 1)
    choices = {n: form_text(f"choice-{n}") for n in numbers if form_text(f"choice-{n}")}
    hand = {n: form_text(f"hand-{n}") for n in numbers if f"hand-{n}" in request.form}
    resolution = conflicts.resolve(conflict.merged, choices, hand)
    if request.form.get("action") == "preview":
        return _conflict_screen(conflict, choices=choices, hand=hand, show_result=True, status=200)
    if resolution.undecided:
        listed = ", ".join(str(n) for n in resolution.undecided)
        errors = {"choices": f"Choose what to keep where the texts clash (still open: {listed})."}
        return _conflict_screen(conflict, choices=choices, hand=hand, errors=errors, status=400)
    try:
        with write_transaction() as session:
            check_form_encoding()
            result = service.edit_page(
                session,
                acting_user(),
                page,
                conflict.current_number,
                resolution.text,
                conflict.summary,
                limits(),
                tags=conflict.tags,
                values=values,
                ends_draft=True,  # the draft the conflicting save came from is saved now
            )
    except InvalidInput as exc:
        return _conflict_screen(
            conflict, choices=choices, hand=hand, errors=exc.errors, show_result=True, status=400
        )
    except EditConflict as again:  # saved again meanwhile: the resolved text is "yours" now
        return _conflict_screen(again)
    flash(
        "Saved: the clashes are resolved." if result.revision else "No changes to save.", "success"
    )
    return redirect(url_for("pages.view", slug=result.page.slug))


@bp.route("/wiki/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    page, via_alias = load_page(slug, Action.EDIT)
    if via_alias:
        return redirect(url_for("pages.edit", slug=page.slug))
    if request.method == "GET":
        # An unsaved draft is offered first: resumed (?draft=resume) or discarded.
        offer = drafts.draft_offer(get_session(), acting_user(), page)
        if offer is not None and request.args.get("draft") != "resume":
            return render_template("draft_offer.html", page=page, offer=offer)
        if offer is not None:
            draft = offer.draft
            return _render_edit(
                page,
                body=draft.body,
                summary=draft.summary,
                tags=draft.tags,
                base_number=draft.base_number,
                resumed=offer,
            )
        current = page.current
        return _render_edit(
            page, body=current.body, summary="", tags=current.tags, base_number=page.latest_number
        )
    body, summary, tags = form_text("body"), form_text("summary"), form_text("tags")
    values = _field_values(Record.from_json(page.current.fields))
    # A missing or malformed base is no revision: the save answers that the form is out
    # of date, with the text kept.
    base_number = int_field("base") or 0
    if "merged" in request.form:  # the conflict screen's choices
        return _resolve_conflict(page)
    resolving = request.form.get("resolving") == "1"  # an older conflict screen's text
    if request.form.get("action") == "preview":
        space = spaces.space_key(get_session(), page.space_id)
        rendered, errors = _preview(body, space, conflicts=resolving, page_id=page.id)
        return _render_edit(
            page,
            body=body,
            summary=summary,
            tags=tags,
            base_number=base_number,
            values=values,
            preview=rendered,
            errors=errors,
            resolving=resolving,
        )
    try:
        with write_transaction() as session:
            check_form_encoding()
            if resolving:
                service.check_conflicts_resolved(body)
            result = service.edit_page(
                session,
                acting_user(),
                page,
                base_number,
                body,
                summary,
                limits(),
                tags=tags if "tags" in request.form else None,
                values=values,
                ends_draft=True,
            )
    except InvalidInput as exc:
        return _render_edit(
            page,
            body=body,
            summary=summary,
            tags=tags,
            base_number=base_number,
            values=values,
            errors=exc.errors,
            resolving=resolving,
            status=400,
        )
    except EditConflict as conflict:
        return _conflict_screen(conflict)
    if result.revision is None:
        flash("No changes to save.", "info")
    elif result.merged_with:
        flash(
            f"Someone saved revision {result.merged_with} while you were editing; "
            "your changes were merged with theirs.",
            "success",
        )
    return redirect(url_for("pages.view", slug=result.page.slug))


@bp.route("/-/new", methods=["GET", "POST"])
def new():
    require(Action.CREATE)
    title = request.values.get("title", "")
    body, summary, tags = form_text("body"), form_text("summary"), form_text("tags")
    space_key = request.values.get("space", "")[:100]
    # The page to put the new one under: a title or an address (the "New page under this
    # one" link gives the address).
    parent_text = request.values.get("parent", "")[: tree.MAX_PARENT_CHARS + 1]
    errors: dict[str, str] = {}
    preview = None
    parent = None
    session, viewer = get_session(), current_user._get_current_object()
    # The spaces the viewer may add pages to (the permission module's reach is cached for
    # the request: no query per space).
    choices = [
        listed
        for listed in spaces.list_spaces(session, viewer)
        if can_in_space(viewer, Action.CREATE, listed.space.id)
    ]
    space: Space | None
    if space_key:
        space = spaces.get_space(session, space_key)
        if space is None or not can_in_space(viewer, Action.READ, space.id):
            # A space the viewer may not see is as good as missing.
            errors = {"space": f"No space has the key {space_key}; choose one from the list."}
            space = None
        elif not can_in_space(viewer, Action.CREATE, space.id):
            errors = {"space": f"You may not add pages to {space.name}; choose another space."}
    elif parent_text.strip():
        # A link naming only the parent: the new page goes into the parent's space.
        named = readable_page_or_none(spaces.canonical_slug(parent_text))
        space = named.space if named is not None else None
    else:  # the default space, or else the first one the viewer may write in
        fallback = choices[0].space if choices else None
        space = next(
            (listed.space for listed in choices if listed.space.id == DEFAULT_SPACE_ID), fallback
        )
        if space is None:
            errors = {"space": "You may not add pages to any space."}
    if parent_text.strip() and not errors:
        try:
            parent = tree.find_parent(
                session,
                viewer,
                space if space is not None else spaces.default_space(session),
                parent_text,
            )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            if request.method == "GET" and parent is not None:
                parent_text = parent.title  # the form shows where the page goes
            if space is None and parent is not None:
                space = parent.space
    chosen = request.values.get("template", "")[:40]
    start = None
    if space is not None:
        if not chosen and request.method == "GET":
            chosen = page_templates.default_choice(space)
        start = page_templates.start(session, viewer, space, chosen or BLANK, viewer_today())
        # Only when starting: a save goes on without the fields of a template gone since.
        unavailable = chosen not in ("", BLANK, space.default_template)
        if start is None and unavailable and request.method == "GET":
            errors.setdefault("template", "That template is not available; start from another one.")
    record = start.record if start is not None else Record()
    if request.method == "GET" and start is not None:
        title, body, tags = title or start.title, body or start.body, tags or start.tags
        values: dict[str, str] = dict(record.values)
    else:
        values = _field_values(record) or {}
    if request.method == "POST" and not errors and space is not None:
        if request.form.get("action") == "preview":
            preview, errors = _preview(body, space.key)
        else:
            try:
                with write_transaction() as session:
                    check_form_encoding()
                    result = service.create_page(
                        session,
                        acting_user(),
                        title,
                        body,
                        summary,
                        limits(),
                        tags=tags,
                        space=space,
                        parent=parent,
                        record=record.with_values(values),
                    )
            except InvalidInput as exc:
                errors = exc.errors
            except EditConflict as conflict:
                return _conflict_screen(conflict)
            else:
                return redirect(url_for("pages.view", slug=result.page.slug))
    status = 400 if errors and request.method == "POST" else 200
    return render_template(
        "new.html",
        spaces=choices,
        space_key=space.key if space is not None else DEFAULT_SPACE_KEY,
        templates=page_templates.choices(session, viewer, space) if space is not None else [],
        start=start,
        record=record,
        values=values,
        title=title,
        parent=parent_text,
        body=body,
        summary=summary,
        tags=tags,
        errors=errors,
        preview=preview,
    ), status


@bp.route("/-/preview", methods=["POST"])
def preview():
    """Live preview for the editor: the server's one rendering pipeline, as JSON.

    The form's ``space`` is the key of the space of the page being written (default: the
    default space). It is not looked up: the rendering depends on the key alone, so it
    tells nothing about which spaces exist.
    """
    require(Action.EDIT)
    space = form_text("space").strip().lower()
    if not SPACE_KEY_PATTERN.match(space) or len(space) > MAX_SPACE_KEY_CHARS:
        space = DEFAULT_SPACE_KEY
    # The page's id makes its files' addresses (attachment: links); nothing is looked up.
    rendered, errors = _preview(
        form_text("body"),
        space,
        conflicts=request.args.get("conflicts") == "1",
        page_id=int_field("page"),
    )
    if rendered is None:
        return jsonify(error=next(iter(errors.values()))), 400
    return jsonify(html=rendered.html, toc_html=rendered.toc_html)


def _simple_action(slug, action: Action, template: str, run, done_message: str):
    """GET shows a confirmation form; POST runs ``run(session, page, summary)``."""
    page, via_alias = load_page(slug, action)
    if via_alias:
        return redirect(url_for(request.endpoint or "pages.view", slug=page.slug))
    errors = {}
    summary = form_text("summary")
    if request.method == "POST":
        try:
            with write_transaction() as session:
                result = run(session, page, summary)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(done_message, "success")
            return redirect(url_for("pages.view", slug=result.page.slug))
    return render_template(
        template,
        page=page,
        summary=summary,
        errors=errors,
        new_title=form_text("title") or page.title,
    ), 400 if errors else 200


@bp.route("/wiki/<slug>/rename", methods=["GET", "POST"])
def rename(slug: str):
    return _simple_action(
        slug,
        Action.RENAME,
        "rename.html",
        lambda session, page, summary: service.rename_page(
            session, acting_user(), page, form_text("title"), summary, limits()
        ),
        "The page was renamed; its old title redirects here.",
    )


@bp.route("/wiki/<slug>/delete", methods=["GET", "POST"])
def delete(slug: str):
    return _simple_action(
        slug,
        Action.DELETE,
        "delete.html",
        lambda session, page, summary: service.delete_page(session, acting_user(), page, summary),
        "The page was deleted. Its history is kept and an admin can undelete it.",
    )


@bp.route("/wiki/<slug>/undelete", methods=["GET", "POST"])
def undelete(slug: str):
    return _simple_action(
        slug,
        Action.UNDELETE,
        "undelete.html",
        lambda session, page, summary: service.undelete_page(session, acting_user(), page, summary),
        "The page was undeleted.",
    )
