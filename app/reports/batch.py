"""The year-end reports of every child district of an area, one file each: what ``python -m app
report --children`` writes into a folder, ``GET /api/v1/reports/annual/children`` hands over as a zip,
and the dashboard's Reports page downloads in one go. One generator, so all three agree on the
children (a municipality's districts, never 市辖区 or 县), the file names and the children without data.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.core.errors import NotFound
from app.districts import listing
from app.districts.models import District
from app.reports.annual import build_annual_report
from app.reports.formats import DocumentFormat
from app.stats.common import check_year
from app.stats.context import StatsContext


@dataclass(frozen=True)
class ChildReport:
    district: District
    file_name: str
    content: bytes | None  # None: the child has no data that year (report.no_data), no file


def children_of(ctx: StatsContext, district: str, year: int) -> tuple[District, list[District]]:
    """The area (404 unknown, 403 outside the caller's scope, 422 a year out of range) and its
    reporting children."""
    ctx.district(district)
    check_year(year, ctx.today)
    parent = ctx.session.get(District, district)
    assert parent is not None  # ctx.district found it
    return parent, listing.reporting_children(ctx.session, parent.code)


def child_reports(
    ctx: StatsContext, children: list[District], *, year: int, fmt: DocumentFormat
) -> Iterator[ChildReport]:
    """Each child's report, in code order, rendered as ``fmt`` (as the caller may read it)."""
    for child in children:
        name = f"{child.code}-{child.name}-{year}.{fmt.extension}"
        try:
            annual = build_annual_report(ctx, district=child.code, year=year)
        except NotFound:  # report.no_data: no file, named by the caller
            yield ChildReport(child, name, None)
        else:
            yield ChildReport(child, name, fmt.render(annual))


def children_zip(
    ctx: StatsContext,
    district: str,
    *,
    year: int,
    fmt: DocumentFormat,
    progress: Callable[[int, int, District], None] | None = None,
) -> tuple[bytes, list[District], list[District]]:
    """A zip of the children's reports: (bytes, children written, children without data). A child
    without data gets no file; the zip's 说明.txt names them, so a missing file is never a mystery."""
    parent, children = children_of(ctx, district, year)
    written: list[District] = []
    without: list[District] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, item in enumerate(child_reports(ctx, children, year=year, fmt=fmt), start=1):
            if item.content is None:
                without.append(item.district)
            else:
                archive.writestr(item.file_name, item.content)
                written.append(item.district)
            if progress is not None:
                progress(done, len(children), item.district)
        lines = [
            f"{parent.name}（{parent.code}）{year}年度报告：{len(written)} 个区划 / {len(written)} districts",
            *(
                [f"没有数据、未生成 / no data, no file：{'、'.join(f'{d.name}（{d.code}）' for d in without)}"]
                if without
                else []
            ),
        ]
        archive.writestr("说明.txt", "\n".join(lines) + "\n")
    return buffer.getvalue(), written, without
