"""The oracle of every solver test: the result's JSON read back as a roster, evaluated from
scratch, and its summary compared with that evaluation and with sums counted here directly from
the roster's activities (serving per interval, selling hours) and Erlang A. Seats and the site's
rules (shift lengths and hours, start step, breaks, rest, consecutive days) are checked here on
the roster's own times, from the values the test set (`site_rule_breaches`), without the
evaluation's code; with wages, the summary's labour cost against a count minute by minute
(`labour_cost_by_minute`)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from scipy.stats import binom

from erlang import erlang_a
from scheduling.economics import requirement
from scheduling.evaluate import Evaluation, evaluate
from scheduling.problem import BreakRule, Problem, QueueSpec
from scheduling.roster import Roster, RosterShift, roster_from_json
from scheduling.solver import SolveResult
from wfm.domain.labour_cost import ContractWage, LabourCost


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def activity_counts(problem: Problem, document: dict) -> dict[str, np.ndarray]:
    """Agents per activity (`serve:Q`, `sell:C`, ...) and interval of the horizon, counted from
    the roster document's activity spans."""
    step = timedelta(minutes=problem.horizon.interval_minutes)
    total = problem.interval_count
    start = problem.start_utc
    counts: dict[str, np.ndarray] = {}
    for entry in document["agents"]:
        for shift in entry["shifts"]:
            for span in shift["activities"]:
                t = _instant(span["start_utc"])
                end = _instant(span["end_utc"])
                while t < end:
                    i = (t - start) // step
                    if 0 <= i < total:
                        counts.setdefault(span["activity"], np.zeros(total, dtype=int))[i] += 1
                    t += step
    return counts


def check_result(
    problem: Problem, result: SolveResult, *, allowed_rules: Iterable[str] = ()
) -> tuple[dict, Roster, Evaluation]:
    """Evaluate the result's roster independently; fail on any hard violation not in
    `allowed_rules` and on any summary figure that disagrees with the evaluation."""
    document = json.loads(json.dumps(result.to_json()))
    assert document["format"] == "wfm.roster"
    assert document["version"] == 1
    roster = roster_from_json(document)
    evaluation = evaluate(problem, roster)
    broken = {v.rule for v in evaluation.violations}
    assert broken <= set(allowed_rules), [str(v) for v in evaluation.violations]
    summary = document["summary"]
    assert summary["hard_violations"] == evaluation.hard_violations
    if evaluation.hard_violations:
        assert summary["status"] == "best_effort"
    else:
        assert summary["status"] in ("optimal", "feasible")
    assert summary["objective"] == pytest.approx(evaluation.objective, abs=0.01)
    assert summary["under_coverage_agent_hours"] == pytest.approx(
        evaluation.under_coverage_agent_hours, abs=0.01
    )
    assert summary["sell_hours"] == pytest.approx(evaluation.sell_hours, abs=0.01)
    assert summary["outbound_value"] == pytest.approx(evaluation.sell_value, abs=0.01)
    if summary["bound"] is not None:
        # the design LP is a relaxation: no roster can beat its optimum
        assert summary["objective"] <= summary["bound"] + 0.02 + 1e-6 * abs(summary["bound"])
        assert summary["gap"] is not None and summary["gap"] >= 0.0
    assert summary["shifts"] == len(roster.shifts)
    if problem.seats is not None and "seats" not in set(allowed_rules):
        assert on_site_counts(problem, roster).max(initial=0) <= problem.seats

    # figures counted here from the activities, not taken from the evaluation
    counts = activity_counts(problem, document)
    hours = problem.interval_hours
    zeros = np.zeros(problem.interval_count, dtype=int)
    short_hours = 0.0
    for q, queue in enumerate(problem.queues):
        serving = counts.get(f"serve:{queue.code}", zeros)
        np.testing.assert_array_equal(evaluation.queues[q].serving, serving)
        intervals = [i["queues"][queue.code]["serving"] for i in document["intervals"]]
        assert intervals == serving.tolist()
        short_hours += float(np.maximum(0, requirement(problem, queue) - serving).sum()) * hours
        figures = summary["queues"][queue.code]
        if queue.contacts is None or sum(queue.contacts) == 0:
            continue
        contacts = np.asarray(queue.contacts, dtype=float)
        within, answered = expected_under_absence(problem, queue, serving)
        weekly_sl = float(within.sum() / contacts.sum())
        weekly_ar = float(answered.sum() / contacts.sum())
        assert figures["predicted_service_level"] == pytest.approx(weekly_sl, abs=1e-5)
        assert figures["predicted_answer_rate"] == pytest.approx(weekly_ar, abs=1e-5)
    assert summary["under_coverage_agent_hours"] == pytest.approx(short_hours, abs=0.01)
    sell_hours = sum(float(v.sum()) * hours for k, v in counts.items() if k.startswith("sell:"))
    assert summary["sell_hours"] == pytest.approx(sell_hours, abs=0.01)
    assert math.isfinite(summary["solve_seconds"])
    if problem.labour_cost is not None:
        assert summary["labour_cost"] == pytest.approx(
            labour_cost_by_minute(problem, roster), abs=0.01
        )
    return document, roster, evaluation


def labour_cost_by_minute(problem: Problem, roster: Roster) -> float:
    """The roster's labour cost counted here minute by minute on the local clock: each shift less
    the breaks whose rule (same kind and length, for the shift's length) is unpaid, each paid
    minute at the contract's rate plus the surcharge of every premium window holding it (a
    window belongs to the day it starts on), and the overtime surcharge on the week's paid
    minutes beyond the wage's threshold (default: the contract's maximum)."""
    labour = problem.labour_cost
    assert labour is not None
    zone = problem.zone
    contracts = {agent.code: agent.contract for agent in problem.agents}
    total = 0.0
    for code, shifts in roster.by_agent().items():
        contract = contracts[code]
        wage = next((w for w in labour.wages if w.contract == contract.code), None)
        if wage is None:
            continue
        paid_minutes = 0
        for shift in shifts:
            unpaid = [
                (brk.start_utc, brk.end_utc)
                for brk in shift.breaks
                if any(
                    not rule.paid
                    and rule.kind == brk.kind
                    and rule.minutes * 60 == (brk.end_utc - brk.start_utc).total_seconds()
                    for rule in problem.shift_rules.breaks_for(round(shift.minutes))
                )
            ]
            moment = shift.start_utc
            while moment < shift.end_utc:
                if not any(begin <= moment < end for begin, end in unpaid):
                    paid_minutes += 1
                    total += _rate_at(labour, wage, contract.code, moment.astimezone(zone)) / 60
                moment += timedelta(minutes=1)
        threshold = wage.overtime_after_weekly_paid_hours
        threshold = contract.weekly_paid_hours_max if threshold is None else threshold
        surcharge = wage.hourly_rate * (wage.overtime_multiplier - 1) + wage.overtime_extra_per_hour
        total += surcharge * max(0.0, paid_minutes / 60 - threshold)
    return total


def _rate_at(labour: LabourCost, wage: ContractWage, contract: str, local: datetime) -> float:
    rate = wage.hourly_rate
    minute = local.hour * 60 + local.minute
    for premium in labour.premiums:
        if premium.contracts is not None and contract not in premium.contracts:
            continue
        begin = premium.start_local.hour * 60 + premium.start_local.minute
        end = premium.end_local.hour * 60 + premium.end_local.minute
        length = (end - begin) % 1440 or 1440
        today = local.weekday() in premium.weekdays and begin <= minute < begin + length
        yesterday = (local.weekday() - 1) % 7 in premium.weekdays and minute + 1440 < begin + length
        if today or yesterday:
            rate += wage.hourly_rate * (premium.multiplier - 1) + premium.extra_per_hour
    return float(rate)


def solve_checked(
    problem: Problem,
    *,
    allowed_rules: Iterable[str] = (),
    time_limit_seconds: float = 3.0,
    seed: int = 1,
) -> tuple[SolveResult, Evaluation]:
    """Solve a tiny problem (one worker, a short time limit) and pass it through the oracle."""
    from scheduling.solver import solve

    result = solve(problem, time_limit_seconds=time_limit_seconds, seed=seed, workers=1)
    _, _, evaluation = check_result(problem, result, allowed_rules=allowed_rules)
    return result, evaluation


def expected_under_absence(
    problem: Problem, queue: QueueSpec, serving: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expected contacts answered within the threshold and answered per interval with
    `serving` rostered, each agent absent with probability `problem.shrinkage`: Erlang A at
    every whole staffing 0..serving weighed by the binomial pmf (the whole range, no band)."""
    assert queue.contacts is not None and queue.aht_seconds is not None
    contacts = np.asarray(queue.contacts, dtype=float)
    rostered = np.asarray(serving, dtype=int)
    if problem.shrinkage == 0.0:  # nobody is absent: the rostered serve
        k = rostered.astype(float)[:, None]
    else:
        k = np.arange(int(rostered.max(initial=0)) + 1, dtype=float)[None, :]
    kpis = erlang_a(
        contacts[:, None],
        problem.horizon.interval_minutes * 60.0,
        np.broadcast_to(np.asarray(queue.aht_seconds, dtype=float), contacts.shape)[:, None],
        k,
        queue.patience_seconds,
        queue.service_threshold_seconds,
        concurrency=queue.concurrency,
    )
    pmf = binom.pmf(k, rostered[:, None], 1.0 - problem.shrinkage)  # 1 at k = r without shrinkage
    within = (pmf * np.asarray(kpis.service_level)).sum(axis=1) * contacts
    answered = (pmf * np.asarray(kpis.answered_per_interval)).sum(axis=1)
    return within, answered


def on_site_counts(problem: Problem, roster: Roster) -> np.ndarray:
    """Agents on site per interval of the horizon: every shift from its start to its end,
    breaks and lunches included (they are taken at the workstation's site)."""
    step = timedelta(minutes=problem.horizon.interval_minutes)
    counts = np.zeros(problem.interval_count, dtype=int)
    for shift in roster.shifts:
        for i in range(problem.interval_count):
            begin = problem.start_utc + i * step
            if shift.start_utc < begin + step and begin < shift.end_utc:
                counts[i] += 1
    return counts


@dataclass(frozen=True)
class SiteRulesSet:
    """Rules as a test set them (None: not set), for `site_rule_breaches`."""

    seats: int | None = None
    shift_lengths_minutes: tuple[int, ...] | None = None
    earliest_start_local: time | None = None
    latest_end_local: time | None = None  # at or before the earliest start: the next day
    start_step_minutes: int | None = None
    breaks: tuple[BreakRule, ...] | None = None
    min_rest_hours: float | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None


def site_rule_breaches(problem: Problem, roster: Roster, rules: SiteRulesSet) -> list[str]:
    """Every breach of the rules by the roster, worked out from its shifts' own instants in
    the site's zone."""
    zone = problem.zone
    found: list[str] = []
    if rules.seats is not None:
        counts = on_site_counts(problem, roster)
        if counts.max(initial=0) > rules.seats:
            found.append(f"seats: {counts.max()} on site, {rules.seats} seats")
    by_agent: dict[str, list[RosterShift]] = {}
    for shift in roster.shifts:
        by_agent.setdefault(shift.agent_code, []).append(shift)
        start, end = shift.start_utc.astimezone(zone), shift.end_utc.astimezone(zone)
        minutes = round((shift.end_utc - shift.start_utc).total_seconds() / 60)
        who = f"{shift.agent_code} {start:%a %H:%M}"
        if rules.shift_lengths_minutes is not None and minutes not in rules.shift_lengths_minutes:
            found.append(f"length: {who} lasts {minutes} min")
        step = rules.start_step_minutes
        if step is not None and (start.hour * 60 + start.minute) % step:
            found.append(f"start step: {who}")
        if rules.earliest_start_local is not None and rules.latest_end_local is not None:
            day = start.date()
            opens = datetime.combine(day, rules.earliest_start_local, tzinfo=zone)
            next_day = rules.latest_end_local <= rules.earliest_start_local
            end_day = day + timedelta(days=1) if next_day else day
            closes = datetime.combine(end_day, rules.latest_end_local, tzinfo=zone)
            if start < opens or end > closes:
                found.append(f"site hours: {who}-{end:%H:%M}")
        if rules.breaks is not None:
            found += _break_breaches(shift, minutes, rules.breaks, who)
    for code, shifts in by_agent.items():
        shifts.sort(key=lambda s: s.start_utc)
        if rules.min_rest_hours is not None:
            for first, second in zip(shifts, shifts[1:], strict=False):
                rest = (second.start_utc - first.end_utc).total_seconds() / 3600
                if rest < rules.min_rest_hours - 1e-9:
                    found.append(f"rest: {code} {rest:g} h before {second.start_utc}")
        if rules.max_consecutive_days is not None:
            days = sorted({s.start_utc.astimezone(zone).date() for s in shifts})
            run = longest = 0
            previous: date | None = None
            for day in days:
                run = run + 1 if previous and (day - previous).days == 1 else 1
                longest = max(longest, run)
                previous = day
            if longest > rules.max_consecutive_days:
                found.append(f"consecutive days: {code} works {longest} in a row")
        if rules.min_consecutive_days_off:
            worked = {s.start_utc.astimezone(zone).date() for s in shifts}
            run = longest_off = 0
            for day in problem.dates():
                run = 0 if day in worked else run + 1
                longest_off = max(longest_off, run)
            if longest_off < rules.min_consecutive_days_off:
                found.append(f"days off: {code} has at most {longest_off} in a row")
    return found


def _break_breaches(
    shift: RosterShift, minutes: int, rules: tuple[BreakRule, ...], who: str
) -> list[str]:
    """The shift has one break of each rule applying to its length, in its window, in order."""
    applying = sorted(
        (
            r
            for r in rules
            if r.min_shift_minutes <= minutes
            and (r.max_shift_minutes is None or minutes <= r.max_shift_minutes)
        ),
        key=lambda r: r.earliest_start_after_shift_start_minutes,
    )
    breaks = sorted(shift.breaks, key=lambda b: b.start_utc)
    if len(breaks) != len(applying):
        return [f"breaks: {who} has {len(breaks)}, its length takes {len(applying)}"]
    found = []
    for rule, taken in zip(applying, breaks, strict=True):
        offset = (taken.start_utc - shift.start_utc).total_seconds() / 60
        length = (taken.end_utc - taken.start_utc).total_seconds() / 60
        window = (
            rule.earliest_start_after_shift_start_minutes,
            rule.latest_start_after_shift_start_minutes,
        )
        if taken.kind != rule.kind or length != rule.minutes:
            found.append(f"breaks: {who} {taken.kind} {length:g} min, rule {rule.kind}")
        elif not window[0] <= offset <= window[1]:
            found.append(f"break window: {who} {taken.kind} {offset:g} min in, window {window}")
    return found
