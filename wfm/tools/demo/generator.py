"""The synthetic demo contact centre: a pure function of its arguments and seed.

`generate_demo_centre` builds a one-site centre in Dublin (Europe/Dublin, Irish public holidays
from the `holidays` package, country IE): three inbound queues (two voice, one chat), two outbound
campaigns aimed at revenue segments, agents on full- and part-time contracts with skills,
availability windows and time off, and per-interval ACD history. The history's shape (intraday,
weekly, annual, holidays, day-to-day noise) and its handle times and patience are calibrated on
real call-centre data (see `wfm.tools.demo.calibration`); the queueing outcomes come from each
queue's `QueueModel` (Erlang A) at a simulated historical staffing level. Nothing here reads the
clock, the network or any file, so the same arguments always give the same centre.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from wfm.domain import (
    Agent,
    Availability,
    CallingWindow,
    Campaign,
    CampaignKind,
    Channel,
    Contract,
    IntervalRecord,
    Queue,
    Segment,
    Site,
    TimeOff,
)
from wfm.domain.dialer import Callback
from wfm.domain.queue_model import QueueModel
from wfm.tools.demo import calibration as cal
from wfm.tools.demo.outbound import demo_callbacks, demo_centre_outbound

# The last day of history when no end date is given: Sunday 8 November 2026, the Sunday before
# Monday 9 November 2026. Fixed, not "today", so a seed always gives the same centre.
DEFAULT_END_DATE = date(2026, 11, 8)
SUPPORTED_INTERVAL_MINUTES = (15, 30, 60)
MAX_WEEKS = 520
MAX_AGENTS = 20_000

SITE_CODE = "DUB"
SITE_TIMEZONE = "Europe/Dublin"
SITE_COUNTRY_CODE = "IE"

# Contacts offered per agent per average week, over the three queues. With the contract mix below
# and 10 % unplanned shrinkage the inbound requirement takes about two thirds of the agents' paid
# hours (breaks and lunches are rostered on top): the weekday-morning peak needs about everyone
# at work, and the evenings leave agents to sell, so the roster trades service against selling
# (docs/demo-centre.md, "A tight week").
CONTACTS_PER_AGENT_PER_WEEK = 266.0
# Historical staffing = Erlang A requirement x lognormal factor (median exp(mu)): some intervals
# run short, some long, as real rosters do against a forecast they cannot see.
STAFFING_LOG_MU = -0.03
STAFFING_LOG_SD = 0.12
# The site's unplanned shrinkage (absence, lateness, unplanned aux; breaks and lunches are
# rostered): serving agents = rostered x (1 - this). The demo sizes its volume against it.
UNPLANNED_SHRINKAGE = 0.10
# Customers per agent, split over the revenue segments.
CUSTOMERS_PER_AGENT = 2_500
# Outbound time off and campaigns cover the weeks after the history (the planning horizon).
PLANNING_WEEKS = 8
# Dialer attempts cover the last weeks of the history (enough for the outbound estimates: about
# 115,000 attempts for the 120-agent demo in four weeks, generated in about 2 s).
OUTBOUND_WEEKS = 4


@dataclass(frozen=True, slots=True)
class QueueDesign:
    """How the generator drives one queue: its share of contacts, handle time, hours and reasons."""

    queue: Queue
    volume_share: float
    aht_seconds: float
    open_from_local: time
    open_until_local: time
    reason_mix: tuple[tuple[str, float], ...]


QUEUE_DESIGNS: tuple[QueueDesign, ...] = (
    QueueDesign(
        queue=Queue(
            site_code=SITE_CODE,
            code="CARE",
            name="Customer care (voice)",
            channel=Channel.VOICE,
            service_level_target=0.80,
            service_threshold_seconds=20.0,
            min_answer_rate=0.95,  # 接通率: the figure the centre reports first
            max_occupancy=0.85,
            chat_concurrency=1,
            mean_patience_seconds=round(cal.MEAN_PATIENCE_SECONDS, 1),
            value_per_answered_contact=6.0,
            short_abandon_threshold_seconds=5.0,
        ),
        volume_share=0.55,
        aht_seconds=round(0.93 * cal.AHT_SECONDS, 1),
        open_from_local=time(7, 0),
        open_until_local=time(23, 0),
        reason_mix=(
            ("billing", 0.34),
            ("payment", 0.17),
            ("plan_change", 0.15),
            ("moving_home", 0.07),
            ("complaint", 0.08),
            ("cancellation", 0.07),
            ("other", 0.12),
        ),
    ),
    QueueDesign(
        queue=Queue(
            site_code=SITE_CODE,
            code="TECH",
            name="Technical support (voice)",
            channel=Channel.VOICE,
            service_level_target=0.75,
            service_threshold_seconds=30.0,
            min_answer_rate=0.93,
            max_occupancy=0.85,
            chat_concurrency=1,
            mean_patience_seconds=round(1.25 * cal.MEAN_PATIENCE_SECONDS, 1),
            value_per_answered_contact=9.0,
            short_abandon_threshold_seconds=5.0,
        ),
        volume_share=0.28,
        aht_seconds=round(1.15 * cal.AHT_SECONDS, 1),
        open_from_local=time(7, 0),
        open_until_local=time(23, 0),
        reason_mix=(
            ("no_service", 0.28),
            ("slow_broadband", 0.24),
            ("device_setup", 0.20),
            ("email_login", 0.12),
            ("fault_follow_up", 0.08),
            ("other", 0.08),
        ),
    ),
    QueueDesign(
        queue=Queue(
            site_code=SITE_CODE,
            code="CHAT",
            name="Web chat",
            channel=Channel.CHAT,
            service_level_target=0.80,
            service_threshold_seconds=60.0,
            max_abandon_rate=0.08,  # chats: an abandon cap rather than an answer rate
            max_occupancy=0.90,
            chat_concurrency=2,
            mean_patience_seconds=180.0,
            value_per_answered_contact=4.0,
            short_abandon_threshold_seconds=5.0,
        ),
        volume_share=0.17,
        aht_seconds=540.0,
        open_from_local=time(8, 0),
        open_until_local=time(22, 0),
        reason_mix=(
            ("billing", 0.30),
            ("order_status", 0.24),
            ("technical_help", 0.24),
            ("plan_change", 0.14),
            ("other", 0.08),
        ),
    ),
)

LEAVE_WEEKS_A_YEAR = 4  # paid leave accrues weekly: four weeks of the contract's hours a year
FULL_TIME_40 = Contract(
    name="Full-time 40 h",
    weekly_hours_min=40.0,
    weekly_hours_max=40.0,
    days_per_week_min=5,
    days_per_week_max=5,
    shift_lengths_minutes=(540,),  # 9 h on site, 8 h paid after a 1 h unpaid lunch
    earliest_start_local=time(7, 0),
    latest_end_local=time(23, 0),
    leave_accrual_hours_per_week=round(40.0 * LEAVE_WEEKS_A_YEAR / 52, 2),
)
FULL_TIME_37_5 = Contract(
    name="Full-time 37.5 h",
    weekly_hours_min=37.5,
    weekly_hours_max=37.5,
    days_per_week_min=5,
    days_per_week_max=5,
    shift_lengths_minutes=(480,),  # 8 h on site, 7.5 h paid after a 30 min unpaid lunch
    earliest_start_local=time(7, 0),
    latest_end_local=time(23, 0),
    leave_accrual_hours_per_week=round(37.5 * LEAVE_WEEKS_A_YEAR / 52, 2),
)
PART_TIME_24 = Contract(
    name="Part-time 20-24 h",
    weekly_hours_min=20.0,
    weekly_hours_max=24.0,
    days_per_week_min=4,
    days_per_week_max=4,
    shift_lengths_minutes=(300, 330, 360),
    earliest_start_local=time(7, 0),
    latest_end_local=time(23, 0),
    leave_accrual_hours_per_week=round(24.0 * LEAVE_WEEKS_A_YEAR / 52, 2),
)
PART_TIME_20 = Contract(
    name="Part-time 20 h",
    weekly_hours_min=20.0,
    weekly_hours_max=20.0,
    days_per_week_min=4,
    days_per_week_max=4,
    shift_lengths_minutes=(300,),
    earliest_start_local=time(7, 0),
    latest_end_local=time(23, 0),
    leave_accrual_hours_per_week=round(20.0 * LEAVE_WEEKS_A_YEAR / 52, 2),
)
CONTRACT_MIX: tuple[tuple[Contract, float], ...] = (
    (FULL_TIME_37_5, 0.40),
    (FULL_TIME_40, 0.30),
    (PART_TIME_24, 0.18),
    (PART_TIME_20, 0.12),
)
FULL_TIME_CONTRACTS = frozenset({FULL_TIME_40.name, FULL_TIME_37_5.name})

SKILL_MIX: tuple[tuple[tuple[str, ...], float], ...] = (
    (("CARE",), 0.35),
    (("TECH",), 0.12),
    (("CARE", "TECH"), 0.23),
    (("CARE", "CHAT"), 0.10),
    (("CHAT",), 0.10),
    (("CARE", "TECH", "CHAT"), 0.10),
)
# Agents serving the same queues work in teams of at most this many (`_teams`).
TEAM_SIZE_MAX = 12
# Campaign skills, drawn independently for agents who can take voice calls.
TELESALES_SKILL_SHARE = 0.40
SURVEY_SKILL_SHARE = 0.30

FIRST_NAMES = (
    "Aoife", "Ciara", "Niamh", "Saoirse", "Sinead", "Orla", "Emma", "Sarah", "Grainne", "Roisin",
    "Laura", "Rachel", "Chloe", "Sean", "Conor", "Cian", "Darragh", "Eoin", "Padraig", "Liam",
    "Ronan", "Killian", "Jack", "Mark", "Oisin", "Fionn", "Tomas", "Declan", "Maeve", "Ailbhe",
)  # fmt: skip
SURNAMES = (
    "Murphy", "Kelly", "O'Sullivan", "Walsh", "Smith", "O'Brien", "Byrne", "Ryan", "O'Connor",
    "O'Neill", "Doyle", "McCarthy", "Gallagher", "Doherty", "Kennedy", "Lynch", "Murray", "Quinn",
    "Moore", "McLoughlin", "Carroll", "Connolly", "Daly", "Dunne", "Brennan", "Fitzgerald",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoCentre:
    """A whole synthetic centre, ready to be written to the database in one transaction."""

    sites: tuple[Site, ...]
    queues: tuple[Queue, ...]
    segments: tuple[Segment, ...]
    campaigns: tuple[Campaign, ...]
    agents: tuple[Agent, ...]
    availability: tuple[Availability, ...]
    time_off: tuple[TimeOff, ...]
    history: tuple[IntervalRecord, ...]
    history_start_local: date
    history_end_local: date
    interval_minutes: int
    seed: int
    # dialer attempts of the last `OUTBOUND_WEEKS` weeks, rows in the import format
    # (`wfm.tools.demo.outbound`)
    outbound_attempts: tuple[dict[str, Any], ...] = ()
    # the callbacks those attempts were promised (`demo_callbacks`): due before the history's
    # end done, the others open
    callbacks: tuple[Callback, ...] = ()


def generate_demo_centre(
    *,
    weeks: int = 26,
    agents: int = 120,
    seed: int = 1,
    end_date: date | None = None,
    interval_minutes: int = 15,
    outbound_weeks: int = OUTBOUND_WEEKS,
) -> DemoCentre:
    """Generate the demo centre: `weeks` weeks of history ending on `end_date` (local, inclusive).

    The history covers whole local days from `end_date - 7 * weeks + 1` to `end_date`; its
    timestamps are UTC starts of `interval_minutes` intervals (a local day of a daylight-saving
    change has 92 or 100 quarter hours). Contact volumes scale with `agents`. Without `end_date`
    the history ends on `DEFAULT_END_DATE`. The dialer attempts of the campaigns cover the last
    `outbound_weeks` weeks of the history (at most all of it; 0 for none). The same arguments
    always give the same centre; another seed gives other draws of the same design.
    """
    _check_arguments(weeks, agents, seed, end_date, interval_minutes)
    last_day = DEFAULT_END_DATE if end_date is None else end_date
    first_day = last_day - timedelta(days=7 * weeks - 1)
    history_seed, agents_seed, time_off_seed = np.random.SeedSequence(seed).spawn(3)
    scale = agents / 120.0

    site = Site(
        code=SITE_CODE,
        name="Dublin contact centre",
        timezone=SITE_TIMEZONE,
        country_code=SITE_COUNTRY_CODE,
        seats=math.ceil(0.85 * agents),
        is_simulation=True,  # a made-up centre: its clock may be moved (`wfm up --simulate`)
        unplanned_shrinkage=UNPLANNED_SHRINKAGE,
    )
    queues = tuple(design.queue for design in QUEUE_DESIGNS)
    segments = _segments(agents)
    campaigns = _campaigns(scale, last_day)
    agent_list = _agents(np.random.default_rng(agents_seed), agents, last_day)
    availability = _availability(np.random.default_rng(agents_seed.spawn(1)[0]), agent_list)
    time_off = _time_off(np.random.default_rng(time_off_seed), agent_list, last_day)
    history = _history(
        np.random.default_rng(history_seed),
        site=site,
        first_day=first_day,
        last_day=last_day,
        interval_minutes=interval_minutes,
        contacts_per_week=CONTACTS_PER_AGENT_PER_WEEK * agents,
    )
    outbound_days = 7 * min(max(outbound_weeks, 0), weeks)
    truth, attempts = demo_centre_outbound(
        agent_list,
        first_day=last_day - timedelta(days=outbound_days - 1),
        days=outbound_days,
        seed=seed,
    )
    history_end = datetime.combine(
        last_day + timedelta(days=1), time(0), tzinfo=ZoneInfo(SITE_TIMEZONE)
    ).astimezone(UTC)
    callbacks = demo_callbacks(truth, attempts, seed=seed, done_before_utc=history_end)
    return DemoCentre(
        sites=(site,),
        queues=queues,
        segments=segments,
        campaigns=campaigns,
        agents=agent_list,
        availability=availability,
        time_off=time_off,
        history=history,
        history_start_local=first_day,
        history_end_local=last_day,
        interval_minutes=interval_minutes,
        seed=seed,
        outbound_attempts=tuple(attempts),
        callbacks=tuple(callbacks),
    )


def _check_arguments(
    weeks: int, agents: int, seed: int, end_date: date | None, interval_minutes: int
) -> None:
    for name, value, high in (("weeks", weeks, MAX_WEEKS), ("agents", agents, MAX_AGENTS)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        if not 1 <= value <= high:
            raise ValueError(f"{name} must be between 1 and {high}, got {value}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if end_date is not None and (isinstance(end_date, datetime) or not isinstance(end_date, date)):
        raise ValueError(f"end_date must be a date, got {end_date!r}")
    if interval_minutes not in SUPPORTED_INTERVAL_MINUTES:
        allowed = ", ".join(str(m) for m in SUPPORTED_INTERVAL_MINUTES)
        raise ValueError(f"interval_minutes must be one of {allowed}, got {interval_minutes!r}")


# --------------------------------------------------------------------------------------------
# Organisation: segments, campaigns, agents, availability, time off


def _segments(agents: int) -> tuple[Segment, ...]:
    customers = CUSTOMERS_PER_AGENT * agents
    return (
        Segment("BASIC", "Basic (under EUR 20 a month)", None, 20.0, round(0.55 * customers)),
        Segment("PLUS", "Plus (EUR 20-45 a month)", 20.0, 45.0, round(0.33 * customers)),
        Segment("PREMIUM", "Premium (over EUR 45 a month)", 45.0, None, round(0.12 * customers)),
    )


def _hourly_values(values_by_hours: Sequence[tuple[int, int, float]]) -> tuple[float, ...]:
    """24 values (local hours 0..23) from (first hour, end hour exclusive, value) spans."""
    by_hour = [0.0] * 24
    for first, end, value in values_by_hours:
        for hour in range(first, end):
            by_hour[hour] = value
    return tuple(by_hour)


def _campaigns(scale: float, last_day: date) -> tuple[Campaign, ...]:
    weekdays = range(5)
    telesales = Campaign(
        site_code=SITE_CODE,
        code="UPGRADE",
        name="Fibre upgrade offers to Plus customers",
        kind=CampaignKind.TELESALES,
        segment_code="PLUS",
        # people answer at home in the evening, so an hour of calling is worth most then
        value_per_productive_hour_by_hour=_hourly_values(
            [(9, 12, 30.0), (12, 14, 36.0), (14, 17, 30.0), (17, 20, 58.0), (20, 21, 46.0)]
        ),
        calling_windows=tuple(CallingWindow(d, time(9, 0), time(21, 0)) for d in weekdays)
        + (CallingWindow(5, time(10, 0), time(17, 0)),),
        min_hours_per_week=round(40.0 * scale, 1),
        # room to sell whenever an agent is worth more there than on a queue
        max_hours_per_week=round(1000.0 * scale, 1),
        target_hours=None,
        efficiency=0.8,
        deadline=None,
    )
    survey = Campaign(
        site_code=SITE_CODE,
        code="NPS",
        name="Customer satisfaction survey",
        kind=CampaignKind.SURVEY,
        segment_code=None,
        value_per_productive_hour_by_hour=_hourly_values([(10, 17, 14.0), (17, 20, 16.0)]),
        calling_windows=tuple(CallingWindow(d, time(10, 0), time(20, 0)) for d in weekdays)
        + (CallingWindow(5, time(10, 0), time(14, 0)),),
        min_hours_per_week=0.0,
        max_hours_per_week=round(300.0 * scale, 1),
        target_hours=round(1200.0 * scale, 1),
        efficiency=0.75,
        deadline=last_day + timedelta(weeks=PLANNING_WEEKS),
    )
    return (telesales, survey)


def _counts_by_share(total: int, shares: Sequence[float]) -> list[int]:
    """Whole counts in proportion to `shares` that sum to `total` (largest remainder)."""
    exact = [total * s / sum(shares) for s in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _agents(rng: np.random.Generator, count: int, last_day: date) -> tuple[Agent, ...]:
    contracts = [
        contract
        for (contract, _), n in zip(
            CONTRACT_MIX, _counts_by_share(count, [s for _, s in CONTRACT_MIX]), strict=True
        )
        for _ in range(n)
    ]
    skills = [
        group
        for (group, _), n in zip(
            SKILL_MIX, _counts_by_share(count, [s for _, s in SKILL_MIX]), strict=True
        )
        for _ in range(n)
    ]
    teams = _teams(skills)
    contract_order = rng.permutation(count)
    skill_order = rng.permutation(count)
    telesales = rng.random(count) < TELESALES_SKILL_SHARE
    survey = rng.random(count) < SURVEY_SKILL_SHARE
    first = rng.integers(0, len(FIRST_NAMES), count)
    last = rng.integers(0, len(SURNAMES), count)
    tenure_days = rng.integers(30, 8 * 365, count)
    result = []
    for i in range(count):
        queue_skills = skills[int(skill_order[i])]
        campaign_skills: tuple[str, ...] = ()
        if queue_skills != ("CHAT",):
            campaign_skills = tuple(
                code for code, has in (("UPGRADE", telesales[i]), ("NPS", survey[i])) if has
            )
        result.append(
            Agent(
                site_code=SITE_CODE,
                code=f"A{i + 1:04d}",
                name=f"{FIRST_NAMES[int(first[i])]} {SURNAMES[int(last[i])]}",
                contract=contracts[int(contract_order[i])],
                queue_skills=queue_skills,
                campaign_skills=campaign_skills,
                hire_date=last_day - timedelta(days=int(tenure_days[i])),
                team=teams[int(skill_order[i])],
            )
        )
    return tuple(result)


def _teams(skills: Sequence[tuple[str, ...]]) -> list[str]:
    """The team of each place in `skills` (a list grouped by skill group): each skill group's
    agents split into teams of at most `TEAM_SIZE_MAX`, as even as can be, numbered "Team 01"..
    in the order of the groups (no draw: a place's team follows from the place)."""
    groups: dict[tuple[str, ...], int] = {}
    for group in skills:
        groups[group] = groups.get(group, 0) + 1
    names: list[str] = []
    first = 1
    for size in groups.values():
        split = math.ceil(size / TEAM_SIZE_MAX)
        names += [f"Team {first + j * split // size:02d}" for j in range(size)]
        first += split
    return names


# Weekly availability patterns (local wall clock). An agent without windows can work any time the
# centre is open; an agent with windows only inside them.
AVAILABILITY_PATTERNS: dict[str, tuple[tuple[int, time, time], ...]] = {
    "mornings": tuple((d, time(7, 0), time(14, 0)) for d in range(6)),
    "school_hours": tuple((d, time(9, 30), time(14, 30)) for d in range(5)),
    "evenings_and_weekends": tuple((d, time(16, 0), time(23, 0)) for d in range(5))
    + ((5, time(7, 0), time(23, 0)), (6, time(7, 0), time(23, 0))),
    "no_sundays": tuple((d, time(7, 0), time(23, 0)) for d in range(6)),
}


def _availability(rng: np.random.Generator, agents: Sequence[Agent]) -> tuple[Availability, ...]:
    windows: list[Availability] = []
    for agent in agents:
        draw = rng.random()
        if agent.contract.name in FULL_TIME_CONTRACTS:
            pattern = "no_sundays" if draw < 0.15 else None
        elif draw < 0.30:
            pattern = "mornings"
        elif draw < 0.45:
            pattern = "school_hours"
        elif draw < 0.70:
            pattern = "evenings_and_weekends"
        else:
            pattern = None
        if pattern is None:
            continue
        windows.extend(
            Availability(agent.code, weekday, start, end)
            for weekday, start, end in AVAILABILITY_PATTERNS[pattern]
        )
    return tuple(windows)


def _local_to_utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _time_off(
    rng: np.random.Generator, agents: Sequence[Agent], last_day: date
) -> tuple[TimeOff, ...]:
    """Leave, appointments and training in the planning weeks after the history."""
    zone = ZoneInfo(SITE_TIMEZONE)
    horizon_days = 7 * PLANNING_WEEKS
    entries: list[TimeOff] = []
    for agent in agents:
        draw = rng.random()
        first = last_day + timedelta(days=1 + int(rng.integers(0, horizon_days)))
        if draw < 0.18:
            days = int(rng.integers(1, 6))
            entries.append(
                TimeOff(
                    agent_code=agent.code,
                    start_utc=_local_to_utc(first, time(0, 0), zone),
                    end_utc=_local_to_utc(first + timedelta(days=days), time(0, 0), zone),
                    reason="annual_leave",
                    approved=bool(rng.random() < 0.85),
                )
            )
        elif draw < 0.24:
            start_hour = int(rng.integers(8, 15))
            entries.append(
                TimeOff(
                    agent_code=agent.code,
                    start_utc=_local_to_utc(first, time(start_hour, 0), zone),
                    end_utc=_local_to_utc(first, time(start_hour + 3, 0), zone),
                    reason="appointment",
                    approved=True,
                )
            )
        elif draw < 0.28:
            entries.append(
                TimeOff(
                    agent_code=agent.code,
                    start_utc=_local_to_utc(first, time(9, 0), zone),
                    end_utc=_local_to_utc(first, time(17, 0), zone),
                    reason="training",
                    approved=True,
                )
            )
    return tuple(entries)


# --------------------------------------------------------------------------------------------
# History


def _interval_shares(design: QueueDesign, interval_minutes: int) -> np.ndarray:
    """Share of each weekday's contacts per interval of the local day, shape (7, intervals a day).

    The calibrated 30-minute shares are split evenly over 15-minute halves or summed in pairs for
    hours; intervals outside the queue's opening hours get nothing and the rest is rescaled, so the
    day keeps its calibrated total (contacts that would have come at night come during the day).
    """
    half_hours = np.asarray(cal.INTRADAY_SHARE, dtype=float)
    if interval_minutes == 15:
        shares = np.repeat(half_hours / 2.0, 2, axis=1)
    elif interval_minutes == 30:
        shares = half_hours.copy()
    else:
        shares = half_hours.reshape(7, 24, 2).sum(axis=2)
    starts = np.arange(shares.shape[1]) * interval_minutes
    opens = design.open_from_local.hour * 60 + design.open_from_local.minute
    closes = design.open_until_local.hour * 60 + design.open_until_local.minute
    shares[:, (starts < opens) | (starts + interval_minutes > closes)] = 0.0
    return np.asarray(shares / shares.sum(axis=1, keepdims=True))


def _annual_factor(days: Sequence[date]) -> np.ndarray:
    """Monthly factors placed at mid-month and interpolated linearly (cyclic) between them."""
    monthly = np.asarray(cal.MONTHLY_FACTOR)
    anchors = (np.arange(12) + 0.5) / 12.0
    xs = np.concatenate([anchors - 1.0, anchors, anchors + 1.0])
    ys = np.concatenate([monthly, monthly, monthly])
    fraction = np.array(
        [(d.timetuple().tm_yday - 0.5) / (366 if _is_leap(d.year) else 365) for d in days]
    )
    return np.asarray(np.interp(fraction, xs, ys))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass(frozen=True, slots=True)
class _Grid:
    starts_utc: list[datetime]
    day_index: np.ndarray  # index into the list of local days
    weekday: np.ndarray  # local weekday, 0 = Monday
    slot: np.ndarray  # interval of the local day


def _grid(first_day: date, last_day: date, interval_minutes: int) -> _Grid:
    zone = ZoneInfo(SITE_TIMEZONE)
    start = _local_to_utc(first_day, time(0, 0), zone)
    end = _local_to_utc(last_day + timedelta(days=1), time(0, 0), zone)
    step = timedelta(minutes=interval_minutes)
    count = int((end - start) / step)
    starts = [start + i * step for i in range(count)]
    day_index = np.empty(count, dtype=np.int64)
    weekday = np.empty(count, dtype=np.int64)
    slot = np.empty(count, dtype=np.int64)
    for i, moment in enumerate(starts):
        local = moment.astimezone(zone)
        day_index[i] = (local.date() - first_day).days
        weekday[i] = local.weekday()
        slot[i] = (local.hour * 60 + local.minute) // interval_minutes
    return _Grid(starts, day_index, weekday, slot)


def _day_factors(rng: np.random.Generator, days: Sequence[date]) -> tuple[np.ndarray, np.ndarray]:
    """Expected volume of each day relative to an average full weekday, and its noise factor."""
    public_holidays = holidays.country_holidays(
        SITE_COUNTRY_CODE, years=sorted({d.year for d in days})
    )
    weekday_factor = np.array([cal.DAILY_FACTOR[d.weekday()] for d in days])
    holiday = np.array([d in public_holidays for d in days])
    expected = weekday_factor * _annual_factor(days) * np.where(holiday, cal.HOLIDAY_FACTOR, 1.0)
    week_of = np.array([(d - days[0]).days // 7 for d in days])
    week_sd, day_sd = cal.WEEK_NOISE_LOG_SD, cal.DAY_NOISE_LOG_SD
    week_noise = rng.normal(-0.5 * week_sd**2, week_sd, int(week_of.max()) + 1)
    day_noise = rng.normal(-0.5 * day_sd**2, day_sd, len(days))
    return expected, np.exp(week_noise[week_of] + day_noise)


def _history(
    rng: np.random.Generator,
    *,
    site: Site,
    first_day: date,
    last_day: date,
    interval_minutes: int,
    contacts_per_week: float,
) -> tuple[IntervalRecord, ...]:
    grid = _grid(first_day, last_day, interval_minutes)
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    expected_day, noise_day = _day_factors(rng, days)
    # contacts of an average full weekday, so that an ordinary week sums to contacts_per_week
    full_weekday_contacts = contacts_per_week / sum(cal.DAILY_FACTOR)
    records: list[IntervalRecord] = []
    for design in QUEUE_DESIGNS:
        shares = _interval_shares(design, interval_minutes)[grid.weekday, grid.slot]
        planned = (
            design.volume_share * full_weekday_contacts * expected_day[grid.day_index] * shares
        )
        actual_rate = planned * noise_day[grid.day_index]
        model = QueueModel.of_queue(design.queue, site, interval_minutes)
        outcome = _simulate_queue(rng, design, model, planned, actual_rate)
        records.extend(_records(design, grid, interval_minutes, outcome))
    return tuple(records)


@dataclass(frozen=True, slots=True)
class _Outcome:
    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    short_abandoned: np.ndarray
    answered_within_threshold: np.ndarray
    handle_seconds: np.ndarray
    wait_seconds_answered: np.ndarray
    wait_seconds_abandoned: np.ndarray
    reason_counts: np.ndarray  # (intervals, reasons)
    staffed_agents: np.ndarray


def _simulate_queue(
    rng: np.random.Generator,
    design: QueueDesign,
    model: QueueModel,
    planned_contacts: np.ndarray,
    actual_rate: np.ndarray,
) -> _Outcome:
    """Staff each interval as a centre would against its plan, then draw what happened.

    Staffing is the queue model's requirement for the planned volume (the queue's service
    target, patience and occupancy cap; Erlang A) times a lognormal factor. Offered contacts are
    Poisson at the actual rate (the plan times the day's noise); abandons, answers within the
    threshold and waits are binomial and gamma draws around Erlang A at the staffed level; handle
    times are lognormal per answered contact. Answered + abandoned = offered in every interval.
    """
    open_intervals = planned_contacts > 0
    staffed = _historical_staffing(rng, design, model, planned_contacts, open_intervals)
    chances = _service_chances(design, model, actual_rate, staffed, open_intervals)
    offered = rng.poisson(actual_rate)
    abandoned = rng.binomial(offered, chances.p_abandon)
    answered = offered - abandoned
    answered_within, wait_answered = _answered_waits(rng, answered, chances)
    wait_abandoned, short_abandoned = _abandoned_waits(rng, design, model, abandoned, chances)
    handle = _lognormal_totals(rng, answered, design.aht_seconds, cal.HANDLE_TIME_LOG_SIGMA)
    reason_shares = np.array([share for _, share in design.reason_mix])
    reasons = rng.multinomial(offered, reason_shares / reason_shares.sum())
    return _Outcome(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        short_abandoned=short_abandoned,
        answered_within_threshold=answered_within,
        handle_seconds=handle,
        wait_seconds_answered=wait_answered,
        wait_seconds_abandoned=wait_abandoned,
        reason_counts=reasons,
        staffed_agents=staffed,
    )


def _historical_staffing(
    rng: np.random.Generator,
    design: QueueDesign,
    model: QueueModel,
    planned_contacts: np.ndarray,
    open_intervals: np.ndarray,
) -> np.ndarray:
    """Agents serving per interval: the requirement of the planned volume times a lognormal
    factor, at least one agent in an open interval."""
    # The requirement is evaluated once per distinct value: contact rates are placed on a
    # logarithmic grid 0.2 % apart, far finer than the Poisson noise of the draws that follow.
    plan_keys = _rate_keys(planned_contacts[open_intervals])
    plan_grid, plan_index = np.unique(plan_keys, return_inverse=True)
    requirement = model.requirement(_rates_of(plan_grid), design.aht_seconds)
    required = np.zeros(planned_contacts.shape, dtype=float)
    required[open_intervals] = np.asarray(requirement.agents, dtype=float)[plan_index]
    factor = np.exp(rng.normal(STAFFING_LOG_MU, STAFFING_LOG_SD, planned_contacts.shape))
    return np.where(open_intervals, np.maximum(np.rint(required * factor), 1.0), 0.0)


@dataclass(frozen=True, slots=True)
class _ServiceChances:
    """Erlang A per interval at the staffed level: P(wait), P(abandon), the service level of
    answered contacts, ASA and the mean wait of every caller (0 in closed intervals)."""

    p_wait: np.ndarray
    p_abandon: np.ndarray
    service_level_answered: np.ndarray
    asa_seconds: np.ndarray
    mean_wait_all_seconds: np.ndarray


def _service_chances(
    design: QueueDesign,
    model: QueueModel,
    actual_rate: np.ndarray,
    staffed: np.ndarray,
    open_intervals: np.ndarray,
) -> _ServiceChances:
    """The queue model's KPIs at the actual rate and the staffed level, evaluated once per
    distinct (rate on the grid, agents) pair."""
    pairs = np.stack(
        [_rate_keys(actual_rate[open_intervals]), staffed[open_intervals].astype(np.int64)], axis=1
    )
    pair_grid, pair_index = np.unique(pairs, axis=0, return_inverse=True)
    kpis = model.kpis(_rates_of(pair_grid[:, 0]), design.aht_seconds, pair_grid[:, 1].astype(float))
    assert kpis.abandon_rate is not None and kpis.service_level_of_answered is not None
    assert kpis.mean_wait_seconds is not None  # Erlang A: the demo queues have a patience

    def spread(values: object) -> np.ndarray:
        full = np.zeros(actual_rate.shape, dtype=float)
        full[open_intervals] = np.nan_to_num(np.asarray(values, dtype=float))[pair_index.ravel()]
        return full

    return _ServiceChances(
        p_wait=np.clip(spread(kpis.p_wait), 0.0, 1.0),
        p_abandon=np.clip(spread(kpis.abandon_rate), 0.0, 1.0),
        service_level_answered=np.clip(spread(kpis.service_level_of_answered), 0.0, 1.0),
        asa_seconds=np.maximum(spread(kpis.asa_seconds), 0.0),
        mean_wait_all_seconds=np.maximum(spread(kpis.mean_wait_seconds), 0.0),
    )


def _answered_waits(
    rng: np.random.Generator, answered: np.ndarray, chances: _ServiceChances
) -> tuple[np.ndarray, np.ndarray]:
    """Answered contacts within the threshold and the answered contacts' total wait."""
    # Answered contacts that waited at all: P(wait and answered) / P(answered).
    answered_share = np.maximum(1.0 - chances.p_abandon, 1e-12)
    waited_share = np.clip((chances.p_wait - chances.p_abandon) / answered_share, 0.0, 1.0)
    waited = rng.binomial(answered, waited_share)
    # Of those, the share answered within the threshold, so that the expected share of all
    # answered contacts within it is Erlang A's service level of answered contacts.
    within_if_waited = np.clip(
        (chances.service_level_answered - (1.0 - waited_share)) / np.maximum(waited_share, 1e-12),
        0.0,
        1.0,
    )
    answered_within = (answered - waited) + rng.binomial(waited, within_if_waited)
    mean_wait_of_waiters = np.where(
        waited_share > 0, chances.asa_seconds / np.maximum(waited_share, 1e-12), 0.0
    )
    return answered_within, _gamma_totals(rng, waited, mean_wait_of_waiters)


def _abandoned_waits(
    rng: np.random.Generator,
    design: QueueDesign,
    model: QueueModel,
    abandoned: np.ndarray,
    chances: _ServiceChances,
) -> tuple[np.ndarray, np.ndarray]:
    """The abandoners' total wait and the short abandons among them."""
    assert model.patience.seconds is not None
    p_abandon, asa = chances.p_abandon, chances.asa_seconds
    # Abandoners' mean wait from Erlang A: all callers' mean wait less the answered callers' part.
    mean_wait_abandoners = np.clip(
        (chances.mean_wait_all_seconds - (1.0 - p_abandon) * asa) / np.maximum(p_abandon, 1e-12),
        0.5,
        model.patience.seconds,
    )
    wait_abandoned = _gamma_totals(rng, abandoned, mean_wait_abandoners)
    # Waits of abandoners are close to exponential (the minimum of exponential patience and an
    # exponential time to reach an agent), so the short-abandon share is 1 - exp(-T / mean).
    threshold = design.queue.short_abandon_threshold_seconds
    short_share = 1.0 - np.exp(-threshold / mean_wait_abandoners)
    return wait_abandoned, rng.binomial(abandoned, short_share)


RATE_GRID_STEP = 0.002


def _rate_keys(rates: np.ndarray) -> np.ndarray:
    """Positive contact rates as integer steps on a logarithmic grid."""
    return np.asarray(np.rint(np.log(rates) / RATE_GRID_STEP), dtype=np.int64)


def _rates_of(keys: np.ndarray) -> np.ndarray:
    return np.asarray(np.exp(keys * RATE_GRID_STEP))


def _gamma_totals(rng: np.random.Generator, counts: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Sum of `counts` exponential times with the given means: Gamma(count, mean), 0 if none."""
    positive = (counts > 0) & (means > 0)
    totals = np.zeros(counts.shape, dtype=float)
    totals[positive] = rng.gamma(counts[positive].astype(float), means[positive])
    return np.round(totals, 1)


def _lognormal_totals(
    rng: np.random.Generator, counts: np.ndarray, mean_seconds: float, log_sigma: float
) -> np.ndarray:
    """Per interval, the sum of `counts` lognormal handle times with the given mean, each rounded
    to whole seconds (at least one), as an ACD records them."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(counts.shape, dtype=float)
    mu = math.log(mean_seconds) - 0.5 * log_sigma**2
    times = np.maximum(np.rint(rng.lognormal(mu, log_sigma, total)), 1.0)
    ends = np.cumsum(counts)
    sums = np.concatenate([[0.0], np.cumsum(times)])
    return np.asarray(sums[ends] - sums[ends - counts])


def _records(
    design: QueueDesign, grid: _Grid, interval_minutes: int, outcome: _Outcome
) -> list[IntervalRecord]:
    reason_names = [name for name, _ in design.reason_mix]
    columns = (
        outcome.offered.tolist(),
        outcome.answered.tolist(),
        outcome.abandoned.tolist(),
        outcome.short_abandoned.tolist(),
        outcome.answered_within_threshold.tolist(),
        outcome.handle_seconds.tolist(),
        outcome.wait_seconds_answered.tolist(),
        outcome.wait_seconds_abandoned.tolist(),
        outcome.reason_counts.tolist(),
    )
    code = design.queue.code
    records = []
    for start, offered, answered, abandoned, short, within, handle, waits, lost, reasons in zip(
        grid.starts_utc, *columns, strict=True
    ):
        records.append(
            IntervalRecord(
                queue_code=code,
                interval_start_utc=start,
                interval_minutes=interval_minutes,
                offered=offered,
                answered=answered,
                abandoned=abandoned,
                short_abandoned=short,
                answered_within_threshold=within,
                handle_seconds=handle,
                wait_seconds_answered=waits,
                wait_seconds_abandoned=lost,
                reason_counts={name: n for name, n in zip(reason_names, reasons, strict=True) if n},
            )
        )
    return records
