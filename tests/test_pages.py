"""Creating, reading, editing, renaming, deleting pages through the browser's forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from wiki.access import audit
from wiki.models import Page, Revision, RevisionKind

from .helpers import make_page, snapshot


def revisions_of(db_session, page_id):
    db_session.rollback()
    return list(
        db_session.scalars(
            select(Revision).where(Revision.page_id == page_id).order_by(Revision.number)
        )
    )


def test_an_editor_creates_a_page_with_a_free_text_title(client, auth, db_session):
    auth.login("editor")
    response = client.post(
        "/-/new",
        data={
            "title": "Lessons learned: 2024 office move",
            "body": "# Move\n\nLabel **every** box.",
            "summary": "notes",
        },
    )
    assert response.status_code == 302
    assert response.location == "/wiki/lessons-learned-2024-office-move"
    page = client.get(response.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<h1 dir="auto">Lessons learned: 2024 office move</h1>' in html
    assert "<strong>every</strong>" in html
    assert "Last edited by" in html and "editor" in html
    [revision] = revisions_of(db_session, db_session.scalar(select(Page.id)))
    assert (revision.number, revision.kind, revision.summary) == (1, RevisionKind.CREATE, "notes")
    assert revision.size == len(b"# Move\n\nLabel **every** box.")


def test_a_missing_page_offers_editors_to_create_it(client, auth):
    auth.login("editor")
    response = client.get("/wiki/onboarding-checklist")
    assert response.status_code == 404
    assert "Create this page" in response.get_data(as_text=True)
    assert "/-/new?title=Onboarding+checklist" in response.get_data(as_text=True)


def test_a_missing_page_offers_readers_nothing_to_create(client, auth):
    auth.login("reader")
    response = client.get("/wiki/onboarding-checklist")
    assert response.status_code == 404
    assert "Create this page" not in response.get_data(as_text=True)


def test_a_duplicate_title_is_refused_and_the_text_comes_back(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Office move")
    auth.login("editor")
    response = client.post(
        "/-/new", data={"title": "office   MOVE", "body": "my long text", "summary": ""}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "already exists" in html
    assert "my long text" in html


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "Give the page a title"),
        ("   ", "Give the page a title"),
        ("x" * 201, "at most 200 characters"),
        ("Bad\x07title", "control characters"),
        ("!!!", "at least one letter or digit"),
    ],
)
def test_bad_titles_get_a_clear_message_and_keep_the_text(client, auth, title, message):
    auth.login("editor")
    response = client.post("/-/new", data={"title": title, "body": "precious words", "summary": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert "precious words" in html


def test_a_body_over_the_size_limit_is_refused_with_the_text_kept(app, client, auth):
    app.config["MAX_PAGE_BYTES"] = 1000
    auth.login("editor")
    body = "é" * 600  # 1,200 bytes
    response = client.post("/-/new", data={"title": "Big", "body": body, "summary": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "at most 1,000 bytes" in html
    assert body in html


def test_a_body_with_a_nul_byte_is_refused_with_the_text_kept(client, auth):
    auth.login("editor")
    response = client.post(
        "/-/new", data={"title": "Nul", "body": "before\x00after", "summary": ""}
    )
    assert response.status_code == 400
    assert "U+0000" in response.get_data(as_text=True)
    assert "before" in response.get_data(as_text=True)


def test_raw_utf8_bytes_from_a_non_browser_client_are_accepted(client, auth):
    auth.login("editor")
    response = client.post(
        "/-/new",
        data="title=Café&body=naïve+text&summary=".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    assert "naïve text" in client.get(response.location).get_data(as_text=True)


def test_invalid_utf8_in_a_form_is_refused_with_a_message(client, auth):
    auth.login("editor")
    response = client.post(
        "/-/new",
        data=b"title=Broken&body=caf%E9+%FF%FE&summary=",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
    raw = client.post(
        "/-/new",
        data=b"title=Broken&body=caf\xe9&summary=",
        content_type="application/x-www-form-urlencoded",
    )
    assert raw.status_code == 400
    assert "not valid UTF-8" in raw.get_data(as_text=True)


def test_preview_renders_without_saving(client, auth, db_session):
    auth.login("editor")
    response = client.post(
        "/-/new",
        data={"title": "Draft", "body": "*draft* text", "summary": "", "action": "preview"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<em>draft</em>" in html
    assert "*draft* text" in html  # still in the text area
    assert db_session.scalar(select(func.count(Page.id))) == 0


def test_live_preview_endpoint_uses_the_same_pipeline(client, auth):
    auth.login("editor")
    response = client.post("/-/preview", data={"body": "<script>alert(1)</script> **b**"})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<strong>b</strong>" in html
    assert "<script>" not in html


def test_editing_appends_a_revision_with_summary_and_size_change(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "Short.\n")
    auth.login("editor")
    response = client.post(
        "/wiki/travel/edit",
        data={"body": "Short, but longer now.\n", "summary": "expand", "base": "1"},
    )
    assert response.status_code == 302
    first, second = revisions_of(db_session, page.id)
    assert first.body == "Short.\n"  # history is kept as it was
    assert (second.number, second.parent_id, second.summary) == (2, first.id, "expand")
    assert second.size_delta == len("Short, but longer now.\n") - len("Short.\n")
    assert "Short, but longer now." in client.get("/wiki/travel").get_data(as_text=True)


def test_saving_an_unchanged_text_creates_no_revision(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "Same.\n")
    auth.login("editor")
    response = client.post(
        "/wiki/travel/edit", data={"body": "Same.\n", "summary": "", "base": "1"}
    )
    assert response.status_code == 302
    assert len(revisions_of(db_session, page.id)) == 1
    assert "No changes to save" in client.get("/wiki/travel").get_data(as_text=True)


def test_windows_line_endings_are_normalised(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Travel", "a\nb\n")
    auth.login("editor")
    client.post("/wiki/travel/edit", data={"body": "a\r\nb\r\n", "summary": "", "base": "1"})
    assert len(revisions_of(db_session, page.id)) == 1


def test_a_leading_byte_order_mark_is_dropped_and_the_first_heading_kept(client, auth, db_session):
    auth.login("editor")
    body = "\ufeff# Packing list\n\nTape, boxes.\n"
    response = client.post("/-/new", data={"title": "Move", "body": body, "summary": ""})
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert '<h1 id="user-content-packing-list">Packing list <a href=' in html
    [revision] = revisions_of(db_session, db_session.scalar(select(Page.id)))
    assert revision.body == "# Packing list\n\nTape, boxes.\n"
    # The same text pasted again with its mark is no change.
    client.post("/wiki/move/edit", data={"body": body, "summary": "", "base": "1"})
    assert len(revisions_of(db_session, revision.page_id)) == 1


def test_an_edit_with_a_bad_body_shows_the_form_again_with_the_text(
    client, auth, db_session, users
):
    make_page(db_session, users["editor"], "Travel", "ok\n")
    auth.login("editor")
    response = client.post(
        "/wiki/travel/edit", data={"body": "keep me\x01", "summary": "s", "base": "1"}
    )
    assert response.status_code == 400
    assert "keep me" in response.get_data(as_text=True)


def test_a_renamed_page_keeps_its_old_title_as_a_redirect(client, auth, db_session, users):
    page = make_page(db_session, users["editor"], "Office move 2024", "text\n")
    auth.login("editor")
    response = client.post(
        "/wiki/office-move-2024/rename", data={"title": "Office move 2024 (Berlin)", "summary": ""}
    )
    assert response.status_code == 302
    assert response.location == "/wiki/office-move-2024-berlin"
    old = client.get("/wiki/office-move-2024")
    assert old.status_code == 302 and old.location == "/wiki/office-move-2024-berlin"
    assert (
        client.get("/wiki/office-move-2024/history").location
        == "/wiki/office-move-2024-berlin/history"
    )
    revisions = revisions_of(db_session, page.id)
    assert [r.kind for r in revisions] == [RevisionKind.CREATE, RevisionKind.RENAME]
    assert revisions[-1].title == "Office move 2024 (Berlin)" and revisions[-1].body == "text\n"
    assert revisions[-1].summary == "Renamed from Office move 2024"


def test_a_rename_that_fails_half_way_saves_nothing(
    app, client, auth, db_session, users, monkeypatch
):
    make_page(db_session, users["editor"], "Office move 2024", "text\n")
    before = snapshot(app)
    auth.login("editor")

    def audit_log_unavailable(*args, **kwargs):
        raise RuntimeError("the audit log cannot be written")

    # The rename revision and the alias are written; then the audit event fails.
    monkeypatch.setattr(audit, "record", audit_log_unavailable)
    with pytest.raises(RuntimeError, match="audit log"):
        client.post("/wiki/office-move-2024/rename", data={"title": "Office move (Berlin)"})
    monkeypatch.undo()
    assert snapshot(app) == before
    assert client.get("/wiki/office-move-2024").status_code == 200
    assert client.get("/wiki/office-move-berlin").status_code == 404


def test_renaming_back_to_an_old_title_works(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Alpha", "text\n")
    auth.login("editor")
    client.post("/wiki/alpha/rename", data={"title": "Beta", "summary": ""})
    client.post("/wiki/beta/rename", data={"title": "Alpha", "summary": ""})
    assert client.get("/wiki/alpha").status_code == 200
    assert client.get("/wiki/beta").location == "/wiki/alpha"


def test_renaming_onto_another_page_is_refused(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Alpha", "a\n")
    make_page(db_session, users["editor"], "Beta", "b\n")
    auth.login("editor")
    response = client.post("/wiki/alpha/rename", data={"title": "beta", "summary": ""})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_a_page_created_at_an_old_title_wins_over_the_redirect(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Alpha", "a\n")
    auth.login("editor")
    client.post("/wiki/alpha/rename", data={"title": "Gamma", "summary": ""})
    client.post("/-/new", data={"title": "Alpha", "body": "new alpha\n", "summary": ""})
    assert "new alpha" in client.get("/wiki/alpha").get_data(as_text=True)


def test_deleting_hides_the_page_and_keeps_history_and_undelete_brings_it_back(
    client, auth, db_session, users
):
    page = make_page(db_session, users["editor"], "Old process", "how we did it\n")
    auth.login("admin")
    assert client.post("/wiki/old-process/delete", data={"summary": "obsolete"}).status_code == 302
    auth.logout()
    auth.login("editor")
    # Exactly the friendly screen of a page that never existed, naming the title.
    hidden, never = client.get("/wiki/old-process"), client.get("/wiki/old-prozess")
    assert hidden.status_code == never.status_code == 404
    # (The form tokens carry the second they were made in.)
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert token.sub("", hidden.get_data(as_text=True)).replace("process", "prozess") == (
        token.sub("", never.get_data(as_text=True))
    )
    assert "There is no page “<bdi>Old process</bdi>” yet" in hidden.get_data(as_text=True)
    assert client.get("/wiki/old-process/history").status_code == 404
    assert "Old process" not in client.get("/-/recent").get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    shown = client.get("/wiki/old-process")
    notice = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "This page was deleted by <bdi>admin</bdi> on <time" in notice
    assert "(“<bdi>obsolete</bdi>”)" in notice
    assert 'href="/wiki/old-process/undelete">Undelete it</a>' in notice
    assert client.post("/wiki/old-process/undelete", data={"summary": ""}).status_code == 302
    kinds = [r.kind for r in revisions_of(db_session, page.id)]
    assert kinds == [RevisionKind.CREATE, RevisionKind.DELETE, RevisionKind.UNDELETE]
    auth.logout()
    auth.login("editor")
    assert "how we did it" in client.get("/wiki/old-process").get_data(as_text=True)


def test_a_deleted_page_cannot_be_recreated_over_its_history(client, auth, db_session, users):
    make_page(db_session, users["editor"], "Old process", "x\n")
    auth.login("admin")
    client.post("/wiki/old-process/delete", data={"summary": ""})
    response = client.post("/-/new", data={"title": "Old process", "body": "fresh", "summary": ""})
    assert response.status_code == 400
    assert "an admin can undelete it" in response.get_data(as_text=True)


def test_wiki_links_to_missing_pages_are_styled_until_the_page_exists(
    client, auth, db_session, users
):
    make_page(db_session, users["editor"], "Home", "See [[Expense policy]] and [[Home|here]].\n")
    auth.login("editor")
    html = client.get("/wiki/home").get_data(as_text=True)
    assert 'href="/wiki/expense-policy" class="wikilink missing"' in html
    assert 'href="/wiki/home" class="wikilink"' in html
    make_page(db_session, users["editor"], "Expense policy", "Keep receipts.\n")
    html = client.get("/wiki/home").get_data(as_text=True)
    assert 'href="/wiki/expense-policy" class="wikilink"' in html


def test_a_page_view_uses_the_cached_rendering(client, auth, db_session, users, monkeypatch):
    make_page(db_session, users["editor"], "Cached", "**bold**\n")
    import wiki.content.reading

    def no_render(_text, _space=None):
        raise AssertionError("page views must not re-render")

    monkeypatch.setattr(wiki.content.reading, "render_markdown", no_render)
    auth.login("reader")
    assert "<strong>bold</strong>" in client.get("/wiki/cached").get_data(as_text=True)


def test_a_stale_cached_rendering_is_rendered_again(client, auth, db_session, users, monkeypatch):
    make_page(db_session, users["editor"], "Cached", "**bold**\n")
    import wiki.content.reading

    monkeypatch.setattr(
        wiki.content.reading, "RENDERER_VERSION", wiki.content.reading.RENDERER_VERSION + 1
    )
    auth.login("reader")
    assert "<strong>bold</strong>" in client.get("/wiki/cached").get_data(as_text=True)
    from wiki.models import RenderedRevision

    db_session.rollback()
    assert (
        db_session.scalar(select(RenderedRevision.renderer_version))
        == wiki.content.reading.RENDERER_VERSION
    )


def test_hostile_markdown_is_refused_with_a_clear_message_and_the_text_kept(client, auth):
    auth.login("editor")
    body = "> " * 10_000 + "deep"
    response = client.post("/-/new", data={"title": "Deep", "body": body, "summary": ""})
    if response.status_code == 302:  # rendered within bounds instead: must be viewable
        assert client.get(response.location).status_code == 200
    else:
        assert response.status_code == 400
        assert "deep" in response.get_data(as_text=True)


def test_a_page_full_of_markup_in_a_code_line_stays_editable_by_a_small_edit(
    client, auth, db_session, users
):
    body = "    " + "*_" * 125_000 + "\n"  # code: none of it is read as formatting
    page = make_page(db_session, users["editor"], "Markup", body)
    auth.login("editor")
    edited = body[:70_000] + "\n" + body[70_000:]  # the rest is no longer code
    response = client.post(
        "/wiki/markup/edit", data={"body": edited, "summary": "split", "base": "1"}
    )
    assert response.status_code == 302
    assert [r.body for r in revisions_of(db_session, page.id)] == [body, edited]
    shown = client.get("/wiki/markup").get_data(as_text=True)
    assert "Formatting stops here: more than 100,000 markup characters." in shown


def test_the_landing_page_leads_to_the_home_page_once_it_is_written(
    client, auth, db_session, users
):
    auth.login("reader")
    landing = client.get("/")
    assert landing.status_code == 200 and 'href="/wiki/home"' not in landing.get_data(as_text=True)
    make_page(db_session, users["editor"], "Home", "Start here.\n")
    assert 'href="/wiki/home"' in client.get("/").get_data(as_text=True)


def test_tags_are_saved_normalised_shown_and_kept_in_history(client, auth, db_session):
    auth.login("editor")
    client.post(
        "/-/new",
        data={
            "title": "Move",
            "body": "Boxes.\n",
            "summary": "",
            "tags": "Office,  lessons   learned, office",
        },
    )
    html = client.get("/wiki/move").get_data(as_text=True)
    assert ">lessons learned</a>" in html and ">office</a>" in html
    client.post(
        "/wiki/move/edit",
        data={"body": "Boxes.\n", "summary": "retag", "base": "1", "tags": "office"},
    )
    page_id = db_session.scalar(select(Page.id))
    assert [r.tags for r in revisions_of(db_session, page_id)] == [
        "lessons learned, office",
        "office",
    ]
    client.post("/wiki/move/rename", data={"title": "Big move", "summary": ""})
    assert revisions_of(db_session, page_id)[-1].tags == "office"


def test_too_many_tags_are_refused_with_the_text_kept(client, auth):
    auth.login("editor")
    tags = ", ".join(f"tag{n}" for n in range(21))
    response = client.post(
        "/-/new", data={"title": "Tagged", "body": "my words", "summary": "", "tags": tags}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "at most 20 tags" in html and "my words" in html


def test_a_text_the_current_renderer_refuses_is_still_shown_escaped(
    client, auth, db_session, users, monkeypatch
):
    """A page saved before a renderer change made it unrenderable never disappears."""
    make_page(db_session, users["editor"], "Legacy", "old <b>text</b> kept\n")
    import wiki.content.reading
    from wiki.content.render import RenderError

    def refuse(_text, _space=None, _page_id=None):
        raise RenderError("This page nests too deeply.")

    monkeypatch.setattr(
        wiki.content.reading, "RENDERER_VERSION", wiki.content.reading.RENDERER_VERSION + 1
    )
    monkeypatch.setattr(wiki.content.reading, "render_markdown", refuse)
    auth.login("reader")
    html = client.get("/wiki/legacy").get_data(as_text=True)
    assert "This page nests too deeply." in html
    assert "old &lt;b&gt;text&lt;/b&gt; kept" in html


def test_a_deleted_page_never_blocks_a_title_for_someone_who_cannot_see_it(
    client, auth, db_session, users, pages
):
    # "Old plan" is deleted: to an editor it does not exist, so its title is free.
    auth.login("editor")
    response = client.post("/-/new", data={"title": "Old plan", "body": "A new plan.\n"})
    assert response.status_code == 302
    assert client.get("/wiki/old-plan").get_data(as_text=True).count("A new plan.") == 1
    db_session.rollback()
    db_session.expire_all()  # the fixture's objects outlive its commit
    moved = db_session.scalar(select(Page).where(Page.title == "Old plan", Page.deleted.is_(True)))
    assert moved.slug == f"old-plan--deleted-{moved.id}"
    assert moved.current.kind == RevisionKind.RENAME  # its history says where it went
    auth.logout()
    auth.login("admin")
    assert client.get(f"/wiki/{moved.slug}").status_code == 200  # admins still find it


def test_an_admin_is_told_of_the_deleted_page_holding_a_title(client, auth, pages):
    auth.login("admin")
    response = client.post("/-/new", data={"title": "Old plan", "body": "Again.\n"})
    assert "A deleted page called Old plan exists" in response.get_data(as_text=True)


def test_renaming_onto_a_deleted_pages_title_moves_the_deleted_page_aside(
    client, auth, db_session, pages
):
    auth.login("editor")
    response = client.post("/wiki/policy/rename", data={"title": "Old plan"})
    assert response.status_code == 302
    assert "Book trains." in client.get("/wiki/old-plan").get_data(as_text=True)


def test_the_help_page_covers_writing_links_fields_search_and_shortcuts(client, auth, users):
    """Reachable from the editor and the search page; its templates and fields are the
    wiki's own."""
    from wiki.content.records.page_templates import BUILT_IN

    auth.login("reader")
    help_page = client.get("/-/help")
    assert help_page.status_code == 200
    text = help_page.get_data(as_text=True)
    for heading in ("Writing a page", "Links between pages", "Templates and fields"):
        assert f">{heading}</h2>" in text
    for heading in ("Action items", "Searching", "Keyboard shortcuts"):
        assert f">{heading}</h2>" in text
    assert "<code>[[hr:Onboarding]]</code>" in text and "<code>tag:finance</code>" in text
    assert "<kbd>Ctrl</kbd>+<kbd>S</kbd>" in text
    for template in BUILT_IN:
        assert f"<td>{template.name}</td>" in text
        for field in template.fields:
            assert f"<code>{field.name}</code>" in text
    assert 'href="/-/help#searching"' in client.get("/-/search?q=budget").get_data(as_text=True)
    auth.logout()
    auth.login("editor")
    assert 'href="/-/help"' in client.get("/-/new").get_data(as_text=True)
