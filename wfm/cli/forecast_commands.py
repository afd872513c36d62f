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
        "warnings": list(result.warnings),
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
) -> None:
    """Backtest every forecast candidate on a CSV (outside the database) and pick the best.

    Prints WMAPE, MASE and measured band coverage per candidate, then the chosen model.
    Missing rows (closed weekends, holidays) are fine.
    """
    if interval_minutes not in (15, 30, 60):
        fail(f"--interval-minutes must be 15, 30 or 60, got {interval_minutes}")
    if not 1 <= horizon_days <= 91:
        fail(f"--horizon-days must be between 1 and 91, got {horizon_days}")
    if not 1 <= folds <= 104:
        fail(f"--folds must be between 1 and 104, got {folds}")

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
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    for warning in result.warnings:
        info(f"warning: {warning}")
    _print_table(report, result.levels)


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
    typer.echo("\n".join(lines))
