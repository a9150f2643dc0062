"""Related pages: each page view lists a few pages related to it (rare words in common,
shared tags, links), read from lists the search indexer keeps in the database; only pages
the viewer may read, never deleted ones; lists follow edits; writing them never fails or
holds back the index."""

from __future__ import annotations

import logging
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from wiki.access import restrictions
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, delete_page, undelete_page
from wiki.content.related import related_pages
from wiki.db import get_database
from wiki.models import Page, RelatedList, RelatedPage, utcnow
from wiki.search.related_lists import RelatedRefresher, links_between, store_list
from wiki.search.runtime import get_engine, get_search

from .helpers import edit, make_page
from .test_search import search_now

_SECTION = re.compile(r'<section class="related"[^>]*>(.*?)</section>', re.S)
_LINK = re.compile(r'<a dir="auto" href="/wiki/([^"]+)">')

FILLER = "The team meets every week in the office to plan the work and the next steps.\n"


def related_slugs(client, slug: str) -> list[str]:
    """The addresses of the related pages the view of ``slug`` lists, in order."""
    response = client.get(f"/wiki/{slug}")
    assert response.status_code == 200
    section = _SECTION.search(response.get_data(as_text=True))
    return _LINK.findall(section.group(1)) if section else []


@pytest.fixture
def corpus(db_session, users):
    """Pages of common words, so that a word most pages use is known to be common."""
    for number in range(8):
        make_page(db_session, users["editor"], f"Weekly notes {number}", FILLER)


def _page(db_session, users, title, body, tags="", author="editor", **options):
    page = create_page(
        db_session, users[author], title, body, "", Limits(), tags=tags, **options
    ).page
    db_session.commit()
    return page


def test_pages_sharing_rare_words_are_related_and_common_words_count_for_little(
    app, client, auth, db_session, users, corpus
):
    _page(db_session, users, "Forklift charging", "Charge the forklift batteries overnight.\n")
    _page(db_session, users, "Forklift inspection", "Inspect every forklift battery daily.\n")
    _page(db_session, users, "Team lunch", f"{FILLER}The lunch is on Friday.\n")
    search_now(app)
    auth.login("reader")
    assert related_slugs(client, "forklift-charging")[0] == "forklift-inspection"
    # Words every page uses do not make pages related.
    assert "team-lunch" not in related_slugs(client, "forklift-charging")
    assert "forklift-charging" not in related_slugs(client, "forklift-charging")  # never itself


def test_pages_sharing_a_rare_tag_are_related_and_a_tag_on_every_page_adds_little(
    app, client, auth, db_session, users, corpus
):
    _page(db_session, users, "Quarterly audit", "Receipts go to finance.\n", tags="kestrel, misc")
    _page(db_session, users, "Parking spaces", "Cars park behind building seven.\n", tags="kestrel")
    _page(db_session, users, "Printer toner", "Toner sits in cupboard three.\n", tags="misc")
    for number in range(6):
        _page(db_session, users, f"Misc {number}", f"Item {number} apart.\n", tags="misc")
    search_now(app)
    auth.login("reader")
    listed = related_slugs(client, "quarterly-audit")
    assert listed[0] == "parking-spaces"
    assert "printer-toner" not in listed[:1]


def test_pages_linked_either_way_are_related(app, client, auth, db_session, users, corpus):
    _page(db_session, users, "Visitor badges", "Badges come from [[Reception desk]].\n")
    _page(db_session, users, "Reception desk", "Open from eight to six.\n")
    search_now(app)
    auth.login("reader")
    assert related_slugs(client, "visitor-badges") == ["reception-desk"]
    assert related_slugs(client, "reception-desk") == ["visitor-badges"]


def test_links_are_read_both_ways_and_through_old_addresses(db_session, users):
    from wiki.content.pages import rename_page

    desk = _page(db_session, users, "Reception desk", "Open from eight to six.\n")
    badges = _page(db_session, users, "Visitor badges", "See [[Reception desk]].\n")
    both = _page(db_session, users, "Front door", "See [[Reception desk]].\n")
    edit(db_session, users["editor"], desk, "Open from eight. See [[Front door]].\n")
    rename_page(db_session, users["editor"], desk, "Front desk", "", Limits())
    db_session.commit()
    # Links to the old title still lead to the renamed page.
    assert links_between(db_session, [desk.id]) == {desk.id: {badges.id: 1, both.id: 2}}


def test_a_list_follows_an_edit_at_once_even_from_a_kept_view(
    app, client, auth, db_session, users, corpus
):
    page = _page(db_session, users, "Office plants", "Water the ficus and the cactus.\n")
    _page(db_session, users, "Ficus care", "The ficus wants water weekly; the cactus less.\n")
    _page(db_session, users, "Espresso machine", "Descale the espresso machine monthly.\n")
    search_now(app)
    auth.login("reader")
    assert related_slugs(client, "office-plants") == ["ficus-care"]
    assert related_slugs(client, "office-plants") == ["ficus-care"]  # kept
    edit(db_session, users["editor"], page, "Descale the espresso machine on Mondays.\n")
    search_now(app)
    assert related_slugs(client, "office-plants") == ["espresso-machine"]


def test_a_page_the_viewer_may_not_read_is_never_listed_not_even_its_title(
    app, client, auth, db_session, users, corpus
):
    admin = users["admin"]
    private = spaces.create_space(db_session, admin, "board", "Board", open_to_signed_in=False)
    db_session.commit()
    _page(db_session, users, "Merger plans", "Acquire the zeppelin works.\n")
    _page(
        db_session,
        users,
        "Zeppelin works",
        "Acquire zeppelin hangars.\n",
        "",
        "admin",
        space=private,
    )
    restricted = _page(db_session, users, "Zeppelin salaries", "Zeppelin works pay.\n")
    restrictions.set_restriction(db_session, admin, restricted, "read", "", "editor")
    db_session.commit()
    search_now(app)
    auth.login("admin")
    assert set(related_slugs(client, "merger-plans")) == {
        "board:zeppelin-works",
        "zeppelin-salaries",
    }
    auth.logout()
    auth.login("reader")
    html = client.get("/wiki/merger-plans").get_data(as_text=True)
    assert "Zeppelin works" not in html and "Zeppelin salaries" not in html
    assert related_slugs(client, "merger-plans") == []
    # The service answers the same.
    with app.test_request_context():
        page = db_session.scalar(select(Page).where(Page.slug == "merger-plans"))
        assert related_pages(db_session, users["reader"], page) == []


def test_a_deleted_page_is_left_out_before_and_after_the_lists_are_refreshed(
    app, client, auth, db_session, users, corpus
):
    _page(db_session, users, "Bicycle shed", "The bicycle shed has a pump.\n")
    gone = _page(db_session, users, "Bicycle pump", "The bicycle pump is in the shed.\n")
    search_now(app)
    auth.login("admin")
    assert related_slugs(client, "bicycle-shed") == ["bicycle-pump"]
    delete_page(db_session, users["admin"], gone, "")
    db_session.commit()
    # The shed's list still names the pump until it is worked out again: the view skips it.
    assert related_slugs(client, "bicycle-shed") == []
    search_now(app)
    assert related_slugs(client, "bicycle-shed") == []
    # The deleted page's own list is gone, and the deleted page's view lists nothing.
    lists = select(func.count()).select_from(RelatedList).where(RelatedList.page_id == gone.id)
    assert db_session.scalar(lists) == 0
    assert related_slugs(client, gone.slug) == []
    undelete_page(db_session, users["admin"], gone, "")
    db_session.commit()
    search_now(app)
    assert related_slugs(client, "bicycle-pump") == ["bicycle-shed"]
    db_session.rollback()


def test_only_page_documents_count_never_the_page_itself(app, db_session, users, corpus):
    """Documents of other kinds (their key does not start with ``page:``) are never related
    pages, even when they name a page or hold the same words."""
    first = _page(db_session, users, "Tundra report", "Reindeer migrate across the tundra.\n")
    other = _page(db_session, users, "Gravel paths", "Rake the gravel paths.\n")
    search_now(app)
    with app.app_context():
        engine = get_engine()
        index = engine._files.open_index(engine._files.read_current(), engine.schema)
        writer = index.writer()
        for key, page_id in (("file:1", other.id), ("history:1", 999)):
            writer.add_document(
                key=key,
                page_id=page_id,
                revision_id=1,
                title="Tundra report",
                body="Reindeer migrate across the tundra.",
            )
        writer.commit()
        engine.refresh()
        found = engine.related(first.id, 10)
        assert [page_id for page_id, _score in found] == []
        assert engine.related(999_999, 10) == []


def test_writing_one_list_from_two_processes_at_once_never_fails(app, db_session, users):
    """Two indexers store the same page's list in overlapping transactions: the second
    waits for the first, and the last one wins."""
    page = _page(db_session, users, "Shared page", "Text.\n")
    first = _page(db_session, users, "First pick", "Text.\n")
    second = _page(db_session, users, "Second pick", "Text.\n")
    database = get_database(app)
    stored = threading.Event()
    errors: list[Exception] = []

    def write(related, wait: threading.Event | None) -> None:
        try:
            with database.session(write=True) as writer:
                store_list(writer, page.id, page.current_revision_id, related, utcnow())
                stored.set()
                if wait is not None:
                    wait.wait(5)
                writer.commit()
        except Exception as error:  # noqa: BLE001 - reported by the test thread
            errors.append(error)

    go_on = threading.Event()
    one = threading.Thread(target=write, args=([(first.id, 1.0)], go_on))
    one.start()
    assert stored.wait(5)
    two = threading.Thread(target=write, args=([(second.id, 0.5), (first.id, 0.2)], None))
    two.start()
    two.join(0.3)  # it waits for the first writer
    go_on.set()
    one.join(10)
    two.join(10)
    assert errors == []
    db_session.rollback()
    rows = db_session.execute(
        select(RelatedPage.rank, RelatedPage.related_page_id).where(RelatedPage.page_id == page.id)
    ).all()
    assert sorted(rows) == [(1, second.id), (2, first.id)]


def test_a_failing_refresh_only_logs_and_never_holds_back_the_index(
    app, client, auth, db_session, users, monkeypatch, caplog
):
    search_now(app)
    with app.app_context():
        engine = get_engine()

        def broken(*_args, **_kwargs):
            raise RuntimeError("related pages broke")

        monkeypatch.setattr(engine, "related", broken)
        make_page(db_session, users["editor"], "Wombat crossing", "Wombats cross here.\n")
        with caplog.at_level(logging.ERROR, logger="wiki.search.related_lists"):
            get_search().indexer.run_once()
    assert "refreshing lists of related pages failed" in caplog.text
    auth.login("reader")
    assert "wombat-crossing" in client.get("/-/search?q=wombats").get_data(as_text=True)


def test_old_and_missing_lists_are_worked_out_in_bounded_rounds(app, db_session, users, corpus):
    page = _page(db_session, users, "Snow tyres", "Fit snow tyres in November.\n")
    _page(db_session, users, "Tyre storage", "Snow tyres are stored in the garage.\n")
    search_now(app)
    lists = db_session.scalar(select(func.count(RelatedList.page_id)))
    assert lists == db_session.scalar(select(func.count(Page.id)))  # every page has one
    two_days_ago = utcnow() - timedelta(days=2)
    db_session.execute(update(RelatedList).values(computed_at=two_days_ago))
    db_session.execute(
        update(RelatedList).where(RelatedList.page_id == page.id).values(revision_id=1)
    )
    db_session.commit()
    with app.app_context():
        engine = get_engine()
        database = get_database(app)
        # No time left: nothing is worked out, and the round says some are left.
        idle = RelatedRefresher(seconds=-1.0)
        assert idle.run(database, engine) == 0
        assert idle.behind
        busy = RelatedRefresher()
        for _round in range(50):  # a round on a loaded machine may have had no time
            if not busy.run(database, engine) and not busy.behind:
                break
    db_session.rollback()
    old = (
        select(func.count()).select_from(RelatedList).where(RelatedList.computed_at <= two_days_ago)
    )
    assert db_session.scalar(old) == 0
    assert (
        db_session.scalar(select(RelatedList.revision_id).where(RelatedList.page_id == page.id))
        == page.current_revision_id
    )
