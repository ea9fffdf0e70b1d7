"""Nothing is lost (issue 12): PATCH changes only what it names; months that have not ended are
refused and never counted; two people editing one month see each other's change (ETag / If-Match,
an upload's base_versions); a JSON body is read like a file's cells, every problem at once; text
that cannot be stored is refused, text stored before renders; spreadsheets keep text as text.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.core import deps as core_deps
from app.core.config import Settings
from app.core.db import Database, utcnow
from app.core.migrate import upgrade
from app.submissions.models import DataSource
from app.values import store
from app.values.models import Activity, MonthlyValue
from tests.conftest import SEED_TODAY, HeadersFor, create_user
from tests.upload_helpers import CLEAN, codes, csv_bytes, get_month, label, long_rows, months_ago, ok, problem, upload

MONTH = "2024-03"
URL = f"/api/v1/districts/{CLEAN}/months/{MONTH}"


@pytest.fixture
def staff(headers_for: HeadersFor) -> dict[str, str]:
    return headers_for("staff", CLEAN)


# ----------------------------------------------------------------------------- PATCH


def test_patch_changes_only_the_keys_it_sends(client: TestClient, staff: dict[str, str]) -> None:
    figures = {"penalty.cases": 2, "penalty.fines_yuan": 5000, "drill.drills": 1, "training.sessions": 3}
    activity = {"kind": "drill", "date": "2024-03-15", "title": "防汛演练", "participants": 40}
    ok(client.put(URL, json={"values": figures, "activities": [activity]}, headers=staff), 200)
    body = ok(client.patch(URL, json={"values": {"drill.drills": 2, "training.sessions": None}}, headers=staff), 200)
    assert (body["created"], body["updated"], body["unchanged"], body["removed"]) == (0, 1, 0, 1)
    got = get_month(client, staff, CLEAN, MONTH)
    assert got["values"] == {"penalty.cases": 2, "penalty.fines_yuan": 5000, "drill.drills": 2}
    assert [a["title"] for a in got["activities"]] == ["防汛演练"]  # activities left out: kept
    ok(client.patch(URL, json={"activities": []}, headers=staff), 200)
    assert get_month(client, staff, CLEAN, MONTH)["activities"] == []


def test_patch_is_checked_with_the_month_it_makes(client: TestClient, staff: dict[str, str]) -> None:
    """Fines need a penalty case in the same month: withdrawing the cases of a month with fines is
    refused, though the PATCH itself names no fine."""
    ok(client.put(URL, json={"values": {"penalty.cases": 1, "penalty.fines_yuan": 5000}}, headers=staff), 200)
    body = problem(client.patch(URL, json={"values": {"penalty.cases": None}}, headers=staff))
    assert codes(body) == ["check.fines_without_cases"]
    assert get_month(client, staff, CLEAN, MONTH)["values"] == {"penalty.cases": 1, "penalty.fines_yuan": 5000}


# ----------------------------------------------------------------------------- months that have not ended


def test_a_month_that_has_not_ended_is_refused_on_every_write_path(
    client: TestClient, staff: dict[str, str], session: Session
) -> None:
    this_month = label(months_ago(0))
    url = f"/api/v1/districts/{CLEAN}/months/{this_month}"
    for r in (
        client.put(url, json={"values": {"penalty.cases": 1}}, headers=staff),
        client.patch(url, json={"values": {"penalty.cases": 1}}, headers=staff),
        upload(client, staff, csv_bytes(long_rows(CLEAN, this_month, {"penalty.cases": 1}))),
        upload(client, staff, csv_bytes(long_rows(CLEAN, label(months_ago(-3)), {"penalty.cases": 1}))),
    ):
        body = problem(r)
        assert codes(body) == ["month.not_ended"]
        error = body["errors"][0]
        last = label(months_ago(1))
        assert "尚未结束" in error["message_zh"] and last[:4] in error["message_zh"]
        assert "has not ended" in error["message_en"] and last in error["message_en"]
    assert session.scalar(select(MonthlyValue.id).where(MonthlyValue.district_code == CLEAN)) is None
    # Last month has ended: it is taken.
    ok(upload(client, staff, csv_bytes(long_rows(CLEAN, label(months_ago(1)), {"penalty.cases": 1}))))


def test_the_statistics_never_count_a_month_that_has_not_ended(
    api: FastAPI, client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    """A figure of the running month (written behind the application's back) is not in any total."""
    api.dependency_overrides[core_deps.today] = lambda: SEED_TODAY  # November 2026 is running
    running = dt.date(SEED_TODAY.year, SEED_TODAY.month, 1)
    params = {"district": CLEAN, "year": SEED_TODAY.year}

    def totals() -> dict[str, Any]:
        body = ok(client.get("/api/v1/stats/totals", params=params, headers=admin_headers), 200)
        return {i["code"]: i for i in body["indicators"]} | {"month_to": body["month_to"]}

    ok(
        client.put(
            f"/api/v1/districts/{CLEAN}/months/2026-10", json={"values": {"drill.drills": 2}}, headers=admin_headers
        ),
        200,
    )
    changes = store.ValueChanges(submission_id=None, user_id=None, now=utcnow())
    changes.insert(CLEAN, running, "drill.drills", 50, DataSource.upload)
    store.apply(session, changes)
    before = totals()
    assert before["drill.drills"]["total"] == 2 and before["month_to"] == 10
    monthly = ok(
        client.get("/api/v1/stats/monthly", params={**params, "indicator": "drill.drills"}, headers=admin_headers),
        200,
    )
    assert monthly["months"][10]["value"] is None and monthly["total"] == 2
    yearly = ok(
        client.get(
            "/api/v1/stats/yearly",
            params={"district": CLEAN, "year_from": SEED_TODAY.year, "year_to": SEED_TODAY.year},
            headers=admin_headers,
        ),
        200,
    )
    drills = next(i for i in yearly["indicators"] if i["code"] == "drill.drills")
    assert drills["years"][0]["total"] == 2 and drills["years"][0]["months_reported"] == 1


# ----------------------------------------------------------------------------- concurrent edits


def test_if_match_refuses_a_stale_edit(client: TestClient, staff: dict[str, str]) -> None:
    ok(client.put(URL, json={"values": {"penalty.cases": 1}}, headers=staff), 200)
    read = client.get(URL, headers=staff)
    etag = read.headers["etag"]
    assert etag.startswith('"') and client.get(URL, headers=staff).headers["etag"] == etag  # stable
    first = client.patch(URL, json={"values": {"drill.drills": 3}}, headers={**staff, "If-Match": etag})
    assert first.status_code == 200 and first.headers["etag"] != etag
    assert client.get(URL, headers=staff).headers["etag"] == first.headers["etag"]
    stale = client.put(URL, json={"values": {"penalty.cases": 9}}, headers={**staff, "If-Match": etag})
    body = problem(stale, 412)
    assert codes(body) == ["month.changed"]
    assert get_month(client, staff, CLEAN, MONTH)["values"] == {"penalty.cases": 1, "drill.drills": 3}
    # Without If-Match, scripts keep working as before.
    ok(client.patch(URL, json={"values": {"penalty.cases": 2}}, headers=staff), 200)


@pytest.fixture
def live_api(empty_database: Database) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    """The real app on a database of its own, without the tests' shared session: every request in
    its own transaction, as in production."""
    from app.auth.service import create_token
    from seed.loader import SeedStats, load_districts

    upgrade(empty_database.engine)
    with empty_database.session() as s:
        load_districts(s, SeedStats())
    with empty_database.session() as s:
        user = create_user(s, role="staff", districts=(CLEAN,))
        _row, token = create_token(s, user=user)
    from app.main import create_app

    app = create_app(Settings(database_url=empty_database.url, environment="test"), empty_database)
    yield app, {"Authorization": f"Bearer {token}"}


def test_two_clients_one_etag_one_412_nothing_lost(live_api: tuple[FastAPI, dict[str, str]]) -> None:
    app, headers = live_api
    with TestClient(app) as a, TestClient(app) as b:
        ok(a.put(URL, json={"values": {"penalty.cases": 1, "drill.drills": 1}}, headers=headers), 200)
        etag = a.get(URL, headers=headers).headers["etag"]
        start = threading.Barrier(2)
        answers: dict[str, Any] = {}

        def edit(name: str, client: TestClient, values: dict[str, int]) -> None:
            start.wait()
            answers[name] = client.patch(URL, json={"values": values}, headers={**headers, "If-Match": etag})

        threads = [
            threading.Thread(target=edit, args=("a", a, {"penalty.cases": 5})),
            threading.Thread(target=edit, args=("b", b, {"drill.drills": 7})),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(r.status_code for r in answers.values())
        assert statuses == [200, 412], {k: r.text for k, r in answers.items()}
        winner = "a" if answers["a"].status_code == 200 else "b"
        expected = {"penalty.cases": 5, "drill.drills": 1} if winner == "a" else {"penalty.cases": 1, "drill.drills": 7}
        assert get_month(a, headers, CLEAN, MONTH)["values"] == expected
        # The loser reads again and applies its change on top: both changes are kept.
        loser_values = {"drill.drills": 7} if winner == "a" else {"penalty.cases": 5}
        fresh = a.get(URL, headers=headers).headers["etag"]
        ok(b.patch(URL, json={"values": loser_values}, headers={**headers, "If-Match": fresh}), 200)
        assert get_month(a, headers, CLEAN, MONTH)["values"] == {"penalty.cases": 5, "drill.drills": 7}


def test_a_confirmed_upload_fails_whole_when_a_month_changed_after_its_dry_run(
    client: TestClient, staff: dict[str, str], session: Session
) -> None:
    content = csv_bytes(
        long_rows(CLEAN, "2024-03", {"penalty.cases": 3}) + long_rows(CLEAN, "2024-04", {"penalty.cases": 4})
    )
    dry = ok(upload(client, staff, content, dry_run=True), 200)
    versions = {f"{m['district']}/{m['month']}": m["version"] for m in dry["district_months"]}
    assert len(versions) == 2 and all(versions.values())
    # Someone else changes April in between.
    ok(
        client.put(f"/api/v1/districts/{CLEAN}/months/2024-04", json={"values": {"drill.drills": 1}}, headers=staff),
        200,
    )
    r = client.post(
        "/api/v1/uploads",
        files={"file": ("a.csv", content, "text/csv")},
        data={"base_versions": json.dumps(versions)},
        headers=staff,
    )
    body = problem(r, 409)
    assert [(e["code"], e["month"]) for e in body["errors"]] == [("month.changed", "2024-04")]
    assert get_month(client, staff, CLEAN, "2024-03")["values"] == {}  # whole: March not written either
    # Previewed again, the confirmation goes through.
    again = ok(upload(client, staff, content, dry_run=True), 200)
    versions = {f"{m['district']}/{m['month']}": m["version"] for m in again["district_months"]}
    r = client.post(
        "/api/v1/uploads",
        files={"file": ("a.csv", content, "text/csv")},
        data={"base_versions": json.dumps(versions)},
        headers=staff,
    )
    assert r.status_code == 201, r.text
    problem(
        client.post(
            "/api/v1/uploads",
            files={"file": ("a.csv", content, "text/csv")},
            data={"base_versions": "not json"},
            headers=staff,
        )
    )


# ----------------------------------------------------------------------------- JSON like files


def test_a_put_lists_every_problem_of_its_body_at_once(client: TestClient, staff: dict[str, str]) -> None:
    body = problem(
        client.put(
            URL,
            json={
                "values": {"penalty.cases": "x", "penalty.case": 1, "drill.drills": -4, "training.sessions": True},
                "activities": [{"kind": "drill", "date": "2024-03-40", "title": ""}],
            },
            headers=staff,
        )
    )
    found = {(e["code"], e.get("column")) for e in body["errors"]}
    assert ("value.not_a_number", "values.penalty.cases") in found
    assert ("indicator.unknown", "penalty.case") in found
    assert ("value.negative", "drill.drills") in found
    assert ("value.not_a_number", "values.training.sessions") in found
    assert ("activity.date_format", "activities[0].date") in found
    assert ("activity.title", "activities[0].title") in found
    by_code = {e["code"]: e for e in body["errors"]}
    assert by_code["value.negative"]["value"] == -4  # as sent, not -4.0
    values = {e.get("value") for e in body["errors"]}
    assert "x" in values
    for e in body["errors"]:
        assert ".int" not in (e.get("column") or "") and "pydantic" not in e["message_en"]


def test_numbers_sent_as_text_are_read_like_cells(client: TestClient, staff: dict[str, str]) -> None:
    figures = {"inspection.enterprises": "2,000", "penalty.fines_yuan": "3.5万", "penalty.cases": "12"}
    ok(client.put(URL, json={"values": figures}, headers=staff), 200)
    got = get_month(client, staff, CLEAN, MONTH)["values"]
    assert got == {"inspection.enterprises": 2000, "penalty.fines_yuan": 35000, "penalty.cases": 12}


# ----------------------------------------------------------------------------- text


@pytest.mark.parametrize("bad", ["演练\x07", "演练\x00", "演\ud800练", "演练\x1b[31m"])
def test_text_that_cannot_be_stored_is_refused(client: TestClient, staff: dict[str, str], bad: str) -> None:
    def put(activity: dict[str, Any]) -> Any:
        # json.dumps writes \\u escapes (ASCII), as a client may: a lone surrogate has no UTF-8 form.
        body = json.dumps({"values": {"drill.drills": 1}, "activities": [activity]})
        return client.put(URL, content=body.encode(), headers={**staff, "Content-Type": "application/json"})

    body = problem(put({"kind": "drill", "date": "2024-03-15", "title": bad}))
    assert codes(body) == ["text.control_characters"]
    body = problem(put({"kind": "drill", "date": "2024-03-15", "title": "演练", "notes": f"第一行\n第二行\t{bad}"}))
    assert codes(body) == ["text.control_characters"]
    fine = {"kind": "drill", "date": "2024-03-15", "title": "演练", "notes": "第一行\n第二行\t完"}
    ok(client.put(URL, json={"values": {"drill.drills": 1}, "activities": [fine]}, headers=staff), 200)


def _bad_title_stored(session: Session, district: str, year: int) -> None:
    """Text as rows written before the rules existed hold it (straight into the table)."""
    drill = session.scalars(
        select(Activity)
        .where(Activity.district_code == district, Activity.date >= dt.date(year, 1, 1))
        .where(Activity.date < dt.date(year + 1, 1, 1))
        .order_by(Activity.id)
    ).first()
    assert drill is not None
    session.execute(
        text("UPDATE activities SET title = :t WHERE id = :id"), {"t": '=HYPERLINK("x")演练\x07\x1b', "id": drill.id}
    )
    session.expire_all()


def test_stored_bad_text_renders_everywhere(
    client: TestClient, admin_headers: dict[str, str], session: Session
) -> None:
    _bad_title_stored(session, "120102", 2021)
    for fmt in ("docx", "html", "md"):
        for district in ("120102", "120000"):
            r = client.get(
                "/api/v1/reports/annual",
                params={"district": district, "year": 2021, "format": fmt},
                headers=admin_headers,
            )
            assert r.status_code == 200, (fmt, district, r.text[:300])
    saved = client.post("/api/v1/reports", json={"district": "120102", "year": 2021}, headers=admin_headers)
    assert saved.status_code == 201, saved.text
    edition = saved.json()["id"]
    for fmt in ("docx", "html", "md"):
        r = client.get(f"/api/v1/reports/{edition}", params={"format": fmt}, headers=admin_headers)
        assert r.status_code == 200, (fmt, r.text[:300])
    r = client.get(
        "/api/v1/uploads/template.xlsx",
        params={"district": "120102", "year": 2021, "prefill": "true"},
        headers=admin_headers,
    )
    assert r.status_code == 200, r.text
    book = load_workbook(io.BytesIO(r.content))
    titles = [c for c in book["活动"]["C"] if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert titles and all(c.data_type == "s" for c in titles)  # text, not a live formula
    assert "\x07" not in titles[0].value


def test_text_starting_like_a_formula_stays_text_in_every_spreadsheet(
    client: TestClient, staff: dict[str, str]
) -> None:
    title = "=1+1 演练"
    activity = {"kind": "drill", "date": "2024-03-15", "title": title, "notes": "@SUM(A1) +1 -1"}
    ok(client.put(URL, json={"values": {"drill.drills": 1}, "activities": [activity]}, headers=staff), 200)
    r = client.get(
        "/api/v1/uploads/template.xlsx", params={"district": CLEAN, "year": 2024, "prefill": "true"}, headers=staff
    )
    sheet = load_workbook(io.BytesIO(r.content))["活动"]
    row = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == title)
    assert row[2].data_type == "s" and row[4].data_type == "s" and row[4].value == "@SUM(A1) +1 -1"
    # The template goes back unchanged, the title as written.
    body = ok(upload(client, staff, r.content, "t.xlsx"))
    assert (body["created"], body["updated"], body["removed"], body["activities_created"]) == (0, 0, 0, 0)
    r = client.get("/api/v1/values", params={"district": CLEAN, "year": 2024, "format": "xlsx"}, headers=staff)
    book = load_workbook(io.BytesIO(r.content))
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)


def test_the_migration_cleans_stored_text(empty_database: Database) -> None:
    from seed.loader import SeedStats, load_districts

    upgrade(empty_database.engine, "0005")
    with empty_database.session() as s:
        load_districts(s, SeedStats())
        s.execute(
            text(
                "INSERT INTO activities (district_code, date, kind, title, notes, source) "
                "VALUES (:d, :date, 'drill', :t, :n, 'upload')"
            ),
            {"d": CLEAN, "date": dt.date(2024, 3, 15), "t": "演练\x07\n第二行", "n": "行一\n行二\x1b"},
        )
    upgrade(empty_database.engine)
    with empty_database.session() as s:
        title, notes = s.execute(select(Activity.title, Activity.notes)).one()
    assert title == "演练\ufffd 第二行" and notes == "行一\n行二\ufffd"
