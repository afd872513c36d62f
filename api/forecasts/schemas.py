"""Schemas of forecasts, adjustments and accuracy."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator

from api.schemas import AwareMoment, Code, FreeText, Input, Output
from wfm.domain import AdjustmentOperation


class ForecastCreate(Input):
    """A forecast to run in the worker."""

    site_code: Code = Field(description="Site whose queues to forecast.", examples=["paris"])
    weeks: int = Field(default=3, ge=1, le=26, description="Weeks ahead of the history.")
    interval_minutes: Literal[15, 30, 60] | None = Field(
        default=None, description="Interval of the forecast; default that of the history."
    )
    compute_requirements: bool = Field(
        default=True, description="Also compute staffing requirements from the new run."
    )
    shrinkage: float | None = Field(
        default=None,
        ge=0,
        lt=1,
        description="Shrinkage to gross the requirements up with; default (null): the site's "
        "unplanned_shrinkage.",
    )


class ForecastRunRead(Output):
    id: int = Field(description="Identifier of the run.")
    site_code: str = Field(description="Site.")
    version: int = Field(description="Version, 1, 2, ... per site.")
    created_at_utc: datetime = Field(description="When it was made.")
    interval_minutes: int = Field(description="Interval length, minutes.")
    horizon_start_utc: datetime = Field(description="First interval forecast.")
    horizon_end_utc: datetime = Field(description="End of the horizon (exclusive).")
    history_start_utc: datetime | None = Field(description="First interval of history used.")
    history_end_utc: datetime | None = Field(description="End of the history used.")
    model_by_queue: dict[str, str] = Field(description="Model chosen per queue by backtest.")
    backtest_scores: dict[str, dict[str, float]] = Field(
        description="Backtest error per queue and candidate model."
    )
    warnings: list[str] = Field(description="What the forecaster warned about.")
    job_id: str | None = Field(description="Job that made it.")


class ForecastValueRead(Output):
    queue_code: str = Field(description="Queue.")
    interval_start_utc: datetime = Field(description="Start of the interval, UTC.")
    offered: float = Field(description="Contacts forecast (point forecast).")
    aht_seconds: float = Field(description="Average handle time forecast, seconds.")
    offered_lo80: float | None = Field(description="80 % prediction interval, low end.")
    offered_hi80: float | None = Field(description="80 % prediction interval, high end.")
    offered_lo95: float | None = Field(description="95 % prediction interval, low end.")
    offered_hi95: float | None = Field(description="95 % prediction interval, high end.")


class AdjustmentCreate(Input):
    """A manual overlay on a queue's forecast; it is re-applied to every later run."""

    queue_code: Code = Field(description="Queue.", examples=["retail"])
    start_utc: AwareMoment = Field(description="Start (with an offset).")
    end_utc: AwareMoment = Field(description="End, exclusive (with an offset).")
    target: Literal["offered", "aht_seconds"] = Field(description="What to change.")
    operation: AdjustmentOperation = Field(description="scale (multiply) or set (replace).")
    value: float = Field(ge=0, le=1e7, description="Factor (scale) or value (set).")
    note: FreeText = Field(default="", max_length=500, description="Why, for the record.")

    @model_validator(mode="after")
    def _order(self) -> AdjustmentCreate:
        if self.end_utc <= self.start_utc:
            raise ValueError("end_utc must be after start_utc")
        return self


class AdjustmentRead(Output):
    id: int = Field(description="Identifier.")
    queue_code: str = Field(description="Queue.")
    start_utc: datetime = Field(description="Start, UTC.")
    end_utc: datetime = Field(description="End (exclusive), UTC.")
    target: str = Field(description="offered or aht_seconds.")
    operation: AdjustmentOperation = Field(description="scale or set.")
    value: float = Field(description="Factor or value.")
    note: str = Field(description="Why.")


class AccuracyRowRead(Output):
    queue_code: str = Field(description="Queue.")
    period: str = Field(description="day or week.")
    period_start: date = Field(description="Local start of the period.")
    actual_offered: float = Field(description="Contacts that arrived.")
    forecast_offered: float = Field(description="Contacts forecast (adjusted).")
    wmape: float = Field(description="Sum |actual - forecast| / sum actual.")
    accuracy_percent: float = Field(description="100 x (1 - WMAPE).")


class RequirementRead(Output):
    queue_code: str = Field(description="Queue.")
    interval_start_utc: datetime = Field(description="Start of the interval, UTC.")
    interval_minutes: int = Field(description="Length, minutes.")
    contacts: float = Field(description="Contacts forecast (adjusted).")
    aht_seconds: float = Field(description="Handle time forecast, seconds.")
    required_agents: int = Field(
        description="Net: agents serving needed to meet every target of the queue."
    )
    scheduled_agents: int = Field(
        description=(
            "Gross: the least agents to schedule whose expected service, each absent with "
            "probability shrinkage, meets every target (about required / (1 - shrinkage))."
        )
    )
    shrinkage: float | None = Field(
        description="The shrinkage scheduled_agents was grossed up with; null on rows stored "
        "before it was kept."
    )
    shrinkage_source: Literal["site", "rules", "given"] | None = Field(
        description="site: the site's unplanned_shrinkage; rules: the unplanned_shrinkage of "
        "the site-rules version of the row's week; given: passed with the request."
    )
    predicted_service_level: float = Field(description="Service level at the requirement.")
    predicted_answer_rate: float | None = Field(description="Answer rate (Erlang A queues).")
    predicted_asa_seconds: float | None = Field(description="ASA at the requirement.")
    predicted_occupancy: float | None = Field(description="Occupancy at the requirement.")


class RequirementsCreate(Input):
    site_code: Code = Field(description="Site.", examples=["paris"])
    forecast_run_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Run to staff; default the latest."
    )
    shrinkage: float | None = Field(
        default=None,
        ge=0,
        lt=1,
        description="Shrinkage to gross the requirements up with; default (null): the site's "
        "unplanned_shrinkage (absence, lateness, unplanned aux; breaks are rostered).",
    )


class ReasonFigureRead(Output):
    reason: str = Field(description="Contact reason code, as imported (e.g. billing, 账单查询).")
    share: float = Field(description="Its share of the queue's forecast over the range, 0-1.")
    forecast_offered: float = Field(description="Contacts forecast for the reason over the range.")
    realised_offered: float | None = Field(
        description="Contacts of the reason realised over the range's intervals with recorded "
        "reasons (scaled to offered where some contacts had none); null without any."
    )
    forecast_on_realised: float | None = Field(
        description="The reason's forecast over those same intervals; null without any."
    )
    wmape: float | None = Field(
        description="Sum over intervals |realised - forecast| / sum realised; null without "
        "realised contacts."
    )
    backtest_wmape: float | None = Field(
        description="WMAPE of the chosen share estimator in the rolling-origin backtest before "
        "the run (the queue's realised totals split by the shares); null without one."
    )


class ReasonIntervalRead(Output):
    interval_start_utc: datetime = Field(description="Start of the interval, UTC.")
    offered: float = Field(description="The queue's forecast (adjusted).")
    by_reason: dict[str, float] = Field(description="Its split by reason; sums to offered.")


class QueueReasonForecastRead(Output):
    queue_code: str = Field(description="Queue.")
    method: Literal["overall", "hour_of_week", "shrunk"] | None = Field(
        description="Share estimator chosen by the backtest; null: no recorded reasons in the "
        "share window (no split)."
    )
    prior_strength: float | None = Field(
        description="shrunk: pseudo-contacts per hour-of-week slot pulling it to the overall mix."
    )
    share_window_start_utc: datetime = Field(description="Shares from this instant...")
    share_window_end_utc: datetime = Field(description="...to the run's origin (exclusive).")
    contacts_with_reason: int = Field(description="Contacts with a recorded reason in the window.")
    backtest_origins_utc: list[datetime] = Field(description="Origins of the backtest folds.")
    backtest_wmape_by_method: dict[str, float] = Field(
        description="Backtest WMAPE of each share estimator over all reasons."
    )
    forecast_offered: float = Field(description="The queue's forecast over the range.")
    reasons: list[ReasonFigureRead] = Field(description="Per reason, most contacts first.")
    intervals: list[ReasonIntervalRead] = Field(
        description="Per interval (empty when intervals=false or without a split)."
    )


class ReasonForecastRead(Output):
    site_code: str = Field(description="Site.")
    timezone: str = Field(description="The site's timezone (hours of the week are local).")
    forecast_run_id: int = Field(description="Forecast run split.")
    version: int = Field(description="Its version.")
    start_utc: datetime = Field(description="Range start.")
    end_utc: datetime = Field(description="Range end (exclusive).")
    queues: list[QueueReasonForecastRead] = Field(description="Per queue.")
