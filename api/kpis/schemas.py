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
        description="Productive hours x value per productive hour, by local hour of day: the "
        "schedule evaluation's figure."
    )
    value_source: str = Field(
        description="Where its values per productive hour come from, as the schedule "
        "evaluation says: 'estimated: ...' from the dialer attempts, or 'typed: ...' and why."
    )


class OutboundReportRead(Output):
    site_code: str = Field(description="Site.")
    week_start: date = Field(description="Week of the schedule.")
    schedule_id: int | None = Field(description="Schedule read; null when the week has none.")
    status: str | None = Field(description="Its status (published, or draft when asked).")
    sell_hours: float = Field(description="All campaigns.")
    value: float = Field(description="All campaigns.")
    campaigns: list[OutboundCampaignRead] = Field(description="Per campaign.")


class ReasonPeriodRead(Output):
    period: str = Field(
        description="Local date of the day, week (Monday) or month (1st).", examples=["2025-03-03"]
    )
    period_start_utc: datetime = Field(
        description="Start of the period, UTC (the first period and the last may be clipped "
        "to the report's range).",
        examples=["2025-03-02T23:00:00Z"],
    )
    contacts_with_reason: int = Field(
        description="Contacts whose reason was recorded in the period (every reason).",
        examples=[1840],
    )


class ReasonPointRead(Output):
    period: str = Field(description="Local date of the period.", examples=["2025-03-03"])
    count: int = Field(description="Contacts of this reason in the period.", examples=[612])
    share: float | None = Field(
        description="count / contacts with a recorded reason in the period; null when none.",
        examples=[0.3326],
    )


class ContactReasonRead(Output):
    reason: str = Field(description="Reason as the ACD or CRM recorded it.", examples=["billing"])
    rank: int = Field(description="1 for the most frequent reason (ties by name).", examples=[1])
    count: int = Field(description="Contacts of this reason over the range.", examples=[4213])
    share: float | None = Field(
        description="count / contacts with a recorded reason over the range (fraction).",
        examples=[0.3351],
    )
    previous_count: int = Field(
        description="Contacts of this reason over the previous range.", examples=[3977]
    )
    previous_share: float | None = Field(
        description="Its share over the previous range; null when that range recorded no reasons.",
        examples=[0.3262],
    )
    count_change: int = Field(description="count - previous_count.", examples=[236])
    count_change_ratio: float | None = Field(
        description="(count - previous_count) / previous_count; null when previous_count is 0.",
        examples=[0.0593],
    )
    share_change: float | None = Field(
        description="share - previous_share, in fraction points (0.01 = one percentage point); "
        "null when either is null.",
        examples=[0.0089],
    )
    points: list[ReasonPointRead] = Field(
        description="Count and share per period, one for each of the report's `periods`."
    )


class ContactReasonReportRead(Output):
    """Top contact reasons over local days [start, end) and their trend; no recorded reasons
    give an empty `reasons` list, not an error."""

    site_code: str = Field(description="Site.", examples=["demo"])
    timezone: str = Field(description="Timezone the periods are in.", examples=["Europe/Paris"])
    granularity: str = Field(description="day, week or month.", examples=["week"])
    start: date = Field(description="First local day (inclusive).", examples=["2025-03-03"])
    end: date = Field(description="Last local day (exclusive).", examples=["2025-03-31"])
    previous_start: date = Field(
        description="First day of the previous range: as many days as [start, end), just "
        "before start.",
        examples=["2025-02-03"],
    )
    previous_end: date = Field(
        description="End (exclusive) of the previous range, = start.", examples=["2025-03-03"]
    )
    queue_codes: list[str] = Field(
        description="Queues counted (the site's, or those asked for).", examples=[["CARE"]]
    )
    top: int = Field(description="Most reasons listed.", examples=[10])
    contacts_with_reason: int = Field(
        description="Contacts whose reason was recorded over the range: the denominator of "
        "every share.",
        examples=[12572],
    )
    previous_contacts_with_reason: int = Field(
        description="The same over the previous range.", examples=[12190]
    )
    reasons_recorded: int = Field(
        description="Distinct reasons over the range (listed or not).", examples=[14]
    )
    outside_top_count: int = Field(
        description="Contacts of the reasons beyond the top ones.", examples=[312]
    )
    periods: list[ReasonPeriodRead] = Field(description="The periods of the trend, in order.")
    reasons: list[ContactReasonRead] = Field(
        description="The top reasons, most frequent first; empty when no reason was recorded."
    )


class AdherenceTotalsRead(Output):
    agents: int = Field(description="Agents with scheduled time in the span so far.", examples=[41])
    scheduled_minutes: float = Field(
        description="Scheduled minutes elapsed (breaks and lunches included).", examples=[14400.0]
    )
    adherent_minutes: float = Field(
        description="Of them, minutes doing what the plan says (within the tolerance).",
        examples=[12960.0],
    )
    scheduled_work_minutes: float = Field(
        description="Scheduled minutes planned as serve, sell or other.", examples=[12600.0]
    )
    worked_minutes: float = Field(
        description="Minutes logged in and not on a break or lunch, scheduled or not.",
        examples=[12348.0],
    )
    adherence: float | None = Field(
        description="adherent / scheduled minutes (fraction); null without scheduled time.",
        examples=[0.9],
    )
    conformance: float | None = Field(
        description="worked / scheduled work minutes (fraction, may exceed 1); null without "
        "scheduled work.",
        examples=[0.98],
    )


class AdherenceDayRead(AdherenceTotalsRead):
    day: date = Field(description="Local day.", examples=["2025-03-03"])


class AdherenceTeamRead(AdherenceTotalsRead):
    team: str = Field(
        description="The agents' team; empty: agents without a team, grouped by their queue "
        "skills.",
        examples=["Team 01"],
    )
    queue_codes: list[str] = Field(
        description="A named team: its agents' queue skills together; no team: the group's "
        "queue skills, exactly (empty: none).",
        examples=[["CARE", "CHAT"]],
    )


class AdherenceQueueRead(AdherenceTotalsRead):
    queue_code: str = Field(description="Queue: the agents skilled on it.", examples=["CARE"])


class AdherenceRangeRead(Output):
    """Adherence and conformance over local days [start, end), elapsed time only."""

    site_code: str = Field(description="Site.", examples=["DUB"])
    timezone: str = Field(description="Timezone of the local days.", examples=["Europe/Dublin"])
    start: date = Field(description="First local day (inclusive).", examples=["2025-03-03"])
    end: date = Field(description="Last local day (exclusive).", examples=["2025-03-10"])
    as_of_utc: datetime = Field(
        description="The site clock's now: time after it has not happened and is not counted."
    )
    tolerance_seconds: float = Field(
        description="Tolerance around each planned change.", examples=[60.0]
    )
    agents_reporting: int = Field(
        description="Agents with a state event in the range: 0 means no state feed, so every "
        "scheduled minute counts as logged out.",
        examples=[119],
    )
    total: AdherenceTotalsRead = Field(description="Every agent of the site.")
    days: list[AdherenceDayRead] = Field(description="The range's local days begun so far.")
    teams: list[AdherenceTeamRead] = Field(
        description="Agents by team (without one: by their queue skills); each agent in one."
    )
    queues: list[AdherenceQueueRead] = Field(
        description="Per queue, the agents skilled on it (an agent of two queues in both)."
    )


class PlanAgainstActualRead(Output):
    forecast_offered: float = Field(
        description="Contacts the roster was planned for (the forecast with its adjustments).",
        examples=[5803.9],
    )
    offered: int = Field(description="Contacts offered (short abandons left out).", examples=[5269])
    predicted_answer_rate: float | None = Field(
        description="The roster's predicted answer rate, weighted by the forecast contacts; "
        "null when the queue model predicts none (Erlang C) or nothing was forecast.",
        examples=[0.9636],
    )
    answer_rate: float | None = Field(
        description="answered / offered; null without contacts.", examples=[0.9687]
    )
    answer_rate_difference: float | None = Field(
        description="answer_rate - predicted_answer_rate (fraction points).", examples=[0.0051]
    )
    predicted_service_level: float | None = Field(
        description="The roster's predicted service level (answered within the threshold / "
        "offered), weighted by the forecast contacts.",
        examples=[0.8353],
    )
    service_level: float | None = Field(
        description="Answered within the threshold / offered.", examples=[0.889]
    )
    service_level_difference: float | None = Field(
        description="service_level - predicted_service_level.", examples=[0.0537]
    )


class PlanQueueRead(PlanAgainstActualRead):
    queue_code: str = Field(description="Queue.", examples=["CARE"])


class PlanDayRead(PlanAgainstActualRead):
    day: date = Field(description="Local day.", examples=["2025-03-04"])
    schedule_id: int = Field(description="The published schedule covering the day.")
    queues: list[PlanQueueRead] = Field(description="Each queue that day.")


class PlanScheduleRead(Output):
    schedule_id: int = Field(description="Published schedule.")
    week_start: date = Field(description="Its week's first day.")
    version: int = Field(description="Its version.")


class PlanAccuracyRead(Output):
    """The published rosters' plan against what happened, per local day and queue."""

    site_code: str = Field(description="Site.", examples=["DUB"])
    timezone: str = Field(description="Timezone of the local days.", examples=["Europe/Dublin"])
    start: date = Field(description="First local day (inclusive).", examples=["2025-03-03"])
    end: date = Field(description="Last local day (exclusive).", examples=["2025-03-10"])
    today: date = Field(
        description="The site clock's local day: it and later days are not compared."
    )
    schedules: list[PlanScheduleRead] = Field(
        description="The published schedules whose weeks overlap the days before today."
    )
    days: list[PlanDayRead] = Field(
        description="The days compared: ended, covered by a published roster, with history."
    )
    queues: list[PlanQueueRead] = Field(description="Each queue over the days compared.")
    total: PlanAgainstActualRead = Field(description="Every queue over the days compared.")
