"""The wiki's tables, as typed SQLAlchemy 2 models.

Revisions are append-only: nothing in the application updates or deletes a row of
``revisions``. A page row only points at its current revision and carries the state that
the latest revision produced (title, slug, deleted or not), so a page view is one lookup.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    deferred,
    mapped_column,
    relationship,
    validates,
)

from wiki.slugs import MAX_SORT_KEY_CHARS, sort_key
from wiki.textsafety import MAX_LOOKALIKE_KEY_CHARS, lookalike_key

# Stable constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def split_tags(tags: str) -> list[str]:
    """The tags of a stored ``tags`` value, in order."""
    return [tag for tag in tags.split(", ") if tag]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


class Role(enum.StrEnum):
    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"


class RevisionKind(enum.StrEnum):
    CREATE = "create"
    EDIT = "edit"
    RENAME = "rename"
    DELETE = "delete"
    UNDELETE = "undelete"
    RESTORE = "restore"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # A unique index, not a constraint: SQLite adds it without rebuilding ``users``.
        Index("ix_users_email_key", "email_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored as typed; ``username_key`` (case-folded) keeps "Alice" and "alice" one account.
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # No longer read: logins live in ``login_sessions`` (migration 0004). Kept, random per
    # user, because dropping a unique column rebuilds ``users`` on SQLite.
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Shown instead of the username where people are named; None: the username is shown.
    display_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # As typed; ``email_key`` (case-folded) keeps one address to one account.
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    email_key: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # An IANA name ("Europe/Paris"); None: the site's default zone.
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # People watch the pages they create and edit unless they turn this off.
    watch_own_edits: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # How notifications reach their e-mail address (EmailFrequency); none without one.
    email_frequency: Mapped[str] = mapped_column(
        String(16), default="daily", server_default="daily"
    )
    # Until when the last digest told them (None: no digest yet).
    digest_through: Mapped[datetime | None] = mapped_column(nullable=True)

    @property
    def shown_name(self) -> str:
        """The name to show for this person: the display name, else the username."""
        return self.display_name or self.username

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # Logging in goes through a login session (accounts.start_login_session); the
        # account itself is never put in a cookie.
        raise TypeError("log in with accounts.start_login_session(), not with a User")


class LoginSession(Base):
    """One login on one browser: the session and remember-me cookies carry its ``id``.

    Logging out deletes the row, so a copy of the cookies stops working while the user's
    other logins go on; a password reset or disabling the account deletes all of them.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random, unguessable
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Refreshed at most every few minutes (see accounts.LAST_SEEN_EVERY), not per request.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(255), nullable=True)


DEFAULT_SPACE_ID = 1
"""The space every page of a wiki made before spaces existed is in (migration 0008); its
pages' addresses carry no space key. Its key is :data:`wiki.slugs.DEFAULT_SPACE_KEY`."""


class Space(Base):
    """A team's or a project's area of the wiki: it holds pages.

    A page's slug starts with its space's key and a colon (``hr:onboarding``), except in
    the default space (:data:`DEFAULT_SPACE_ID`), whose pages keep the addresses they had
    before spaces existed. Titles are unique within a space because slugs are unique.
    """

    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-case letters, digits and dashes (wiki.content.spaces.KEY_PATTERN); never changes,
    # since it is part of every address in the space.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The page the space's own page leads to first (None: no home page). A page of the
    # space, chosen by its admins (wiki.content.spaces.update_space).
    home_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("pages.id", use_alter=True), nullable=True
    )
    # What a new page of the space starts from unless its writer picks another: a built-in
    # template's key or ``page:<id>`` (wiki.content.records.page_templates); None: a blank page.
    default_template: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_sort_key_slug", "sort_key", "slug"),
        Index("ix_pages_space_id_sort_key", "space_id", "sort_key"),
        Index("ix_pages_lookalike_key", "lookalike_key"),
        Index("ix_pages_parent_id", "parent_id"),
        # The landing page: the pages changed last, newest first.
        Index("ix_pages_updated_at_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id"), default=DEFAULT_SPACE_ID, server_default=str(DEFAULT_SPACE_ID)
    )
    # What the alphabetical list sorts by (slugs.sort_key of the slug); kept in step with
    # the slug by _set_sort_key below, whatever code sets the slug.
    sort_key: Mapped[str] = mapped_column(String(MAX_SORT_KEY_CHARS), default="", server_default="")
    title: Mapped[str] = mapped_column(String(255))
    # What the title looks like (textsafety.lookalike_key): a new title that looks like an
    # existing one is refused. Kept in step with the title by _set_lookalike_key below.
    lookalike_key: Mapped[str] = mapped_column(
        String(MAX_LOOKALIKE_KEY_CHARS), default="", server_default=""
    )
    # Number of the newest revision; saves lock the row and compare it (optimistic check),
    # and the unique (page_id, number) constraint backs that up in the database.
    latest_number: Mapped[int] = mapped_column(Integer, default=0)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", use_alter=True), nullable=True
    )
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The page this one sits under in its space's tree (None: at the top of the space).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"), nullable=True)
    # The nearest page, this one or an ancestor, that narrows who may read (edit) it, if
    # any: derived from the tree and page_restrictions by wiki.access.restrictions, so that
    # "which pages may this person read" stays one SQL condition on this row.
    read_scope_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    edit_scope_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    current_revision: Mapped[Revision | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True
    )
    space: Mapped[Space] = relationship(foreign_keys=[space_id])

    @property
    def current(self) -> Revision:
        """The current revision. Every saved page has one; raises LookupError for a page
        whose first revision is not written yet (only inside the transaction creating it)."""
        revision = self.current_revision
        if revision is None:
            raise LookupError(f"page {self.id} has no revision yet")
        return revision

    @validates("slug")
    def _set_sort_key(self, _key: str, slug: str) -> str:
        self.sort_key = sort_key(slug)
        return slug

    @validates("title")
    def _set_lookalike_key(self, _key: str, title: str) -> str:
        self.lookalike_key = lookalike_key(title)
        return title


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("page_id", "number", name="uq_revisions_page_id_number"),
        Index("ix_revisions_created_at", "created_at"),
        Index("ix_revisions_author_id_created_at", "author_id", "created_at"),
        # The newest revision of each kind in one index step: page views check whether any
        # page was created, renamed, deleted or undeleted since they were cached.
        Index("ix_revisions_kind_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    number: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"), nullable=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[RevisionKind] = mapped_column(
        Enum(
            RevisionKind,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    summary: Mapped[str] = mapped_column(String(500), default="")
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    # Lower-case tags joined by ", " (part of the revision: history and restore keep them).
    tags: Mapped[str] = mapped_column(Text, default="", server_default="")
    size: Mapped[int] = mapped_column(Integer)  # bytes of UTF-8 body
    size_delta: Mapped[int] = mapped_column(Integer)
    # For restores: the revision number whose text was brought back.
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The page's structured fields as of this revision (wiki.content.records.fields.Record.as_json:
    # kind, field specs, values); None for a page without fields.
    fields: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)

    page: Mapped[Page] = relationship(foreign_keys=[page_id])
    author: Mapped[User] = relationship()

    @property
    def tag_list(self) -> list[str]:
        return split_tags(self.tags)


class PageField(Base):
    """One field value of a page's current revision (derived from ``revisions.fields`` by
    the save path, like the search index: safe to rebuild), so a space's Lessons view
    filters and sorts its records in SQL."""

    __tablename__ = "page_fields"
    __table_args__ = (Index("ix_page_fields_name_folded", "name", "folded"),)

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    # Case-folded, for filters and alphabetical order; ``number`` for numeric order.
    folded: Mapped[str] = mapped_column(String(200))
    number: Mapped[float | None] = mapped_column(Float, nullable=True)


class PageAlias(Base):
    """An old slug of a renamed page: the old title keeps working as a redirect."""

    __tablename__ = "page_aliases"

    slug: Mapped[str] = mapped_column(String(255), primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))


class RenderedRevision(Base):
    """Cached HTML of a revision (derived data; safe to drop at any time)."""

    __tablename__ = "rendered_revisions"

    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), primary_key=True)
    renderer_version: Mapped[int] = mapped_column(Integer)
    # The space the text was rendered in: ``[[Title]]`` links resolve in the page's space,
    # so a rendering made in another space than the page's current one is made again.
    space_id: Mapped[int] = mapped_column(Integer, server_default=str(DEFAULT_SPACE_ID))
    html: Mapped[str] = mapped_column(Text)
    toc_html: Mapped[str] = mapped_column(Text)
    # Slugs of the [[wiki links]] in the text, one per line: missing targets are styled
    # at view time, so creating a page never invalidates other pages' cached HTML.
    wikilinks: Mapped[str] = mapped_column(Text, default="")


class PageLink(Base):
    """A ``[[wiki link]]`` in a page's current revision: the page it is in and the slug it
    leads to (the page's own slug or an old one of it, in :class:`PageAlias`, or none yet).

    Derived data, like :class:`RenderedRevision`: kept in step with the current revision by
    every save (:mod:`wiki.content.links`), rebuilt by ``wiki reindex``. Rows stay while a
    page is deleted (undeleting brings its links back); readers leave deleted pages out.
    """

    __tablename__ = "page_links"
    __table_args__ = (Index("ix_page_links_target_slug", "target_slug"),)

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    target_slug: Mapped[str] = mapped_column(String(255), primary_key=True)


class RelatedList(Base):
    """That a page's list of related pages was worked out, from which of its revisions and
    when (derived from the search index by its indexer, :mod:`wiki.search.related_lists`:
    safe to drop, worked out again). A list whose revision is not the page's current one,
    or that is older than a day, is worked out again."""

    __tablename__ = "related_lists"

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    revision_id: Mapped[int] = mapped_column(Integer)  # the page's revision as indexed
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class RelatedPage(Base):
    """One page of a page's list of related pages (derived, with :class:`RelatedList`):
    ``rank`` 1 is the most related. Pages that were deleted or that a viewer may not read
    since stay in the list; the page view leaves them out."""

    __tablename__ = "related_pages"

    page_id: Mapped[int] = mapped_column(ForeignKey("related_lists.page_id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    related_page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    score: Mapped[float] = mapped_column(Float)


class ActionItem(Base):
    """A task-list line of a page's current revision that names an owner or a due date
    (``- [ ] @alice 2026-12-31 book the elevator``; :mod:`wiki.content.records.tasks`).

    Derived data, like :class:`PageLink`: written by every save that changes the text
    (:mod:`wiki.content.records.action_items`), rebuilt by ``wiki reindex``; readers leave deleted
    pages and pages the viewer may not read out.
    """

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_owner_key_done_due", "owner_key", "done", "due"),)

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    # Its place among the text's task-list lines (ticking a box names it).
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    done: Mapped[bool] = mapped_column(Boolean)
    # The owner's username as typed, and case-folded (an account's username_key) to find
    # "my" items; None: no owner named.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    owner_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)  # None: none, or impossible
    due_text: Mapped[str | None] = mapped_column(String(10), nullable=True)  # as typed
    text: Mapped[str] = mapped_column(String(300))


class PageReview(Base):
    """Who looks after a page and when it is next to be checked: its owner (a person or a
    group; the creator at first) and how often it is reviewed. One row per page, made with
    the page (:mod:`wiki.content.records.reviews`); verifying it is recorded in :class:`ReviewLog`.
    """

    __tablename__ = "page_reviews"
    __table_args__ = (
        Index("ix_page_reviews_review_due", "review_due"),
        Index("ix_page_reviews_owner_user_id", "owner_user_id"),
        Index("ix_page_reviews_owner_group_id", "owner_group_id"),
    )

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    owner_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), nullable=True)
    # Days between reviews; None: the page is not reviewed on a schedule.
    review_every_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The day the next review falls due (the last verification, or the day the interval was
    # set, plus the interval); None without an interval.
    review_due: Mapped[date | None] = mapped_column(Date, nullable=True)

    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    owner_group: Mapped[Group | None] = relationship(foreign_keys=[owner_group_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])


class ReviewLog(Base):
    """One verification of a page: someone read it and confirmed it is still right. Kept
    apart from the revisions (the text did not change); the application only appends."""

    __tablename__ = "review_log"
    __table_args__ = (Index("ix_review_log_page_id_id", "page_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision_number: Mapped[int] = mapped_column(Integer)  # the revision that was read
    note: Mapped[str] = mapped_column(String(500), default="")

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])


class FileBlob(Base):
    """The bytes of one file content, stored once however many versions and pages hold it
    (keyed by their SHA-256). ``data`` holds them when the wiki keeps files in the database
    (the default); with ``WIKI_FILES_PATH`` they live in that folder
    (:mod:`wiki.files.storage`) and ``data`` is None. Rows are never changed once written.
    """

    __tablename__ = "file_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex
    size: Mapped[int] = mapped_column(BigInteger)
    # What the bytes are, read from them (wiki.files.kinds.sniff), never from a name.
    mime: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Deferred: listing files never loads their bytes.
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))


class Attachment(Base):
    """A file of a page, by name: its versions are :class:`AttachmentVersion` rows, the
    newest is ``current_version``. Names are unique per page, case-folded (``name_key``);
    uploading a file of the same name adds a version. Deleting is soft (``deleted``), and
    the page's id, not its title, ties the file to it: renaming or moving the page keeps
    its files and the links to them."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("page_id", "name_key", name="uq_attachments_page_id_name_key"),
        Index("ix_attachments_updated_at_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    name: Mapped[str] = mapped_column(String(255))  # wiki.files.kinds.safe_file_name
    name_key: Mapped[str] = mapped_column(String(255))  # case-folded name
    # Number of the newest version; uploads lock the row and compare it, and the unique
    # (attachment_id, number) constraint backs that up.
    latest_number: Mapped[int] = mapped_column(Integer, default=0)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachment_versions.id", use_alter=True), nullable=True
    )
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    page: Mapped[Page] = relationship(foreign_keys=[page_id])
    current_version: Mapped[AttachmentVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])

    @property
    def current(self) -> AttachmentVersion:
        """The current version. Raises LookupError inside the transaction creating the
        file, before its first version is written."""
        version = self.current_version
        if version is None:
            raise LookupError(f"file {self.id} has no version yet")
        return version


class AttachmentVersion(Base):
    """One upload (or restore) of a file: append-only, like revisions."""

    __tablename__ = "attachment_versions"
    __table_args__ = (
        UniqueConstraint(
            "attachment_id", "number", name="uq_attachment_versions_attachment_id_number"
        ),
        Index("ix_attachment_versions_blob_sha256", "blob_sha256"),
        Index("ix_attachment_versions_uploader_id_id", "uploader_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    number: Mapped[int] = mapped_column(Integer)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("file_blobs.sha256"))
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100))
    # Pixel size of an image, None for other files (and images whose header is unreadable).
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str] = mapped_column(String(500), default="")
    # For restores: the version number whose bytes were brought back.
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)

    attachment: Mapped[Attachment] = relationship(foreign_keys=[attachment_id])
    uploader: Mapped[User] = relationship(foreign_keys=[uploader_id])


class FileText(Base):
    """The text of one file content, for search (derived: safe to drop, extracted again).

    Written by the extractor outside any request (:mod:`wiki.files.texts`): ``status`` is
    "done", "unsupported", "failed" or "timeout"; ``text`` is "" unless done. While one
    process reads the file the row says "working" (``extracted_at``: since when), so that
    the other processes leave it alone; a claim older than the extraction's time limit is
    that of a process that died, and is taken over."""

    __tablename__ = "file_texts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(String(300), default="")
    extracted_at: Mapped[datetime] = mapped_column(default=utcnow)


class FileThumbnail(Base):
    """A smaller copy of an image for page views (derived: safe to drop, made again on
    the next view). ``data`` is None when the image could not be made smaller (too large
    to decode, or damaged): the original is shown, and nobody tries again."""

    __tablename__ = "file_thumbnails"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    max_side: Mapped[int] = mapped_column(Integer, primary_key=True)
    mime: Mapped[str] = mapped_column(String(100), default="")
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))


class SearchPageChange(Base):
    """A page whose search document changed without a new revision (a file uploaded,
    restored, deleted or undeleted; a file's text read): written in the same transaction
    as the change, so the search indexes of every host find it after their revision
    high-water mark (:mod:`wiki.search.indexer`). Rows older than a day are deleted
    (:func:`wiki.content.page_changes.prune_page_changes`); an index that has not caught up
    for that long is rebuilt instead."""

    __tablename__ = "search_page_changes"
    __table_args__ = (Index("ix_search_page_changes_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """One admin action (or page rename), as it happened: who, what, to what, when.

    Append-only: nothing in the application updates or deletes a row, and the database
    refuses it too (triggers made by migration 0003). ``actor_name`` and ``target`` are
    copies of the names at the time, so the log reads the same after later renames;
    ``actor_id`` is None for the command line. See :mod:`wiki.access.audit`.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_action_id", "action", "id"),
        Index("ix_audit_events_actor_id_id", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(64))
    # One of wiki.access.audit.AuditAction ("user.role", "page.rename", ...); plain text, so an
    # older release can still show the events a newer one wrote.
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(
        String(16)
    )  # "user", "page", "group", "invite", "setting"
    target: Mapped[str] = mapped_column(String(255))  # username, or page title at the time
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"), nullable=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    page: Mapped[Page | None] = relationship(foreign_keys=[page_id])


class Invite(Base):
    """A one-time sign-up link for one e-mail address, role (and later groups).

    Only a hash of the link's token is stored: the link is shown once, to the admin who
    made it. An invite is pending until it is used, revoked or past ``expires_at``.
    """

    __tablename__ = "invites"
    __table_args__ = (Index("ix_invites_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256, hex
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    # Names of the groups the new account joins (a hook: groups come with their own model).
    groups: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    used_by: Mapped[User | None] = relationship(foreign_keys=[used_by_id])


class SearchSynonyms(Base):
    """The synonym list admins edit (:mod:`wiki.search.synonym_list`): one row, id 1, while
    an edited list is in use; no row means the built-in list."""

    __tablename__ = "search_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)  # as saved: one group per line
    # Random and new on every save: each process compares it with the copy it has cached
    # (one primary-key read per search) to see another process's change.
    token: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Group(Base):
    """A named set of accounts (:mod:`wiki.access.groups`), made by admins; its managers
    add and remove members.

    ``key`` is the group's address (``/-/groups/<key>``): lower-case letters, digits and
    hyphens, unique, fixed once made; ``name`` is what people read and may change.
    """

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMember(Base):
    """One account in one group. The primary key (group, user) serves "members of a group";
    ``ix_group_members_user_id_group_id`` serves "groups of a user", which permission checks
    ask on every request, from the index alone."""

    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_user_id_group_id", "user_id", "group_id"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: added from the command line.
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AccessLevel(enum.StrEnum):
    """How far a grant on a space reaches; each level includes the ones before it."""

    READ = "read"  # read the space's pages
    EDIT = "edit"  # and create, edit, rename and move them
    ADMIN = "admin"  # and delete, restore, grant, restrict: the space's own admins


SIGNED_IN = "signed_in"
"""The subject of a grant to every signed-in (active) account."""
ANONYMOUS = "anonymous"
"""The subject of a grant to visitors who are not signed in (read only, and only while the
site lets anyone read: ``WIKI_ANONYMOUS_READ``)."""


class SpaceGrant(Base):
    """What one subject may do in one space: a group (``group:<id>``), one account
    (``user:<id>``), every signed-in account (:data:`SIGNED_IN`) or visitors
    (:data:`ANONYMOUS`). One row per subject and space, holding the highest level given.
    Changed only through :mod:`wiki.access.grants`, which audits every change."""

    __tablename__ = "space_grants"

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[AccessLevel] = mapped_column(
        Enum(
            AccessLevel,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # Set for group and user subjects, so deleting a group can find its grants.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class RestrictionKind(enum.StrEnum):
    READ = "read"
    EDIT = "edit"


class PageRestriction(Base):
    """A page (and with it its subtree) narrows reading or editing to some subjects: only
    the groups and accounts listed for a kind keep that kind of access, and only if the
    space grants it to them already (a restriction never widens). Changed only through
    :mod:`wiki.access.restrictions`, which audits every change and keeps the pages'
    ``read_scope_id`` / ``edit_scope_id`` in step."""

    __tablename__ = "page_restrictions"

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), primary_key=True)
    kind: Mapped[RestrictionKind] = mapped_column(
        Enum(
            RestrictionKind,
            native_enum=False,
            length=8,
            values_callable=lambda e: [m.value for m in e],
        ),
        primary_key=True,
    )
    subject: Mapped[str] = mapped_column(String(32), primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class ChangeEvent(Base):
    """Something people may want to hear about (for now, every new revision), written in the
    same transaction as the change itself: the outbox. The worker (``wiki worker``) turns
    each into notifications for the people it concerns and then sets ``handled_at``; a
    crash between the two only means the event is handled again, and the unique
    (user, event) of :class:`Notification` keeps that from notifying anyone twice."""

    __tablename__ = "change_events"
    __table_args__ = (
        Index("ix_change_events_handled_at_id", "handled_at", "id"),
        # An index, not a constraint: SQLite adds it without rebuilding the table.
        Index("ix_change_events_dedupe_key", "dedupe_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # A few lines of what changed, made by the worker when it handles the event.
    excerpt: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What happened (:class:`EventKind`). Reminders are not changes: they point at the
    # page's revision of the moment and have no actor.
    kind: Mapped[str] = mapped_column(String(16), default="revision", server_default="revision")
    # A reminder's subject: the action item's text (empty for a review) and its due date.
    detail: Mapped[str] = mapped_column(String(300), default="", server_default="")
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Whom an action item's reminder is for: its owner's case-folded username.
    addressee_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Makes each reminder once, whichever worker notices it first.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True)

    revision: Mapped[Revision] = relationship(foreign_keys=[revision_id])
    page: Mapped[Page] = relationship(foreign_keys=[page_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class EventKind(enum.StrEnum):
    REVISION = "revision"  # a new revision of a page
    REVIEW = "review"  # a page's review falls due soon
    OVERDUE = "overdue"  # an action item's due date has passed


class WatchTarget(enum.StrEnum):
    PAGE = "page"
    SUBTREE = "subtree"  # a page and every page under it
    SPACE = "space"
    TAG = "tag"


class Watch(Base):
    """A person follows a page, a subtree, a space or a tag. ``target_key`` names the target
    in one string ("page:12", "tag:finance") so that one unique constraint and one index
    serve every kind (NULLs would make a unique constraint over the id columns useless)."""

    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("user_id", "target_key", name="uq_watches_user_id_target_key"),
        Index("ix_watches_target_key", "target_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target: Mapped[WatchTarget] = mapped_column(
        Enum(
            WatchTarget,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    target_key: Mapped[str] = mapped_column(String(120))
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"), nullable=True)
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id"), nullable=True)
    tag: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # True when the wiki added it because the person created or edited the page.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """One person told of one event, once. ``page_id`` is kept beside the event so that
    lists and counts filter by who may read the page now (access may have changed since)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_notifications_user_id_event_id"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("change_events.id"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    # Why this person hears of it: "mention", "page", "subtree", "space" or "tag".
    reason: Mapped[str] = mapped_column(String(16))
    # What the reason names: the watched page's title, the space's name, the tag.
    reason_detail: Mapped[str] = mapped_column(String(255), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # When a message (at once or in a digest) told of it; None: not mailed (yet).
    mailed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The group's subscription it came through (reason "group"): mailed as that
    # subscription says, not as the person's own choice. None: the person's own reason.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("space_subscriptions.id"), nullable=True
    )

    event: Mapped[ChangeEvent] = relationship()


class SpaceSubscription(Base):
    """A group follows a space: each member hears of the space's changes (on the pages they
    may read), by e-mail at once or in a daily or weekly digest of the space, as the admin
    who subscribed the group chose. A member may opt out (:class:`SubscriptionOptOut`)."""

    __tablename__ = "space_subscriptions"
    __table_args__ = (
        UniqueConstraint("space_id", "group_id", name="uq_space_subscriptions_space_id_group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    # "immediate", "daily" or "weekly" (:class:`EmailFrequency`, never "off").
    frequency: Mapped[str] = mapped_column(String(16))
    # The end of the period the last digest covered; None: none sent yet.
    digest_through: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    space: Mapped[Space] = relationship()
    group: Mapped[Group] = relationship()


class SubscriptionOptOut(Base):
    """A member who chose not to hear of a space through their group's subscription."""

    __tablename__ = "subscription_opt_outs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("space_subscriptions.id"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailFrequency(enum.StrEnum):
    OFF = "off"
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class MailStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # handed to the mail server by a worker
    SENT = "sent"
    DROPPED = "dropped"  # no longer for its reader (access, address or choice changed)
    FAILED = "failed"  # given up after the last attempt


class MailMessage(Base):
    """One e-mail, composed once and kept until it is sent: the mail outbox. Its
    ``message_id`` is made when it is composed, so a retry after a crash sends the same
    Message-ID and mail systems can recognise the copy. ``page_ids`` lists the pages it
    tells of: the worker checks again, just before sending, that its reader may still read
    every one of them."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        Index("ix_mail_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    page_ids: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # A message of a group's subscription: its unsubscribe link opts out of that one.
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("space_subscriptions.id"), nullable=True
    )


class FeedToken(Base):
    """A person's feed token: the secret part of their personal feed addresses, which read
    the feeds as them without logging in (:mod:`wiki.access.feed_tokens`).

    One per account: a new token replaces the old one, revoking deletes it. Only the
    SHA-256 of the token is stored, so a copy of the database opens no feed.
    """

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256, hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Draft(Base):
    """What one person typed in the editor of one page and has not saved yet: kept on the
    server so a crash or a closed laptop loses nothing (:mod:`wiki.content.drafts`).

    One per person and page. Never a revision, and read by its author alone; saving the
    page from the editor deletes it in the same transaction, discarding deletes it. Others
    only learn that someone is editing (a draft changed in the last few minutes), by name.
    """

    __tablename__ = "drafts"
    __table_args__ = (
        UniqueConstraint("author_id", "page_id", name="uq_drafts_author_id_page_id"),
        # "Who else is editing this page": the page's drafts changed lately.
        Index("ix_drafts_page_id_updated_at", "page_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    # The revision the editing started from: a resumed draft saves (and merges) from it.
    base_number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(500), default="")
    tags: Mapped[str] = mapped_column(Text, default="")  # as typed
    # The field values as typed ({name: value}); None: the editor had no fields.
    fields: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    # Which open editor wrote it (made by the browser) and how many saves it had sent, so
    # that an older save arriving late never overwrites a newer one of the same editor.
    editor_key: Mapped[str] = mapped_column(String(40), default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
