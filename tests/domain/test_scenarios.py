"""Scenario documents read and checked without a database, and variants applied to a roster
problem (`scheduling.scenario`) without touching the base problem."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from scheduling.problem import AgentSpec, CampaignSpec, Contract, Horizon, Problem, QueueSpec
from scheduling.scenario import apply_changes
from wfm.domain.scenarios import (
    ScenarioError,
    ScenarioFigures,
    SiteCodes,
    difference,
    parse_scenario,
    scenario_to_document,
    validate_scenario,
)

SITE = SiteCodes(
    queues=frozenset({"retail", "business"}),
    campaigns=frozenset({"renewals"}),
    contracts=frozenset({"Full-time", "full-time"}),
    agents_by_skill={"retail": 3, "business": 1, "renewals": 3},
)


def _doc(*changes: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "name": "what if",
        "site": "PAR",
        "week_start": "2025-03-17",
        "variants": [{"name": f"v{i}", "changes": c} for i, c in enumerate(changes)],
        **top,
    }


def _fields(doc: Any) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        validate_scenario(doc, lambda _code: SITE)
    return [name for name, _ in caught.value.problems]


def test_a_good_document_reads_back_the_same() -> None:
    doc = _doc(
        {"volume_percent": 10},
        {"aht_percent": -5, "queues": {"retail": {"answer_rate_target": 0.9}}},
        {"headcount": [{"skill": "retail", "agents": 5, "contract": "Full-time"}]},
        {"campaigns": {"renewals": {"value_percent": 20}}, "seats": 12},
        {"unplanned_shrinkage": 0.1, "headcount": [{"skill": "business", "agents": -1}]},
        {"rules": {"shift_lengths_minutes": [360, 480], "min_rest_hours": 12}},
        time_limit_seconds=5,
    )
    scenario = validate_scenario(doc, lambda _code: SITE)
    assert scenario.week_start == date(2025, 3, 17) and len(scenario.variants) == 6
    assert scenario.variants[5].changes.rules == {
        "shift_lengths_minutes": [360, 480],
        "min_rest_hours": 12,
    }
    assert parse_scenario(scenario_to_document(scenario)) == scenario


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"volume_percent": 301}, "variants[2].changes.volume_percent"),
        ({"volume_percent": -95}, "variants[2].changes.volume_percent"),
        ({"aht_percent": "ten"}, "variants[2].changes.aht_percent"),
        ({"answer_rate_target": 1.5}, "variants[2].changes.answer_rate_target"),
        ({"queues": {"nope": {"volume_percent": 5}}}, "variants[2].changes.queues.nope"),
        ({"queues": {"retail": {"volume_percent": 900}}},
         "variants[2].changes.queues.retail.volume_percent"),
        ({"headcount": [{"skill": "nope", "agents": 2}]}, "variants[2].changes.headcount[0].skill"),
        ({"headcount": [{"skill": "retail", "agents": 0}]},
         "variants[2].changes.headcount[0].agents"),
        ({"headcount": [{"skill": "business", "agents": -2}]},
         "variants[2].changes.headcount[0].agents"),
        ({"headcount": [{"skill": "retail", "agents": 1, "contract": "gig"}]},
         "variants[2].changes.headcount[0].contract"),
        ({"campaigns": {"cold": {"value_percent": 5}}}, "variants[2].changes.campaigns.cold"),
        ({"unplanned_shrinkage": 0.95}, "variants[2].changes.unplanned_shrinkage"),
        ({"seats": 0}, "variants[2].changes.seats"),
        ({"wages": 3}, "variants[2].changes.wages"),
        ({"rules": {"breaks": [], "lunch": 1}}, "variants[2].changes.rules.lunch"),
        ({"rules": [1]}, "variants[2].changes.rules"),
        ({"seats": 20, "rules": {"seats": 30}}, "variants[2].changes.rules.seats"),
        ({"unplanned_shrinkage": 0.1, "rules": {"unplanned_shrinkage": 0.2}},
         "variants[2].changes.rules.unplanned_shrinkage"),
    ],
)  # fmt: skip
def test_each_bad_change_is_named(changes: dict[str, Any], field: str) -> None:
    assert _fields(_doc({}, {"volume_percent": 5}, changes)) == [field]


def test_bad_top_level_fields_are_named() -> None:
    assert _fields({"name": "", "site": "PAR", "week_start": "17/03", "variants": []}) == [
        "name",
        "week_start",
        "variants",
    ]
    assert _fields(_doc({}, time_limit_seconds=0)) == ["time_limit_seconds"]
    assert _fields(_doc(*[{}] * 11)) == ["variants"]
    doc = _doc({})
    doc["variants"][0]["name"] = "base"
    assert _fields(doc) == ["variants[0].name"]


def _problem() -> Problem:
    contract = Contract("ft", 32, 40, 4, 5, (480,), time(7), time(22))
    agents = tuple(
        AgentSpec(f"A{i}", contract, queue_skills=("retail",), campaign_skills=("renewals",))
        for i in range(3)
    )
    queue = QueueSpec(
        "retail", 0.8, 20, 120, 2.0, contacts=(10.0, 20.0), aht_seconds=(200.0, 300.0)
    )
    campaign = CampaignSpec("renewals", (10.0,) * 24, ())
    return Problem("PAR", "Europe/Paris", Horizon(date(2025, 3, 17)), (queue,), agents, (campaign,))


def test_changes_apply_to_a_copy_of_the_problem() -> None:
    base = _problem()
    doc = _doc(
        {
            "volume_percent": 10,
            "queues": {"retail": {"volume_percent": 100, "answer_rate_target": 0.9}},
            "aht_percent": -50,
            "headcount": [{"skill": "retail", "agents": 2}, {"skill": "renewals", "agents": -1}],
            "campaigns": {"renewals": {"value_percent": 50}},
            "unplanned_shrinkage": 0.2,
            "seats": 4,
        }
    )
    changes = parse_scenario(doc).variants[0].changes
    changed = apply_changes(base, changes, name="v0")
    queue = changed.queues[0]
    assert queue.contacts == pytest.approx((22.0, 44.0))  # 1.1 x 2
    assert queue.aht_seconds == pytest.approx((100.0, 150.0))
    assert queue.min_answer_rate == 0.9 and queue.service_level_target == 0.8
    codes = [a.code for a in changed.agents]
    # added with the skill; then the last by code with the campaign's skill removed
    assert codes == ["A0", "A1", "whatif-retail-1", "whatif-retail-2"]
    added = [a for a in changed.agents if a.code.startswith("whatif")]
    assert all(
        a.contract == base.agents[0].contract and a.queue_skills == ("retail",) for a in added
    )
    assert changed.campaigns[0].value_per_productive_hour_by_hour[0] == pytest.approx(15.0)
    assert (changed.shrinkage, changed.seats) == (0.2, 4)
    assert base == _problem()  # the base is untouched


def test_difference_is_variant_less_base_and_none_without_a_figure() -> None:
    base = ScenarioFigures(100, 80, 0.8, 0.7, 50, 400, 10, 10)
    more = ScenarioFigures(110, 85, 85 / 110, 0.65, 50, 440, 12, 11, labour_cost=9.0)
    delta = difference(more, base)
    assert delta["paid_hours"] == 40 and delta["agents"] == 1
    assert delta["answer_rate"] == pytest.approx(85 / 110 - 0.8)
    assert delta["labour_cost"] is None
