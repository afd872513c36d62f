"""Schemas of queues."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from api.schemas import Code, Input, Name, Output
from wfm.domain import Channel, Queue, Site
from wfm.domain.queue_model import Patience, answer_rate_target
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


class PatienceEstimatesRead(Output):
    site_code: str = Field(description="The site.", examples=["paris"])
    window_start_utc: datetime | None = Field(
        description="First instant of the history read; null when the site has no history."
    )
    window_end_utc: datetime | None = Field(
        description="End of the history read: the estimates' date (end of the site's last "
        "local day with history)."
    )
    lookback_days: int = Field(description="Local days of history read.")
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
