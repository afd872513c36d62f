"""What each kind of job does. A handler runs inside the job's one transaction: if it raises,
nothing it wrote is kept. It reports progress through `context.progress(fraction, message)`."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from wfm.domain import Job
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.jsonvalues import json_safe
from wfm.worker.settings import WorkerSettings

if TYPE_CHECKING:
    from wfm.domain.queue_model import Shrinkage

log = logging.getLogger("wfm.worker")

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class JobContext:
    session: Session
    job: Job
    progress: Progress
    settings: WorkerSettings


@dataclass
class Outcome:
    """A handler's result, and actions to take only once its transaction has committed."""

    result: dict[str, Any]
    after_commit: list[Callable[[], None]] = field(default_factory=list)


Handler = Callable[[JobContext], Outcome]


def _scaled(progress: Progress, low: float, high: float) -> Progress:
    """Map a step's own 0..1 progress into [low, high] of the job's."""

    def report(fraction: float, message: str) -> None:
        progress(low + (high - low) * max(0.0, min(1.0, fraction)), message)

    return report


def _param(params: dict[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    if name not in params or params[name] is None:
        if default is ...:
            raise ValidationError(f"job parameter {name!r} is missing")
        return default
    value = params[name]
    if kind is float and isinstance(value, int):
        value = float(value)
    if kind is date and isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError(f"job parameter {name!r} is not a date: {value!r}") from exc
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ValidationError(f"job parameter {name!r} must be a {kind.__name__}: {value!r}")
    return value


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def forecast(context: JobContext) -> Outcome:
    """Forecast a site and, unless told not to, compute its staffing requirements. The model
    fits run on the Dask cluster when WFM_DASK_SCHEDULER names one (`wfm.adapters.dask_cluster`)."""
    from wfm.adapters.dask_cluster import scale_out
    from wfm.services.forecasting import run_forecast

    params = context.job.params
    site_code = _param(params, "site_code", str)
    with_requirements = _param(params, "compute_requirements", bool, True)
    high = 0.85 if with_requirements else 1.0
    progress = _scaled(context.progress, 0.0, high)
    where = scale_out(context.settings, say=progress)
    run = run_forecast(
        context.session,
        site_code=site_code,
        weeks=_param(params, "weeks", int, 3),
        interval_minutes=_param(params, "interval_minutes", int, None),
        progress=progress,
        job_id=context.job.id,
        backend=where.forecast_backend(_scaled(progress, 0.15, 0.85)),
        notes=() if where.note is None else (where.note,),
    )
    result: dict[str, Any] = {
        "forecast_run_id": run.id,
        "version": run.version,
        "site_code": site_code,
        "horizon_start_utc": _iso(run.horizon_start_utc),
        "horizon_end_utc": _iso(run.horizon_end_utc),
        "warnings": list(run.warnings),
    }
    if context.settings.dask_scheduler:
        result["scale_out"] = where.summary()
    if with_requirements:
        from wfm.services.staffing import compute_requirements, run_shrinkage

        context.progress(high, "computing staffing requirements")
        given = _param(params, "shrinkage", float, None)
        result["requirement_rows"] = compute_requirements(
            context.session, site_code=site_code, forecast_run_id=run.id, shrinkage=given
        )
        result.update(_shrinkage_fields(run_shrinkage(context.session, run, shrinkage=given)))
    return Outcome(result)


def requirements(context: JobContext) -> Outcome:
    """Compute staffing requirements from a forecast run (the site's latest by default)."""
    from wfm.services.staffing import compute_requirements, resolve_run, run_shrinkage

    params = context.job.params
    site_code = _param(params, "site_code", str)
    run = resolve_run(context.session, site_code, _param(params, "forecast_run_id", int, None))
    context.progress(0.1, f"staffing forecast version {run.version}")
    given = _param(params, "shrinkage", float, None)
    rows = compute_requirements(
        context.session, site_code=site_code, forecast_run_id=run.id, shrinkage=given
    )
    used = run_shrinkage(context.session, run, shrinkage=given)
    return Outcome(
        {
            "forecast_run_id": run.id,
            "site_code": site_code,
            "requirement_rows": rows,
            **_shrinkage_fields(used),
        }
    )


def _shrinkage_fields(shrinkage: Shrinkage) -> dict[str, Any]:
    """What a requirements job reports of the shrinkage its rows were grossed up with."""
    return {"shrinkage": shrinkage.fraction, "shrinkage_source": shrinkage.source.value}


def schedule(context: JobContext) -> Outcome:
    """Build a draft roster for a site and week; its independent parts are solved on the Dask
    cluster when WFM_DASK_SCHEDULER names one (`wfm.adapters.dask_cluster`)."""
    try:
        from wfm.services.scheduling import build_schedule
    except ImportError as exc:
        raise ValidationError(
            "roster building is not available in this installation (wfm.services.scheduling)"
        ) from exc
    from wfm.adapters.dask_cluster import scale_out

    params = context.job.params
    where = scale_out(context.settings, say=context.progress)
    solver = where.roster_solver()
    built = build_schedule(
        context.session,
        site_code=_param(params, "site_code", str),
        week_start=_param(params, "week_start", date),
        time_limit_seconds=_param(params, "time_limit_seconds", float, 60.0),
        seed=_param(params, "seed", int, 1),
        progress=context.progress,
        job_id=context.job.id,
        solver=solver,
    )
    result: dict[str, Any] = {
        "schedule_id": built.id,
        "site_code": built.site_code,
        "week_start": built.week_start.isoformat(),
        "version": built.version,
        "status": built.status.value,
        "shifts": len(built.shifts),
        "summary": json_safe(built.summary),
    }
    if context.settings.dask_scheduler:
        result["scale_out"] = where.summary()
    if solver is not None:
        result["parts"] = solver.parts
    return Outcome(result)


def scenario(context: JobContext) -> Outcome:
    """Solve a stored what-if scenario (`wfm.services.scenarios.run_scenario`): the base week
    and each variant, compared side by side; only the scenario's result is written."""
    from wfm.services.scenarios import run_scenario

    scenario_id = _param(context.job.params, "scenario_id", int)
    result = run_scenario(context.session, scenario_id, progress=context.progress)
    return Outcome({"scenario_id": scenario_id, "comparison": result})


def capacity_plan(context: JobContext) -> Outcome:
    """Compute a stored capacity plan (`wfm.services.capacity_plan.run_capacity_plan`) from the
    site's history, agents, wages and rosters; only the plan's result is written."""
    from wfm.services.capacity_plan import run_capacity_plan

    plan_id = _param(context.job.params, "capacity_plan_id", int)
    result = run_capacity_plan(context.session, plan_id, progress=context.progress)
    return Outcome({"capacity_plan_id": plan_id, "total_hires": result["total_hires"]})


def import_and_forecast(context: JobContext) -> Outcome:
    """Import every CSV of the import folder, then forecast each site with queues and history."""
    from wfm.adapters.acd_files import ImportFormatError, ImportOptions, parse_csv
    from wfm.db.repositories import HistoryRepository, SiteRepository
    from wfm.services.history_import import HistoryWindow, import_history

    params = context.job.params
    settings = context.settings
    folder_text = _param(params, "import_dir", str, None)
    folder = Path(folder_text) if folder_text else settings.import_dir
    timezone = _param(params, "timezone", str, settings.import_timezone)
    window = HistoryWindow(settings.history_max_past_days, settings.history_max_future_days)
    imported: list[dict[str, Any]] = []
    files: list[Path] = []
    if folder is not None:
        if not folder.is_dir():
            raise NotFoundError(f"the import folder {folder} does not exist")
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    for index, path in enumerate(files):
        context.progress(0.3 * index / max(1, len(files)), f"importing {path.name}")
        try:
            text = path.read_text(encoding="utf-8-sig")
            parsed = parse_csv(text, ImportOptions(timezone=timezone, queue_code=path.stem))
        except (OSError, UnicodeDecodeError, ImportFormatError) as exc:
            raise ValidationError(f"{path.name}: {exc}") from exc
        try:
            summary = import_history(context.session, parsed, window=window)
        except ValidationError as exc:
            raise ValidationError(f"{path.name}: {exc}") from exc
        imported.append({"file": path.name, "rows": summary.imported})
    forecasts: list[dict[str, Any]] = []
    covered = {span.queue_code for span in HistoryRepository(context.session).spans()}
    sites = SiteRepository(context.session).list()
    from wfm.db.repositories import QueueRepository

    with_history = [
        s.code
        for s in sites
        if any(q.code in covered for q in QueueRepository(context.session).list(s.code))
    ]
    weeks = _param(params, "weeks", int, settings.nightly_forecast_weeks)
    for index, site_code in enumerate(with_history):
        low = 0.3 + 0.7 * index / len(with_history)
        high = 0.3 + 0.7 * (index + 1) / len(with_history)
        sub = Job(
            id=context.job.id,
            kind="forecast",
            status=context.job.status,
            params={"site_code": site_code, "weeks": weeks},
            created_at_utc=context.job.created_at_utc,
        )
        outcome = forecast(
            JobContext(context.session, sub, _scaled(context.progress, low, high), settings)
        )
        forecasts.append(outcome.result)
    after: list[Callable[[], None]] = []
    archive = settings.import_archive_dir
    if archive is not None and files:
        after.append(lambda: _archive(files, archive))
    return Outcome({"imported": imported, "forecasts": forecasts}, after)


def _archive(files: list[Path], archive: Path) -> None:
    archive.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    for path in files:
        try:
            shutil.move(str(path), archive / f"{stamp}-{path.name}")
        except OSError as exc:
            log.warning("could not archive %s: %s", path, exc)


HANDLERS: dict[str, Handler] = {
    "forecast": forecast,
    "requirements": requirements,
    "schedule": schedule,
    "import_and_forecast": import_and_forecast,
    "scenario": scenario,
    "capacity_plan": capacity_plan,
}
