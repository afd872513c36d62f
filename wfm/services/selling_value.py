"""The value of a selling hour the roster uses, per campaign: learned from the site's stored dialer
attempts where they can carry it, the campaign's typed value where they cannot (docs/outbound.md,
"The roster's selling values").

The attempts of the `lookback_days` before `end_utc` are estimated once
(`wfm.domain.outbound.estimate_outbound`); each campaign is valued for the team's mean seller
(proficiency exactly 1: the roster has one value per campaign and hour, not one per agent) over the
segments it calls, each weighted by its share of the campaign's attempts in the window (the
campaign's own segment, when it names one). The roster takes 24 values, one per local hour of day:
at an hour the campaign calls, the mean of the estimated hour-of-week values over the weekdays it
calls then, when every one of them is estimated; otherwise (and outside calling hours) the typed
value. Computed on demand (a month of the demo's attempts, about 115,000, in well under a second
of estimation); nothing is stored, and a process remembers the windows it estimated while their
attempts stay the same.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from wfm.db.repositories import CampaignRepository, DialerAttemptRepository, SiteRepository
from wfm.domain import Campaign
from wfm.domain.outbound import (
    AgentProficiency,
    AttemptTable,
    OutboundEstimates,
    Proficiencies,
    SellingHourValue,
    campaign_selling_hour_value,
    estimate_outbound,
)

DEFAULT_LOOKBACK_DAYS = 28
_COLUMNS = (  # DialerAttemptRepository.columns, AttemptTable.from_columns
    "attempted_at",
    "segments",
    "campaigns",
    "agents",
    "results",
    "revenues",
    "talk_seconds",
    "wrap_seconds",
)
TEAM = "(team)"  # the team's mean seller
CampaignSource = Literal["estimated", "typed", "partly estimated"]


@dataclass(frozen=True, slots=True)
class CampaignSellingValues:
    """What the roster uses for one campaign, and why."""

    campaign_code: str
    source: CampaignSource  # over the campaign's calling hours of day
    reason: str
    attempts: int  # the campaign's attempts in the lookback window
    value_per_productive_hour_by_hour: tuple[float, ...]  # 24, local hour of day: the roster's
    source_by_hour: tuple[str, ...]  # 24: "estimated", "typed" or "" (the campaign never calls)
    by_hour_of_week: tuple[SellingHourValue, ...]  # 168, site-local, 0 = Monday 00:00


def selling_values(
    session: Session,
    *,
    site_code: str,
    end_utc: datetime,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    learned: bool = True,
) -> tuple[CampaignSellingValues, ...]:
    """Every campaign of the site with calling hours (see the module docstring). With
    `learned=False` every value is the typed one (the override), and says so."""
    values, _proficiencies = selling_values_and_proficiencies(
        session, site_code=site_code, end_utc=end_utc, lookback_days=lookback_days, learned=learned
    )
    return values


def selling_values_and_proficiencies(
    session: Session,
    *,
    site_code: str,
    end_utc: datetime,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    learned: bool = True,
) -> tuple[tuple[CampaignSellingValues, ...], Proficiencies]:
    """`selling_values`, and the agents' sales proficiencies from the same attempts (shrunk
    toward the team's: a multiplier on the team's mean seller the values are for), from one
    read and one estimate."""
    if lookback_days < 1:
        raise ValueError("lookback_days must be >= 1")
    site = SiteRepository(session).get(site_code)
    campaigns = [c for c in CampaignRepository(session).list(site_code) if c.calling_windows]
    columns: dict[str, list[Any]] = {}
    key: tuple[Any, ...] | None = None
    if learned and campaigns:
        attempts = DialerAttemptRepository(session)
        codes = [c.code for c in campaigns]
        start_utc = end_utc - timedelta(days=lookback_days)
        fingerprint = attempts.window_fingerprint(
            campaign_codes=codes, start_utc=start_utc, end_utc=end_utc
        )
        key = (site, tuple(campaigns), end_utc, lookback_days, fingerprint)
        with _REMEMBERED_LOCK:
            known = _REMEMBERED.get(key)
        if known is not None:
            return known
        columns = attempts.columns(campaign_codes=codes, start_utc=start_utc, end_utc=end_utc)
    if not columns:
        columns = {name: [] for name in _COLUMNS}
    table = AttemptTable.from_columns(**columns, timezone=site.timezone)
    raw = estimate_outbound(table)
    estimates = _for_the_team(raw)
    counts = Counter(columns["campaigns"])
    segments = Counter(zip(columns["campaigns"], columns["segments"], strict=True))
    values = tuple(
        _campaign_values(
            estimates,
            campaign,
            attempts=counts[campaign.code],
            shares={s: n for (c, s), n in segments.items() if c == campaign.code},
            learned=learned,
            lookback_days=lookback_days,
        )
        for campaign in campaigns
    )
    if key is not None:
        with _REMEMBERED_LOCK:
            if len(_REMEMBERED) >= REMEMBERED_WINDOWS:
                _REMEMBERED.pop(next(iter(_REMEMBERED)))
            _REMEMBERED[key] = (values, raw.proficiencies)
    return values, raw.proficiencies


# The values of windows this process estimated, by the site, its campaigns, the window and the
# window's attempts (`window_fingerprint`): reading and estimating a month of attempts takes about
# a second, and a roster's evaluation, its interval views and the next roster of the week ask for
# the same window again. Whatever changes the inputs changes the key.
_REMEMBERED: dict[tuple[Any, ...], tuple[tuple[CampaignSellingValues, ...], Proficiencies]] = {}
_REMEMBERED_LOCK = threading.Lock()
REMEMBERED_WINDOWS = 16  # the oldest is forgotten beyond this


def _for_the_team(estimates: OutboundEstimates) -> OutboundEstimates:
    """The estimates with the team's mean seller as an agent of proficiency exactly 1."""
    team = AgentProficiency(TEAM, 0, 0, 0.0, 1.0, 1.0, 1.0)
    proficiencies = Proficiencies((team,), estimates.proficiencies.prior_shape)
    return dataclasses.replace(estimates, proficiencies=proficiencies)


def _campaign_values(
    estimates: OutboundEstimates,
    campaign: Campaign,
    *,
    attempts: int,
    shares: dict[str, int],
    learned: bool,
    lookback_days: int,
) -> CampaignSellingValues:
    typed = campaign.value_per_productive_hour_by_hour
    if campaign.segment_code is not None:
        shares = {campaign.segment_code: 1}
    if not learned or not attempts:
        why = (
            "typed values asked for"
            if not learned
            else f"no attempts in the {lookback_days} days before"
        )
        week = tuple(SellingHourValue(typed[h % 24], None, None, "typed", why) for h in range(168))
    else:
        week = tuple(
            campaign_selling_hour_value(
                estimates,
                agent_code=TEAM,
                campaign_code=campaign.code,
                segment_shares=shares,
                hour_of_week=h,
                typed_value_by_hour=typed,
            )
            for h in range(168)
        )
    values, sources, why_typed = [], [], ""
    for hour in range(24):
        called = [week[d * 24 + hour] for d in _calling_weekdays(campaign, hour)]
        estimated = bool(called) and all(v.source == "estimated" for v in called)
        if called and not estimated and not why_typed:
            why_typed = next(v.reason for v in called if v.source == "typed")
        values.append(
            sum(v.value_per_productive_hour for v in called) / len(called)
            if estimated
            else float(typed[hour])
        )
        sources.append("" if not called else "estimated" if estimated else "typed")
    return CampaignSellingValues(
        campaign_code=campaign.code,
        source=_source(sources),
        reason=_reason(sources, why_typed, attempts, lookback_days),
        attempts=attempts,
        value_per_productive_hour_by_hour=tuple(values),
        source_by_hour=tuple(sources),
        by_hour_of_week=week,
    )


def _calling_weekdays(campaign: Campaign, hour: int) -> list[int]:
    """The weekdays on which the campaign's calling windows overlap the local hour of day."""
    start, end = time(hour), time(hour + 1) if hour < 23 else time.max
    return sorted(
        {w.weekday for w in campaign.calling_windows if w.start_local < end and w.end_local > start}
    )


def _source(sources: Sequence[str]) -> CampaignSource:
    called = [s for s in sources if s]
    if called and all(s == "estimated" for s in called):
        return "estimated"
    return "partly estimated" if "estimated" in called else "typed"


def _reason(sources: Sequence[str], why_typed: str, attempts: int, lookback_days: int) -> str:
    """What the values rest on; where typed, the first typed calling hour's reason."""
    called = [h for h, s in enumerate(sources) if s]
    typed_hours = [h for h in called if sources[h] == "typed"]
    estimated = f"from {attempts} attempts in the {lookback_days} days before"
    if not typed_hours:
        return estimated
    if len(typed_hours) == len(called):
        return why_typed
    hours = ", ".join(f"{h:02d}:00" for h in typed_hours)
    return f"{estimated}; typed at {hours}: {why_typed}"
