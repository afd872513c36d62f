"""A what-if variant applied to a roster problem: a new problem, the stored data untouched.

The changes (`wfm.domain.scenarios.VariantChanges`) scale each queue's contacts and handle
times, replace its targets, add synthetic agents or remove agents by skill, scale campaigns'
values and override the unplanned shrinkage and seats. Each kind of change is its own function;
`apply_changes` composes them. Codes are taken as checked (`wfm.domain.scenarios.code_problems`):
a code the problem does not hold changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from scheduling.problem import AgentSpec, CampaignSpec, Problem, QueueSpec
from wfm.domain.scenarios import HeadcountChange, QueueChanges, VariantChanges

SYNTHETIC_PREFIX = "whatif"  # the code of an added agent: whatif-<skill>-<n>


def apply_changes(problem: Problem, changes: VariantChanges, *, name: str = "") -> Problem:
    """The problem with the variant's changes (the base problem is left as it was)."""
    return replace(
        problem,
        queues=tuple(_queue(q, changes) for q in problem.queues),
        agents=_headcount(problem.agents, changes.headcount, {q.code for q in problem.queues}),
        campaigns=tuple(_campaign(c, changes) for c in problem.campaigns),
        shrinkage=(
            problem.shrinkage
            if changes.unplanned_shrinkage is None
            else changes.unplanned_shrinkage
        ),
        seats=problem.seats if changes.seats is None else changes.seats,
        name=f"{problem.name}: {name}" if name else problem.name,
    )


def _factor(*percents: float | None) -> float:
    out = 1.0
    for percent in percents:
        if percent is not None:
            out *= 1.0 + percent / 100.0
    return out


def _queue(queue: QueueSpec, changes: VariantChanges) -> QueueSpec:
    """Volume and handle time scaled (every queue's percent, then the queue's own), targets
    replaced (the queue's own over every queue's)."""
    own = changes.queues.get(queue.code, QueueChanges())
    volume = _factor(changes.volume_percent, own.volume_percent)
    aht = _factor(changes.aht_percent, own.aht_percent)
    service_level = own.service_level_target or changes.service_level_target
    answer_rate = own.answer_rate_target or changes.answer_rate_target
    return replace(
        queue,
        contacts=None if queue.contacts is None else tuple(c * volume for c in queue.contacts),
        aht_seconds=(
            None if queue.aht_seconds is None else tuple(a * aht for a in queue.aht_seconds)
        ),
        service_level_target=(
            queue.service_level_target if service_level is None else service_level
        ),
        min_answer_rate=queue.min_answer_rate if answer_rate is None else answer_rate,
    )


def _campaign(campaign: CampaignSpec, changes: VariantChanges) -> CampaignSpec:
    percent = changes.campaign_value_percent.get(campaign.code)
    if percent is None:
        return campaign
    factor = _factor(percent)
    return replace(
        campaign,
        value_per_productive_hour_by_hour=tuple(
            v * factor for v in campaign.value_per_productive_hour_by_hour
        ),
        value_source=f"{campaign.value_source} (scenario: {percent:+g} %)",
    )


def _has_skill(agent: AgentSpec, skill: str) -> bool:
    return skill in agent.queue_skills or skill in agent.campaign_skills


def _headcount(
    agents: tuple[AgentSpec, ...], changes: tuple[HeadcountChange, ...], queues: set[str]
) -> tuple[AgentSpec, ...]:
    """The agents after each change in turn: removals take the agents with the skill last by
    code; additions copy a contract (`HeadcountChange.contract`, a roster contract code, or
    the first agent's with the skill) and have that one skill and no other limit."""
    out = list(agents)
    for change in changes:
        if change.agents < 0:
            having = sorted((a for a in out if _has_skill(a, change.skill)), key=lambda a: a.code)
            gone = {a.code for a in having[len(having) + change.agents :]}
            out = [a for a in out if a.code not in gone]
            continue
        out += _added(agents, change, taken={a.code for a in out}, serves=change.skill in queues)
    return tuple(out)


def _added(
    agents: tuple[AgentSpec, ...], change: HeadcountChange, *, taken: set[str], serves: bool
) -> list[AgentSpec]:
    """`change.agents` new agents with the skill (a queue's when `serves`, else a campaign's),
    on the contract named or that of the first agent by code who has the skill."""
    templates = sorted(agents, key=lambda a: a.code)
    if change.contract is not None:
        template = next((a for a in templates if a.contract.code == change.contract), None)
    else:
        template = next((a for a in templates if _has_skill(a, change.skill)), None)
    template = template or (templates[0] if templates else None)
    if template is None:
        return []
    added: list[AgentSpec] = []
    number = 0
    while len(added) < change.agents:
        number += 1
        code = f"{SYNTHETIC_PREFIX}-{change.skill}-{number}"
        if code in taken:
            continue
        taken.add(code)
        added.append(
            AgentSpec(
                code=code,
                name=f"what-if {change.skill} {number}",
                contract=template.contract,
                queue_skills=(change.skill,) if serves else (),
                campaign_skills=() if serves else (change.skill,),
            )
        )
    return added
