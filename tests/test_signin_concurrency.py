"""Wrong passwords sent in parallel at one account: every checked guess is counted and the account
ends locked. Real commits from several connections, so a database of its own per backend."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.auth.models import AuthEvent, User
from app.auth.service import authenticate_password
from app.core.config import Settings
from app.core.db import Database, utcnow
from app.core.migrate import upgrade
from tests.conftest import create_user

GUESSES = 12
PASSWORD = "correct-horse-battery"


def test_parallel_wrong_passwords_are_all_counted_and_lock_the_account(empty_database: Database) -> None:
    database = empty_database
    upgrade(database.engine)
    settings = Settings(database_url=database.url, environment="test", secret_key="k" * 40)
    with database.session() as s:
        user_id = create_user(s, name="target", role="viewer", districts=(), password=PASSWORD).id
    barrier = threading.Barrier(GUESSES)

    def guess(_: int) -> int:
        # Each guess on its own connection and transaction, as separate requests (or processes) are.
        barrier.wait()
        with database.session() as s:
            result = authenticate_password(s, settings, name="target", password="wrong-password")
        assert result.user is None and result.error is not None
        return result.error.status

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = Counter(pool.map(guess, range(GUESSES)))

    with database.session() as s:
        user = s.get(User, user_id)
        assert user is not None
        rows = s.execute(
            select(AuthEvent.kind, func.count()).where(AuthEvent.user_id == user_id).group_by(AuthEvent.kind)
        )
        events = Counter({kind: n for kind, n in rows})
    checked = answers[422]  # a guess whose password was compared (the rest were refused as locked)
    assert checked + answers[429] == GUESSES, answers
    # No increment lost: the stored counter is the number of guesses checked, each one audited.
    assert user.failed_logins == checked == events["login_failed"], (user.failed_logins, answers, events)
    assert events["login_locked"] == answers[429]
    assert user.locked_until is not None and user.locked_until > utcnow()
    if database.dialect == "postgresql":
        # The user's row is locked before the lock is looked at, so guesses queue one behind the
        # other and no more than login_max_failures are ever checked before the account locks.
        assert checked == settings.login_max_failures, answers
