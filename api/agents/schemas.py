"""Schemas of agents, contracts, availability and time off."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import Field, model_validator

from api.schemas import AwareMoment, Code, Day, Input, LocalTime, Name, Output, TeamName, Text


class ContractSchema(Input):
    """Working terms shared by agents (by name; a name keeps one set of terms)."""

    name: Name = Field(description="Contract name.", examples=["full-time-37.5"])
    weekly_hours_min: float = Field(ge=0, le=168, description="Paid hours per week, least.")
    weekly_hours_max: float = Field(ge=0, le=168, description="Paid hours per week, most.")
    days_per_week_min: int = Field(ge=0, le=7, description="Working days per week, least.")
    days_per_week_max: int = Field(ge=0, le=7, description="Working days per week, most.")
    shift_lengths_minutes: list[int] = Field(
        min_length=1,
        max_length=24,
        description="Allowed shift lengths in minutes (breaks included).",
        examples=[[480, 540]],
    )
    earliest_start_local: LocalTime = Field(default=time(0, 0), description="Earliest shift start.")
    latest_end_local: LocalTime = Field(default=time(23, 59), description="Latest shift end.")
    min_rest_hours: float = Field(default=11.0, ge=0, le=48, description="Rest between shifts.")
    max_consecutive_days: int = Field(default=6, ge=1, le=14, description="Working days in a row.")
    leave_accrual_hours_per_week: float = Field(
        default=0.0, ge=0, le=40, description="Paid leave earned per week of service, hours."
    )

    @model_validator(mode="after")
    def _ranges(self) -> ContractSchema:
        if self.weekly_hours_min > self.weekly_hours_max:
            raise ValueError("weekly_hours_min must not exceed weekly_hours_max")
        if self.days_per_week_min > self.days_per_week_max:
            raise ValueError("days_per_week_min must not exceed days_per_week_max")
        if any(not 15 <= m <= 24 * 60 for m in self.shift_lengths_minutes):
            raise ValueError("shift_lengths_minutes must each be between 15 and 1440")
        return self


class ContractRead(Output):
    name: str = Field(description="Contract name.")
    weekly_hours_min: float = Field(description="Paid hours per week, least.")
    weekly_hours_max: float = Field(description="Paid hours per week, most.")
    days_per_week_min: int = Field(description="Working days per week, least.")
    days_per_week_max: int = Field(description="Working days per week, most.")
    shift_lengths_minutes: list[int] = Field(description="Allowed shift lengths, minutes.")
    earliest_start_local: LocalTime = Field(description="Earliest shift start, local.")
    latest_end_local: LocalTime = Field(description="Latest shift end, local.")
    min_rest_hours: float = Field(description="Least rest between shifts, hours.")
    max_consecutive_days: int = Field(description="Most working days in a row.")
    leave_accrual_hours_per_week: float = Field(
        description="Paid leave earned per week of service, hours."
    )


class AgentCreate(Input):
    site_code: Code = Field(description="Site the agent works at.", examples=["paris"])
    code: Code = Field(examples=["A0001"])
    name: Name = Field(description="Display name.", examples=["Camille Martin"])
    contract: ContractSchema = Field(description="Working terms.")
    queue_skills: list[Code] = Field(
        default_factory=list, max_length=200, description="Queues the agent can serve."
    )
    campaign_skills: list[Code] = Field(
        default_factory=list, max_length=200, description="Campaigns the agent can sell on."
    )
    hire_date: Day | None = Field(default=None, description="First working day.")
    team: TeamName = Field(
        default="", description='Team the agent works in ("": none).', examples=["一组"]
    )


class AgentUpdate(Input):
    name: Name | None = Field(default=None, description="New display name.")
    contract: ContractSchema | None = Field(default=None, description="New working terms.")
    queue_skills: list[Code] | None = Field(
        default=None, max_length=200, description="Replaces the queue skills."
    )
    campaign_skills: list[Code] | None = Field(
        default=None, max_length=200, description="Replaces the campaign skills."
    )
    hire_date: Day | None = Field(default=None, description="New hire date.")
    team: TeamName | None = Field(default=None, description='New team ("": no team).')
    active: bool | None = Field(default=None, description="false: left; not rostered.")


class AgentRead(Output):
    site_code: str = Field(description="Site.")
    code: str = Field(description="Identifier.", examples=["A0001"])
    name: str = Field(description="Display name.")
    contract: ContractRead = Field(description="Working terms.")
    queue_skills: list[str] = Field(description="Queues the agent can serve.")
    campaign_skills: list[str] = Field(description="Campaigns the agent can sell on.")
    hire_date: date | None = Field(description="First working day.")
    team: str = Field(description='Team the agent works in ("": none).')
    active: bool = Field(description="false once the agent has left.")


class AvailabilityWindow(Input):
    """A weekly recurring window in which the agent can work (local wall clock)."""

    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday.")
    start_local: LocalTime = Field(description="Local start.", examples=["08:00"])
    end_local: LocalTime = Field(description="Local end, after the start.", examples=["17:00"])

    @model_validator(mode="after")
    def _order(self) -> AvailabilityWindow:
        if self.end_local <= self.start_local:
            raise ValueError("end_local must be after start_local")
        return self


class AvailabilityReplace(Input):
    windows: list[AvailabilityWindow] = Field(
        max_length=100, description="The agent's whole weekly availability (replaces it)."
    )

    @model_validator(mode="after")
    def _no_overlap(self) -> AvailabilityReplace:
        ordered = sorted(self.windows, key=lambda w: (w.weekday, w.start_local))
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.weekday == b.weekday and b.start_local < a.end_local:
                raise ValueError(
                    f"windows overlap on weekday {a.weekday}: "
                    f"{a.start_local:%H:%M}-{a.end_local:%H:%M} and "
                    f"{b.start_local:%H:%M}-{b.end_local:%H:%M}"
                )
        return self


class AvailabilityRead(Output):
    id: int = Field(description="Identifier of the window.")
    weekday: int = Field(description="0 = Monday ... 6 = Sunday.")
    start_local: LocalTime = Field(description="Local start.")
    end_local: LocalTime = Field(description="Local end.")


class TimeOffCreate(Input):
    start_utc: AwareMoment = Field(
        description="Start, with an offset.", examples=["2025-07-14T00:00:00+02:00"]
    )
    end_utc: AwareMoment = Field(
        description="End (exclusive), with an offset.", examples=["2025-07-19T00:00:00+02:00"]
    )
    reason: Text = Field(
        default="leave", min_length=1, max_length=64, description="leave, sick, training, ..."
    )
    approved: bool = Field(default=True, description="Only approved time off blocks rostering.")

    @model_validator(mode="after")
    def _order(self) -> TimeOffCreate:
        if self.end_utc <= self.start_utc:
            raise ValueError("end_utc must be after start_utc")
        if self.end_utc - self.start_utc > timedelta(days=366):
            raise ValueError("time off longer than a year is not accepted")
        return self


class TimeOffRead(Output):
    id: int = Field(description="Identifier of the time-off period.")
    agent_code: str = Field(description="Agent.")
    start_utc: datetime = Field(description="Start, UTC.")
    end_utc: datetime = Field(description="End (exclusive), UTC.")
    reason: str = Field(description="Reason.")
    approved: bool = Field(description="Approved or only requested.")
