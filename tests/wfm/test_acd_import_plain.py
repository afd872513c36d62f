"""The column-at-a-time CSV conversion (`_parse_plain`) against the row-by-row one
(`parse_rows`): for any CSV, `parse_csv` must give exactly what the row-by-row path gives,
errors included; and the fast path must actually be taken for a clean export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.adapters import acd_files as acd_import
from wfm.adapters.acd_files import BadRow, ImportOptions, parse_csv, parse_rows


def _row_by_row(text: str, options: ImportOptions) -> object:
    try:
        header, lines = acd_import._csv_reader(text)
        rows = [
            (n, v if isinstance(v, BadRow) else dict(zip(header, v, strict=True))) for n, v in lines
        ]
        return parse_rows(header, rows, options)
    except acd_import.ImportFormatError as exc:
        return ("format error", str(exc))


def _fast_or_fallback(text: str, options: ImportOptions) -> object:
    try:
        return parse_csv(text, options)
    except acd_import.ImportFormatError as exc:
        return ("format error", str(exc))


OPTIONAL = [
    "interval_minutes",
    "short_abandoned",
    "answered_within_threshold",
    "handle_seconds",
    "wait_seconds_answered",
    "wait_seconds_abandoned",
    "talk_seconds",  # not a plain field: the row-by-row path adds it up
    "comment",  # unmapped
]
T0 = datetime(2025, 3, 29, 22, 0, tzinfo=UTC)
# one flaw at most per export, each something only the row-by-row path can handle or report
FLAWS = [
    ("answered", ""),
    ("answered", "-3"),
    ("answered", "4.0"),
    ("answered", " 7 "),
    ("offered", "0"),
    ("interval_minutes", "20"),
    ("interval_minutes", ""),
    ("handle_seconds", "nan"),
    ("handle_seconds", "-2"),
    ("handle_seconds", "-0"),
    ("wait_seconds_answered", "inf"),
    ("short_abandoned", "99"),
    ("answered_within_threshold", "99"),
    ("queue", " "),
    ("interval_start", "2025-03-30 02:30"),  # local, and in the hour that does not exist
    ("interval_start", "2025-03-29 23:00"),  # local
    ("interval_start", "2025-03-29T22:05:00Z"),  # off the 15-minute grid
    ("interval_start", "not a time"),
    ("interval_start", "2025-03-29T22:00:00Z"),  # the first row's interval again
]


@st.composite
def exports(draw: st.DrawFn) -> tuple[str, ImportOptions]:
    counts = draw(
        st.sampled_from(
            [("offered", "answered"), ("answered", "abandoned"), ("offered", "abandoned")]
            + [("offered", "answered", "abandoned")]
        )
    )
    with_queue = draw(st.booleans())
    extra = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, max_size=len(OPTIONAL)))
    columns = ["interval_start", *counts, *extra] + (["queue"] if with_queue else [])
    columns = draw(st.permutations(columns))
    rows = draw(st.integers(1, 10))
    flaw = draw(st.none() | st.tuples(st.sampled_from(FLAWS), st.integers(0, rows - 1)))
    step = draw(st.sampled_from([15, 30]))
    lines = [",".join(columns)]
    for i in range(rows):
        answered = draw(st.integers(0, 30))
        abandoned = draw(st.integers(0, 5))
        start = T0 + timedelta(minutes=step * i)
        values = {
            "queue": draw(st.sampled_from(["sales", "care", " sales "])),
            "interval_start": draw(
                st.sampled_from(
                    [
                        start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        start.astimezone(timezone(timedelta(hours=1))).isoformat(),
                        start.strftime("%Y-%m-%dT%H:%M:%S.000+00:00"),
                    ]
                )
            ),
            "interval_minutes": str(step),
            "offered": str(answered + abandoned + draw(st.sampled_from([0, 0, 2]))),
            "answered": str(answered),
            "abandoned": str(abandoned),
            "short_abandoned": str(draw(st.integers(0, abandoned))),
            "answered_within_threshold": str(draw(st.integers(0, answered))),
            "handle_seconds": draw(st.sampled_from(["120.5", "0", "1e3", "33"])),
            "wait_seconds_answered": draw(st.sampled_from(["12", "3.25"])),
            "wait_seconds_abandoned": "7",
            "talk_seconds": "100",
            "comment": draw(st.sampled_from(["ok", ""])),
        }
        if flaw is not None and flaw[1] == i:
            values[flaw[0][0]] = flaw[0][1]
        lines.append(",".join(values[c] for c in columns))
    if draw(st.integers(0, 9)) == 0:
        lines.append("sales,")  # a row of the wrong width
    options = ImportOptions(
        timezone=draw(st.sampled_from([None, "Europe/Paris"])),
        interval_minutes=draw(st.sampled_from([None, None, 15, 45])),
        queue_code=None if with_queue else draw(st.sampled_from([None, "sales", "sales"])),
    )
    return "\n".join(lines) + "\n", options


@settings(max_examples=400, deadline=None)
@given(exports())
def test_parse_csv_equals_the_row_by_row_path(export: tuple[str, ImportOptions]) -> None:
    text, options = export
    assert _fast_or_fallback(text, options) == _row_by_row(text, options)


def test_a_clean_export_takes_the_column_path() -> None:
    lines = ["queue,interval_start,answered,abandoned,short_abandoned,handle_seconds"]
    for i in range(8):
        start = (T0 + timedelta(minutes=15 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"sales,{start},{i},1,0,{60.5 * i}")
    text = "\n".join(lines) + "\n"
    header, rows = acd_import._csv_reader(text)
    plain = acd_import._parse_plain(header, list(rows), ImportOptions())
    assert plain is not None and plain == _row_by_row(text, ImportOptions())
    assert [r.interval_minutes for r in plain.records] == [15] * 8  # inferred from the gaps
    assert plain.records[3].offered == 4 and plain.records[3].handle_seconds == 181.5


def test_a_blank_or_fractional_interval_length_is_a_row_error() -> None:
    # Both once escaped the column path as a bare ValueError instead of the row's own message.
    for flaw in ("", "15.5", "x"):
        text = (
            "queue,interval_start,interval_minutes,offered,answered,abandoned\n"
            f"CARE,2025-03-30T09:00:00+00:00,15,10,9,1\n"
            f"CARE,2025-03-30T09:15:00+00:00,{flaw},10,9,1\n"
        )
        options = ImportOptions()
        assert _fast_or_fallback(text, options) == _row_by_row(text, options)
