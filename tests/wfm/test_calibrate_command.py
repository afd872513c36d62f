"""`wfm calibrate` as a user meets it: a CSV of simulated intervals from a queue whose agents are
85 % available, fitted on the first days and scored on the rest; the JSON schema; one-line
errors naming the row and the column."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

import wfm.cli  # noqa: F401  (registers the commands)
from erlang import simulate_queue
from wfm.cli.app import app

runner = CliRunner()
HEADER = (
    "interval_start,offered,answered,abandoned,aht_seconds,agents,"
    "answered_within_threshold,threshold_seconds"
)
DAYS, PER_DAY = 8, 20  # 20 half-hours a day, 08:00 to 18:00 at +02:00


def simulated_csv(folder: Path, *, with_minutes_column: bool = False) -> Path:
    rng = np.random.default_rng(2)
    size = DAYS * PER_DAY
    agents = rng.choice([20, 40], size)
    servers = np.round(agents * 0.85).astype(int)
    calls = servers * 1800.0 / 180.0 * rng.uniform(0.8, 1.15, size)
    sim = simulate_queue(
        calls, servers, interval_seconds=1800.0, aht_seconds=180.0, patience_seconds=200.0,
        replications=1, seed=9,
    )  # fmt: skip
    zone = timezone(timedelta(hours=2))
    lines = [HEADER + (",interval_minutes" if with_minutes_column else "")]
    for i in range(size):
        start = datetime(2026, 3, 2 + i // PER_DAY, 8, tzinfo=zone) + timedelta(
            minutes=30 * (i % PER_DAY)
        )
        row = (
            f"{start.isoformat()},{sim.offered_per_interval[i]:.0f},"
            f"{sim.answered_per_interval[i]:.0f},{sim.abandoned_per_interval[i]:.0f},180,"
            f"{agents[i]},{sim.answered_within_threshold_per_interval[i]:.0f},20"
        )
        lines.append(row + (",30" if with_minutes_column else ""))
    path = folder / "intervals.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args: str) -> Result:
    return runner.invoke(app, ["calibrate", *args])


def test_json_report_fits_the_availability_and_predicts_the_later_days(tmp_path: Path) -> None:
    path = simulated_csv(tmp_path)
    result = runner.invoke(
        app,
        ["calibrate", str(path), "--fit-until", "2026-03-08", "--interval-minutes", "30", "--json"],
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"intervals", "summary"}
    rows = report["intervals"]
    assert len(rows) == 2 * PER_DAY  # March 8 and 9
    for row in rows:
        for key in (
            "interval_start",
            "predicted_answer_rate",
            "actual_answer_rate",
            "predicted_service_level",
            "actual_service_level",
        ):
            assert key in row
        assert 0.0 <= row["predicted_answer_rate"] <= 1.0
        assert datetime.fromisoformat(row["interval_start"]).utcoffset() == timedelta(hours=2)
    assert rows[0]["interval_start"] == "2026-03-08T08:00:00+02:00"
    summary = report["summary"]
    assert summary["fitted_intervals"] == 6 * PER_DAY
    assert summary["calibration"]["availability"] == pytest.approx(0.85, abs=0.05)
    assert summary["calibration"]["patience_seconds"] == pytest.approx(200.0, rel=0.3)
    ar = summary["answer_rate"]
    # Plain MAE recomputed from the rows; the model is as good as the queue's own noise allows.
    errors = [abs(r["predicted_answer_rate"] - r["actual_answer_rate"]) for r in rows]
    assert ar["mae"] == pytest.approx(sum(errors) / len(errors))
    assert ar["mae_call_weighted"] < 0.04
    assert abs(ar["bias"]) < 0.02
    assert ar["noise_floor_call_weighted"] > 0
    assert summary["service_level"]["mae_call_weighted"] < 0.1
    # Per week (Monday of the local date): March 8 is a Sunday, March 9 a Monday.
    weeks = summary["weeks"]
    assert [w["week_start"] for w in weeks] == ["2026-03-02", "2026-03-09"]
    assert sum(w["offered"] for w in weeks) == summary["scored_offered"]
    assert sum(w["intervals"] for w in weeks) == len(rows)
    first = [r for r in rows if r["interval_start"].startswith("2026-03-08")]
    offered_first = sum(r["offered"] for r in first)
    assert weeks[0]["predicted_answer_rate"] == pytest.approx(
        sum(r["predicted_answer_rate"] * r["offered"] for r in first) / offered_first
    )
    assert weeks[0]["actual_answer_rate"] == pytest.approx(
        sum(r["actual_answer_rate"] * r["offered"] for r in first) / offered_first
    )
    # The textbook model (every agent a server) promises more than happened.
    assert summary["erlang_a"]["answer_rate"]["bias"] > ar["bias"]


def test_text_report_and_interval_minutes_column(tmp_path: Path) -> None:
    path = simulated_csv(tmp_path, with_minutes_column=True)
    result = run(str(path), "--fit-until", "2026-03-09")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "2026-03-09T08:00:00+02:00" in out
    assert "2026-03-08T08:00:00+02:00" not in out  # fitted, not scored
    assert "availability" in out and "patience" in out
    assert "answer rate, calibrated" in out and "answer rate, Erlang A" in out
    assert "total answer rate" in out
    assert "week from" in out and "2026-03-09 " in out


def test_total_waits_give_the_textbook_patience(tmp_path: Path) -> None:
    path = simulated_csv(tmp_path)
    lines = path.read_text().splitlines()
    waits = [f"{60.0 * (i + 1):g}" for i in range(len(lines) - 1)]
    lines = [lines[0] + ",total_wait_seconds"] + [
        f"{line},{wait}" for line, wait in zip(lines[1:], waits, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    result = run(str(path), "--fit-until", "2026-03-08", "--interval-minutes", "30", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    fitted_rows = [line.split(",") for line in lines[1 : 1 + 6 * PER_DAY]]
    expected = sum(float(r[-1]) for r in fitted_rows) / sum(float(r[3]) for r in fitted_rows)
    assert summary["calibration"]["patience_method"] == "waits"
    assert summary["calibration"]["patience_seconds"] == pytest.approx(expected)
    assert summary["erlang_a"]["patience_seconds"] == pytest.approx(expected)
    lines[7] = lines[7].rsplit(",", 1)[0] + ","
    path.write_text("\n".join(lines) + "\n")
    gap = run(str(path), "--fit-until", "2026-03-08", "--interval-minutes", "30")
    assert gap.exit_code == 2
    assert "line 8: total_wait_seconds is empty" in gap.stderr


def test_an_instant_with_offset_splits_inside_a_day(tmp_path: Path) -> None:
    path = simulated_csv(tmp_path)
    result = run(
        str(path), "--fit-until", "2026-03-09T12:00:00+02:00", "--interval-minutes", "30", "--json"
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["intervals"]
    assert rows[0]["interval_start"] == "2026-03-09T12:00:00+02:00"
    assert len(rows) == 12


@pytest.mark.parametrize(
    ("line", "replacement", "expected"),
    [
        (3, lambda cells: cells[:4] + ["abc"] + cells[5:], "line 3: aht_seconds must be a number"),
        (2, lambda cells: ["2026-03-02T08:00:00"] + cells[1:], "line 2: interval_start"),
        (4, lambda cells: cells[:2] + [str(int(cells[1]) + 1)] + cells[3:], "line 4: answered"),
        (5, lambda cells: cells[:5] + ["-3"] + cells[6:], "line 5: agents"),
        (2, lambda cells: cells[:1] + ["12.5"] + cells[2:], "line 2: offered"),
        (6, lambda cells: cells[:7] + ["15"], "line 6: threshold_seconds"),
        (
            3,
            lambda cells: cells[:6] + [str(int(cells[2]) + 1)] + cells[7:],
            "line 3: answered_within_threshold",
        ),
    ],
)
def test_a_bad_row_is_named_with_its_column(
    tmp_path: Path, line: int, replacement: object, expected: str
) -> None:
    path = simulated_csv(tmp_path)
    lines = path.read_text().splitlines()
    cells = lines[line - 1].split(",")
    lines[line - 1] = ",".join(replacement(cells))  # type: ignore[operator]
    path.write_text("\n".join(lines) + "\n")
    result = run(str(path), "--fit-until", "2026-03-08", "--interval-minutes", "30")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_missing_columns_dates_and_interval_length_are_refused(tmp_path: Path) -> None:
    path = simulated_csv(tmp_path)
    no_length = run(str(path), "--fit-until", "2026-03-08")
    assert no_length.exit_code == 2 and "--interval-minutes" in no_length.stderr
    too_early = run(str(path), "--fit-until", "2026-03-01", "--interval-minutes", "30")
    assert too_early.exit_code == 2 and "no row with calls before it" in too_early.stderr
    too_late = run(str(path), "--fit-until", "2026-04-01", "--interval-minutes", "30")
    assert too_late.exit_code == 2 and "no row with calls from it" in too_late.stderr
    bad_date = run(str(path), "--fit-until", "March", "--interval-minutes", "30")
    assert bad_date.exit_code == 2 and "--fit-until" in bad_date.stderr
    naive = run(str(path), "--fit-until", "2026-03-08T00:00", "--interval-minutes", "30")
    assert naive.exit_code == 2 and "offset" in naive.stderr
    header_only = tmp_path / "short.csv"
    header_only.write_text("interval_start,offered,answered\n")
    missing = run(str(header_only), "--fit-until", "2026-03-08", "--interval-minutes", "30")
    assert missing.exit_code == 2
    assert "missing column(s) abandoned, aht_seconds, agents" in missing.stderr
    absent = run(
        str(tmp_path / "nope.csv"), "--fit-until", "2026-03-08", "--interval-minutes", "30"
    )
    assert absent.exit_code == 2 and "cannot read" in absent.stderr
