"""A realistic roster problem of any size, for demos, tests and the benchmark.

The centre follows the demo centre (docs/demo-centre.md): a Dublin site, voice queues open
07:00-23:00 and chat 08:00-22:00 with a morning and an afternoon peak and a smaller evening one,
busier Mondays and quiet Sundays; two outbound campaigns worth most in the evening; full-time
(37.5 h and 40 h, five days) and part-time (20-24 h, four days) contracts; mixed skills; some
part-timers only available mornings, school hours or evenings and weekends; a little paid leave;
preferences; and last week's final shift for half of the agents. Demand is scaled so that the
requirement uses about 70 % of the paid hours, which leaves room for breaks and selling (a centre
of a handful of agents needs more: every open queue needs someone in every interval).

On 30- and 60-minute grids the breaks and contracts follow the grid (`grid_rules`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np

from scheduling.economics import requirement
from scheduling.problem import (
    Absence,
    AgentSpec,
    AvailabilityWindow,
    BreakRule,
    CallingWindow,
    CampaignSpec,
    Contract,
    Fairness,
    Horizon,
    LastWeek,
    Preference,
    Problem,
    QueueSpec,
    ShiftRules,
    local_datetime_utc,
)
from scheduling.roster import Roster

DEFAULT_START = date(2026, 11, 9)  # a Monday
# The tight centre (`example_problem(tight=True)`): the site's unplanned shrinkage only (breaks
# are rostered), a requirement taking this share of the paid hours, campaigns with this many
# times the hours (selling bounded by service, not by the caps).
TIGHT_SHRINKAGE = 0.10
TIGHT_LOAD_SHARE = 0.67
TIGHT_CAMPAIGN_ROOM = 2.5
SITE_TIMEZONE = "Europe/Dublin"


class _QueueDesign(NamedTuple):
    code: str
    share: float  # of the contacts
    aht_seconds: float
    service_level_target: float
    threshold_seconds: float
    patience_seconds: float
    value: float  # per answered contact
    concurrency: float
    open_from: int  # local hours
    open_until: int


_QUEUES = (
    _QueueDesign("CARE", 0.55, 164.5, 0.80, 20.0, 347.7, 6.0, 1.0, 7, 23),
    _QueueDesign("TECH", 0.28, 203.4, 0.75, 30.0, 434.6, 9.0, 1.0, 7, 23),
    _QueueDesign("CHAT", 0.17, 540.0, 0.80, 60.0, 180.0, 4.0, 2.0, 8, 22),
    _QueueDesign("BILLING", 0.12, 190.0, 0.80, 20.0, 300.0, 7.0, 1.0, 8, 20),
    _QueueDesign("SALES", 0.10, 240.0, 0.80, 20.0, 240.0, 12.0, 1.0, 9, 21),
    _QueueDesign("MOVES", 0.06, 260.0, 0.70, 40.0, 400.0, 8.0, 1.0, 8, 18),
)
_WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 1.0, 0.95, 0.6, 0.45)

FULL_TIME_37_5 = Contract("FT37", 37.5, 37.5, 5, 5, (480,), time(7), time(23))
FULL_TIME_40 = Contract("FT40", 40.0, 40.0, 5, 5, (540,), time(7), time(23))
PART_TIME_24 = Contract("PT24", 20.0, 24.0, 4, 4, (300, 330, 360), time(7), time(23))
PART_TIME_20 = Contract("PT20", 20.0, 20.0, 4, 4, (300,), time(7), time(23))
_CONTRACT_MIX = (
    (FULL_TIME_37_5, 0.40),
    (FULL_TIME_40, 0.30),
    (PART_TIME_24, 0.18),
    (PART_TIME_20, 0.12),
)

BREAK_RULES = (
    BreakRule("break", 15, 90, 150, min_shift_minutes=240, paid=True),
    BreakRule("lunch", 30, 180, 300, min_shift_minutes=420, max_shift_minutes=499, paid=False),
    BreakRule("lunch", 60, 180, 300, min_shift_minutes=500, paid=False),
    BreakRule("break", 15, 360, 420, min_shift_minutes=420, paid=True),
)
# Coarser grids can't hold 15-minute breaks: on half-hours the short breaks take 30 minutes; on
# hours only an hour's unpaid lunch remains, a 37.5-hour week can't be rostered in whole paid
# hours (its 8-hour days pay 7) and part-timers keep the lengths on the hour.
BREAK_RULES_30 = (
    BreakRule("break", 30, 90, 150, min_shift_minutes=240, paid=True),
    BreakRule("lunch", 30, 180, 300, min_shift_minutes=420, max_shift_minutes=499, paid=False),
    BreakRule("lunch", 60, 180, 300, min_shift_minutes=500, paid=False),
    BreakRule("break", 30, 360, 420, min_shift_minutes=420, paid=True),
)
BREAK_RULES_60 = (BreakRule("lunch", 60, 180, 300, min_shift_minutes=420, paid=False),)
_CONTRACT_MIX_60 = (
    (replace(FULL_TIME_37_5, weekly_paid_hours_min=35.0, weekly_paid_hours_max=37.5), 0.40),
    (FULL_TIME_40, 0.30),
    (replace(PART_TIME_24, shift_lengths_minutes=(300, 360)), 0.18),
    (PART_TIME_20, 0.12),
)


def grid_rules(
    interval_minutes: int,
) -> tuple[tuple[BreakRule, ...], tuple[tuple[Contract, float], ...]]:
    """The example's break rules and contract mix (contract, share of agents) on a grid."""
    if interval_minutes == 15:
        return BREAK_RULES, _CONTRACT_MIX
    if interval_minutes == 30:
        return BREAK_RULES_30, _CONTRACT_MIX
    return BREAK_RULES_60, _CONTRACT_MIX_60


_AVAILABILITY = {
    "mornings": tuple(AvailabilityWindow(d, time(7), time(14)) for d in range(6)),
    "school_hours": tuple(AvailabilityWindow(d, time(9, 30), time(14, 30)) for d in range(5)),
    "evenings_and_weekends": tuple(AvailabilityWindow(d, time(16), time(23)) for d in range(5))
    + (AvailabilityWindow(5, time(7), time(23)), AvailabilityWindow(6, time(7), time(23))),
    "no_sundays": tuple(AvailabilityWindow(d, time(7), time(23)) for d in range(6)),
}


def _hourly(spans: list[tuple[int, int, float]]) -> tuple[float, ...]:
    by_hour = [0.0] * 24
    for first, end, value in spans:
        for hour in range(first, end):
            by_hour[hour] = value
    return tuple(by_hour)


def _campaigns(count: int, scale: float, room: float = 1.0) -> tuple[CampaignSpec, ...]:
    weekdays = range(5)
    designs = [
        CampaignSpec(
            code="UPGRADE",
            name="Fibre upgrade offers",
            value_per_productive_hour_by_hour=_hourly(
                [(9, 12, 30.0), (12, 14, 36.0), (14, 17, 30.0), (17, 20, 58.0), (20, 21, 46.0)]
            ),
            calling_hours=tuple(CallingWindow(d, time(9), time(21)) for d in weekdays)
            + (CallingWindow(5, time(10), time(17)),),
            min_hours_per_week=round(40.0 * scale, 1),
            max_hours_per_week=round(420.0 * scale * room, 1),
            efficiency=0.8,
        ),
        CampaignSpec(
            code="NPS",
            name="Customer satisfaction survey",
            value_per_productive_hour_by_hour=_hourly([(10, 17, 14.0), (17, 20, 16.0)]),
            calling_hours=tuple(CallingWindow(d, time(10), time(20)) for d in weekdays)
            + (CallingWindow(5, time(10), time(14)),),
            min_hours_per_week=0.0,
            max_hours_per_week=round(120.0 * scale * room, 1),
            efficiency=0.75,
        ),
        CampaignSpec(
            code="RETAIN",
            name="Retention callbacks",
            value_per_productive_hour_by_hour=_hourly([(9, 18, 40.0), (18, 20, 44.0)]),
            calling_hours=tuple(CallingWindow(d, time(9), time(20)) for d in range(6)),
            min_hours_per_week=0.0,
            max_hours_per_week=round(80.0 * scale * room, 1),
            efficiency=0.7,
        ),
    ]
    return tuple(
        designs[i % 3]
        if i < 3
        else replace(
            designs[i % 3], code=f"{designs[i % 3].code}{i // 3 + 1}", min_hours_per_week=0.0
        )
        for i in range(count)
    )


def _counts(total: int, shares: list[float]) -> list[int]:
    exact = [total * share / sum(shares) for share in shares]
    counts = [math.floor(value) for value in exact]
    order = sorted(range(len(shares)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _skill_mix(queue_codes: list[str]) -> list[tuple[tuple[str, ...], float]]:
    if len(queue_codes) == 1:
        return [((queue_codes[0],), 1.0)]
    if len(queue_codes) == 2:
        main, second = queue_codes
        return [((main,), 0.5), ((second,), 0.25), ((main, second), 0.25)]
    main, second, third = queue_codes[:3]
    mix = [
        ((main,), 0.35),
        ((second,), 0.12),
        ((main, second), 0.23),
        ((main, third), 0.10),
        ((third,), 0.10),
        ((main, second, third), 0.10),
    ]
    for extra in queue_codes[3:]:
        mix.append(((main, extra), 0.08))
        mix.append(((extra,), 0.04))
    return mix


def example_problem(
    agents: int = 200,
    *,
    queues: int = 3,
    campaigns: int = 2,
    seed: int = 1,
    start_date: date = DEFAULT_START,
    days: int = 7,
    interval_minutes: int = 15,
    timezone: str = SITE_TIMEZONE,
    shrinkage: float | None = None,
    load_share: float | None = None,
    tight: bool = False,
) -> Problem:
    """A realistic problem; `ValueError` naming the argument for out-of-range input.

    `tight`: a centre where the optimizer must trade service against selling: 10 % unplanned
    shrinkage, the requirement at `TIGHT_LOAD_SHARE` of the paid hours (the weekday-morning peak
    needs about everyone at work) and campaigns with `TIGHT_CAMPAIGN_ROOM` times the hours, so
    that selling is bounded by service, not by the campaigns' caps (see `tightness`). Otherwise
    no shrinkage and the requirement at 70 % of the paid hours."""
    _check_arguments(agents, queues, campaigns, seed, interval_minutes)
    if shrinkage is None:
        shrinkage = TIGHT_SHRINKAGE if tight else 0.0
    if load_share is None:
        load_share = TIGHT_LOAD_SHARE if tight else 0.70
    rng = np.random.default_rng(seed)
    campaign_specs = _campaigns(campaigns, agents / 120.0, TIGHT_CAMPAIGN_ROOM if tight else 1.0)
    queue_designs = _QUEUES[:queues]
    break_rules, contract_mix = grid_rules(interval_minutes)
    week = _Week(start_date, days, ZoneInfo(timezone))
    people = _agents(
        rng,
        agents,
        contract_mix,
        [design.code for design in queue_designs],
        [campaign.code for campaign in campaign_specs],
        week,
    )
    base = Problem(
        site_code="EX",
        timezone=timezone,
        horizon=Horizon(start_date=start_date, days=days, interval_minutes=interval_minutes),
        queues=(),
        agents=tuple(people),
        campaigns=campaign_specs,
        shift_rules=ShiftRules(start_step_minutes=max(30, interval_minutes), breaks=break_rules),
        shrinkage=shrinkage,
        fairness=Fairness(
            weekend_weekdays=(5, 6), late_start_from_local=time(14), weight_per_shift=5.0
        ),
        name=f"example{' (tight)' if tight else ''}: {agents} agents, {queues} queues, "
        f"{campaigns} campaigns, seed {seed}",
    )
    shapes = _demand_shapes(rng, base, queue_designs)
    return _with_queues(base, _queues_for_load(base, queue_designs, shapes, load_share))


def _check_arguments(
    agents: int, queues: int, campaigns: int, seed: int, interval_minutes: int
) -> None:
    if agents < 1:
        raise ValueError(f"agents must be >= 1, got {agents}")
    if not 1 <= queues <= len(_QUEUES):
        raise ValueError(f"queues must be between 1 and {len(_QUEUES)}, got {queues}")
    if not 0 <= campaigns <= 6:
        raise ValueError(f"campaigns must be between 0 and 6, got {campaigns}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if interval_minutes not in (15, 30, 60):
        raise ValueError(f"interval_minutes must be 15, 30 or 60, got {interval_minutes}")


class _Week(NamedTuple):
    start_date: date
    days: int
    zone: ZoneInfo


def _agents(
    rng: np.random.Generator,
    count: int,
    contract_mix: tuple[tuple[Contract, float], ...],
    queue_codes: list[str],
    campaign_codes: list[str],
    week: _Week,
) -> list[AgentSpec]:
    """The agents: contracts and queue skills dealt out by their shares in a random order, then
    each agent's campaigns, availability, absences, preferences and last week drawn in turn."""
    contract_counts = _counts(count, [share for _, share in contract_mix])
    contracts = [
        contract
        for (contract, _), number in zip(contract_mix, contract_counts, strict=True)
        for _ in range(number)
    ]
    mix = _skill_mix(queue_codes)
    skills = [
        skill
        for (skill, _), number in zip(mix, _counts(count, [share for _, share in mix]), strict=True)
        for _ in range(number)
    ]
    contract_order = rng.permutation(count)
    skill_order = rng.permutation(count)
    people: list[AgentSpec] = []
    for i in range(count):
        contract = contracts[int(contract_order[i])]
        queue_skills = skills[int(skill_order[i])]
        chat_only = queue_skills == ("CHAT",)
        sells = tuple(
            code
            for j, code in enumerate(campaign_codes)
            if not chat_only and rng.random() < (0.40 if j == 0 else 0.30)
        )
        availability = _availability(rng, contract)
        time_off, unavailable = _absences(rng, contract, week)
        preferences = _preferences(rng)
        last_week = _last_week(rng, contract, week)
        people.append(
            AgentSpec(
                code=f"A{i + 1:04d}",
                name=f"Agent {i + 1}",
                contract=contract,
                queue_skills=queue_skills,
                campaign_skills=sells,
                availability=availability,
                unavailable=unavailable,
                time_off=time_off,
                preferences=preferences,
                last_week=last_week,
            )
        )
    return people


def _availability(rng: np.random.Generator, contract: Contract) -> tuple[AvailabilityWindow, ...]:
    """Some full-timers never on Sundays; part-timers mornings, school hours, or evenings and
    weekends; everyone else whenever the contract allows."""
    draw = rng.random()
    if contract.code in ("FT37", "FT40"):
        if draw < 0.15:
            return _AVAILABILITY["no_sundays"]
    elif draw < 0.25:
        return _AVAILABILITY["mornings"]
    elif draw < 0.35:
        return _AVAILABILITY["school_hours"]
    elif draw < 0.60:
        return _AVAILABILITY["evenings_and_weekends"]
    return ()


def _absences(
    rng: np.random.Generator, contract: Contract, week: _Week
) -> tuple[tuple[Absence, ...], tuple[Absence, ...]]:
    """Paid annual leave of a day or two for a few agents, a two-hour appointment for a few
    others. Returns (time off, unavailable)."""
    draw = rng.random()
    if draw < 0.06 and week.days >= 3:
        first = int(rng.integers(0, week.days - 1))
        length = int(rng.integers(1, 3))
        begin = week.start_date + timedelta(days=first)
        daily = contract.weekly_paid_hours_max / contract.days_per_week_max
        leave = Absence(
            start_utc=local_datetime_utc(begin, time(0), week.zone),
            end_utc=local_datetime_utc(begin + timedelta(days=length), time(0), week.zone),
            paid_hours=round(daily * length, 2),
            reason="annual_leave",
        )
        return (leave,), ()
    if draw < 0.10:
        day = week.start_date + timedelta(days=int(rng.integers(0, week.days)))
        hour = int(rng.integers(9, 16))
        appointment = Absence(
            start_utc=local_datetime_utc(day, time(hour), week.zone),
            end_utc=local_datetime_utc(day, time(hour + 2), week.zone),
            reason="appointment",
        )
        return (), (appointment,)
    return (), ()


def _preferences(rng: np.random.Generator) -> tuple[Preference, ...]:
    """A day off wanted on one weekday for some agents, a start between 08:00 and 11:00 for
    some."""
    preferences: list[Preference] = []
    if rng.random() < 0.2:
        preferences.append(Preference("day_off", weight=2.0, weekdays=(int(rng.integers(0, 7)),)))
    if rng.random() < 0.15:
        preferences.append(
            Preference(
                "start_between",
                weight=1.0,
                earliest_start_local=time(8),
                latest_start_local=time(11),
            )
        )
    return tuple(preferences)


def _last_week(rng: np.random.Generator, contract: Contract, week: _Week) -> LastWeek | None:
    """For half of the agents, a final shift last Sunday and a run of days up to it."""
    if rng.random() >= 0.5:
        return None
    sunday = week.start_date - timedelta(days=1)
    start_hour = int(rng.integers(7, 15))
    begin = local_datetime_utc(sunday, time(start_hour), week.zone)
    return LastWeek(
        final_shift_start_utc=begin,
        final_shift_end_utc=begin + timedelta(minutes=contract.shift_lengths_minutes[0]),
        consecutive_days_worked=int(rng.integers(1, 6)),
    )


def _demand_shapes(
    rng: np.random.Generator, base: Problem, queue_designs: tuple[_QueueDesign, ...]
) -> list[np.ndarray]:
    """Each queue's contacts per interval up to scale: a morning, an afternoon and an evening
    peak, by weekday, with noise, in its share of the contacts and zero while it is closed."""
    zone = base.zone
    step = base.horizon.interval_minutes
    total = base.interval_count
    starts = [base.start_utc + timedelta(minutes=step * i) for i in range(total)]
    local = [start.astimezone(zone) for start in starts]
    hours = np.array([clock.hour + clock.minute / 60.0 + step / 120.0 for clock in local])
    weekday = np.array([clock.weekday() for clock in local])
    shares = np.array([design.share for design in queue_designs])
    shares = shares / shares.sum()
    noise = rng.lognormal(0.0, 0.08, size=(len(queue_designs), total))
    shapes = []
    for i, design in enumerate(queue_designs):
        curve = (
            np.exp(-0.5 * ((hours - 10.5) / 1.6) ** 2)
            + 0.85 * np.exp(-0.5 * ((hours - 14.5) / 1.8) ** 2)
            + 0.45 * np.exp(-0.5 * ((hours - 19.5) / 1.5) ** 2)
            + 0.08
        )
        is_open = (hours >= design.open_from) & (hours < design.open_until)
        factor = np.array([_WEEKDAY_FACTOR[day] for day in weekday])
        shapes.append(np.where(is_open, curve * factor * noise[i] * shares[i], 0.0))
    return shapes


def _queues_for_load(
    base: Problem,
    queue_designs: tuple[_QueueDesign, ...],
    shapes: list[np.ndarray],
    load_share: float,
) -> tuple[QueueSpec, ...]:
    """The queues, their volume scaled (a few rounds) until the requirement uses `load_share`
    of the agents' paid hours."""
    step = base.horizon.interval_minutes
    total = base.interval_count
    paid_hours = (
        sum(agent.contract.weekly_paid_hours_max for agent in base.agents) * base.horizon.days / 7.0
    )
    target_agent_hours = load_share * paid_hours
    volume = 40.0 * len(base.agents)  # contacts per unit of shape; refined below
    queue_specs: tuple[QueueSpec, ...] = ()
    for _ in range(4):
        queue_specs = tuple(
            QueueSpec(
                code=design.code,
                name=design.code.title(),
                service_level_target=design.service_level_target,
                service_threshold_seconds=design.threshold_seconds,
                patience_seconds=design.patience_seconds,
                value_per_answered_contact=design.value,
                concurrency=design.concurrency,
                max_occupancy=0.85 if design.concurrency == 1.0 else 0.9,
                contacts=tuple(float(round(count, 3)) for count in volume * shapes[i]),
                aht_seconds=tuple([design.aht_seconds] * total),
            )
            for i, design in enumerate(queue_designs)
        )
        probe = _with_queues(base, queue_specs)
        required_hours = sum(
            float(requirement(probe, queue).sum()) * step / 60.0 for queue in queue_specs
        )
        if required_hours <= 0:
            break
        ratio = target_agent_hours / required_hours
        if abs(ratio - 1.0) < 0.01:
            break
        volume *= ratio
    return queue_specs


def _with_queues(problem: Problem, queues: tuple[QueueSpec, ...]) -> Problem:
    return replace(problem, queues=queues)


# --------------------------------------------------------------------------------------------
# How tight a roster is: where selling won over a thinner service margin


THIN_MARGIN_AGENTS = 1  # a queue at most this many agents above its requirement is thin


@dataclass(frozen=True)
class SellOverService:
    """An interval where agents sell while a queue they could serve is at (or just above) its
    requirement: the roster chose selling over a thicker service margin there."""

    start_utc: datetime
    local_hour: str  # "Mon 18:00"
    queue_code: str
    required: int
    serving: int
    sellers_skilled: int  # sellers then who are skilled for the queue
    sell_value_per_hour: float  # the best campaign value an agent earns then (x efficiency)
    service_level: float
    service_level_with_sellers: float  # had the skilled sellers served the queue
    answer_rate: float
    answer_rate_with_sellers: float


@dataclass(frozen=True)
class Tightness:
    """Requirement against serving and selling, per interval, recomputed from a roster's
    activities (not from the optimizer's report)."""

    peak_required: int  # the most agents all queues need at once
    peak_required_at: datetime
    peak_serving: int  # the most agents serving at once
    peak_serving_at: datetime
    required_hours: float
    serving_hours: float
    selling_hours: float
    selling_over_service: tuple[SellOverService, ...]
    # intervals inside a campaign's calling hours where nobody sells although agents skilled for
    # a campaign are at work, and the queues get no more than they need: the peaks that pull
    # everyone to serve
    everyone_serves_intervals: int

    def hours(self) -> list[tuple[str, str, int, float]]:
        """(local hour, queue, intervals, mean sellers skilled) of the selling-over-service
        intervals, grouped by local hour and queue, in time order."""
        grouped: dict[tuple[str, str], list[SellOverService]] = {}
        for item in self.selling_over_service:
            grouped.setdefault((item.local_hour, item.queue_code), []).append(item)
        return [
            (hour, queue, len(items), sum(i.sellers_skilled for i in items) / len(items))
            for (hour, queue), items in grouped.items()
        ]


def _activity_counts(problem: Problem, roster: Roster) -> tuple[dict[str, np.ndarray], list]:
    """Agents serving each queue per interval, and per interval the (agent, campaign) pairs
    selling, read from the roster's activities at each interval's middle."""
    total = problem.interval_count
    step = timedelta(minutes=problem.horizon.interval_minutes)
    start = problem.start_utc
    serving = {q.code: np.zeros(total, dtype=np.int64) for q in problem.queues}
    selling: list[list[tuple[str, str]]] = [[] for _ in range(total)]
    for shift in roster.shifts:
        for span in shift.activities:
            kind, _, code = span.activity.partition(":")
            if kind not in ("serve", "sell"):
                continue
            first = max(0, math.ceil((span.start_utc - start - step / 2) / step))
            last = min(total, math.ceil((span.end_utc - start - step / 2) / step))
            for t in range(first, last):
                if kind == "serve" and code in serving:
                    serving[code][t] += 1
                elif kind == "sell":
                    selling[t].append((shift.agent_code, code))
    return serving, selling


def tightness(problem: Problem, roster: Roster) -> Tightness:
    """Where the roster sells while a queue sits at or near its requirement (`Tightness`)."""
    total = problem.interval_count
    hours = problem.interval_hours
    serving, selling = _activity_counts(problem, roster)
    skills = {agent.code: set(agent.queue_skills) for agent in problem.agents}
    campaign_skills = {agent.code: set(agent.campaign_skills) for agent in problem.agents}
    campaigns = {c.code: c for c in problem.campaigns}
    zone = problem.zone
    required = {q.code: requirement(problem, q) for q in problem.queues}
    need = np.sum([required[q.code] for q in problem.queues], axis=0)
    serve_all = np.sum([serving[q.code] for q in problem.queues], axis=0)
    working = _working_agents(problem, roster)
    items: list[SellOverService] = []
    everyone_serves = 0
    for t in range(total):
        start = problem.interval_start_utc(t)
        local = start.astimezone(zone)
        sellers = selling[t]
        open_campaigns = [
            c
            for c in problem.campaigns
            if c.value_per_productive_hour_by_hour[local.hour] > 0
            and any(
                w.weekday == local.weekday()
                and w.start_local <= local.time()
                and local.time() < w.end_local
                for w in c.calling_hours
            )
        ]
        if not sellers and open_campaigns and need[t] > 0 and serve_all[t] <= need[t]:
            able = {c.code for c in open_campaigns}
            if any(campaign_skills[a] & able for a in working[t]):
                everyone_serves += 1
        if not sellers:
            continue
        best = max(
            campaigns[c].value_per_productive_hour_by_hour[local.hour] * campaigns[c].efficiency
            for _, c in sellers
        )
        for q in problem.queues:
            r, k = int(required[q.code][t]), int(serving[q.code][t])
            if r <= 0 or k - r > THIN_MARGIN_AGENTS or q.contacts is None:
                continue
            skilled = sum(1 for a, _ in sellers if q.code in skills[a])
            if skilled == 0:
                continue
            model = q.model(problem.horizon.interval_minutes)
            calls = float(q.contacts[t])
            aht = float(q.aht_seconds[t]) if q.aht_seconds is not None else 0.0
            kpis = model.kpis_under_absence(
                [calls, calls], [aht, aht], [k, k + skilled], problem.shrinkage
            )
            assert kpis.answer_rate is not None
            items.append(
                SellOverService(
                    start_utc=start,
                    local_hour=local.strftime("%a %H:00"),
                    queue_code=q.code,
                    required=r,
                    serving=k,
                    sellers_skilled=skilled,
                    sell_value_per_hour=float(best),
                    service_level=float(kpis.service_level[0]),
                    service_level_with_sellers=float(kpis.service_level[1]),
                    answer_rate=float(kpis.answer_rate[0]),
                    answer_rate_with_sellers=float(kpis.answer_rate[1]),
                )
            )
    selling_hours = sum(len(s) for s in selling) * hours
    return Tightness(
        peak_required=int(need.max()) if total else 0,
        peak_required_at=problem.interval_start_utc(int(need.argmax())),
        peak_serving=int(serve_all.max()) if total else 0,
        peak_serving_at=problem.interval_start_utc(int(serve_all.argmax())),
        required_hours=float(need.sum()) * hours,
        serving_hours=float(serve_all.sum()) * hours,
        selling_hours=float(selling_hours),
        selling_over_service=tuple(items),
        everyone_serves_intervals=everyone_serves,
    )


def _working_agents(problem: Problem, roster: Roster) -> list[set[str]]:
    """Per interval, the agents at work (on shift, not on a break or lunch) at its middle."""
    total = problem.interval_count
    step = timedelta(minutes=problem.horizon.interval_minutes)
    out: list[set[str]] = [set() for _ in range(total)]
    for shift in roster.shifts:
        for t in range(total):
            middle = problem.interval_start_utc(t) + step / 2
            if not shift.start_utc <= middle < shift.end_utc:
                continue
            if any(b.start_utc <= middle < b.end_utc for b in shift.breaks):
                continue
            out[t].add(shift.agent_code)
    return out
