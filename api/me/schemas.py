"""Schemas of agents' self-service: roster preferences, shift offers and trades."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, model_validator

from api.schemas import Day, Input, LocalTime, Output, Text
from scheduling.problem import EVENING_FROM_LOCAL
from wfm.domain.shift_trades import OfferMode, OfferStatus, PreferenceKind, TradeKind, TradeStatus

MAX_PREFERENCES = 50
MAX_VTO_HOURS = 60.0  # a week's voluntary time off offered, at most


class PreferenceSchema(Input):
    """A soft wish for the roster; the roster charges `weight` for each day it is not honoured
    (docs/roster-problem.md, `preferences`). The days it concerns are `dates` and `weekdays`
    (both empty: every day)."""

    kind: PreferenceKind = Field(
        description="day_off (no shift those days), work_day (a shift those days), "
        "start_between (shifts those days start within the window), max_evenings (at most "
        "max_evening_shifts evening shifts on those days of the roster's week) or "
        "voluntary_time_off (an offer: up to vto_hours_max paid hours below the contract's "
        "weekly minimum, unpaid, in a week holding one of those days).",
        examples=["day_off"],
    )
    weight: float = Field(
        default=1.0, gt=0, le=1000, description="Charged per day the wish is not honoured."
    )
    dates: list[Day] = Field(default_factory=list, max_length=62, description="Local dates.")
    weekdays: list[int] = Field(
        default_factory=list, max_length=7, description="0 = Monday ... 6 = Sunday."
    )
    earliest_start_local: LocalTime | None = Field(
        default=None, description="start_between: earliest local start."
    )
    latest_start_local: LocalTime | None = Field(
        default=None, description="start_between: latest local start."
    )
    max_evening_shifts: int | None = Field(
        default=None,
        ge=0,
        le=7,
        description="max_evenings: evening shifts a week within the wish; each one more is "
        "charged `weight`.",
    )
    evening_from_local: LocalTime | None = Field(
        default=None,
        description="max_evenings: a shift ending after this local time is an evening shift "
        f"(null: {EVENING_FROM_LOCAL:%H:%M}).",
    )
    vto_hours_max: float | None = Field(
        default=None,
        gt=0,
        le=MAX_VTO_HOURS,
        description="voluntary_time_off: the unpaid hours a week the agent would work less than "
        "the contract's minimum; the roster takes them where they are worth less than the wage "
        "(`weight` is not used).",
    )

    @model_validator(mode="after")
    def _coherent(self) -> PreferenceSchema:
        bad = [w for w in self.weekdays if not 0 <= w <= 6]
        if bad:
            raise ValueError(f"weekdays: unknown weekday {bad[0]} (0 = Monday ... 6 = Sunday)")
        window = (self.earliest_start_local, self.latest_start_local)
        if self.kind is PreferenceKind.START_BETWEEN:
            if window == (None, None):
                raise ValueError("start_between needs earliest_start_local or latest_start_local")
            lo, hi = window
            if lo is not None and hi is not None and hi < lo:
                raise ValueError("latest_start_local is before earliest_start_local")
        elif window != (None, None):
            raise ValueError(f"{self.kind.value} takes no start window")
        evening = (self.max_evening_shifts, self.evening_from_local)
        if self.kind is PreferenceKind.MAX_EVENINGS:
            if self.max_evening_shifts is None:
                raise ValueError("max_evenings needs max_evening_shifts")
        elif evening != (None, None):
            raise ValueError(f"{self.kind.value} takes no max_evening_shifts or evening_from_local")
        if self.kind is PreferenceKind.VOLUNTARY_TIME_OFF:
            if self.vto_hours_max is None:
                raise ValueError("voluntary_time_off needs vto_hours_max")
        elif self.vto_hours_max is not None:
            raise ValueError(f"{self.kind.value} takes no vto_hours_max")
        return self


class PreferencesReplace(Input):
    preferences: list[PreferenceSchema] = Field(
        max_length=MAX_PREFERENCES, description="The agent's whole set of preferences."
    )


class PreferenceRead(Output):
    kind: PreferenceKind = Field(
        description="day_off, work_day, start_between, max_evenings or voluntary_time_off."
    )
    weight: float = Field(description="Charged per day the wish is not honoured.")
    dates: list[date] = Field(description="Local dates it concerns.")
    weekdays: list[int] = Field(description="Weekdays it concerns (0 = Monday).")
    earliest_start_local: LocalTime | None = Field(description="Earliest local start.")
    latest_start_local: LocalTime | None = Field(description="Latest local start.")
    max_evening_shifts: int | None = Field(description="max_evenings: evening shifts a week.")
    evening_from_local: LocalTime | None = Field(
        description="max_evenings: evenings are shifts ending after this "
        f"(null: {EVENING_FROM_LOCAL:%H:%M})."
    )
    vto_hours_max: float | None = Field(
        description="voluntary_time_off: unpaid hours a week below the contract's minimum."
    )


class ShiftOfferCreate(Input):
    shift_date: Day = Field(
        description="Local date of your own published shift to offer.", examples=["2025-03-05"]
    )
    mode: OfferMode = Field(
        default=OfferMode.ANY,
        description="any (given away or swapped), swap_only or give_away.",
    )


class ShiftOfferTake(Input):
    taker_shift_date: Day | None = Field(
        default=None,
        description="To swap: the local date of your own future published shift the offerer "
        "gets in exchange; null: take the shift (a give-away).",
    )


class ShiftOfferRead(Output):
    id: int = Field(description="Identifier of the offer.")
    site_code: str = Field(description="Site.")
    agent_code: str = Field(description="Agent offering the shift.")
    agent_name: str = Field(description="Their name.")
    shift_date: date = Field(description="Local date of the shift.")
    shift_start_utc: datetime = Field(description="Shift start; the offer expires then.")
    shift_end_utc: datetime = Field(description="Shift end.")
    mode: OfferMode = Field(description="any, swap_only or give_away.")
    status: OfferStatus = Field(description="open, taken or cancelled.")
    created_at_utc: datetime = Field(description="When it was offered.")
    closed_at_utc: datetime | None = Field(description="When it was taken or cancelled.")


class ShiftTradeRead(Output):
    id: int = Field(description="Identifier of the trade.")
    site_code: str = Field(description="Site.")
    offer_id: int = Field(description="The offer taken.")
    offer_agent_code: str = Field(description="Agent who offered the shift.")
    offer_shift_date: date = Field(description="Local date of the offered shift.")
    taker_agent_code: str = Field(description="Agent who took it.")
    kind: TradeKind = Field(description="give_away or swap.")
    taker_shift_date: date | None = Field(description="Swap: the taker's shift given back.")
    status: TradeStatus = Field(
        description="pending_approval, accepted (applied at once), approved or refused."
    )
    reason: str = Field(description="The planner's reason.")
    decided_by: str = Field(description="The deciding token's name (empty when accepted).")
    decided_at_utc: datetime | None = Field(description="When it was decided.")
    schedule_ids: list[int] = Field(description="The published schedule versions it made.")
    changed_agents: list[str] = Field(
        description="Agents whose published shifts it changed (for notifications)."
    )
    created_at_utc: datetime = Field(description="When the offer was taken.")


class TradeDecision(Input):
    approve: bool = Field(description="true: approve (the roster changes); false: refuse.")
    reason: Text = Field(
        default="", max_length=500, description="Why; required to refuse.", examples=[""]
    )
