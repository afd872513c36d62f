"""`wfm backtest` as a user meets it: a real CSV in, a table or JSON out, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecasting.synthetic import SyntheticSpec, synthetic_history
from wfm.cli import app

runner = CliRunner()
SPEC = SyntheticSpec(weeks=7, interval_minutes=30, daily_contacts=900, seed=21)


@pytest.fixture(scope="module")
def counts_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """15-minute counts, naive local times, no rows on closed Sundays and nights."""
    spec = SyntheticSpec(weeks=7, interval_minutes=15, daily_contacts=900, seed=21)
    history = synthetic_history(spec)
    path = tmp_path_factory.mktemp("csv") / "queue.csv"
    history.rename(columns={"ds": "interval_start", "y": "calls"})[
        ["interval_start", "calls"]
    ].to_csv(path, index=False, date_format="%Y-%m-%d %H:%M")
    return path


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["backtest", *args])


def assert_one_line_error(result, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0]


def test_backtest_json_on_a_file_with_closed_days(counts_csv: Path) -> None:
    result = invoke(
        str(counts_csv),
        "--timestamp-column", "interval_start",
        "--value-column", "calls",
        "--timezone", "Europe/Berlin",
        "--folds", "2",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["interval_minutes"] == 30 and report["horizon_days"] == 7
    assert report["folds"] == 2
    candidates = report["candidates"]
    assert {"seasonal_naive", "window_average_4w", "mstl", "top_down", "combination"} <= set(
        candidates
    )
    chosen = report["chosen_model"]
    best = min(candidates, key=lambda name: candidates[name]["wmape"])
    near = candidates[best]["wmape"] >= 0.98 * candidates["combination"]["wmape"]
    assert chosen == ("combination" if near else best)
    for scores in candidates.values():
        assert 0 < scores["wmape"] < 1 and scores["mase"] > 0
    assert 0.65 <= report["coverage_80"] <= 0.92
    assert 0 < report["poisson_noise_floor_wmape"] < candidates[chosen]["wmape"]


def test_backtest_table_day_ahead(counts_csv: Path) -> None:
    result = invoke(
        str(counts_csv),
        "--timestamp-column", "interval_start",
        "--value-column", "calls",
        "--timezone", "Europe/Berlin",
        "--horizon-days", "1",
        "--folds", "3",
        "--interval-minutes", "60",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 fold(s) of 1 day(s)" in result.stdout
    assert "chosen_model:" in result.stdout
    assert "seasonal_naive" in result.stdout


def _write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "bad.csv"
    path.write_text("ts,n\n" + body)
    return str(path)


ROWS = "2024-01-01 09:00,1\n2024-01-01 09:30,2\n2024-01-01 10:00,3\n"


@pytest.mark.parametrize(
    ("body", "extra", "fragments"),
    [
        (ROWS + "2024-01-01 10:30,lots\n", [], ["n is not a number on line 5", "'lots'"]),
        (ROWS + "2024-01-01 10:30,-4\n", [], ["n is negative on line 5"]),
        (ROWS + "2024-01-01 09:30,4\n", [], ["duplicate timestamps", "lines 3, 5"]),
        (ROWS + "next tuesday,4\n", [], ["unparseable dates on line 5", "'next tuesday'"]),
        (ROWS, ["--timezone", ""], []),
        ("2024-01-01T09:00+01:00,1\n2024-01-01 09:30,2\n", [], ["mixes", "line 3"]),
    ],
)
def test_bad_rows_get_one_line_errors_naming_the_lines(
    tmp_path: Path, body: str, extra: list[str], fragments: list[str]
) -> None:
    if extra == ["--timezone", ""]:
        result = invoke(_write(tmp_path, body), "--timestamp-column", "ts", "--value-column", "n")
        assert_one_line_error(result, "no timezone", "line 2", "--timezone")
        return
    args = ["--timestamp-column", "ts", "--value-column", "n", "--timezone", "UTC", *extra]
    assert_one_line_error(invoke(_write(tmp_path, body), *args), *fragments)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--timestamp-column", "when"], ["--timestamp-column", "'when'", "columns: ts, n"]),
        (["--timezone", "Mars/Base"], ["--timezone", "Mars/Base"]),
        (["--country", "XX"], ["--country", "XX"]),
        (["--interval-minutes", "20"], ["--interval-minutes"]),
        (["--folds", "0"], ["--folds"]),
        (["--horizon-days", "0"], ["--horizon-days"]),
    ],
)
def test_bad_options_get_one_line_errors(
    tmp_path: Path, args: list[str], fragments: list[str]
) -> None:
    base = {"--timestamp-column": "ts", "--value-column": "n", "--timezone": "UTC"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    flat = [item for pair in base.items() for item in pair]
    assert_one_line_error(invoke(_write(tmp_path, ROWS), *flat), *fragments)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    args = ["--timestamp-column", "ts", "--value-column", "n", "--timezone", "UTC"]
    assert_one_line_error(invoke(str(tmp_path / "none.csv"), *args), "does not exist")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert_one_line_error(invoke(str(empty), *args), "is empty")
    header_only = tmp_path / "header.csv"
    header_only.write_text("ts,n\n")
    assert_one_line_error(invoke(str(header_only), *args), "no rows")


def test_too_short_a_file_falls_back_and_says_so(tmp_path: Path) -> None:
    result = invoke(
        _write(tmp_path, ROWS), "--timestamp-column", "ts", "--value-column", "n",
        "--timezone", "UTC", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["chosen_model"] == "daily_average_1d"
    assert report["candidates"] == {}
    assert any("too little for a backtest" in w for w in report["warnings"])


def test_a_real_process_reports_errors_without_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, ROWS + "2024-01-01 10:30,-1\n")
    done = subprocess.run(
        [sys.executable, "-m", "wfm", "backtest", path, "--timestamp-column", "ts",
         "--value-column", "n", "--timezone", "UTC"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == "error: n is negative on line 5"
    assert done.stdout == ""


@pytest.fixture(scope="module")
def busy_last_day_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 15-minute counts with the last day (Saturday 17 Feb 2024) 30 % above its usual level."""
    history = synthetic_history(
        SyntheticSpec(weeks=7, interval_minutes=15, daily_contacts=900, seed=21)
    )
    last = history["ds"].dt.date == history["ds"].dt.date.max()
    history.loc[last, "y"] = (history.loc[last, "y"] * 1.3).round()
    path = tmp_path_factory.mktemp("csv") / "busy.csv"
    history.rename(columns={"ds": "interval_start", "y": "calls"})[
        ["interval_start", "calls"]
    ].to_csv(path, index=False, date_format="%Y-%m-%d %H:%M")
    return path


def test_reforecast_at_reports_day_ahead_and_reforecast_per_time(busy_last_day_csv: Path) -> None:
    result = invoke(
        str(busy_last_day_csv),
        "--timestamp-column", "interval_start", "--value-column", "calls",
        "--timezone", "Europe/Berlin", "--horizon-days", "1", "--folds", "3",
        "--reforecast-at", "14:00", "--reforecast-at", "12:00", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    rows = report["reforecast"]
    assert [row["at"] for row in rows] == ["12:00", "14:00"]
    for row in rows:
        assert {"at", "day_ahead_wmape", "reforecast_wmape", "ratio"} <= set(row)
        assert row["ratio"] == pytest.approx(
            row["reforecast_wmape"] / row["day_ahead_wmape"], rel=1e-4
        )
        assert 0 <= row["coverage_80"] <= 1
        assert {"plain_ratio", "prior_on_one", "fitted_prior", "level_oracle"} <= set(
            row["candidates"]
        )
        days = {day["day"]: day for day in row["days"]}
        assert len(days) == 3  # each fold's day, forecast a day ahead
        busy = days["2024-02-17"]
        assert busy["applied_ratio"] > 1.15
        # 900 contacts a day in 15 minutes: Poisson noise alone is about 17 %
        assert busy["reforecast_wmape"] < 0.75 * busy["day_ahead_wmape"]


def test_reforecast_leaves_out_the_days_the_backtest_does_not_score(
    busy_last_day_csv: Path,
) -> None:
    # 16 Feb 2024 is a public holiday in Lithuania: the weekly backtest imputes and does not
    # score it, and neither does the reforecast's measurement (the product's day-ahead forecast
    # of a holiday is scaled by its learned effect, which the backtest's predictions are not)
    args = [
        str(busy_last_day_csv),
        "--timestamp-column", "interval_start", "--value-column", "calls",
        "--timezone", "Europe/Berlin", "--horizon-days", "1", "--folds", "3",
        "--reforecast-at", "12:00",
    ]  # fmt: skip
    result = invoke(*args, "--country", "LT", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["reforecast"]
    assert row["days_left_out"] == ["2024-02-16"]
    assert [day["day"] for day in row["days"]] == ["2024-02-15", "2024-02-17"]
    plain = json.loads(invoke(*args, "--json").stdout)["reforecast"][0]
    assert plain["days_left_out"] == []
    assert len(plain["days"]) == 3
    table = invoke(*args, "--country", "LT")
    assert table.exit_code == 0, table.output
    assert "2 days scored; left out" in table.stdout and "2024-02-16" in table.stdout


def test_reforecast_at_in_the_table(busy_last_day_csv: Path) -> None:
    result = invoke(
        str(busy_last_day_csv),
        "--timestamp-column", "interval_start", "--value-column", "calls",
        "--timezone", "Europe/Berlin", "--horizon-days", "1", "--folds", "2",
        "--reforecast-at", "10:00",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "at 10:00: day-ahead" in result.stdout and "2024-02-17: day-ahead" in result.stdout


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        (["25:00"], "'25:00' is not a time of day"),
        (["10:60"], "'10:60' is not a time of day"),
        (["00:00"], "'00:00' is not a time of day"),
        (["noon"], "'noon' is not a time HH:MM"),
        (["10:15"], "'10:15' is not the start of a 30-minute interval"),
        (["10:00", "10:00"], "'10:00' is given twice"),
    ],
)
def test_bad_reforecast_at_values_get_one_line_errors(
    tmp_path: Path, values: list[str], fragment: str
) -> None:
    args = ["--timestamp-column", "ts", "--value-column", "n", "--timezone", "UTC"]
    for value in values:
        args += ["--reforecast-at", value]
    assert_one_line_error(invoke(_write(tmp_path, ROWS), *args), "--reforecast-at", fragment)
