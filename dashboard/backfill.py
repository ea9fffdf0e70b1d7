"""Adapters of 历史数据导入 over the app's own back-fill services: a report read into proposals
(``app.backfill.service``, storing nothing) and reviewed figures stored as annual figures
(``app.backfill.annual.accept``, the writer the API uses, in a savepoint so that a refusal leaves
nothing behind). No SQL here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.backfill import annual, service
from app.backfill.proposals import Extraction
from dashboard.reporting import in_savepoint


def extract(session: Session, *, content: bytes | None, file_name: str | None, text: str | None) -> Extraction:
    """Proposals for an uploaded file or a pasted text (district and year read from the title)."""
    return service.extract_report(session, content=content, file_name=file_name, text=text, district=None, year=None)


def accept(
    session: Session,
    *,
    principal: Principal,
    district: str,
    year: int,
    figures: Mapping[str, float],
    evidence: Mapping[str, str],
    source: str | None,
    today: dt.date,
) -> dict[str, Any]:
    """Store the reviewed figures as the district-year's annual figures; answers the counts."""
    return in_savepoint(
        session,
        lambda: annual.accept(
            session,
            principal=principal,
            district=district,
            year=year,
            figures=figures,
            evidence=evidence,
            source=source,
            today=today,
        ),
    )


def district_year(session: Session, *, principal: Principal, district: str, year: int) -> dict[str, Any]:
    """The district-year's figures per indicator: annual, monthly sum, which counts, 数据差异."""
    return annual.district_year(session, principal=principal, district=district, year=year)
