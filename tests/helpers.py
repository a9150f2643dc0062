"""Small helpers shared by tests."""

from __future__ import annotations

import gc
import time

from sqlalchemy import func, select

from wiki.access import accounts
from wiki.content.pages import Limits, create_page, edit_page
from wiki.content.render import Rendered, RenderError, render_markdown
from wiki.db import get_database
from wiki.files.attachments import Upload, upload_files
from wiki.files.storage import DatabaseStore
from wiki.models import (
    Attachment,
    Draft,
    FeedToken,
    Group,
    GroupMember,
    Invite,
    Notification,
    Page,
    PageRestriction,
    PageReview,
    ReviewLog,
    Revision,
    SearchSynonyms,
    Space,
    SpaceGrant,
    SpaceSubscription,
    SubscriptionOptOut,
    User,
    Watch,
)


def make_page(session, author, title="Office move", body="First text.\n", summary=""):
    """Create a page through the service layer and commit it."""
    result = create_page(session, author, title, body, summary, Limits())
    session.commit()
    return result.page


def edit(session, author, page, body, base=None, summary=""):
    """Edit ``page`` from ``base`` (default: its latest revision) and commit."""
    result = edit_page(
        session,
        author,
        page,
        base if base is not None else page.latest_number,
        body,
        summary,
        Limits(),
    )
    session.commit()
    return result


# A 1x1 picture (PNG).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def attach(session, author, page, name="plan.txt", data=b"The plan.\n", comment=""):
    """Upload a file to ``page`` through the service layer (bytes in the database), commit."""
    stored = upload_files(session, DatabaseStore(), author, page, [Upload(name, data)], comment)
    session.commit()
    return stored[0].attachment


def snapshot(app):
    """Everything a request could change: revisions, pages (and where they sit), accounts
    (with passwords and profiles), the search synonyms, the spaces (with their settings),
    groups and their members, the invites, the grants and restrictions, the pages' owners
    and reviews, the files and their versions, what people watch and their notifications,
    the feed tokens, the drafts."""
    session = get_database(app).session()
    try:
        return (
            session.scalar(select(func.count(Revision.id))),
            sorted(session.execute(select(Page.slug, Page.deleted)).all()),
            sorted(
                session.execute(
                    select(
                        User.username_key,
                        User.role,
                        User.disabled,
                        User.password_hash,
                        User.display_name,
                        User.email,
                        User.time_zone,
                        User.watch_own_edits,
                    )
                ).all()
            ),
            session.scalar(select(SearchSynonyms.text)),
            sorted(
                session.execute(
                    select(Space.key, Space.name, Space.description, Space.home_page_id)
                ).all()
            ),
            sorted(session.execute(select(Group.key, Group.name, Group.description)).all()),
            sorted(
                session.execute(
                    select(GroupMember.group_id, GroupMember.user_id, GroupMember.is_manager)
                ).all()
            ),
            session.scalar(select(func.count(Invite.id))),
            sorted(
                session.execute(
                    select(SpaceGrant.space_id, SpaceGrant.subject, SpaceGrant.level)
                ).all()
            ),
            sorted(
                session.execute(
                    select(PageRestriction.page_id, PageRestriction.kind, PageRestriction.subject)
                ).all()
            ),
            sorted(session.execute(select(Page.id, Page.parent_id, Page.space_id)).all()),
            session.scalar(select(func.count(ReviewLog.id))),
            sorted(
                session.execute(
                    select(
                        PageReview.page_id,
                        PageReview.owner_user_id,
                        PageReview.owner_group_id,
                        PageReview.review_every_days,
                    )
                ).all()
            ),
            sorted(session.execute(select(Space.key, Space.default_template)).all()),
            sorted(
                session.execute(
                    select(Attachment.id, Attachment.deleted, Attachment.latest_number)
                ).all()
            ),
            sorted(session.execute(select(Watch.user_id, Watch.target_key)).all()),
            sorted(session.execute(select(Notification.id, Notification.read_at)).all()),
            sorted(session.execute(select(FeedToken.user_id, FeedToken.token_hash)).all()),
            sorted(
                session.execute(
                    select(
                        SpaceSubscription.space_id,
                        SpaceSubscription.group_id,
                        SpaceSubscription.frequency,
                    )
                ).all()
            ),
            sorted(
                session.execute(
                    select(SubscriptionOptOut.user_id, SubscriptionOptOut.subscription_id)
                ).all()
            ),
            sorted(
                session.execute(
                    select(Draft.author_id, Draft.page_id, Draft.body, Draft.updated_at)
                ).all()
            ),
        )
    finally:
        session.close()


def stored(app, username):
    """The account ``username`` as stored now."""
    session = get_database(app).session()
    try:
        return accounts.get_user(session, username)
    finally:
        session.close()


def rule_arguments(rule, values: dict) -> list[dict]:
    """Arguments for ``rule`` from ``values``, once for each choice of an ``any(...)`` part."""
    from werkzeug.routing import AnyConverter

    choices = [{}]
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices = [{name: item} for item in sorted(converter.items)]
    return [
        {key: values[key] for key in rule.arguments if key not in choice} | choice
        for choice in choices
    ]


# --- rendering time bounds ------------------------------------------------------------

TIME_LIMIT = 5.0  # generous: a correctness bound, not a benchmark (~1 s measured)
# On a slow or busy machine an input may take longer, up to this many times the rendering of
# a plain 1 MB paragraph (linear work, ~0.25 s where the bounds were set) timed right after
# it; a super-linear blow-up, which costs orders of magnitude more, still fails.
REFERENCE_FACTOR = 20
PLAIN_TEXT = ("lorem ipsum dolor sit amet " * 40_000)[:1_000_000]


def timed(source: str) -> tuple[float, Rendered | RenderError]:
    """How long rendering ``source`` takes, and its outcome.

    The objects the test run has piled up are frozen out of the garbage collector meanwhile:
    its full collections would otherwise scan them all, and a render that allocates a lot
    would be timed by the size of the test process, not by its own work (as in a worker).
    """
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        try:
            outcome: Rendered | RenderError = render_markdown(source)
        except RenderError as exc:
            outcome = exc
        return time.perf_counter() - start, outcome
    finally:
        gc.unfreeze()


def assert_fast_enough(source: str, elapsed: float, name: str) -> None:
    """``elapsed`` (a rendering of ``source``) is under TIME_LIMIT, or, timed again next to
    plain text of the same machine moment, under REFERENCE_FACTOR times that text."""
    if elapsed < TIME_LIMIT:
        return
    best = min(elapsed, timed(source)[0])
    reference = timed(PLAIN_TEXT)[0]
    assert best < REFERENCE_FACTOR * reference, (
        f"{name} took {best:.2f} s, {best / reference:.0f} times plain text of 1 MB ({reference:.2f} s)"
    )
