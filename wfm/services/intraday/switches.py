"""Sell/serve switches and exceptions: authorised changes to agents' plans, and the list of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wfm.db.repositories import CampaignRepository, SiteRepository
from wfm.db.repositories.intraday import FloorAgentRow, PlanChangeRepository, StoredPlanChange
from wfm.domain import Activity
from wfm.domain.errors import NotFoundError, ValidationError
from wfm.domain.intraday import ChangeKind, PlanChange, RecommendationConfig, switch_change
from wfm.services import notifications
from wfm.services.intraday.clock import site_now
from wfm.services.intraday.economics import calling_until
from wfm.services.intraday.floor import Floor, load_floor
from wfm.services.intraday.recommendation import campaign_values_now

# A switch without an end lasts at most as long as the recommendation's moves (4 hours).
MAX_SWITCH = timedelta(minutes=RecommendationConfig().max_switch_minutes)


@dataclass(frozen=True, slots=True)
class SwitchItem:
    agent_code: str
    queue_code: str | None = None
    campaign_code: str | None = None
    end_utc: datetime | None = None  # this agent's end (else the request's, else the block's)


@dataclass(frozen=True, slots=True)
class ItemRejection:
    index: int
    agent_code: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class SwitchResult:
    start_utc: datetime
    end_utc: datetime | None  # the request's end, if it gave one (each change has its own)
    accepted: tuple[PlanChange, ...]
    rejections: tuple[ItemRejection, ...] = field(default_factory=tuple)


def record_switch(
    session: Session,
    *,
    site_code: str,
    to_activity: Activity,
    items: Sequence[SwitchItem],
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
    reason: str = "",
    created_by: str = "",
    source: str = "manager",
) -> SwitchResult:
    """Record a sell/serve switch for named agents as an authorised plan change.

    A switch runs from `start_utc` (default: now) to the agent's own `end_utc`, else the
    request's, else the end of the agent's current block of the activity switched from (their
    next break, lunch, shift end or planned change; at most 4 hours; to sell, at the latest when
    the campaign's calling window closes): the end the recommendation gives each move, so a
    switch applied without an end lasts as long as the recommendation said.

    Rejected per agent: unknown agents, agents not on shift at the start, agents not planned to
    do the activity they are switched from, agents without the skill (the queue to serve or the
    campaign to sell; a campaign must be calling at the start), an end not after the start.
    """
    if to_activity not in (Activity.SERVE, Activity.SELL):
        raise ValidationError("to must be serve or sell")
    now = site_now(session, site_code)
    start = start_utc or now
    _check_switch_times(start, end_utc)
    switch = _switch_context(session, site_code, to_activity, items, start, end_utc, now, reason)
    accepted, rejections = _screen_switch_items(items, switch)
    if accepted:
        ids = PlanChangeRepository(session).add(
            accepted, source=source, created_by=created_by, created_at_utc=now
        )
        accepted = [replace(c, id=i) for c, i in zip(accepted, ids, strict=True)]
        notifications.agents_switched(session, site_code, accepted, source=source)
    return SwitchResult(start, end_utc, tuple(accepted), tuple(rejections))


class _Refusal(NamedTuple):
    """Why one agent of a switch request is not switched."""

    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class _SwitchContext:
    """What every agent of one switch request is checked against."""

    site_code: str
    floor: Floor
    to_activity: Activity
    from_activity: Activity
    start: datetime
    end_utc: datetime | None  # the request's end
    open_values: dict[str, float]  # the campaigns calling at the start, by value
    calling_until: dict[str, datetime]  # when each campaign calling at the start stops
    reason: str


def _check_switch_times(start: datetime, end_utc: datetime | None) -> None:
    for moment, name in ((start, "start_utc"), (end_utc, "end_utc")):
        if moment is not None and moment.tzinfo is None:
            raise ValidationError(f"{name} must carry a timezone")
    if end_utc is not None and end_utc <= start:
        raise ValidationError("end_utc must be after start_utc")


def _switch_context(
    session: Session,
    site_code: str,
    to_activity: Activity,
    items: Sequence[SwitchItem],
    start: datetime,
    end_utc: datetime | None,
    now: datetime,
    reason: str,
) -> _SwitchContext:
    """The floor over the longest switch asked for (at least `MAX_SWITCH`) and the campaigns
    calling at the start."""
    ends = [e for e in (end_utc, *(i.end_utc for i in items)) if e is not None]
    window_end = max([start + MAX_SWITCH, *ends])
    floor = load_floor(session, site_code, start - timedelta(hours=1), window_end, now)
    campaigns = CampaignRepository(session).list(site_code)
    return _SwitchContext(
        site_code=site_code,
        floor=floor,
        to_activity=to_activity,
        from_activity=Activity.SELL if to_activity is Activity.SERVE else Activity.SERVE,
        start=start,
        end_utc=end_utc,
        open_values=campaign_values_now(campaigns, floor.site, start),
        calling_until={
            c.code: end
            for c in campaigns
            if (end := calling_until(c, start, ZoneInfo(floor.site.timezone))) is not None
        },
        reason=reason,
    )


def _screen_switch_items(
    items: Sequence[SwitchItem], switch: _SwitchContext
) -> tuple[list[PlanChange], list[ItemRejection]]:
    """A plan change per agent that can be switched, a rejection per one that cannot."""
    accepted: list[PlanChange] = []
    rejections: list[ItemRejection] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        code = item.agent_code
        outcome: PlanChange | _Refusal
        if code in seen:
            outcome = _Refusal("duplicate", f"agent {code!r} is named twice")
        else:
            seen.add(code)
            outcome = _switch_one(item, switch)
        if isinstance(outcome, _Refusal):
            rejections.append(ItemRejection(i, code, outcome.reason, outcome.message))
        else:
            accepted.append(outcome)
    return accepted, rejections


def _switch_one(item: SwitchItem, switch: _SwitchContext) -> PlanChange | _Refusal:
    """One agent's switch, or why there is none."""
    code = item.agent_code
    start = switch.start
    agent = switch.floor.agents.get(code)
    if agent is None:
        return _Refusal("unknown_agent", f"no agent {code!r} at site {switch.site_code!r}")
    span = next(
        (s for s in switch.floor.plans.get(code, []) if s.start_utc <= start < s.end_utc), None
    )
    if span is None:
        return _Refusal("not_on_shift", f"agent {code!r} is not on shift at {start.isoformat()}")
    source_activity = switch.from_activity
    if span.activity is not source_activity:
        return _Refusal(
            f"not_{source_activity.value}ing".replace("serveing", "serving"),
            f"agent {code!r} is planned to {span.activity.value} at {start.isoformat()}, "
            f"not to {source_activity.value}",
        )
    target = _switch_target(item, agent, switch)
    if isinstance(target, _Refusal):
        return target
    queue_code, campaign_code = target
    end = item.end_utc or switch.end_utc or _block_end(span.end_utc, campaign_code, switch)
    if end <= start:
        return _Refusal("invalid_end", f"the end of agent {code!r}'s switch is not after its start")
    return switch_change(
        code,
        start,
        end,
        switch.to_activity,
        queue_code=queue_code,
        campaign_code=campaign_code,
        reason=switch.reason,
    )


def _block_end(span_end: datetime, campaign_code: str | None, switch: _SwitchContext) -> datetime:
    """Where a switch without an end stops, as the recommendation's move would: the end of the
    agent's current block, at most `MAX_SWITCH` after the start and, to sell, when the
    campaign's calling window closes."""
    end = min(span_end, switch.start + MAX_SWITCH)
    if campaign_code is not None:
        closes = switch.calling_until.get(campaign_code)
        if closes is not None:
            end = min(end, closes)
    return end


def _switch_target(
    item: SwitchItem, agent: FloorAgentRow, switch: _SwitchContext
) -> tuple[str | None, str | None] | _Refusal:
    """The (queue, campaign) the agent is switched to: the queue named, else the agent's first
    queue skill, when switched to serve; the campaign named, else the most valuable one calling
    now that the agent has the skill for, when switched to sell."""
    code = item.agent_code
    if switch.to_activity is Activity.SERVE:
        queue_code = item.queue_code or (min(agent.queue_skills) if agent.queue_skills else None)
        if queue_code is None or queue_code not in agent.queue_skills:
            return _Refusal(
                "no_skill",
                f"agent {code!r} has no skill for queue {queue_code!r}"
                if queue_code
                else f"agent {code!r} has no queue skill",
            )
        return queue_code, None
    open_values = switch.open_values
    open_skills = [c for c in agent.campaign_skills if c in open_values]
    campaign_code = item.campaign_code or (
        max(open_skills, key=lambda c: (open_values[c], c)) if open_skills else None
    )
    if campaign_code is None:
        return _Refusal("no_skill", f"agent {code!r} has no skill for a campaign calling now")
    if campaign_code not in agent.campaign_skills:
        return _Refusal("no_skill", f"agent {code!r} has no skill for campaign {campaign_code!r}")
    if campaign_code not in open_values:
        return _Refusal("campaign_closed", f"campaign {campaign_code!r} is not calling now")
    return None, campaign_code


def record_exception(
    session: Session,
    *,
    site_code: str,
    agent_code: str,
    start_utc: datetime,
    end_utc: datetime,
    activity: Activity | None,
    reason: str = "",
    created_by: str = "",
) -> PlanChange:
    """Record an approved exception (a meeting, training, an absence) over an agent's shift."""
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValidationError("start_utc and end_utc must carry a timezone")
    if end_utc <= start_utc:
        raise ValidationError("end_utc must be after start_utc")
    now = site_now(session, site_code)
    floor = load_floor(session, site_code, start_utc, end_utc, now)
    if agent_code not in floor.agents:
        raise NotFoundError(f"no agent {agent_code!r} at site {site_code!r}")
    if not any(
        s.start_utc < end_utc and s.end_utc > start_utc for s in floor.plans.get(agent_code, [])
    ):
        raise ValidationError(f"agent {agent_code!r} has no shift between those times")
    change = PlanChange(
        agent_code, start_utc, end_utc, activity, kind=ChangeKind.EXCEPTION, reason=reason
    )
    (change_id,) = PlanChangeRepository(session).add(
        [change], source="manager", created_by=created_by, created_at_utc=now
    )
    return replace(change, id=change_id)


def plan_changes(
    session: Session,
    *,
    site_code: str,
    start_utc: datetime,
    end_utc: datetime,
    after_id: int | None = None,
) -> list[StoredPlanChange]:
    """Authorised changes overlapping [start_utc, end_utc), in the order they were recorded
    (only those with an id above `after_id` when given: what is new since the last look)."""
    SiteRepository(session).get(site_code)
    return PlanChangeRepository(session).list(site_code, start_utc, end_utc, after_id=after_id)
