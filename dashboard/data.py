"""How dashboard pages and callbacks reach the database: a unit of work per request.

Pages call the shared query layer (app/…) with a session from ``session_scope()``; they never
write SQL of their own. Tests swap the factory for their rolled-back session.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from flask import current_app
from sqlalchemy.orm import Session

from app.core.db import Database


def session_scope() -> AbstractContextManager[Session]:
    factory: Callable[[], AbstractContextManager[Session]] | None = current_app.config.get("SESSION_SCOPE")
    if factory is not None:
        return factory()
    database: Database = current_app.config["DATABASE"]
    return database.session()
