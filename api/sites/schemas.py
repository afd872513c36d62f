"""Schemas of sites."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from babel.numbers import list_currencies
from pydantic import AfterValidator, Field, model_validator

from api.schemas import Code, Day, Input, Name, Output, Text, TimezoneName
from wfm.domain import (
    DEFAULT_CURRENCY,
    DEFAULT_PATIENCE_SECONDS,
    DEFAULT_SITE_LANGUAGE,
    DEFAULT_UNPLANNED_SHRINKAGE,
    CalendarDayKind,
    Site,
    SiteLanguage,
)
from wfm.services.site_calendar import SiteWeek

SIMULATION_FLAG = (
    "true: a simulated site (a demo, training, a what-if), whose intraday clock may be moved and "
    "sped up (PUT /v1/intraday/clock); false: a live site, whose clock is the real time."
)

PATIENCE_SETTING = (
    "Mean caller patience, seconds, of the site's queues that have no estimate from their own "
    "history yet (0 < s <= 86400)."
)

SHRINKAGE_SETTING = (
    "Unplanned shrinkage, a fraction in [0, 1): the share of a rostered agent's serving time lost "
    "to absence, lateness and unplanned aux. Breaks, lunches, meetings and training are rostered "
    "and not in it. Requirements and rosters count it once: each rostered agent is absent with "
    "this probability, and predictions are expected over the agents present."
)


LANGUAGE_SETTING = (
    "The dashboard's language for the site's readers until they pick one in the sidebar or with "
    '`?lang=`: "zh-CN" (简体中文, the default) or "en".'
)
CURRENCY_SETTING = (
    "ISO 4217 code of the currency of the site's money (revenue, selling values, costs), e.g. "
    '"CNY" (the default), "USD", "EUR".'
)
SWAP_APPROVAL_SETTING = (
    "Whether a shift trade between the site's agents waits for a planner's approval "
    "(`pending_approval`) before the published roster changes; false: a trade that keeps the "
    "roster's rules changes it at once."
)

Language = SiteLanguage


def _currency(value: str) -> str:
    if value not in list_currencies():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. CNY, USD, EUR)")
    return value


Currency = Annotated[
    str, Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$"), AfterValidator(_currency)
]


class SiteCreate(Input):
    code: Code = Field(examples=["paris"])
    name: Name = Field(description="Display name.", examples=["Paris contact centre"])
    timezone: TimezoneName = Field(
        description="IANA timezone of the site; days, weeks and shifts are in it.",
        examples=["Europe/Paris"],
    )
    country_code: str = Field(
        default="",
        pattern=r"^([A-Z]{2})?$",
        description="ISO 3166 country code for public holidays; empty for none.",
        examples=["FR"],
    )
    seats: int | None = Field(
        default=None, ge=0, le=100_000, description="Workstations; None: unlimited.", examples=[80]
    )
    default_patience_seconds: float = Field(
        default=DEFAULT_PATIENCE_SECONDS,
        gt=0,
        le=86_400,
        description=PATIENCE_SETTING,
        examples=[180.0],
    )
    is_simulation: bool = Field(default=False, description=SIMULATION_FLAG, examples=[False])
    unplanned_shrinkage: float = Field(
        default=DEFAULT_UNPLANNED_SHRINKAGE,
        ge=0,
        lt=1,
        description=SHRINKAGE_SETTING,
        examples=[0.1],
    )
    default_language: Language = Field(
        default=DEFAULT_SITE_LANGUAGE, description=LANGUAGE_SETTING, examples=["zh-CN"]
    )
    currency: Currency = Field(
        default=DEFAULT_CURRENCY, description=CURRENCY_SETTING, examples=["CNY"]
    )
    swaps_need_approval: bool = Field(
        default=False, description=SWAP_APPROVAL_SETTING, examples=[False]
    )


class SiteUpdate(Input):
    name: Name | None = Field(default=None, description="New display name.")
    timezone: TimezoneName | None = Field(default=None, description="New IANA timezone.")
    country_code: str | None = Field(
        default=None, pattern=r"^([A-Z]{2})?$", description="New ISO 3166 country code."
    )
    seats: int | None = Field(
        default=None, ge=0, le=100_000, description="New seat count; null: unlimited."
    )
    default_patience_seconds: float | None = Field(
        default=None, gt=0, le=86_400, description="New patience setting, seconds."
    )
    is_simulation: bool | None = Field(
        default=None,
        description="Mark the site a simulation (true) or live (false); a live site's simulated "
        "clock, if any, goes back to the real time.",
    )
    unplanned_shrinkage: float | None = Field(
        default=None, ge=0, lt=1, description="New unplanned shrinkage, [0, 1)."
    )
    default_language: Language | None = Field(
        default=None, description='New default language: "zh-CN" or "en".'
    )
    currency: Currency | None = Field(default=None, description="New ISO 4217 currency code.")
    swaps_need_approval: bool | None = Field(default=None, description=SWAP_APPROVAL_SETTING)


class SiteRead(Output):
    code: str = Field(description="Identifier of the site.", examples=["paris"])
    name: str = Field(description="Display name.", examples=["Paris contact centre"])
    timezone: str = Field(description="IANA timezone.", examples=["Europe/Paris"])
    country_code: str = Field(description="ISO 3166 country code or empty.", examples=["FR"])
    seats: int | None = Field(description="Workstations; null: unlimited.", examples=[80])
    default_patience_seconds: float = Field(description=PATIENCE_SETTING, examples=[180.0])
    is_simulation: bool = Field(description=SIMULATION_FLAG, examples=[False])
    unplanned_shrinkage: float = Field(description=SHRINKAGE_SETTING, examples=[0.1])
    default_language: str = Field(description=LANGUAGE_SETTING, examples=["zh-CN"])
    currency: str = Field(description=CURRENCY_SETTING, examples=["CNY"])
    swaps_need_approval: bool = Field(description=SWAP_APPROVAL_SETTING, examples=[False])
    today: date = Field(
        description="The site's local day by its clock (the real time, or a simulation's clock)."
    )
    week_start: date = Field(
        description="First local day of the site's current week: the published roster's week "
        "that holds today, else the Monday of today's week."
    )
    opening_week_start: date = Field(
        description="The week pages open on: `week_start` when a roster is published for it, "
        "else the latest published week, else `week_start`."
    )
    opening_week_published: bool = Field(
        description="Whether `opening_week_start` has a published roster."
    )

    @classmethod
    def of(cls, site: Site, week: SiteWeek) -> SiteRead:
        return cls(
            code=site.code,
            name=site.name,
            timezone=site.timezone,
            country_code=site.country_code,
            seats=site.seats,
            default_patience_seconds=site.default_patience_seconds,
            is_simulation=site.is_simulation,
            unplanned_shrinkage=site.unplanned_shrinkage,
            default_language=site.default_language,
            currency=site.currency,
            swaps_need_approval=site.swaps_need_approval,
            today=week.today,
            week_start=week.week_start,
            opening_week_start=week.opening_week_start,
            opening_week_published=week.published,
        )


class ShrinkageRead(Output):
    """A site's unplanned shrinkage measured on its agents' rostered days, beside its setting."""

    site: str = Field(description="The site.", examples=["paris"])
    setting: float = Field(
        description="The site's unplanned_shrinkage now (after `applied`).", examples=[0.1]
    )
    applied: bool = Field(description="true when this request wrote the estimate to the setting.")
    first_day: date = Field(description="First local day read.")
    last_day: date = Field(description="Last local day read (yesterday by the site clock).")
    lookback_days: int = Field(description="Local days read.", examples=[28])
    min_agent_days: int = Field(description="Rostered agent-days an estimate needs to be applied.")
    days_without_events: int = Field(
        description="Rostered days on which no agent worked (no ACD feed): left out."
    )
    agent_days: int = Field(description="Rostered agent-days with scheduled work, read.")
    absent_agent_days: int = Field(description="Of them, days with no worked minute.")
    scheduled_work_hours: float = Field(description="Scheduled serve, sell and other work, hours.")
    sufficient: bool = Field(description="Enough agent-days for the estimate to be applied.")
    estimate: float | None = Field(
        description="Share of scheduled work time not available (logged out, not ready, off on "
        "an unplanned break); null without rostered agent-days.",
        examples=[0.097],
    )
    ci95_low: float | None = Field(description="95 % interval, low (agent-days as the unit).")
    ci95_high: float | None = Field(description="95 % interval, high.")
    absence_share: float | None = Field(description="Part of the estimate lost to days absent.")
    lateness_and_aux_share: float | None = Field(
        description="Part of the estimate lost on days worked (late, early out, aux)."
    )


MAX_CALENDAR_DAYS = 1000


class CalendarDaySchema(Input):
    """A day of the site's own calendar, over its country's public holidays and make-up
    working days."""

    day: Day = Field(description="The local date.", examples=["2027-02-20"])
    kind: CalendarDayKind = Field(
        description="holiday (a holiday the country's calendar lacks: a local festival, a "
        "closure), workday (a make-up working day, forecast like a working day) or normal (an "
        "ordinary day of its weekday, whatever the country's calendar says).",
        examples=["workday"],
    )
    name: Text = Field(default="", max_length=200, description="What the day is.")


class CalendarReplace(Input):
    days: list[CalendarDaySchema] = Field(
        max_length=MAX_CALENDAR_DAYS, description="The site's whole calendar: one entry a date."
    )

    @model_validator(mode="after")
    def _distinct(self) -> CalendarReplace:
        seen: set[date] = set()
        for i, entry in enumerate(self.days):
            if entry.day in seen:
                raise ValueError(f"days[{i}].day: {entry.day} is listed twice")
            seen.add(entry.day)
        return self


class CalendarDayRead(Output):
    day: date = Field(description="The local date.")
    kind: CalendarDayKind = Field(description="holiday, workday or normal.")
    name: str = Field(description="What the day is.")


class CalendarYearDay(Output):
    day: date = Field(description="The local date.")
    kind: str = Field(
        description="holiday, workday (make-up working day) or normal (a day the site keeps "
        "ordinary against its country's calendar)."
    )
    name: str = Field(description="The holiday's name, or the site's.")
    source: str = Field(description="country (the holidays package) or site (its own calendar).")


class CalendarYearRead(Output):
    site: str = Field(description="Code of the site.")
    year: int = Field(description="The year shown.")
    country: str = Field(
        description="The country whose calendar is under the site's (empty: none)."
    )
    days: list[CalendarYearDay] = Field(description="The year's special days in date order.")
