"""A token's last use is stamped beside the request's own transaction, never by waiting on the request's
own connection pool (app/auth/service.py ``record_token_use``, app/core/db.py ``Database.side_engine``)."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from app.auth import service
from app.auth.models import ApiToken, Role
from app.core.db import Database
from app.core.migrate import upgrade


def test_stamping_a_token_never_waits_for_the_requests_own_pool(tmp_path: Path) -> None:
    # A main pool of one connection, which the "request" below holds: before the side pool, the stamp
    # waited the pool's whole time-out for a second connection (50 clients of one token: a 30-s stall
    # of every request of the process, then 500s).
    database = Database(f"sqlite:///{(tmp_path / 'stamp.db').as_posix()}", pool_size=1, max_overflow=0, pool_timeout=5)
    upgrade(database.engine)
    with database.session() as session:
        user = service.create_user(session, name="stamp_user", role=Role.admin, districts=[])
        row, _plaintext = service.create_token(session, user=user, name="stamping")
        token_id = row.id
    getattr(service, "_stamping", {}).clear()  # this process stamps each token at most twice a minute
    with database.session() as session:
        session.execute(select(1))  # the request's connection: the only one of the main pool
        started = time.monotonic()
        service.record_token_use(session, database, token_id=token_id)
        elapsed = time.monotonic() - started
        # Many requests of the same token at once: the others do not stamp again.
        service.record_token_use(session, database, token_id=token_id)
    assert elapsed < 2.0, elapsed
    with database.session() as session:
        stamped = session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))
    assert stamped is not None
    database.engine.dispose()
    database.side_engine.dispose()
