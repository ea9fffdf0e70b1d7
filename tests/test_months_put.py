"""The JSON form of a monthly report: PUT and GET /districts/{code}/months/{YYYY-MM} (issue 4), on
SQLite and PostgreSQL — replacing a month, idempotence, every problem listed, the GET → PUT round
trip, and numbers or months no date or float can hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.submissions.models import Submission, SubmissionStatus
from app.values.models import ValueHistory
from tests.conftest import HeadersFor
from tests.upload_helpers import CLEAN, FULL_MONTH, codes, dump, problem, submissions_count

Headers = dict[str, str]
MONTH = "2024-02"
URL = f"/api/v1/districts/{CLEAN}/months/{MONTH}"
ACTIVITIES = [
    {"kind": "drill", "date": "2024-02-15", "title": "社区地震疏散应急演练", "participants": 300, "notes": None},
    {"kind": "publicity", "date": "2024-02-20", "title": "安全生产宣传", "participants": None, "notes": "街道联合"},
]
COUNTS = ("created", "updated", "unchanged", "removed", "activities_created", "activities_removed")


@pytest.fixture
def staff(headers_for: HeadersFor) -> Headers:
    return headers_for("staff", CLEAN)


def put(client: TestClient, headers: Headers, body: Any, url: str = URL) -> Any:
    return client.put(url, json=body, headers=headers)


def put_raw(client: TestClient, headers: Headers, text: str, url: str = URL) -> Any:
    """A body json.dumps would refuse to write (1e400, NaN): as a client may send it."""
    return client.put(url, content=text.encode(), headers={**headers, "Content-Type": "application/json"})


def ok(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def counts(body: dict[str, Any]) -> tuple[int, ...]:
    return tuple(body[name] for name in COUNTS)


def figures(session: Session) -> dict[str, Any]:
    """The dump without month_reports, whose last_submitted_at every accepted PUT moves on."""
    return {name: rows for name, rows in dump(session).items() if name != "month_reports"}


def strict_json(value: Any) -> str:
    return json.dumps(value, allow_nan=False)  # raises on infinity or NaN anywhere inside


# ----------------------------------------------------------------------------- replacing a month


def test_the_same_body_twice_changes_nothing_the_second_time(
    client: TestClient, staff: Headers, session: Session
) -> None:
    body = {"values": FULL_MONTH, "activities": ACTIVITIES}
    assert counts(ok(put(client, staff, body))) == (22, 0, 0, 0, 2, 0)
    before = figures(session)
    again = ok(put(client, staff, body))
    assert counts(again) == (0, 0, 22, 0, 0, 0)
    assert figures(session) == before  # no value, history row, activity or yearly total changed


def test_several_bad_values_are_all_listed_and_nothing_is_stored(
    client: TestClient, staff: Headers, session: Session
) -> None:
    ok(put(client, staff, {"values": {"penalty.cases": 1}}))
    before, logged = dump(session), submissions_count(session)
    body = {
        "values": {
            "penalty.cases": -1,
            "drill.drills": 1.5,
            "penalty.fines_yuan": 10.555,
            "inspection.enterprises": 2e12,
            "no.such_indicator": 3,
            "double_random.inspections": 2,
            "double_random.published": 5,
        },
        "activities": [{"kind": "drill", "date": "2024-03-01", "title": "三月的演练"}],
    }
    r = problem(put(client, staff, body))
    found = {(e["code"], e.get("indicator")) for e in r["errors"]}
    assert found == {
        ("value.negative", "penalty.cases"),
        ("value.not_whole", "drill.drills"),
        ("value.too_many_decimals", "penalty.fines_yuan"),
        ("value.too_large", "inspection.enterprises"),
        ("indicator.unknown", "no.such_indicator"),
        ("check.published_exceeds_inspections", "double_random.published"),
        ("activity.date_outside_month", None),
    }
    assert all("value" in e for e in r["errors"])
    assert dump(session) == before
    # The attempt is logged as rejected (one entry), with the same problems.
    assert submissions_count(session) == logged + 1
    sub = session.get(Submission, r["submission_id"])
    assert sub is not None and sub.status == SubmissionStatus.rejected and sub.error_count == len(found)


def test_activities_are_replaced(client: TestClient, staff: Headers, session: Session) -> None:
    ok(put(client, staff, {"values": {"drill.drills": 2}, "activities": ACTIVITIES}))
    other = [{"kind": "training", "date": "2024-02-03", "title": "执法培训", "participants": 24}]
    assert counts(ok(put(client, staff, {"values": {"drill.drills": 2}, "activities": other}))) == (0, 0, 1, 0, 1, 2)
    got = ok(client.get(URL, headers=staff))["activities"]
    assert got == [{**other[0], "notes": None}]
    # No activities in the body: the month has none.
    assert counts(ok(put(client, staff, {"values": {"drill.drills": 2}}))) == (0, 0, 1, 0, 0, 1)
    assert ok(client.get(URL, headers=staff))["activities"] == []


def test_indicators_left_out_become_removed(client: TestClient, staff: Headers, session: Session) -> None:
    first = ok(put(client, staff, {"values": FULL_MONTH}))
    kept = {"penalty.cases": 4, "drill.drills": 5}  # 4 as before, 5 instead of 3
    body = ok(put(client, staff, {"values": kept}))
    assert counts(body) == (0, 1, 1, 20, 0, 0)
    assert ok(client.get(URL, headers=staff))["values"] == kept
    withdrawn = session.scalars(
        select(ValueHistory.indicator_code).where(
            ValueHistory.submission_id == body["submission_id"], ValueHistory.new_value.is_(None)
        )
    ).all()
    assert sorted(withdrawn) == sorted(set(FULL_MONTH) - set(kept))
    assert first["submission_id"] != body["submission_id"]
    # An empty body withdraws the month: no figure, no longer reported.
    assert counts(ok(put(client, staff, {}))) == (0, 0, 0, 2, 0, 0)
    got = ok(client.get(URL, headers=staff))
    assert got["values"] == {} and got["first_submitted_at"] is None


# ----------------------------------------------------------------------------- GET → PUT


def test_get_answers_whole_numbers_as_integers(client: TestClient, staff: Headers) -> None:
    ok(put(client, staff, {"values": {"penalty.cases": 4, "penalty.fines_yuan": 125000, "drill.drills": 3.0}}))
    r = client.get(URL, headers=staff)
    values = ok(r)["values"]
    assert values == {"penalty.cases": 4, "penalty.fines_yuan": 125000, "drill.drills": 3}
    assert type(values["penalty.cases"]) is int and type(values["drill.drills"]) is int
    assert type(values["penalty.fines_yuan"]) is float  # yuan may have fen: a number
    assert '"penalty.cases":4,' in r.text.replace(" ", "")


def test_what_get_answers_can_be_put_back_unchanged(client: TestClient, staff: Headers, session: Session) -> None:
    ok(put(client, staff, {"values": FULL_MONTH, "activities": ACTIVITIES}))
    got = ok(client.get(URL, headers=staff))
    assert set(got) == {"district", "month", "values", "activities", "first_submitted_at", "last_submitted_at"}
    before = figures(session)
    assert counts(ok(put(client, staff, got))) == (0, 0, 22, 0, 0, 0)
    assert figures(session) == before
    assert ok(client.get(URL, headers=staff))["values"] == got["values"]


def test_a_seeded_month_round_trips_too(client: TestClient, headers_for: HeadersFor, session: Session) -> None:
    hedong = headers_for("staff", "120102")
    url = "/api/v1/districts/120102/months/2021-05"
    got = ok(client.get(url, headers=hedong))
    assert len(got["values"]) > 10 and got["first_submitted_at"]
    before = figures(session)
    assert counts(ok(put(client, hedong, got, url))) == (0, 0, len(got["values"]), 0, 0, 0)
    assert figures(session) == before


def test_the_read_only_fields_must_match_the_url_and_timestamps_are_ignored(
    client: TestClient, staff: Headers, session: Session
) -> None:
    ok(put(client, staff, {"values": {"penalty.cases": 1}}))
    before, logged = dump(session), submissions_count(session)
    r = problem(
        put(
            client,
            staff,
            {"district": "110102", "month": "2024-03", "values": {"penalty.cases": -2, "drill.drills": 1}},
        )
    )
    assert sorted(codes(r)) == ["district.mismatch", "month.mismatch", "value.negative"]
    mismatch = {e["code"]: e for e in r["errors"]}
    assert mismatch["district.mismatch"]["value"] == "110102" and mismatch["district.mismatch"]["column"] == "district"
    assert "110101" in mismatch["district.mismatch"]["message_zh"] and "URL" in mismatch["month.mismatch"]["message_en"]
    assert dump(session) == before and submissions_count(session) == logged + 1
    # Equal to the URL: accepted. Timestamps sent are not stored: the server sets its own.
    body = {
        "district": CLEAN,
        "month": MONTH,
        "values": {"penalty.cases": 2},
        "first_submitted_at": "2001-01-01T00:00:00Z",
        "last_submitted_at": None,
    }
    ok(put(client, staff, body))
    got = ok(client.get(URL, headers=staff))
    assert got["values"] == {"penalty.cases": 2} and not got["first_submitted_at"].startswith("2001")
    assert got["last_submitted_at"] is not None
    # Anything else stays forbidden: author and time are the server's.
    for extra in ({"author": "someone"}, {"user": "x"}, {"submitted_at": "2024-01-01T00:00:00Z"}):
        assert codes(problem(put(client, staff, {"values": {}, **extra}))) == ["request.extra_forbidden"]


# ----------------------------------------------------------------------------- numbers no float can hold


@pytest.mark.parametrize(
    ("text", "code", "shown"),
    [
        ("1e400", "value.too_large", "Infinity"),
        ("-1e400", "value.too_large", "-Infinity"),
        ("Infinity", "value.too_large", "Infinity"),
        ("NaN", "value.not_a_number", "NaN"),
        ("1" + "0" * 400, "value.too_large", None),
    ],
)
def test_numbers_beyond_a_float_are_422_and_never_stored(
    client: TestClient, staff: Headers, session: Session, text: str, code: str, shown: str | None
) -> None:
    """1e400 is infinity once parsed: a 422 with a JSON-compliant answer, and a log entry that
    JSON can hold (PostgreSQL's jsonb refuses Infinity)."""
    before = dump(session)
    # Deaths without accident.count would fail a cross-check, were the figure not rejected already.
    r = problem(put_raw(client, staff, '{"values": {"accident.deaths": ' + text + ', "penalty.cases": -1}}'))
    assert sorted(codes(r)) == sorted([code, "value.negative"])
    bad = next(e for e in r["errors"] if e["code"] == code)
    assert isinstance(bad["value"], str) and len(bad["value"]) < 80
    if shown is not None:
        assert bad["value"] == shown
    assert dump(session) == before
    session.expire_all()
    sub = session.get(Submission, r["submission_id"])
    assert sub is not None and sub.status == SubmissionStatus.rejected
    strict_json(sub.summary)
    log = client.get(f"/api/v1/uploads/{r['submission_id']}", headers=staff)
    assert log.status_code == 200, log.text


# ----------------------------------------------------------------------------- months no date can hold


@pytest.mark.parametrize("month", ["0000-01", "0000-12"])
def test_the_year_0000_is_too_early_not_a_crash(client: TestClient, staff: Headers, month: str) -> None:
    url = f"/api/v1/districts/{CLEAN}/months/{month}"
    assert codes(problem(client.get(url, headers=staff))) == ["month.too_early"]
    assert codes(problem(put(client, staff, {"values": {"penalty.cases": 1}}, url))) == ["month.too_early"]
    assert codes(problem(client.get("/api/v1/audit", params={"month": month}, headers=staff))) == ["month.too_early"]
    assert codes(problem(client.get(f"/api/v1/districts/{CLEAN}/months/0000-13", headers=staff))) == ["month.format"]
