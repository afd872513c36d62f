"""`wfm backtest`: rolling-origin backtest of the forecast candidates on any CSV of counts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wfm.cli.app import app, fail, info

if TYPE_CHECKING:
    import pandas as pd

    from forecasting.engine import BacktestResult


def _line_list(lines: Any, limit: int = 5) -> str:
    from forecasting.frame import describe_rows

    return describe_rows(list(lines), "line", limit)


def read_counts_csv(
    path: Path, timestamp_column: str, value_column: str, timezone: str | None
) -> pd.DataFrame:
    """The CSV as a history frame indexed by file line number; one-line errors otherwise."""
    import pandas as pd

    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        fail(f"FILE {path} does not exist")
    except IsADirectoryError:
        fail(f"FILE {path} is a directory")
    except pd.errors.EmptyDataError:
        fail(f"FILE {path} is empty")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        fail(f"FILE {path} is not a readable CSV: {str(exc).splitlines()[0]}")
    except OSError as exc:
        fail(f"cannot read FILE {path}: {exc.strerror or exc}")
    for option, column in (
        ("--timestamp-column", timestamp_column),
        ("--value-column", value_column),
    ):
        if column not in raw.columns:
            fail(
                f"{option}: no column {column!r} in {path.name} "
                f"(columns: {', '.join(map(str, raw.columns))})"
            )
    if raw.empty:
        fail(f"FILE {path} has a header but no rows")
    raw.index = raw.index + 2  # line numbers: the header is line 1

    stamps_text = raw[timestamp_column].str.strip()
    empty = stamps_text == ""
    if empty.any():
        fail(f"{timestamp_column} is empty on {_line_list(raw.index[empty])}")
    ds = _parse_timestamps(stamps_text, timestamp_column, timezone)

    text_values = raw[value_column].str.strip()
    values = pd.to_numeric(text_values, errors="coerce")
    not_number = values.isna() | ~values.map(lambda v: math.isfinite(v) if v == v else False)
    if not_number.any():
        first = raw.index[not_number][0]
        fail(
            f"{value_column} is not a number on {_line_list(raw.index[not_number])} "
            f"(line {first}: {text_values[first]!r})"
        )
    negative = values < 0
    if negative.any():
        fail(f"{value_column} is negative on {_line_list(raw.index[negative])}")
    duplicated = ds.duplicated(keep=False)
    if duplicated.any():
        fail(f"duplicate timestamps in {timestamp_column} on {_line_list(raw.index[duplicated])}")
    return pd.DataFrame(
        {"unique_id": path.stem or "series", "ds": ds, "y": values.astype(float)},
        index=raw.index,
    )


def _parse_timestamps(stamps_text: pd.Series, column: str, timezone: str | None) -> pd.Series:
    """Timestamps of the column: all with an offset (converted to UTC) or all naive local."""
    import pandas as pd

    index = stamps_text.index
    has_offset = stamps_text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    if has_offset.any() and not has_offset.all():
        fail(
            f"{column} mixes timestamps with and without a timezone; "
            f"without one on {_line_list(index[~has_offset.to_numpy()])}"
        )
    try:
        fast = pd.to_datetime(stamps_text, format="ISO8601", utc=bool(has_offset.all()))
    except (ValueError, TypeError, OverflowError):
        fast = None
    if fast is not None and isinstance(fast.dtype, pd.DatetimeTZDtype):
        return fast.dt.tz_convert("UTC")
    if fast is not None and pd.api.types.is_datetime64_dtype(fast.dtype):
        parsed = list(fast)
    else:
        parsed = []
        for text in stamps_text.to_numpy():
            try:
                parsed.append(pd.Timestamp(text))
            except (ValueError, TypeError, OverflowError):
                parsed.append(pd.NaT)
    bad = pd.Series([ts is pd.NaT or pd.isna(ts) for ts in parsed], index=index)
    if bad.any():
        first = index[bad.to_numpy()][0]
        fail(
            f"{column} has unparseable dates on {_line_list(index[bad.to_numpy()])} "
            f"(line {first}: {stamps_text[first]!r})"
        )
    aware = pd.Series([ts.tzinfo is not None for ts in parsed], index=index)
    if aware.all():
        return pd.Series(pd.DatetimeIndex([ts.tz_convert("UTC") for ts in parsed]), index=index)
    if aware.any():
        fail(
            f"{column} mixes timestamps with and without a timezone; "
            f"without one on {_line_list(index[~aware.to_numpy()])}"
        )
    if timezone is None:
        first = index[0]
        fail(
            f"{column} has no timezone (line {first}: {stamps_text[first]!r}); "
            "pass --timezone with the site's timezone, e.g. --timezone Europe/London"
        )
    return pd.Series(pd.DatetimeIndex(parsed), index=index)


def backtest_report(result: BacktestResult, queue: str) -> dict[str, Any]:
    """The JSON document `wfm backtest --json` prints."""

    def number(value: Any) -> float | None:
        if value is None:
            return None
        value = float(value)
        return None if math.isnan(value) else round(value, 6)

    rows = result.scores[result.scores["unique_id"] == queue]
    candidates = {
        str(row["model"]): {
            "wmape": number(row["wmape"]),
            "mase": number(row["mase"]),
            **{f"coverage_{level}": number(row[f"coverage_{level}"]) for level in result.levels},
        }
        for _, row in rows.iterrows()
    }
    plan = result.plans[queue]
    return {
        "series": queue,
        "interval_minutes": result.interval_minutes,
        "horizon_days": result.horizon_days,
        "folds": plan.folds,
        "history_days": plan.days,
        "candidates": candidates,
        "chosen_model": result.chosen_model[queue],
        "combination_members": list(result.combination_members.get(queue, ())),
        **{
            f"coverage_{level}": number(result.coverage[queue].get(level))
            for level in result.levels
        },
        "poisson_noise_floor_wmape": number(result.noise_floor_wmape.get(queue)),
        "calendar_folds": calendar_folds(result, queue),
        "warnings": list(result.warnings),
    }


#: day statuses that make a backtest fold a calendar fold (forecasting.calendar)
CALENDAR_STATUSES = ("holiday", "workday", "ramp")


def calendar_folds(result: BacktestResult, queue: str) -> dict[str, Any]:
    """The chosen model's WMAPE on the folds holding a holiday, make-up working day or
    long-holiday ramp day, apart from the other folds (scored intervals only: those days
    themselves are imputed and not scored)."""
    from forecasting.metrics import wmape

    model = result.chosen_model[queue]
    rows = result.predictions[result.predictions["unique_id"] == queue]
    if rows.empty or model not in rows.columns:
        return {"folds": 0, "wmape": None, "other_folds": 0, "other_folds_wmape": None}
    special = rows.groupby("cutoff")["status"].transform(lambda s: s.isin(CALENDAR_STATUSES).any())

    def score(part: Any) -> float | None:
        scored = part[part["scored"]]
        if scored.empty or float(scored["y"].sum()) <= 0:
            return None
        return round(float(wmape(scored["y"].to_numpy(), scored[model].to_numpy())), 6)

    return {
        "folds": int(rows.loc[special, "cutoff"].nunique()),
        "wmape": score(rows[special]),
        "other_folds": int(rows.loc[~special, "cutoff"].nunique()),
        "other_folds_wmape": score(rows[~special]),
    }


@app.command("backtest")
def backtest_command(
    file: Annotated[
        Path, typer.Argument(help="CSV file with one row per timestamp and a count column.")
    ],
    timestamp_column: Annotated[
        str, typer.Option("--timestamp-column", help="Column holding the interval start times.")
    ],
    value_column: Annotated[
        str, typer.Option("--value-column", help="Column holding the contact counts.")
    ],
    interval_minutes: Annotated[
        int,
        typer.Option(help="Planning interval (15, 30 or 60); finer rows are summed into it."),
    ] = 30,
    horizon_days: Annotated[
        int, typer.Option(help="Days forecast from each backtest origin (1 = day-ahead).")
    ] = 7,
    folds: Annotated[int, typer.Option(help="Number of rolling backtest origins.")] = 4,
    timezone: Annotated[
        str | None,
        typer.Option(
            help="Site timezone (e.g. Europe/London); required when timestamps have no offset."
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(help="ISO country code whose public holidays are excluded from training."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON document.")
    ] = False,
    reforecast_at: Annotated[
        list[str] | None,
        typer.Option(
            "--reforecast-at",
            help="Local time HH:MM (repeatable): also measure the intraday reforecast made then "
            "against the day-ahead forecast, on the rest of each fold's first day.",
        ),
    ] = None,
) -> None:
    """Backtest every forecast candidate on a CSV (outside the database) and pick the best.

    Prints WMAPE, MASE and measured band coverage per candidate, then the chosen model; with
    --reforecast-at, the rest-of-day WMAPE of the day-ahead forecast and of the reforecast.
    Missing rows (closed weekends, holidays) are fine.
    """
    if interval_minutes not in (15, 30, 60):
        fail(f"--interval-minutes must be 15, 30 or 60, got {interval_minutes}")
    if not 1 <= horizon_days <= 91:
        fail(f"--horizon-days must be between 1 and 91, got {horizon_days}")
    if not 1 <= folds <= 104:
        fail(f"--folds must be between 1 and 104, got {folds}")
    at_minutes = _reforecast_times(reforecast_at or [], interval_minutes)

    from forecasting.calendar import CalendarOptions, country_holidays
    from forecasting.engine import ForecastConfig, backtest
    from forecasting.frame import HistoryError, check_timezone, prepare_history

    try:
        check_timezone(timezone)
    except HistoryError:
        fail(f"--timezone: unknown timezone {timezone!r}")
    try:
        country_holidays(country, [2000])
    except ValueError:
        fail(f"--country: unknown country code {country!r}")
    history = read_counts_csv(file, timestamp_column, value_column, timezone)
    config = ForecastConfig(
        interval_minutes=interval_minutes,
        timezone=timezone,
        calendar=CalendarOptions(country=country),
        folds=folds,
        backtest_horizon_days=horizon_days,
    )
    try:
        prepared = prepare_history(
            history, interval_minutes=interval_minutes, timezone=timezone, row_label="line"
        )
        info(
            f"backtesting {file.name}: {prepared.n_days} days at {interval_minutes} min, "
            f"up to {folds} fold(s) of {horizon_days} day(s) ..."
        )
        result = backtest(prepared, config)
    except ValueError as exc:
        fail(str(exc))
    queue = prepared.unique_ids[0]
    report = backtest_report(result, queue)
    if at_minutes:
        report["reforecast"] = reforecast_report(result, queue, at_minutes)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    for warning in result.warnings:
        info(f"warning: {warning}")
    _print_table(report, result.levels)
    if at_minutes:
        _print_reforecast(report["reforecast"])


def _reforecast_times(values: list[str], interval_minutes: int) -> list[int]:
    """--reforecast-at values as minutes after midnight, each on an interval start."""
    out: list[int] = []
    for text in values:
        hours, _, minutes = text.strip().partition(":")
        if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
            fail(f"--reforecast-at: {text!r} is not a time HH:MM")
        value = int(hours) * 60 + int(minutes)
        if int(minutes) >= 60 or not 0 < value < 24 * 60:
            fail(f"--reforecast-at: {text!r} is not a time of day after 00:00")
        if value % interval_minutes:
            fail(
                f"--reforecast-at: {text!r} is not the start of a "
                f"{interval_minutes}-minute interval"
            )
        if value in out:
            fail(f"--reforecast-at: {text!r} is given twice")
        out.append(value)
    return sorted(out)


def _day_ahead_matrix(result: BacktestResult, queue: str) -> tuple[list[Any], Any, Any, Any]:
    """Each fold's first day (forecast a day ahead): its days, and its forecast, actual and
    whether the backtest scores it (observed, not imputed), per interval."""
    import numpy as np

    model = result.chosen_model[queue]
    rows = result.predictions[result.predictions["unique_id"] == queue]
    if model not in rows.columns:
        fail(f"--reforecast-at: the chosen model {model!r} has no backtest predictions")
    rows = rows.assign(day=rows["ds"].dt.date)
    first_day = rows.groupby("cutoff")["day"].transform("min")
    rows = rows[rows["day"] == first_day]
    per_day = 24 * 60 // result.interval_minutes
    slot = (rows["ds"].dt.hour * 60 + rows["ds"].dt.minute) // result.interval_minutes
    rows = rows.assign(slot=slot)
    columns = range(per_day)
    forecast = rows.pivot_table(index="day", columns="slot", values=model, aggfunc="sum")
    actual = rows.pivot_table(index="day", columns="slot", values="y", aggfunc="sum")
    forecast = forecast.reindex(columns=columns).fillna(0.0)
    actual = actual.reindex(index=forecast.index, columns=columns).fillna(0.0)
    scored = rows.pivot_table(index="day", columns="slot", values="scored", aggfunc="max")
    scored = scored.reindex(index=forecast.index, columns=columns).fillna(False)
    return (
        list(forecast.index),
        np.clip(forecast.to_numpy(), 0, None),
        actual.to_numpy(),
        scored.to_numpy(dtype=bool),
    )


def reforecast_report(
    result: BacktestResult, queue: str, at_minutes: list[int]
) -> list[dict[str, Any]]:
    """The `reforecast` key of `wfm backtest --json`: one object per --reforecast-at time."""
    from wfm.domain.intraday.reforecast_backtest import measure_reforecast

    def number(value: float | None) -> float | None:
        return None if value is None or math.isnan(value) else round(value, 6)

    days, forecast, actual, scored = _day_ahead_matrix(result, queue)
    out = []
    for at in at_minutes:
        score = measure_reforecast(
            days, forecast, actual, result.interval_minutes, at, scored=scored
        )
        out.append(
            {
                "at": f"{at // 60:02d}:{at % 60:02d}",
                "day_ahead_wmape": number(score.day_ahead_wmape),
                "reforecast_wmape": number(score.reforecast_wmape),
                "ratio": number(score.ratio),
                "coverage_80": number(score.coverage_80),
                "candidates": {name: number(v) for name, v in score.candidates.items()},
                "days": [
                    {
                        "day": d.day.isoformat(),
                        "day_ahead_wmape": number(d.day_ahead_wmape),
                        "reforecast_wmape": number(d.reforecast_wmape),
                        "applied_ratio": number(d.applied_ratio),
                    }
                    for d in score.days
                ],
                "days_left_out": [d.isoformat() for d in score.days_left_out],
            }
        )
    return out


def _print_reforecast(rows: list[dict[str, Any]]) -> None:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.1f}%"

    lines = ["reforecast of the rest of the day (each fold's first day, forecast a day ahead):"]
    for row in rows:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.3f}"
        lines.append(
            f"  at {row['at']}: day-ahead {pct(row['day_ahead_wmape'])}, reforecast "
            f"{pct(row['reforecast_wmape'])}, ratio {ratio}, 80 % band coverage "
            f"{pct(row['coverage_80'])}; "
            + ", ".join(f"{name} {pct(v)}" for name, v in row["candidates"].items())
        )
        if row["days_left_out"]:
            lines.append(
                f"    {len(row['days'])} days scored; left out, as the backtest does not score "
                f"them (holidays and other imputed days): {', '.join(row['days_left_out'])}"
            )
        for day in row["days"]:
            lines.append(
                f"    {day['day']}: day-ahead {pct(day['day_ahead_wmape'])}, reforecast "
                f"{pct(day['reforecast_wmape'])} (ratio applied {day['applied_ratio']:.3f})"
            )
    typer.echo("\n".join(lines))


def _print_table(report: dict[str, Any], levels: tuple[int, ...]) -> None:
    def fmt(value: float | None, percent: bool = False) -> str:
        if value is None:
            return "-"
        return f"{100 * value:.1f}%" if percent else f"{value:.3f}"

    cover = [f"cover{level}" for level in levels]
    header = f"{'model':<22}{'WMAPE':>9}{'MASE':>8}" + "".join(f"{c:>10}" for c in cover)
    lines = [
        f"{report['series']}: {report['history_days']} days at {report['interval_minutes']} min, "
        f"{report['folds']} fold(s) of {report['horizon_days']} day(s)",
        header,
    ]
    for name, scores in report["candidates"].items():
        marker = " *" if name == report["chosen_model"] else ""
        lines.append(
            f"{name:<22}{fmt(scores['wmape'], True):>9}{fmt(scores['mase']):>8}"
            + "".join(f"{fmt(scores[f'coverage_{lv}'], True):>10}" for lv in levels)
            + marker
        )
    members = report["combination_members"]
    lines.append(
        f"chosen_model: {report['chosen_model']}"
        + (
            f" (combination of {', '.join(members)})"
            if report["chosen_model"] == "combination"
            else ""
        )
    )
    lines.append(
        "measured coverage: "
        + ", ".join(f"{lv} % band {fmt(report[f'coverage_{lv}'], True)}" for lv in levels)
    )
    lines.append(
        f"Poisson noise floor (WMAPE of a perfect rate forecast): "
        f"{fmt(report['poisson_noise_floor_wmape'], True)}"
    )
    apart = report["calendar_folds"]
    if apart["folds"]:
        lines.append(
            f"folds with holidays, make-up working days or long-holiday ramps: {apart['folds']}, "
            f"WMAPE {fmt(apart['wmape'], True)} (other folds: {apart['other_folds']}, "
            f"WMAPE {fmt(apart['other_folds_wmape'], True)})"
        )
    typer.echo("\n".join(lines))
