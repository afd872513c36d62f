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
    token_ttl_days: float = Field(
        default=90.0,
        ge=0,
        le=3650,
        description=(
            "Days a token made by `wfm token create` (or `wfm up`) stays valid unless "
            "--expires-in-days says otherwise; 0: tokens never expire."
        ),
    )
    worker_alive_seconds: float = Field(
        default=30.0,
        gt=0,
        description=(
            "A worker whose heartbeat is older than this is taken for gone: /health reports no "
            "live worker, and the jobs it was running are marked failed."
        ),
    )
    history_max_past_days: int = Field(
        default=3660,
        ge=1,
        le=36600,
        description=(
            "Interval history older than this many days (before now) is refused at import, "
            "naming the row: a date years back is a typo or a broken export more often than "
            "history (default about ten years)."
        ),
    )
    history_max_future_days: int = Field(
        default=2,
        ge=1,
        le=3660,
        description=(
            "Interval history starting more than this many days after now is refused at import, "
            "naming the row: history cannot lie in the future, beyond clock and timezone slack."
        ),
    )
    dask_scheduler: str | None = Field(
        default=None,
        description=(
            "Scale-out (docs/scale-out.md): the Dask scheduler's address (tcp://host:8786), or "
            "`local` for a LocalCluster inside the process; unset, forecasts and rosters run "
            "in the process."
        ),
    )
    dask_connect_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long to try to reach the Dask scheduler."
    )
    dask_fallback_local: bool = Field(
        default=True,
        description=(
            "When the Dask scheduler can't be reached: run in the process and say so in the "
            "job's messages and the run's warnings (true), or fail the job (false)."
        ),
    )
    dask_local_workers: int = Field(
        default=2, ge=1, description="Workers of the `local` Dask cluster."
    )
    dask_local_processes: bool = Field(
        default=True,
        description="`local` Dask workers as processes (true) or threads in the process (false).",
    )
    dask_solver_workers_per_part: int = Field(
        default=1, ge=1, description="CP-SAT search workers of each roster part on Dask."
    )
    dask_no_workers_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A distributed run fails when the cluster has had no worker for this long.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server notifications are e-mailed through; unset, e-mails are not sent "
        "(their deliveries fail and are retried, then given up).",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_user: str | None = Field(default=None, description="SMTP login (none: no login).")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="wfm@localhost", description="Sender address of notification e-mails."
    )
    smtp_starttls: bool = Field(
        default=False, description="Upgrade the SMTP connection with STARTTLS before logging in."
    )
    smtp_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long an SMTP connection or reply may take."
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a webhook receiver may take to answer."
    )
    notify_max_attempts: int = Field(
        default=8, ge=1, le=100, description="A delivery is given up (failed) after this many."
    )
    notify_retry_base_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Wait after a delivery's first failed attempt (doubled "
        "per attempt, drawn between half and all of it).",
    )
    notify_retry_cap_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait between two attempts of a delivery."
    )
    notify_batch_size: int = Field(
        default=100, ge=1, le=10000, description="Most deliveries sent by one delivery run."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
