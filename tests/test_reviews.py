"""Review of district-months (issue 14): every transition and refusal, the lock on approved months
for every write path, approving a whole month, reminders (mailed through a local SMTP server), and
the review trail — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.service import create_token
from app.values.models import MonthlyValue
from tests.conftest import create_user
from tests.upload_helpers import CLEAN, CLEAN2, codes, csv_bytes, long_rows, ok, problem, upload

MONTH = "2024-03"
PARENT = "110000"  # 北京市: CLEAN (110101) and CLEAN2 (110102) are two of its districts


def headers(session: Session, role: str, *districts: str, email: str | None = None) -> dict[str, str]:
    user = create_user(session, role=role, districts=districts)
    if email:
        user.email = email
        session.flush()
    _row, token = create_token(session, user=user)
    return {"Authorization": f"Bearer {token}", "X-User": user.name}


@pytest.fixture
def staff(session: Session) -> dict[str, str]:
    return headers(session, "staff", CLEAN)


@pytest.fixture
def reviewer(session: Session) -> dict[str, str]:
    return headers(session, "reviewer", PARENT)


def url(code: str = CLEAN, month: str = MONTH, action: str = "") -> str:
    return f"/api/v1/districts/{code}/months/{month}" + (f"/{action}" if action else "")


def reviews(client: TestClient, h: dict[str, str], **params: str) -> dict[str, Any]:
    return ok(client.get("/api/v1/reviews", params={"parent": PARENT, "month": MONTH, **params}, headers=h), 200)


def status(client: TestClient, h: dict[str, str], code: str = CLEAN) -> dict[str, Any]:
    rows = {r["district"]["code"]: r for r in reviews(client, h)["rows"]}
    return rows[code]


def test_a_month_goes_through_its_states(client: TestClient, staff: dict[str, str], reviewer: dict[str, str]) -> None:
    assert status(client, reviewer)["status"] == "missing"
    problem(client.post(url(action="approve"), headers=reviewer), 409)  # nothing to approve
    ok(client.put(url(), json={"values": {"penalty.cases": 2}}, headers=staff), 200)
    row = status(client, reviewer)
    assert row["status"] == "submitted" and row["submitted_by"] == staff["X-User"] and row["last_change"]
    # Return needs a reason.
    assert codes(problem(client.post(url(action="return"), json={"reason": "  "}, headers=reviewer))) == [
        "reason.missing"
    ]
    problem(client.post(url(action="return"), json={}, headers=reviewer))
    body = ok(client.post(url(action="return"), json={"reason": "罚款与案件数不符"}, headers=reviewer), 200)
    assert (body["previous"], body["status"], body["reason"]) == ("submitted", "returned", "罚款与案件数不符")
    # The clerk sees the reason, corrects, and the month is submitted again.
    row = status(client, staff)
    assert (row["status"], row["reason"], row["reviewed_by"]) == ("returned", "罚款与案件数不符", reviewer["X-User"])
    ok(client.patch(url(), json={"values": {"penalty.cases": 3}}, headers=staff), 200)
    assert status(client, reviewer)["status"] == "submitted"
    # Approved: locked for every write path.
    assert ok(client.post(url(action="approve"), headers=reviewer), 200)["status"] == "approved"
    for r in (
        client.put(url(), json={"values": {"penalty.cases": 4}}, headers=staff),
        client.patch(url(), json={"values": {"penalty.cases": 4}}, headers=staff),
    ):
        assert codes(problem(r, 409)) == ["month.locked"]
    # Returning an approved month needs an unlock first; unlocking needs a reason.
    assert codes(problem(client.post(url(action="return"), json={"reason": "x"}, headers=reviewer), 409)) == [
        "month.locked"
    ]
    problem(client.post(url(action="unlock"), json={"reason": ""}, headers=reviewer))
    body = ok(client.post(url(action="unlock"), json={"reason": "区县申请更正"}, headers=reviewer), 200)
    assert (body["previous"], body["status"]) == ("approved", "submitted")
    problem(client.post(url(action="unlock"), json={"reason": "again"}, headers=reviewer), 409)  # not locked
    ok(client.patch(url(), json={"values": {"penalty.cases": 4}}, headers=staff), 200)
    # The trail holds every transition, newest first.
    trail: list[dict[str, Any]] = client.get(
        "/api/v1/reviews/events", params={"district": CLEAN, "month": MONTH}, headers=reviewer
    ).json()
    assert [(e["action"], e["from_status"], e["to_status"]) for e in trail] == [
        ("unlock", "approved", "submitted"),
        ("approve", "submitted", "approved"),
        ("return", "submitted", "returned"),
    ]
    assert trail[2]["reason"] == "罚款与案件数不符" and trail[0]["user"] == reviewer["X-User"]


def test_an_upload_touching_a_locked_month_is_refused_whole(
    client: TestClient, staff: dict[str, str], reviewer: dict[str, str], session: Session
) -> None:
    ok(client.put(url(), json={"values": {"penalty.cases": 2}}, headers=staff), 200)
    ok(client.put(url(month="2024-05"), json={"values": {"penalty.cases": 2}}, headers=staff), 200)
    ok(client.post(url(action="approve"), headers=reviewer), 200)
    ok(client.post(url(month="2024-05", action="approve"), headers=reviewer), 200)
    rows = (
        long_rows(CLEAN, "2024-04", {"penalty.cases": 9})
        + long_rows(CLEAN, MONTH, {"penalty.cases": 9})
        + long_rows(CLEAN, "2024-05", {"penalty.cases": 9})
    )
    for dry_run in (True, False):
        body = problem(upload(client, staff, csv_bytes(rows), dry_run=dry_run), 409)
        assert [(e["code"], e["month"]) for e in body["errors"]] == [
            ("month.locked", MONTH),
            ("month.locked", "2024-05"),
        ]
    april = session.scalars(
        select(MonthlyValue.value).where(MonthlyValue.district_code == CLEAN, MonthlyValue.month == dt.date(2024, 4, 1))
    ).all()
    assert april == []  # all-or-nothing: the unlocked April was not written either
    # A file that restates the locked months as they are (a whole year's file with a new month) goes
    # through: the locked months stay approved and unchanged.
    same = (
        long_rows(CLEAN, "2024-04", {"penalty.cases": 9})
        + long_rows(CLEAN, MONTH, {"penalty.cases": 2})
        + long_rows(CLEAN, "2024-05", {"penalty.cases": 2})
    )
    body = ok(upload(client, staff, csv_bytes(same)))
    assert (body["created"], body["updated"], body["removed"], body["unchanged"]) == (1, 0, 0, 2)
    assert status(client, reviewer)["status"] == "approved"
    assert ok(client.put(url(), json={"values": {"penalty.cases": 2}}, headers=staff), 200)["unchanged"] == 1


def test_who_may_review(client: TestClient, session: Session, staff: dict[str, str], reviewer: dict[str, str]) -> None:
    ok(client.put(url(), json={"values": {"penalty.cases": 2}}, headers=staff), 200)
    viewer = headers(session, "viewer", PARENT)
    other_city = headers(session, "reviewer", "120000")
    for h in (staff, viewer, other_city):
        problem(client.post(url(action="approve"), headers=h), 403)
        problem(client.post(url(action="return"), json={"reason": "x"}, headers=h), 403)
        problem(client.post("/api/v1/reviews/approve", json={"parent": PARENT, "month": MONTH}, headers=h), 403)
    # Reviewers read their scope and write no figures.
    problem(client.put(url(), json={"values": {"penalty.cases": 5}}, headers=reviewer), 403)
    admin = headers(session, "admin")
    ok(client.post(url(action="approve"), headers=admin), 200)
    # A city code is not a district-month of its own.
    problem(client.post(url(code="110100", action="approve"), headers=reviewer), 422)
    problem(client.post(url(code="999999", action="approve"), headers=reviewer), 404)


def test_approve_every_submitted_month_at_once(
    client: TestClient, session: Session, staff: dict[str, str], reviewer: dict[str, str]
) -> None:
    staff2 = headers(session, "staff", CLEAN2)
    ok(client.put(url(), json={"values": {"penalty.cases": 2}}, headers=staff), 200)
    ok(client.put(url(code=CLEAN2), json={"values": {"penalty.cases": 2}}, headers=staff2), 200)
    ok(client.post(url(code=CLEAN2, action="return"), json={"reason": "请补充"}, headers=reviewer), 200)
    before = reviews(client, reviewer)
    body = ok(client.post("/api/v1/reviews/approve", json={"parent": PARENT, "month": MONTH}, headers=reviewer), 200)
    assert (body["approved"], body["already_approved"]) == (1, 0)
    assert body["not_submitted"] == len(before["rows"]) - 1
    after = reviews(client, reviewer)
    assert after["counts"]["approved"] == 1 and after["counts"]["returned"] == 1
    assert {r["district"]["code"] for r in reviews(client, reviewer, status="approved")["rows"]} == {CLEAN}
    again = ok(client.post("/api/v1/reviews/approve", json={"parent": PARENT, "month": MONTH}, headers=reviewer), 200)
    assert (again["approved"], again["already_approved"]) == (0, 1)


@pytest.fixture
def smtp() -> Iterator[list[Any]]:
    """A local SMTP server (aiosmtpd) that keeps what it receives."""
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Keep:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    received.append(port)  # the first item is the port
    yield received
    controller.stop()


def test_reminders_are_recorded_mailed_and_shown_to_the_district(
    api: FastAPI, client: TestClient, session: Session, reviewer: dict[str, str], smtp: list[Any]
) -> None:
    port = smtp.pop(0)
    settings = api.state.settings
    api.state.settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    try:
        clerk = headers(session, "staff", CLEAN, email="hedong@example.cn")
        clerk2 = headers(session, "staff", CLEAN2, email="clerk2@example.cn")
        ok(client.put(url(code=CLEAN2), json={"values": {"penalty.cases": 2}}, headers=clerk2), 200)
        ok(client.post(url(code=CLEAN2, action="return"), json={"reason": "请补充"}, headers=reviewer), 200)
        listing = reviews(client, reviewer)
        open_codes = {r["district"]["code"] for r in listing["rows"] if r["status"] in ("missing", "returned")}
        body = ok(client.post("/api/v1/reminders", json={"parent": PARENT, "month": MONTH}, headers=reviewer), 201)
        assert {r["district"]["code"] for r in body["reminded"]} == open_codes
        by_code = {r["district"]["code"]: r for r in body["reminded"]}
        assert by_code[CLEAN]["mailed_to"] == "hedong@example.cn" and by_code[CLEAN2]["status"] == "returned"
        mails = {tuple(e.rcpt_tos): e.content.decode("utf-8", "replace") for e in smtp}
        assert ("hedong@example.cn",) in mails and ("clerk2@example.cn",) in mails
        # Staff see their open reminders; a month sent since is no longer open.
        mine: list[dict[str, Any]] = client.get("/api/v1/reminders", headers=clerk).json()
        assert [(r["district"]["code"], r["month"]) for r in mine] == [(CLEAN, MONTH)]
        ok(client.put(url(), json={"values": {"penalty.cases": 1}}, headers=clerk), 200)
        assert client.get("/api/v1/reminders", headers=clerk).json() == []
        still: list[dict[str, Any]] = client.get("/api/v1/reminders", headers=clerk2).json()
        assert [r["status"] for r in still] == ["returned"]
    finally:
        api.state.settings = settings
    # Without SMTP the reminder is recorded, and says why it was not mailed.
    body = ok(client.post("/api/v1/reminders", json={"parent": PARENT, "month": MONTH}, headers=reviewer), 201)
    assert all("SMTP" in r["mailed_to"] for r in body["reminded"])
    assert json.dumps(body, ensure_ascii=False)
