"""Look up districts by code or name, with a "did you mean" for codes and names that do not exist."""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFound
from app.districts.models import District


def get(session: Session, *, code: str) -> District | None:
    return session.get(District, code)


def suggest(session: Session, *, text: str, limit: int = 3) -> list[District]:
    """Nearest districts to a code (longest shared prefix) or to a name (similar characters)."""
    if text.isdigit():
        for cut in range(len(text) - 1, 1, -1):
            found = session.scalars(
                select(District).where(District.code.startswith(text[:cut])).order_by(District.code).limit(limit)
            ).all()
            if found:
                return list(found)
        return []
    names = {d.name: d for d in session.scalars(select(District))}
    return [names[n] for n in difflib.get_close_matches(text, list(names), n=limit, cutoff=0.4)]


def suggestion_text(session: Session, text: str) -> tuple[str, str, list[str]]:
    near = suggest(session, text=text)
    labels = [f"{d.code} {d.name}" for d in near]
    if not labels:
        return "", "", []
    return f"；您是否要找：{'、'.join(labels)}", f"; did you mean: {', '.join(labels)}", labels


def get_or_raise(session: Session, *, code: str) -> District:
    district = get(session, code=code)
    if district is None:
        zh, en, labels = suggestion_text(session, code)
        raise NotFound(f"区划代码 {code} 不存在{zh}", f"No district with code {code}{en}", suggestions=labels)
    return district
