"""Files on pages, as people use them: upload (the form and the editor's JSON), versions,
restore, delete and undelete, downloads that only readers of the page get, served so that
nothing in a file can run, thumbnails, lists and limits."""

from __future__ import annotations

import io
import random
import re

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from tests.conftest import PASSWORD
from tests.helpers import attach, edit, make_page
from wiki.access import audit
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, rename_page
from wiki.files.reading import PIECE, DatabaseContentReader, open_in_pieces
from wiki.models import Attachment, AttachmentVersion, AuditEvent, FileBlob

JSON = {"Accept": "application/json"}


def png(width=40, height=30, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def upload(client, slug, *files, comment="", headers=None):
    data = {"file": [(io.BytesIO(content), name) for name, content in files], "comment": comment}
    return client.post(
        f"/wiki/{slug}/files", data=data, content_type="multipart/form-data", headers=headers
    )


@pytest.fixture
def page(db_session, users):
    made = make_page(db_session, users["editor"], "Forklift incident", "See the photos.\n")
    db_session.commit()
    return made


def versions_of(db_session, page_id, name):
    db_session.rollback()
    file = db_session.scalars(
        select(Attachment).where(Attachment.page_id == page_id, Attachment.name == name)
    ).one()
    return file, db_session.scalars(
        select(AttachmentVersion)
        .where(AttachmentVersion.attachment_id == file.id)
        .order_by(AttachmentVersion.number)
    ).all()


def test_an_editor_uploads_a_picture_and_readers_see_it_inline(client, auth, page, db_session):
    auth.login("editor")
    picture = png()
    answer = upload(client, page.slug, ("crash site.png", picture), comment="From the camera")
    assert answer.status_code == 302
    listed = client.get(f"/wiki/{page.slug}/files").get_data(as_text=True)
    assert "crash site.png" in listed and "From the camera" in listed
    auth.logout()
    auth.login("reader")
    got = client.get(f"/-/pages/{page.id}/files/crash%20site.png")
    assert got.status_code == 200 and got.data == picture
    assert got.mimetype == "image/png"
    assert got.headers["Content-Disposition"].startswith("inline")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert got.headers["Cache-Control"] == "private, no-cache"
    file, versions = versions_of(db_session, page.id, "crash site.png")
    assert [(v.number, v.width, v.height, v.comment) for v in versions] == [
        (1, 40, 30, "From the camera")
    ]


def test_the_editor_uploader_gets_the_markdown_to_insert(client, auth, page):
    auth.login("editor")
    answer = upload(
        client,
        page.slug,
        ("plan [v2].png", png()),
        ("notes.pdf", b"%PDF-1.4\n%%EOF\n"),
        headers=JSON,
    )
    assert answer.status_code == 200
    files = {item["name"]: item for item in answer.get_json()["files"]}
    assert (
        files["plan [v2].png"]["markdown"] == "![plan \\[v2\\].png](attachment:plan%20%5Bv2%5D.png)"
    )
    assert files["plan [v2].png"]["image"] is True
    assert files["notes.pdf"]["markdown"] == "[notes.pdf](attachment:notes.pdf)"
    assert files["notes.pdf"]["url"] == f"/-/pages/{page.id}/files/notes.pdf"


def test_a_page_shows_its_pictures_as_thumbnails_linking_to_the_original(
    client, auth, page, db_session, users
):
    auth.login("editor")
    upload(client, page.slug, ("wide.png", png(2000, 1000)), ("small.png", png(20, 20)))
    edit(
        db_session,
        users["editor"],
        page,
        "![Wide view](attachment:wide.png) ![](attachment:small.png)\n",
    )
    db_session.commit()
    html = client.get(f"/wiki/{page.slug}").get_data(as_text=True)
    thumb = f"/-/pages/{page.id}/thumbs/wide.png"
    assert f'<a href="/-/pages/{page.id}/files/wide.png" class="file-image"' in html
    assert f'src="{thumb}"' in html and 'loading="lazy"' in html
    small = client.get(thumb)
    assert small.status_code == 200
    shown = Image.open(io.BytesIO(small.data))
    assert max(shown.size) == 800 and shown.size[0] == 2 * shown.size[1]
    again = client.get(thumb)  # kept: the same bytes, without making it again
    assert again.data == small.data
    original = client.get(f"/-/pages/{page.id}/thumbs/small.png")
    assert Image.open(io.BytesIO(original.data)).size == (20, 20)


def test_a_page_whose_first_text_shows_its_files_shows_them_once_uploaded(
    client, auth, db_session, users
):
    """The first revision is rendered before the page has an id: its links to the page's
    own files are rendered again once it has one (they are kept with the revision)."""
    made = make_page(
        db_session,
        users["editor"],
        "Dock plan",
        "![Plan](attachment:plan.png) [Notes](attachment:notes.txt)\n",
    )
    auth.login("editor")
    upload(client, made.slug, ("plan.png", png(30, 20)), ("notes.txt", b"n"))
    html = client.get(f"/wiki/{made.slug}").get_data(as_text=True)
    assert f'src="/-/pages/{made.id}/thumbs/plan.png"' in html
    assert f'href="/-/pages/{made.id}/files/notes.txt"' in html


def test_the_same_name_adds_a_version_and_unchanged_bytes_add_nothing(
    client, auth, page, db_session
):
    auth.login("editor")
    upload(client, page.slug, ("report.csv", b"a,b\n1,2\n"))
    upload(client, page.slug, ("Report.csv", b"a,b\n1,3\n"), comment="fixed a figure")
    answer = upload(client, page.slug, ("report.csv", b"a,b\n1,3\n"))
    assert answer.status_code == 302
    file, versions = versions_of(db_session, page.id, "report.csv")
    assert [v.number for v in versions] == [1, 2] and file.latest_number == 2
    assert client.get(f"/-/pages/{page.id}/files/report.csv").data == b"a,b\n1,3\n"
    assert client.get(f"/-/pages/{page.id}/files/report.csv?version=1").data == b"a,b\n1,2\n"
    assert client.get(f"/-/pages/{page.id}/files/report.csv?version=9").status_code == 404
    history = client.get(f"/wiki/{page.slug}/files/{file.name}").get_data(as_text=True)
    assert "fixed a figure" in history


def test_contents_are_stored_once(client, auth, page, db_session, users):
    other = make_page(db_session, users["editor"], "Other incident", "x\n")
    db_session.commit()
    auth.login("editor")
    upload(client, page.slug, ("a.txt", b"the same words\n"))
    upload(client, other.slug, ("b.txt", b"the same words\n"))
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(FileBlob)) == 1
    assert db_session.scalar(select(func.count()).select_from(AttachmentVersion)) == 2


def test_an_admin_restores_an_old_version_as_a_new_one(client, auth, page, db_session):
    auth.login("editor")
    upload(client, page.slug, ("map.txt", b"old map\n"))
    upload(client, page.slug, ("map.txt", b"new map\n"))
    file, _ = versions_of(db_session, page.id, "map.txt")
    assert (
        client.post(
            f"/wiki/{page.slug}/files/{file.name}/restore", data={"version": "1"}
        ).status_code
        == 403
    )
    auth.logout()
    auth.login("admin")
    answer = client.post(f"/wiki/{page.slug}/files/{file.name}/restore", data={"version": "1"})
    assert answer.status_code == 302
    file, versions = versions_of(db_session, page.id, "map.txt")
    assert [(v.number, v.restored_from, v.comment) for v in versions][-1] == (
        3,
        1,
        "Restored version 1",
    )
    assert client.get(f"/-/pages/{page.id}/files/map.txt").data == b"old map\n"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "file.restore")).one()
    assert event.details == {"file": "map.txt", "version": 1} and event.page_id == page.id
    assert "version 1 restored" in audit.describe(event)


def test_deleting_hides_a_file_until_an_admin_brings_it_back(client, auth, page, db_session):
    auth.login("editor")
    upload(client, page.slug, ("old.txt", b"words\n"))
    file, _ = versions_of(db_session, page.id, "old.txt")
    assert client.post(f"/wiki/{page.slug}/files/{file.name}/delete").status_code == 302
    missing = client.get(f"/-/pages/{page.id}/files/old.txt")
    never = client.get(f"/-/pages/{page.id}/files/never.txt")
    assert missing.status_code == never.status_code == 404
    assert "old.txt" not in client.get(f"/wiki/{page.slug}/files").get_data(as_text=True)
    assert client.post(f"/wiki/{page.slug}/files/{file.name}/undelete").status_code == 404
    auth.logout()
    auth.login("admin")
    listed = client.get(f"/wiki/{page.slug}/files").get_data(as_text=True)
    assert "old.txt" in listed and "deleted" in listed
    assert client.post(f"/wiki/{page.slug}/files/{file.name}/undelete").status_code == 302
    auth.logout()
    auth.login("reader")
    assert client.get(f"/-/pages/{page.id}/files/old.txt").data == b"words\n"


def test_a_file_of_a_page_nobody_may_read_answers_like_a_missing_one(
    client, auth, db_session, users
):
    secret_space = spaces.create_space(
        db_session, users["admin"], "hr", "HR", open_to_signed_in=False
    )
    secret = create_page(
        db_session,
        users["admin"],
        "Salaries",
        "![](attachment:grid.png)\n",
        "",
        Limits(),
        space=secret_space,
    ).page
    db_session.commit()
    auth.login("admin")
    upload(client, secret.slug, ("grid.png", png()))
    auth.logout()
    auth.login("editor")
    hidden = [
        client.get(f"/-/pages/{secret.id}/files/grid.png"),
        client.get(f"/-/pages/{secret.id}/thumbs/grid.png"),
        client.get(f"/wiki/{secret.slug}/files"),
    ]
    missing = [
        client.get("/-/pages/999999/files/grid.png"),
        client.get("/-/pages/999999/thumbs/grid.png"),
        client.get("/wiki/hr:nothing-here/files"),
    ]
    tokens = re.compile(rb'name="csrf_token" value="[^"]*"')  # new in every answer
    for got, never in zip(hidden, missing, strict=True):
        assert got.status_code == never.status_code == 404
        assert tokens.sub(b"", got.data) == tokens.sub(b"", never.data)
    assert upload(client, secret.slug, ("x.txt", b"x")).status_code == 404
    assert client.get("/-/spaces/hr/files").status_code == 404


@pytest.mark.parametrize(
    "name, content",
    [
        ("page.html", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("photo.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"),
        ("notes.txt", b"<script>alert(1)</script>"),
    ],
)
def test_nothing_but_pictures_is_ever_shown_by_the_browser(client, auth, page, name, content):
    auth.login("editor")
    upload(client, page.slug, (name, content))
    got = client.get(f"/-/pages/{page.id}/files/{name}")
    assert got.status_code == 200 and got.data == content
    assert got.mimetype == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert client.get(f"/-/pages/{page.id}/thumbs/{name}").status_code == 404


def test_names_are_cleaned_for_storage_and_for_the_header(client, auth, page, db_session):
    auth.login("editor")
    upload(client, page.slug, ("../../etc/passwd", b"root\n"), ("invoice\u202egnp.exe", b"MZ"))
    db_session.rollback()
    names = set(db_session.scalars(select(Attachment.name)))
    assert "passwd" in names and not any("/" in n or "\u202e" in n for n in names)
    exe = next(n for n in names if n.startswith("invoice"))
    got = client.get(f"/-/pages/{page.id}/files/{exe}")
    header = got.headers["Content-Disposition"]
    assert header.startswith("attachment") and "\u202e" not in header and "\n" not in header


def test_ranges_and_conditional_requests(client, auth, page):
    auth.login("editor")
    content = bytes(range(256)) * 100
    upload(client, page.slug, ("data.bin", content))
    url = f"/-/pages/{page.id}/files/data.bin"
    whole = client.get(url)
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == content[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(content)}"
    same = client.get(url, headers={"If-None-Match": whole.headers["ETag"]})
    assert same.status_code == 304 and same.data == b""


def test_a_large_file_kept_in_the_database_is_sent_a_piece_at_a_time(
    client, auth, page, db_session, users, monkeypatch
):
    reads: list[int] = []
    read = DatabaseContentReader._read
    monkeypatch.setattr(
        DatabaseContentReader,
        "_read",
        lambda self, offset, length: reads.append(length) or read(self, offset, length),
    )
    content = random.Random(14).randbytes(5 * PIECE + 123)  # past the size read at once
    attach(db_session, users["editor"], page, "recording.bin", content)
    auth.login("reader")
    url = f"/-/pages/{page.id}/files/recording.bin"
    with client.get(url, buffered=False) as whole:
        assert whole.status_code == 200
        assert whole.headers["Content-Length"] == str(len(content))
        assert b"".join(whole.response) == content
    # Never the whole content from the database at once.
    assert len(reads) == 6 and max(reads) == PIECE
    across = f"bytes={PIECE - 10}-{3 * PIECE + 9}"  # crosses two piece boundaries
    with client.get(url, headers={"Range": across}) as part:
        assert part.status_code == 206 and part.data == content[PIECE - 10 : 3 * PIECE + 10]
    with client.get(url, headers={"Range": "bytes=-5"}) as tail:
        assert tail.status_code == 206 and tail.data == content[-5:]
    with client.get(url, headers={"Range": f"bytes={len(content) + 1}-"}) as beyond:
        assert beyond.status_code == 416


def test_a_large_content_whose_bytes_are_gone_answers_like_a_missing_file(
    client, auth, page, db_session, users
):
    attach(db_session, users["editor"], page, "big.bin", bytes(5 * PIECE))
    auth.login("reader")
    db_session.execute(update(FileBlob).values(data=None))
    db_session.commit()
    missing = client.get(f"/-/pages/{page.id}/files/big.bin")
    assert missing.status_code == 404 and b"There is no such file." in missing.data


def test_reading_a_stored_content_in_pieces_seeks_and_stops_at_its_end(db_session, page, users):
    content = random.Random(7).randbytes(2 * PIECE + 1)
    attach(db_session, users["editor"], page, "x.bin", content)
    blob = db_session.scalars(select(FileBlob)).one()
    with open_in_pieces(db_session.get_bind(), blob.sha256, blob.size) as reader:
        assert reader.read(3) == content[:3]
        reader.seek(PIECE - 1)
        assert reader.read(2) == content[PIECE - 1 : PIECE + 1]
        reader.seek(-1, io.SEEK_END)
        assert reader.read() == content[-1:] and reader.read() == b""
        reader.seek(0)
        assert reader.read() == content


def test_a_file_too_large_is_refused_with_a_message_and_nothing_is_stored(
    more_apps, users, db_session
):
    app = more_apps(MAX_FILE_BYTES=1000, MAX_UPLOAD_BYTES=100_000)
    page = make_page(db_session, users["editor"], "Limits", "x\n")
    db_session.commit()
    client = app.test_client()
    client.post("/-/login", data={"username": "editor", "password": PASSWORD})
    answer = upload(client, page.slug, ("ok.txt", b"fine"), ("big.bin", b"x" * 1001))
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert "big.bin" in text and "Nothing was uploaded" in text
    as_json = upload(client, page.slug, ("big.bin", b"x" * 5000), headers=JSON)
    assert as_json.status_code == 400
    # Only the first 1001 bytes were read, yet the whole file's size is told.
    assert as_json.get_json()["error"] == (
        "“big.bin” is 5 KB; files may be at most 1000 bytes. Nothing was uploaded."
    )
    huge = upload(client, page.slug, ("huge.bin", b"x" * 200_000), headers=JSON)
    assert huge.status_code == 413 and "too large" in huge.get_json()["error"]
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert db_session.scalar(select(func.count()).select_from(FileBlob)) == 0


def test_renaming_a_page_keeps_its_files_and_the_links_to_them(
    client, auth, page, db_session, users
):
    auth.login("editor")
    upload(client, page.slug, ("photo.png", png()))
    rename_page(db_session, users["editor"], page, "Forklift incident 2026", "", Limits())
    db_session.commit()
    assert client.get(f"/-/pages/{page.id}/files/photo.png").status_code == 200
    assert "photo.png" in client.get("/wiki/forklift-incident-2026/files").get_data(as_text=True)


def test_files_in_a_folder_instead_of_the_database(more_apps, users, db_session, tmp_path):
    folder = tmp_path / "files"
    app = more_apps(FILES_PATH=str(folder))
    page = make_page(db_session, users["editor"], "Folder", "x\n")
    db_session.commit()
    client = app.test_client()
    client.post("/-/login", data={"username": "editor", "password": PASSWORD})
    upload(client, page.slug, ("a.txt", b"kept in a folder\n"))
    db_session.rollback()
    blob = db_session.scalars(select(FileBlob)).one()
    assert blob.data is None
    assert (folder / blob.sha256[:2] / blob.sha256).read_bytes() == b"kept in a folder\n"
    # Sent from the file (the test client leaves it open until the response is closed).
    with client.get(f"/-/pages/{page.id}/files/a.txt") as whole:
        assert whole.data == b"kept in a folder\n"
    with client.get(f"/-/pages/{page.id}/files/a.txt", headers={"Range": "bytes=0-3"}) as part:
        assert part.status_code == 206 and part.data == b"kept"


def test_space_lists_and_storage_use(client, auth, page, db_session, users):
    auth.login("editor")
    upload(client, page.slug, ("a.txt", b"12345"), ("b.txt", b"123"))
    listed = client.get("/-/spaces/main/files").get_data(as_text=True)
    assert "a.txt" in listed and "b.txt" in listed and "8 bytes" in listed
    assert client.get("/-/admin/storage").status_code == 403
    auth.logout()
    auth.login("admin")
    storage = client.get("/-/admin/storage").get_data(as_text=True)
    assert re.search(r"8 bytes in 2", storage)


def test_uploads_need_the_form_token(more_apps, users, db_session):
    app = more_apps(WTF_CSRF_ENABLED=True)
    page = make_page(db_session, users["editor"], "Tokens", "x\n")
    db_session.commit()
    client = app.test_client()
    login_form = client.get("/-/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_form).group(1)
    client.post("/-/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token})
    refused = upload(client, page.slug, ("a.txt", b"x"))
    assert refused.status_code == 400
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_hostile_files_uploaded_through_the_wiki_are_kept_but_never_run_or_decoded(
    client, auth, page, db_session, users
):
    from tests.files import corpus

    auth.login("editor")
    hostile = {
        "bomb.png": corpus.png_declaring(60_000, 60_000),
        "report.docx": corpus.docx_bomb(5),
        "drawing.pdf": corpus.pdf_with_endless_drawing(1),
        "polyglot.gif": b"GIF89a/*\x00\x00*/=alert(1)//<script>alert(1)</script>",
    }
    answer = upload(client, page.slug, *hostile.items(), headers=JSON)
    assert answer.status_code == 200
    for name, content in hostile.items():
        got = client.get(f"/-/pages/{page.id}/files/{name}")
        assert got.status_code == 200 and got.data == content, name
        assert got.headers["Content-Disposition"].startswith("attachment"), name
        assert not got.mimetype.startswith(("text/", "image/svg")), name
        assert client.get(f"/-/pages/{page.id}/thumbs/{name}").status_code == 404, name
    edit(db_session, users["editor"], page, "![](attachment:bomb.png)\n")
    assert client.get(f"/wiki/{page.slug}").status_code == 200
