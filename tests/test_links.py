"""Links between pages: what links here, orphaned pages, wanted pages and the tag index,
each counting only the live pages the viewer may read; and the stored links following
every save (edit, rename, delete, undelete, a move to another space), the migration that
fills them, and ``wiki reindex`` that rebuilds them."""

from __future__ import annotations

import re

import pytest
from alembic import command
from sqlalchemy import delete, select, update

from wiki.access import restrictions
from wiki.content import links, spaces, tree
from wiki.content.pages import (
    Limits,
    create_page,
    delete_page,
    rename_page,
    undelete_page,
)
from wiki.db import get_database
from wiki.models import Page, PageLink, RenderedRevision
from wiki.ops.migrate import alembic_config, current_revision, upgrade

from .helpers import edit


def _page(session, author, title, body="Text.\n", tags="", space=None):
    page = create_page(session, author, title, body, "", Limits(), tags=tags, space=space).page
    session.commit()
    return page


def _get(session, slug) -> Page:
    return session.scalars(select(Page).where(Page.slug == slug)).one()


def _stored(session, slug) -> set[str]:
    session.commit()  # read what is committed now
    page = _get(session, slug)
    return set(session.scalars(select(PageLink.target_slug).where(PageLink.page_id == page.id)))


def _titles(html: str, css_class: str) -> list[str]:
    """The titles listed in the ``<ul class=css_class>`` of a page."""
    listed = re.search(rf'<ul class="{css_class}">(.*?)</ul>', html, re.S)
    assert listed is not None, css_class
    return re.findall(r'class="page-title" href="[^"]*">([^<]*)</a>', listed.group(1))


@pytest.fixture
def budget(db_session, users):
    """Budget (once called Spending) and the pages around it: Notes links to it, Costs to
    a heading of it, Draft by its old title; Secret (readable by admins only) and Scrap
    (deleted) link to it too. Nowhere and Elsewhere do not exist."""
    editor, admin = users["editor"], users["admin"]
    spending = _page(db_session, editor, "Spending", "About [[Budget]] itself.\n", tags="money")
    _page(db_session, editor, "Draft", "Older: [[Spending]].\n", tags="money, draft")
    rename_page(db_session, editor, spending, "Budget", "", Limits())
    db_session.commit()
    _page(db_session, editor, "Notes", "See [[Budget]] and [[Nowhere]].\n", tags="notes")
    _page(
        db_session, editor, "Costs", "The [[Budget#Totals|totals]], [[Nowhere]], [[Elsewhere]].\n"
    )
    secret = _page(
        db_session, admin, "Secret", "[[Budget]], [[Hidden wish]], [[Lonely]].\n", tags="hush"
    )
    restrictions.set_restriction(db_session, admin, secret, "read", "", "admin")
    scrap = _page(db_session, editor, "Scrap", "[[Budget]] and [[Forgotten]].\n", tags="money")
    delete_page(db_session, admin, scrap, "")
    _page(db_session, editor, "Lonely", "Nobody readable links here; [[Lonely|I do]].\n")
    db_session.commit()


# --- what links here -----------------------------------------------------------------------


def test_what_links_here_lists_linking_pages_alphabetically_with_old_titles_and_headings(
    client, auth, budget
):
    auth.login("reader")
    html = client.get("/wiki/budget/links").get_data(as_text=True)
    # Not Budget itself, nor Secret (unreadable), nor Scrap (deleted).
    assert _titles(html, "linking-pages") == ["Costs", "Draft", "Notes"]
    assert "3 pages link to" in html
    assert "the old address <bdi>spending</bdi>" in html  # Draft links by the old title


def test_what_links_here_counts_pages_the_viewer_may_read_but_never_deleted_ones(
    client, auth, budget
):
    auth.login("admin")
    html = client.get("/wiki/budget/links").get_data(as_text=True)
    assert _titles(html, "linking-pages") == ["Costs", "Draft", "Notes", "Secret"]
    assert "4 pages link to" in html and "Scrap" not in html


def test_what_links_here_is_reachable_from_the_page_and_follows_old_addresses(client, auth, budget):
    auth.login("reader")
    page = client.get("/wiki/budget").get_data(as_text=True)
    assert 'href="/wiki/budget/links"' in page
    moved = client.get("/wiki/spending/links")
    assert moved.status_code == 302 and moved.location.endswith("/wiki/budget/links")


def test_what_links_here_of_a_page_the_viewer_may_not_read_answers_like_a_missing_one(
    client, auth, budget
):
    auth.login("reader")
    hidden, missing = client.get("/wiki/secret/links"), client.get("/wiki/nothing/links")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data() == missing.get_data()
    auth.logout()
    auth.login("admin")
    assert client.get("/wiki/secret/links").status_code == 200


def test_a_page_nothing_links_to_says_so(client, auth, budget):
    auth.login("reader")
    html = client.get("/wiki/notes/links").get_data(as_text=True)
    assert "No other page links to" in html


# --- orphans ---------------------------------------------------------------------------------


def test_orphans_are_the_readable_pages_no_other_readable_live_page_links_to(
    db_session, users, budget
):
    reader, admin = users["reader"], users["admin"]
    found = links.orphans(db_session, reader)
    # Costs, Draft, Notes: nothing links to them. Lonely: only Secret (unreadable) and
    # itself do. Budget is linked; Secret and Scrap are not the reader's.
    assert [page.title for page in found.pages] == ["Costs", "Draft", "Lonely", "Notes"]
    assert found.count == 4
    # The admin reads Secret (whose link makes Lonely no orphan) and Secret itself is one;
    # Scrap is deleted: listed for nobody.
    by_admin = [page.title for page in links.orphans(db_session, admin).pages]
    assert by_admin == ["Costs", "Draft", "Notes", "Secret"]


def test_orphans_of_one_space(client, auth, db_session, users, budget):
    hr = spaces.create_space(db_session, users["admin"], "hr", "People team")
    _page(db_session, users["editor"], "Leave", "See [[main:Notes]].\n", space=hr)
    auth.login("reader")
    html = client.get("/-/orphans?space=hr").get_data(as_text=True)
    assert _titles(html, "orphan-pages") == ["Leave"]
    everywhere = client.get("/-/orphans").get_data(as_text=True)
    assert _titles(everywhere, "orphan-pages") == ["Costs", "Draft", "Leave", "Lonely"]
    assert client.get("/-/orphans?space=nope").status_code == 404


def test_orphans_of_a_space_the_viewer_may_not_see_answer_like_a_missing_space(
    client, auth, db_session, users
):
    spaces.create_space(db_session, users["admin"], "ops", "Operations", open_to_signed_in=False)
    db_session.commit()
    auth.login("reader")
    hidden, missing = client.get("/-/orphans?space=ops"), client.get("/-/orphans?space=opz")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data() == missing.get_data()


# --- wanted pages ---------------------------------------------------------------------------


def test_wanted_pages_count_only_readable_live_linking_pages(db_session, users, budget):
    found = links.wanted_pages(db_session, users["reader"])
    shown = {(page.slug, page.count, tuple(p.title for p in page.linking)) for page in found.pages}
    # Not Hidden wish (only Secret links to it), nor Forgotten (only the deleted Scrap).
    assert shown == {("nowhere", 2, ("Costs", "Notes")), ("elsewhere", 1, ("Costs",))}
    assert [page.slug for page in found.pages] == ["nowhere", "elsewhere"]  # most linked first
    by_admin = {page.slug for page in links.wanted_pages(db_session, users["admin"]).pages}
    assert by_admin == {"nowhere", "elsewhere", "hidden-wish"}


def test_a_link_to_a_page_the_viewer_may_not_read_is_wanted_like_a_missing_one(
    db_session, users, budget
):
    _page(db_session, users["editor"], "Pointer", "Ask about [[Secret]].\n")
    wanted_by_reader = {page.slug for page in links.wanted_pages(db_session, users["reader"]).pages}
    wanted_by_admin = {page.slug for page in links.wanted_pages(db_session, users["admin"]).pages}
    assert "secret" in wanted_by_reader and "secret" not in wanted_by_admin


def test_wanted_pages_offer_to_create_them_with_the_title_filled_in(client, auth, budget):
    auth.login("editor")
    html = client.get("/-/wanted").get_data(as_text=True)
    assert "2 pages are wanted" in html
    assert 'href="/-/new?title=Nowhere&amp;space=main"' in html
    form = client.get("/-/new?title=Nowhere&space=main").get_data(as_text=True)
    assert 'value="Nowhere"' in form
    auth.logout()
    auth.login("reader")  # may not create pages: no offer
    assert "/-/new?" not in client.get("/-/wanted").get_data(as_text=True)


def test_links_within_a_space_are_wanted_in_that_space(db_session, users):
    hr = spaces.create_space(db_session, users["admin"], "hr", "People team")
    _page(db_session, users["editor"], "Leave", "See [[Holidays]].\n", space=hr)
    (wanted,) = links.wanted_pages(db_session, users["reader"]).pages
    assert (wanted.slug, wanted.space_key, wanted.title_guess) == ("hr:holidays", "hr", "Holidays")


# --- tags ------------------------------------------------------------------------------------


def test_the_tag_index_counts_the_readable_live_pages_of_each_tag(
    client, auth, db_session, users, budget
):
    auth.login("reader")
    html = client.get("/-/tags").get_data(as_text=True)
    entries = re.findall(
        r'class="tag" href="([^"]*)">([^<]*)</a> <span class="count">([^<]*)<', html
    )
    # money: Budget and Draft (Scrap is deleted); hush (Secret) is not the reader's.
    assert [(tag, count) for _href, tag, count in entries] == [
        ("draft", "1 page"),
        ("money", "2 pages"),
        ("notes", "1 page"),
    ]
    assert entries[1][0] == "/-/search?q=tag:%22money%22"
    admin_tags = {entry.tag: entry.pages for entry in links.tag_index(db_session, users["admin"])}
    assert admin_tags["hush"] == 1 and admin_tags["money"] == 2


def test_the_special_pages_are_linked_from_all_pages_and_the_space(client, auth, budget):
    auth.login("reader")
    listing = client.get("/-/pages").get_data(as_text=True)
    for address in ("/-/tags", "/-/orphans", "/-/wanted"):
        assert f'href="{address}"' in listing
    assert 'href="/-/orphans?space=main"' in client.get("/-/spaces/main").get_data(as_text=True)


# --- the stored links follow every save ------------------------------------------------------


def test_the_stored_links_follow_edits_renames_deletes_and_undeletes(db_session, users, budget):
    editor, admin = users["editor"], users["admin"]
    assert _stored(db_session, "notes") == {"budget", "nowhere"}
    assert _stored(db_session, "costs") == {"budget", "nowhere", "elsewhere"}
    edit(db_session, editor, _get(db_session, "notes"), "Now [[Elsewhere]] and `[[Code]]`.\n")
    assert _stored(db_session, "notes") == {"elsewhere"}
    rename_page(db_session, editor, _get(db_session, "notes"), "Jottings", "", Limits())
    assert _stored(db_session, "jottings") == {"elsewhere"}
    delete_page(db_session, admin, _get(db_session, "jottings"), "")
    assert _stored(db_session, "jottings") == {"elsewhere"}  # kept, but not counted
    assert [
        w.count for w in links.wanted_pages(db_session, admin).pages if w.slug == "elsewhere"
    ] == [1]
    undelete_page(db_session, admin, _get(db_session, "jottings"), "")
    db_session.commit()
    assert [
        w.count for w in links.wanted_pages(db_session, admin).pages if w.slug == "elsewhere"
    ] == [2]


def test_a_renamed_page_keeps_the_links_to_its_old_title(db_session, users, budget):
    rename_page(db_session, users["editor"], _get(db_session, "budget"), "Plan", "", Limits())
    db_session.commit()
    plan = _get(db_session, "plan")
    found = links.links_here(db_session, users["reader"], plan)
    assert [page.title for page in found.pages] == ["Costs", "Draft", "Notes"]
    assert {page.via for page in found.pages} == {"budget", "spending"}


def test_a_page_moved_to_another_space_links_in_its_new_space(db_session, users):
    editor, admin = users["editor"], users["admin"]
    spaces.create_space(db_session, admin, "hr", "People team")
    _page(db_session, editor, "Leave", "Days off.\n")
    _page(db_session, editor, "Guide", "Read [[Leave]].\n")
    db_session.commit()
    tree.move_page(db_session, editor, _get(db_session, "guide"), "hr", "")
    db_session.commit()
    # [[Leave]] now means hr:leave, which does not exist: Leave is an orphan, hr:leave wanted.
    assert _stored(db_session, "hr:guide") == {"hr:leave"}
    assert [w.slug for w in links.wanted_pages(db_session, editor).pages] == ["hr:leave"]
    assert [page.title for page in links.orphans(db_session, editor).pages] == ["Guide", "Leave"]
    # Moving Leave along makes the link whole again (and the old address still leads there).
    tree.move_page(db_session, editor, _get(db_session, "leave"), "hr", "")
    db_session.commit()
    assert links.wanted_pages(db_session, editor).pages == ()
    found = links.links_here(db_session, editor, _get(db_session, "hr:leave"))
    assert [page.title for page in found.pages] == ["Guide"]


# --- rebuilding and the migration ------------------------------------------------------------


def test_reindex_rebuilds_the_stored_links(app, runner, db_session, users, budget):
    db_session.execute(delete(PageLink).where(PageLink.target_slug == "nowhere"))
    notes = _get(db_session, "notes")
    db_session.add(PageLink(page_id=notes.id, target_slug="stale"))
    # A rendering from another renderer: the links are read from the text again.
    costs = _get(db_session, "costs")
    db_session.execute(
        update(RenderedRevision)
        .where(RenderedRevision.revision_id == costs.current_revision_id)
        .values(renderer_version=1, wikilinks="bogus")
    )
    db_session.commit()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the links of 7 pages, the fields of 0 " in result.output
    assert _stored(db_session, "notes") == {"budget", "nowhere"}
    assert _stored(db_session, "costs") == {"budget", "nowhere", "elsewhere"}


def test_the_migration_fills_the_links_from_the_current_revisions(app, db_session, users, budget):
    """Down to 0014 (no table) and up again: the links come back from the cached renderings,
    or from the text where the rendering is missing or was made by an older renderer."""
    before = {slug: _stored(db_session, slug) for slug in ("notes", "costs", "draft", "scrap")}
    costs, draft = _get(db_session, "costs"), _get(db_session, "draft")
    db_session.execute(
        delete(RenderedRevision).where(RenderedRevision.revision_id == costs.current_revision_id)
    )
    db_session.execute(
        update(RenderedRevision)
        .where(RenderedRevision.revision_id == draft.current_revision_id)
        .values(renderer_version=5, wikilinks="old-reading")
    )
    db_session.commit()
    db_session.close()
    engine = get_database(app).write_engine
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
    assert current_revision(engine) == "0014"
    upgrade(engine)
    after = {slug: _stored(db_session, slug) for slug in before}
    assert after == before
    assert after["draft"] == {"spending"}
