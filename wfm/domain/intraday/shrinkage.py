"""Unplanned shrinkage estimated from what agents did on rostered days.

Planned time off the phones (breaks, lunches, meetings) is rostered, so it is not shrinkage.
Unplanned shrinkage is the share of **scheduled work time** (planned serve, sell or other) in which
the agent was not available: logged out (absent for the day, late, gone early), not ready
(unplanned aux) or on a break the plan did not hold. Per agent-day the adherence layer gives the
scheduled work time and the part of it the agent was available
(`MinuteAdherence.available_work_seconds`); the estimate is the ratio of the sums,

    s = sum(lost_i) / sum(scheduled_work_i),    lost_i = scheduled_work_i - available_i,

split into **absence** (the time lost on agent-days with scheduled work and no worked minute at
all) and **lateness and aux** (the rest), so the two add up to s. Its 95 % interval is the
normal interval of a ratio estimator with the agent-day as the unit (variance
sum((lost_i - s w_i)^2) / (sum w_i)^2 x n / (n - 1)), so a centre where a few agents miss
whole days gets a wider interval than one where every agent loses a few minutes. Below
`MIN_AGENT_DAYS` rostered agent-days the estimate is not used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_AGENT_DAYS = 20
DEFAULT_LOOKBACK_DAYS = 28  # local days of agent events an estimate reads
MAX_LOOKBACK_DAYS = 366
_Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class AgentDay:
    """One agent's rostered day: minutes of scheduled work, of it available, and worked at all."""

    scheduled_work_minutes: float
    available_work_minutes: float
    worked_minutes: float

    @property
    def absent(self) -> bool:
        return self.scheduled_work_minutes > 0 and self.worked_minutes <= 0


@dataclass(frozen=True, slots=True)
class ShrinkageEstimate:
    """Unplanned shrinkage over a set of rostered agent-days (None when there are none)."""

    agent_days: int
    absent_agent_days: int
    scheduled_work_hours: float
    unplanned_shrinkage: float | None
    ci_low: float | None
    ci_high: float | None
    absence_share: float | None  # of scheduled work time, lost to agent-days absent
    lateness_and_aux_share: float | None  # of scheduled work time, lost on days worked

    @property
    def sufficient(self) -> bool:
        """Enough agent-days for the estimate to replace a site's setting."""
        return self.agent_days >= MIN_AGENT_DAYS and self.unplanned_shrinkage is not None


def estimate_unplanned_shrinkage(days: Sequence[AgentDay]) -> ShrinkageEstimate:
    """The share of scheduled work time lost to absence, lateness and unplanned aux (see the
    module docstring). Agent-days without scheduled work are ignored."""
    rostered = [d for d in days if d.scheduled_work_minutes > 0]
    for d in rostered:
        if not (0 <= d.available_work_minutes <= d.scheduled_work_minutes + 1e-6):
            raise ValueError("available work minutes must lie within the scheduled work minutes")
    n = len(rostered)
    absent = sum(1 for d in rostered if d.absent)
    total = sum(d.scheduled_work_minutes for d in rostered)
    if n == 0:
        return ShrinkageEstimate(0, 0, 0.0, None, None, None, None, None)
    lost = [max(0.0, d.scheduled_work_minutes - d.available_work_minutes) for d in rostered]
    rate = sum(lost) / total
    absence = sum(x for x, d in zip(lost, rostered, strict=True) if d.absent) / total
    low, high = _ratio_interval(rate, lost, [d.scheduled_work_minutes for d in rostered])
    return ShrinkageEstimate(
        agent_days=n,
        absent_agent_days=absent,
        scheduled_work_hours=total / 60.0,
        unplanned_shrinkage=rate,
        ci_low=low,
        ci_high=high,
        absence_share=absence,
        lateness_and_aux_share=max(0.0, rate - absence),
    )


def _ratio_interval(
    rate: float, lost: Sequence[float], scheduled: Sequence[float]
) -> tuple[float | None, float | None]:
    n = len(lost)
    if n < 2:
        return None, None
    total = sum(scheduled)
    residual = sum((x - rate * w) ** 2 for x, w in zip(lost, scheduled, strict=True))
    se = math.sqrt(residual * n / (n - 1)) / total
    return max(0.0, rate - _Z95 * se), min(1.0, rate + _Z95 * se)
