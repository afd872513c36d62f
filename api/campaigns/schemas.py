"""Schemas of outbound campaigns."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from api.schemas import Code, Day, Input, LocalTime, Name, Output
from wfm.domain import CampaignKind


class CallingWindowSchema(Input):
    """Local wall-clock calling hours on one weekday."""

    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday.", examples=[0])
    start_local: LocalTime = Field(description="Local start, HH:MM.", examples=["09:00"])
    end_local: LocalTime = Field(
        description="Local end, HH:MM (after the start).", examples=["20:00"]
    )

    @model_validator(mode="after")
    def _order(self) -> CallingWindowSchema:
        if self.end_local <= self.start_local:
            raise ValueError("end_local must be after start_local")
        return self


HOURLY = Field(
    min_length=24,
    max_length=24,
    description="Value of one productive hour for each local hour of the day, 0..23.",
    examples=[[0.0] * 9 + [40.0] * 9 + [60.0] * 3 + [0.0] * 3],
)


class CampaignCreate(Input):
    site_code: Code = Field(description="Site that runs the campaign.", examples=["paris"])
    code: Code = Field(examples=["renewals"])
    name: Name = Field(description="Display name.", examples=["Contract renewals"])
    kind: CampaignKind = Field(description="telesales, survey or callback.")
    segment_code: Code | None = Field(default=None, description="Targeted customer segment.")
    value_per_productive_hour_by_hour: list[float] = HOURLY
    calling_windows: list[CallingWindowSchema] = Field(
        default_factory=list, max_length=70, description="When customers may be called."
    )
    min_hours_per_week: float = Field(default=0.0, ge=0, le=10_000, description="Hours floor.")
    max_hours_per_week: float | None = Field(
        default=None, ge=0, le=10_000, description="Hours cap; null: none."
    )
    target_hours: float | None = Field(
        default=None, ge=0, le=100_000, description="Hours the campaign should get in total."
    )
    efficiency: float = Field(
        default=0.8, gt=0, le=1, description="Productive share of the hours worked on it."
    )
    deadline: Day | None = Field(default=None, description="Last day of the campaign.")
    target_sales: int | None = Field(
        default=None, ge=0, le=1_000_000_000, description="Sales the campaign should make."
    )
    target_completes: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000_000,
        description="Completed calls (surveys, callbacks) the campaign should make.",
    )

    @model_validator(mode="after")
    def _values(self) -> CampaignCreate:
        if any(v < 0 or v != v or v > 1e9 for v in self.value_per_productive_hour_by_hour):
            raise ValueError("value_per_productive_hour_by_hour values must be in [0, 1e9]")
        if (
            self.max_hours_per_week is not None
            and self.max_hours_per_week < self.min_hours_per_week
        ):
            raise ValueError("max_hours_per_week must not be below min_hours_per_week")
        return self


class CampaignUpdate(Input):
    name: Name | None = Field(default=None, description="New display name.")
    segment_code: Code | None = Field(default=None, description="New segment; null: none.")
    value_per_productive_hour_by_hour: list[float] | None = Field(
        default=None, min_length=24, max_length=24, description="24 new hourly values."
    )
    calling_windows: list[CallingWindowSchema] | None = Field(default=None, max_length=70)
    min_hours_per_week: float | None = Field(default=None, ge=0, le=10_000)
    max_hours_per_week: float | None = Field(default=None, ge=0, le=10_000)
    target_hours: float | None = Field(default=None, ge=0, le=100_000)
    efficiency: float | None = Field(default=None, gt=0, le=1)
    deadline: Day | None = Field(default=None)
    target_sales: int | None = Field(default=None, ge=0, le=1_000_000_000)
    target_completes: int | None = Field(default=None, ge=0, le=1_000_000_000)

    @model_validator(mode="after")
    def _values(self) -> CampaignUpdate:
        values = self.value_per_productive_hour_by_hour or []
        if any(v < 0 or v != v or v > 1e9 for v in values):
            raise ValueError("value_per_productive_hour_by_hour values must be in [0, 1e9]")
        return self


class CallingWindowRead(Output):
    weekday: int = Field(description="0 = Monday ... 6 = Sunday.")
    start_local: LocalTime = Field(description="Local start.")
    end_local: LocalTime = Field(description="Local end.")


class CampaignRead(Output):
    site_code: str = Field(description="Site that runs it.")
    code: str = Field(description="Identifier.", examples=["renewals"])
    name: str = Field(description="Display name.")
    kind: CampaignKind = Field(description="telesales, survey or callback.")
    segment_code: str | None = Field(description="Targeted segment.")
    value_per_productive_hour_by_hour: list[float] = Field(description="24 hourly values.")
    calling_windows: list[CallingWindowRead] = Field(description="Calling hours.")
    min_hours_per_week: float = Field(description="Hours floor per week.")
    max_hours_per_week: float | None = Field(description="Hours cap per week.")
    target_hours: float | None = Field(description="Total hours target.")
    efficiency: float = Field(description="Productive share of hours.")
    deadline: date | None = Field(description="Last day.")
    target_sales: int | None = Field(default=None, description="Sales target; null: none.")
    target_completes: int | None = Field(
        default=None, description="Completed-calls target; null: none."
    )
