"""``python -m app report``: write the year-end report of a district (or a whole city or province) to a
file, or one file per child district with ``--children``. Runs as the system principal."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.scope import SYSTEM
from app.cli import command, console, open_database
from app.core.errors import AppError
from app.districts import service as districts
from app.districts.models import District
from app.reports.annual import PSEUDO_CITY_NAMES, build_annual_report
from app.reports.docx import to_docx
from app.reports.render import to_html, to_markdown
from app.reports.schemas import AnnualReport
from app.stats import queries

FORMATS = ("md", "html", "docx")


def render(report: AnnualReport, fmt: str) -> bytes:
    if fmt == "docx":
        return to_docx(report)
    return (to_html(report) if fmt == "html" else to_markdown(report)).encode("utf-8")


def child_districts(session: Session, code: str) -> list[District]:
    """The districts directly under ``code``; a municipality's pseudo-cities (市辖区, 县) are replaced by
    the districts under them, so Tianjin's children are its sixteen districts."""
    out: list[District] = []
    pending = [code]
    while pending:
        parent = pending.pop(0)
        for child in session.scalars(
            select(District)
            .where(District.parent_code == parent, queries.reporting_area(District.__table__.c.code))
            .order_by(District.code)
        ):
            if child.name in PSEUDO_CITY_NAMES:
                pending.append(child.code)
            else:
                out.append(child)
    return sorted(out, key=lambda d: d.code)


def _fail(err: AppError) -> int:
    console.print(f"[red]错误 Error:[/red] {err.detail_zh} / {err.detail_en}")
    return 2


@command("report", "生成年度报告（数据部分）/ write the year-end report's data-driven part")
def _report(p: argparse.ArgumentParser) -> None:
    p.add_argument("--district", required=True, metavar="CODE", help="区划代码（区县、市或省）/ district code")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--format", default="docx", choices=FORMATS, help="md | html | docx（默认 default docx）")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        help="输出文件；--children 时为目录；md/html 缺省输出到标准输出 / output file; a directory with --children; "
        "md and html go to stdout when left out",
    )
    p.add_argument(
        "--children",
        action="store_true",
        help="每个下级区划各写一个文件（带进度条）/ one file per child district, with a progress bar",
    )
    p.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        help="按此日期判断哪些月份已结束 / decide which months have ended as of this date",
    )

    def run(args: argparse.Namespace) -> int:
        database = open_database()
        try:
            with database.session() as session:
                if args.children:
                    return write_children(session, args)
                report = build_annual_report(
                    session, principal=SYSTEM, district=args.district, year=args.year, today=args.today
                )
                data = render(report, args.format)
        except AppError as err:
            return _fail(err)
        if args.output is None and args.format != "docx":
            sys.stdout.write(data.decode("utf-8"))
            return 0
        path = Path(args.output or f"{args.district}-{args.year}.{args.format}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        console.print(f"已写入 Written: {path} （{report.title}）")
        return 0

    p.set_defaults(func=run)


def write_children(session: Session, args: argparse.Namespace) -> int:
    parent = districts.get_or_raise(session, code=args.district)
    children = child_districts(session, parent.code)
    if not children:
        console.print(f"[yellow]{parent.name}（{parent.code}）没有下级区划 / has no child districts[/yellow]")
        return 1
    folder = Path(args.output or f"{parent.code}-{args.year}")
    folder.mkdir(parents=True, exist_ok=True)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=console,
    )
    with progress:
        task = progress.add_task(f"{parent.name}{args.year}年度报告 reports", total=len(children), current="")
        for child in children:
            progress.update(task, current=f"{child.code} {child.name}")
            report = build_annual_report(
                session, principal=SYSTEM, district=child.code, year=args.year, today=args.today
            )
            (folder / f"{child.code}-{child.name}-{args.year}.{args.format}").write_bytes(render(report, args.format))
            progress.advance(task)
    console.print(f"已写入 Written: {len(children)} 个文件 files in {folder}")
    return 0
