"""``python -m app summary check | rebuild``: compare the yearly summary (``yearly_values``) with the
monthly rows, or recompute it. Writers keep it in step by themselves; these are for an operator
who loaded data behind the application's back (a restore, a hand-written SQL fix). Assembled into
``python -m app`` by ``app/cli.py``."""

from __future__ import annotations

import typer

from app.core.cli_support import CommandLine, console, migrate_database, open_database
from app.values import yearly

commands = CommandLine()
summary = CommandLine(help="核对或重建年度汇总表 / check or rebuild the yearly summary of the monthly values")
commands.add_typer(summary, name="summary")


@summary.command(
    "check",
    help="与月度数据核对，不一致时退出码为 1 / compare with the monthly rows, exit 1 on a difference",
)
def check() -> None:
    database = open_database()
    migrate_database(database)
    with database.session() as session:
        found = yearly.differences(session)
    if not found:
        console.print("年度汇总与月度数据一致 The yearly summary matches the monthly values")
        return
    console.print(
        f"年度汇总与月度数据不一致 The yearly summary differs from the monthly values（前 first {len(found)}）:"
    )
    for d in found:
        console.print(
            f"  {d['district']} {d['year']} {d['indicator']}: 应为 expected {d['expected']}, 实为 found {d['found']}",
            highlight=False,
        )
    console.print("修复 Fix: python -m app summary rebuild")
    raise typer.Exit(1)


@summary.command("rebuild", help="按月度数据重新计算 / recompute from the monthly rows")
def rebuild() -> None:
    database = open_database()
    migrate_database(database)
    with database.session() as session:
        rows = yearly.rebuild(
            session, progress=lambda year: console.print(f"  {year} 年已重建 rebuilt", highlight=False)
        )
    console.print(f"年度汇总已重建 Yearly summary rebuilt: {rows} 行 rows")
