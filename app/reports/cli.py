"""``python -m app report`` and ``python -m app bulletin``: write the year-end report or a periodic
bulletin of a district (or a whole city or province) to a file, or one file per child district with
``--children`` (with a progress bar). Runs as the system principal. Assembled into ``python -m app`` by
``app/cli.py``."""

from __future__ import annotations

import datetime as dt
import enum
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from app.auth.scope import SYSTEM
from app.core import periods
from app.core.cli_support import CommandLine, console, open_database
from app.core.errors import NotFound
from app.core.periods import Period, parse_period
from app.districts import listing
from app.districts import service as districts
from app.reports import batch
from app.reports import bulletin_en as english
from app.reports.annual import build_annual_report
from app.reports.bulletin import build_bulletin
from app.reports.formats import DocumentFormat, render_bulletin
from app.reports.schemas import Lang
from app.stats.context import StatsContext

commands = CommandLine()

# The options the report and bulletin commands share, spelled once.
FormatOption = Annotated[
    DocumentFormat,
    typer.Option(
        "--format",
        show_default=False,
        help="文件格式：md、html 或 docx（默认 docx）/ file format: md, html or docx (default docx)",
    ),
]
OutputOption = Annotated[
    str | None,
    typer.Option(
        "-o",
        "--output",
        metavar="OUTPUT",
        help="输出文件；--children 时为目录；md/html 缺省输出到标准输出 / output file; a directory with "
        "--children; md and html go to stdout when left out",
    ),
]
TodayOption = Annotated[
    dt.date | None,
    typer.Option(
        parser=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="按此日期判断哪些月份已结束 / decide which months have ended as of this date",
    ),
]


@commands.command("report", help="生成年度报告（数据部分）/ write the year-end report's data-driven part")
def report(
    district: Annotated[
        str, typer.Option(metavar="CODE", help="区划代码（区县、市或省）/ district code (county, city or province)")
    ],
    year: Annotated[int, typer.Option(metavar="YEAR", help="年份 / year")],
    fmt: FormatOption = DocumentFormat.docx,
    output: OutputOption = None,
    children: Annotated[
        bool,
        typer.Option(
            "--children", help="每个下级区划各写一个文件（带进度条）/ one file per child district, with a progress bar"
        ),
    ] = False,
    today: TodayOption = None,
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
        written, without_data = 0, []
        if children:
            progress.update(task, current=f"{children[0].code} {children[0].name}")
        # The same generator the API's zip and the dashboard's batch download use (app.reports.batch).
        for done, item in enumerate(batch.child_reports(ctx, children, year=year, fmt=fmt), start=1):
            if item.content is None:  # report.no_data: no file, named below
                without_data.append(f"{item.district.name}（{item.district.code}）")
            else:
                (folder / item.file_name).write_bytes(item.content)
                written += 1
            if done < len(children):
                progress.update(task, current=f"{children[done].code} {children[done].name}")
            progress.advance(task)
    console.print(f"已写入 Written: {written} 个文件 files in {folder}")
    if without_data:
        console.print(f"[yellow]没有数据、未生成 / no data, no file: {'、'.join(without_data)}[/yellow]")
    return 0 if written else 1


class BulletinLang(enum.StrEnum):
    zh = "zh"
    en = "en"


@commands.command(
    "bulletin",
    help="生成执法工作统计通报（月、季、半年、年或累计）/ write a bulletin of a month, quarter, half, year or range",
)
def bulletin(
    district: Annotated[
        str, typer.Option(metavar="CODE", help="区划代码（市、省或区县）/ district code (city, province or county)")
    ],
    period: Annotated[
        str,
        typer.Option(
            metavar="PERIOD",
            help="统计期 / period: 2025-03, 2025-Q1, 2025-H1, 2025, 2025-01:2025-09",
        ),
    ],
    fmt: FormatOption = DocumentFormat.docx,
    output: OutputOption = None,
    children: Annotated[
        bool,
        typer.Option(
            "--children",
            help="本区划及每个下级区划各写一个文件（带进度条）/ one file for the area and one per child district, "
            "with a progress bar",
        ),
    ] = False,
    today: TodayOption = None,
    lang: Annotated[
        BulletinLang,
        typer.Option("--lang", help="正文语言：zh（默认）或 en / the text's language: zh (default) or en"),
    ] = BulletinLang.zh,
) -> None:
    day = today or periods.today()
    parsed = parse_period(period, day)  # a bad period is refused before the database is opened
    if children:
        with open_database().session() as session:
            code = write_bulletins(
                session, district=district, period=parsed, fmt=fmt, output=output, today=day, lang=lang.value
            )
        raise typer.Exit(code)
    with open_database().session() as session:
        found = build_bulletin(StatsContext(session, SYSTEM, day), district=district, period=parsed, lang=lang.value)
        data = render_bulletin(fmt, found)
    if output is None and fmt != DocumentFormat.docx:
        sys.stdout.write(data.decode("utf-8"))
        return
    path = Path(output or f"{district}-{_file_period(parsed)}.{fmt.extension}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    console.print(f"已写入 Written: {path} （{found.title}）")


def _file_period(period: Period) -> str:
    return period.label.replace(":", "_")


def write_bulletins(
    session: Session,
    *,
    district: str,
    period: Period,
    fmt: DocumentFormat,
    output: str | None,
    today: dt.date,
    lang: Lang = "zh",
) -> int:
    """The bulletin of ``district`` and of each child district into the folder ``output``; the exit code.
    A child without data for the period gets no file and is named at the end."""
    parent = districts.get_or_raise(session, code=district)
    children = listing.reporting_children(session, parent.code)
    ctx = StatsContext(session, SYSTEM, today)
    folder = Path(output or f"{parent.code}-{_file_period(period)}")
    folder.mkdir(parents=True, exist_ok=True)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=console,
    )
    written, without_data = 0, []
    with progress:
        task = progress.add_task(f"{parent.name}{period.zh}通报 bulletins", total=len(children) + 1, current="")
        for area in [parent, *children]:
            progress.update(task, current=f"{area.code} {area.name}")
            try:
                found = build_bulletin(ctx, district=area.code, period=period, lang=lang)
            except NotFound:
                without_data.append(f"{area.name}（{area.code}）")
            else:
                # 120102-河东区-2025-Q1.md; in English 120102-Hedong_District-2025-Q1.md.
                shown = area.name if lang == "zh" else english.name(area.code, area.name).replace(" ", "_")
                name = f"{area.code}-{shown}-{_file_period(period)}.{fmt.extension}"
                (folder / name).write_bytes(render_bulletin(fmt, found))
                written += 1
            progress.advance(task)
    console.print(f"已写入 Written: {written} 个文件 files in {folder}")
    if without_data:
        console.print(f"[yellow]没有数据、未生成 / no data, no file: {'、'.join(without_data)}[/yellow]")
    return 0 if written else 1
