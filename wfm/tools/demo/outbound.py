"""The demo centre's outbound truth and the dialer attempts it gives (a pure function of a seed).

`demo_outbound_truth` states the assumptions (docs/demo-centre.md, "Outbound"): the contact rate
of each ARPU segment by local hour of day (people answer at home in the evening) and weekday, the
conversion and sale value of each campaign's calls to each segment for a seller of average
proficiency, the sellers' proficiency multipliers (a few stars several times the average), the
lead lists and their recontact rules, and the pace of each campaign. `generate_outbound_attempts`
plays those assumptions out call by call over local days and returns rows in the dialer import
format (`wfm.domain.dialer.ATTEMPT_FIELDS`), so the estimates of `wfm.domain.outbound` have
something real-shaped to recover; `true_contact_rate`, `team_conversion` and
`relative_proficiency` say what they should recover. `demo_callbacks` gives the callbacks the
contacts that asked for one were promised, with their due times.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np

from wfm.domain.dialer import Callback, CallbackStatus

TIMEZONE = "Europe/Dublin"
# Seconds of talk and wrap by how the call ended (gamma distributed, these means).
TALK_SECONDS = {"sale": 420.0, "contact": 150.0, "refusal": 75.0, "callback_requested": 90.0}
WRAP_SECONDS = {"sale": 90.0, "contact": 30.0, "refusal": 20.0, "callback_requested": 40.0}
NO_CONTACT_WRAP_SECONDS = 5.0
# A seller's dialling time per attempt between calls (the estimates' default, see
# `wfm.domain.outbound.conversion.DEFAULT_DIAL_SECONDS_PER_ATTEMPT`).
DIAL_SECONDS_PER_ATTEMPT = 20.0
BUSY_SHARE = 0.12  # of attempts that reach nobody
# Of contacts that do not sell: a callback is requested, the customer refuses, or it just ends.
CALLBACK_SHARE = 0.08
REFUSAL_SHARE = 0.45
# A contact asking to be called back is promised a call on the campaign's next calling day (60 %)
# or the one after (40 %), at a quarter hour drawn evenly within its calling hours that day.
CALLBACK_DAY_SHARES = (0.6, 0.4)
SALE_VALUE_SHAPE = 4.0  # gamma shape of one sale's revenue (coefficient of variation 0.5)
STAR_EVERY = 12  # one seller in twelve is a star
STAR_PROFICIENCY = 4.0  # before normalising: about three times the average after
PROFICIENCY_LOG_SD = 0.2  # the others: lognormal around 1


@dataclass(frozen=True, slots=True)
class SegmentTruth:
    code: str
    contact_rate_by_hour: tuple[float, ...]  # 24: local hour of day, on a weekday of factor 1
    weekday_factor: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 0.9, 1.15, 1.0)  # Monday..Sunday


@dataclass(frozen=True, slots=True)
class CampaignTruth:
    code: str
    segment_shares: Mapping[str, float]  # of the campaign's attempts
    conversion_by_segment: Mapping[str, float]  # sales per contact, a seller of proficiency 1
    mean_sale_value_by_segment: Mapping[str, float]
    list_size_by_segment: Mapping[str, int]
    calling_hours: tuple[tuple[int, int, int], ...]  # (weekday, first hour, end hour) local
    attempts_per_hour: float  # mean attempts of the whole campaign in a calling hour
    max_attempts_per_lead: int = 3
    cool_off_minutes: int = 240


@dataclass(frozen=True, slots=True)
class OutboundTruth:
    segments: tuple[SegmentTruth, ...]
    campaigns: tuple[CampaignTruth, ...]
    proficiency: Mapping[str, float]  # agent code -> multiplier on conversion (mean 1)
    sellers: Mapping[str, tuple[str, ...]]  # campaign code -> the agents who call for it
    timezone: str = TIMEZONE

    def segment(self, code: str) -> SegmentTruth:
        return next(s for s in self.segments if s.code == code)

    def campaign(self, code: str) -> CampaignTruth:
        return next(c for c in self.campaigns if c.code == code)


class Seller(Protocol):
    """An agent as the demo centre makes it (`wfm.domain.Agent`): its code and campaign skills."""

    @property
    def code(self) -> str: ...
    @property
    def campaign_skills(self) -> tuple[str, ...]: ...


def demo_centre_outbound(
    agents: Sequence[Seller],
    *,
    first_day: date,
    days: int,
    seed: int,
    reference_agents: int = 120,
) -> tuple[OutboundTruth, list[dict[str, Any]]]:
    """The demo centre's outbound truth for its agents (each sells the campaigns it has skills
    for; pace and lists scale with the headcount against the 120-agent demo) and the attempts of
    `days` local days from `first_day`."""
    truth = demo_centre_truth(agents, seed=seed, reference_agents=reference_agents)
    return truth, generate_outbound_attempts(truth, first_day=first_day, days=days, seed=seed)


def demo_centre_truth(
    agents: Sequence[Seller], *, seed: int, reference_agents: int = 120
) -> OutboundTruth:
    """The demo centre's outbound truth for its agents, as `demo_centre_outbound` states it."""
    sellers = {
        code: [a.code for a in agents if code in a.campaign_skills] for code in ("UPGRADE", "NPS")
    }
    return demo_outbound_truth(sellers, seed=seed, scale=len(agents) / reference_agents)


def _by_hour(spans: Sequence[tuple[int, int, float]]) -> tuple[float, ...]:
    values = [0.0] * 24
    for first, end, value in spans:
        values[first:end] = [value] * (end - first)
    return tuple(values)


def _proficiencies(agents: Sequence[str], seed: int) -> dict[str, float]:
    """Lognormal around 1, every `STAR_EVERY`-th seller a star; normalised to mean 1."""
    rng = np.random.default_rng([seed, 17])
    raw = np.exp(rng.normal(0.0, PROFICIENCY_LOG_SD, len(agents)))
    raw[STAR_EVERY // 2 :: STAR_EVERY] = STAR_PROFICIENCY
    raw = raw / raw.mean() if len(agents) else raw
    return {a: float(m) for a, m in zip(agents, raw, strict=True)}


def demo_outbound_truth(
    sellers: Mapping[str, Sequence[str]], *, seed: int = 0, scale: float = 1.0
) -> OutboundTruth:
    """The demo centre's stated outbound assumptions for the given sellers (campaign code ->
    agent codes; the demo's campaigns are `UPGRADE` and `NPS`). `scale` multiplies the
    campaigns' pace and list sizes (1.0 is the 120-agent demo)."""
    weekday_hours = [(d, 9, 21) for d in range(5)]
    segments = (
        SegmentTruth(
            "BASIC",
            _by_hour(
                [(9, 12, 0.20), (12, 14, 0.24), (14, 17, 0.19), (17, 20, 0.34), (20, 21, 0.30)]
            ),
        ),
        SegmentTruth(
            "PLUS",
            _by_hour(
                [(9, 12, 0.17), (12, 14, 0.22), (14, 17, 0.16), (17, 20, 0.33), (20, 21, 0.29)]
            ),
        ),
        SegmentTruth(
            "PREMIUM",
            _by_hour(
                [(9, 12, 0.11), (12, 14, 0.16), (14, 17, 0.10), (17, 20, 0.30), (20, 21, 0.27)]
            ),
        ),
    )
    upgrade = CampaignTruth(
        code="UPGRADE",
        segment_shares={"PLUS": 1.0},
        conversion_by_segment={"PLUS": 0.12},
        mean_sale_value_by_segment={"PLUS": 30.0},
        list_size_by_segment={"PLUS": round(30_000 * scale)},
        calling_hours=tuple(weekday_hours) + ((5, 10, 17),),
        attempts_per_hour=400.0 * scale,
    )
    nps = CampaignTruth(
        code="NPS",
        segment_shares={"BASIC": 0.5, "PLUS": 0.3, "PREMIUM": 0.2},
        conversion_by_segment={"BASIC": 0.25, "PLUS": 0.22, "PREMIUM": 0.18},
        mean_sale_value_by_segment={"BASIC": 5.0, "PLUS": 6.0, "PREMIUM": 8.0},
        list_size_by_segment={
            "BASIC": round(20_000 * scale),
            "PLUS": round(12_000 * scale),
            "PREMIUM": round(8_000 * scale),
        },
        calling_hours=tuple((d, 10, 20) for d in range(5)) + ((5, 10, 14),),
        attempts_per_hour=200.0 * scale,
    )
    agents = sorted({a for codes in sellers.values() for a in codes})
    return OutboundTruth(
        segments=segments,
        campaigns=(upgrade, nps),
        proficiency=_proficiencies(agents, seed),
        sellers={c: tuple(sorted(a)) for c, a in sellers.items()},
    )


def true_contact_rate(truth: OutboundTruth, segment_code: str, hour_of_week: int) -> float:
    """The chance that an attempt to the segment at this local hour of week reaches a person."""
    weekday, hour = divmod(hour_of_week % 168, 24)
    segment = truth.segment(segment_code)
    return segment.contact_rate_by_hour[hour] * segment.weekday_factor[weekday]


def _team_proficiency(truth: OutboundTruth, campaign_code: str) -> float:
    """The mean proficiency of a campaign's sellers (attempts are shared out evenly)."""
    sellers = truth.sellers.get(campaign_code, ())
    return float(np.mean([truth.proficiency[a] for a in sellers])) if sellers else 1.0


def team_conversion(truth: OutboundTruth, campaign_code: str, segment_code: str) -> float:
    """Sales per contact of the campaign's calls to the segment, over its sellers as they are."""
    rate = truth.campaign(campaign_code).conversion_by_segment[segment_code]
    return rate * _team_proficiency(truth, campaign_code)


def relative_proficiency(truth: OutboundTruth) -> dict[str, float]:
    """Each seller's proficiency against the team it is measured against: the multiplier on the
    conversion of the teams it sells with, each campaign weighted by the sales an average seller
    would make there (what `wfm.domain.outbound.proficiency` estimates)."""
    weight: dict[str, float] = {}
    for c in truth.campaigns:
        sellers = truth.sellers.get(c.code, ())
        contacts_by_segment = {
            s: sum(
                c.attempts_per_hour * share * true_contact_rate(truth, s, d * 24 + h)
                for d, first, end in c.calling_hours
                for h in range(first, end)
            )
            for s, share in c.segment_shares.items()
        }
        sales = sum(k * c.conversion_by_segment[s] for s, k in contacts_by_segment.items())
        weight[c.code] = sales / len(sellers) if sellers else 0.0
    found = {}
    for agent, multiplier in truth.proficiency.items():
        mine = [c for c, sellers in truth.sellers.items() if agent in sellers]
        total = sum(weight[c] for c in mine)
        team = sum(weight[c] * _team_proficiency(truth, c) for c in mine)
        found[agent] = multiplier * total / team if team > 0 else multiplier
    return found


def _check(truth: OutboundTruth) -> None:
    for c in truth.campaigns:
        if abs(sum(c.segment_shares.values()) - 1.0) > 1e-9:
            raise ValueError(f"campaign {c.code}: segment shares must sum to 1")
        best = max((truth.proficiency[a] for a in truth.sellers.get(c.code, ())), default=1.0)
        if max(c.conversion_by_segment.values()) * best > 1.0:
            raise ValueError(f"campaign {c.code}: its best seller would convert more than 1")
    for s in truth.segments:
        if max(s.contact_rate_by_hour) * max(s.weekday_factor) > 1.0:
            raise ValueError(f"segment {s.code}: a contact rate above 1")


class _Leads:
    """One lead list as the dialer works it: recalls that are due first, then fresh leads."""

    def __init__(self, size: int, max_attempts: int, cool_off_minutes: int) -> None:
        self.size, self.max_attempts = size, max_attempts
        self.cool_off_seconds = 60.0 * cool_off_minutes
        self.next_fresh = 0
        self.recalls: deque[tuple[float, int, int]] = deque()  # (due, lead, attempts made)

    def take(self, now: float) -> tuple[int, int] | None:
        """(lead, attempts it had) to call at `now` (epoch seconds), or None if none is due."""
        if self.recalls and self.recalls[0][0] <= now:
            _, lead, made = self.recalls.popleft()
            return lead, made
        if self.next_fresh < self.size:
            self.next_fresh += 1
            return self.next_fresh - 1, 0
        return None

    def not_reached(self, lead: int, made: int, now: float) -> None:
        if made + 1 < self.max_attempts:
            self.recalls.append((now + self.cool_off_seconds, lead, made + 1))


def generate_outbound_attempts(
    truth: OutboundTruth, *, first_day: date, days: int, seed: int
) -> list[dict[str, Any]]:
    """Dialer attempts over `days` local days from `first_day`, in the import format (rows
    with `attempted_at` a UTC datetime), in time order per campaign. Same arguments, same rows."""
    _check(truth)
    if days < 0:
        raise ValueError("days must be >= 0")
    rng = np.random.default_rng([seed, 1717])
    zone = ZoneInfo(truth.timezone)
    leads = {
        (c.code, s): _Leads(size, c.max_attempts_per_lead, c.cool_off_minutes)
        for c in truth.campaigns
        for s, size in c.list_size_by_segment.items()
    }
    rows: list[dict[str, Any]] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for campaign in truth.campaigns:
            if not truth.sellers.get(campaign.code):
                continue
            for weekday, first, end in campaign.calling_hours:
                if weekday != day.weekday():
                    continue
                for hour in range(first, end):
                    start = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
                    rows += _hour_of_calls(truth, campaign, leads, start, weekday * 24 + hour, rng)
    return rows


def _hour_of_calls(
    truth: OutboundTruth,
    campaign: CampaignTruth,
    leads: Mapping[tuple[str, str], _Leads],
    start: datetime,
    hour_of_week: int,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """One calling hour of one campaign, attempt by attempt."""
    n = int(rng.poisson(campaign.attempts_per_hour))
    offsets = np.sort(rng.uniform(0.0, 3600.0, n))
    codes = list(campaign.segment_shares)
    segments = rng.choice(len(codes), size=n, p=[campaign.segment_shares[c] for c in codes])
    sellers = truth.sellers[campaign.code]
    agents = rng.integers(0, len(sellers), size=n)
    draws = rng.random((n, 3))
    talk, wrap, value = rng.gamma(2.0, 0.5, n), rng.gamma(2.0, 0.5, n), rng.gamma(4.0, 0.25, n)
    rows = []
    for i in range(n):
        segment, agent = codes[segments[i]], sellers[agents[i]]
        at = start + timedelta(seconds=float(offsets[i]))
        lead_list = leads[(campaign.code, segment)]
        taken = lead_list.take(at.timestamp())
        if taken is None:
            continue
        result = _result(truth, campaign, segment, agent, hour_of_week, draws[i])
        if result in ("no_answer", "busy"):
            lead_list.not_reached(taken[0], taken[1], at.timestamp())
        sale_value = campaign.mean_sale_value_by_segment[segment] * value[i]
        rows.append(
            {
                "attempt_id": f"{campaign.code}-{at:%Y%m%d%H}-{i:05d}",
                "attempted_at": at.replace(microsecond=0),
                "agent": agent,
                "campaign": campaign.code,
                "segment": segment,
                "lead_id": f"{campaign.code}-{segment}-{taken[0]:07d}",
                "result": result,
                "revenue": round(float(sale_value), 2) if result == "sale" else None,
                "talk_seconds": _seconds(TALK_SECONDS.get(result, 0.0) * float(talk[i])),
                "wrap_seconds": round(
                    WRAP_SECONDS.get(result, NO_CONTACT_WRAP_SECONDS) * float(wrap[i])
                ),
            }
        )
    return rows


def _result(
    truth: OutboundTruth,
    campaign: CampaignTruth,
    segment: str,
    agent: str,
    hour_of_week: int,
    draw: np.ndarray,
) -> str:
    """How one attempt ends, from three uniform draws."""
    if draw[0] >= true_contact_rate(truth, segment, hour_of_week):
        return "busy" if draw[1] < BUSY_SHARE else "no_answer"
    sale = campaign.conversion_by_segment[segment] * truth.proficiency[agent]
    if draw[1] < sale:
        return "sale"
    if draw[2] < CALLBACK_SHARE:
        return "callback_requested"
    return "refusal" if draw[2] < CALLBACK_SHARE + REFUSAL_SHARE else "contact"


def _seconds(mean_times_draw: float) -> int:
    """Whole seconds; a call that lasted at all lasted at least one."""
    return max(1, round(mean_times_draw)) if mean_times_draw > 0 else 0


@dataclass(frozen=True, slots=True)
class SellingSpan:
    """An agent selling one campaign over [start_utc, end_utc)."""

    agent_code: str
    campaign_code: str
    start_utc: datetime
    end_utc: datetime


def generate_span_attempts(
    truth: OutboundTruth, spans: Sequence[SellingSpan], *, seed: int, lead_tag: str = ""
) -> list[dict[str, Any]]:
    """Dialer attempts of agents selling over `spans`, in the import format: each seller calls
    back to back (dialling, then the call's talk and wrap), the campaign's segments by their
    shares, each attempt ending as `generate_outbound_attempts` draws it (contact rate of the
    segment at the local hour, the campaign's conversion times the seller's proficiency). Leads
    are fresh leads of lists named with `lead_tag`; spans of campaigns or agents the truth does
    not know give nothing. Same arguments, same rows."""
    _check(truth)
    rng = np.random.default_rng([seed, 1718])
    zone = ZoneInfo(truth.timezone)
    known = {c.code: c for c in truth.campaigns}
    leads = {
        (c.code, s): _Leads(size, c.max_attempts_per_lead, c.cool_off_minutes)
        for c in truth.campaigns
        for s, size in c.list_size_by_segment.items()
    }
    rows: list[dict[str, Any]] = []
    for span in sorted(spans, key=lambda s: (s.start_utc, s.agent_code, s.campaign_code)):
        campaign = known.get(span.campaign_code)
        if campaign is None or span.agent_code not in truth.proficiency:
            continue
        codes = list(campaign.segment_shares)
        shares = [campaign.segment_shares[c] for c in codes]
        at = span.start_utc
        while at < span.end_utc:
            segment = codes[int(rng.choice(len(codes), p=shares))]
            taken = leads[(campaign.code, segment)].take(at.timestamp())
            if taken is None:
                break
            local = at.astimezone(zone)
            result = _result(
                truth,
                campaign,
                segment,
                span.agent_code,
                local.weekday() * 24 + local.hour,
                rng.random(3),
            )
            talk = _seconds(TALK_SECONDS.get(result, 0.0) * float(rng.gamma(2.0, 0.5)))
            wrap = round(
                WRAP_SECONDS.get(result, NO_CONTACT_WRAP_SECONDS) * float(rng.gamma(2.0, 0.5))
            )
            value = campaign.mean_sale_value_by_segment[segment] * float(rng.gamma(4.0, 0.25))
            if result in ("no_answer", "busy"):
                leads[(campaign.code, segment)].not_reached(taken[0], taken[1], at.timestamp())
            rows.append(
                {
                    "attempt_id": f"{campaign.code}-{span.agent_code}-{at:%Y%m%d%H%M%S}",
                    "attempted_at": at.replace(microsecond=0),
                    "agent": span.agent_code,
                    "campaign": campaign.code,
                    "segment": segment,
                    "lead_id": f"{campaign.code}-{segment}-{lead_tag}{taken[0]:07d}",
                    "result": result,
                    "revenue": round(value, 2) if result == "sale" else None,
                    "talk_seconds": talk,
                    "wrap_seconds": wrap,
                }
            )
            at += timedelta(seconds=DIAL_SECONDS_PER_ATTEMPT + talk + wrap)
    return rows


def demo_callbacks(
    truth: OutboundTruth,
    rows: Sequence[Mapping[str, Any]],
    *,
    seed: int,
    done_before_utc: datetime | None = None,
) -> list[Callback]:
    """The callbacks promised by the attempts `rows` (import rows, `attempted_at` a UTC
    datetime) that ended with a callback requested, one each: due on one of the campaign's next
    calling days at a quarter hour of its calling hours (`CALLBACK_DAY_SHARES`), with the
    attempt's campaign, segment, lead and id, created when it was requested. Those due before
    `done_before_utc` are done (the demo's dialer calls every callback by its due time), the
    others open. Same arguments, same callbacks."""
    rng = np.random.default_rng([seed, 1719])
    zone = ZoneInfo(truth.timezone)
    known = {c.code: c for c in truth.campaigns}
    out = []
    for row in rows:
        campaign = known.get(str(row["campaign"]))
        if row["result"] != "callback_requested" or campaign is None:
            continue
        at: datetime = row["attempted_at"]
        ahead = 1 if rng.random() < CALLBACK_DAY_SHARES[0] else 2
        due = _callback_due(campaign, at.astimezone(zone).date(), ahead, rng, zone)
        if due is None:
            continue
        done = done_before_utc is not None and due < done_before_utc
        out.append(
            Callback(
                campaign_code=campaign.code,
                due_at_utc=due,
                segment_code=str(row["segment"]),
                lead_id=row.get("lead_id"),
                status=CallbackStatus.DONE if done else CallbackStatus.OPEN,
                attempt_id=str(row["attempt_id"]),
                created_at_utc=at,
            )
        )
    return out


def _callback_due(
    campaign: CampaignTruth, requested: date, ahead: int, rng: np.random.Generator, zone: ZoneInfo
) -> datetime | None:
    """A quarter hour of the campaign's calling hours on its `ahead`-th calling day after the
    local day `requested` (None: it calls on no day of the next two weeks)."""
    day, found = requested, 0
    for _ in range(14):
        day += timedelta(days=1)
        hours = [
            (first, end)
            for weekday, first, end in campaign.calling_hours
            if weekday == day.weekday()
        ]
        if not hours:
            continue
        found += 1
        if found == ahead:
            first, end = hours[0]
            quarter = int(rng.integers(0, 4 * (end - first)))
            local = datetime.combine(day, time(first), tzinfo=zone) + timedelta(
                minutes=15 * quarter
            )
            return local.astimezone(UTC)
    return None
