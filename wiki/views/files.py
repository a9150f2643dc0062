"""Files of pages: the Files tab, uploads, downloads and thumbnails, versions, delete.

Downloads and thumbnails are addressed by the page's id (``/-/pages/<id>/files/<name>``),
which renaming or moving the page never changes, so links in its text keep working. Each
checks read access to the page like the page itself: a file of a page the viewer may not
read answers exactly like a file that does not exist.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestedRangeNotSatisfiable, RequestEntityTooLarge
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from wiki.access.permissions import Action, can
from wiki.access.security import FILE_CONTENT_SECURITY_POLICY
from wiki.db import get_database, get_session
from wiki.errors import InvalidInput, NotFound
from wiki.files import attachments, listing
from wiki.files.kinds import content_disposition
from wiki.files.reading import PIECE
from wiki.files.storage import BlobMissing, BlobStore, store_for
from wiki.files.thumbnails import thumbnail_of
from wiki.models import Attachment, AttachmentVersion, Page, User
from wiki.views.common import (
    acting_user,
    form_text,
    int_arg,
    int_field,
    load_page,
    require,
    visible_space,
    write_transaction,
)

bp = Blueprint("files", __name__)

# The same answer for a file that never was, a deleted one and one of a page the viewer
# may not read.
NO_SUCH_FILE = "There is no such file."

# Types a browser could run or render as a document of this site; sent as plain bytes.
_NEVER_AS_IS = ("text/html", "image/svg", "text/xml", "application/xml", "application/xhtml",
                "text/javascript", "application/javascript", "application/x-javascript")  # fmt: skip


def get_store() -> BlobStore:
    """The store this wiki's files live in (made once per application)."""
    store = current_app.extensions.get("wiki.files")
    if store is None:
        store = current_app.extensions["wiki.files"] = store_for(current_app.config["FILES_PATH"])
    return store


def _limits() -> attachments.FileLimits:
    return attachments.FileLimits(max_file_bytes=current_app.config["MAX_FILE_BYTES"])


@bp.url_value_preprocessor
def _allow_large_uploads(endpoint, _values):
    # Before the CSRF check reads the form: an upload may be larger than any other request.
    if endpoint == "files.upload":
        request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _too_large_message() -> str:
    limit = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
    each = current_app.config["MAX_FILE_BYTES"] // (1024 * 1024)
    return (
        f"That upload is too large: files may be at most {each} MB each, and {limit} MB "
        "together. Nothing was uploaded."
    )


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    get_session().rollback()
    if _wants_json():
        return jsonify(error=_too_large_message()), 413
    return render_template("error.html", status=413, title="Too large",
                           message=_too_large_message()), 413  # fmt: skip


# --------------------------------------------------------------------------- the Files tab


def _files_page(page: Page, *, errors=None, comment: str = "", status: int = 200):
    session = get_session()
    shown = listing.page_files(session, page, with_deleted=can(current_user, Action.RESTORE, page))
    return (
        render_template(
            "files.html",
            page=page,
            shown=shown,
            errors=errors or {},
            comment=comment,
            max_file_bytes=current_app.config["MAX_FILE_BYTES"],
            max_upload_bytes=current_app.config["MAX_UPLOAD_BYTES"],
        ),
        status,
    )


@bp.get("/wiki/<slug>/files")
def page_files(slug: str):
    """The page's files, with their sizes and versions, and the upload form."""
    page, via_alias = load_page(slug)
    if via_alias:
        return redirect(url_for("files.page_files", slug=page.slug))
    return _files_page(page)


@bp.post("/wiki/<slug>/files")
def upload(slug: str):
    """Add the posted files to the page (new files, or new versions of files of the same
    name); JSON for the editor's uploader, else back to the Files tab."""
    page, _via_alias = load_page(slug, Action.EDIT)
    most = current_app.config["MAX_FILE_BYTES"]
    uploads = [
        _received(sent, most)
        for sent in request.files.getlist("file")
        if sent.filename or sent.content_length
    ]
    comment = form_text("comment")
    try:
        with write_transaction() as session:
            stored = attachments.upload_files(
                session, get_store(), acting_user(), page, uploads, comment, _limits()
            )
    except InvalidInput as error:
        if _wants_json():
            return jsonify(error=" ".join(error.errors.values())), 400
        return _files_page(page, errors=error.errors, comment=comment, status=400)
    if _wants_json():
        return jsonify(files=[_described(page, item) for item in stored])
    added = [item for item in stored if item.version is not None]
    if added:
        names = ", ".join(item.attachment.name for item in added)
        flash(f"Uploaded {names}.", "success")
    else:
        flash("Those files are already here, unchanged: nothing was added.", "info")
    return redirect(url_for("files.page_files", slug=page.slug))


def _received(sent: FileStorage, most: int) -> attachments.Upload:
    """A posted file, of which one byte past the limit is enough to say it is too large:
    never more is read. The size of a larger one comes from the end of its spooled copy,
    so that the refusal can say how large it is."""
    data = sent.stream.read(most + 1)
    size = None
    if len(data) > most:
        try:
            size = sent.stream.seek(0, io.SEEK_END)
        except (OSError, ValueError):  # a stream that cannot seek: at least this much
            size = None
    return attachments.Upload(sent.filename or "", data, size)


def _described(page: Page, item: attachments.Stored) -> dict:
    file = item.attachment
    return {
        "name": file.name,
        "url": url_for("files.download", page_id=page.id, name=file.name),
        "markdown": attachments.markdown_for(file),
        "image": attachments.shown_as_picture(
            file.current.mime, file.current.width, file.current.height
        ),
        "version": file.current.number,
        "unchanged": item.version is None,
        "size": file.current.size,
    }


def _page_file(slug: str, name: str, action: Action = Action.READ) -> tuple[Page, Attachment]:
    """The page and its file ``name``; 404 when either is unknown or not for this viewer
    (a deleted file is only for those who may bring it back: the space's admins)."""
    page, _via_alias = load_page(slug)
    file = attachments.find_file(get_session(), page, name)
    if file is None or file.current_version is None:
        raise NotFound(NO_SUCH_FILE)
    if file.deleted and not can(current_user, Action.RESTORE, page):
        raise NotFound(NO_SUCH_FILE)
    require(action, page)
    return page, file


@bp.get("/wiki/<slug>/files/<name>")
def file_history(slug: str, name: str):
    """One file's versions: who uploaded each, when, its size and comment."""
    page, file = _page_file(slug, name)
    versions = attachments.file_versions(get_session(), file)
    return render_template("file.html", page=page, file=file, versions=versions)


@bp.post("/wiki/<slug>/files/<name>/restore")
def restore(slug: str, name: str):
    """Make an old version current again, as a new version (space admins)."""
    page, file = _page_file(slug, name, Action.RESTORE)
    number = int_field("version")
    if number is None:
        raise NotFound(NO_SUCH_FILE)
    try:
        with write_transaction() as session:
            version = attachments.restore_version(session, acting_user(), file, number)
    except InvalidInput as error:
        flash(" ".join(error.errors.values()), "error")
    else:
        flash(f"Version {number} of {file.name} is current again, as version {version.number}.",
              "success")  # fmt: skip
    return redirect(url_for("files.file_history", slug=page.slug, name=file.name))


@bp.post("/wiki/<slug>/files/<name>/delete")
def delete(slug: str, name: str):
    """Hide a file from the page (its versions stay; admins may undelete it)."""
    page, file = _page_file(slug, name, Action.EDIT)
    return _change(
        page, file, attachments.delete_file, f"Deleted {file.name}. An admin can undelete it."
    )


@bp.post("/wiki/<slug>/files/<name>/undelete")
def undelete(slug: str, name: str):
    """Bring a deleted file back (space admins)."""
    page, file = _page_file(slug, name, Action.RESTORE)
    return _change(page, file, attachments.undelete_file, f"{file.name} is back.")


def _change(
    page: Page, file: Attachment, run: Callable[[Session, User, Attachment], None], done: str
):
    """Run ``run(session, author, file)``, say how it went, and go back to the Files tab."""
    try:
        with write_transaction() as session:
            run(session, acting_user(), file)
    except InvalidInput as error:
        flash(" ".join(error.errors.values()), "error")
    else:
        flash(done, "success")
    return redirect(url_for("files.page_files", slug=page.slug))


# --------------------------------------------------------------------------- bytes


def _readable_file(page_id: int, name: str) -> tuple[Page, Attachment]:
    """The page ``page_id``'s file ``name`` if the viewer may read both; 404 otherwise,
    the same for a page that does not exist and one the viewer may not read."""
    require(Action.READ)
    session = get_session()
    page = session.get(Page, page_id)
    if page is None or not can(current_user, Action.READ, page):
        raise NotFound(NO_SUCH_FILE)
    file = attachments.find_file(session, page, name)
    if file is None or file.current_version is None:
        raise NotFound(NO_SUCH_FILE)
    if file.deleted and not can(current_user, Action.RESTORE, page):
        raise NotFound(NO_SUCH_FILE)
    return page, file


def _send(
    version: AttachmentVersion, name: str, data: bytes | None = None, mime: str = ""
) -> Response:
    """The bytes of ``version`` (or ``data``, a thumbnail of it) with headers that keep a
    browser from running them: only readable images of the allowed types go inline."""
    inline = attachments.shown_as_picture(version.mime, version.width, version.height)
    sent_type = mime or version.mime
    if not inline and (sent_type.startswith(_NEVER_AS_IS) or sent_type.startswith("text/")):
        # Text is sent as bytes too: a browser told "text/plain" may still guess HTML.
        sent_type = "application/octet-stream"
    source: BinaryIO
    if data is not None:
        source, size = io.BytesIO(data), len(data)
    else:
        try:
            source = get_store().open(get_session(), version.blob_sha256, version.size)
        except BlobMissing:
            current_app.logger.error(
                "the bytes of file content %s are missing", version.blob_sha256
            )
            raise NotFound(NO_SUCH_FILE) from None
        size = version.size
    # gunicorn sends a real file with sendfile(); other files are read a piece at a time.
    response = Response(
        wrap_file(request.environ, source, buffer_size=PIECE),
        mimetype=sent_type,
        direct_passthrough=True,
    )
    response.content_length = size
    response.last_modified = version.created_at
    response.set_etag(f"{version.blob_sha256}{'-t' if data is not None else ''}")
    try:
        response = response.make_conditional(
            request.environ, accept_ranges=True, complete_length=size
        )
    except RequestedRangeNotSatisfiable:
        source.close()
        raise
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", name
    )
    # Access may change: the browser asks again each time (a 304 when unchanged).
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = FILE_CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/-/pages/<int:page_id>/files/<path:name>")
def download(page_id: int, name: str):
    """A file's current version, or the one ``?version=N`` names."""
    _page, file = _readable_file(page_id, name)
    version = file.current
    number = int_arg("version")
    if number is not None:
        try:
            version = attachments.get_version(get_session(), file, number)
        except NotFound:
            raise NotFound(NO_SUCH_FILE) from None
    return _send(version, file.name)


@bp.get("/-/pages/<int:page_id>/thumbs/<path:name>")
def thumbnail(page_id: int, name: str):
    """A picture as pages show it: a smaller copy of a large image, the image itself
    otherwise; 404 for anything that is not a picture that can be shown."""
    _page, file = _readable_file(page_id, name)
    version = file.current
    if not attachments.shown_as_picture(version.mime, version.width, version.height):
        raise NotFound(NO_SUCH_FILE)
    shown = thumbnail_of(get_session(), get_store(), version, get_database())
    if shown.rejected:
        raise NotFound(NO_SUCH_FILE)
    return _send(version, file.name, shown.data, shown.mime if shown.data is not None else "")


# --------------------------------------------------------------------------- lists


@bp.get("/-/spaces/<key>/files")
def space_files(key: str):
    """The files of the space's pages that the viewer may read, and their total size."""
    space = visible_space(key)
    shown = listing.space_files(get_session(), current_user._get_current_object(), space)
    return render_template("space_files.html", space=space, shown=shown)


@bp.get("/-/admin/storage")
def storage():
    """What files take on disk or in the database, for site admins."""
    require(Action.VIEW_STORAGE)
    return render_template(
        "admin_storage.html",
        use=listing.storage_use(get_session()),
        files_path=current_app.config["FILES_PATH"],
    )
