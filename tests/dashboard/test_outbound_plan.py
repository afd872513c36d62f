"""One outbound plan figure: the executive's GET /v1/kpis/outbound gives, per campaign, the hours,
value and value source of the published schedule's evaluation (GET /v1/schedules/{id}/evaluation),
which values the selling hours the demo's dialer attempts carry at their learned values, not the
typed ones. And the demo's contacts that asked for a callback were promised one: the week opens
with callbacks due against the serving agents' idle time."""

from __future__ import annotations

from typing import Any

import pytest
from dashkit import DemoApi

from wfm.domain.kpi import outbound_value


def test_the_executive_outbound_plan_is_the_schedule_evaluations(demo_api: DemoApi) -> None:
    week = demo_api.week1.isoformat()
    schedules: Any = demo_api.get("/v1/schedules", "planner", site=demo_api.site, week_start=week)
    published = [s for s in schedules if s["status"] == "published"][-1]
    evaluation: Any = demo_api.get(f"/v1/schedules/{published['id']}/evaluation", "planner")
    outbound: Any = demo_api.get(
        "/v1/kpis/outbound", "executive", site=demo_api.site, week_start=week
    )
    assert outbound["schedule_id"] == published["id"] and outbound["status"] == "published"
    selling = {code: c for code, c in evaluation["campaigns"].items() if c["sell_hours"] > 0}
    rows = {c["campaign_code"]: c for c in outbound["campaigns"]}
    assert set(rows) == set(selling) == {"UPGRADE", "NPS"}
    for code, planned in selling.items():
        for key in ("sell_hours", "productive_hours", "value"):
            assert rows[code][key] == pytest.approx(planned[key]), (code, key)
        assert rows[code]["value_source"] == planned["value_source"]
    assert outbound["value"] == pytest.approx(evaluation["outbound_value"])
    assert outbound["sell_hours"] == pytest.approx(evaluation["sell_hours"])
    # UPGRADE is valued from the dialer data: its plan is not the typed values' pricing
    assert rows["UPGRADE"]["value_source"].startswith("estimated")
    campaign: Any = demo_api.get("/v1/campaigns/UPGRADE", "planner")
    schedule: Any = demo_api.get(f"/v1/schedules/{published['id']}", "planner")
    spans = [
        (a["start_utc"], a["end_utc"])
        for shift in schedule["shifts"]
        for a in shift["activities"]
        if a["activity"] == "sell" and a["campaign_code"] == "UPGRADE"
    ]
    typed = outbound_value(
        [(_utc(a), _utc(b)) for a, b in spans],
        campaign["value_per_productive_hour_by_hour"],
        campaign["efficiency"],
        demo_api.timezone,
    )
    assert typed.sell_hours == pytest.approx(rows["UPGRADE"]["sell_hours"])
    assert abs(typed.value - rows["UPGRADE"]["value"]) > 1.0


def test_the_demo_week_opens_with_callbacks_due(demo_api: DemoApi) -> None:
    week = demo_api.week1.isoformat()
    schedules: Any = demo_api.get("/v1/schedules", "planner", site=demo_api.site, week_start=week)
    published = [s for s in schedules if s["status"] == "published"][-1]
    evaluation: Any = demo_api.get(f"/v1/schedules/{published['id']}/evaluation", "planner")
    assert evaluation["callback_hours_due"] > 0
    assert set(evaluation["callbacks"]) <= {"UPGRADE", "NPS"}
    assert sum(c["callbacks_due"] for c in evaluation["callbacks"].values()) > 0


def _utc(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
