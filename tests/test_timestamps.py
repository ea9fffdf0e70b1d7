"""Moments are aware UTC datetimes on both databases: stored as UTC, read back with their offset
(SQLite keeps none of its own), and written by the API with it (RFC 3339)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.submissions.models import Submission
from app.values.models import MonthReport
from tests.conftest import HeadersFor
from tests.upload_helpers import CLEAN


def test_moments_come_back_as_utc_with_their_offset(
    client: TestClient, headers_for: HeadersFor, session: Session
) -> None:
    staff = headers_for("staff", CLEAN)
    before = dt.datetime.now(dt.UTC)
    r = client.put(f"/api/v1/districts/{CLEAN}/months/2024-02", json={"values": {"drill.drills": 1}}, headers=staff)
    assert r.status_code == 200, r.text
    body = client.get(f"/api/v1/districts/{CLEAN}/months/2024-02", headers=staff).json()
    submitted = dt.datetime.fromisoformat(body["first_submitted_at"])
    assert submitted.utcoffset() == dt.timedelta(0)
    assert before - dt.timedelta(seconds=5) <= submitted <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)

    session.expire_all()
    report = session.scalars(select(MonthReport).where(MonthReport.district_code == CLEAN)).one()
    assert report.first_submitted_at.tzinfo is not None and report.first_submitted_at.utcoffset() == dt.timedelta(0)
    # A moment given in Beijing time is stored as the same instant.
    beijing = dt.timezone(dt.timedelta(hours=8))
    moment = dt.datetime(2024, 3, 11, 0, 30, tzinfo=beijing)
    report.last_submitted_at = moment
    session.flush()
    session.expire_all()
    again = session.get(MonthReport, report.id)
    assert again is not None and again.last_submitted_at == moment
    assert again.last_submitted_at.utcoffset() == dt.timedelta(0) and again.last_submitted_at.hour == 16

    latest = session.scalars(select(Submission).order_by(Submission.id.desc())).first()
    assert latest is not None and latest.created_at.utcoffset() == dt.timedelta(0)
