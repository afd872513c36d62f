"""What a roster's paid time costs (`wfm.domain.labour_cost` prices it), and the part of it the
roster objective counts: the flexible hours.

A shift's paid time is the shift less its unpaid breaks: each break is matched to the break rule
due at its place (`ShiftRules.breaks_for`, in window order, as the evaluation checks them) and is
unpaid when that rule is; paid breaks are paid time.

The objective counts labour where the roster decides it: an agent whose contract's weekly paid
hours have a range (min < max) costs the contract's hourly rate for each paid hour above the
minimum, and its overtime surcharge above an overtime threshold set below its maximum
(`flexible_charge`). Contracted hours are paid whatever the roster does, so they are not in the
objective; premiums are reported, not optimised.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from scheduling.problem import AgentSpec, Problem, ShiftRules
from scheduling.roster import Roster, RosterShift
from wfm.domain.labour_cost import LabourCost, WeekCost, flexible_hours_cost, week_cost


@dataclass(frozen=True, slots=True)
class AgentLabour:
    code: str
    contract: str
    cost: WeekCost
    flexible_cost: float  # what the objective charges (hours above a flexible minimum)


@dataclass(frozen=True, slots=True)
class RosterLabour:
    """The roster's labour cost: every agent's, in total, and the contracts without a wage."""

    total: WeekCost
    flexible_cost: float
    agents: tuple[AgentLabour, ...] = ()
    contracts_without_wage: tuple[str, ...] = field(default=())


def paid_spans(rules: ShiftRules, shift: RosterShift) -> list[tuple[datetime, datetime]]:
    """The shift's paid time as [start, end) spans in time order: the shift less the breaks that
    match an unpaid rule (a break count the rules don't expect: by kind, unpaid when every rule
    of its kind for the shift's length is)."""
    breaks = sorted(shift.breaks, key=lambda b: b.start_utc)
    expected = rules.breaks_for(round(shift.minutes))
    if len(expected) == len(breaks):
        unpaid = [b for b, rule in zip(breaks, expected, strict=True) if not rule.paid]
    else:
        unpaid_kinds = {
            kind
            for kind in {r.kind for r in expected}
            if all(not r.paid for r in expected if r.kind == kind)
        }
        unpaid = [b for b in breaks if b.kind in unpaid_kinds]
    spans = []
    cursor = shift.start_utc
    for brk in unpaid:
        if brk.start_utc > cursor:
            spans.append((cursor, min(brk.start_utc, shift.end_utc)))
        cursor = max(cursor, brk.end_utc)
    if cursor < shift.end_utc:
        spans.append((cursor, shift.end_utc))
    return spans


@dataclass(frozen=True, slots=True)
class FlexibleCharge:
    """What the objective charges an agent's week: `rate_per_hour` for each paid hour above the
    week's minimum, and `overtime_rate_per_hour` more for each rostered paid hour above
    `overtime_after_hours`. The default charges nothing, and the optimizer adds no term."""

    rate_per_hour: float = 0.0
    overtime_after_hours: float = math.inf
    overtime_rate_per_hour: float = 0.0

    @property
    def charges(self) -> bool:
        return self.rate_per_hour > 0 or self.overtime_rate_per_hour > 0

    def cost(self, paid_hours: float, hours_min: float) -> float:
        return flexible_hours_cost(
            paid_hours,
            hourly_rate=self.rate_per_hour,
            weekly_paid_hours_min=hours_min,
            flexible=True,
            overtime_after_hours=self.overtime_after_hours,
            overtime_rate_per_hour=self.overtime_rate_per_hour,
        )


NO_CHARGE = FlexibleCharge()


def flexible_charge(problem: Problem, agent: AgentSpec) -> FlexibleCharge:
    """What the objective charges for the agent's hours: when the contract's weekly hours are
    flexible (min < max, or the agent offers voluntary time off below the minimum in the
    problem's horizon) and the problem has a wage for it, its hourly rate above the minimum
    and its overtime surcharge above an overtime threshold below the maximum; else nothing."""
    contract = agent.contract
    labour = problem.labour_cost
    if labour is None:
        return NO_CHARGE
    if (
        contract.weekly_paid_hours_min >= contract.weekly_paid_hours_max
        and agent.voluntary_time_off_hours(problem.dates()) <= 0
    ):
        return NO_CHARGE  # fixed hours, and no offer of time off in this horizon
    wage = labour.wage_of(contract.code)
    if wage is None:
        return NO_CHARGE
    threshold = wage.overtime_after_weekly_paid_hours
    surcharge = wage.hourly_rate * (wage.overtime_multiplier - 1) + wage.overtime_extra_per_hour
    if threshold is None or threshold >= contract.weekly_paid_hours_max or surcharge <= 0:
        return FlexibleCharge(rate_per_hour=wage.hourly_rate)
    return FlexibleCharge(wage.hourly_rate, threshold, surcharge)


def agent_labour(
    problem: Problem,
    labour: LabourCost,
    agent: AgentSpec,
    shifts: list[RosterShift],
    hours_min: float | None = None,
) -> AgentLabour:
    """One agent's week: its cost and what the objective charges for it (`hours_min`: the
    week's minimum paid hours after paid time off; None: the contract's)."""
    contract = agent.contract
    spans = [span for shift in shifts for span in paid_spans(problem.shift_rules, shift)]
    cost = week_cost(
        spans,
        contract=contract.code,
        weekly_paid_hours_max=contract.weekly_paid_hours_max,
        labour=labour,
        zone=problem.zone,
    )
    flexible = flexible_charge(problem, agent).cost(
        cost.paid_hours, contract.weekly_paid_hours_min if hours_min is None else hours_min
    )
    return AgentLabour(agent.code, contract.code, cost, flexible)


def roster_labour(
    problem: Problem, roster: Roster, hours_min: Mapping[str, float] | None = None
) -> RosterLabour | None:
    """The roster's labour cost at the problem's wages; None when the problem has none.
    `hours_min`: per agent, the week's minimum paid hours after paid time off (absent: the
    contract's)."""
    labour = problem.labour_cost
    if labour is None:
        return None
    by_agent = roster.by_agent()
    agents = tuple(
        agent_labour(
            problem,
            labour,
            agent,
            by_agent.get(agent.code, []),
            None if hours_min is None else hours_min.get(agent.code),
        )
        for agent in problem.agents
    )
    total = WeekCost()
    for item in agents:
        total = total + item.cost
    priced = {w.contract for w in labour.wages}
    return RosterLabour(
        total=total,
        flexible_cost=sum(item.flexible_cost for item in agents),
        agents=agents,
        contracts_without_wage=tuple(sorted({a.contract for a in agents} - priced)),
    )
