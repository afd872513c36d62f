"""Contradictions in a problem, found before solving and named by JSON path, agent or campaign.

`check_problem` returns the errors that make a problem unusable (a contract no shift length
fits, an agent with no skills, a campaign with no calling hours, arrays of the wrong length...).
The solver's own pre-flight (`scheduling.solver`) adds warnings for what a particular week makes
impossible (an agent whose time off leaves too few days), which it reports and then solves.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduling.problem import (
    PREFERENCE_KINDS,
    AgentSpec,
    CampaignSpec,
    Contract,
    Preference,
    Problem,
    QueueSpec,
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
    if problem.seats is not None and problem.seats < 0:
        issues.append(f"$.seats: must be >= 0 or null, got {problem.seats}")
    _duplicates(issues, "queues", [queue.code for queue in problem.queues])
    _duplicates(issues, "campaigns", [campaign.code for campaign in problem.campaigns])
    _duplicates(issues, "agents", [agent.code for agent in problem.agents])
    if not problem.queues:
        issues.append("$.queues: at least one queue is needed")
    for i, queue in enumerate(problem.queues):
        _check_queue(issues, f"$.queues[{i}]", queue, problem)
    _check_shift_rules(issues, problem.shift_rules, step)
    for i, campaign in enumerate(problem.campaigns):
        _check_campaign(issues, f"$.campaigns[{i}]", campaign, step)
    agents_by_contract: dict[str, list[str]] = {}
    contracts: dict[str, Contract] = {}
    for i, agent in enumerate(problem.agents):
        path = f"$.agents[{i}]"
        agents_by_contract.setdefault(agent.contract.code, []).append(agent.code)
        known = contracts.setdefault(agent.contract.code, agent.contract)
        if known != agent.contract:
            issues.append(
                f"{path}.contract: agent {agent.code} has a contract coded "
                f"{agent.contract.code!r} that differs from another agent's contract with that "
                "code"
            )
        _check_agent(issues, path, agent, problem)
    for code, contract in contracts.items():
        names = agents_by_contract[code]
        who = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        for problem_text in _contract_contradictions(contract, problem.shift_rules, step):
            issues.append(f"contract {code} (agents {who}): {problem_text}")
        off = contract.min_consecutive_days_off
        if off > horizon.days:
            issues.append(
                f"contract {code} (agents {who}): min_consecutive_days_off {off} is longer than "
                f"the horizon ({horizon.days} days)"
            )
        elif off and contract.days_per_week_min > horizon.days - off:
            issues.append(
                f"contract {code} (agents {who}): days_per_week_min {contract.days_per_week_min} "
                f"leaves no run of {off} days off in {horizon.days} days"
            )
    return issues


def _check_queue(issues: list[str], path: str, queue: QueueSpec, problem: Problem) -> None:
    """Demand given one way or the other, arrays one value per interval, and targets, patience,
    concurrency, handle times and contacts in range."""
    horizon = problem.horizon
    step = horizon.interval_minutes
    total = problem.interval_count
    first, last = problem.start_utc, problem.end_utc
    code = queue.code
    if queue.contacts is None and queue.required_agents is None:
        issues.append(f"{path}: queue {code} needs contacts and aht_seconds, or required_agents")
    if (queue.contacts is None) != (queue.aht_seconds is None):
        issues.append(f"{path}: queue {code} needs both contacts and aht_seconds")
    for key, values in (
        ("contacts", queue.contacts),
        ("aht_seconds", queue.aht_seconds),
        ("required_agents", queue.required_agents),
    ):
        if values is not None and len(values) != total:
            issues.append(
                f"{path}.{key}: queue {code} has {len(values)} values; the horizon from "
                f"{horizon.start_date} ({horizon.days} days of {step}-minute intervals, "
                f"{problem.timezone}) has {total} intervals ({first:%Y-%m-%d %H:%M} to "
                f"{last:%Y-%m-%d %H:%M} UTC)"
            )
    targets = {
        "service_level_target": queue.service_level_target,
        "min_answer_rate": queue.min_answer_rate,
        "max_abandon_rate": queue.max_abandon_rate,
    }
    for name, target in targets.items():
        if target is not None and not 0.0 < target < 1.0:
            issues.append(f"{path}.{name}: must be in (0, 1)")
    if all(target is None for target in targets.values()):
        issues.append(
            f"{path}.service_level_target: queue {code} has no target: give a service level, "
            "min_answer_rate or max_abandon_rate"
        )
    if queue.patience_seconds <= 0:
        issues.append(f"{path}.patience_seconds: must be > 0")
    if queue.concurrency < 1:
        issues.append(f"{path}.concurrency: must be >= 1")
    if queue.aht_seconds is not None and any(seconds <= 0 for seconds in queue.aht_seconds):
        issues.append(f"{path}.aht_seconds: handle times must be > 0")
    if queue.contacts is not None and any(count < 0 for count in queue.contacts):
        issues.append(f"{path}.contacts: contacts must be >= 0")
    _check_calibration(issues, path, queue)


def _check_calibration(issues: list[str], path: str, queue: QueueSpec) -> None:
    """A calibration's availability in (0, 1], a positive patience that is the queue's, and
    finite recalibration coefficients."""
    calibration = queue.calibration
    if calibration is None:
        return
    if not 0.0 < calibration.availability <= 1.0:
        issues.append(
            f"{path}.calibration.availability: must be in (0, 1], got {calibration.availability}"
        )
    patience = calibration.patience_seconds
    if not (math.isfinite(patience) and patience > 0.0):
        issues.append(f"{path}.calibration.patience_seconds: must be > 0, got {patience}")
    elif not math.isclose(queue.patience_seconds, patience, rel_tol=1e-9):
        issues.append(
            f"{path}.patience_seconds: {queue.patience_seconds:g} is not the calibration's "
            f"patience_seconds ({patience:g}), which a calibrated queue's model uses"
        )
    for key in ("answer_rate_coefficients", "service_level_coefficients"):
        coefficients = getattr(calibration, key)
        if len(coefficients) != 4 or not all(math.isfinite(b) for b in coefficients):
            issues.append(f"{path}.calibration.{key}: needs four finite numbers")


def _check_campaign(issues: list[str], path: str, campaign: CampaignSpec, step: int) -> None:
    """24 hourly values, calling hours of at least an interval, minimum within the maximum, and
    an efficiency in (0, 1]."""
    if len(campaign.value_per_productive_hour_by_hour) != 24:
        issues.append(f"{path}.value_per_productive_hour_by_hour: needs 24 values (hours 0-23)")
    open_minutes = sum(
        (minute_of_day(window.end_local) - minute_of_day(window.start_local)) % (24 * 60) or 24 * 60
        for window in campaign.calling_hours
    )
    if not campaign.calling_hours or open_minutes < step:
        issues.append(
            f"{path}.calling_hours: campaign {campaign.code} has no calling hours "
            f"(at least one window of {step} minutes or more is needed)"
        )
    if (
        campaign.max_hours_per_week is not None
        and campaign.max_hours_per_week < campaign.min_hours_per_week
    ):
        issues.append(
            f"{path}: campaign {campaign.code} has max_hours_per_week "
            f"{campaign.max_hours_per_week} below min_hours_per_week "
            f"{campaign.min_hours_per_week}"
        )
    if not 0.0 < campaign.efficiency <= 1.0:
        issues.append(f"{path}.efficiency: must be in (0, 1]")


def _check_agent(issues: list[str], path: str, agent: AgentSpec, problem: Problem) -> None:
    """Known skills, and well-formed absences, preferences and last week."""
    queue_codes = {queue.code for queue in problem.queues}
    campaign_codes = {campaign.code for campaign in problem.campaigns}
    if not agent.queue_skills and not agent.campaign_skills:
        issues.append(f"{path}: agent {agent.code} has no skills (no queue and no campaign)")
    for skill in agent.queue_skills:
        if skill not in queue_codes:
            issues.append(f"{path}.queues: agent {agent.code} names unknown queue {skill!r}")
    for skill in agent.campaign_skills:
        if skill not in campaign_codes:
            issues.append(f"{path}.campaigns: agent {agent.code} names unknown campaign {skill!r}")
    for key, entries in (("unavailable", agent.unavailable), ("time_off", agent.time_off)):
        for j, entry in enumerate(entries):
            if entry.start_utc.tzinfo is None or entry.end_utc.tzinfo is None:
                issues.append(f"{path}.{key}[{j}]: times must carry a UTC offset")
            elif entry.end_utc <= entry.start_utc:
                issues.append(
                    f"{path}.{key}[{j}]: agent {agent.code}'s period ends before it starts"
                )
    for j, pref in enumerate(agent.preferences):
        _check_preference(issues, f"{path}.preferences[{j}]", pref)
    if agent.last_week is not None:
        _check_last_week(issues, path, agent, problem)


def _check_preference(issues: list[str], path: str, pref: Preference) -> None:
    if pref.kind not in PREFERENCE_KINDS:
        issues.append(f"{path}.kind: unknown kind {pref.kind!r}")
    if pref.kind == "voluntary_time_off":
        hours = pref.vto_hours_max
        if hours is None or not math.isfinite(hours) or hours <= 0:
            issues.append(f"{path}: voluntary_time_off needs vto_hours_max, above 0")
    elif pref.vto_hours_max is not None:
        issues.append(f"{path}: only voluntary_time_off takes vto_hours_max")
    if pref.kind == "max_evenings":
        if pref.max_evening_shifts is None or pref.max_evening_shifts < 0:
            issues.append(f"{path}: max_evenings needs max_evening_shifts, 0 or more")
    elif pref.max_evening_shifts is not None or pref.evening_from_local is not None:
        issues.append(f"{path}: only max_evenings takes max_evening_shifts or evening_from_local")
    if pref.kind == "start_between":
        lo, hi = pref.earliest_start_local, pref.latest_start_local
        if lo is None and hi is None:
            issues.append(f"{path}: start_between needs earliest_start_local or latest_start_local")
        elif lo is not None and hi is not None and hi < lo:
            issues.append(f"{path}: latest_start_local is before earliest_start_local")


def _check_last_week(issues: list[str], path: str, agent: AgentSpec, problem: Problem) -> None:
    """Last week's final shift: times with an offset, in order, and before the horizon."""
    last_week = agent.last_week
    assert last_week is not None
    start, end = last_week.final_shift_start_utc, last_week.final_shift_end_utc
    if start.tzinfo is None or end.tzinfo is None:
        issues.append(f"{path}.last_week: times must carry a UTC offset")
    elif end <= start:
        issues.append(f"{path}.last_week: agent {agent.code}'s final shift ends before it starts")
    elif start >= problem.start_utc:
        issues.append(
            f"{path}.last_week: agent {agent.code}'s final shift of last week starts at or "
            "after the horizon start"
        )


def _duplicates(issues: list[str], key: str, codes: list[str]) -> None:
    for code, count in Counter(codes).items():
        if count > 1:
            issues.append(f"$.{key}: code {code!r} is used {count} times")


def shift_rule_issues(rules: ShiftRules, contracts: Sequence[Contract], step: int) -> list[str]:
    """The contradictions of shift rules on their own and with each contract (on intervals of
    `step` minutes), as the problem's checks word them: for checking rules before any problem
    is built from them."""
    issues: list[str] = []
    _check_shift_rules(issues, rules, step)
    for contract in contracts:
        for text in _contract_contradictions(contract, rules, step):
            issues.append(f"contract {contract.code}: {text}")
    return issues


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
    if contract.min_consecutive_days_off < 0:
        found.append("min_consecutive_days_off must be >= 0")
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
        reachable = {total + minutes for total in reachable for minutes in paid}
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
            + "/".join(str(minutes) for minutes in paid)
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
