"""Wrong passwords sent in parallel at one name (issue 13, point 9): exactly login_max_failures are
checked before the lock, on SQLite as on PostgreSQL (SQLite let 12 of 40 through), and a name that
belongs to nobody is throttled the same way, so that a 429 does not tell which accounts exist.
Real commits from several connections, so a database of its own per backend."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.auth.models import AuthEvent
from app.auth.service import authenticate_password, failures_of
from app.core.config import Settings
from app.core.db import Database, utcnow
from app.core.migrate import upgrade
from tests.conftest import create_user

GUESSES = 40
PASSWORD = "correct-horse-battery"


def _guess_in_parallel(database: Database, settings: Settings, name: str) -> Counter[int]:
    barrier = threading.Barrier(GUESSES)

    def guess(_: int) -> int:
        # Each guess on its own connection and transaction, as separate requests (or processes) are.
        barrier.wait()
        with database.session() as s:
            result = authenticate_password(s, settings, name=name, password="wrong-password")
        assert result.user is None and result.error is not None
        return result.error.status

    with ThreadPoolExecutor(GUESSES) as pool:
        return Counter(pool.map(guess, range(GUESSES)))


@pytest.mark.parametrize("who", ["target", "nobody"])
def test_parallel_wrong_passwords_are_counted_exactly_and_lock(empty_database: Database, who: str) -> None:
    database = empty_database
    upgrade(database.engine)
    settings = Settings(database_url=database.url, environment="test", secret_key="k" * 40)
    with database.session() as s:
        user_id = create_user(s, name="target", role="viewer", districts=(), password=PASSWORD).id
    answers = _guess_in_parallel(database, settings, who)
    # A guess whose password was compared answers 422 (wrong); the rest were refused as locked.
    assert answers == Counter({422: settings.login_max_failures, 429: GUESSES - settings.login_max_failures})
    with database.session() as s:
        failures, locked_until = failures_of(s, name=who)
        kinds = Counter(
            dict(
                s.execute(
                    select(AuthEvent.kind, func.count())
                    .where(AuthEvent.user_id == user_id if who == "target" else AuthEvent.detail == f"name={who}")
                    .where(AuthEvent.kind.like("login%"))
                    .group_by(AuthEvent.kind)
                ).all()
            )
        )
    assert failures == settings.login_max_failures
    assert locked_until is not None and locked_until > utcnow()
    assert kinds == Counter({"login_failed": answers[422], "login_locked": answers[429]})


def test_an_unknown_name_answers_like_an_account(empty_database: Database) -> None:
    """The same answers, in the same order, and about the same time, for a name that exists and one that
    does not: neither the 429 nor the clock tells them apart."""
    database = empty_database
    upgrade(database.engine)
    settings = Settings(database_url=database.url, environment="test", secret_key="k" * 40)
    with database.session() as s:
        create_user(s, name="leader", role="viewer", districts=(), password=PASSWORD)

    def attempts(name: str) -> tuple[list[int], float]:
        statuses = []
        started = time.perf_counter()
        for _ in range(settings.login_max_failures + 2):
            with database.session() as s:
                result = authenticate_password(s, settings, name=name, password="wrong-password")
            assert result.error is not None
            statuses.append(result.error.status)
        return statuses, time.perf_counter() - started

    known, known_time = attempts("leader")
    unknown, unknown_time = attempts("no_such_leader")
    assert known == unknown == [422] * settings.login_max_failures + [429, 429]
    # Both hash a password (argon2, tens of milliseconds) for every checked guess.
    assert 0.5 < unknown_time / known_time < 2, (known_time, unknown_time)
