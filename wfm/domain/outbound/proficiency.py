"""Each agent's sales proficiency, shrunk toward the team's (empirical Bayes).

An agent's proficiency is a multiplier on the team's conversion: 1 sells like the team, 3 three
times as well. The agent's expected sales E are what the team's conversion of each campaign and
segment (`wfm.domain.outbound.conversion`) would have sold on the agent's own contacts, so an agent
who calls the segments that buy more is not credited for it. With y the agent's sales,

    proficiency ~ Gamma(alpha, alpha)  (mean 1),   y | proficiency ~ Poisson(proficiency x E),

and the posterior is Gamma(alpha + y, alpha + E): its mean (alpha + y) / (alpha + E) and 95 %
interval. The prior's variance 1 / alpha is the agents' spread beyond Poisson sampling, by the
method of moments (the gamma-Poisson form of Efron-Morris shrinkage; Clayton and Kaldor 1987).
An agent with ten calls and two sales therefore stays near 1, not at the star its raw ratio
suggests, and one with thousands of contacts is where the data put it. Poisson sampling overstates
the variance of sales out of a fixed number of contacts, so the intervals err on the wide side.
When the agents spread no more than chance, alpha is `MAX_PRIOR_SHAPE` (a prior standard deviation
of 0.14) rather than infinite: the data then move an agent slowly, but they can.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wfm.domain.outbound.attempts import AttemptTable
from wfm.domain.outbound.conversion import CampaignSegmentEstimate
from wfm.domain.outbound.stats import (
    MIN_PSEUDO_COUNT,
    gamma_interval,
    gamma_poisson_dispersion,
)

# alpha when the agents spread no more than chance: agents are never assumed more alike than a
# standard deviation of proficiency of 1 / sqrt(50) = 0.14 between them
MAX_PRIOR_SHAPE = 50.0


@dataclass(frozen=True, slots=True)
class AgentProficiency:
    agent_code: str
    contacts: int
    sales: int
    expected_sales: float  # the team's conversion on this agent's contacts
    estimate: float  # posterior mean multiplier on the team's conversion
    low: float
    high: float


@dataclass(frozen=True, slots=True, eq=False)
class Proficiencies:
    agents: tuple[AgentProficiency, ...]
    prior_shape: float  # alpha: the team's prior is Gamma(alpha, alpha)

    def of(self, agent_code: str) -> AgentProficiency:
        """The agent's estimate; an agent without contacts gets the team's prior."""
        for a in self.agents:
            if a.agent_code == agent_code:
                return a
        low, high = gamma_interval(self.prior_shape, self.prior_shape)
        return AgentProficiency(agent_code, 0, 0, 0.0, 1.0, float(low), float(high))


def estimate_proficiencies(
    table: AttemptTable, conversions: tuple[CampaignSegmentEstimate, ...]
) -> Proficiencies:
    """Every agent's proficiency in `table` (see the module docstring)."""
    n_seg = max(1, len(table.segments))
    rate = np.zeros(max(1, len(table.campaigns)) * n_seg)
    for e in conversions:
        key = table.campaigns.index(e.campaign_code) * n_seg + table.segments.index(e.segment_code)
        rate[key] = e.sales / e.contacts if e.contacts else 0.0
    pair = table.campaign * n_seg + table.segment
    n_agents = len(table.agents)
    expected = np.bincount(
        table.agent, weights=rate[pair] * table.contact, minlength=n_agents
    ).astype(float)
    sales = np.bincount(table.agent, weights=table.sale, minlength=n_agents)
    contacts = np.bincount(table.agent, weights=table.contact, minlength=n_agents)
    dispersion = gamma_poisson_dispersion(sales, expected)
    alpha = (
        MAX_PRIOR_SHAPE
        if dispersion <= 0
        else float(np.clip(1.0 / dispersion, MIN_PSEUDO_COUNT, MAX_PRIOR_SHAPE))
    )
    low, high = gamma_interval(alpha + sales, alpha + expected)
    estimate = (alpha + sales) / (alpha + expected)
    agents = tuple(
        AgentProficiency(
            code,
            int(contacts[i]),
            int(sales[i]),
            float(expected[i]),
            float(estimate[i]),
            float(low[i]),
            float(high[i]),
        )
        for i, code in enumerate(table.agents)
    )
    return Proficiencies(agents, alpha)
