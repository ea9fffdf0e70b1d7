"""Command-line words for operators: ``users create|list`` and ``tokens create|revoke`` (scripts depend on
them), and the first start's demo admin. Assembled into ``python -m app`` by ``app/cli.py``."""

from __future__ import annotations

import datetime as dt
import getpass
import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.auth.schemas import USER_NAME_RULE, UserName
from app.auth.service import (
    create_token,
    create_user,
    disable_user,
    enable_user,
    get_by_name_or_raise,
    revoke_token,
    set_password,
)
from app.core.cli_support import CommandLine, console, fail, open_database
from app.core.config import Settings
from app.core.db import Database, utcnow

DEMO_ADMIN = "admin"
FIRST_ADMIN_HINT = (
    "尚无用户，请先创建管理员 / No user yet; create the first admin: "
    "python -m app users create --name admin --role admin --password '…'"
)


def _is_user_name(name: str) -> bool:
    try:
        TypeAdapter(UserName).validate_python(name)
    except ValidationError:
        return False
    return True


def _scope(user: User) -> str:
    return ",".join(user.district_codes) or "全国 all"


commands = CommandLine()
users = CommandLine(help="管理用户 / manage users")
tokens = CommandLine(help="管理 API 令牌 / manage API tokens")
commands.add_typer(users, name="users")
commands.add_typer(tokens, name="tokens")


# ------------------------------------------------------------------------------- users


@users.command("create", help="新建用户 / create a user")
def create_user_command(
    name: Annotated[str, typer.Option(metavar="NAME", help=f"{USER_NAME_RULE[0]} / {USER_NAME_RULE[1]}")],
    role: Annotated[
        Role,
        typer.Option(
            help="角色：admin 管理一切，staff 报送并查看其范围，viewer 只查看其范围，reviewer 审核其范围内区县的报表 / "
            "role: admin manages everything, staff writes and reads its scope, viewer reads its scope, reviewer "
            "approves, returns and unlocks the months of the districts in its scope"
        ),
    ],
    district: Annotated[
        list[str] | None,
        typer.Option(metavar="CODE", help="范围内的区划代码，可重复 / a district code of the scope, repeatable"),
    ] = None,
    password: Annotated[
        str | None, typer.Option(metavar="PASSWORD", help="登录密码（至少 8 位）/ sign-in password (8+ characters)")
    ] = None,
    display_name: Annotated[
        str | None, typer.Option(metavar="DISPLAY_NAME", help="显示名称 / the name shown on the dashboard")
    ] = None,
    email: Annotated[
        str | None, typer.Option(metavar="EMAIL", help="邮箱，接收催报邮件 / e-mail address, for mailed reminders")
    ] = None,
) -> None:
    if not _is_user_name(name):
        # The API refuses such a name (UserCreate); a user made here would be one the API could
        # never have made, nor a form field expect. Refused before the database is opened.
        raise fail(*USER_NAME_RULE)
    with open_database().session() as session:
        user = create_user(
            session,
            name=name,
            role=role,
            districts=district or [],
            password=password,
            display_name=display_name,
            email=email,
        )
        scope = _scope(user)
    console.print(f"已创建用户 Created user {name} ({role.value}, {scope})")


@users.command("list", help="列出用户 / list users")
def list_users() -> None:
    with open_database().session() as session:
        for u in session.scalars(select(User).order_by(User.id)):
            print(f"{u.id}\t{u.name}\t{u.role.value}\t{_scope(u)}\t{'active' if u.is_active else 'disabled'}")


_NAME_OPTION = typer.Option(metavar="NAME", help="用户名 / the user's name")


@users.command(
    "set-password",
    help="设置密码（不给 --password 则提示输入）；该用户的所有会话和令牌随即失效 / set a password (prompted without "
    "--password); every session and token of the user ends at once",
)
def set_password_command(
    name: Annotated[str, _NAME_OPTION],
    password: Annotated[
        str | None, typer.Option(metavar="PASSWORD", help="新密码（至少 8 位）/ the new password (8+ characters)")
    ] = None,
) -> None:
    new = password or getpass.getpass("新密码 New password: ")
    with open_database().session() as session:
        set_password(session, name=name, password=new)
    console.print(f"已设置密码 Password set: {name}（所有会话和令牌已失效 / every session and token ended）")


@users.command("disable", help="停用用户；其所有会话和令牌随即失效 / disable a user; every session and token ends")
def disable_command(name: Annotated[str, _NAME_OPTION]) -> None:
    with open_database().session() as session:
        disable_user(session, name=name)
    console.print(f"已停用 Disabled: {name}（所有会话和令牌已失效 / every session and token ended）")


@users.command("enable", help="启用用户 / enable a user")
def enable_command(name: Annotated[str, _NAME_OPTION]) -> None:
    with open_database().session() as session:
        enable_user(session, name=name)
    console.print(f"已启用 Enabled: {name}")


# ------------------------------------------------------------------------------- tokens


@tokens.command("create", help="新建令牌并打印（仅显示一次）/ create a token and print it (shown once)")
def create_token_command(
    user: Annotated[str, typer.Option(metavar="USER", help="令牌所属的用户名 / the name of the token's user")],
    name: Annotated[str | None, typer.Option(metavar="NAME", help="用途说明 / what the token is for")] = None,
    expires_in_days: Annotated[
        int | None, typer.Option(metavar="DAYS", help="有效天数，缺省不过期 / days until it expires (default: never)")
    ] = None,
) -> None:
    with open_database().session() as session:
        owner = get_by_name_or_raise(session, name=user)
        expires = utcnow() + dt.timedelta(days=expires_in_days) if expires_in_days else None
        _row, plaintext = create_token(session, user=owner, name=name, expires_at=expires)
    # The token alone on stdout, so that scripts can capture it: TOKEN=$(python -m app tokens create …)
    console.print("令牌只显示这一次，请妥善保存 / The token is shown once; store it now", style="yellow")
    sys.stdout.write(plaintext + "\n")


@tokens.command("revoke", help="吊销令牌 / revoke a token")
def revoke_token_command(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="令牌编号 / the token's id")],
) -> None:
    with open_database().session() as session:
        revoke_token(session, token_id=token_id)
    console.print(f"已吊销令牌 Revoked token {token_id}")


def ensure_demo_admin(database: Database, settings: Settings) -> None:
    """On a laptop's first start (ENVIRONMENT=local on SQLite, no user at all), create the admin
    ``admin`` and say how to sign in. Anywhere else with no user yet, only say how to create the
    first admin: on a server (PostgreSQL) the printed password would land in the service's log and
    stay in its archive, and ENVIRONMENT=local is merely the default there, not a choice."""
    with database.session() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return
        if settings.environment != "local" or database.dialect != "sqlite":
            console.print(FIRST_ADMIN_HINT, style="yellow", markup=False, highlight=False, soft_wrap=True)
            return
        password = secrets.token_urlsafe(9)
        create_user(session, name=DEMO_ADMIN, role=Role.admin, password=password, display_name="演示管理员")
    note: Path = settings.data_dir / "demo-admin.txt"
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(f"user: {DEMO_ADMIN}\npassword: {password}\n", encoding="utf-8")
    note.chmod(0o600)
    console.print(
        f"[bold green]已创建演示管理员 Demo admin created[/] — 用户名 user [bold]{DEMO_ADMIN}[/], "
        f"密码 password [bold]{password}[/]  (也保存在 also in {note})"
    )
