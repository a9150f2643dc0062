"""Spaces: the directory, one space's page, creating a space and its settings."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from wiki.access.login import login_manager
from wiki.access.permissions import Action, can_in_space
from wiki.content import spaces as service
from wiki.content.records import lessons as records
from wiki.content.records import page_templates
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.views.common import (
    acting_user,
    check_form_encoding,
    form_text,
    int_arg,
    page_urls,
    require,
    visible_space,
    write_transaction,
)

bp = Blueprint("spaces", __name__)
_LIMITS = {"name": service.MAX_NAME_CHARS, "description": service.MAX_DESCRIPTION_CHARS}


@bp.route("/-/spaces")
def directory():
    require(Action.READ)
    listed = service.list_spaces(get_session(), current_user._get_current_object())
    return render_template("spaces.html", spaces=listed)


@bp.route("/-/spaces/new", methods=["GET", "POST"])
def new():
    require(Action.MANAGE_SPACES)
    key, name, description = form_text("key"), form_text("name"), form_text("description")
    # Open unless "private" was chosen: like the default space, every signed-in account
    # reads it and, as far as its role allows, edits.
    open_to_signed_in = form_text("access") != "private"
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            with write_transaction() as session:
                space = service.create_space(
                    session,
                    acting_user(),
                    key,
                    name,
                    description,
                    open_to_signed_in=open_to_signed_in,
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            return redirect(url_for("spaces.space", key=space.key))
    status = 400 if errors else 200
    return render_template(
        "space_new.html",
        key=key,
        name=name,
        description=description,
        open_to_signed_in=open_to_signed_in,
        errors=errors,
    ), status


@bp.route("/-/spaces/<key>")
def space(key: str):
    found = visible_space(key)
    if found.key != key:
        return redirect(url_for("spaces.space", key=found.key), 301)
    session, viewer = get_session(), current_user._get_current_object()
    return render_template(
        "space.html",
        space=found,
        home=service.home_page(session, found, viewer),
        pages=service.pages_of_space(session, found, viewer),
    )


@bp.route("/-/spaces/<key>/edit", methods=["GET", "POST"])
def edit(key: str):
    """The space's settings: name, description, home page (site admins and the space's
    admins)."""
    found = visible_space(key)
    if not can_in_space(current_user, Action.MANAGE_ACCESS, found.id):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())  # visitors reading the wiki: log in first
        abort(403)
    if found.key != key:
        return redirect(url_for("spaces.edit", key=found.key), 301)
    errors: dict[str, str] = {}
    if request.method == "POST":
        fields = ("name", "description", "home", "default_template")
        form = {name: form_text(name) for name in fields}
        try:
            check_form_encoding()
            with write_transaction() as session:
                changed = service.update_space(
                    session,
                    acting_user(),
                    found,
                    form["name"],
                    form["description"],
                    form["home"],
                    form["default_template"] if "default_template" in request.form else None,
                )
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash("Saved the space's settings." if changed else "Nothing changed.", "success")
            return redirect(url_for("spaces.space", key=found.key))
    else:
        home = service.home_page(get_session(), found, current_user._get_current_object())
        form = {
            "name": found.name,
            "description": found.description,
            "home": home.title if home is not None else "",
            "default_template": page_templates.default_choice(found),
        }
    # Suggestions for the home page field (a space's admins read all of its pages).
    titles = [
        page
        for page in service.pages_of_space(get_session(), found, current_user._get_current_object())
        if not page.deleted
    ]
    viewer = current_user._get_current_object()
    return render_template(
        "space_edit.html",
        space=found,
        form=form,
        errors=errors,
        limits=_LIMITS,
        titles=titles,
        templates=page_templates.choices(get_session(), viewer, found),
        blank=page_templates.BLANK,
    ), 400 if errors else 200


@bp.route("/-/spaces/<key>/lessons")
def lessons(key: str):
    """The space's records (lessons, incidents, decisions...) as a table: filtered by kind
    and by field values, sorted by any field or date, a page of 50 at a time; ``format=csv``
    exports every record that matches."""
    found = visible_space(key)
    if found.key != key:
        return redirect(url_for("spaces.lessons", key=found.key), 301)
    args = request.args
    filters = {
        name[2:]: value[: records.MAX_FILTER_CHARS]
        for name, value in args.items()
        if name.startswith("f.") and len(name) <= 40
    }
    export = args.get("format") == "csv"
    page_number = int_arg("page") or 1
    listed = records.list_records(
        get_session(),
        current_user._get_current_object(),
        found,
        kind=args.get("kind", "")[:40],
        filters=filters,
        sort=args.get("sort", records.BY_UPDATED)[:40],
        descending=args.get("order", "desc") != "asc",
        offset=0 if export else (page_number - 1) * records.PAGE_SIZE,
        limit=records.MAX_EXPORT_ROWS if export else records.PAGE_SIZE,
    )
    if export:
        page_url = page_urls()
        text = records.records_csv(
            listed, lambda slug: request.host_url.rstrip("/") + page_url(slug)
        )
        response = make_response(text)
        response.mimetype = "text/csv"
        response.headers["Content-Disposition"] = f'attachment; filename="{found.key}-lessons.csv"'
        return response
    return render_template(
        "space_lessons.html",
        space=found,
        listed=listed,
        filters=filters,
        page_number=page_number,
        page_url=page_urls(),
    )
