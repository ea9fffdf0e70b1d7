"""The command line: ``python -m app serve | migrate | seed``; later issues add their own words.

Each subcommand is a small function registered in ``COMMANDS``; output that people read is
Chinese first, English beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence

from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from app.core.config import Settings, get_settings
from app.core.db import Database

console = Console(stderr=True)
Configure = Callable[[argparse.ArgumentParser], None]
# name → (configure(parser), help). A configure function adds its arguments and sets ``func``,
# the function that runs the subcommand and returns the exit code.
COMMANDS: dict[str, tuple[Configure, str]] = {}


def command(name: str, help_text: str) -> Callable[[Configure], Configure]:
    """Register a subcommand; later issues add theirs (users, tokens, report) the same way."""

    def wrap(configure: Configure) -> Configure:
        COMMANDS[name] = (configure, help_text)
        return configure

    return wrap


def open_database() -> Database:
    return Database(get_settings().database_url)


def migrate_database(database: Database) -> None:
    from app.core.migrate import current_revision, head_revision, upgrade

    before = current_revision(database.engine)
    upgrade(database.engine)
    after = current_revision(database.engine)
    if before != after:
        console.print(f"数据库已迁移 Database migrated: {before or '(空 empty)'} → {after}")
    else:
        console.print(f"数据库已是最新 Database up to date: {after} (head {head_revision(database.engine)})")


# ------------------------------------------------------------------------------- migrate


@command("migrate", "迁移数据库到最新结构 / upgrade the database schema")
def _migrate(p: argparse.ArgumentParser) -> None:
    def run(_args: argparse.Namespace) -> int:
        migrate_database(open_database())
        return 0

    p.set_defaults(func=run)


# ------------------------------------------------------------------------------- seed


def run_seed_demo(database: Database, today: dt.date | None = None) -> None:
    from seed.loader import seed_demo

    stats = seed_demo(database, today=today, console=console)
    console.print(
        f"种子数据完成 Seed done: 区划 districts +{stats.districts_created} ~{stats.districts_updated}, "
        f"数值 values +{stats.values_created} ~{stats.values_updated}, 月报 months +{stats.months_created}, "
        f"活动 activities +{stats.activities_created}"
        + (f", 保留已上传 kept uploaded {stats.skipped_uploaded}" if stats.skipped_uploaded else "")
    )


@command("seed", "载入种子数据（可重复执行）/ load seed data (idempotent)")
def _seed(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "dataset",
        nargs="?",
        default="demo",
        choices=["demo", "national"],
        help="demo: 全国区划 + 天津、重庆演示数据及两份年度报告数字 / all districts, Tianjin and "
        "Chongqing demo months and the two reports' figures; national: 全国所有区县的合成月度数据（压力测试）/ "
        "synthetic months for every county-level district of the country (scale tests)",
    )
    p.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        help="按此日期计算“上一个完整月份” / compute the last full month from this date",
    )
    p.add_argument(
        "--years",
        type=int,
        default=10,
        help="national：截至上一个完整月份的年数 / national: calendar years up to the last full month",
    )

    def run(args: argparse.Namespace) -> int:
        database = open_database()
        migrate_database(database)
        if args.dataset == "national":
            from seed.national import seed_national

            national = seed_national(database, years=args.years, today=args.today, console=console)
            console.print(
                f"全国数据完成 National data done: 区县 districts {national.districts}, "
                f"数值 values +{national.values_created}, 月报 months +{national.months_created}, "
                f"已有而跳过 kept existing {national.months_skipped} "
                f"({national.first_month:%Y-%m} … {national.last_month:%Y-%m})"
            )
            return 0
        run_seed_demo(database, args.today)
        return 0

    p.set_defaults(func=run)


# ------------------------------------------------------------------------------- serve


@command("serve", "迁移、（空库时）载入演示数据并启动服务 / migrate, seed if empty, serve")
def _serve(p: argparse.ArgumentParser) -> None:
    # Defaults come from the settings when the command runs, not while the parser is built: reading
    # the settings makes data/secret_key, and `python -m app --help` should leave no trace.
    host, port = Settings.model_fields["host"].default, Settings.model_fields["port"].default
    p.add_argument("--host", default=None, help=f"默认取 HOST 设置 / default: the HOST setting ({host})")
    p.add_argument("--port", type=int, default=None, help=f"默认取 PORT 设置 / default: the PORT setting ({port})")
    p.add_argument("--no-seed", action="store_true", help="空库时也不载入演示数据 / never seed")
    p.add_argument("--workers", type=int, default=1)

    def run(args: argparse.Namespace) -> int:
        import uvicorn

        from app.auth.cli import ensure_demo_admin
        from seed.loader import database_is_empty

        settings = get_settings()
        host = args.host or settings.host
        port = args.port if args.port is not None else settings.port
        database = open_database()
        migrate_database(database)
        if not args.no_seed and database_is_empty(database):
            console.print("数据库为空，载入演示数据 Empty database: loading the demo data")
            run_seed_demo(database)
        ensure_demo_admin(database, settings)
        database.engine.dispose()
        console.print(
            f"服务地址 Serving on http://{host}:{port}  —  仪表盘 dashboard /dashboard/  ·  API 文档 docs /docs"
        )
        uvicorn.run("app.main:app", host=host, port=port, workers=args.workers)
        return 0

    p.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    # Modules that register their own words; imported here, after COMMANDS exists.
    import app.auth.cli  # noqa: F401
    import app.reports.cli as _reports_cli  # noqa: F401
    import app.values.cli as _values_cli  # noqa: F401

    parser = argparse.ArgumentParser(
        prog="python -m app", description="应急管理执法工作统计平台 / enforcement-activity metrics platform"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (configure, help_text) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except (OperationalError, InterfaceError) as exc:
        # The database is down, unreachable or refuses us: an operator's problem to fix, so say
        # which database and why in a line, not in a traceback.
        console.print(
            f"错误 Error: 数据库不可用 Database unavailable: {database_problem(exc)}", markup=False, soft_wrap=True
        )
        code = 1
    sys.exit(code)


def database_problem(exc: DBAPIError) -> str:
    """``<url without password>: <the driver's first line>``."""
    url = make_url(get_settings().database_url).render_as_string(hide_password=True)
    reason = str(exc.orig or exc).strip().splitlines()
    return f"{url}: {reason[0] if reason else type(exc).__name__}"
