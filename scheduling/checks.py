"""Contradictions in a problem, found before solving and named by JSON path, agent or campaign.

`check_problem` returns the errors that make a problem unusable (a contract no shift length
fits, an agent with no skills, a campaign with no calling hours, arrays of the wrong length...).
The solver's own pre-flight (`scheduling.solver`) adds warnings for what a particular week makes
impossible (an agent whose time off leaves too few days), which it reports and then solves.
"""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduling.problem import (
    Contract,
    Problem,
    ShiftRules,
    minute_of_day,
)


class ProblemError(ValueError):
    """A problem that can't be solved as given; `issues` lists every reason, one line each."""

    def __init__(self, issues: list[str]) -> None:
        self.issues = tuple(issues)
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"{issues[0]}{more}" if issues else "invalid problem")


def check_problem(problem: Problem) -> list[str]:
    """Every contradiction in the problem, as 'path: message' lines (empty when usable)."""
    issues: list[str] = []
    try:
        ZoneInfo(problem.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return [f"$.site.timezone: unknown time zone {problem.timezone!r}"]
    horizon = problem.horizon
    step = horizon.interval_minutes
    if horizon.days < 1:
        issues.append(f"$.horizon.days: must be >= 1, got {horizon.days}")
        return issues
    if (24 * 60) % step:
        issues.append(f"$.horizon.interval_minutes: must divide a day, got {step}")
        return issues
    if not 0.0 <= problem.shrinkage < 1.0:
        issues.append(f"$.shrinkage: must be in [0, 1), got {problem.shrinkage}")
    _duplicates(issues, "queues", [q.code for q in problem.queues])
    _duplicates(issues, "campaigns", [c.code for c in problem.campaigns])
    _duplicates(issues, "agents", [a.code for a in problem.agents])
    if not problem.queues:
        issues.append("$.queues: at least one queue is needed")
    total = problem.interval_count
    first, last = problem.start_utc, problem.end_utc
    for i, q in enumerate(problem.queues):
        path = f"$.queues[{i}]"
        if q.contacts is None and q.required_agents is None:
            issues.append(
                f"{path}: queue {q.code} needs contacts and aht_seconds, or required_agents"
            )
        if (q.contacts is None) != (q.aht_seconds is None):
            issues.append(f"{path}: queue {q.code} needs both contacts and aht_seconds")
        for key, values in (
            ("contacts", q.contacts),
            ("aht_seconds", q.aht_seconds),
            ("required_agents", q.required_agents),
        ):
            if values is not None and len(values) != total:
                issues.append(
                    f"{path}.{key}: queue {q.code} has {len(values)} values; the horizon from "
                    f"{horizon.start_date} ({horizon.days} days of {step}-minute intervals, "
                    f"{problem.timezone}) has {total} intervals ({first:%Y-%m-%d %H:%M} to "
                    f"{last:%Y-%m-%d %H:%M} UTC)"
                )
        if not 0.0 < q.service_level_target < 1.0:
            issues.append(f"{path}.service_level_target: must be in (0, 1)")
        if q.patience_seconds <= 0:
            issues.append(f"{path}.patience_seconds: must be > 0")
        if q.concurrency < 1:
            issues.append(f"{path}.concurrency: must be >= 1")
        if q.aht_seconds is not None and any(x <= 0 for x in q.aht_seconds):
            issues.append(f"{path}.aht_seconds: handle times must be > 0")
        if q.contacts is not None and any(x < 0 for x in q.contacts):
            issues.append(f"{path}.contacts: contacts must be >= 0")
    _check_shift_rules(issues, problem.shift_rules, step)
    queue_codes = {q.code for q in problem.queues}
    campaign_codes = {c.code for c in problem.campaigns}
    for i, c in enumerate(problem.campaigns):
        path = f"$.campaigns[{i}]"
        if len(c.value_per_productive_hour_by_hour) != 24:
            issues.append(f"{path}.value_per_productive_hour_by_hour: needs 24 values (hours 0-23)")
        open_minutes = sum(
            (minute_of_day(w.end_local) - minute_of_day(w.start_local)) % (24 * 60) or 24 * 60
            for w in c.calling_hours
        )
        if not c.calling_hours or open_minutes < step:
            issues.append(
                f"{path}.calling_hours: campaign {c.code} has no calling hours "
                f"(at least one window of {step} minutes or more is needed)"
            )
        if c.max_hours_per_week is not None and c.max_hours_per_week < c.min_hours_per_week:
            issues.append(
                f"{path}: campaign {c.code} has max_hours_per_week {c.max_hours_per_week} below "
                f"min_hours_per_week {c.min_hours_per_week}"
            )
        if not 0.0 < c.efficiency <= 1.0:
            issues.append(f"{path}.efficiency: must be in (0, 1]")
    agents_by_contract: dict[str, list[str]] = {}
    contracts: dict[str, Contract] = {}
    for i, a in enumerate(problem.agents):
        path = f"$.agents[{i}]"
        agents_by_contract.setdefault(a.contract.code, []).append(a.code)
        known = contracts.setdefault(a.contract.code, a.contract)
        if known != a.contract:
            issues.append(
                f"{path}.contract: agent {a.code} has a contract coded {a.contract.code!r} that "
                "differs from another agent's contract with that code"
            )
        if not a.queue_skills and not a.campaign_skills:
            issues.append(f"{path}: agent {a.code} has no skills (no queue and no campaign)")
        for skill in a.queue_skills:
            if skill not in queue_codes:
                issues.append(f"{path}.queues: agent {a.code} names unknown queue {skill!r}")
        for skill in a.campaign_skills:
            if skill not in campaign_codes:
                issues.append(f"{path}.campaigns: agent {a.code} names unknown campaign {skill!r}")
        for key, entries in (("unavailable", a.unavailable), ("time_off", a.time_off)):
            for j, entry in enumerate(entries):
                if entry.start_utc.tzinfo is None or entry.end_utc.tzinfo is None:
                    issues.append(f"{path}.{key}[{j}]: times must carry a UTC offset")
                elif entry.end_utc <= entry.start_utc:
                    issues.append(
                        f"{path}.{key}[{j}]: agent {a.code}'s period ends before it starts"
                    )
        for j, pref in enumerate(a.preferences):
            if pref.kind not in ("day_off", "work_day", "start_between"):
                issues.append(f"{path}.preferences[{j}].kind: unknown kind {pref.kind!r}")
            if pref.kind == "start_between":
                lo, hi = pref.earliest_start_local, pref.latest_start_local
                if lo is None and hi is None:
                    issues.append(
                        f"{path}.preferences[{j}]: start_between needs earliest_start_local "
                        "or latest_start_local"
                    )
                elif lo is not None and hi is not None and hi < lo:
                    issues.append(
                        f"{path}.preferences[{j}]: latest_start_local is before "
                        "earliest_start_local"
                    )
        if a.last_week is not None:
            lw = a.last_week
            if lw.final_shift_start_utc.tzinfo is None or lw.final_shift_end_utc.tzinfo is None:
                issues.append(f"{path}.last_week: times must carry a UTC offset")
            elif lw.final_shift_end_utc <= lw.final_shift_start_utc:
                issues.append(
                    f"{path}.last_week: agent {a.code}'s final shift ends before it starts"
                )
            elif lw.final_shift_start_utc >= first:
                issues.append(
                    f"{path}.last_week: agent {a.code}'s final shift of last week starts at or "
                    "after the horizon start"
                )
    for code, contract in contracts.items():
        names = agents_by_contract[code]
        who = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        for problem_text in _contract_contradictions(contract, problem.shift_rules, step):
            issues.append(f"contract {code} (agents {who}): {problem_text}")
    return issues


def _duplicates(issues: list[str], key: str, codes: list[str]) -> None:
    for code, count in Counter(codes).items():
        if count > 1:
            issues.append(f"$.{key}: code {code!r} is used {count} times")


def _check_shift_rules(issues: list[str], rules: ShiftRules, step: int) -> None:
    if rules.start_step_minutes < 1 or rules.start_step_minutes % step:
        issues.append(
            f"$.shift_rules.start_step_minutes: must be a multiple of the {step}-minute interval, "
            f"got {rules.start_step_minutes}"
        )
    for i, rule in enumerate(rules.breaks):
        path = f"$.shift_rules.breaks[{i}]"
        if rule.kind not in ("break", "lunch"):
            issues.append(f"{path}.kind: must be break or lunch, got {rule.kind!r}")
        for name in (
            "minutes",
            "earliest_start_after_shift_start_minutes",
            "latest_start_after_shift_start_minutes",
        ):
            value = getattr(rule, name)
            if value % step or value < 0 or (name == "minutes" and value == 0):
                issues.append(
                    f"{path}.{name}: must be a positive multiple of the {step}-minute interval, "
                    f"got {value}"
                )
        if (
            rule.latest_start_after_shift_start_minutes
            < rule.earliest_start_after_shift_start_minutes
        ):
            issues.append(f"{path}: the latest start is before the earliest start")


def _contract_contradictions(contract: Contract, rules: ShiftRules, step: int) -> list[str]:
    found: list[str] = []
    if contract.weekly_paid_hours_min > contract.weekly_paid_hours_max:
        found.append(
            f"weekly_paid_hours_min {contract.weekly_paid_hours_min} is above "
            f"weekly_paid_hours_max {contract.weekly_paid_hours_max}"
        )
    if contract.days_per_week_min > contract.days_per_week_max:
        found.append(
            f"days_per_week_min {contract.days_per_week_min} is above days_per_week_max "
            f"{contract.days_per_week_max}"
        )
    if contract.max_consecutive_days < 1:
        found.append("max_consecutive_days must be >= 1")
    if not contract.shift_lengths_minutes:
        found.append("no shift lengths")
        return found
    earliest = minute_of_day(contract.earliest_start_local)
    window = (minute_of_day(contract.latest_end_local) - earliest) % (24 * 60) or 24 * 60
    # a shift starts on its own day, on the start grid, at or after the earliest start
    grid = max(1, rules.start_step_minutes)
    first_start = -(-earliest // grid) * grid
    room = window - (first_start - earliest) if first_start < 24 * 60 else -1
    usable: list[int] = []
    for length in contract.shift_lengths_minutes:
        if length % step:
            found.append(
                f"shift length {length} min is not a multiple of the {step}-minute interval"
            )
            continue
        if length > room:
            continue
        trouble = _break_trouble(rules, length)
        if trouble:
            found.append(f"shift length {length} min: {trouble}")
            continue
        usable.append(length)
    if not usable:
        if not found:
            found.append(
                f"no shift length fits: none of {list(contract.shift_lengths_minutes)} min fits "
                f"between {contract.earliest_start_local:%H:%M} and "
                f"{contract.latest_end_local:%H:%M} with starts every {grid} min"
            )
        return found
    # paid hours reachable with an allowed number of days
    paid = sorted({rules.paid_minutes(length) for length in usable})
    reachable: set[int] = {0}
    by_days: dict[int, set[int]] = {0: {0}}
    for days in range(1, contract.days_per_week_max + 1):
        reachable = {r + p for r in reachable for p in paid}
        by_days[days] = reachable
    low = round(contract.weekly_paid_hours_min * 60)
    high = round(contract.weekly_paid_hours_max * 60)
    fits = any(
        low <= total <= high
        for days in range(contract.days_per_week_min, contract.days_per_week_max + 1)
        for total in by_days.get(days, set())
    )
    consistent = (
        contract.weekly_paid_hours_min <= contract.weekly_paid_hours_max
        and contract.days_per_week_min <= contract.days_per_week_max
    )
    if not fits and consistent:
        found.append(
            "no shift length fits: "
            f"{contract.days_per_week_min}-{contract.days_per_week_max} shifts of "
            + "/".join(str(p) for p in paid)
            + f" paid minutes can't give {contract.weekly_paid_hours_min:g}-"
            f"{contract.weekly_paid_hours_max:g} paid hours a week"
        )
    return found


def _break_trouble(rules: ShiftRules, length: int) -> str:
    previous_end = 0
    previous_kind = ""
    for rule in rules.breaks_for(length):
        if rule.latest_start_after_shift_start_minutes + rule.minutes > length:
            return (
                f"its {rule.kind} window ({rule.earliest_start_after_shift_start_minutes}-"
                f"{rule.latest_start_after_shift_start_minutes} min after the start, "
                f"{rule.minutes} min long) runs past the shift end"
            )
        if rule.earliest_start_after_shift_start_minutes < previous_end:
            return (
                f"the windows of its {previous_kind} and {rule.kind} overlap (each break needs "
                "its own window)"
            )
        previous_end = rule.latest_start_after_shift_start_minutes + rule.minutes
        previous_kind = rule.kind
    return ""
