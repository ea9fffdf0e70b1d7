"""FastAPI dependencies shared by every router (Annotated aliases, as in full-stack-fastapi-template)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.core.db import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: commit when the endpoint returns, roll back when it raises.

    Services only flush; the transaction boundary is here.
    """
    database: Database = request.app.state.database
    with database.session() as session:
        yield session


# scope="function": commit (or roll back) when the endpoint returns, before the answer is sent, so
# a client never reads "200" for a write that then failed to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
