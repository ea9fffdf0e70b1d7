"""Districts as lists: search by parent, level and text, and one district with its family.

Codes and names are public, so every caller sees every row; ``readable`` says whose figures the
caller may read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.districts import service
from app.districts.codes import in_area, is_pseudo_city, reporting_area
from app.districts.models import District, DistrictLevel

D = District.__table__.c


def _district_read(row: Any) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level,
        "parent_code": row.parent_code,
        "longitude": row.longitude,
        "latitude": row.latitude,
        "readable": bool(row.readable),
    }


def _district_columns(principal: Principal) -> list[ColumnElement[Any]]:
    readable = principal.scope.sql_filter(D.code)
    return [
        D.code,
        D.name,
        D.level,
        D.parent_code,
        D.longitude,
        D.latitude,
        case((readable, True), else_=False).label("readable"),
    ]


def list_districts(
    session: Session,
    *,
    principal: Principal,
    parent: str | None = None,
    level: DistrictLevel | None = None,
    q: str | None = None,
    readable_only: bool = False,
) -> list[dict[str, Any]]:
    """Districts by parent, level and text (a code prefix or part of a name). Codes and names are
    public, so every caller sees the whole list; ``readable`` says whose figures the caller may read.

    ``parent`` alone lists its direct children; with ``level`` every district of that level under it.
    ``readable_only``: the caller's own districts alone, chosen by the database (a district-scoped
    reader's pickers need a few dozen of the country's ~3,200 rows, and building the rest cost a
    fifth of a dashboard page under load).
    """
    stmt = select(*_district_columns(principal)).order_by(D.code)
    if readable_only:
        stmt = stmt.where(principal.scope.sql_filter(D.code))
    if parent is not None:
        service.get_or_raise(session, code=parent)
        stmt = stmt.where(in_area(D.code, parent), D.code != parent)
        if level is None:
            stmt = stmt.where(D.parent_code == parent)
    if level is not None:
        stmt = stmt.where(D.level == level)
    if q:
        text = q.strip()
        stmt = stmt.where(or_(D.code.startswith(text, autoescape=True), D.name.contains(text, autoescape=True)))
    return [_district_read(r) for r in session.execute(stmt)]


def district_family(session: Session, *, principal: Principal, code: str) -> dict[str, Any]:
    """One district with its parent chain (province first) and its direct children."""
    service.get_or_raise(session, code=code)
    columns = _district_columns(principal)
    me = session.execute(select(*columns).where(D.code == code)).one()
    parents: list[dict[str, Any]] = []
    parent_code = me.parent_code
    while parent_code is not None and len(parents) < 4:  # at most province → city → county → township
        row = session.execute(select(*columns).where(D.code == parent_code)).one()
        parents.insert(0, _district_read(row))
        parent_code = row.parent_code
    children = [
        _district_read(r) for r in session.execute(select(*columns).where(D.parent_code == code).order_by(D.code))
    ]
    return {**_district_read(me), "parents": parents, "children": children}


def reporting_children(session: Session, code: str) -> list[District]:
    """The districts directly under ``code``; a municipality's pseudo-cities (市辖区, 县) are replaced by
    the districts under them, so Tianjin's children are its sixteen districts."""
    out: list[District] = []
    pending = [code]
    while pending:
        parent = pending.pop(0)
        for child in session.scalars(
            select(District).where(District.parent_code == parent, reporting_area(D.code)).order_by(District.code)
        ):
            if is_pseudo_city(child.name):
                pending.append(child.code)
            else:
                out.append(child)
    return sorted(out, key=lambda d: d.code)


def listed_areas(session: Session, *, principal: Principal) -> list[dict[str, Any]]:
    """The areas a reader picks from and compares: every readable district, without a municipality's
    pseudo-cities (市辖区 120100, 县 500200) when the municipality itself is readable — its districts
    are listed instead, under it. A scope that is a pseudo-city alone keeps it: it is then the only
    area above the reader's districts. The one rule for every picker of the dashboard."""
    rows = list_districts(session, principal=principal, readable_only=True)
    readable = {r["code"] for r in rows}
    return [r for r in rows if not (is_pseudo_city(r["name"]) and r["parent_code"] in readable)]


@dataclass(frozen=True)
class AreaLookup:
    """What a code asked for (in a link, a form) stands for: ``code`` is the area to show (``None``:
    no such district), ``pseudo_city`` the 市辖区/县 row it was asked through, if any."""

    asked: str
    code: str | None
    name: str | None = None
    pseudo_city: District | None = None


def lookup_area(session: Session, code: str, *, principal: Principal) -> AreaLookup:
    """The area ``code`` stands for: itself; for a municipality's pseudo-city (市辖区 120100) the
    municipality (天津市 120000) when the caller may read it — a pseudo-city groups codes, it is not an
    area anyone reports for or compares, and its municipality holds exactly its districts (or, for
    Chongqing's 县 500200, those and the 市辖区's too: the page says which was asked for); an unknown
    code: ``code=None``. Scope is not checked here beyond choosing the municipality."""
    found = service.get(session, code=code)
    if found is None:
        return AreaLookup(asked=code, code=None)
    if is_pseudo_city(found.name) and found.parent_code is not None and principal.scope.covers(found.parent_code):
        parent = service.get_or_raise(session, code=found.parent_code)
        return AreaLookup(asked=code, code=parent.code, name=parent.name, pseudo_city=found)
    return AreaLookup(asked=code, code=found.code, name=found.name)
