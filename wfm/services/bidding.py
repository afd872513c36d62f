"""Shift bidding on the database: planners create, open, close and assign a site's rounds; agents
see the patterns open to them, rank them and read their own award (`scheduling.bidding` decides).

A round is a draft until opened; open, agents bid until its closing time (after it the round
reads as closed, as it does once a planner closes it); assigned, every active agent of the site
has an award and its explanation; applied, each week of the round has a new draft schedule made
of the awarded patterns and checked by the roster's evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduling.bidding import (
    Award,
    Bidder,
    BidRoundSpec,
    ShiftPattern,
    assign,
    eligible_patterns,
    ineligibility,
    pattern_problems,
    pattern_shifts,
    round_problems,
    standing,
    weekly_paid_hours,
)
from scheduling.evaluate import evaluate
from scheduling.problem import AvailabilityWindow, Problem
from wfm.db.repositories import (
    AgentRepository,
    CampaignRepository,
    QueueRepository,
    ScheduleRepository,
    SiteRepository,
)
from wfm.db.repositories.bidding import BidRepository, BidRoundRecord
from wfm.domain import Activity, ActivitySpan, Agent, Schedule, ScheduleStatus, Shift, ShiftBreak
from wfm.domain.errors import ConflictError, NotFoundError, ValidationError
from wfm.domain.jsonvalues import json_safe
from wfm.services.idle_time import callbacks_due
from wfm.services.schedule_evaluation import evaluate_roster, summary_fields
from wfm.services.schedule_views import schedule_problem
from wfm.services.scheduling import (
    _previous_week_final_shifts,
    require_week_start,
    roster_from_shifts,
)
from wfm.services.site_rules import narrow_contract, roster_contract, rules_for_week, shift_rules_of

STATUSES = ("draft", "open", "closed", "assigned", "applied")
AWARDED = ("assigned", "applied")


@dataclass(frozen=True, slots=True)
class PatternInput:
    name: str
    weekdays: tuple[int, ...]
    start_local: time
    end_local: time
    seats: int
    skills: tuple[str, ...] = ()


def status_of(record: BidRoundRecord, now_utc: datetime | None = None) -> str:
    """The round's state: an open round past its closing time reads as closed."""
    now = now_utc or datetime.now(UTC)
    if record.status == "open" and record.closes_at_utc <= now:
        return "closed"
    return record.status


def create_round(
    session: Session,
    *,
    site_code: str,
    name: str,
    week_start: date,
    weeks: int,
    rule: str,
    closes_at_utc: datetime,
    patterns: Sequence[PatternInput],
) -> int:
    """Store a draft round; ValidationError naming every field that is wrong, nothing stored."""
    SiteRepository(session).get(site_code)
    require_week_start(session, site_code, week_start)
    rules = rules_for_week(session, site_code, week_start)
    shaped = [ShiftPattern(id=i, **vars_of(p)) for i, p in enumerate(patterns)]
    found = round_problems(shaped, weeks, rule)
    if not name.strip():
        found.append("name: must not be empty")
    if closes_at_utc <= datetime.now(UTC):
        found.append(f"closes_at: must be in the future, got {closes_at_utc.isoformat()}")
    skills = {q.code for q in QueueRepository(session).list(site_code)}
    skills |= {c.code for c in CampaignRepository(session).list(site_code)}
    for i, pattern in enumerate(shaped):
        found += pattern_problems(f"patterns[{i}]", pattern, rules)
        for skill in pattern.skills:
            if skill not in skills:
                found.append(f"patterns[{i}].skills: no queue or campaign {skill!r} at {site_code}")
    if found:
        raise ValidationError("; ".join(found))
    return BidRepository(session).add_round(
        site_code,
        name=name.strip(),
        week_start=week_start,
        weeks=weeks,
        rule=rule,
        closes_at_utc=closes_at_utc,
        patterns=shaped,
    )


def vars_of(pattern: PatternInput) -> dict[str, Any]:
    return {
        "name": pattern.name,
        "weekdays": tuple(pattern.weekdays),
        "start_local": pattern.start_local,
        "end_local": pattern.end_local,
        "seats": pattern.seats,
        "skills": tuple(pattern.skills),
    }


def open_round(session: Session, round_id: int) -> BidRoundRecord:
    """Publish a draft round to the site's agents: they may bid until its closing time."""
    repo = BidRepository(session)
    record = repo.get(round_id)
    if record.status != "draft":
        raise ConflictError(f"bid round {round_id} is {status_of(record)}; only a draft opens")
    if record.closes_at_utc <= datetime.now(UTC):
        raise ConflictError(
            f"bid round {round_id}: its closing time {record.closes_at_utc:%Y-%m-%d %H:%M} UTC "
            "has passed; create a new round"
        )
    repo.set_status(round_id, "open")
    return repo.get(round_id)


def close_round(session: Session, round_id: int) -> BidRoundRecord:
    """Stop the bids of an open round now (its closing time becomes now if it was later)."""
    repo = BidRepository(session)
    record = repo.get(round_id)
    if record.status != "open":
        raise ConflictError(f"bid round {round_id} is {record.status}; only an open round closes")
    now = datetime.now(UTC)
    repo.set_status(round_id, "closed", closes_at_utc=min(now, record.closes_at_utc))
    return repo.get(round_id)


def round_spec(session: Session, record: BidRoundRecord) -> BidRoundSpec:
    site = SiteRepository(session).get(record.site_code)
    rules = rules_for_week(session, record.site_code, record.week_start)
    return BidRoundSpec(
        week_start=record.week_start,
        zone=ZoneInfo(site.timezone),
        patterns=record.patterns,
        weeks=record.weeks,
        rule="rotation" if record.rule == "rotation" else "seniority",
        shift_rules=shift_rules_of(rules),
    )


def bidders(session: Session, record: BidRoundRecord, only: str | None = None) -> list[Bidder]:
    """The site's active agents as the assignment reads them (`only`: that agent alone)."""
    repo = AgentRepository(session)
    agents = [a for a in repo.list(record.site_code) if only is None or a.code == only]
    rules = rules_for_week(session, record.site_code, record.week_start)
    windows: dict[str, list[AvailabilityWindow]] = {}
    for w in repo.availability():
        windows.setdefault(w.agent_code, []).append(
            AvailabilityWindow(w.weekday, w.start_local, w.end_local)
        )
    last = _previous_week_final_shifts(session, record.site_code, record.week_start)
    bids = BidRepository(session)
    rankings = bids.rankings(record.id)
    previous = bids.latest_assigned_before(record.site_code, record.id)
    out = []
    for agent in agents:
        base = roster_contract(agent.contract)
        was = (previous.results or {}).get(agent.code) if previous else None
        out.append(
            Bidder(
                code=agent.code,
                contract=narrow_contract(base, rules) or base,
                skills=frozenset(agent.queue_skills) | frozenset(agent.campaign_skills),
                hire_date=agent.hire_date,
                availability=tuple(windows.get(agent.code, ())),
                previous_shift_end_utc=last[agent.code].final_shift_end_utc
                if agent.code in last
                else None,
                ranking=rankings.get(agent.code),
                previous_standing=_standing_of(was),
            )
        )
    return out


def _standing_of(result: dict[str, Any] | None) -> int:
    if result is None:
        return 0
    award = Award(str(result.get("agent_code", "")), result.get("pattern_id"),
                  result.get("choice"), int(result.get("turn", 0)), "")  # fmt: skip
    return standing(award, bool(result.get("ranking")))


def assign_round(session: Session, round_id: int) -> BidRoundRecord:
    """Run the assignment of a closed round and store every agent's award."""
    repo = BidRepository(session)
    record = repo.get(round_id)
    state = status_of(record)
    if state != "closed":
        raise ConflictError(
            f"bid round {round_id} is {state}; only a closed round is assigned"
            + (" (close it first)" if state == "open" else "")
        )
    people = bidders(session, record)
    awards = assign(round_spec(session, record), people)
    rankings = {b.code: b.ranking for b in people}
    results = {
        a.agent_code: {
            "agent_code": a.agent_code,
            "pattern_id": a.pattern_id,
            "choice": a.choice,
            "turn": a.turn,
            "explanation": a.explanation,
            "reasons": [dict(r) for r in a.reasons],
            "ranking": list(rankings[a.agent_code] or ()),
        }
        for a in awards
    }
    repo.set_results(round_id, results)
    return repo.get(round_id)


def round_view(session: Session, record: BidRoundRecord) -> dict[str, Any]:
    """A round as the planner reads it: state, patterns with hours, count of bids."""
    spec = round_spec(session, record)
    return {
        "id": record.id,
        "site": record.site_code,
        "name": record.name,
        "week_start": record.week_start,
        "weeks": record.weeks,
        "rule": record.rule,
        "status": status_of(record),
        "closes_at_utc": record.closes_at_utc,
        "created_at_utc": record.created_at_utc,
        "assigned_at_utc": record.assigned_at_utc,
        "patterns": [pattern_view(p, spec) for p in record.patterns],
        "bids": len(BidRepository(session).rankings(record.id)),
        "schedule_ids": list(record.schedule_ids),
    }


def pattern_view(pattern: ShiftPattern, spec: BidRoundSpec) -> dict[str, Any]:
    return {
        "id": pattern.id,
        "name": pattern.name,
        "label": pattern.label,
        "weekdays": list(pattern.weekdays),
        "start_local": pattern.start_local,
        "end_local": pattern.end_local,
        "seats": pattern.seats,
        "skills": list(pattern.skills),
        "shift_minutes": pattern.shift_minutes,
        "weekly_paid_hours": round(weekly_paid_hours(pattern, spec.shift_rules), 2),
    }


def results_view(record: BidRoundRecord) -> list[dict[str, Any]]:
    """Every agent's award of an assigned round, in turn order (ConflictError before)."""
    if record.status not in AWARDED or record.results is None:
        raise ConflictError(f"bid round {record.id} is {status_of(record)}; not assigned yet")
    names = {p.id: p.label for p in record.patterns}
    rows = sorted(record.results.values(), key=lambda r: int(r["turn"]))
    return [{**r, "pattern": names.get(r["pattern_id"])} for r in rows]


# ------------------------------------------------------------------------------ applying
def apply_round(session: Session, round_id: int) -> BidRoundRecord:
    """Turn an assigned round's awards into one new draft schedule per week of the round: each
    awarded agent works the pattern's shifts (breaks at the earliest their windows allow,
    serving a queue of the pattern's skills or the agent's first), agents without a pattern have
    no shifts. Each draft is checked by the roster's evaluation on the week's roster problem and
    stored with the rules it breaks in its summary (`bid_round_violations`), for the planner to
    edit or publish. The round becomes `applied`, once."""
    repo = BidRepository(session)
    record = repo.get(round_id)
    if record.status != "assigned" or record.results is None:
        raise ConflictError(
            f"bid round {round_id} is {status_of(record)}; only an assigned round is applied"
        )
    spec = round_spec(session, record)
    agents = {a.code: a for a in AgentRepository(session).list(record.site_code)}
    by_id = {p.id: p for p in record.patterns}
    schedules = ScheduleRepository(session)
    made = []
    for week in range(record.weeks):
        week_start = record.week_start + timedelta(days=7 * week)
        shifts: list[Shift] = []
        for code, award in sorted(record.results.items()):
            pattern = by_id.get(award.get("pattern_id"))
            if pattern is not None and code in agents:
                shifts += _shifts_of(agents[code], pattern, week_start, spec)
        draft = Schedule(
            site_code=record.site_code,
            week_start=week_start,
            version=schedules.next_version(record.site_code, week_start),
            status=ScheduleStatus.DRAFT,
            created_at_utc=datetime.now(UTC),
            shifts=tuple(shifts),
        )
        plan = schedule_problem(session, draft)
        # an agent's time off and unavailability in the week win over the pattern: those shifts
        # are left out (time off credits its paid hours to the week)
        kept, off = _without_absences(draft.shifts, plan.problem)
        draft = replace(draft, shifts=kept)
        roster = roster_from_shifts(draft.shifts)
        broken = evaluate(plan.problem, roster).violations
        evaluation = evaluate_roster(
            plan.problem,
            roster,
            forecast_run_id=plan.forecast_run_id,
            shrinkage_source=plan.shrinkage_source,
            notes=plan.notes,
            callbacks=callbacks_due(session, plan.problem),
            currency=SiteRepository(session).get(record.site_code).currency,
        )
        summary = dict(summary_fields(evaluation))
        summary.update(
            {
                "forecast_run_id": plan.forecast_run_id,
                "bid_round_id": round_id,
                "bid_round_violations": [str(v) for v in broken],
                "bid_round_shifts_off": off,
            }
        )
        draft = replace(draft, summary=json_safe(summary), forecast_run_id=plan.forecast_run_id)
        made.append(schedules.add(draft))
    repo.set_applied(round_id, made)
    return repo.get(round_id)


def _without_absences(
    shifts: tuple[Shift, ...], problem: Problem
) -> tuple[tuple[Shift, ...], list[str]]:
    """The shifts that overlap none of their agent's absences (time off, unavailability) in the
    week's roster problem, and "AGENT DATE" of each left out."""
    absences = {a.code: a.absences for a in problem.agents}
    kept, off = [], []
    for shift in shifts:
        if any(
            a.start_utc < shift.end_utc and shift.start_utc < a.end_utc
            for a in absences.get(shift.agent_code, ())
        ):
            off.append(f"{shift.agent_code} {shift.shift_date.isoformat()}")
        else:
            kept.append(shift)
    return tuple(kept), off


def _shifts_of(
    agent: Agent, pattern: ShiftPattern, week_start: date, spec: BidRoundSpec
) -> list[Shift]:
    queues = [s for s in pattern.skills if s in agent.queue_skills] + sorted(agent.queue_skills)
    campaigns = [s for s in pattern.skills if s in agent.campaign_skills]
    campaigns += sorted(agent.campaign_skills)
    if queues:
        work = {"activity": Activity.SERVE, "queue_code": queues[0]}
    elif campaigns:
        work = {"activity": Activity.SELL, "campaign_code": campaigns[0]}
    else:
        work = {"activity": Activity.OTHER}
    out = []
    for one in pattern_shifts(pattern, week_start, spec.zone, spec.shift_rules):
        spans: list[ActivitySpan] = []
        at = one.start_utc
        for kind, begin, end in one.breaks:
            if begin > at:
                spans.append(ActivitySpan(at, begin, **work))  # type: ignore[arg-type]
            spans.append(ActivitySpan(begin, end, Activity(kind)))
            at = end
        if at < one.end_utc:
            spans.append(ActivitySpan(at, one.end_utc, **work))  # type: ignore[arg-type]
        out.append(
            Shift(
                agent_code=agent.code,
                shift_date=one.shift_date,
                start_utc=one.start_utc,
                end_utc=one.end_utc,
                breaks=tuple(ShiftBreak(b, e, k) for k, b, e in one.breaks),
                activities=tuple(spans),
            )
        )
    return out


# ------------------------------------------------------------------------------ agents
def _agent_round(session: Session, agent_code: str, round_id: int) -> BidRoundRecord:
    """The round if it is of the agent's site and published, else NotFoundError (an agent
    learns nothing of other sites' rounds or of drafts)."""
    site = AgentRepository(session).get(agent_code).agent.site_code
    try:
        record = BidRepository(session).get(round_id)
    except NotFoundError:
        record = None
    if record is None or record.site_code != site:
        raise NotFoundError(f"no bid round {round_id} of your site")
    return record


def my_rounds(session: Session, agent_code: str) -> list[dict[str, Any]]:
    """The published rounds of the agent's site, newest first: the patterns open to the agent,
    the agent's ranking and, once assigned, the agent's own award."""
    site = AgentRepository(session).get(agent_code).agent.site_code
    records = BidRepository(session).list(site, statuses=("open", "closed", *AWARDED))
    return [my_round(session, agent_code, r) for r in records]


def my_round(session: Session, agent_code: str, record: BidRoundRecord) -> dict[str, Any]:
    spec = round_spec(session, record)
    me = bidders(session, record, only=agent_code)
    open_to_me = eligible_patterns(me[0], spec) if me else ()
    result = (record.results or {}).get(agent_code) if record.status in AWARDED else None
    names = {p.id: p.label for p in record.patterns}
    return {
        "id": record.id,
        "name": record.name,
        "week_start": record.week_start,
        "weeks": record.weeks,
        "rule": record.rule,
        "status": status_of(record),
        "closes_at_utc": record.closes_at_utc,
        "patterns": [pattern_view(p, spec) for p in open_to_me],
        "ranking": BidRepository(session).ranking_of(record.id, agent_code),
        "result": None
        if result is None
        else {**result, "pattern": names.get(result["pattern_id"])},
    }


def my_result(session: Session, agent_code: str, round_id: int) -> dict[str, Any]:
    """The agent's own award of an assigned round (ConflictError before it is assigned)."""
    record = _agent_round(session, agent_code, round_id)
    if record.status == "draft":
        raise NotFoundError(f"no bid round {round_id} of your site")
    view = my_round(session, agent_code, record)
    if view["result"] is None:
        raise ConflictError(f"bid round {round_id} is {view['status']}; not assigned yet")
    return dict(view["result"])


def put_ranking(
    session: Session, agent_code: str, round_id: int, pattern_ids: Sequence[int]
) -> dict[str, Any]:
    """Store the agent's ranking of an open round; ConflictError when the round does not take
    bids now, ValidationError naming each refused position; nothing is stored then."""
    record = _agent_round(session, agent_code, round_id)
    state = status_of(record)
    if state == "draft":
        raise ConflictError(f"bid round {round_id} is not published yet; it takes no bids")
    if state != "open":
        raise ConflictError(
            f"bid round {round_id} is {state}: bids closed at "
            f"{record.closes_at_utc:%Y-%m-%d %H:%M} UTC"
        )
    spec = round_spec(session, record)
    me = bidders(session, record, only=agent_code)
    if not me:
        raise ConflictError(f"agent {agent_code!r} is not active at the round's site")
    by_id = {p.id: p for p in spec.patterns}
    found: list[str] = []
    seen: set[int] = set()
    for i, pattern_id in enumerate(pattern_ids):
        where = f"pattern_ids[{i}]"
        if pattern_id in seen:
            found.append(f"{where}: pattern {pattern_id} is ranked twice")
        seen.add(pattern_id)
        pattern = by_id.get(pattern_id)
        if pattern is None:
            found.append(f"{where}: bid round {round_id} has no pattern {pattern_id}")
            continue
        why = ineligibility(pattern, me[0], spec)
        if why is not None:
            found.append(
                f"{where}: you may not bid for pattern {pattern_id} ({pattern.label}): {why}"
            )
    if found:
        raise ValidationError("; ".join(found))
    BidRepository(session).put_ranking(round_id, agent_code, pattern_ids)
    return my_round(session, agent_code, BidRepository(session).get(round_id))
