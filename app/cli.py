"""The command line, ``python -m app``: the platform's own words (serve, migrate, seed) and the words of
each domain (users and tokens, report, summary, backup and restore), assembled here from the Typer apps
their modules define. Those modules import ``app.core.cli_support``, never this one. District offices
script these words: their names, flags, defaults, exit codes and output stay as they are.

A new word goes where its domain lives: a new action of ``users`` into ``app/auth/cli.py``; a word of a
new domain (backup, restore, bulletin) into that domain's ``cli.py``, added below with one
``add_typer``.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
from collections.abc import Sequence
from typing import Annotated

import typer

from app.auth import cli as auth_cli
from app.backup import cli as backup_cli
from app.core.cli_support import PROG, CommandLine, console, migrate_database, open_database
from app.core.config import Settings, get_settings
from app.core.db import Database
from app.reports import cli as reports_cli
from app.values import cli as values_cli

app = CommandLine(help="应急管理执法工作统计平台 / enforcement-activity metrics platform")


# ------------------------------------------------------------------------------- serve

# The defaults in the help are the Settings class's, not the settings: reading those makes
# data/secret_key, and `python -m app --help` should leave no trace.
_HOST = Settings.model_fields["host"].default
_PORT = Settings.model_fields["port"].default


@app.command("serve", help="迁移、（空库时）载入演示数据并启动服务 / migrate, seed if empty, serve")
def serve(
    host: Annotated[
        str | None,
        typer.Option(
            metavar="HOST",
            help=f"监听地址，默认取 HOST 设置 / address to listen on; default: the HOST setting ({_HOST})",
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(metavar="PORT", help=f"端口，默认取 PORT 设置 / port; default: the PORT setting ({_PORT})"),
    ] = None,
    no_seed: Annotated[bool, typer.Option("--no-seed", help="空库时也不载入演示数据 / never seed")] = False,
    workers: Annotated[
        int,
        typer.Option(metavar="WORKERS", show_default=False, help="工作进程数（默认 1）/ worker processes (default 1)"),
    ] = 1,
) -> None:
    import uvicorn

    from app.core.logging import configure_logging
    from app.core.metrics import MULTIPROC_ENV, prepare_multiprocess_dir
    from seed.loader import database_is_empty

    settings = get_settings()
    configure_logging(settings.log_level)
    host = host or settings.host
    port = port if port is not None else settings.port
    database = open_database()
    migrate_database(database)
    if not no_seed and database_is_empty(database):
        console.print("数据库为空，载入演示数据 Empty database: loading the demo data")
        run_seed_demo(database)
    auth_cli.ensure_demo_admin(database, settings)
    database.engine.dispose()
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # Each worker counts its metrics in files here, so /metrics of any worker shows them all.
        prepare_multiprocess_dir(settings.data_dir / "metrics")
    console.print(f"服务地址 Serving on http://{host}:{port}  —  仪表盘 dashboard /dashboard/  ·  API 文档 docs /docs")
    # log_config=None: uvicorn keeps to the JSON logging configured above (and again in each worker).
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, log_config=None)


# ------------------------------------------------------------------------------- migrate


@app.command("migrate", help="迁移数据库到最新结构 / upgrade the database schema")
def migrate() -> None:
    migrate_database(open_database())


# ------------------------------------------------------------------------------- seed


class Dataset(enum.StrEnum):
    demo = "demo"
    national = "national"


def run_seed_demo(database: Database, today: dt.date | None = None) -> None:
    from seed.loader import seed_demo

    stats = seed_demo(database, today=today, console=console)
    console.print(
        f"种子数据完成 Seed done: 区划 districts +{stats.districts_created} ~{stats.districts_updated}, "
        f"数值 values +{stats.values_created} ~{stats.values_updated}, 月报 months +{stats.months_created}, "
        f"活动 activities +{stats.activities_created}"
        + (f", 保留已上传 kept uploaded {stats.skipped_uploaded}" if stats.skipped_uploaded else "")
    )


@app.command("seed", help="载入种子数据（可重复执行）/ load seed data (idempotent)")
def seed(
    dataset: Annotated[
        Dataset,
        typer.Argument(
            metavar="DATASET",
            show_default=False,
            help="要载入的数据：demo（默认）为全国区划 + 天津、重庆演示数据及两份年度报告数字；"
            "national 为全国所有区县的合成月度数据（压力测试）"
            "/ what to load: demo (the default) is all districts, Tianjin and Chongqing demo months and the two "
            "reports' figures; national is synthetic months for every county-level district (scale tests)",
        ),
    ] = Dataset.demo,
    today: Annotated[
        dt.date | None,
        typer.Option(
            parser=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="按此日期计算“上一个完整月份” / compute the last full month from this date",
        ),
    ] = None,
    years: Annotated[
        int,
        typer.Option(
            metavar="YEARS",
            show_default=False,
            help="年数，截至上一个完整月份，仅用于 national（默认 10）/ years up to the last full month, national "
            "only (default 10)",
        ),
    ] = 10,
) -> None:
    database = open_database()
    migrate_database(database)
    if dataset == Dataset.national:
        from seed.national import seed_national

        national = seed_national(database, years=years, today=today, console=console)
        console.print(
            f"全国数据完成 National data done: 区县 districts {national.districts}, "
            f"数值 values +{national.values_created}, 月报 months +{national.months_created}, "
            f"已有而跳过 kept existing {national.months_skipped} "
            f"({national.first_month:%Y-%m} … {national.last_month:%Y-%m})"
        )
        return
    run_seed_demo(database, today)


# ------------------------------------------------------------------------------- the domains' words

app.add_typer(auth_cli.commands)  # users create|list, tokens create|revoke
app.add_typer(reports_cli.commands)  # report, bulletin
app.add_typer(values_cli.commands)  # summary check|rebuild
app.add_typer(backup_cli.commands)  # backup, restore


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``) and exit with its code."""
    app(args=None if argv is None else list(argv), prog_name=PROG)
