"""Schemas of KPI reports."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from api.schemas import Output


class KpiValuesRead(Output):
    offered: int = Field(
        description="Offered = answered + abandoned (short abandons excluded "
        "unless include_short_abandons)."
    )
    answered: int = Field(description="Contacts answered.")
    abandoned: int = Field(description="Abandons counted (same short-abandon rule).")
    answer_rate: float | None = Field(description="answered / offered; null without contacts.")
    abandon_rate: float | None = Field(description="abandoned / offered.")
    service_level: float | None = Field(
        description="Answered within the threshold / offered (or / answered with "
        "service_level_variant=ignore_abandons)."
    )
    asa_seconds: float | None = Field(description="Average speed of answer: wait / answered.")
    aht_seconds: float | None = Field(description="Average handle time: handle / answered.")
    occupancy: float | None = Field(
        description="Handle time / agent time the published schedule puts on serving the "
        "queue; null where no published schedule covers the period."
    )


class KpiPointRead(Output):
    period: str = Field(
        description="Local date of the day, week (Monday) or month (1st), or local date-time "
        "of the interval.",
        examples=["2025-03-03"],
    )
    period_start_utc: datetime = Field(description="Start of the period, UTC.")
    intervals: int = Field(description="Intervals of history in the period.")
    kpis: KpiValuesRead = Field(description="The KPIs of the period.")


class KpiSeriesRead(Output):
    queue_code: str | None = Field(description="Queue; null for all the report's queues.")
    intervals: int = Field(description="Intervals of history over the whole report.")
    total: KpiValuesRead = Field(description="KPIs over the whole report.")
    points: list[KpiPointRead] = Field(description="KPIs per period, in time order.")


class KpiReportRead(Output):
    site_code: str = Field(description="Site.")
    timezone: str = Field(description="Timezone the periods are in.")
    granularity: str = Field(description="interval, day, week or month.")
    start: date = Field(description="First local day (inclusive).")
    end: date = Field(description="Last local day (exclusive).")
    include_short_abandons: bool = Field(description="Short abandons counted in offered.")
    service_level_variant: str = Field(description="How abandons count in service level.")
    series: list[KpiSeriesRead] = Field(description="One series per queue.")
    overall: KpiSeriesRead = Field(description="All the report's queues together.")


class AccuracyRead(Output):
    queue_code: str = Field(description="Queue.")
    period: str = Field(description="day or week.")
    period_start: date = Field(description="Local start of the period.")
    actual_offered: float = Field(description="Contacts that arrived.")
    forecast_offered: float = Field(description="Contacts forecast.")
    wmape: float = Field(description="Sum |actual - forecast| / sum actual.")
    accuracy_percent: float = Field(description="100 - 100 x WMAPE.")


class AccuracyReportRead(Output):
    site_code: str = Field(description="Site.")
    forecast_run_id: int | None = Field(description="Run scored; null when none has scores.")
    version: int | None = Field(description="Version of that run.")
    overall_accuracy_percent: float | None = Field(
        description="100 - WMAPE over every scored day of the run."
    )
    periods: list[AccuracyRead] = Field(description="Scores per queue and period.")


class OutboundCampaignRead(Output):
    campaign_code: str = Field(description="Campaign.")
    sell_hours: float = Field(description="Hours scheduled to sell on it.")
    productive_hours: float = Field(description="sell hours x efficiency.")
    value: float = Field(
        description="Productive hours x value per productive hour, by local hour of day."
    )


class OutboundReportRead(Output):
    site_code: str = Field(description="Site.")
    week_start: date = Field(description="Week of the schedule.")
    schedule_id: int | None = Field(description="Schedule read; null when the week has none.")
    status: str | None = Field(description="Its status (published, or draft when asked).")
    sell_hours: float = Field(description="All campaigns.")
    value: float = Field(description="All campaigns.")
    campaigns: list[OutboundCampaignRead] = Field(description="Per campaign.")
