"""Report editions: save a generated report as final, list the saved ones, and read one back with the
figures that the data has revised since (old → new). An edition itself never changes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.scope import Principal
from app.core.errors import Forbidden, NotFound, Problem, ValidationFailed
from app.core.periods import parse_period
from app.districts import service as districts
from app.reports.annual import build_annual_report
from app.reports.bulletin import build_bulletin
from app.reports.bulletin_render import bulletin_markdown
from app.reports.models import ReportEdition
from app.reports.render import EditionInfo, to_markdown
from app.reports.schemas import AnnualReport, Bulletin, EditionOut, EditionSummary, Figure, Lang, Revision
from app.stats.context import StatsContext


def require_save(principal: Principal, code: str) -> None:
    """Saving a final edition is a write: staff or admin, for a district inside the scope."""
    principal.require_read(code)
    if not principal.can_write:
        raise Forbidden(
            f"账号 {principal.name} 为只读角色（{principal.role.value}），不能保存报告定稿",
            f"User {principal.name} has the read-only role {principal.role.value} and cannot save report editions",
        )


def create(
    ctx: StatsContext, *, district: str, year: int | None = None, period: str | None = None, lang: Lang = "zh"
) -> ReportEdition:
    """Generate the year-end report of ``district`` and ``year`` (or, with ``period``, its bulletin of that
    period, in ``lang``) from today's data and store it as final."""
    session, principal = ctx.session, ctx.principal
    districts.get_or_raise(session, code=district)
    require_save(principal, district)
    report: AnnualReport | Bulletin
    if period is not None:
        parsed = parse_period(period, ctx.today)
        if year is not None and year != parsed.year:
            raise ValidationFailed(
                f"年份 {year} 与统计期 {period} 不一致；保存通报时可省略 year",
                f"year {year} does not match the period {period!r}; leave year out when saving a bulletin",
                errors=[
                    Problem("edition.year_period", "年份与统计期不一致", "year and period disagree", column="year")
                ],
            )
        report = build_bulletin(ctx, district=district, period=parsed, lang=lang)
        text = bulletin_markdown(report)
    elif year is not None and lang != "zh":
        raise ValidationFailed(
            "年度报告只有中文版；lang=en 只用于通报（period）",
            "The year-end report is in Chinese only; lang=en is for bulletins (period)",
            errors=[
                Problem("edition.lang", "年度报告只有中文版", "the year-end report is Chinese only", column="lang")
            ],
        )
    elif year is not None:
        report = build_annual_report(ctx, district=district, year=year)
        text = to_markdown(report)
    else:
        raise ValidationFailed(
            "请给出 year（年度报告）或 period（通报）",
            "Give year (a year-end report) or period (a bulletin)",
            errors=[Problem("edition.what", "缺少 year 或 period", "year or period is missing", column="year")],
        )
    document = report.model_dump(mode="json", exclude={"figures"})
    edition = ReportEdition(
        district_code=district,
        year=report.year,
        month_to=report.month_to,
        period=report.period if isinstance(report, Bulletin) else None,
        title=report.title,
        created_by_id=principal.user_id,
        created_by=principal.name,
        data_as_of=report.data_as_of,
        figures=[f.model_dump(mode="json") for f in report.figures],
        document=document,
        text=text,
    )
    session.add(edition)
    session.flush()
    return edition


def get_or_raise(session: Session, *, principal: Principal, edition_id: int) -> ReportEdition:
    edition = session.get(ReportEdition, edition_id)
    if edition is None:
        raise NotFound(f"报告定稿 {edition_id} 不存在", f"No report edition {edition_id}")
    principal.require_read(edition.district_code)
    return edition


def get_all(
    session: Session, *, principal: Principal, district: str | None = None, year: int | None = None
) -> list[ReportEdition]:
    """Editions inside the caller's scope, newest first."""
    stmt = (
        select(ReportEdition)
        .where(principal.scope.sql_filter(ReportEdition.__table__.c.district_code))
        .order_by(ReportEdition.created_at.desc(), ReportEdition.id.desc())
    )
    if district is not None:
        stmt = stmt.where(ReportEdition.district_code == district)
    if year is not None:
        stmt = stmt.where(ReportEdition.year == year)
    return list(session.scalars(stmt))


def saved_report(edition: ReportEdition) -> AnnualReport | Bulletin:
    """The report (or bulletin) exactly as it was saved."""
    document = {**edition.document, "figures": edition.figures}
    if edition.period is not None:
        return Bulletin.model_validate(document)
    return AnnualReport.model_validate(document)


def current_report(ctx: StatsContext, edition: ReportEdition) -> AnnualReport | Bulletin | None:
    """What the edition's report says from today's data; None when the data are gone (404
    report.no_data: every figure of the edition is then listed as gone)."""
    try:
        if edition.period is None:
            return build_annual_report(ctx, district=edition.district_code, year=edition.year)
        # In the edition's language (an edition saved before bulletins had one is Chinese).
        lang: Lang = "en" if edition.document.get("lang") == "en" else "zh"
        return build_bulletin(ctx, district=edition.district_code, period=edition.period, lang=lang)
    except NotFound:
        return None


def _differs(old: Figure, new: Figure) -> bool:
    return (
        old.value != new.value
        or old.previous != new.previous
        or old.written != new.written
        or old.district != new.district
    )


def revisions(saved: AnnualReport | Bulletin, current: AnnualReport | Bulletin | None) -> list[Revision]:
    """Figures whose value (or comparison) today's data states differently, in the saved order;
    figures that appeared or disappeared since are listed too (``None`` on the missing side)."""
    now = {f.key: f for f in current.figures} if current is not None else {}
    out = []
    for old in saved.figures:
        new = now.pop(old.key, None)
        if new is None or _differs(old, new):
            out.append(_revision(old, new))
    out += [_revision(None, new) for new in now.values()]
    return out


def _revision(old: Figure | None, new: Figure | None) -> Revision:
    either = old or new
    assert either is not None
    return Revision(
        key=either.key,
        label=either.label,
        code=either.code,
        district=new.district if new else either.district,
        old_value=old.value if old else None,
        new_value=new.value if new else None,
        old_text=old.written if old else None,
        new_text=new.written if new else None,
    )


def summary(edition: ReportEdition, district_name: str) -> EditionSummary:
    created_at = edition.created_at
    assert created_at is not None
    return EditionSummary(
        id=edition.id,
        district=edition.district_code,
        district_name=district_name,
        year=edition.year,
        kind="bulletin" if edition.period is not None else "annual",
        period=edition.period,
        title=edition.title,
        created_by=edition.created_by,
        created_at=created_at,
        data_as_of=edition.data_as_of,
    )


def read(ctx: StatsContext, *, edition_id: int) -> tuple[EditionOut, EditionInfo]:
    """The saved edition, and what today's data says differently (regenerated for the comparison)."""
    edition = get_or_raise(ctx.session, principal=ctx.principal, edition_id=edition_id)
    saved = saved_report(edition)
    current = current_report(ctx, edition)
    changed = revisions(saved, current)
    out = EditionOut(
        **summary(edition, saved.district.name).model_dump(),
        report=saved,
        revisions=changed,
        current_data_as_of=current.data_as_of if current is not None else None,
    )
    info = EditionInfo(id=out.id, created_at=out.created_at, created_by=out.created_by, revisions=changed)
    return out, info
