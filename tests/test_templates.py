"""Templates and structured records: a new page starts from a built-in template, a page of
its space tagged ``template`` or a copy of any readable page; a record's fields are typed,
validated with the text kept, stored with each revision and shown as a fact box."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from wiki.access import restrictions
from wiki.content import spaces
from wiki.content.pages import Limits, create_page, edit_page, restore_revision
from wiki.content.records import page_templates
from wiki.content.records.fields import Record
from wiki.content.records.lessons import rebuild_page_fields
from wiki.errors import InvalidInput
from wiki.models import PageField

TODAY = date(2026, 12, 4)


@pytest.fixture
def hr(db_session, users):
    space = spaces.create_space(db_session, users["admin"], "hr", "People team", "")
    db_session.commit()
    return space


def _lesson(session, author, space, values, title="Freight elevator"):
    start = page_templates.start(session, author, space, "lessons-learned", TODAY)
    assert start is not None
    return create_page(
        session,
        author,
        title,
        start.body,
        "",
        Limits(),
        tags=start.tags,
        space=space,
        record=start.record.with_values(values),
    )


def _fields(session, page):
    rows = session.scalars(select(PageField).where(PageField.page_id == page.id))
    return {row.name: row.value for row in rows}


# --------------------------------------------------------------------------- templates


def test_every_built_in_template_is_offered_with_its_placeholders_filled(db_session, users, hr):
    offered = [choice.name for choice in page_templates.choices(db_session, users["editor"], hr)]
    assert offered[:5] == [
        "Lessons learned",
        "Incident post-mortem",
        "How-to",
        "Decision record",
        "Meeting notes",
    ]
    lesson = page_templates.start(db_session, users["editor"], hr, "lessons-learned", TODAY)
    assert lesson is not None
    for heading in ("Context", "What happened", "What went well", "What went wrong"):
        assert f"## {heading}\n" in lesson.body
    assert "## Recommendations" in lesson.body and "## Action items" in lesson.body
    assert "- [ ] @editor 2026-12-04" in lesson.body and "{{" not in lesson.body
    assert lesson.tags == "lessons-learned"
    assert [spec.name for spec in lesson.record.fields][:3] == ["project", "team", "event_date"]
    meeting = page_templates.start(db_session, users["editor"], hr, "meeting-notes", TODAY)
    assert meeting is not None and meeting.title == "Meeting notes 2026-12-04"
    incident = page_templates.start(db_session, users["editor"], hr, "incident-post-mortem", TODAY)
    assert incident is not None
    for heading in ("Timeline", "Impact", "Root cause", "Follow-ups"):
        assert f"## {heading}\n" in incident.body
    assert page_templates.start(db_session, users["editor"], hr, "no-such", TODAY) is None


def test_a_page_tagged_template_is_offered_in_its_space_only_to_readers(db_session, users, hr):
    made = create_page(
        db_session,
        users["editor"],
        "Customer visit report",
        "Visited on {{date}} by {{author_name}}.\n",
        "",
        Limits(),
        tags="template, visits",
        space=hr,
    ).page
    db_session.commit()
    choice = f"page:{made.id}"
    offered = {c.choice: c.name for c in page_templates.choices(db_session, users["reader"], hr)}
    assert offered[choice] == "Customer visit report"
    started = page_templates.start(db_session, users["reader"], hr, choice, TODAY)
    assert started is not None
    assert started.body == "Visited on 2026-12-04 by reader.\n"
    assert started.tags == "visits"  # the new page is no template itself
    # Not a template of another space; and hidden from whoever may not read it.
    other = spaces.default_space(db_session)
    assert choice not in {
        c.choice for c in page_templates.choices(db_session, users["reader"], other)
    }
    restrictions.set_restriction(db_session, users["admin"], made, "read", "", "editor")
    db_session.commit()
    assert choice not in {c.choice for c in page_templates.choices(db_session, users["reader"], hr)}
    assert page_templates.start(db_session, users["reader"], hr, choice, TODAY) is None


def test_copying_a_page_brings_its_text_tags_and_fields(db_session, users, hr):
    page = _lesson(db_session, users["editor"], hr, {"team": "Logistics", "severity": "High"}).page
    db_session.commit()
    copy = page_templates.start(db_session, users["reader"], hr, f"page:{page.id}", TODAY)
    assert copy is not None and copy.copied_from == page
    assert copy.body == page.current.body and copy.tags == "lessons-learned"
    assert copy.record.values == {"team": "Logistics", "severity": "high"}


def test_a_space_chooses_its_default_template(db_session, users, hr, client, auth):
    spaces.update_space(db_session, users["admin"], hr, hr.name, "", "", "incident-post-mortem")
    db_session.commit()
    assert hr.default_template == "incident-post-mortem"
    auth.login("editor")
    form = client.get("/-/new?space=hr").get_data(as_text=True)
    assert "## Root cause" in form and 'value="incident-post-mortem"' in form
    blank = client.get("/-/new?space=hr&template=blank").get_data(as_text=True)
    assert "## Root cause" not in blank
    # Only templates offered in the space may be its default.
    elsewhere = create_page(
        db_session, users["editor"], "Elsewhere", "x\n", "", Limits(), tags="template"
    ).page
    with pytest.raises(InvalidInput) as refused:
        spaces.update_space(db_session, users["admin"], hr, hr.name, "", "", f"page:{elsewhere.id}")
    assert "default_template" in refused.value.errors
    spaces.update_space(db_session, users["admin"], hr, hr.name, "", "", "blank")
    assert hr.default_template is None


# --------------------------------------------------------------------------- records


def test_field_values_are_validated_by_type_all_at_once(db_session, users, hr):
    with pytest.raises(InvalidInput) as refused:
        _lesson(
            db_session,
            users["editor"],
            hr,
            {"event_date": "2026-02-30", "outcome": "great", "owner": "@nobody"},
        )
    assert refused.value.errors == {
        "field-event_date": "Event date: 2026-02-30 is not a date in the calendar.",
        "field-outcome": "Outcome: choose one of success, partial success, failure.",
        "field-owner": "Contact: no one has the username nobody.",
    }
    saved = _lesson(
        db_session,
        users["editor"],
        hr,
        {"event_date": " 2026-11-30 ", "outcome": "Partial Success", "owner": "@Reader"},
    )
    record = Record.from_json(saved.new_revision.fields)
    assert record.kind == "lessons-learned"
    assert dict(record.values) == {
        "event_date": "2026-11-30",
        "outcome": "partial success",
        "owner": "reader",
    }
    assert _fields(db_session, saved.page) == dict(record.values)


def test_fields_are_part_of_history_edits_and_restores(db_session, users, hr):
    page = _lesson(db_session, users["editor"], hr, {"team": "Logistics"}).page
    body = page.current.body
    same = edit_page(db_session, users["editor"], page, 1, body, "", Limits(), values=None)
    assert same.revision is None  # nothing changed
    changed = edit_page(
        db_session, users["editor"], page, 1, body, "", Limits(), values={"team": "Sales"}
    )
    assert changed.new_revision.number == 2
    assert _fields(db_session, page) == {"team": "Sales"}
    restore_revision(db_session, users["admin"], page, 1, Limits())
    assert Record.from_json(page.current.fields).values == {"team": "Logistics"}
    assert _fields(db_session, page) == {"team": "Logistics"}
    # A text edit that leaves the fields alone keeps what another editor set meanwhile.
    edit_page(db_session, users["admin"], page, 3, body, "", Limits(), values={"team": "Ops"})
    edit_page(
        db_session,
        users["editor"],
        page,
        3,
        body + "More.\n",
        "",
        Limits(),
        values={"team": "Logistics"},
    )
    assert Record.from_json(page.current.fields).values == {"team": "Ops"}
    db_session.commit()
    db_session.execute(PageField.__table__.delete())
    assert rebuild_page_fields(db_session) == 1
    assert _fields(db_session, page) == {"team": "Ops"}


def test_a_lesson_is_written_from_the_form_and_bad_values_come_back(client, auth, hr):
    auth.login("editor")
    form = client.get("/-/new?space=hr&template=lessons-learned").get_data(as_text=True)
    assert 'name="field-team"' in form and "## What went wrong" in form
    typed = {
        "space": "hr",
        "template": "lessons-learned",
        "fields": "1",
        "title": "Freight elevator",
        "body": "## Context\n\nMy own words.\n",
        "field-team": "<b>Logistics</b>",
        "field-event_date": "31/12/2026",
        "action": "save",
    }
    refused = client.post("/-/new", data=typed)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Event date: write a date as YYYY-MM-DD" in page
    assert "My own words." in page and 'value="31/12/2026"' in page
    assert "&lt;b&gt;Logistics&lt;/b&gt;" in page
    saved = client.post("/-/new", data={**typed, "field-event_date": "2026-12-31"})
    assert saved.status_code == 302
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert 'class="fact-box"' in shown
    assert "&lt;b&gt;Logistics&lt;/b&gt;" in shown and "<b>Logistics" not in shown
    assert "2026-12-31" in shown
    editing = client.get("/wiki/hr:freight-elevator/edit").get_data(as_text=True)
    assert 'name="field-event_date"' in editing and 'value="2026-12-31"' in editing
    client.post(
        "/wiki/hr:freight-elevator/edit",
        data={
            "base": "1",
            "body": "## Context\n\nMy own words.\n",
            "fields": "1",
            "field-team": "Sales",
            "action": "save",
        },
    )
    history = client.get("/wiki/hr:freight-elevator/history").get_data(as_text=True)
    assert "revision 2" in history.lower() or "/rev/2" in history


def test_copy_this_page_is_offered_to_who_may_create_pages(client, auth, db_session, users, hr):
    _lesson(db_session, users["editor"], hr, {"team": "Logistics"})
    db_session.commit()
    auth.login("editor")
    shown = client.get("/wiki/hr:freight-elevator").get_data(as_text=True)
    assert "Copy this page" in shown
    link = shown.split("Copy this page")[0].rsplit('href="', 1)[1].split('"')[0]
    copy = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Starting from a copy of" in copy and 'value="Logistics"' in copy


def test_the_diff_shows_what_changed_in_the_fields(client, auth, db_session, users, hr):
    page = _lesson(db_session, users["editor"], hr, {"team": "Logistics"}).page
    edit_page(
        db_session,
        users["editor"],
        page,
        1,
        page.current.body,
        "",
        Limits(),
        tags="lessons-learned, elevators",
        values={"team": "Sales", "severity": "high"},
    )
    db_session.commit()
    auth.login("reader")
    diff = client.get("/wiki/hr:freight-elevator/diff/1/2").get_data(as_text=True)
    table = diff.split('class="field-changes"')[1].split("</table>")[0]
    assert ">Team</th>" in table and ">Logistics</td>" in table and ">Sales</td>" in table
    assert ">Severity</th>" in table and ">high</td>" in table
    assert ">Tags</th>" in table and "elevators" in table
    assert "same text" in diff  # the text itself did not change


# --------------------------------------------------------------------------- the Lessons view


@pytest.fixture
def lessons(db_session, users, hr):
    made = {}
    for title, team, severity, day in [
        ("Freight elevator", "Logistics", "high", "2026-03-01"),
        ("Dock doors", "logistics", "low", "2026-01-15"),
        ("Payroll cutover", "Finance", "critical", "2026-02-10"),
    ]:
        made[title] = _lesson(
            db_session,
            users["editor"],
            hr,
            {"team": team, "severity": severity, "event_date": day},
            title=title,
        ).page
    create_page(db_session, users["editor"], "Plain page", "No fields.\n", "", Limits(), space=hr)
    db_session.commit()
    return made


def test_the_lessons_view_filters_and_sorts_by_any_field(client, auth, lessons, db_session, users):
    auth.login("reader")
    listed = client.get("/-/spaces/hr/lessons?f.team=LOGISTICS&sort=event_date&order=asc")
    shown = listed.get_data(as_text=True)
    assert listed.status_code == 200 and "2 found" in shown
    assert shown.index("Dock doors") < shown.index("Freight elevator")
    assert "Payroll cutover" not in shown and "Plain page" not in shown
    every = client.get("/-/spaces/hr/lessons?sort=title&order=asc").get_data(as_text=True)
    assert every.index("Dock doors") < every.index("Freight elevator") < every.index("Payroll")
    assert "Plain page" not in every
    # A restricted record is neither listed nor counted for who may not read it.
    restrictions.set_restriction(
        db_session, users["admin"], lessons["Payroll cutover"], "read", "", "editor"
    )
    db_session.commit()
    hidden = client.get("/-/spaces/hr/lessons").get_data(as_text=True)
    assert "2 found" in hidden and "Payroll cutover" not in hidden


def test_the_lessons_view_exports_csv_that_spreadsheets_keep_as_text(
    client, auth, lessons, db_session, users, hr
):
    edit_page(
        db_session,
        users["editor"],
        lessons["Dock doors"],
        1,
        lessons["Dock doors"].current.body,
        "",
        Limits(),
        values={"team": "=HYPERLINK(1)", "severity": "low"},
    )
    db_session.commit()
    auth.login("reader")
    export = client.get("/-/spaces/hr/lessons?format=csv&sort=title&order=asc")
    assert export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    lines = export.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Title,Address,Last edited (UTC),Project,Team,Event date")
    assert len(lines) == 4
    assert lines[1].startswith("Dock doors,http://localhost/wiki/hr:dock-doors,")
    assert ",'=HYPERLINK(1)," in lines[1]


def test_wiki_reindex_rebuilds_the_field_values(app, runner, db_session, users, hr):
    page = _lesson(db_session, users["editor"], hr, {"team": "Logistics"}).page
    db_session.commit()
    db_session.execute(PageField.__table__.delete())
    db_session.commit()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "the fields of 1 " in result.output
    assert _fields(db_session, page) == {"team": "Logistics"}


# --------------------------------------------------------------------------- searching fields


def test_records_are_found_by_their_fields_and_their_values_as_words(
    app, client, auth, lessons, db_session, users
):
    from tests.test_search import search_now, titles_found

    edit_page(
        db_session,
        users["editor"],
        lessons["Payroll cutover"],
        1,
        lessons["Payroll cutover"].current.body,
        "",
        Limits(),
        values={"team": "Finance", "severity": "critical", "outcome": "partial success"},
    )
    db_session.commit()
    search_now(app)
    auth.login("reader")
    assert sorted(titles_found(client, "team:logistics")) == ["Dock doors", "Freight elevator"]
    assert titles_found(client, "team:LOGISTICS severity:high") == ["Freight elevator"]
    assert titles_found(client, 'outcome:"partial success"') == ["Payroll cutover"]
    assert titles_found(client, "team:fin*") == ["Payroll cutover"]
    assert "Payroll cutover" not in titles_found(client, "logistics -team:finance")
    assert titles_found(client, "team:nobody") == []
    # Plain words find a field's value too; a word that merely ends with a colon is a word.
    assert "Payroll cutover" in titles_found(client, "finance")
    assert "Payroll cutover" in titles_found(client, "finance:")
    # The fact box links each value to the search for it.
    shown = client.get("/wiki/hr:freight-elevator").get_data(as_text=True)
    assert "q=team:%22Logistics%22" in shown.replace("%3A", ":")


def test_a_hostile_field_value_is_text_everywhere_it_is_shown(client, auth, db_session, users, hr):
    hostile = '<img src=x onerror=alert(1)>"\u202e'
    page = _lesson(db_session, users["editor"], hr, {"team": "Logistics"}).page
    edit_page(
        db_session,
        users["editor"],
        page,
        1,
        page.current.body,
        "",
        Limits(),
        values={"team": hostile, "customer": "</td></tr><script>x()</script>"},
    )
    db_session.commit()
    auth.login("reader")
    for address in (
        "/wiki/hr:freight-elevator",
        "/wiki/hr:freight-elevator/diff/1/2",
        "/-/spaces/hr/lessons",
        "/-/spaces/hr/lessons?f.team=" + hostile,
    ):
        shown = client.get(address).get_data(as_text=True)
        assert "<img src=x" not in shown and "<script>x()" not in shown, address
        assert "&lt;img src=x onerror=alert(1)&gt;" in shown, address


def test_a_template_page_is_bounded_like_any_page(db_session, users, hr):
    deep = "> " * 200 + "deep\n"
    with pytest.raises(InvalidInput):
        create_page(
            db_session, users["editor"], "Deep", deep, "", Limits(), tags="template", space=hr
        )
    huge = create_page(
        db_session,
        users["editor"],
        "Checklist",
        "- [ ] item\n" * 5000,
        "",
        Limits(),
        tags="template",
        space=hr,
    ).page
    db_session.commit()
    started = page_templates.start(db_session, users["reader"], hr, f"page:{huge.id}", TODAY)
    assert started is not None and started.body.count("- [ ] item") == 5000


def test_the_lessons_view_filters_by_a_range_of_dates(client, auth, lessons, db_session, users):
    from sqlalchemy import update

    from wiki.models import Page

    db_session.execute(
        update(Page)
        .where(Page.id == lessons["Dock doors"].id)
        .values(updated_at=datetime(2024, 5, 1, tzinfo=UTC))
    )
    db_session.commit()
    auth.login("reader")

    def titles(query):
        shown = client.get("/-/spaces/hr/lessons?sort=title&order=asc&" + query)
        assert shown.status_code == 200
        html = shown.get_data(as_text=True)
        return [t for t in ("Dock doors", "Freight elevator", "Payroll cutover") if t in html]

    # Event dates: 2026-03-01, 2026-01-15 and 2026-02-10.
    assert titles("f.event_date=2026-02") == ["Payroll cutover"]
    assert titles("f.event_date=2026-01..2026-02") == ["Dock doors", "Payroll cutover"]
    assert titles("f.event_date=2026-02-10..") == ["Freight elevator", "Payroll cutover"]
    assert titles("f.event_date=..2025") == []
    assert titles("f.event_date=2026-02-30") == []  # no such day: nothing, not an error
    assert titles("f.updated=2024") == ["Dock doors"]
    assert titles("f.updated=2025..") == ["Freight elevator", "Payroll cutover"]
    assert titles("f.updated=not-a-date") == []
