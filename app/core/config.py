"""Settings read from the environment (and an optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["local", "test", "production"] = "local"
    # The local default is a SQLite file in ./data so `make run` needs nothing installed; real
    # deployments set postgresql+psycopg://user:pass@host/db.
    database_url: str = Field(default="")
    data_dir: Path = DEFAULT_DATA_DIR
    host: str = "127.0.0.1"
    port: int = 8000
    # Rows per INSERT batch when seeding; big enough for bulk speed, small enough for SQLite's
    # host-parameter limit (rows × columns < 32766).
    seed_batch_size: int = 2000
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'yingji.db').as_posix()}"
        if self.database_url.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; the bare scheme would ask for psycopg2.
            self.database_url = "postgresql+psycopg://" + self.database_url.removeprefix("postgresql://")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
