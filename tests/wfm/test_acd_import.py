"""ACD export parsing: column mapping by vendor names, timezones (with the repeated hour when
clocks go back), derived fields, and all-or-nothing row validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wfm.adapters.acd_files import (
    ImportFormatError,
    ImportOptions,
    parse_csv,
    parse_json,
    resolve_columns,
)


def test_cisco_names_map_and_unknown_ones_are_reported() -> None:
    mapped, unmapped = resolve_columns(
        [
            "CallTypeID",
            "DateTime",
            "CallsOffered",
            "CallsHandled",
            "TotalCallsAband",
            "ServiceLevelCalls",
            "AnswerWaitTime",
            "HandleTime",
            "RouterCallsDequeued",
        ]
    )
    fields = {m.column: m.field for m in mapped}
    assert fields["CallsHandled"] == "answered" and fields["TotalCallsAband"] == "abandoned"
    assert fields["AnswerWaitTime"] == "wait_seconds_answered"
    assert {m.source for m in mapped} == {"Cisco", "Avaya CMS / Cisco"}
    assert unmapped == ["RouterCallsDequeued"]


def test_two_columns_for_one_field_is_an_error() -> None:
    with pytest.raises(ImportFormatError, match="both map to field 'answered'"):
        resolve_columns(["ACDCALLS", "CallsHandled"])


def test_separators_bom_and_derived_handle_and_wait() -> None:
    text = (
        "\ufeffqueue;interval_start;offered;handled;abandoned;aht_s;asa_s\n"
        "q1;2025-01-06T08:00:00Z;12;10;2;200;15\n"
        "q1;2025-01-06T08:30:00Z;0;0;0;;\n"
    )
    parsed = parse_csv(text)
    assert parsed.ok and len(parsed.records) == 2
    first = parsed.records[0]
    assert first.interval_minutes == 30  # inferred from the spacing
    assert first.handle_seconds == 2000.0 and first.wait_seconds_answered == 150.0
    assert parsed.records[1].handle_seconds == 0.0


def test_clocks_going_back_repeat_an_hour_in_order() -> None:
    # Paris, 26 October 2025: 02:00-02:59 happens twice (CEST, then CET)
    rows = ["queue,interval_start,offered,answered,abandoned"]
    for stamp in ("01:45", "02:00", "02:30", "02:00", "02:30", "03:00"):
        rows.append(f"q,2025-10-26 {stamp},1,1,0")
    parsed = parse_csv("\n".join(rows), ImportOptions(timezone="Europe/Paris", interval_minutes=30))
    assert parsed.ok, parsed.errors
    starts = [r.interval_start_utc for r in parsed.records]
    assert starts == sorted(starts) and len(set(starts)) == 6
    assert starts[1] == datetime(2025, 10, 26, 0, 0, tzinfo=UTC)  # 02:00 CEST
    assert starts[3] == datetime(2025, 10, 26, 1, 0, tzinfo=UTC)  # 02:00 CET
    third = parse_csv(
        "\n".join([*rows, "q,2025-10-26 02:00,1,1,0"]),
        ImportOptions(timezone="Europe/Paris", interval_minutes=30),
    )
    assert not third.ok and third.errors[0].row == 8 and "appears again" in third.errors[0].message


def test_json_rows_report_their_position() -> None:
    parsed = parse_json(
        [
            {"queue": "q", "interval_start": "2025-01-06T08:00:00Z", "answered": 1, "abandoned": 0},
            "not an object",
            {
                "queue": "q",
                "interval_start": "2025-01-06T08:30:00Z",
                "answered": True,
                "abandoned": 0,
            },
            {
                "queue": "q",
                "interval_start": "2025-01-06T09:00:00Z",
                "answered": [1],
                "abandoned": 0,
            },
        ],
        ImportOptions(interval_minutes=30),
    )
    assert [e.row for e in parsed.errors] == [2, 3, 4]
    assert parsed.records == () and parsed.error_count == 3


row_values = st.tuples(
    st.integers(0, 300), st.integers(0, 60), st.integers(0, 100), st.floats(0, 1e5)
)


@given(st.lists(row_values, min_size=1, max_size=40), st.data())
def test_valid_rows_round_trip_and_one_bad_cell_rejects_all(
    rows: list[tuple[int, int, int, float]], data: st.DataObject
) -> None:
    start = datetime(2025, 1, 6, tzinfo=UTC)
    lines = ["queue,interval_start,answered,abandoned,answered_within_threshold,handle_seconds"]
    for i, (answered, abandoned, within_pct, handle) in enumerate(rows):
        at = start + timedelta(minutes=15 * i)
        within = answered * within_pct // 100
        lines.append(f"q,{at.isoformat()},{answered},{abandoned},{within},{handle!r}")
    parsed = parse_csv("\n".join(lines), ImportOptions(interval_minutes=15))
    assert parsed.ok
    for record, (answered, abandoned, _pct, handle) in zip(parsed.records, rows, strict=True):
        assert record.offered == answered + abandoned
        assert (record.answered, record.abandoned) == (answered, abandoned)
        assert record.handle_seconds == pytest.approx(handle)
    victim = data.draw(st.integers(1, len(rows)))
    column = data.draw(st.sampled_from([2, 3, 5]))
    cells = lines[victim].split(",")
    bad = ["-1", "x", "nan"] + (["1.5"] if column != 5 else [])
    cells[column] = data.draw(st.sampled_from(bad))
    lines[victim] = ",".join(cells)
    broken = parse_csv("\n".join(lines), ImportOptions(interval_minutes=15))
    assert not broken.ok and broken.records == ()
    assert [e.row for e in broken.errors] == [victim + 1]


def test_reason_columns_give_each_row_its_reason_mix() -> None:
    text = (
        "queue,interval_start,offered,answered,Reason:Billing,reason:card_lost\n"
        "q,2025-01-06T08:00:00Z,10,9,6,3\n"
        "q,2025-01-06T08:15:00Z,4,4,0,\n"
        "q,2025-01-06T08:30:00Z,5,5,2,3\n"
    )
    parsed = parse_csv(text)
    assert parsed.ok, parsed.errors
    # the prefix is matched ignoring case, the code is kept as written; zeros are left out
    assert [r.reason_counts for r in parsed.records] == [
        {"Billing": 6, "card_lost": 3},
        {},
        {"Billing": 2, "card_lost": 3},
    ]
    fields = {c.column: c.field for c in parsed.columns}
    assert fields["Reason:Billing"] == "reason:Billing"


def test_a_reason_counts_object_in_json_or_its_text_in_csv() -> None:
    rows = [
        {"queue": "q", "interval_start": "2025-01-06T08:00:00Z", "offered": 4, "answered": 4},
        {"queue": "q", "interval_start": "2025-01-06T08:15:00Z", "offered": 4, "answered": 4},
    ]
    parsed = parse_json(
        [
            {**rows[0], "reason_counts": {"billing": 3, "other": 0, "fraud": None}},
            {**rows[1], "reason_counts": None},
        ]
    )
    assert [r.reason_counts for r in parsed.records] == [{"billing": 3}, {}]
    mapped = parse_json(
        [{**rows[0], "mix": {"billing": 4}}, {**rows[1], "mix": "{}"}],
        ImportOptions(mapping={"mix": "reason_counts"}),
    )
    assert [r.reason_counts for r in mapped.records] == [{"billing": 4}, {}]
    text = parse_csv(
        "queue,interval_start,offered,answered,reason_counts\n"
        'q,2025-01-06T08:00:00Z,4,4,"{""a"": 1}"\n'
        "q,2025-01-06T08:15:00Z,4,4,{not json\n"
    )
    assert [(e.row, e.column) for e in text.errors] == [(3, "reason_counts")]
    assert "JSON object" in text.errors[0].message
    # a nested value anywhere else is still refused
    other = parse_json([{**rows[0], "offered": {"n": 4}}], ImportOptions(interval_minutes=15))
    assert "nested value" in other.errors[0].message


def test_reason_codes_are_checked_in_the_header_the_mapping_and_the_objects() -> None:
    header = parse_csv(
        "queue,interval_start,offered,answered,reason:,reason:ok\n"
        "q,2025-01-06T08:00:00Z,4,4,1,1\nq,2025-01-06T08:15:00Z,4,4,1,1\n"
    )
    assert [(e.row, e.column) for e in header.errors] == [(1, "reason:")]
    with pytest.raises(ImportFormatError, match="reason code"):
        resolve_columns(["Calls"], {"Calls": "reason:two words"})
    with pytest.raises(ImportFormatError, match="give them one way"):
        resolve_columns(["reason_counts", "reason:billing"])
    with pytest.raises(ImportFormatError, match="both map to field 'reason:billing'"):
        resolve_columns(["reason:billing", "Billing"], {"Billing": "reason:billing"})
    objects = parse_json(
        [
            {
                "queue": "q",
                "interval_start": f"2025-01-06T{8 + i // 4:02d}:{15 * (i % 4):02d}:00Z",
                "offered": 4,
                "answered": 4,
                "reason_counts": {code: 1},
            }
            for i, code in enumerate(
                [
                    "ok",
                    " leading",
                    "x" * 65,
                    "x" * 64,
                    "账单查询",
                    "-退款.部分",
                    "a\x85",
                    "a\u3000b",
                ]
            )
        ],
        ImportOptions(interval_minutes=15),
    )
    # any script is a code; whitespace (the ideographic space too), C1 controls and 65
    # characters are not
    assert [e.row for e in objects.errors] == [2, 3, 7, 8]


@given(st.lists(st.integers(0, 30), min_size=1, max_size=6), st.integers(0, 200))
def test_reasons_up_to_offered_are_kept_and_more_is_a_row_error(
    counts: list[int], offered: int
) -> None:
    header = ",".join(f"reason:r{i}" for i in range(len(counts)))
    cells = ",".join(map(str, counts))
    parsed = parse_csv(
        f"queue,interval_start,offered,answered,{header}\n"
        f"q,2025-01-06T08:00:00Z,{offered},{offered},{cells}\n",
        ImportOptions(interval_minutes=15),
    )
    if sum(counts) <= offered:
        assert parsed.ok
        assert parsed.records[0].reason_counts == {f"r{i}": n for i, n in enumerate(counts) if n}
    else:
        assert not parsed.ok and parsed.records == ()
        assert parsed.errors[0].column == "reason_counts"
        assert parsed.errors[0].message == (
            f"reason counts add up to {sum(counts)}, more than offered ({offered})"
        )
