"""Settings read from the environment (and an optional .env file)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


PLACEHOLDERS = {"changethis", "change-me", "secret", "please-change-me"}


def _local_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["local", "test", "production"] = "local"
    # The local default is a SQLite file in ./data so `make run` needs nothing installed; real
    # deployments set postgresql+psycopg://user:pass@host/db.
    database_url: str = Field(default="")
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    port: int = 8000
    # Import and exercise the report renderers in the background at start (app/reports/warm.py).
    warm_up: bool = True
    # The dashboard as its own process (`python -m dashboard.app`).
    dashboard_port: int = 8050
    # Rows per INSERT batch when seeding; big enough for bulk speed, small enough for SQLite's
    # host-parameter limit (rows × columns < 32766).
    seed_batch_size: int = 2000
    log_level: str = "INFO"
    # Signs the dashboard's session cookie. Locally a random key is made once and kept in
    # DATA_DIR/secret_key (so every local process shares it); production must set it.
    secret_key: str = ""
    session_max_age_seconds: int = 8 * 3600
    # Sign-in throttling: after this many wrong passwords in a row an account waits, doubling
    # from login_lock_seconds up to login_lock_max_seconds.
    login_max_failures: int = 5
    login_lock_seconds: int = 30
    login_lock_max_seconds: int = 900
    # Reminders (催报) are also mailed when an SMTP host is set: to the e-mail addresses of the
    # district's staff. Without it they are recorded and shown on sign-in only.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "yingji@localhost"
    smtp_starttls: bool = False
    # Request bounds (docs/SECURITY.md): bodies over these sizes are refused with 413 before they
    # are read; a path segment or query parameter over max_parameter_length characters with 422.
    max_json_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024
    # The dashboard's callbacks send back the rows of its data grid (up to 150,000 figures).
    max_dashboard_body_bytes: int = 16 * 1024 * 1024
    max_parameter_length: int = 200
    # Reading an uploaded file: beyond this time or this (estimated) memory it is refused as
    # file.too_complex (422).
    upload_parse_seconds: float = 60.0
    upload_parse_memory_mb: int = 128
    # Who may read /metrics without credentials (app/core/metrics.py): address ranges, comma-separated.
    metrics_allow_from: str = "127.0.0.1/32,::1/128"
    # The cache of statistics results (app/stats/cache.py): in each process, bounded in memory
    # (QUERY_CACHE_MB, 0 = none), or in Redis, shared by every process, when REDIS_URL is set
    # (e.g. redis://127.0.0.1:6379/0). On by default, off by default in tests (QUERY_CACHE=1 forces).
    redis_url: str = ""
    # Key prefix in Redis; by default one derived from DATABASE_URL (without its password).
    redis_prefix: str = ""
    query_cache: bool | None = None
    query_cache_mb: int = 64
    # Entries are keyed by the data version, so writes never need this; it bounds how long a change
    # the version cannot see (districts renamed by re-seeding) may take to show.
    query_cache_ttl_seconds: int = 900

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        from app.core.metrics import parse_networks

        parse_networks(self.metrics_allow_from)  # a typo fails at start, not at the first scrape
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'yingji.db').as_posix()}"
        if self.database_url.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; the bare scheme would ask for psycopg2.
            self.database_url = "postgresql+psycopg://" + self.database_url.removeprefix("postgresql://")
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError("SECRET_KEY must be set when ENVIRONMENT=production")
            self.secret_key = _local_secret(self.data_dir)
        elif self.environment == "production" and (len(self.secret_key) < 32 or self.secret_key in PLACEHOLDERS):
            raise ValueError("SECRET_KEY is a placeholder or shorter than 32 characters")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
