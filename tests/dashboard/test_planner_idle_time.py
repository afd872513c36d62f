"""The planner page shows 'Idle time inside serving / 接听间隙' for the week's schedule: per local
day, the serving agents' idle hours, the deferred hours they can absorb and the callbacks due, as
GET /v1/schedules/{id}/evaluation gives them, in English and in 简体中文."""

from __future__ import annotations

from typing import Any

import pytest
from dashkit import DemoApi
from test_pages import metric, run_page

from dashboard.i18n import fmt_date, fmt_number, use_locale


def _evaluation(demo_api: DemoApi) -> Any:
    schedules: Any = demo_api.get(
        "/v1/schedules", "planner", site=demo_api.site, week_start=demo_api.week1.isoformat()
    )
    shown = [s for s in schedules if s["status"] == "published"][-1]
    return demo_api.get(f"/v1/schedules/{shown['id']}/evaluation", "planner")


@pytest.mark.parametrize(
    ("language", "title", "day", "idle", "absorbable", "due"),
    [
        (
            "en",
            "Idle time inside serving",
            "Day",
            "Idle hours",
            "Absorbable hours",
            "Callbacks due",
        ),
        ("zh", "接听间隙", "日期", "空闲小时", "可吸收小时", "到期回拨"),
    ],
)
def test_planner_shows_idle_time_inside_serving_per_day(
    demo_api: DemoApi,
    language: str,
    title: str,
    day: str,
    idle: str,
    absorbable: str,
    due: str,
) -> None:
    at = run_page(demo_api, "pages/planner.py", "planner", wfm_language=language)
    at.selectbox(key="planner_week").select(demo_api.week1).run()
    assert not at.exception
    evaluation = _evaluation(demo_api)
    assert any(title in m.value for m in at.markdown)
    tables = [d.value for d in at.dataframe if idle in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    rows = evaluation["idle_days"]
    assert len(rows) == 7 and len(table[day]) == 7
    # each local day with its weekday, in the language's date format
    with use_locale("en" if language == "en" else "zh_CN"):
        assert list(table[day]) == [fmt_date(r["day"], weekday=True) for r in rows]
    assert list(table[idle]) == [round(r["idle_agent_hours"], 1) for r in rows]
    assert list(table[absorbable]) == [round(r["absorbable_deferred_hours"], 1) for r in rows]
    assert list(table[due]) == [r["callbacks_due"] for r in rows]
    # the demo's roster has idle time inside serving, and some of it can take deferred work
    assert 0.0 < evaluation["absorbable_deferred_hours"] < evaluation["idle_agent_hours"]
    label = "Idle hours" if language == "en" else "空闲小时"
    with use_locale("en" if language == "en" else "zh_CN"):
        assert metric(at, label) == f"{fmt_number(evaluation['idle_agent_hours'], 1)} h"
