"""The planner page shows, per campaign of the week's schedule, where its values of a selling hour
come from (estimated from the demo's dialer attempts, or typed and why) and the hours it sells."""

from __future__ import annotations

from typing import Any

from dashkit import DemoApi
from test_pages import run_page


def test_planner_shows_each_campaigns_selling_values_and_hours(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/planner.py", "planner")
    at.selectbox(key="planner_week").select(demo_api.week1).run()
    assert not at.exception
    schedules: Any = demo_api.get(
        "/v1/schedules", "planner", site=demo_api.site, week_start=demo_api.week1.isoformat()
    )
    shown = [s for s in schedules if s["status"] == "published"][-1]
    evaluation: Any = demo_api.get(f"/v1/schedules/{shown['id']}/evaluation", "planner")
    tables = [d.value for d in at.dataframe if "Selling values" in d.value.columns]
    assert len(tables) == 1
    table = tables[0].set_index("Campaign")
    assert set(table.index) == set(evaluation["campaigns"]) == {"UPGRADE", "NPS"}
    for code, c in evaluation["campaigns"].items():
        source, _, why = c["value_source"].partition(": ")
        assert table.loc[code, "Selling values"] == source
        attempts = why.removeprefix("from ").split(" ")[0]
        if source == "estimated":  # in the reader's words, the count grouped
            assert table.loc[code, "Why"] == why.replace(
                f"from {attempts} attempts", f"from {int(attempts):,} dialler attempts"
            )
        else:
            assert table.loc[code, "Why"] == why
        assert table.loc[code, "Selling hours"] == round(c["sell_hours"], 1)
    assert table.loc["UPGRADE", "Selling values"] == "estimated"
    assert "attempts in the 28 days before" in table.loc["UPGRADE", "Why"]
    assert any("Where and why the roster sells" in c.value for c in at.caption)
