"""The bell and what it lists, and watching: pages, subtrees, spaces and tags."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from wiki.access.login import csrf
from wiki.access.permissions import Action
from wiki.config import load_secret_key
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.models import WatchTarget
from wiki.notify import inbox, mail, preferences, watches
from wiki.views.common import (
    acting_user,
    form_text,
    int_arg,
    load_page,
    require,
    safe_next,
    visible_space,
    write_transaction,
)

bp = Blueprint("notifications", __name__)

PER_PAGE = 50

# What the flash after "Stop watching" says, by the kind of watch stopped.
_STOPPED = {
    WatchTarget.PAGE.value: "You no longer watch that page.",
    WatchTarget.SUBTREE.value: "You no longer watch that page and the pages under it.",
    WatchTarget.SPACE.value: "You no longer watch that space.",
    WatchTarget.TAG.value: "You no longer watch pages tagged “{tag}”.",
}


def bell_count() -> int:
    """The signed-in viewer's unread notifications about pages they may read (0 for
    visitors), at most :data:`~wiki.notify.inbox.BELL_MOST` + 1."""
    if not current_user.is_authenticated:
        return 0
    return inbox.unread_count(get_session(), current_user, current_user.id)


def watched_as(page) -> set[str]:
    """How the signed-in viewer watches ``page`` ("page", "subtree"), for its Watch menu."""
    return {target.value for target in watches.page_watches(get_session(), current_user, page)}


def watching_key(key: str) -> bool:
    """Whether the signed-in viewer has the watch ``key`` ("space:3")."""
    if not current_user.is_authenticated:
        return False
    return watches.has_watch(get_session(), current_user.id, key)


@bp.get("/-/notifications")
def index():
    """The signed-in person's notifications, newest first, 50 at a time."""
    require(Action.OWN_ACCOUNT)
    before = int_arg("before")
    shown = inbox.notifications_of(
        get_session(), current_user, current_user.id, before=before, limit=PER_PAGE + 1
    )
    older = shown[PER_PAGE].id if len(shown) > PER_PAGE else None
    return render_template(
        "notifications.html", notifications=shown[:PER_PAGE], older=older, before=before
    )


@bp.post("/-/notifications/read")
def mark_read():
    """Mark the posted notifications (``id``), or all of them (``all``), read."""
    require(Action.OWN_ACCOUNT)
    ids = [int(value) for value in request.form.getlist("id") if value.isdigit()][:PER_PAGE]
    with write_transaction() as session:
        inbox.mark_read(session, current_user.id, None if form_text("all") else ids)
    return redirect(safe_next(form_text("next"), url_for("notifications.index")))


@bp.get("/-/watching")
def watching():
    """What the signed-in person watches, and whether they watch what they edit."""
    require(Action.OWN_ACCOUNT)
    return _watching_page(acting_user())


def _watching_page(user, errors: dict | None = None, tag: str = "", status: int = 200):
    found = watches.watches_of(get_session(), user)
    return render_template(
        "watching.html",
        watches=found,
        errors=errors or {},
        tag=tag,
        user=user,
        frequencies=preferences.FREQUENCY_CHOICES,
        mail_on=bool(current_app.config["SMTP_HOST"]),
    ), status


@bp.post("/-/watching/stop")
def stop():
    """Stop one watch (``key``), then go back where the form said."""
    require(Action.OWN_ACCOUNT)
    key = form_text("key")
    with write_transaction() as session:
        stopped = watches.stop_watching(session, acting_user(), key)
    if stopped:
        kind, _, value = key.partition(":")
        flash(_STOPPED.get(kind, "You no longer watch that.").format(tag=value), "success")
    return redirect(safe_next(form_text("next"), url_for("notifications.watching")))


@bp.post("/-/watching/tags")
def watch_tag():
    """Watch a tag typed on the watch list."""
    require(Action.OWN_ACCOUNT)
    tag = form_text("tag")
    try:
        with write_transaction() as session:
            watches.watch(session, acting_user(), WatchTarget.TAG, tag=tag)
    except InvalidInput as error:
        return _watching_page(acting_user(), error.errors, tag, 400)
    flash(f"You watch pages tagged “{watches.clean_tag(tag)}”.", "success")
    return redirect(safe_next(form_text("next"), url_for("notifications.watching")))


@bp.post("/-/watching/settings")
def settings():
    """Whether one watches what one creates and edits, and how often one gets mail."""
    require(Action.OWN_ACCOUNT)
    try:
        with write_transaction() as session:
            preferences.set_preferences(
                session,
                acting_user(),
                bool(form_text("watch_own_edits")),
                form_text("email_frequency") or "off",
            )
    except InvalidInput as error:
        return _watching_page(acting_user(), error.errors, status=400)
    flash("Saved how you hear of changes.", "success")
    return redirect(url_for("notifications.watching"))


def _secret() -> str:
    return str(current_app.secret_key or load_secret_key(Path(current_app.instance_path)))


# No form token: the signed link is the proof, and mail programs post to it with one click
# (RFC 8058), from outside any session of the wiki.
@csrf.exempt
@bp.route("/-/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Stop the e-mail of the person an e-mail's link was made for: a page with a button,
    and the one-click POST mail programs send."""
    user_id = mail.user_of_token(_secret(), token)
    if user_id is None:
        abort(404)
    if request.method == "GET":
        return render_template("unsubscribe.html", token=token, done=False)
    with write_transaction() as session:
        # An account deleted since gets no mail either: nothing to stop, nothing to say.
        preferences.stop_mail(session, user_id)
    return render_template("unsubscribe.html", token=token, done=True)


@bp.get("/-/admin/mail")
def mail_status():
    """How the mail outbox stands: waiting, sent, given up, and recent errors (admins)."""
    require(Action.MANAGE_USERS)
    counts = preferences.mail_counts(get_session())
    return render_template(
        "admin_mail.html",
        counts=counts,
        errors=counts.errors,
        host=current_app.config["SMTP_HOST"],
        most=mail.MAX_ATTEMPTS,
    )


@bp.post("/wiki/<slug>/watch")
def watch_page(slug: str):
    """Watch the page (``target=page``) or it and every page under it (``subtree``)."""
    require(Action.OWN_ACCOUNT)
    page, _via_alias = load_page(slug)
    try:
        target = WatchTarget(form_text("target") or "page")
    except ValueError:
        abort(400)
    if target not in (WatchTarget.PAGE, WatchTarget.SUBTREE):
        abort(400)
    with write_transaction() as session:
        watches.watch(session, acting_user(), target, page=page)
    flash(
        "You watch this page and every page under it."
        if target is WatchTarget.SUBTREE
        else "You watch this page.",
        "success",
    )
    return redirect(url_for("pages.view", slug=page.slug))


@bp.post("/-/spaces/<key>/watch")
def watch_space(key: str):
    """Watch every page of a space."""
    require(Action.OWN_ACCOUNT)
    space = visible_space(key)
    with write_transaction() as session:
        watches.watch(session, acting_user(), WatchTarget.SPACE, space=space)
    flash(f"You watch the space {space.name}.", "success")
    return redirect(url_for("spaces.space", key=space.key))
