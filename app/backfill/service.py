"""Extraction for the API: the district table as a gazetteer, the file or text read, the engine run."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.backfill.documents import checked_text, read_document
from app.backfill.extract import NotAReport, extract
from app.backfill.places import Gazetteer, Place
from app.backfill.proposals import Extraction
from app.core.errors import Problem, ValidationFailed
from app.districts import service as districts
from app.districts.models import District, DistrictLevel

GAZETTEER_LEVELS = (DistrictLevel.province, DistrictLevel.city, DistrictLevel.county)


def gazetteer(session: Session) -> Gazetteer:
    """Every province, city and county by name (townships are not read from titles)."""
    rows = session.execute(
        select(District.code, District.name, District.level, District.parent_code).where(
            District.level.in_(GAZETTEER_LEVELS)
        )
    ).all()
    return Gazetteer(Place(code, name, level.value, parent) for code, name, level, parent in rows)


def extract_report(
    session: Session,
    *,
    content: bytes | None,
    file_name: str | None,
    text: str | None,
    district: str | None,
    year: int | None,
) -> Extraction:
    """Proposals for an uploaded file or a pasted text; stores nothing."""
    if (content is None) == (text is None):
        raise ValidationFailed(
            "请上传文件（file）或粘贴文字（text），二者选一",
            "Send either a file or a text, not both and not neither",
            errors=[
                Problem("backfill.file_or_text", "需要 file 或 text 之一", "file or text is required", column="file")
            ],
        )
    body = read_document(content, file_name) if content is not None else checked_text(text or "")
    given = districts.get_or_raise(session, code=district) if district else None
    place = Place(given.code, given.name, given.level.value, given.parent_code) if given else None
    try:
        return extract(body, gazetteer=gazetteer(session), district=place, year=year)
    except NotAReport as exc:
        raise ValidationFailed(
            exc.message_zh,
            exc.message_en,
            errors=[
                Problem("backfill.not_a_report", exc.message_zh, exc.message_en, column="file" if content else "text")
            ],
        ) from exc
