"""The bell and what it lists; watching pages, subtrees, spaces and tags; groups
subscribed to spaces."""

from __future__ import annotations

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

from wiki.access.groups import list_groups
from wiki.access.login import csrf, login_manager
from wiki.access.permissions import Action, can_in_space
from wiki.config import app_secret
from wiki.db import get_session
from wiki.errors import InvalidInput
from wiki.models import WatchTarget
from wiki.notify import inbox, mail, preferences, subscriptions, watches
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
        through_groups=subscriptions.followed_through_groups(get_session(), user, user.id),
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


# No form token: the signed link is the proof, and mail programs post to it with one click
# (RFC 8058), from outside any session of the wiki.
@csrf.exempt
@bp.route("/-/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Stop the e-mail of the person an e-mail's link was made for: a page with a button,
    and the one-click POST mail programs send."""
    signed = mail.read_token(app_secret(current_app), token)
    if signed is None:
        abort(404)
    user_id, subscription_id = signed
    names = None
    if subscription_id is not None:
        names = preferences.subscription_names(get_session(), subscription_id)
    if request.method == "GET":
        return render_template("unsubscribe.html", token=token, done=False, names=names)
    with write_transaction() as session:
        # An account or a subscription gone since sends no mail either: nothing to stop.
        preferences.stop_mail(session, user_id, subscription_id)
    return render_template("unsubscribe.html", token=token, done=True, names=names)


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


def _managed_space(key: str):
    """The space ``key`` if the viewer may manage its access (site admins and the space's
    admins); 404 when they may not see it, 403 when they see it but may not manage it."""
    space = visible_space(key)
    if not can_in_space(current_user, Action.MANAGE_ACCESS, space.id):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())  # visitors reading the wiki: log in first
        abort(403)
    return space


@bp.route("/-/spaces/<key>/subscriptions", methods=["GET", "POST"])
def space_subscriptions(key: str):
    """The groups subscribed to a space and how they get its mail; subscribing a group or
    changing its mail (the space's admins)."""
    space = _managed_space(key)
    if space.key != key:
        return redirect(url_for("notifications.space_subscriptions", key=space.key), 301)
    errors: dict[str, str] = {}
    chosen = {"group": form_text("group"), "frequency": form_text("frequency") or "weekly"}
    if request.method == "POST":
        try:
            with write_transaction() as session:
                held = subscriptions.subscribe_group(
                    session, acting_user(), space, chosen["group"], chosen["frequency"]
                )
                name = held.group.name
        except InvalidInput as error:
            errors = error.errors
        else:
            flash(f"The group {name} follows the space {space.name}.", "success")
            return redirect(url_for("notifications.space_subscriptions", key=space.key))
    session = get_session()
    return render_template(
        "space_subscriptions.html",
        space=space,
        subscriptions=subscriptions.subscriptions_of_space(session, space),
        groups=list_groups(session),
        frequencies=subscriptions.FREQUENCY_CHOICES,
        chosen=chosen,
        errors=errors,
    ), 400 if errors else 200


@bp.post("/-/spaces/<key>/subscriptions/<int:subscription_id>/remove")
def remove_space_subscription(key: str, subscription_id: int):
    """End a group's subscription to the space."""
    space = _managed_space(key)
    with write_transaction() as session:
        name = subscriptions.unsubscribe_group(session, acting_user(), space, subscription_id)
    flash(f"The group {name} no longer follows the space {space.name}.", "success")
    return redirect(url_for("notifications.space_subscriptions", key=space.key))


@bp.post("/-/watching/groups/<int:subscription_id>")
def follow_through_group(subscription_id: int):
    """Opt out of (``follow=0``) or back into (``follow=1``) a space one hears of through a
    group's subscription."""
    require(Action.OWN_ACCOUNT)
    follow = form_text("follow") == "1"
    # Not in the group (or no such subscription): not found, like anything not one's own.
    with write_transaction() as session:
        space_name = subscriptions.opt_out(session, current_user.id, subscription_id, not follow)
    flash(
        f"You hear of the space {space_name} through your group again."
        if follow
        else f"You no longer hear of the space {space_name} through your group.",
        "success",
    )
    return redirect(url_for("notifications.watching"))
