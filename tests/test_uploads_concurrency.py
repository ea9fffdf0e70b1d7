"""Two uploads of the same district-months at the same moment: one wins whole, both are logged, no 500,
history complete. Real commits, so a database of its own (dropped at the end of the run)."""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.config import Settings
from app.core.db import Database
from app.core.migrate import upgrade
from app.submissions.models import Submission, SubmissionStatus
from app.values.models import MonthlyValue, ValueHistory
from seed.loader import SeedStats, load_districts
from tests.conftest import bearer, create_user
from tests.upload_helpers import CLEAN, FULL_MONTH, UPLOADS, csv_bytes, long_rows

MONTHS = [f"2023-{m:02d}" for m in range(1, 13)]


@pytest.fixture
def committed(empty_database: Database) -> Iterator[tuple[Database, FastAPI, list[dict[str, str]]]]:
    """A migrated database with districts and two staff users, and the app on it (no test transaction)."""
    from app.main import create_app

    upgrade(empty_database.engine)
    with empty_database.session() as s:
        load_districts(s, SeedStats())
    with empty_database.session() as s:
        headers = [bearer(s, create_user(s, districts=(CLEAN,))) for _ in range(2)]
    app = create_app(Settings(database_url=empty_database.url, environment="test"), empty_database)
    yield empty_database, app, headers


def _file(delta: int) -> tuple[bytes, dict[str, float]]:
    values = {k: (v + delta if not k.startswith("accident.") else v) for k, v in FULL_MONTH.items()}
    rows = [r for m in MONTHS for r in long_rows(CLEAN, m, values)]
    return csv_bytes(rows), values


def test_two_simultaneous_uploads_of_one_district_month(committed: Any) -> None:
    database, app, headers = committed
    barrier = threading.Barrier(2)

    def post(content: bytes, h: dict[str, str]) -> Any:
        with TestClient(app, raise_server_exceptions=False) as c:
            barrier.wait()
            return c.post(UPLOADS, files={"file": ("m.csv", content, "text/csv")}, headers=h)

    expected_history = 0
    previous: dict[str, float] | None = None
    for round_ in range(3):
        (a, values_a), (b, values_b) = _file(round_ * 10 + 1), _file(round_ * 10 + 2)
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(post, [a, b], headers))
        assert [r.status_code for r in answers] == [201, 201], [r.text for r in answers]

        with database.session() as s:
            stored: dict[str, dict[str, float]] = defaultdict(dict)
            for month, ind, value in s.execute(
                select(MonthlyValue.month, MonthlyValue.indicator_code, MonthlyValue.value).where(
                    MonthlyValue.district_code == CLEAN
                )
            ):
                stored[month.isoformat()[:7]][ind] = value
            # Every month holds the data of one upload, and all months the same one.
            winners = {("a" if v == values_a else "b" if v == values_b else "mixed") for v in stored.values()}
            assert len(stored) == 12 and len(winners) == 1 and "mixed" not in winners, winners
            # Both uploads are logged as applied, and the one that ran second saw the first's figures.
            ids = [r.json()["submission_id"] for r in answers]
            subs = s.scalars(select(Submission).where(Submission.id.in_(ids)).order_by(Submission.id)).all()
            assert [x.status for x in subs] == [SubmissionStatus.applied] * 2
            counts = [r.json() for r in answers]
            first, second = sorted(counts, key=lambda c: c["submission_id"])
            assert first["created"] == (22 * 12 if previous is None else 0) and second["created"] == 0
            assert second["updated"] == sum(1 for k in FULL_MONTH if not k.startswith("accident.")) * 12
            # History: every change in order, each link starting where the one before ended.
            chains: dict[tuple[Any, str], list[tuple[float | None, float | None]]] = defaultdict(list)
            for h in s.scalars(
                select(ValueHistory).where(ValueHistory.district_code == CLEAN).order_by(ValueHistory.id)
            ):
                chains[(h.month, h.indicator_code)].append((h.old_value, h.new_value))
            changed = sum(1 for k in FULL_MONTH if not k.startswith("accident."))
            expected_history += (22 if previous is None else changed) * 12 + changed * 12
            assert sum(len(c) for c in chains.values()) == expected_history
            for (month, ind), chain in chains.items():
                assert chain[0][0] is None
                for before, after in itertools.pairwise(chain):
                    assert after[0] == before[1]
                assert chain[-1][1] == stored[month.isoformat()[:7]][ind]
            previous = values_a if winners == {"a"} else values_b
