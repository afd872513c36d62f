"""The planner's "Prediction against what happened" table: per queue and week, what the API's
accuracy report says (`GET /v1/queues/{code}/accuracy`), in percent and points, and a week
without agent events says so instead of predicting."""

from __future__ import annotations

from typing import Any

import pytest
from dashkit import DemoApi
from test_pages import run_page

from dashboard import frames
from dashboard.i18n import MISSING, fmt_date, t, use_locale


def _score(mae: float, bias: float, floor: float, total: float) -> dict[str, float]:
    return {
        "predicted_total": total,
        "actual_total": 0.85,
        "mae_call_weighted": mae,
        "mae": mae,
        "bias": bias,
        "noise_floor_call_weighted": floor,
        "noise_floor": floor,
    }


def _report() -> dict[str, Any]:
    model = {
        "predicted_answer_rate": 0.861,
        "predicted_service_level": 0.6,
        "answer_rate": _score(0.0371, 0.011, 0.035, 0.861),
        "service_level": _score(0.05, -0.01, 0.04, 0.6),
    }
    textbook = {**model, "predicted_answer_rate": 0.95, "answer_rate": _score(0.1, 0.1, 0.03, 0.95)}
    report = {
        "queue_code": "retail",
        "model_source": "calibration",
        "weeks": [
            {
                "week_start": "2025-03-03",
                "intervals": 160,
                "calls": 6000.0,
                "agent_events": True,
                "actual_answer_rate": 0.85,
                "actual_service_level": 0.61,
                "mean_agents_serving": 9.44,
                "model": model,
                "textbook": textbook,
            },
            {
                "week_start": "2025-03-10",
                "intervals": 150,
                "calls": 5000.0,
                "agent_events": False,
                "actual_answer_rate": 0.8,
                "actual_service_level": None,
                "mean_agents_serving": None,
                "model": None,
                "textbook": None,
            },
            {  # no calls: no row
                "week_start": "2025-03-17",
                "intervals": 0,
                "calls": 0.0,
                "agent_events": False,
                "actual_answer_rate": None,
                "actual_service_level": None,
                "mean_agents_serving": None,
                "model": None,
                "textbook": None,
            },
        ],
    }
    return report


def test_accuracy_frame_from_a_report() -> None:
    report = _report()
    table = frames.accuracy_frame([report])
    assert list(table["week"]) == ["2025-03-03", "2025-03-10"]
    first, second = table.iloc[0], table.iloc[1]
    assert (first["AR_actual_%"], first["AR_predicted_%"], first["AR_textbook_%"]) == (
        85.0,
        86.1,
        95.0,
    )
    assert first["AR_MAE_pts"] == pytest.approx(3.71)
    assert first["AR_textbook_MAE_pts"] == pytest.approx(10.0)
    assert first["AR_bias_pts"] == pytest.approx(1.1)
    assert first["AR_noise_floor_pts"] == pytest.approx(3.5)
    assert first["SL_actual_%"] == 61.0 and first["SL_MAE_pts"] == pytest.approx(5.0)
    assert first["agents_serving"] == 9.4 and first["note"] == ""
    assert second["note"] == frames.NO_AGENT_EVENTS
    assert second["AR_actual_%"] == 80.0
    assert second[["AR_predicted_%", "AR_MAE_pts", "agents_serving"]].isna().all()


def test_the_accuracy_view_speaks_the_reader_s_language_and_shows_missing_figures_as_a_dash() -> (
    None
):
    frame = frames.accuracy_frame([_report()])
    for locale, model, note, header in (
        ("en", "calibration", frames.NO_AGENT_EVENTS, "AR actual %"),
        ("zh-CN", "校准", "无坐席事件：接听坐席数未知", "实际接通率 %"),
    ):
        with use_locale(locale):
            shown, numeric = frames.accuracy_view(frame)
            week = [fmt_date("2025-03-03"), fmt_date("2025-03-10")]
            predicted = t(frames.ACCURACY_COLUMNS["AR_predicted_%"])
        assert header in shown.columns and header in numeric and predicted in numeric
        assert list(shown.iloc[:, 1]) == week
        assert set(shown.iloc[:, 2]) == {model}
        assert list(shown.iloc[:, -1]) == ["", note]
        # every cell a text; the week without agent events predicts nothing: a dash
        assert all(isinstance(v, str) for v in shown.to_numpy().ravel())
        assert list(shown[predicted]) == ["86.1", MISSING]
        assert "None" not in shown.to_numpy() and "nan" not in shown.to_numpy()


def test_planner_shows_the_api_accuracy_report(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/planner.py", "planner")
    tables = [d.value for d in at.dataframe if "AR actual %" in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    queues: Any = demo_api.get("/v1/queues", "planner", site=demo_api.site)
    expected = []
    for queue in queues:
        report: Any = demo_api.get(f"/v1/queues/{queue['code']}/accuracy", "planner")
        source = report["model_source"]
        expected += [(queue["code"], w, source) for w in report["weeks"] if w["intervals"] > 0]
    assert len(table) == len(expected) > 0
    for (_, row), (code, week, source) in zip(table.iterrows(), expected, strict=True):
        assert (row["Queue"], row["Week"]) == (code, fmt_date(week["week_start"]))
        assert (
            row["Model"] == {"textbook": "textbook Erlang A", "calibration": "calibration"}[source]
        )
        assert row["Calls"] == f"{round(week['calls']):,}"
        assert _number(row["AR actual %"]) == pytest.approx(
            100 * week["actual_answer_rate"], abs=0.05
        )
        if week["model"] is None:
            assert row["Note"] == frames.NO_AGENT_EVENTS
        else:
            assert _number(row["AR predicted %"]) == pytest.approx(
                100 * week["model"]["predicted_answer_rate"], abs=0.05
            )
    assert any("Weeks without agent events predict nothing" in c.value for c in at.caption)


def _number(text: str) -> float:
    """A number as the English table shows it ("1,234.5")."""
    return float(text.replace(",", ""))
