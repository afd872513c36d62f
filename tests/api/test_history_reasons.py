"""Contact reasons through the history import over real HTTP: `reason:<code>` columns in CSV, a
`reason_counts` object in JSON, read back from `GET /v1/history` and from
`GET /v1/kpis/contact-reasons` (totals worked out by hand below), bad reason cells as row errors
with nothing written, and a re-import that replaces the stored reasons."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from apikit import SITE, ApiServer, ok, seed_centre

CSV = {"Content-Type": "text/csv"}
IMPORT = "/v1/history/import"
EVERY_15 = {"interval_minutes": 15}
REASONS = "/v1/kpis/contact-reasons"

# Paris is UTC+1 in early March 2025: 08:00Z is 09:00 local, the same day.
RETAIL_CSV = (
    "queue,interval_start,offered,answered,abandoned,reason:billing,reason:card_lost,"
    "reason:complaint\n"
    "retail,2025-03-03T08:00:00Z,10,9,1,6,3,\n"
    "retail,2025-03-03T08:15:00Z,8,8,0,2,,5\n"
    "retail,2025-03-04T08:00:00Z,12,11,1,0,4,1\n"
    "retail,2025-03-04T08:15:00Z,5,5,0,,,\n"
)
BUSINESS_JSON = [
    {
        "queue": "business",
        "interval_start": "2025-03-04T09:00:00Z",
        "offered": 7,
        "answered": 7,
        "abandoned": 0,
        "reason_counts": {"billing": 1, "sales_enquiry": 6},
    },
    {
        "queue": "business",
        "interval_start": "2025-03-04T09:15:00Z",
        "offered": 4,
        "answered": 3,
        "abandoned": 1,
        "reason_counts": {},
    },
]


def _get(client: httpx.Client, path: str, **params: Any) -> Any:
    return ok(client.get(path, params=params))


def _reasons_by_interval(client: httpx.Client, queue: str = "retail") -> dict[str, Any]:
    """Stored reason counts of the queue's intervals on 3 and 4 March, by interval start."""
    rows = _get(
        client, "/v1/history", queue=queue, start="2025-03-03T00:00Z", end="2025-03-05T00:00Z"
    )
    return {r["interval_start_utc"]: r["reason_counts"] for r in rows}


def _report(client: httpx.Client, **params: Any) -> Any:
    """Top contact reasons on the local days 3 and 4 March."""
    return _get(client, REASONS, site=SITE, start="2025-03-03", end="2025-03-05", **params)


def _intervals(client: httpx.Client) -> int:
    return sum(c["intervals"] for c in _get(client, "/v1/history/coverage"))


def test_csv_and_json_reasons_read_back_from_history_and_kpis(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        imported = ok(planner.post(IMPORT, content=RETAIL_CSV, headers=CSV))
        assert imported["imported"] == 4 and imported["unmapped_columns"] == []
        mapped = {c["column"]: (c["field"], c["source"]) for c in imported["columns"]}
        assert mapped["reason:card_lost"] == ("reason:card_lost", "wfm")
        ok(planner.post(IMPORT, json=BUSINESS_JSON))

        # empty cells and zeros record no contacts for that reason
        assert _reasons_by_interval(planner) == {
            "2025-03-03T08:00:00Z": {"billing": 6, "card_lost": 3},
            "2025-03-03T08:15:00Z": {"billing": 2, "complaint": 5},
            "2025-03-04T08:00:00Z": {"card_lost": 4, "complaint": 1},
            "2025-03-04T08:15:00Z": {},
        }
        assert _reasons_by_interval(planner, "business") == {
            "2025-03-04T09:00:00Z": {"billing": 1, "sales_enquiry": 6},
            "2025-03-04T09:15:00Z": {},
        }

    with api.client("executive") as executive:
        report = _report(executive)
        # 3 March: billing 6+2, card_lost 3, complaint 5 = 16
        # 4 March: card_lost 4, complaint 1 (retail); billing 1, sales_enquiry 6 (business) = 12
        assert [(p["period"], p["contacts_with_reason"]) for p in report["periods"]] == [
            ("2025-03-03", 16),
            ("2025-03-04", 12),
        ]
        assert report["contacts_with_reason"] == 28 and report["reasons_recorded"] == 4
        assert [(r["reason"], r["count"]) for r in report["reasons"]] == [
            ("billing", 9),
            ("card_lost", 7),
            ("complaint", 6),
            ("sales_enquiry", 6),  # ties by name
        ]
        billing = report["reasons"][0]
        assert billing["share"] == pytest.approx(9 / 28)
        assert [(p["count"], p["share"]) for p in billing["points"]] == [
            (8, pytest.approx(8 / 16)),
            (1, pytest.approx(1 / 12)),
        ]
        retail = _report(executive, queue="retail")
        assert retail["contacts_with_reason"] == 21  # 16 + 5
        assert [(r["reason"], r["count"]) for r in retail["reasons"]] == [
            ("billing", 8),
            ("card_lost", 7),
            ("complaint", 6),
        ]


def test_reasons_as_json_keys_as_csv_text_and_through_a_mapping(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        # `reason:<code>` keys in JSON work as CSV columns do
        item = {"queue": "retail", "interval_start": "2025-03-03T08:00:00Z", "offered": 9}
        ok(
            planner.post(
                IMPORT,
                json=[{**item, "answered": 9, "reason:billing": 4, "reason:other": 5}],
                params={"interval_minutes": 15},
            )
        )
        # a CSV `reason_counts` column holds the object's JSON text
        text = (
            "queue,interval_start,offered,answered,reason_counts\n"
            'retail,2025-03-03T08:15:00Z,6,6,"{""billing"": 2, ""fraud"": 1}"\n'
            "retail,2025-03-03T08:30:00Z,3,3,\n"
        )
        ok(planner.post(IMPORT, content=text, headers=CSV))
        # a vendor's reason columns, mapped explicitly
        wide = (
            "SPLIT;ROW_DATE;STARTTIME;INTRVL;ACDCALLS;ABNCALLS;Billing Calls;Lost Card\n"
            "retail;2025-03-04;0900;15;10;1;7;2\n"
        )
        result = ok(
            planner.post(
                IMPORT,
                content=wide,
                headers=CSV,
                params={
                    "timezone": "Europe/Paris",
                    "mapping": ["Billing Calls=reason:billing", "Lost Card=reason:card_lost"],
                },
            )
        )
        assert {c["column"]: c["field"] for c in result["columns"]}["Lost Card"] == (
            "reason:card_lost"
        )
        assert _reasons_by_interval(planner) == {
            "2025-03-03T08:00:00Z": {"billing": 4, "other": 5},
            "2025-03-03T08:15:00Z": {"billing": 2, "fraud": 1},
            "2025-03-03T08:30:00Z": {},
            "2025-03-04T08:00:00Z": {"billing": 7, "card_lost": 2},
        }

        # a mapping to a bad reason code, or reasons given two ways, make the input unreadable
        bad_map = planner.post(
            IMPORT,
            content=wide,
            headers=CSV,
            params={"timezone": "Europe/Paris", "mapping": ["Billing Calls=reason:Billing Calls"]},
        )
        assert bad_map.status_code == 422 and "reason code" in bad_map.json()["detail"]
        both = planner.post(
            IMPORT,
            json=[{**item, "answered": 9, "reason:billing": 4, "reason_counts": {"other": 5}}],
            params={"interval_minutes": 15},
        )
        assert both.status_code == 422 and "give them one way" in both.json()["detail"]

    with api.client("floor_manager") as reader:
        catalogue = _get(reader, "/v1/history/column-mappings")
    fields = {f["field"] for f in catalogue["fields"]}
    assert {"reason_counts", "reason:<code>"} <= fields


def test_bad_reason_cells_are_row_errors_and_nothing_is_written(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        ok(planner.post(IMPORT, content=RETAIL_CSV, headers=CSV))
        before = _reasons_by_interval(planner)

        # the same intervals again, with reasons that would replace the stored ones
        body = (
            "queue,interval_start,offered,answered,abandoned,reason:billing,reason:card_lost\n"
            "retail,2025-03-03T08:00:00Z,10,9,1,1,1\n"
            "retail,2025-03-03T08:15:00Z,8,8,0,-1,2\n"
            "retail,2025-03-04T08:00:00Z,12,11,1,2.5,2\n"
            "retail,2025-03-04T08:15:00Z,5,5,0,4,2\n"
            "retail,2025-03-04T08:30:00Z,5,5,0,lots,0\n"
        )
        response = planner.post(IMPORT, content=body, headers=CSV)
        assert response.status_code == 422
        report = response.json()
        assert report["error"] == "import_rejected" and report["error_count"] == 4
        by_row = {e["row"]: e for e in report["errors"]}
        assert set(by_row) == {3, 4, 5, 6}
        assert by_row[3]["field"] == "reason:billing" and "negative" in by_row[3]["message"]
        assert by_row[4]["value"] == "2.5" and "whole number" in by_row[4]["message"]
        assert by_row[5]["field"] == "reason_counts"
        assert by_row[5]["message"] == "reason counts add up to 6, more than offered (5)"
        assert by_row[6]["value"] == "lots"

        header = planner.post(
            IMPORT,
            content="queue,interval_start,offered,answered,reason:bad code,reason:ok\n"
            "retail,2025-03-03T08:00:00Z,10,10,1,1\n"
            "retail,2025-03-03T08:15:00Z,10,10,1,11\n",
            headers=CSV,
        )
        assert header.status_code == 422
        assert [(e["row"], e["field"], e["value"]) for e in header.json()["errors"]] == [
            (1, "reason:bad code", "bad code"),  # the header line
            (3, "reason_counts", "11"),  # the bad column is not counted
        ]

        items: list[tuple[object, str, str]] = [
            ({"billing": -2}, "reason_counts.billing", "must not be negative"),
            ({"billing": 1.5}, "reason_counts.billing", "whole number"),
            ({"billing": True}, "reason_counts.billing", "boolean"),
            ({"billing": "two"}, "reason_counts.billing", "whole number"),
            ({"no spaces": 1}, "reason_counts", "reason code 'no spaces'"),
            ({"": 1}, "reason_counts", "reason code ''"),
            ([3, 4], "reason_counts", "not an array"),
            (7, "reason_counts", "not a number"),
            ({"billing": 4, "card_lost": 2}, "reason_counts", "add up to 6, more than offered (5)"),
        ]
        rows = [
            {
                "queue": "retail",
                "interval_start": f"2025-03-03T{8 + i // 4:02d}:{15 * (i % 4):02d}:00Z",
                "offered": 5,
                "answered": 5,
                "reason_counts": reasons,
            }
            for i, (reasons, _, _) in enumerate(items)
        ]
        rejected = planner.post(IMPORT, json=rows)
        assert rejected.status_code == 422
        errors = rejected.json()["errors"]
        assert [e["row"] for e in errors] == list(range(1, len(items) + 1))
        for error, (_, field, message) in zip(errors, items, strict=True):
            assert error["field"] == field and message in error["message"], error

        assert _reasons_by_interval(planner) == before  # nothing was written
        assert _intervals(planner) == 4


def test_reimport_replaces_the_reason_counts(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        ok(planner.post(IMPORT, content=RETAIL_CSV, headers=CSV))
        again = ok(planner.post(IMPORT, content=RETAIL_CSV, headers=CSV))
        assert again["imported"] == 4 and _intervals(planner) == 4  # no duplicates

        # another mix for the first interval: the old reasons go, they are not merged
        ok(
            planner.post(
                IMPORT,
                json=[
                    {
                        "queue": "retail",
                        "interval_start": "2025-03-03T08:00:00Z",
                        "offered": 10,
                        "answered": 9,
                        "abandoned": 1,
                        "reason_counts": {"complaint": 2, "fraud": 1},
                    }
                ],
                params={"interval_minutes": 15},
            )
        )
        # a re-export without reasons stores the interval without a reason mix
        ok(
            planner.post(
                IMPORT,
                content="queue,interval_start,offered,answered,abandoned\n"
                "retail,2025-03-03T08:15:00Z,8,8,0\n",
                headers=CSV,
                params={"interval_minutes": 15},
            )
        )
        assert _reasons_by_interval(planner) == {
            "2025-03-03T08:00:00Z": {"complaint": 2, "fraud": 1},
            "2025-03-03T08:15:00Z": {},
            "2025-03-04T08:00:00Z": {"card_lost": 4, "complaint": 1},
            "2025-03-04T08:15:00Z": {},
        }
        assert _intervals(planner) == 4

    with api.client("executive") as executive:
        report = _report(executive)
    # 3 March: complaint 2, fraud 1 = 3; 4 March: card_lost 4, complaint 1 = 5
    assert [p["contacts_with_reason"] for p in report["periods"]] == [3, 5]
    assert [(r["reason"], r["count"]) for r in report["reasons"]] == [
        ("card_lost", 4),
        ("complaint", 3),
        ("fraud", 1),
    ]


def test_reason_codes_in_any_script_read_back_and_bad_ones_are_row_errors(
    api: ApiServer,
) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        csv = (
            "queue,interval_start,offered,answered,abandoned,reason:账单查询,reason:退款-部分\n"
            "retail,2025-03-03T08:00:00Z,10,9,1,6,3\n"
        )
        ok(planner.post(IMPORT, content=csv.encode("utf-8"), headers=CSV, params=EVERY_15))
        rows = [
            {
                "queue": "retail",
                "interval_start": "2025-03-03T08:15:00Z",
                "offered": 8,
                "answered": 8,
                "reason_counts": {"账单查询": 2, "réclamation": 1, "x" * 64: 1},
            }
        ]
        ok(planner.post(IMPORT, json=rows, params=EVERY_15))
        assert _reasons_by_interval(planner) == {
            "2025-03-03T08:00:00Z": {"账单查询": 6, "退款-部分": 3},
            "2025-03-03T08:15:00Z": {"账单查询": 2, "réclamation": 1, "x" * 64: 1},
        }

        bad: list[tuple[str, str]] = [
            ("账单\u3000查询", "ideographic space"),
            ("账单\x00", "NUL"),
            ("账单\x85", "C1 control"),
            ("x" * 65, "65 characters"),
            (" 账单", "leading space"),
        ]
        rejected = planner.post(
            IMPORT,
            json=[
                {
                    "queue": "retail",
                    "interval_start": f"2025-03-04T08:{15 * i:02d}:00Z",
                    "offered": 5,
                    "answered": 5,
                    "reason_counts": {code: 1},
                }
                for i, (code, _) in enumerate(bad[:4])
            ]
            + [
                {
                    "queue": "retail",
                    "interval_start": "2025-03-04T09:00:00Z",
                    "offered": 5,
                    "answered": 5,
                    "reason_counts": {bad[4][0]: 1},
                }
            ],
            params=EVERY_15,
        )
        assert rejected.status_code == 422, rejected.text
        errors = rejected.json()["errors"]
        assert [e["row"] for e in errors] == [1, 2, 3, 4, 5], errors
        assert all(e["field"] == "reason_counts" and "reason code" in e["message"] for e in errors)
        assert _intervals(planner) == 2  # nothing of the rejected rows was written

    with api.client("executive") as executive:
        report = _get(executive, REASONS, site=SITE, start="2025-03-03", end="2025-03-04")
    assert [(r["reason"], r["count"]) for r in report["reasons"]][:2] == [
        ("账单查询", 8),
        ("退款-部分", 3),
    ]
