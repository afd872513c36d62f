"""The dashboard keeps no target of its own: every target and colour comes from the queues'
stored targets through the API (a service level, and an answer rate that is the queue's least
answer rate or 1 - its abandon cap), and a KPI without a stored target says so."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from dashkit import DASHBOARD, DemoApi
from test_pages import metric, run_page, week_bounds

from dashboard import frames
from dashboard.common import forget_cached_reads
from dashboard.i18n import use_locale

API_QUEUES = [
    {"code": "A", "service_level_target": 0.8, "answer_rate_target": 0.95},
    {"code": "B", "service_level_target": None, "answer_rate_target": 0.9},
    {"code": "C", "service_level_target": 0.7, "answer_rate_target": None},
]


def test_targets_are_the_queues_stored_targets() -> None:
    targets = frames.queue_targets(API_QUEUES)
    assert targets["A"] == frames.Targets(service_level=0.8, answer_rate=0.95)
    assert targets["A"].abandon_rate == pytest.approx(0.05)
    assert targets["B"].of("service_level") is None and targets["B"].of("answer_rate") == 0.9
    assert targets["C"].of("answer_rate") is None and targets["C"].of("abandon_rate") is None
    assert all(t.of("asa_seconds") is None for t in targets.values())  # queues store none


def test_the_overall_target_needs_every_queue_to_have_one() -> None:
    both = frames.queue_targets(API_QUEUES[:1] + [{**API_QUEUES[0], "code": "D"}])
    overall = frames.overall_targets(both, {"A": 300.0, "D": 100.0})
    assert overall.service_level == pytest.approx(0.8)
    weighted = frames.overall_targets(
        frames.queue_targets([API_QUEUES[0], {**API_QUEUES[1], "service_level_target": 0.6}]),
        {"A": 300.0, "B": 100.0},
    )
    assert weighted.service_level == pytest.approx((0.8 * 300 + 0.6 * 100) / 400)
    assert weighted.answer_rate == pytest.approx((0.95 * 300 + 0.9 * 100) / 400)
    mixed = frames.overall_targets(frames.queue_targets(API_QUEUES), {"A": 1.0})
    assert mixed.service_level is None and mixed.answer_rate is None
    assert frames.overall_targets({}, {}) == frames.Targets()


@pytest.mark.parametrize(
    ("value", "target", "higher", "expected"),
    [
        (0.96, 0.95, True, "good"),
        (0.92, 0.95, True, "near"),
        (0.80, 0.95, True, "bad"),
        (0.04, 0.05, False, "good"),
        (0.052, 0.05, False, "near"),
        (0.96, None, True, "none"),
        (None, 0.95, True, "none"),
    ],
)
def test_colours_follow_the_stored_target(
    value: float | None, target: float | None, higher: bool, expected: str
) -> None:
    assert frames.status(value, target, higher) == expected


def test_a_kpi_without_a_target_says_so() -> None:
    with use_locale("en"):
        assert frames.target_text("answer_rate", 0.95) == "Target at least 95.0%"
        assert frames.target_text("abandon_rate", 0.05) == "Target at most 5.0%"
        assert frames.target_text("answer_rate", None) == "No target"
        assert frames.target_text("asa_seconds", None).startswith("No target")
    with use_locale("zh-CN"):
        assert frames.target_text("answer_rate", 0.95) == "目标：不低于 95.0%"


_LITERAL_TARGET = re.compile(
    r"(?i)("
    r"[A-Z_]*TARGET[A-Z_]*\s*(:[^=]+)?=\s*\d"  # a target constant: ANSWER_RATE_TARGET = 0.95
    r"|Targets\([^)]*\d"  # a Targets(...) built with a number in it
    r"|(service_level|answer_rate|abandon_rate|asa_seconds)\s*=\s*\d"  # a target keyword literal
    r")"
)


def test_no_target_is_written_into_the_dashboard() -> None:
    """The oracle is the text itself: no Python file under dashboard/ states a target."""
    found = [
        f"{path.relative_to(DASHBOARD)}:{number}: {line.strip()}"
        for path in sorted(Path(DASHBOARD).rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if _LITERAL_TARGET.search(line)
    ]
    assert found == []
    assert _LITERAL_TARGET.search("ANSWER_RATE_TARGET = 0.95")  # the pattern can fail
    assert _LITERAL_TARGET.search("return Targets(service_level=0.8, asa_seconds=20.0)")


def test_the_executive_page_judges_by_the_queues_stored_targets(demo_api: DemoApi) -> None:
    """The page's answer-rate and abandon-rate targets are the contact-weighted stored ones: the
    demo's (CARE at least 95 %, TECH 93 %, CHAT at most 8 % abandoned) lie between the queues'
    own; give every queue a least answer rate of 50 % through the API and the page says 50 %;
    remove every queue's answer-rate target and it says "no target". The queues' targets are put
    back afterwards."""
    queues: Any = demo_api.get("/v1/queues", "executive", site=demo_api.site)
    before = {q["code"]: (q["min_answer_rate"], q["max_abandon_rate"]) for q in queues}
    stored = [q["answer_rate_target"] for q in queues]
    assert all(t is not None for t in stored)  # the demo centre holds every queue to one

    def answer_target(at: Any) -> float:
        answer = next(m for m in at.metric if m.label == "Answer rate")
        found = re.search(r"Target at least ([0-9.]+)%", answer.proto.help)
        assert found, answer.proto.help
        return float(found.group(1)) / 100

    forget_cached_reads()
    at = run_page(demo_api, "pages/executive.py", "executive")
    assert min(stored) - 5e-4 <= answer_target(at) <= max(stored) + 5e-4
    assert min(stored) < max(stored)  # so the bounds above are a weighting, not one value
    abandon = next(m for m in at.metric if m.label == "Abandon rate")
    assert f"Target at most {100 * (1 - answer_target(at)):.1f}%" in abandon.proto.help
    with demo_api.client("admin") as admin:
        try:
            for q in queues:
                response = admin.patch(
                    f"/v1/queues/{q['code']}",
                    json={"min_answer_rate": 0.5, "max_abandon_rate": None},
                )
                assert response.status_code == 200, response.text
            forget_cached_reads()
            at = run_page(demo_api, "pages/executive.py", "executive")
            answer = next(m for m in at.metric if m.label == "Answer rate")
            abandon = next(m for m in at.metric if m.label == "Abandon rate")
            assert "Target at least 50.0%" in answer.proto.help
            assert "Target at most 50.0%" in abandon.proto.help
            assert metric(at, "Answer rate")  # the value is still the API's (test_pages)
            asa = next(m for m in at.metric if m.label == "ASA (s)")
            assert "No target" in asa.proto.help
            # queues without an answer-rate target make no overall one
            for q in queues:
                response = admin.patch(
                    f"/v1/queues/{q['code']}",
                    json={"min_answer_rate": None, "max_abandon_rate": None},
                )
                assert response.status_code == 200, response.text
            forget_cached_reads()
            at = run_page(demo_api, "pages/executive.py", "executive")
            answer = next(m for m in at.metric if m.label == "Answer rate")
            assert "No target" in answer.proto.help
            assert any("no target" in m.value for m in at.markdown)
        finally:
            for code, (rate, cap) in before.items():
                admin.patch(
                    f"/v1/queues/{code}", json={"min_answer_rate": rate, "max_abandon_rate": cap}
                )
            forget_cached_reads()


def _row(at: str, required: int, scheduled: int, shrinkage: float | None, source: str | None):  # type: ignore[no-untyped-def]
    return {
        "interval_start_utc": at,
        "required_agents": required,
        "scheduled_agents": scheduled,
        "shrinkage": shrinkage,
        "shrinkage_source": source,
    }


def test_the_coverage_shows_net_and_gross_with_the_shrinkage_used() -> None:
    rows = [
        _row("2026-03-02T08:00:00Z", 9, 10, 0.1, "site"),
        _row("2026-03-02T08:00:00Z", 18, 20, 0.1, "site"),
        _row("2026-03-02T08:15:00Z", 0, 0, 0.1, "site"),
    ]
    frame = frames.coverage_frame(rows, [])
    assert frame["required"].tolist() == [27.0, 0.0]
    assert frame["to_schedule"].tolist() == [30.0, 0.0]
    assert frames.shrinkage_said(rows) == (
        "required, each rostered agent absent with probability 10%, the site's unplanned shrinkage."
    )
    given = [_row("2026-03-02T08:00:00Z", 7, 10, 0.3, "given")]
    assert (
        frames.shrinkage_said(given)
        == "required, each rostered agent absent with probability 30%, given."
    )
    older = [_row("2026-03-02T08:00:00Z", 7, 10, None, None)]
    assert frames.shrinkage_said(older) == "required, each rostered agent absent at the shrinkage."


def test_the_planner_shows_the_agents_to_schedule_beside_those_required(
    demo_api: DemoApi,
) -> None:
    """The week's peak agents to schedule is the API's (scheduled_agents summed over queues),
    with the shrinkage the requirement used, beside the peak agents required serving."""
    at = run_page(demo_api, "pages/planner.py", "planner")
    at.selectbox(key="planner_week").select(demo_api.week1).run()
    start, end = week_bounds(demo_api, demo_api.week1)
    rows: Any = demo_api.get(
        "/v1/requirements",
        "planner",
        site=demo_api.site,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    gross: dict[str, int] = {}
    for r in rows:
        gross[r["interval_start_utc"]] = gross.get(r["interval_start_utc"], 0)
        gross[r["interval_start_utc"]] += r["scheduled_agents"]
    assert metric(at, "Peak agents to schedule") == f"{max(gross.values()):.0f}"
    shown = next(m for m in at.metric if m.label == "Peak agents to schedule")
    assert frames.shrinkage_said(rows) in shown.proto.help
    assert int(shown.value) >= int(metric(at, "Peak agents required"))
