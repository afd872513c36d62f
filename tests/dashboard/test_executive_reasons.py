"""The executive page's "Forecast by contact reason / 按来电原因的预测" section against the live
demo API: the demo's forecast starts after its history, so the page shows the forecast's first
week split by reason, the API's figures, adding up to the queue forecast; in English and Chinese.
The table's frame (`dashboard.frames.reason_forecast_table`) by hand."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dashkit import DemoApi
from test_pages import run_page

from dashboard.frames import reason_forecast_table
from dashboard.i18n import fmt_number, fmt_percent, use_locale


def _week_after_history(demo_api: DemoApi) -> tuple[datetime, datetime]:
    runs: Any = demo_api.get("/v1/forecasts", "planner", site=demo_api.site)
    zone = ZoneInfo(demo_api.timezone)
    history_end = datetime.fromisoformat(runs[-1]["history_end_utc"]).astimezone(zone)
    ahead = (history_end - timedelta(microseconds=1)).date() + timedelta(days=1)
    start = datetime.combine(ahead, time(0), tzinfo=zone)
    return start, datetime.combine(ahead + timedelta(days=7), time(0), tzinfo=zone)


def test_the_forecast_by_reason_is_the_apis_and_adds_up(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/executive.py", "executive")
    assert "Forecast by contact reason" in [s.value for s in at.subheader]
    start, end = _week_after_history(demo_api)
    found: Any = demo_api.get(
        "/v1/forecasts/reasons",
        "executive",
        site=demo_api.site,
        start=start.isoformat(),
        end=end.isoformat(),
        intervals="false",
    )
    tables = [d.value for d in at.dataframe if "Backtest accuracy" in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    assert set(table["Queue"]) == {q["queue_code"] for q in found["queues"]}
    assert any("split by reason" in c.value for c in at.caption)
    values: Any = demo_api.get(
        f"/v1/forecasts/{found['forecast_run_id']}/values",
        "planner",
        start=start.isoformat(),
        end=end.isoformat(),
    )
    for queue in found["queues"]:
        rows = table[table["Queue"] == queue["queue_code"]]
        assert list(rows["Reason"]) == [r["reason"] for r in queue["reasons"]]
        # the reasons add up to the queue's forecast of the week, and the page shows them
        queue_total = sum(v["offered"] for v in values if v["queue_code"] == queue["queue_code"])
        assert queue_total > 0
        forecasts = [r["forecast_offered"] for r in queue["reasons"]]
        assert sum(forecasts) == pytest.approx(queue_total, rel=1e-9)
        with use_locale("en"):
            assert list(rows["Forecast"]) == [fmt_number(f) for f in forecasts]
            backtests = [
                fmt_percent(None if r["backtest_wmape"] is None else 1 - r["backtest_wmape"])
                for r in queue["reasons"]
            ]
        assert list(rows["Realised"]) == ["-"] * len(rows)  # the week has not happened
        assert list(rows["Backtest accuracy"]) == backtests

    zh = run_page(demo_api, "pages/executive.py", "executive", wfm_language="zh")
    assert "按来电原因的预测" in [s.value for s in zh.subheader]


def test_reason_forecast_table_by_hand() -> None:
    report = {
        "queues": [
            {
                "queue_code": "CARE",
                "reasons": [
                    {
                        "reason": "账单查询",
                        "forecast_offered": 54.0,
                        "realised_offered": 25.0,
                        "wmape": 0.56,
                        "backtest_wmape": 0.25,
                    },
                    {
                        "reason": "card_lost",
                        "forecast_offered": 18.0,
                        "realised_offered": None,
                        "wmape": None,
                        "backtest_wmape": None,
                    },
                ],
            },
            {"queue_code": "TECH", "reasons": []},
        ]
    }
    table = reason_forecast_table(report)
    assert list(table.columns) == [
        "queue",
        "reason",
        "forecast",
        "realised",
        "accuracy",
        "backtest_accuracy",
    ]
    first, second = table.to_dict("records")
    assert first == {
        "queue": "CARE",
        "reason": "账单查询",
        "forecast": 54.0,
        "realised": 25.0,
        "accuracy": pytest.approx(0.44),
        "backtest_accuracy": 0.75,
    }
    assert second["forecast"] == 18.0
    assert math.isnan(second["realised"]) and math.isnan(second["accuracy"])
