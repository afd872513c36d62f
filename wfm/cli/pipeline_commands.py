"""The planning chain on the database: `wfm forecast`, `wfm requirements`, `wfm accuracy`
(`wfm schedule` lives with the roster commands)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from wfm.cli.app import app, info
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors
from wfm.domain.patience import DEFAULT_LOOKBACK_DAYS, MAX_LOOKBACK_DAYS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from wfm.adapters.dask_cluster import ScaleOut
    from wfm.domain import StaffingRequirement

T = TypeVar("T")

SiteOption = Annotated[
    str | None,
    typer.Option("--site", help="Site code; may be left out when the database holds one site."),
]

# The window of a fit on a site's queue history (`wfm patience`, `wfm calibrate-queues`).
HISTORY_LOOKBACK_DAYS = DEFAULT_LOOKBACK_DAYS
HistoryLookbackOption = Annotated[
    int,
    typer.Option(
        min=1, max=MAX_LOOKBACK_DAYS, help="Local days of history before its end to fit on."
    ),
]


def on_site(database_url: str | None, site: str | None, work: Callable[[Session, str], T]) -> T:
    """`work(session, site code)` in one transaction on the database, the site resolved
    (`resolve_site`); a bad database, an unknown site or a domain error from `work` is one line
    on stderr and exit code 2."""
    from wfm.db.session import unit_of_work

    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        return work(session, resolve_site(session, site))


def resolve_site(session: object, site: str | None) -> str:
    from wfm.db.repositories import SiteRepository
    from wfm.domain.errors import NotFoundError, ValidationError

    sites = SiteRepository(session).list()  # type: ignore[arg-type]
    if site is not None:
        if site not in {s.code for s in sites}:
            raise NotFoundError(f"no site {site!r}; sites: {', '.join(s.code for s in sites)}")
        return site
    if not sites:
        raise NotFoundError("the database holds no site; run `wfm demo-data` or import one")
    if len(sites) > 1:
        raise ValidationError(
            f"the database holds {len(sites)} sites; name one with --site "
            f"({', '.join(s.code for s in sites)})"
        )
    return sites[0].code


def print_progress(fraction: float, message: str) -> None:
    info(f"[{fraction:4.0%}] {message}")


@contextmanager
def scaled_out() -> Iterator[ScaleOut]:
    """Where a forecast or roster of the command line runs: on the Dask cluster that
    WFM_DASK_SCHEDULER names (said as progress), else in this process, as in the worker's jobs;
    the clients (and local cluster) opened for it are closed at the end."""
    from wfm.adapters.dask_cluster import close_all, scale_out
    from wfm.settings import get_settings

    try:
        yield scale_out(get_settings(), say=print_progress)
    finally:
        close_all()


@app.command("forecast")
def forecast_command(
    weeks: Annotated[
        int, typer.Option(min=1, max=26, help="Weeks ahead of the history to forecast.")
    ] = 3,
    site: SiteOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Forecast contacts and handle time per queue and interval; store a new forecast version.

    The model is chosen per queue by rolling-origin backtest; its scores are stored with the run.
    """
    from wfm.db.session import unit_of_work
    from wfm.services.forecasting import run_forecast

    engine = open_database(database_url)
    started = time.perf_counter()
    with user_errors(), scaled_out() as where, unit_of_work(engine) as session:
        site_code = resolve_site(session, site)
        run = run_forecast(
            session,
            site_code=site_code,
            weeks=weeks,
            progress=print_progress,
            backend=where.forecast_backend(),
            notes=() if where.note is None else (where.note,),
        )
    for warning in run.warnings:
        info(f"warning: {warning}")
    models = ", ".join(f"{q}: {m}" for q, m in sorted(run.model_by_queue.items()))
    typer.echo(
        f"forecast version {run.version} for site {run.site_code}: "
        f"{run.horizon_start_utc:%Y-%m-%d %H:%M} .. {run.horizon_end_utc:%Y-%m-%d %H:%M} UTC, "
        f"{run.interval_minutes}-min intervals, models {models} "
        f"({time.perf_counter() - started:.1f} s)"
    )
    for queue, scores in sorted(run.backtest_scores.items()):
        chosen = run.model_by_queue.get(queue)
        if chosen in scores:
            typer.echo(f"  {queue}: backtest WMAPE {scores[chosen]:.3f} ({chosen})")


@app.command("requirements")
def requirements_command(
    site: SiteOption = None,
    forecast_run: Annotated[
        int | None, typer.Option("--forecast-run", help="Forecast run id; default the latest.")
    ] = None,
    shrinkage: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=0.95,
            help="Shrinkage to gross up with; default the site's unplanned shrinkage "
            "(absence, lateness, unplanned aux; breaks are rostered).",
        ),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Compute agents needed per queue and interval (Erlang A/C) from a stored forecast."""
    from wfm.db.repositories import RequirementRepository
    from wfm.db.session import unit_of_work
    from wfm.services.staffing import compute_requirements, resolve_run

    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        site_code = resolve_site(session, site)
        run = resolve_run(session, site_code, forecast_run)
        assert run.id is not None
        count = compute_requirements(
            session, site_code=site_code, forecast_run_id=run.id, shrinkage=shrinkage
        )
        rows = RequirementRepository(session).list(run.id)
    sources = {
        "site": "the site's unplanned shrinkage",
        "rules": "the week's site rules",
        "given": "given",
    }
    used = sorted({(r.shrinkage or 0.0, r.shrinkage_source or "site") for r in rows})
    said = ", ".join(f"{fraction:.0%} ({sources.get(source, source)})" for fraction, source in used)
    typer.echo(
        f"requirements for forecast version {run.version} of site {site_code}: "
        f"{count} queue-intervals; serving agents (net) grossed up to scheduled agents at "
        + ("each week's shrinkage, " if len(used) > 1 else "shrinkage ")
        + said
    )
    hours = run.interval_minutes / 60.0
    for queue in sorted({r.queue_code for r in rows}):
        mine = [r for r in rows if r.queue_code == queue]
        contacts = sum(r.contacts for r in mine)
        served = [r for r in mine if r.contacts > 0]
        sl = (
            sum(r.predicted_service_level * r.contacts for r in served) / contacts
            if contacts
            else 1.0
        )
        typer.echo(
            f"  {queue}: {contacts:,.0f} contacts, peak {max(r.required_agents for r in mine)} "
            f"serving ({max(r.scheduled_agents for r in mine)} scheduled), "
            f"{sum(r.required_agents for r in mine) * hours:,.0f} serving agent-hours "
            f"({sum(r.scheduled_agents for r in mine) * hours:,.0f} scheduled), "
            f"predicted service level {sl:.1%}{_answer_rate(mine, contacts)}"
        )


def _answer_rate(rows: Sequence[StaffingRequirement], contacts: float) -> str:
    """The contact-weighted predicted answer rate of a queue's requirement, when predicted."""
    rated = [r for r in rows if r.predicted_answer_rate is not None and r.contacts > 0]
    if not rated or contacts <= 0:
        return ""
    rate = sum((r.predicted_answer_rate or 0.0) * r.contacts for r in rated) / contacts
    return f", answer rate {rate:.1%}"


@app.command("accuracy")
def accuracy_command(
    site: SiteOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Score stored forecasts against the actuals that have arrived (100 - WMAPE per queue, day
    and week) and store the scores; `wfm forecast` does this too before each new run."""
    from wfm.db.repositories import ForecastRepository
    from wfm.db.session import unit_of_work
    from wfm.services.forecasting import score_runs_with_actuals

    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        site_code = resolve_site(session, site)
        scored = score_runs_with_actuals(session, site_code=site_code)
        repo = ForecastRepository(session)
        report = {run_id: repo.accuracy(run_id) for run_id in scored}
        versions = {run.id: run.version for run in repo.runs(site_code)}
    if not scored:
        typer.echo(f"no forecast of site {site_code} has actuals yet")
        return
    for run_id, records in report.items():
        weeks = [r for r in records if r.period == "week"]
        typer.echo(f"forecast version {versions[run_id]}: {len(records)} day and week scores")
        for record in weeks:
            typer.echo(
                f"  {record.queue_code} week of {record.period_start}: "
                f"accuracy {record.accuracy_percent:.1f} (WMAPE {record.wmape:.3f})"
            )
