"""The command line as district offices script it: every word and flag the README names, and those only
the code has (``users list``, ``tokens revoke``, ``--display-name``…), with their exit codes and what
they print. The help and ``migrate`` run through ``python -m app`` in a subprocess; the rest through
typer's CliRunner on the same app, against a database of each backend that the CLI itself seeded.
``users create``'s name rule, ``--help`` leaving no trace and an unreachable database are in
tests/test_cli_accounts.py; ``report --children`` in tests/test_reports.py.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select, text
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from app.auth.models import ApiToken, Role, User
from app.auth.security import verify_password
from app.auth.service import authenticate_token
from app.cli import app
from app.core.cli_support import HELP_HELP, PROG
from app.core.config import Settings, get_settings
from app.core.db import Database, utcnow
from app.reports.annual import build_annual_report
from app.reports.formats import DocumentFormat
from tests.conftest import BACKENDS, SEED_TODAY, FreshDatabases

ROOT = Path(__file__).resolve().parents[1]
SECRET = "c" * 40
WORDS = ["serve", "migrate", "seed", "users", "tokens", "report", "bulletin", "summary", "backup", "restore"]
HEDONG = "120102"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")

Run = Callable[..., Result]


def said(result: Result) -> str:
    """What the command told the operator (stderr), with rich's line wrapping undone."""
    return " ".join(result.stderr.split())


def squeezed(text: str) -> str:
    """``text`` without any white space: rich also folds a word longer than the line (a long path)."""
    return "".join(text.split())


def is_bilingual(help_text: str | None) -> bool:
    """Chinese first, then ``/`` and English."""
    if not help_text or "/" not in help_text:
        return False
    zh, latin = CJK.search(help_text), LATIN.search(help_text)
    last_zh = max(m.end() for m in CJK.finditer(help_text)) if zh else 0
    english = help_text[last_zh:]
    return bool(zh and latin and zh.start() < latin.start() and "/" in english and LATIN.search(english))


def command_paths() -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every word of the command line with its click command, the root first."""
    pending: list[tuple[tuple[str, ...], Any]] = [((), typer.main.get_command(app))]
    while pending:
        path, command = pending.pop(0)
        yield path, command
        if isinstance(command, TyperGroup):
            pending += [((*path, name), sub) for name, sub in command.commands.items()]


# ----------------------------------------------------------------------------- no database


@pytest.fixture
def nothing_to_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the settings or opening a database fails the test."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("read the settings or opened a database")

    get_settings.cache_clear()
    monkeypatch.setattr(Settings, "__init__", refuse)
    monkeypatch.setattr(Database, "__init__", refuse)


def test_help_is_bilingual_for_the_app_every_command_and_every_option(nothing_to_read: None) -> None:
    paths = dict(command_paths())
    assert set(paths) >= {
        (),
        *[(w,) for w in WORDS],
        ("users", "create"),
        ("users", "list"),
        ("tokens", "create"),
        ("tokens", "revoke"),
        ("summary", "check"),
        ("summary", "rebuild"),
    }
    runner = CliRunner()
    for path, command in paths.items():
        where = " ".join([PROG, *path])
        assert is_bilingual(command.help), (where, command.help)
        for param in command.params:
            assert is_bilingual(param.help), (where, param.name, param.help)
        shown = runner.invoke(app, [*path, "--help"], prog_name=PROG, catch_exceptions=False)
        assert shown.exit_code == 0, (where, shown.output)
        assert shown.stdout.startswith(f"用法 usage: {where} "), shown.stdout
        assert HELP_HELP in shown.stdout and "选项 Options:" in shown.stdout
        for param in command.params:
            assert any(opt in shown.stdout for opt in [*param.opts, param.metavar or "\0"]), (where, param.name)
        if isinstance(command, TyperGroup):
            assert "命令 Commands:" in shown.stdout
            listing = " ".join(shown.stdout.split("命令 Commands:")[1].split())
            for name, sub in command.commands.items():
                # Listed whole (wrapped, not shortened: that would cut the English half off).
                assert f"{name} {sub.help}" in listing, (where, name)
        assert runner.invoke(app, [*path, "-h"], prog_name=PROG).stdout == shown.stdout


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nonsense"],
        ["serve", "--port", "eighty"],
        ["serve", "--no-such-flag"],
        ["seed", "everything"],
        ["seed", "--today", "2026-13-01"],
        ["users"],
        ["users", "create", "--role", "viewer"],  # no --name
        ["users", "create", "--name", "boss", "--role", "boss"],
        ["tokens", "create"],
        ["tokens", "revoke", "one"],
        ["report", "--district", HEDONG],  # no --year
        ["report", "--district", HEDONG, "--year", "2021", "--format", "pdf"],
        ["summary"],
        ["summary", "repair"],
        ["backup"],  # no FILE
        ["restore"],
        ["backup", "a.db", "b.db"],
    ],
)
def test_a_command_line_it_cannot_parse_exits_2_before_reading_anything(argv: list[str], nothing_to_read: None) -> None:
    done = CliRunner().invoke(app, argv, prog_name=PROG, catch_exceptions=False)
    assert done.exit_code == 2, (argv, done.output)
    assert done.stdout == ""
    assert "用法 usage: python -m app" in done.stderr


def run_python_m_app(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATA_DIR", "DATABASE_URL", "SECRET_KEY", "ENVIRONMENT"}}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_python_m_app_help_lists_every_word(tmp_path: Path) -> None:
    done = run_python_m_app(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("用法 usage: python -m app [OPTIONS] COMMAND [ARGS]...")
    assert "应急管理执法工作统计平台 / enforcement-activity metrics platform" in done.stdout
    listed = re.findall(r"^  ([a-z]+) ", done.stdout.split("命令 Commands:")[1], re.M)
    assert listed == WORDS
    assert list(tmp_path.iterdir()) == []


def test_python_m_app_migrate_then_migrate_again(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{(tmp_path / 'm.db').as_posix()}",
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": SECRET,
    }
    first = run_python_m_app(tmp_path, "migrate", **env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""
    migrated = re.search(r"数据库已迁移 Database migrated: \(空 empty\) → (\w+)", first.stderr)
    assert migrated, first.stderr
    again = run_python_m_app(tmp_path, "migrate", **env)
    assert again.returncode == 0, again.stderr
    head = migrated.group(1)
    assert f"数据库已是最新 Database up to date: {head} (head {head})" in again.stderr


# ----------------------------------------------------------------------------- on a database


@pytest.fixture(scope="module", params=BACKENDS)
def cli_database(request: pytest.FixtureRequest, fresh_databases: FreshDatabases) -> Iterator[Database]:
    """An empty database of each backend, for this module's commands to migrate, seed and change."""
    database = Database(fresh_databases.url(request.param))
    yield database
    database.engine.dispose()


@pytest.fixture(scope="module")
def cli(cli_database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """``cli("users", "list")`` runs ``python -m app users list`` on ``cli_database``; keyword
    arguments are further environment variables (settings)."""
    runner = CliRunner(
        env={
            "DATABASE_URL": cli_database.url,
            "DATA_DIR": str(tmp_path_factory.mktemp("cli-data")),
            "SECRET_KEY": SECRET,
            "ENVIRONMENT": "test",
            "HOST": None,
            "PORT": None,
        }
    )

    def run(*args: str, **env: str) -> Result:
        get_settings.cache_clear()  # the settings of this invocation's environment
        try:
            return runner.invoke(app, list(args), env=env, prog_name=PROG, catch_exceptions=False)
        finally:
            get_settings.cache_clear()

    yield run


@pytest.fixture(scope="module")
def seeded(cli: Run) -> Result:
    """``python -m app seed --today …`` on the empty database: what the rest of the module works on."""
    return cli("seed", "--today", SEED_TODAY.isoformat())


def test_seed_migrates_loads_the_demo_data_and_changes_nothing_the_second_time(seeded: Result, cli: Run) -> None:
    assert seeded.exit_code == 0, seeded.output
    assert "数据库已迁移 Database migrated: (空 empty) →" in said(seeded)
    loaded = re.search(r"种子数据完成 Seed done: 区划 districts \+(\d+) ~0, 数值 values \+(\d+) ~0", said(seeded))
    assert loaded and int(loaded.group(1)) > 2800 and int(loaded.group(2)) > 0, said(seeded)
    again = cli("seed", "demo", "--today", SEED_TODAY.isoformat())
    assert again.exit_code == 0, again.output
    assert "数据库已是最新 Database up to date" in said(again)
    assert "区划 districts +0 ~0, 数值 values +0 ~0, 月报 months +0, 活动 activities +0" in said(again)


def test_seed_national_passes_its_years_and_today(seeded: Result, cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import seed.national
    from seed.national import NationalStats

    calls: list[dict[str, Any]] = []

    def seed_national(database: Database, **kwargs: Any) -> NationalStats:
        calls.append(kwargs)
        return NationalStats(5, 7, 8, 9, dt.date(2024, 1, 1), dt.date(2026, 10, 1))

    monkeypatch.setattr(seed.national, "seed_national", seed_national)
    done = cli("seed", "national", "--years", "3", "--today", SEED_TODAY.isoformat())
    assert done.exit_code == 0, done.output
    assert calls[0]["years"] == 3 and calls[0]["today"] == SEED_TODAY
    assert (
        "全国数据完成 National data done: 区县 districts 5, 数值 values +7, 月报 months +8, "
        "已有而跳过 kept existing 9 (2024-01 … 2026-10)"
    ) in said(done)
    assert cli("seed", "national").exit_code == 0
    assert calls[1]["years"] == 10 and calls[1]["today"] is None


def test_users_create_and_list(seeded: Result, cli: Run, cli_database: Database) -> None:
    done = cli(
        *("users", "create", "--name", "cli_viewer", "--role", "viewer"),
        *("--district", "120000", "--district", HEDONG, "--password", "viewer-pass-1", "--display-name", "天津查看"),
    )
    assert done.exit_code == 0, done.output
    assert said(done) == "已创建用户 Created user cli_viewer (viewer, 120000,120102)"
    done = cli("users", "create", "--name", "cli_admin", "--role", "admin")
    assert said(done) == "已创建用户 Created user cli_admin (admin, 全国 all)"
    with cli_database.session() as s:
        viewer = s.scalars(select(User).where(User.name == "cli_viewer")).one()
        assert viewer.role == Role.viewer and viewer.display_name == "天津查看"
        assert verify_password("viewer-pass-1", viewer.password_hash)

    refused = {
        ("--name", "cli_staff", "--role", "staff"): "报送人员（staff）须指定至少一个区划 / A staff user needs",
        ("--name", "cli_x", "--role", "viewer", "--district", "999999"): "未知区划代码：999999 / Unknown district",
        ("--name", "cli_admin", "--role", "admin"): "已存在",
        ("--name", "cli_y", "--role", "admin", "--password", "short"): "密码至少 8 位 / The password needs",
    }
    for args, message in refused.items():
        done = cli("users", "create", *args)
        assert done.exit_code == 2, (args, done.output)
        assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("错误 Error: "), done.stderr
        assert message in done.stderr, (args, done.stderr)

    listed = cli("users", "list")
    assert listed.exit_code == 0 and listed.stderr == ""
    rows = [line.split("\t")[1:] for line in listed.stdout.splitlines()]
    assert ["cli_viewer", "viewer", "120000,120102", "active"] in rows
    assert ["cli_admin", "admin", "全国 all", "active"] in rows


def test_tokens_create_prints_the_token_alone_on_stdout_and_revoke_ends_it(
    seeded: Result, cli: Run, cli_database: Database
) -> None:
    assert cli("users", "create", "--name", "cli_uploader", "--role", "staff", "--district", HEDONG).exit_code == 0
    done = cli("tokens", "create", "--user", "cli_uploader", "--name", "上报脚本", "--expires-in-days", "30")
    assert done.exit_code == 0, done.output
    token = done.stdout.removesuffix("\n")
    assert token and "\n" not in token and token not in done.stderr
    assert "令牌只显示这一次，请妥善保存 / The token is shown once; store it now" in said(done)
    with cli_database.session() as s:
        use = authenticate_token(s, token)
        assert use is not None and use.user.name == "cli_uploader"
        user = use.user
        row = s.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
        assert row.name == "上报脚本" and row.expires_at is not None
        assert abs(row.expires_at - (utcnow() + dt.timedelta(days=30))) < dt.timedelta(minutes=5)
        token_id = row.id

    forever = cli("tokens", "create", "--user", "cli_uploader")
    with cli_database.session() as s:
        use = authenticate_token(s, forever.stdout.strip())
        assert use is not None
        user = use.user
        assert (
            s.scalars(select(ApiToken.expires_at).where(ApiToken.user_id == user.id, ApiToken.id != token_id)).one()
            is None
        )

    nobody = cli("tokens", "create", "--user", "nobody_at_all")
    assert nobody.exit_code == 2 and nobody.stdout == "" and "错误 Error:" in nobody.stderr

    revoked = cli("tokens", "revoke", str(token_id))
    assert revoked.exit_code == 0, revoked.output
    assert said(revoked) == f"已吊销令牌 Revoked token {token_id}"
    with cli_database.session() as s:
        assert authenticate_token(s, token) is None
    unknown = cli("tokens", "revoke", "999999")
    assert unknown.exit_code == 2 and "令牌 999999 不存在 / No token 999999" in unknown.stderr


def test_report_goes_to_stdout_or_a_file(
    seeded: Result, cli: Run, cli_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.auth.scope import SYSTEM
    from app.stats.context import StatsContext

    today = ("--today", SEED_TODAY.isoformat())
    markdown = cli("report", "--district", HEDONG, "--year", "2021", "--format", "md", *today)
    assert markdown.exit_code == 0, markdown.output
    assert "执法检查807家次" in markdown.stdout and markdown.stderr == ""
    with cli_database.session() as s:
        report = build_annual_report(StatsContext(s, SYSTEM, SEED_TODAY), district=HEDONG, year=2021)
    # The document the API serves: one renderer for both (the line with the time it was made aside).
    same = DocumentFormat.md.render(report).decode("utf-8")
    assert markdown.stdout.split("生成时间")[0] == same.split("生成时间")[0]

    html = tmp_path / "out" / "hedong.html"
    done = cli("report", "--district", HEDONG, "--year", "2021", "--format", "html", "-o", str(html), *today)
    assert done.exit_code == 0, done.output
    assert "执法检查807家次" in html.read_text(encoding="utf-8") and done.stdout == ""
    assert squeezed(f"已写入 Written: {html} （{report.title}）") in squeezed(done.stderr)
    done = cli("report", "--district", HEDONG, "--year", "2021", "--format", "md", "--output", str(tmp_path / "h.md"))
    assert done.exit_code == 0 and (tmp_path / "h.md").read_text(encoding="utf-8").startswith("#")

    monkeypatch.chdir(tmp_path)
    done = cli("report", "--district", HEDONG, "--year", "2021", *today)  # docx by default, named after the district
    assert done.exit_code == 0, done.output
    assert (tmp_path / "120102-2021.docx").read_bytes()[:2] == b"PK" and done.stdout == ""

    childless = cli("report", "--district", HEDONG, "--year", "2021", "--children", *today)
    assert childless.exit_code == 1
    assert "河东区（120102）没有下级区划 / has no child districts" in said(childless)
    unknown = cli("report", "--district", "999999", "--year", "2021")
    assert unknown.exit_code == 2 and unknown.stderr.startswith("错误 Error: ")


def test_summary_check_finds_a_hand_made_difference_and_rebuild_repairs_it(
    seeded: Result, cli: Run, cli_database: Database
) -> None:
    done = cli("summary", "check")
    assert done.exit_code == 0, done.output
    assert "年度汇总与月度数据一致 The yearly summary matches the monthly values" in said(done)

    with cli_database.engine.begin() as conn:  # as a restore or a hand-written fix would
        conn.execute(text(f"DELETE FROM yearly_values WHERE district_code = '{HEDONG}' AND year = 2021"))
    done = cli("summary", "check")
    assert done.exit_code == 1, done.output
    assert "年度汇总与月度数据不一致 The yearly summary differs from the monthly values" in said(done)
    # Hedong's 807 inspected enterprises of 2021 (the report's figure), twelve months, lost from the summary.
    assert re.search(
        rf"{HEDONG} 2021 inspection.enterprises: 应为 expected \(807.0, 12, [^)]*\), 实为 found None", said(done)
    )
    assert said(done).endswith("修复 Fix: python -m app summary rebuild")

    done = cli("summary", "rebuild")
    assert done.exit_code == 0, done.output
    assert "2021 年已重建 rebuilt" in said(done)
    assert re.search(r"年度汇总已重建 Yearly summary rebuilt: [1-9]\d* 行 rows", said(done))
    assert cli("summary", "check").exit_code == 0


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run, recorded instead of serving."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: calls.append({"target": target, **kwargs}))
    return calls


def test_serve_takes_host_port_and_workers_from_its_flags_or_the_settings(
    seeded: Result, cli: Run, uvicorn_runs: list[dict[str, Any]]
) -> None:
    done = cli("serve", "--host", "0.0.0.0", "--port", "9001", "--no-seed", "--workers", "4")
    assert done.exit_code == 0, done.output
    assert uvicorn_runs.pop() == {
        "target": "app.main:app",
        "host": "0.0.0.0",
        "port": 9001,
        "workers": 4,
        "log_config": None,
    }
    assert "服务地址 Serving on http://0.0.0.0:9001" in said(done)

    done = cli("serve", HOST="127.0.0.9", PORT="8123")
    assert done.exit_code == 0, done.output
    assert uvicorn_runs.pop() == {
        "target": "app.main:app",
        "host": "127.0.0.9",
        "port": 8123,
        "workers": 1,
        "log_config": None,
    }
    assert "数据库已是最新" in said(done) and "载入演示数据" not in said(done)  # not empty: no seeding


def test_serve_seeds_an_empty_database_unless_told_not_to(
    empty_database: Database, tmp_path: Path, uvicorn_runs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.cli as command_line

    seeded: list[Database] = []
    monkeypatch.setattr(command_line, "run_seed_demo", lambda database, today=None: seeded.append(database))
    runner = CliRunner(
        env={"DATABASE_URL": empty_database.url, "DATA_DIR": str(tmp_path), "SECRET_KEY": SECRET, "ENVIRONMENT": "test"}
    )
    get_settings.cache_clear()
    try:
        done = runner.invoke(app, ["serve", "--no-seed"], prog_name=PROG, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        assert seeded == [] and "数据库已迁移" in said(done)
        # Nobody yet, and not a laptop: how to make the first admin.
        assert "python -m app users create --name admin --role admin --password" in said(done)
        done = runner.invoke(app, ["serve"], prog_name=PROG, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        assert len(seeded) == 1 and "数据库为空，载入演示数据 Empty database: loading the demo data" in said(done)
        assert len(uvicorn_runs) == 2
    finally:
        get_settings.cache_clear()
