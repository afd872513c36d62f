"""Independent parts of a roster problem, and putting their rosters back together (pure).

Two agents interact only through what they can do: a queue they can both serve or a campaign
they can both sell. The connected components of the graph of agents, queues and campaigns
(an agent joined to each of its skills) are therefore independent roster problems: a roster of
the whole is the union of rosters of the parts, its evaluation is the sum of theirs (serving
value per queue, selling value per campaign, contract penalties per agent), and the design
LP's bound is the sum of the parts' bounds. A site is often one component; several sites, or a
site whose teams share no skill, are several.

`split_problem` keeps everything that is not per agent, queue or campaign (horizon, rules,
shrinkage, fairness, weights) in every part, and pins the under-target penalty to the whole
problem's (its default depends on the best campaign of the whole problem, not of a part).
Queues and campaigns that nobody can work, agents without any skill, and groups of agents that
only sell (the solver needs a queue in every problem) join the first part that has a queue: they
interact with nothing there, and the solver's warnings and checks name them as they would on
the whole problem.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from scheduling.problem import Problem
from scheduling.roster import Roster


class _Components:
    """Union-find over string keys."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:  # path compression
            self.parent[key], key = root, self.parent[key]
        return root

    def join(self, first: str, second: str) -> None:
        first_root, second_root = self.find(first), self.find(second)
        if first_root != second_root:
            self.parent[second_root] = first_root


def component_indices(problem: Problem) -> list[tuple[list[int], list[int], list[int]]]:
    """(agent, queue, campaign) indices of each part, in the order of each part's first agent;
    indices in problem order within a part. See the module docstring for the loose ends."""
    graph = _Components()
    for i, agent in enumerate(problem.agents):
        node = f"a:{i}"
        graph.find(node)
        for queue in agent.queue_skills:
            graph.join(node, f"q:{queue}")
        for campaign in agent.campaign_skills:
            graph.join(node, f"c:{campaign}")
    order: dict[str, int] = {}
    agents: list[list[int]] = []
    loose_agents: list[int] = []
    for i, agent in enumerate(problem.agents):
        if not agent.queue_skills and not agent.campaign_skills:
            loose_agents.append(i)
            continue
        root = graph.find(f"a:{i}")
        if root not in order:
            order[root] = len(agents)
            agents.append([])
        agents[order[root]].append(i)
    if not agents:
        return [
            (
                list(range(len(problem.agents))),
                list(range(len(problem.queues))),
                list(range(len(problem.campaigns))),
            )
        ]

    def place(codes: list[str], prefix: str) -> tuple[list[list[int]], list[int]]:
        """Indexes of the codes per part (by the part of their node), and those of no part."""
        parts: list[list[int]] = [[] for _ in agents]
        loose: list[int] = []
        for index, code in enumerate(codes):
            key = f"{prefix}:{code}"
            if key in graph.parent:
                parts[order[graph.find(key)]].append(index)
            else:
                loose.append(index)
        return parts, loose

    queues, loose_queues = place([queue.code for queue in problem.queues], "q")
    campaigns, loose_campaigns = place([campaign.code for campaign in problem.campaigns], "c")
    # the solver needs a queue in every problem: parts without one join the first that has one
    home = next((k for k, part_queues in enumerate(queues) if part_queues), 0)
    agents[home] += loose_agents
    queues[home] += loose_queues
    campaigns[home] += loose_campaigns
    keep = [k for k in range(len(agents)) if k == home or queues[k]]
    for k in range(len(agents)):
        if k not in keep:
            agents[home] += agents[k]
            campaigns[home] += campaigns[k]
    return [(sorted(agents[k]), sorted(queues[k]), sorted(campaigns[k])) for k in keep]


def split_problem(problem: Problem) -> tuple[Problem, ...]:
    """The independent parts of ``problem`` (itself, unchanged, when it is one part). With
    seats, every agent shares them, so the problem is one part."""
    parts = component_indices(problem)
    if len(parts) <= 1 or problem.seats is not None:
        return (problem,)
    objective = replace(
        problem.objective,
        under_target_penalty_per_agent_hour=problem.under_target_penalty_per_agent_hour(),
    )
    out = []
    for number, (agents, queues, campaigns) in enumerate(parts, start=1):
        out.append(
            replace(
                problem,
                agents=tuple(problem.agents[i] for i in agents),
                queues=tuple(problem.queues[i] for i in queues),
                campaigns=tuple(problem.campaigns[i] for i in campaigns),
                objective=objective,
                name=f"{problem.name} [part {number}/{len(parts)}]".strip(),
            )
        )
    return tuple(out)


def merge_rosters(rosters: Sequence[Roster]) -> Roster:
    """One roster of the parts' rosters; `ValueError` if an agent has shifts in two of them."""
    owner: dict[str, int] = {}
    shifts = []
    for index, roster in enumerate(rosters):
        for shift in roster.shifts:
            first = owner.setdefault(shift.agent_code, index)
            if first != index:
                raise ValueError(
                    f"agent {shift.agent_code} has shifts in parts {first + 1} and {index + 1}"
                )
            shifts.append(shift)
    return Roster(tuple(shifts))


def with_code_prefix(problem: Problem, prefix: str) -> Problem:
    """The problem with ``prefix`` before every agent, queue and campaign code (and skill)."""
    return replace(
        problem,
        agents=tuple(
            replace(
                agent,
                code=prefix + agent.code,
                queue_skills=tuple(prefix + code for code in agent.queue_skills),
                campaign_skills=tuple(prefix + code for code in agent.campaign_skills),
            )
            for agent in problem.agents
        ),
        queues=tuple(replace(queue, code=prefix + queue.code) for queue in problem.queues),
        campaigns=tuple(
            replace(campaign, code=prefix + campaign.code) for campaign in problem.campaigns
        ),
    )


def combine_problems(problems: Sequence[Problem], *, site_code: str, name: str = "") -> Problem:
    """One problem holding several (e.g. sites of one timezone), the inverse of a split.

    They must share the horizon, timezone, shift rules, shrinkage, fairness and weights, and
    no two may use the same agent, queue or campaign code (`with_code_prefix` makes them apart).
    The under-target penalty is pinned to the highest of theirs.
    """
    if not problems:
        raise ValueError("combine_problems needs at least one problem")
    first = problems[0]
    seated = [p.name or p.site_code for p in problems if p.seats is not None]
    if seated and len(problems) > 1:
        raise ValueError(
            f"problems with seats can't be combined (seats are per site): {', '.join(seated)}"
        )
    for other in problems[1:]:
        for attribute in (
            "timezone",
            "horizon",
            "shift_rules",
            "shrinkage",
            "fairness",
            "labour_cost",
        ):
            if getattr(other, attribute) != getattr(first, attribute):
                raise ValueError(
                    f"problems {first.name!r} and {other.name!r} differ in {attribute}; "
                    "only problems that share it can be combined"
                )
        if replace(other.objective, under_target_penalty_per_agent_hour=None) != replace(
            first.objective, under_target_penalty_per_agent_hour=None
        ):
            raise ValueError(
                f"problems {first.name!r} and {other.name!r} differ in their objective weights"
            )
    for kind in ("agents", "queues", "campaigns"):
        counts = Counter(item.code for problem in problems for item in getattr(problem, kind))
        clashes = sorted(code for code, count in counts.items() if count > 1)
        if clashes:
            raise ValueError(f"{kind} codes used by more than one problem: {', '.join(clashes)}")
    penalty = max(problem.under_target_penalty_per_agent_hour() for problem in problems)
    return replace(
        first,
        site_code=site_code,
        agents=tuple(agent for problem in problems for agent in problem.agents),
        queues=tuple(queue for problem in problems for queue in problem.queues),
        campaigns=tuple(campaign for problem in problems for campaign in problem.campaigns),
        objective=replace(first.objective, under_target_penalty_per_agent_hour=penalty),
        name=name or " + ".join(problem.name or problem.site_code for problem in problems),
    )


__all__ = [
    "combine_problems",
    "component_indices",
    "merge_rosters",
    "split_problem",
    "with_code_prefix",
]
