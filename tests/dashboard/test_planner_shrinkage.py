"""The planner page shows the site's unplanned shrinkage in use beside the one measured on its
agents' rostered days, as the API answers them."""

from __future__ import annotations

from typing import Any

from dashkit import DemoApi
from test_pages import metric, run_page


def test_planner_shows_the_shrinkage_in_use_and_the_measured_one(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/planner.py", "planner")
    measured: Any = demo_api.get(f"/v1/sites/{demo_api.site}/unplanned-shrinkage", "planner")
    assert metric(at, "Unplanned shrinkage in use") == f"{100 * measured['setting']:.1f}%"
    # the dashboard's demo has published rosters but no agent events: nothing measured yet
    assert measured["agent_days"] == 0 and measured["estimate"] is None
    assert metric(at, "Measured") == "-"
    assert any("No agent events on rostered days yet" in c.value for c in at.caption)
    assert any(f"needs {measured['min_agent_days']} agent-days" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "Use the measured value"]
