"""What every command-line module shares: the bilingual Typer app and command classes, the console, the
database and how its failures are told. Commands live with their domain (``app/auth/cli.py``, …) and
import this; ``app/cli.py`` assembles them into ``python -m app``. Nothing here imports a domain.

Output people read goes to stderr, Chinese first and English beside it; stdout carries only what a
script captures (a token, a list, a Markdown report).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from typer.core import TyperCommand, TyperGroup

from app.core.config import get_settings
from app.core.db import Database
from app.core.errors import AppError

PROG = "python -m app"
USAGE_PREFIX = "用法 usage: "
HELP_HELP = "显示本帮助并退出 / show this help and exit"
# Exit codes scripts rely on: a refused request (bad name, unknown district, …) is 2, like a command
# line argparse refused; a database that cannot be reached is 1.
EXIT_REFUSED = 2
EXIT_DATABASE_UNAVAILABLE = 1

console = Console(stderr=True)
# A command function, handed back unchanged by the decorator that registers it.
Command = TypeVar("Command", bound=Callable[..., Any])


def fail(zh: str, en: str, *, code: int = EXIT_REFUSED) -> typer.Exit:
    """Print ``错误 Error: <zh> / <en>`` on one line of stderr; ``raise fail(…)`` ends the command."""
    console.print(Text.assemble(("错误 Error:", "red"), f" {zh} / {en}"), soft_wrap=True, highlight=False)
    return typer.Exit(code)


def database_problem(exc: DBAPIError) -> str:
    """``<url without password>: <the driver's first line>``."""
    url = make_url(get_settings().database_url).render_as_string(hide_password=True)
    reason = str(exc.orig or exc).strip().splitlines()
    return f"{url}: {reason[0] if reason else type(exc).__name__}"


def open_database() -> Database:
    return Database(get_settings().database_url)


def migrate_database(database: Database) -> None:
    # alembic is imported when a command migrates, not for --help.
    from app.core.migrate import current_revision, head_revision, upgrade

    before = current_revision(database.engine)
    upgrade(database.engine)
    after = current_revision(database.engine)
    if before != after:
        console.print(f"数据库已迁移 Database migrated: {before or '(空 empty)'} → {after}")
    else:
        console.print(f"数据库已是最新 Database up to date: {after} (head {head_revision(database.engine)})")


# ------------------------------------------------------------------------------- the Typer app


HEADINGS = {"argument": "参数 Arguments", "option": "选项 Options"}
COMMANDS_HEADING = "命令 Commands"


def _help_option(option: Any) -> Any:
    if option is not None:
        option.help = HELP_HELP
    return option


def _format_params(command: TyperCommand | TyperGroup, ctx: Any, formatter: Any) -> None:
    """Arguments, then options, under bilingual headings (typer's own formatting, translated)."""
    records: dict[str, list[tuple[str, str]]] = {kind: [] for kind in HEADINGS}
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is not None and param.param_type_name in records:
            records[param.param_type_name].append(record)
    for kind, heading in HEADINGS.items():
        if records[kind]:
            with formatter.section(heading):
                formatter.write_dl(records[kind])


class BilingualCommand(TyperCommand):
    """A command whose help speaks both languages: usage line, headings and the help option."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE_PREFIX)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        _format_params(self, ctx, formatter)

    def get_help_option(self, ctx: Any) -> Any:
        return _help_option(super().get_help_option(ctx))

    def get_short_help_str(self, limit: int = 45) -> str:
        # Whole, in a group's list of commands: shortened, the line would lose its English half.
        return (self.short_help or self.help or "").strip()


class BilingualGroup(TyperGroup):
    """A group of commands, bilingual like ``BilingualCommand``, and the one place where the errors an
    operator can cause become one line and an exit code instead of a traceback."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE_PREFIX)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        _format_params(self, ctx, formatter)
        rows = [
            (name, command.get_short_help_str())
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section(COMMANDS_HEADING):
                formatter.write_dl(rows)

    def get_help_option(self, ctx: Any) -> Any:
        return _help_option(super().get_help_option(ctx))

    def get_short_help_str(self, limit: int = 45) -> str:
        return (self.short_help or self.help or "").strip()

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except AppError as err:
            raise fail(err.detail_zh, err.detail_en) from err
        except (OperationalError, InterfaceError) as exc:
            # The database is down, unreachable or refuses us: an operator's problem to fix, so say
            # which database and why in a line, not in a traceback.
            console.print(
                f"错误 Error: 数据库不可用 Database unavailable: {database_problem(exc)}", markup=False, soft_wrap=True
            )
            raise typer.Exit(EXIT_DATABASE_UNAVAILABLE) from exc


class CommandLine(typer.Typer):
    """``typer.Typer`` with this project's settings: bilingual help, ``-h`` as well as ``--help``, plain
    help text (rich's panels cut long Chinese lines short), no shell-completion options, and plain
    tracebacks (typer's pretty ones print local variables: passwords, settings)."""

    def __init__(self, *, help: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("cls", BilingualGroup)
        kwargs.setdefault("no_args_is_help", True)
        super().__init__(
            help=help,
            add_completion=False,
            rich_markup_mode=None,
            pretty_exceptions_enable=False,
            context_settings={"help_option_names": ["-h", "--help"]},
            **kwargs,
        )

    def command(self, name: str | None = None, **kwargs: Any) -> Callable[[Command], Command]:
        kwargs.setdefault("cls", BilingualCommand)
        return super().command(name, **kwargs)
