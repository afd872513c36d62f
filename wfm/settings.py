"""Settings from the environment (prefix `WFM_`) or a `.env` file, with sensible defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "wfm.db"


class Settings(BaseSettings):
    """Every setting can be given as an environment variable `WFM_<NAME>` (case-insensitive)."""

    model_config = SettingsConfigDict(env_prefix="WFM_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH.as_posix()}",
        description="SQLAlchemy URL of the database; default a SQLite file under var/.",
    )
    database_echo: bool = Field(default=False, description="Log every SQL statement.")
    api_host: str = Field(default="127.0.0.1", description="Address `wfm serve` binds to.")
    api_port: int = Field(default=8000, description="Port `wfm serve` listens on.")
    api_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL the dashboard uses for the API."
    )
    dashboard_port: int = Field(default=8501, description="Port of the Streamlit dashboard.")
    default_timezone: str = Field(default="UTC", description="Timezone for sites that name none.")
    interval_minutes: int = Field(default=15, description="Planning interval: 15, 30 or 60.")
    solver_workers: int = Field(default=2, description="CP-SAT search workers for rostering.")
    roster_time_limit_seconds: float = Field(
        default=60.0, description="Default time limit of a roster solve."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
