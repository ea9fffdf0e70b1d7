"""``python -m app report``: write the year-end report of a district (or a whole city or province) to a
file, or one file per child district with ``--children``. Runs as the system principal. Assembled into
``python -m app`` by ``app/cli.py``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from app.auth.scope import SYSTEM
from app.core import periods
from app.core.cli_support import CommandLine, console, open_database
from app.districts import listing
from app.districts import service as districts
from app.reports.annual import build_annual_report
from app.reports.formats import DocumentFormat
from app.stats.context import StatsContext

commands = CommandLine()


@commands.command("report", help="生成年度报告（数据部分）/ write the year-end report's data-driven part")
def report(
    district: Annotated[
        str, typer.Option(metavar="CODE", help="区划代码（区县、市或省）/ district code (county, city or province)")
    ],
    year: Annotated[int, typer.Option(metavar="YEAR", help="年份 / year")],
    fmt: Annotated[
        DocumentFormat,
        typer.Option(
            "--format",
            show_default=False,
            help="文件格式：md、html 或 docx（默认 docx）/ file format: md, html or docx (default docx)",
        ),
    ] = DocumentFormat.docx,
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="OUTPUT",
            help="输出文件；--children 时为目录；md/html 缺省输出到标准输出 / output file; a directory with "
            "--children; md and html go to stdout when left out",
        ),
    ] = None,
    children: Annotated[
        bool,
        typer.Option(
            "--children", help="每个下级区划各写一个文件（带进度条）/ one file per child district, with a progress bar"
        ),
    ] = False,
    today: Annotated[
        dt.date | None,
        typer.Option(
            parser=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="按此日期判断哪些月份已结束 / decide which months have ended as of this date",
        ),
    ] = None,
) -> None:
    if children:
        with open_database().session() as session:
            code = write_children(session, district=district, year=year, fmt=fmt, output=output, today=today)
        raise typer.Exit(code)
    with open_database().session() as session:
        annual = build_annual_report(
            StatsContext(session, SYSTEM, today or periods.today()), district=district, year=year
        )
        data = fmt.render(annual)
    if output is None and fmt != DocumentFormat.docx:
        sys.stdout.write(data.decode("utf-8"))
        return
    path = Path(output or f"{district}-{year}.{fmt.extension}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    console.print(f"已写入 Written: {path} （{annual.title}）")


def write_children(
    session: Session, *, district: str, year: int, fmt: DocumentFormat, output: str | None, today: dt.date | None
) -> int:
    """One file per child district of ``district`` into the folder ``output``; the exit code."""
    parent = districts.get_or_raise(session, code=district)
    children = listing.reporting_children(session, parent.code)
    ctx = StatsContext(session, SYSTEM, today or periods.today())
    if not children:
        console.print(f"[yellow]{parent.name}（{parent.code}）没有下级区划 / has no child districts[/yellow]")
        return 1
    folder = Path(output or f"{parent.code}-{year}")
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
        task = progress.add_task(f"{parent.name}{year}年度报告 reports", total=len(children), current="")
        for child in children:
            progress.update(task, current=f"{child.code} {child.name}")
            annual = build_annual_report(ctx, district=child.code, year=year)
            (folder / f"{child.code}-{child.name}-{year}.{fmt.extension}").write_bytes(fmt.render(annual))
            progress.advance(task)
    console.print(f"已写入 Written: {len(children)} 个文件 files in {folder}")
    return 0
