"""Interval history import over real HTTP: CSV and JSON, ACD column names, all or nothing with a
row-level report, idempotent re-import, timezones."""

from __future__ import annotations

import json

import httpx
from apikit import ApiServer, history_csv, ok, seed_centre

CSV = {"Content-Type": "text/csv"}


def _count(client: httpx.Client, queue: str = "retail") -> int:
    coverage = ok(client.get("/v1/history/coverage"))
    return next((c["intervals"] for c in coverage if c["queue_code"] == queue), 0)


def test_csv_import_is_idempotent_and_readable(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        body = history_csv(2)
        result = ok(planner.post("/v1/history/import", content=body, headers=CSV))
        assert result["rows"] == 2 * 2 * 96 and result["imported"] == result["rows"]
        assert result["queues"] == ["business", "retail"]
        assert result["first_interval_utc"] == "2025-03-03T00:00:00Z"
        assert result["unmapped_columns"] == []
        assert _count(planner) == 192

        again = ok(planner.post("/v1/history/import", content=body, headers=CSV))
        assert again["imported"] == 192 * 2
        assert _count(planner) == 192  # replaced, not duplicated

        rows = ok(
            planner.get(
                "/v1/history",
                params={
                    "queue": "retail",
                    "start": "2025-03-03T09:00:00Z",
                    "end": "2025-03-03T10:00:00Z",
                },
            )
        )
        assert [r["interval_start_utc"] for r in rows] == [
            f"2025-03-03T09:{m:02d}:00Z" for m in (0, 15, 30, 45)
        ]
        first = rows[0]
        assert first["offered"] == first["answered"] + first["abandoned"]
        # a re-import with other counts replaces the stored values
        replacement = (
            "queue,interval_start,offered,answered,abandoned\n"
            "retail,2025-03-03T10:00:00+01:00,50,45,5\n"
        )
        single = planner.post("/v1/history/import", content=replacement, headers=CSV)
        assert single.status_code == 422 and "give interval_minutes" in single.json()["detail"]
        ok(
            planner.post(
                "/v1/history/import",
                content=replacement,
                headers=CSV,
                params={"interval_minutes": 15},
            )
        )
        stored = ok(
            planner.get(
                "/v1/history",
                params={
                    "queue": "retail",
                    "start": "2025-03-03T09:00:00Z",
                    "end": "2025-03-03T09:15:00Z",
                },
            )
        )
        assert (stored[0]["offered"], stored[0]["answered"], stored[0]["abandoned"]) == (50, 45, 5)
        assert _count(planner) == 192


def test_one_bad_row_rejects_the_whole_import_with_a_row_report(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        body = (
            "queue,interval_start,offered,answered,abandoned\n"
            "retail,2025-03-03T08:00:00Z,10,9,1\n"
            "retail,2025-03-03T08:15:00Z,-4,9,1\n"
            "retail,2025-03-03T08:30:00Z,ten,9,1\n"
            "nowhere,2025-03-03T08:45:00Z,10,9,1\n"
            "retail,2025-03-03T09:00:00Z,5,9,1\n"
            "retail,2025-03-03T08:00:00Z,10,9,1\n"
        )
        response = planner.post("/v1/history/import", content=body, headers=CSV)
        assert response.status_code == 422
        report = response.json()
        assert report["error"] == "import_rejected"
        by_row = {e["row"]: e for e in report["errors"]}
        assert set(by_row) == {3, 4, 6, 7}
        assert by_row[3]["field"] == "offered" and "negative" in by_row[3]["message"]
        assert by_row[4]["value"] == "ten" and "whole number" in by_row[4]["message"]
        assert "less than answered + abandoned" in by_row[6]["message"]
        assert "first on row 2" in by_row[7]["message"]
        assert report["error_count"] == 4
        assert _count(planner) == 0  # nothing was written

        # the unknown queue is reported once the rows themselves are valid
        only_queue = planner.post(
            "/v1/history/import",
            content="queue,interval_start,offered,answered,abandoned\n"
            "retail,2025-03-03T08:00:00Z,10,9,1\nnowhere,2025-03-03T08:00:00Z,1,1,0\n",
            headers=CSV,
            params={"interval_minutes": 15},
        )
        assert only_queue.status_code == 422
        assert only_queue.json()["errors"] == [
            {"row": 3, "field": None, "value": "nowhere", "message": "no queue 'nowhere'"}
        ]
        assert _count(planner) == 0


def test_timestamps_without_zone_need_the_requests_timezone(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        # the night the clocks go forward in Paris; 02:00 to 02:59 do not exist
        body = (
            "queue,interval_start,offered,answered,abandoned\n"
            "retail,2025-03-30 01:30,4,4,0\n"
            "retail,2025-03-30 01:45,4,4,0\n"
            "retail,2025-03-30 03:00,4,4,0\n"
        )
        naive = planner.post("/v1/history/import", content=body, headers=CSV)
        assert naive.status_code == 422
        assert {e["row"] for e in naive.json()["errors"]} == {2, 3, 4}
        assert "no timezone" in naive.json()["errors"][0]["message"]
        stored = ok(
            planner.post(
                "/v1/history/import",
                content=body,
                headers=CSV,
                params={"timezone": "Europe/Paris"},
            )
        )
        assert stored["first_interval_utc"] == "2025-03-30T00:30:00Z"
        assert stored["last_interval_utc"] == "2025-03-30T01:00:00Z"  # 03:00 CEST
        gap = planner.post(
            "/v1/history/import",
            content="queue,interval_start,offered,answered,abandoned\n"
            "retail,2025-03-30 02:15,4,4,0\n",
            headers=CSV,
            params={"timezone": "Europe/Paris", "interval_minutes": 15},
        )
        assert gap.status_code == 422 and "does not exist" in gap.json()["errors"][0]["message"]
        bad_zone = planner.post(
            "/v1/history/import", content=body, headers=CSV, params={"timezone": "Paris"}
        )
        assert bad_zone.status_code == 422 and "IANA" in bad_zone.json()["detail"]


def test_avaya_cms_export_maps_by_column_name(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        body = (
            "SPLIT;ROW_DATE;STARTTIME;INTRVL;ACDCALLS;ABNCALLS;ACDTIME;ACWTIME;ANSTIME;ACCEPTABLE;"
            "SOMETHING_ELSE\n"
            "retail;2025-03-04;0830;30;20;2;3000;600;240;17;x\n"
            "retail;2025-03-04;0900;30;25;1;3500;700;100;24;x\n"
        )
        rejected = planner.post(
            "/v1/history/import", content=body, headers=CSV, params={"timezone": "Europe/Paris"}
        )
        assert rejected.status_code == 422
        assert rejected.json()["unmapped_columns"] == ["SOMETHING_ELSE"]
        assert "unmapped=ignore" in rejected.json()["detail"]
        result = ok(
            planner.post(
                "/v1/history/import",
                content=body,
                headers=CSV,
                params={"timezone": "Europe/Paris", "unmapped": "ignore"},
            )
        )
        mapped = {c["column"]: (c["field"], c["source"]) for c in result["columns"]}
        assert mapped["ACDCALLS"] == ("answered", "Avaya CMS")
        assert mapped["ANSTIME"] == ("wait_seconds_answered", "Avaya CMS")
        assert result["unmapped_columns"] == ["SOMETHING_ELSE"]
        rows = ok(
            planner.get(
                "/v1/history",
                params={
                    "queue": "retail",
                    "start": "2025-03-04T07:30:00Z",
                    "end": "2025-03-04T08:30:00Z",
                },
            )
        )
        assert [(r["interval_start_utc"], r["interval_minutes"]) for r in rows] == [
            ("2025-03-04T07:30:00Z", 30),
            ("2025-03-04T08:00:00Z", 30),
        ]
        first = rows[0]
        assert (first["offered"], first["answered"], first["abandoned"]) == (22, 20, 2)
        assert first["handle_seconds"] == 3600.0  # talk + after-call work
        assert first["answered_within_threshold"] == 17


def test_genesys_json_with_milliseconds_and_explicit_mapping(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        items = [
            {
                "queueId": "business",
                "interval": "2025-03-04T08:00:00.000Z/2025-03-04T08:15:00.000Z",
                "nOffered": 12,
                "nAbandon": 2,
                "tHandle": 1_800_000,
                "nAnsweredWithinSL": 8,
                "mediaType": "voice",
            }
        ]
        result = ok(
            planner.post(
                "/v1/history/import",
                content=json.dumps(items),
                headers={"Content-Type": "application/json"},
                params={"unmapped": "ignore"},
            )
        )
        assert result["unmapped_columns"] == ["mediaType"]
        row = ok(
            planner.get(
                "/v1/history",
                params={
                    "queue": "business",
                    "start": "2025-03-04T08:00:00Z",
                    "end": "2025-03-04T08:15:00Z",
                },
            )
        )[0]
        assert (row["offered"], row["answered"], row["abandoned"]) == (12, 10, 2)
        assert row["handle_seconds"] == 1800.0 and row["interval_minutes"] == 15

        mapped = ok(
            planner.post(
                "/v1/history/import",
                json=[{"Q": "business", "When": "2025-03-04T08:15:00Z", "Calls": 7, "Lost": 1}],
                params={
                    "mapping": [
                        "Q=queue_code",
                        "When=interval_start",
                        "Calls=offered",
                        "Lost=abandoned",
                    ],
                    "interval_minutes": 15,
                },
            )
        )
        assert mapped["imported"] == 1
        wrong = planner.post(
            "/v1/history/import", json=[{"a": 1}], params={"mapping": ["a=nonsense"]}
        )
        assert wrong.status_code == 422 and "not a field" in wrong.json()["detail"]


def test_malformed_bodies(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        bad_json = planner.post(
            "/v1/history/import", content=b"[{", headers={"Content-Type": "application/json"}
        )
        assert bad_json.status_code == 422 and "malformed JSON" in bad_json.json()["detail"]
        not_array = planner.post("/v1/history/import", json={"rows": []})
        assert not_array.status_code == 422 and "array" in not_array.json()["detail"]
        scalar_items = planner.post("/v1/history/import", json=[1, "x"])
        assert scalar_items.status_code == 422
        empty = planner.post("/v1/history/import", content=b"", headers=CSV)
        assert empty.status_code == 422 and "empty" in empty.json()["detail"]
        header_only = planner.post(
            "/v1/history/import",
            content=b"queue,interval_start,offered,answered\n",
            headers=CSV,
        )
        assert header_only.status_code == 422 and "no data rows" in header_only.json()["detail"]
        missing = planner.post(
            "/v1/history/import", content=b"queue,offered\nretail,3\n", headers=CSV
        )
        assert missing.status_code == 422 and "interval_start" in missing.json()["detail"]
        ragged = planner.post(
            "/v1/history/import",
            content=b"queue,interval_start,offered,answered\nretail,2025-03-03T08:00Z,1\n",
            headers=CSV,
        )
        assert ragged.status_code == 422
        assert "fields but the header has" in ragged.json()["errors"][0]["message"]
        latin = planner.post(
            "/v1/history/import", content="queue,caf\xe9\n".encode("latin-1"), headers=CSV
        )
        assert latin.status_code == 422 and "UTF-8" in latin.json()["detail"]
        xml = planner.post(
            "/v1/history/import", content=b"<x/>", headers={"Content-Type": "application/xml"}
        )
        assert xml.status_code == 415
        dry = ok(
            planner.post(
                "/v1/history/import",
                content=history_csv(1),
                headers=CSV,
                params={"dry_run": True},
            )
        )
        assert dry["dry_run"] and dry["imported"] == 0 and dry["rows"] == 192
        assert _count(planner) == 0


def test_column_mapping_catalogue(api: ApiServer) -> None:
    with api.client("floor_manager") as reader:
        catalogue = ok(reader.get("/v1/history/column-mappings"))
    sources = {a["source"] for a in catalogue["aliases"]}
    assert {"Avaya CMS", "Cisco", "Genesys"} <= sources
    by_column = {a["column"]: a for a in catalogue["aliases"]}
    assert by_column["servicelevelcalls"]["field"] == "answered_within_threshold"
    assert by_column["thandle"]["scale"] == 0.001
    assert "offered" in {f["field"] for f in catalogue["fields"]}
