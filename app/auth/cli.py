"""Command-line words for operators: ``users create`` and ``tokens create`` (scripts depend on them)."""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import sys
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.auth.schemas import USER_NAME_RULE, UserName
from app.auth.service import create_token, create_user, get_by_name_or_raise, revoke_token
from app.cli import command, console, open_database
from app.core.config import Settings
from app.core.db import Database, utcnow
from app.core.errors import AppError

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


def _fail(err: AppError) -> int:
    console.print(f"[red]错误 Error:[/red] {err.detail_zh} / {err.detail_en}")
    return 2


@command("users", "管理用户 / manage users")
def _users(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="新建用户 / create a user")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument(
        "--district",
        action="append",
        default=[],
        metavar="CODE",
        help="范围内的区划代码，可重复 / a district code of the scope, repeatable",
    )
    create.add_argument("--password", default=None, help="登录密码（至少 8 位）/ sign-in password (8+ characters)")
    create.add_argument("--display-name", default=None)
    sub.add_parser("list", help="列出用户 / list users")

    def run(args: argparse.Namespace) -> int:
        if args.action == "create" and not _is_user_name(args.name):
            # The API refuses such a name (UserCreate); a user made here would be one the API
            # could never have made, nor a form field expect.
            console.print(f"错误 Error: {USER_NAME_RULE[0]} / {USER_NAME_RULE[1]}", markup=False, soft_wrap=True)
            return 2
        database = open_database()
        if args.action == "list":
            with database.session() as session:
                for u in session.scalars(select(User).order_by(User.id)):
                    scope = ",".join(u.district_codes) or "全国 all"
                    print(f"{u.id}\t{u.name}\t{u.role.value}\t{scope}\t{'active' if u.is_active else 'disabled'}")
            return 0
        try:
            with database.session() as session:
                user = create_user(
                    session,
                    name=args.name,
                    role=Role(args.role),
                    districts=args.district,
                    password=args.password,
                    display_name=args.display_name,
                )
                scope = ",".join(user.district_codes) or "全国 all"
        except AppError as err:
            return _fail(err)
        console.print(f"已创建用户 Created user {args.name} ({args.role}, {scope})")
        return 0

    p.set_defaults(func=run)


@command("tokens", "管理 API 令牌 / manage API tokens")
def _tokens(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="新建令牌并打印（仅显示一次）/ create a token and print it (shown once)")
    create.add_argument("--user", required=True)
    create.add_argument("--name", default=None, help="用途说明 / what the token is for")
    create.add_argument("--expires-in-days", type=int, default=None)
    revoke = sub.add_parser("revoke", help="吊销令牌 / revoke a token")
    revoke.add_argument("id", type=int)

    def run(args: argparse.Namespace) -> int:
        database = open_database()
        try:
            with database.session() as session:
                if args.action == "revoke":
                    revoke_token(session, token_id=args.id)
                    console.print(f"已吊销令牌 Revoked token {args.id}")
                    return 0
                user = get_by_name_or_raise(session, name=args.user)
                expires = utcnow() + dt.timedelta(days=args.expires_in_days) if args.expires_in_days else None
                _row, plaintext = create_token(session, user=user, name=args.name, expires_at=expires)
        except AppError as err:
            return _fail(err)
        # The token alone on stdout, so that scripts can capture it: TOKEN=$(python -m app tokens create …)
        console.print("令牌只显示这一次，请妥善保存 / The token is shown once; store it now", style="yellow")
        sys.stdout.write(plaintext + "\n")
        return 0

    p.set_defaults(func=run)


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
