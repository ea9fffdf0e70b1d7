"""docker-compose.yml, Dockerfile and .dockerignore checked against the code they run.

No Docker engine is needed: the compose file is read with PyYAML and ``${VAR:-default}`` is
interpolated here the way ``docker compose config`` would; the Dockerfile is parsed as text. The
environment must name real Settings fields, the commands must parse with the real CLI parser, and
the published ports must be the ones the processes listen on.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import inspect
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from app.core.config import Settings, get_settings
from tests.cli_helpers import parse_command_line

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ("migrate", "api", "dashboard")
DB_VARS = ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB")
# Values no default would have: a DATABASE_URL that ignores the POSTGRES_* variables shows up.
OVERRIDES = {"POSTGRES_USER": "u_override", "POSTGRES_PASSWORD": "p_override", "POSTGRES_DB": "d_override"}


# ------------------------------------------------------------------------------- helpers

_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value: Any, env: dict[str, str], *, strict: bool = False) -> Any:
    """Compose-style interpolation of every string in ``value``. An unset variable without a
    default becomes "" (as compose does, with a warning) or, if ``strict``, an error."""
    if isinstance(value, dict):
        return {k: interpolate(v, env, strict=strict) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, strict=strict) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        name = m["braced"] or m["bare"]
        op, arg = m["op"], m["arg"] or ""
        is_set = name in env and (env[name] != "" or not (op or "").startswith(":"))
        if op in (":-", "-"):
            return env[name] if is_set else arg
        if op in (":+", "+"):
            return arg if is_set else ""
        if not is_set and strict:
            raise AssertionError(f"${{{name}}} is used without a default")
        return env.get(name, "")

    return _VAR.sub(sub, value)


# Variables an operator must set (``${VAR:?message}``): production refuses to start without them.
REQUIRED_ENV = {"SECRET_KEY": "k" * 48}


def load_compose(env: dict[str, str] | None = None, *, strict: bool = False) -> dict[str, Any]:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(raw, dict), "docker-compose.yml is not a mapping"
    return interpolate(raw, {**REQUIRED_ENV, **(env or {})}, strict=strict)


def test_secret_key_must_be_given_by_the_operator() -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    with pytest.raises(AssertionError, match="SECRET_KEY"):
        interpolate(raw, {}, strict=True)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(compose.get("services"), dict), "no services mapping"
    return compose["services"]


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def command_of(service: dict[str, Any]) -> list[str]:
    cmd = service.get("command")
    assert cmd, "service has no command"
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def parse_app_command(cmd: list[str]) -> Any:
    """``python -m app ARGS…`` → the command and parameters of ARGS, failing on unknown words."""
    assert cmd[:3] == ["python", "-m", "app"], f"not a `python -m app` command: {cmd}"
    try:
        return parse_command_line(cmd[3:])
    except Exception as exc:  # an unknown word, flag or value
        pytest.fail(f"`{shlex.join(cmd)}` does not parse with the command line of app.cli: {exc}")


def container_ports(service: dict[str, Any]) -> set[int]:
    ports: set[int] = set()
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split(":")[-1].split("/")[0]))
    return ports


def depends_condition(service: dict[str, Any], on: str) -> str | None:
    deps = service.get("depends_on") or {}
    assert isinstance(deps, dict), "depends_on must use the long form (with conditions)"
    return (deps.get(on) or {}).get("condition")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = pending + stripped
        pending = ""
        keyword, _, rest = full.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "Dockerfile ends inside a line continuation"
    return instructions


def dockerfile_cmd() -> list[str]:
    cmds = [rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"]
    assert cmds, "Dockerfile has no CMD"
    try:
        cmd = json.loads(cmds[-1])  # the last CMD wins
    except json.JSONDecodeError:
        pytest.fail(f"CMD is not in JSON-array (exec) form: {cmds[-1]}")
    assert isinstance(cmd, list) and all(isinstance(part, str) for part in cmd), "CMD is not a list of strings"
    return cmd


# ------------------------------------------------------------------------------- compose: shape


def test_compose_spec_has_no_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose, "the compose spec dropped `version:`; remove it"


def test_every_variable_has_a_default() -> None:
    """`docker compose up` must work without a .env file."""
    load_compose(strict=True)


def test_services_exist(services: dict[str, Any]) -> None:
    missing = {"db", *APP_SERVICES} - services.keys()
    assert not missing, f"missing services: {sorted(missing)}"


def test_app_services_share_one_image(services: dict[str, Any]) -> None:
    def identity(name: str) -> tuple[Any, Any]:
        svc = services[name]
        build = svc.get("build")
        if isinstance(build, str):
            build = {"context": build}
        build_key = (build.get("context"), build.get("dockerfile", "Dockerfile")) if build else None
        return build_key, svc.get("image")

    idents = {name: identity(name) for name in APP_SERVICES}
    builds = {b for b, _ in idents.values()}
    images = {i for _, i in idents.values()}
    same_build = len(builds) == 1 and None not in builds
    same_image = len(images) == 1 and None not in images
    assert same_build or same_image, f"app services do not run one image: {idents}"
    for build_key, _image in idents.values():
        if build_key:
            context, dockerfile = build_key
            assert context in (".", "./"), f"build context should be the repo root, got {context!r}"
            assert (ROOT / dockerfile).resolve() == DOCKERFILE, f"builds from {dockerfile}, not ./Dockerfile"


def test_db_service(services: dict[str, Any], compose: dict[str, Any]) -> None:
    db = services["db"]
    assert str(db.get("image", "")).startswith("postgres:16"), db.get("image")
    env = env_of(db)
    for var in DB_VARS:
        assert env.get(var), f"db does not set {var}"
    test = db.get("healthcheck", {}).get("test")
    assert test and "pg_isready" in " ".join(test if isinstance(test, list) else [test]), "no pg_isready check"
    named = [v.split(":")[0] for v in db.get("volumes", []) if isinstance(v, str)]
    named += [v["source"] for v in db.get("volumes", []) if isinstance(v, dict) and "source" in v]
    declared = (compose.get("volumes") or {}).keys()
    assert any(n in declared for n in named), f"db data is not on a declared named volume: {named}"


def test_depends_on_conditions(services: dict[str, Any]) -> None:
    assert depends_condition(services["migrate"], "db") == "service_healthy"
    assert depends_condition(services["api"], "migrate") == "service_completed_successfully"
    assert depends_condition(services["dashboard"], "migrate") == "service_completed_successfully"


def test_redis_is_the_shared_statistics_cache(services: dict[str, Any]) -> None:
    """The api and dashboard share the cache of statistics results in the redis service, which keeps
    nothing on disk (a cache) and is not published outside the compose network."""
    redis = services["redis"]
    assert str(redis.get("image", "")).startswith("redis:7"), redis.get("image")
    command = command_of(redis)
    assert command[0] == "redis-server"
    options = dict(zip(command[1::2], command[2::2], strict=True))
    assert options["--save"] == "" and options["--appendonly"] == "no", options
    assert options["--maxmemory-policy"] == "allkeys-lru" and options["--maxmemory"], options
    assert not redis.get("ports"), "redis must not be published"
    assert "redis-cli" in " ".join(redis["healthcheck"]["test"])
    for name in ("api", "dashboard"):
        url = make_url(env_of(services[name])["REDIS_URL"].replace("redis://", "postgresql://", 1))
        assert (url.host, url.port or 6379) == ("redis", 6379), f"{name}: REDIS_URL is not the redis service"
        assert depends_condition(services[name], "redis") in ("service_started", "service_healthy")


def test_migrate_is_one_off(services: dict[str, Any]) -> None:
    # Unquoted `no` would load as False (YAML 1.1), which compose rejects.
    assert services["migrate"].get("restart", "no") == "no"


# ------------------------------------------------------------------------------- compose: environment


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_env_names_are_settings_fields(services: dict[str, Any], name: str) -> None:
    fields = {field.upper() for field in Settings.model_fields}
    env = env_of(services[name])
    assert env, f"{name} sets no environment"
    unknown = set(env) - fields
    assert not unknown, f"{name} sets variables Settings does not read: {sorted(unknown)} (fields: {sorted(fields)})"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_env_is_valid_settings(services: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = env_of(services[name])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)
    assert settings.environment == "production"
    assert settings.database_url == env["DATABASE_URL"], "Settings rewrote DATABASE_URL; use the psycopg scheme"


@pytest.mark.parametrize("variables", [{}, OVERRIDES], ids=["defaults", "overridden"])
def test_database_url_points_at_db_service(variables: dict[str, str]) -> None:
    services = load_compose(variables)["services"]
    db_env = env_of(services["db"])
    for name in APP_SERVICES:
        raw = env_of(services[name]).get("DATABASE_URL")
        assert raw, f"{name} has no DATABASE_URL"
        assert raw.startswith("postgresql+psycopg://"), f"{name}: DATABASE_URL must use postgresql+psycopg://"
        url = make_url(raw)
        assert url.host == "db" and "db" in services, f"{name}: DATABASE_URL host {url.host!r} is not the db service"
        assert (url.port or 5432) == 5432, f"{name}: postgres listens on 5432, not {url.port}"
        assert url.username == db_env["POSTGRES_USER"], f"{name}: user differs from db's POSTGRES_USER"
        assert url.password == db_env["POSTGRES_PASSWORD"], f"{name}: password differs from db's POSTGRES_PASSWORD"
        assert url.database == db_env["POSTGRES_DB"], f"{name}: database differs from db's POSTGRES_DB"
    if not variables:
        assert env_of(services["api"])["DATABASE_URL"] == "postgresql+psycopg://yingji:yingji@db:5432/yingji"


# ------------------------------------------------------------------------------- compose: commands & ports


def test_migrate_command_migrates(services: dict[str, Any]) -> None:
    args = parse_app_command(command_of(services["migrate"]))
    assert args.command in {"seed", "migrate"}, f"migrate runs `{args.command}`"


def test_api_command_serves_on_all_interfaces_without_seeding(services: dict[str, Any]) -> None:
    args = parse_app_command(command_of(services["api"]))
    assert args.command == "serve"
    assert args.host == "0.0.0.0", "inside a container the API must listen on 0.0.0.0"
    assert args.no_seed, "the migrate job seeds; serve must not race it"


def test_api_published_port_matches_command(services: dict[str, Any]) -> None:
    args = parse_app_command(command_of(services["api"]))
    ports = container_ports(services["api"])
    assert args.port in ports, f"api listens on {args.port} but publishes container ports {sorted(ports)}"


def test_dashboard_command_is_an_importable_module_with_main(services: dict[str, Any]) -> None:
    cmd = command_of(services["dashboard"])
    assert cmd[:2] == ["python", "-m"] and len(cmd) == 3, f"expected `python -m MODULE`, got {cmd}"
    assert importlib.util.find_spec(cmd[2]) is not None, f"no module {cmd[2]}"
    main = getattr(importlib.import_module(cmd[2]), "main", None)
    assert callable(main), f"{cmd[2]} has no main()"
    inspect.signature(main).bind()  # callable without arguments


def test_dashboard_listens_on_host_and_published_port(
    services: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run dashboard.app.main() under the compose environment with the server stubbed out."""
    import dashboard.app as dashboard_app

    service = services["dashboard"]
    assert command_of(service) == ["python", "-m", "dashboard.app"]
    for key in ("HOST", "PORT"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env_of(service).items():
        monkeypatch.setenv(key, value)

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(dashboard_app, "Database", lambda url: url)
    monkeypatch.setattr(dashboard_app, "create_dash", lambda database, mounted, settings=None: object())
    monkeypatch.setattr(dashboard_app, "serve", lambda app, **kwargs: calls.append(kwargs))
    get_settings.cache_clear()
    try:
        dashboard_app.main()
    finally:
        get_settings.cache_clear()
    assert len(calls) == 1
    assert calls[0].get("host") == "0.0.0.0", f"dashboard would listen on {calls[0].get('host')!r}"
    assert calls[0].get("port") in container_ports(service), (
        f"dashboard listens on {calls[0].get('port')} but publishes {sorted(container_ports(service))}"
    )


# ------------------------------------------------------------------------------- Dockerfile


def test_dockerfile_base_image() -> None:
    froms = [rest for keyword, rest in dockerfile_instructions() if keyword == "FROM"]
    assert froms and froms[-1].split()[0].startswith("python:3.11-slim"), froms


def test_dockerfile_cmd_is_exec_form_and_parses() -> None:
    args = parse_app_command(dockerfile_cmd())
    assert args.command == "serve" and args.host == "0.0.0.0" and args.no_seed


def test_dockerfile_expose_matches_cmd_and_compose(services: dict[str, Any]) -> None:
    exposed = {
        int(port.split("/")[0])
        for keyword, rest in dockerfile_instructions()
        if keyword == "EXPOSE"
        for port in rest.split()
    }
    cmd_port = parse_app_command(dockerfile_cmd()).port
    assert cmd_port in exposed, f"CMD listens on {cmd_port}, EXPOSE says {sorted(exposed)}"
    assert container_ports(services["api"]) <= exposed, "compose publishes a port the image does not expose"


def test_dockerfile_installs_cjk_fonts() -> None:
    runs = [rest for keyword, rest in dockerfile_instructions() if keyword == "RUN"]
    assert any(re.search(r"apt-get install\b[^&;|]*\bfonts-noto-cjk\b", run) for run in runs), (
        "fonts-noto-cjk is not apt-get installed"
    )


def test_dockerfile_installs_the_project() -> None:
    instructions = dockerfile_instructions()
    copies = [rest.split() for keyword, rest in instructions if keyword == "COPY"]
    sources = {src for parts in copies for src in parts[:-1] if not src.startswith("--")}
    assert "." in sources or "alembic.ini" in sources, "alembic.ini is not copied into the image"
    runs = [rest for keyword, rest in instructions if keyword == "RUN"]
    assert any(re.search(r"pip install (?:-\S+ )*\.(?:\s|$)", run) for run in runs), "no `pip install .`"


def test_dockerfile_runs_as_non_root() -> None:
    users = [rest.split(":")[0] for keyword, rest in dockerfile_instructions() if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}, f"final USER is {users[-1] if users else 'root (unset)'}"


def test_dockerfile_healthcheck_probes_the_api() -> None:
    checks = [rest for keyword, rest in dockerfile_instructions() if keyword == "HEALTHCHECK"]
    assert checks, "no HEALTHCHECK"
    check = checks[-1]
    assert "curl" not in check and "wget" not in check, "the slim image has no curl/wget"
    match = re.search(r"CMD\s+(\[.*\])\s*$", check)
    assert match, "HEALTHCHECK CMD should use the exec form"
    probe = json.loads(match.group(1))
    assert probe[0] == "python", probe
    url = re.search(r"http://(?:127\.0\.0\.1|localhost):(\d+)(/\S*?)['\"]", " ".join(probe))
    assert url, f"HEALTHCHECK does not fetch a local URL: {probe}"
    # Readiness: "healthy" (what depends_on waits for) means the database is reachable at the newest schema.
    assert url.group(2) == "/api/v1/health/ready"
    assert int(url.group(1)) == parse_app_command(dockerfile_cmd()).port, "HEALTHCHECK probes another port"


# ------------------------------------------------------------------------------- .dockerignore


def _ignored(path: str, patterns: list[str]) -> bool:
    """Roughly Docker's rule: the last matching pattern wins; a matched directory hides its contents."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.lstrip("!").strip("/")
        if pattern.startswith("**/"):
            tail = pattern[3:]
            hit = any(
                fnmatch.fnmatchcase("/".join(parts[i:j]), tail)
                for i in range(len(parts))
                for j in range(i + 1, len(parts) + 1)
            )
        else:
            hit = any(fnmatch.fnmatchcase(c, pattern) for c in candidates)
        if hit:
            ignored = not negate
    return ignored


def test_dockerignore_keeps_the_project_and_drops_local_state() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    needed = [
        "pyproject.toml",
        "alembic.ini",
        "app/cli.py",
        "dashboard/app.py",
        "dashboard/pages/overview.py",
        "migrations/env.py",
        "seed/loader.py",
        "seed/data/districts.csv",
    ]
    needed += [p.relative_to(ROOT).as_posix() for p in (ROOT / "migrations" / "versions").glob("*.py")]
    dropped = [p for p in needed if _ignored(p, patterns)]
    assert not dropped, f".dockerignore excludes files the image needs: {dropped}"
    for path in (".venv/bin/python", ".env", ".git/HEAD", "data/yingji.db"):
        assert _ignored(path, patterns), f".dockerignore lets {path} into the build context"


def test_metrics_are_open_only_to_the_internal_metrics_network(
    services: dict[str, Any], compose: dict[str, Any]
) -> None:
    import ipaddress

    import yaml

    from app.core.metrics import parse_networks

    network = compose["networks"]["metrics"]
    assert network.get("internal") is True, "the metrics network must not reach outside"
    subnet = ipaddress.ip_network(network["ipam"]["config"][0]["subnet"])
    allowed = parse_networks(env_of(services["api"])["METRICS_ALLOW_FROM"])
    # Loopback and the metrics network, nothing else (not the default network the published port uses).
    assert all(n.is_loopback or n == subnet for n in allowed), allowed
    assert subnet in allowed
    alias = services["api"]["networks"]["metrics"]["aliases"][0]
    prometheus = services["prometheus"]
    assert "metrics" in prometheus.get("profiles", []), "Prometheus is optional"
    assert "metrics" in prometheus["networks"]
    mount = next(v for v in prometheus["volumes"] if v.endswith("/etc/prometheus/prometheus.yml:ro"))
    config = yaml.safe_load((ROOT / mount.split(":")[0]).read_text(encoding="utf-8"))
    targets = [t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]]
    assert targets == [f"{alias}:8000"], targets
