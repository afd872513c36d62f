"""Schemas of the staffing calculator."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from api.schemas import Input, Output


class IntervalLoad(Input):
    contacts: float = Field(ge=0, le=1e7, description="Contacts expected in the interval.")
    aht_seconds: float = Field(
        ge=1e-6,
        le=86_400,
        description="Average handle time, seconds (at least a microsecond; the queue model "
        "counts at least one second where there are contacts).",
    )
    agents: int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="Optional: agents you have; the KPIs at that staffing are returned too.",
    )


class StaffingCalculation(Input):
    """Targets and loads of a stateless staffing calculation (no database)."""

    interval_minutes: Literal[15, 30, 60] = Field(default=30, description="Interval length.")
    intervals: list[IntervalLoad] = Field(
        min_length=1,
        max_length=3000,
        description="The intervals to staff.",
        examples=[[{"contacts": 100, "aht_seconds": 180}]],
    )
    service_level_target: float | None = Field(
        default=0.8,
        gt=0,
        le=0.9999,
        description="Share answered within the threshold; null: none.",
    )
    threshold_seconds: float = Field(
        default=20.0, ge=0, le=86_400, description="Service threshold T, seconds."
    )
    max_asa_seconds: float | None = Field(
        default=None, ge=0.1, le=86_400, description="Most average speed of answer allowed."
    )
    min_answer_rate: float | None = Field(
        default=None, gt=0, le=0.9999, description="Least answer rate (needs patience_seconds)."
    )
    max_abandon_rate: float | None = Field(
        default=None,
        ge=0.0001,
        lt=1,
        description="Most abandon rate (needs patience_seconds): the same target as an answer "
        "rate of 1 - it; the stricter applies when both are given.",
    )
    patience_seconds: float | None = Field(
        default=None,
        ge=1,
        le=86_400,
        description="Mean caller patience: Erlang A when given, else Erlang C.",
    )
    max_occupancy: float | None = Field(
        default=None, ge=0.01, le=1, description="Occupancy cap: agents >= load / cap."
    )
    concurrency: int = Field(default=1, ge=1, le=20, description="Contacts per agent at once.")
    shrinkage: float = Field(
        default=0.3,
        ge=0,
        lt=1,
        description="Total shrinkage: the share of paid time not on contacts (breaks, lunches, "
        "meetings and training as well as absence: a calculation with no roster counts them "
        "all here). Requirements and rosters use the site's unplanned shrinkage instead.",
    )

    @model_validator(mode="after")
    def _targets(self) -> StaffingCalculation:
        if (
            self.service_level_target is None
            and self.max_asa_seconds is None
            and self.min_answer_rate is None
            and self.max_abandon_rate is None
            and self.max_occupancy is None
        ):
            raise ValueError(
                "give at least one target: service_level_target, max_asa_seconds, "
                "min_answer_rate, max_abandon_rate or max_occupancy"
            )
        for name in ("min_answer_rate", "max_abandon_rate"):
            if getattr(self, name) is not None and self.patience_seconds is None:
                raise ValueError(f"{name} needs patience_seconds (Erlang A)")
        return self


class KpisAtStaffing(Output):
    agents: int = Field(description="Agents serving.")
    service_level: float = Field(description="Predicted share answered within T.")
    asa_seconds: float | None = Field(description="Predicted ASA; null when unbounded.")
    occupancy: float = Field(description="Predicted occupancy.")
    p_wait: float = Field(description="Probability a contact waits.")
    answer_rate: float | None = Field(description="Predicted answer rate (Erlang A only).")
    abandon_rate: float | None = Field(description="Predicted abandon rate (Erlang A only).")


class IntervalStaffing(Output):
    load_erlangs: float = Field(description="Offered load: contacts x AHT / interval.")
    required_agents: int = Field(description="Least agents serving that meet every target.")
    scheduled_agents: int = Field(description="Required / (1 - total shrinkage), rounded up.")
    at_required: KpisAtStaffing = Field(description="KPIs at the required staffing.")
    at_given: KpisAtStaffing | None = Field(
        default=None, description="KPIs at the interval's `agents`, when given."
    )


class StaffingResultRead(Output):
    model: str = Field(description="erlang_c or erlang_a.")
    intervals: list[IntervalStaffing] = Field(description="One result per interval, in order.")
    total_scheduled_agent_hours: float = Field(
        description="Scheduled agents x interval hours, summed."
    )
