"""Schemas of queues."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from api.schemas import Code, Input, Name, Output
from wfm.domain import Channel, Queue, Site
from wfm.domain.calibration import StoredCalibration
from wfm.domain.queue_model import Patience, answer_rate_target
from wfm.services.calibration import AccuracyReport, AccuracyWeek, CalibrationRun, ModelWeek
from wfm.services.patience import PatienceEstimates

PATIENCE_REFUSED = (
    "a queue's patience is not typed in: it is estimated from the queue's history "
    "(POST /v1/queues/patience-estimates, `wfm patience`, every forecast run), and the site's "
    "default_patience_seconds (PATCH /v1/sites/{code}) applies until then"
)


TARGETS = ("service_level_target", "min_answer_rate", "max_abandon_rate")
NO_TARGET = (
    "a queue keeps at least one target: service_level_target, min_answer_rate or max_abandon_rate"
)
SL_TARGET = (
    "Target share answered within the threshold, in (0, 1); null: the queue has no "
    "service-level target (it is judged by its answer rate or abandon cap)."
)
ANSWER_RATE_TARGET = (
    "Least answer rate (answered / offered), in (0, 1); null: none. Staffing, rosters, the "
    "intraday recommendation and the dashboard judge the queue by it."
)
ABANDON_TARGET = (
    "Most abandon rate (abandoned / offered), in (0, 1); null: none. The same target as an "
    "answer rate of 1 - it (the stricter applies when both are given)."
)


class _QueueInput(Input):
    # accepted by no request: here only to refuse it with the reason (hidden from the document)
    mean_patience_seconds: SkipJsonSchema[Any] = Field(default=None, exclude=True)

    @field_validator("mean_patience_seconds", mode="before")
    @classmethod
    def _refuse_patience(cls, value: object) -> None:
        raise ValueError(PATIENCE_REFUSED)


class QueueCreate(_QueueInput):
    """A new queue. Its patience is not given: it is estimated from the queue's history, and
    until then the site's `default_patience_seconds` applies."""

    site_code: Code = Field(description="Site the queue belongs to.", examples=["paris"])
    code: Code = Field(examples=["retail"])
    name: Name = Field(description="Display name.", examples=["Retail banking"])
    channel: Channel = Field(default=Channel.VOICE, description="Contact channel.")
    service_level_target: float | None = Field(
        default=0.8, gt=0, lt=1, description=SL_TARGET, examples=[0.8]
    )
    min_answer_rate: float | None = Field(
        default=None, gt=0, lt=1, description=ANSWER_RATE_TARGET, examples=[0.95]
    )
    max_abandon_rate: float | None = Field(
        default=None, gt=0, lt=1, description=ABANDON_TARGET, examples=[0.05]
    )
    service_threshold_seconds: float = Field(
        default=20.0, ge=0, le=86_400, description="Service threshold T, seconds."
    )
    max_occupancy: float = Field(
        default=0.85, gt=0, le=1, description="Occupancy cap used when staffing."
    )
    chat_concurrency: int = Field(
        default=1, ge=1, le=20, description="Contacts an agent handles at once (chat)."
    )
    value_per_answered_contact: float = Field(
        default=0.0, ge=0, le=1e9, description="Value of an answered contact (currency units)."
    )
    short_abandon_threshold_seconds: float = Field(
        default=5.0, ge=0, le=3_600, description="Abandons within this are short abandons."
    )

    @model_validator(mode="after")
    def _one_target(self) -> QueueCreate:
        if all(getattr(self, name) is None for name in TARGETS):
            raise ValueError(NO_TARGET)
        return self


class QueueUpdate(_QueueInput):
    name: Name | None = Field(default=None, description="New display name.")
    channel: Channel | None = Field(default=None, description="New channel.")
    service_level_target: float | None = Field(
        default=None, gt=0, lt=1, description="New service-level target; null: none."
    )
    min_answer_rate: float | None = Field(
        default=None, gt=0, lt=1, description="New least answer rate; null: none."
    )
    max_abandon_rate: float | None = Field(
        default=None, gt=0, lt=1, description="New most abandon rate; null: none."
    )
    service_threshold_seconds: float | None = Field(default=None, ge=0, le=86_400)
    max_occupancy: float | None = Field(default=None, gt=0, le=1)
    chat_concurrency: int | None = Field(default=None, ge=1, le=20)
    value_per_answered_contact: float | None = Field(default=None, ge=0, le=1e9)
    short_abandon_threshold_seconds: float | None = Field(default=None, ge=0, le=3_600)


class QueueRead(Output):
    site_code: str = Field(description="Site of the queue.", examples=["paris"])
    code: str = Field(description="Identifier.", examples=["retail"])
    name: str = Field(description="Display name.")
    channel: Channel = Field(description="Contact channel.")
    service_level_target: float | None = Field(description=SL_TARGET)
    min_answer_rate: float | None = Field(description=ANSWER_RATE_TARGET)
    max_abandon_rate: float | None = Field(description=ABANDON_TARGET)
    answer_rate_target: float | None = Field(
        description="The answer rate the queue is held to: the stricter of min_answer_rate and "
        "1 - max_abandon_rate; null: the queue has neither target."
    )
    service_threshold_seconds: float = Field(description="Service threshold T, seconds.")
    max_occupancy: float = Field(description="Occupancy cap, fraction.")
    chat_concurrency: int = Field(description="Contacts per agent at once.")
    patience: PatienceRead = Field(description="The mean patience in use and where it comes from.")
    value_per_answered_contact: float = Field(description="Value per answered contact.")
    short_abandon_threshold_seconds: float = Field(description="Short-abandon threshold, s.")


class PatienceRead(Output):
    """The mean patience a queue's staffing uses: its estimate from history, else its site's
    setting (`source`)."""

    seconds: float = Field(description="Mean caller patience in use, seconds.", examples=[212.4])
    source: Literal["calibration", "history", "site"] = Field(
        description="`calibration`: fitted with the queue's stored calibration against its "
        "history (POST /v1/queues/calibrations); `history`: the queue's own estimate; `site`: "
        "the site's default_patience_seconds (no estimate yet, or too few abandons)."
    )
    estimated_at_utc: datetime | None = Field(
        description="End of the history the estimate covers; null for the site's setting."
    )
    ci_low_seconds: float | None = Field(description="95 % confidence interval, low end.")
    ci_high_seconds: float | None = Field(description="95 % confidence interval, high end.")
    abandoned_count: int | None = Field(description="Abandons the estimate rests on.")

    @classmethod
    def of(cls, patience: Patience) -> PatienceRead:
        assert patience.seconds is not None  # a stored queue always has one (site's at least)
        return cls(
            seconds=patience.seconds,
            source=_SOURCES.get(patience.source, "site"),
            estimated_at_utc=patience.estimated_at_utc,
            ci_low_seconds=patience.ci_low_seconds,
            ci_high_seconds=patience.ci_high_seconds,
            abandoned_count=patience.abandoned_count,
        )


_SOURCES: dict[str, Literal["calibration", "history", "site"]] = {
    "calibration": "calibration",
    "history": "history",
    "site": "site",
}


def queue_read(queue: Queue, site: Site) -> QueueRead:
    """The queue as the API shows it: its settings and the patience in use."""
    return QueueRead(
        site_code=queue.site_code,
        code=queue.code,
        name=queue.name,
        channel=queue.channel,
        service_level_target=queue.service_level_target,
        min_answer_rate=queue.min_answer_rate,
        max_abandon_rate=queue.max_abandon_rate,
        answer_rate_target=answer_rate_target(queue.min_answer_rate, queue.max_abandon_rate),
        service_threshold_seconds=queue.service_threshold_seconds,
        max_occupancy=queue.max_occupancy,
        chat_concurrency=queue.chat_concurrency,
        patience=PatienceRead.of(Patience.of_queue(queue, site)),
        value_per_answered_contact=queue.value_per_answered_contact,
        short_abandon_threshold_seconds=queue.short_abandon_threshold_seconds,
    )


class QueuePatienceRead(Output):
    queue_code: str = Field(description="The queue.", examples=["retail"])
    patience: PatienceRead = Field(description="The patience in use after the estimate.")
    abandoned_in_window: int = Field(
        description="Abandons in the window (below `min_abandoned`: no estimate)."
    )
    answered_in_window: int = Field(description="Answered contacts in the window.")
    intervals_in_window: int = Field(description="Stored intervals in the window.")


class SiteHistoryRead(Output):
    """The window of a site's history a fit on its queues read (patience, calibration)."""

    site_code: str = Field(description="The site.", examples=["paris"])
    window_start_utc: datetime | None = Field(
        description="First instant of the history read; null when the site has no history."
    )
    window_end_utc: datetime | None = Field(
        description="End of the history read: the date of what was fitted (end of the site's "
        "last local day with history)."
    )
    lookback_days: int = Field(description="Local days of history read.")


class PatienceEstimatesRead(SiteHistoryRead):
    min_abandoned: int = Field(description="Abandons an estimate needs.")
    site_default_patience_seconds: float = Field(description="The site's setting, seconds.")
    queues: list[QueuePatienceRead] = Field(description="Each queue of the site, by code.")

    @classmethod
    def of(cls, result: PatienceEstimates) -> PatienceEstimatesRead:
        return cls(
            site_code=result.site.code,
            window_start_utc=None if result.window is None else result.window.start_utc,
            window_end_utc=None if result.window is None else result.window.end_utc,
            lookback_days=result.lookback_days,
            min_abandoned=result.min_abandoned,
            site_default_patience_seconds=result.site.default_patience_seconds,
            queues=[
                QueuePatienceRead(
                    queue_code=q.queue_code,
                    patience=PatienceRead.of(q.patience),
                    abandoned_in_window=q.history.abandoned,
                    answered_in_window=q.history.answered,
                    intervals_in_window=q.history.intervals,
                )
                for q in result.queues
            ],
        )


class CalibrationRead(Output):
    """A queue's calibration against its history (docs/erlang.md): the parameters, the history
    it was fitted on and how well it fits there (in sample)."""

    fitted_at_utc: datetime = Field(description="When it was fitted.")
    window_start_utc: datetime = Field(description="First instant of the history read.")
    window_end_utc: datetime = Field(description="End of the history read.")
    availability: float = Field(
        description="Share of the agents serving the queue that are effectively servers.",
        examples=[0.83],
    )
    patience_seconds: float = Field(description="Mean patience fitted, seconds.")
    patience_method: Literal["waits", "likelihood"] = Field(
        description="`waits`: total wait / abandons; `likelihood`: fitted with availability."
    )
    threshold_seconds: float | None = Field(
        description="Threshold the service-level recalibration was fitted at; null: none."
    )
    answer_rate_coefficients: list[float] = Field(
        description="(b0, b1, b2, b3) of the answer rate's logistic recalibration."
    )
    service_level_coefficients: list[float] = Field(
        description="(b0, b1, b2, b3) of the service level's (identity when not fitted)."
    )
    intervals: int = Field(description="Intervals with calls and agents serving fitted on.")
    calls: float = Field(description="Calls (answered + abandoned) in those intervals.")
    answer_rate_mae: float = Field(
        description="In sample: call-weighted mean absolute error of the answer rate."
    )
    textbook_answer_rate_mae: float = Field(
        description="The same for the textbook Erlang A (every agent serving a server)."
    )
    answer_rate_noise_floor: float = Field(
        description="What a perfect model would miss on the same calls (binomial)."
    )
    service_level_mae: float | None = Field(
        description="In sample, the service level's; null without answered-within counts."
    )
    textbook_service_level_mae: float | None = Field(description="The textbook's.")

    @classmethod
    def of(cls, stored: StoredCalibration) -> CalibrationRead:
        cal = stored.calibration
        return cls(
            fitted_at_utc=stored.fitted_at_utc,
            window_start_utc=stored.window_start_utc,
            window_end_utc=stored.window_end_utc,
            availability=cal.availability,
            patience_seconds=cal.patience_seconds,
            patience_method="waits" if cal.patience_method == "waits" else "likelihood",
            threshold_seconds=cal.threshold_seconds,
            answer_rate_coefficients=list(cal.answer_rate_coefficients),
            service_level_coefficients=list(cal.service_level_coefficients),
            intervals=stored.intervals,
            calls=stored.calls,
            answer_rate_mae=stored.answer_rate_mae,
            textbook_answer_rate_mae=stored.textbook_answer_rate_mae,
            answer_rate_noise_floor=stored.answer_rate_noise_floor,
            service_level_mae=stored.service_level_mae,
            textbook_service_level_mae=stored.textbook_service_level_mae,
        )


class QueueCalibrationRead(Output):
    queue_code: str = Field(description="The queue.", examples=["retail"])
    calibrated: bool = Field(description="Whether a calibration was fitted and stored now.")
    refused: str | None = Field(description="Why not, when it was not; null when it was.")
    calibration: CalibrationRead | None = Field(
        description="The calibration in use: the one fitted now, else the one kept; null: none "
        "(the textbook model)."
    )


class CalibrationsRead(SiteHistoryRead):
    queues: list[QueueCalibrationRead] = Field(description="Each queue of the site, by code.")

    @classmethod
    def of(cls, run: CalibrationRun) -> CalibrationsRead:
        return cls(
            site_code=run.site.code,
            window_start_utc=run.window_start_utc,
            window_end_utc=run.window_end_utc,
            lookback_days=run.lookback_days,
            queues=[
                QueueCalibrationRead(
                    queue_code=q.queue_code,
                    calibrated=q.fitted is not None,
                    refused=q.refused,
                    calibration=_calibration_read(q.fitted or q.kept),
                )
                for q in run.queues
            ],
        )


class RateScoreRead(Output):
    """A predicted rate against what happened over a week's intervals with calls."""

    predicted_total: float = Field(description="Predicted rate of the week's calls.")
    actual_total: float = Field(description="The rate that happened.")
    mae_call_weighted: float = Field(description="Mean absolute error, weighted by calls.")
    mae: float = Field(description="Mean absolute error, each interval alike.")
    bias: float = Field(description="Predicted total minus actual (+: promised too much).")
    noise_floor_call_weighted: float = Field(
        description="A perfect model's expected call-weighted error (binomial, at the "
        "predicted rates): no model beats it."
    )
    noise_floor: float = Field(description="The same, each interval alike.")


class ModelWeekRead(Output):
    predicted_answer_rate: float = Field(description="Predicted answer rate of the week.")
    predicted_service_level: float | None = Field(description="Predicted service level.")
    answer_rate: RateScoreRead
    service_level: RateScoreRead | None = Field(
        description="Null when the history has no answered-within-threshold counts."
    )


class AccuracyWeekRead(Output):
    week_start: date = Field(description="The local Monday of the week.")
    intervals: int = Field(description="Intervals with calls.")
    calls: float = Field(description="Calls (answered + abandoned).")
    agent_events: bool = Field(
        description="Whether the week has agent events; without them the agents serving are "
        "unknown and nothing is predicted."
    )
    actual_answer_rate: float | None = Field(description="Answered / calls; null: no calls.")
    actual_service_level: float | None = Field(
        description="Answered within the threshold / calls; null: no calls or no counts."
    )
    mean_agents_serving: float | None = Field(
        description="Agents serving per interval with calls, from agent events, on average."
    )
    model: ModelWeekRead | None = Field(
        description="The queue's model (calibrated when a calibration is stored) at the calls, "
        "handle time and agents serving that happened."
    )
    textbook: ModelWeekRead | None = Field(
        description="The textbook Erlang A (every agent serving a server) at the same inputs."
    )


class AccuracyRead(Output):
    queue_code: str
    site_code: str
    timezone: str
    model_source: Literal["calibration", "textbook"] = Field(
        description="`calibration`: the queue has a stored calibration; `textbook`: it has none."
    )
    calibration: CalibrationRead | None
    weeks: list[AccuracyWeekRead] = Field(
        description="Oldest first, ending with the week of the queue's last stored interval."
    )

    @classmethod
    def of(cls, report: AccuracyReport) -> AccuracyRead:
        return cls(
            queue_code=report.queue_code,
            site_code=report.site_code,
            timezone=report.timezone,
            model_source="calibration" if report.model_source == "calibration" else "textbook",
            calibration=_calibration_read(report.calibration),
            weeks=[_week_read(w) for w in report.weeks],
        )


def _calibration_read(stored: StoredCalibration | None) -> CalibrationRead | None:
    return None if stored is None else CalibrationRead.of(stored)


def _week_read(week: AccuracyWeek) -> AccuracyWeekRead:
    return AccuracyWeekRead(
        week_start=week.week_start,
        intervals=week.intervals,
        calls=week.calls,
        agent_events=week.agent_events,
        actual_answer_rate=week.actual_answer_rate,
        actual_service_level=week.actual_service_level,
        mean_agents_serving=week.mean_agents_serving,
        model=None if week.model is None else _model_read(week.model),
        textbook=None if week.textbook is None else _model_read(week.textbook),
    )


def _model_read(model: ModelWeek) -> ModelWeekRead:
    sl = model.score.service_level
    return ModelWeekRead(
        predicted_answer_rate=model.predicted_answer_rate,
        predicted_service_level=model.predicted_service_level,
        answer_rate=_score_read(model.score.answer_rate),
        service_level=None if sl is None else _score_read(sl),
    )


def _score_read(score: Any) -> RateScoreRead:
    return RateScoreRead(
        predicted_total=score.predicted_total_rate,
        actual_total=score.actual_total_rate,
        mae_call_weighted=score.mae_call_weighted,
        mae=score.mae,
        bias=score.bias,
        noise_floor_call_weighted=score.noise_floor.call_weighted,
        noise_floor=score.noise_floor.plain,
    )
