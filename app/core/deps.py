"""FastAPI dependencies shared by every router (Annotated aliases, as in full-stack-fastapi-template)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.core import periods
from app.core.db import Database
from app.core.errors import AppError, ServiceUnavailable


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: commit when the endpoint returns, roll back when it raises (but
    commit when the error says so: a rejected submission's log entry is kept).

    Services only flush; the transaction boundary is here. A commit the database refuses for a
    lock or timeout answers 503 with Retry-After: a client told 201 must find its figures stored.
    """
    database: Database = request.app.state.database
    with database.sessionmaker() as session:
        try:
            yield session
        except AppError as err:
            if err.commit:
                _commit(session)
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
        else:
            _commit(session)


RETRY_AFTER = "5"


def _commit(session: Session) -> None:
    try:
        session.commit()
    except OperationalError as exc:
        session.rollback()
        raise ServiceUnavailable(
            "数据库暂时无法保存，未保存任何数据，请稍后重试",
            "The database could not commit; nothing was stored; retry shortly",
            headers={"Retry-After": RETRY_AFTER},
        ) from exc


# scope="function": commit (or roll back) when the endpoint returns, before the answer is sent, so
# a client never reads "200" for a write that then failed to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]


def today() -> dt.date:
    """Today's date in Beijing; a dependency so that tests can fix the clock."""
    return periods.today()


TodayDep = Annotated[dt.date, Depends(today)]
