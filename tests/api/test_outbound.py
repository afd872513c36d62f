"""Dialer outcome import and the outbound data over real HTTP, on SQLite and PostgreSQL: a good
file stored, re-imports idempotent, each kind of bad row refused naming row and field with
nothing stored, roles, lead lists, callbacks and campaign targets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from apikit import ApiServer, ok, seed_centre
from sqlalchemy import func, select

from wfm.db.models import DialerAttemptRow
from wfm.db.session import unit_of_work

CSV = {"Content-Type": "text/csv"}
HEADER = (
    "attempt_id,attempted_at,agent,campaign,segment,lead_id,result,revenue,talk_seconds,"
    "wrap_seconds"
)
BASE = (datetime.now(UTC) - timedelta(days=3)).replace(hour=16, minute=0, second=0, microsecond=0)


def _rows(n: int = 6) -> list[str]:
    results = ["no_answer", "busy", "contact", "refusal", "sale", "callback_requested"]
    lines = []
    for i in range(n):
        at = (BASE + timedelta(minutes=7 * i)).astimezone(UTC).isoformat()
        result = results[i % 6]
        revenue = "120.5" if result == "sale" else ""
        lines.append(f"d-{i},{at},A{i % 3},renewals,gold,L{i},{result},{revenue},{30 * i},5")
    return lines


def _csv(lines: list[str]) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def _stored(api: ApiServer) -> int:
    with unit_of_work(api.engine) as session:
        return session.scalar(select(func.count()).select_from(DialerAttemptRow)) or 0


def _post(client: httpx.Client, body: str, **params: str) -> httpx.Response:
    return client.post("/v1/outbound/attempts", content=body, headers=CSV, params=params)


def test_import_is_stored_and_idempotent_in_csv_and_json(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        body = _csv(_rows())
        dry = ok(_post(planner, body, dry_run="true"))
        assert (dry["imported"], dry["unchanged"], dry["dry_run"]) == (0, 0, True)
        assert _stored(api) == 0
        first = ok(_post(planner, body))
        assert (first["rows"], first["imported"], first["unchanged"]) == (6, 6, 0)
        assert first["campaigns"] == ["renewals"]
        assert first["first_attempt_utc"] == BASE.isoformat().replace("+00:00", "Z")
        again = ok(_post(planner, body))
        assert (again["imported"], again["unchanged"]) == (0, 6)
        # the same attempts as JSON, times in another offset, one new: only that one is stored
        items = [
            {
                "attempt_id": f"d-{i}",
                "attempted_at": (BASE + timedelta(minutes=7 * i))
                .astimezone(datetime.strptime("+0530", "%z").tzinfo)
                .isoformat(),
                "agent": f"A{i % 3}",
                "campaign": "renewals",
                "segment": "gold",
                "lead_id": f"L{i}",
                "result": ["no_answer", "busy", "contact", "refusal", "sale", "callback_requested"][
                    i % 6
                ],
                "revenue": 120.5 if i % 6 == 4 else None,
                "talk_seconds": 30 * i,
                "wrap_seconds": 5,
            }
            for i in range(7)
        ]
        mixed = ok(planner.post("/v1/outbound/attempts", json=items))
        assert (mixed["imported"], mixed["unchanged"]) == (1, 6)
        assert _stored(api) == 7
        targets = ok(planner.get("/v1/outbound/campaigns/renewals/targets"))
        assert (targets["attempts"], targets["sales"], targets["revenue"]) == (7, 1, 120.5)
        assert targets["contacts"] == 4  # contact, refusal, sale, callback_requested


def _case(line: int, change: tuple[int, str]) -> list[str]:
    """The good rows with field `change[0]` of data row `line` (CSV line line + 2) replaced."""
    rows = _rows()
    values = rows[line].split(",")
    values[change[0]] = change[1]
    rows[line] = ",".join(values)
    return rows


BAD = {
    "unknown campaign": (_case(2, (3, "winback")), 4, "campaign"),
    "unknown agent": (_case(0, (2, "Z9")), 2, "agent"),
    "unknown segment": (_case(5, (4, "platinum")), 7, "segment"),
    "negative revenue": (_case(4, (7, "-3")), 6, "revenue"),
    "result outside the list": (_case(1, (6, "voicemail")), 3, "result"),
    "time without offset": (_case(3, (1, "2025-03-03T18:00:00")), 5, "attempted_at"),
    "revenue on a refusal": (_case(3, (7, "50")), 5, "revenue"),
    "negative talk time": (_case(2, (8, "-1")), 4, "talk_seconds"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_bad_row_is_named_by_row_and_field_and_nothing_is_stored(
    api: ApiServer, case: str
) -> None:
    lines, row, field = BAD[case]
    with api.client("planner") as planner:
        seed_centre(planner)
        answer = _post(planner, _csv(lines))
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["error"] == "import_rejected" and body["error_count"] == 1
        assert [(e["row"], e["field"]) for e in body["errors"]] == [(row, field)]
        assert f"row {row}" in body["detail"]
        assert _stored(api) == 0


def test_an_attempt_id_cannot_change(api: ApiServer) -> None:
    """The same id with other content, in the upload or already stored: refused, naming the
    row and the field that differs; nothing of the upload is stored."""
    with api.client("planner") as planner:
        seed_centre(planner)
        ok(_post(planner, _csv(_rows(3))))
        twice = _rows(4)
        twice.append(twice[1].replace(",busy,", ",no_answer,"))
        answer = _post(planner, _csv(twice))
        assert answer.status_code == 422
        assert [(e["row"], e["field"]) for e in answer.json()["errors"]] == [(6, "result")]
        changed = _case(0, (2, "A2")) + _rows(5)[3:]
        answer = _post(planner, _csv(changed))
        assert answer.status_code == 422, answer.text
        error = answer.json()["errors"][0]
        assert (error["row"], error["field"], error["value"]) == (2, "agent", "'A2'")
        assert "imported before" in error["message"]
        assert _stored(api) == 3
        same_twice = _rows(4) + [_rows(4)[3]]
        result = ok(_post(planner, _csv(same_twice)))
        assert (result["imported"], result["unchanged"]) == (1, 4)


def test_unreadable_uploads_and_roles(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        missing = _post(planner, "attempt_id,agent\nx,A0\n")
        assert missing.status_code == 422 and missing.json()["error"] == "import_unreadable"
        assert "attempted_at" in missing.json()["detail"]
        unknown = _post(planner, HEADER + ",colour\n")
        assert unknown.status_code == 422 and "colour" in unknown.json()["detail"]
        assert (
            planner.post(
                "/v1/outbound/attempts", content=b"x", headers={"Content-Type": "application/xml"}
            ).status_code
            == 415
        )
        assert planner.post("/v1/outbound/attempts", json={"a": 1}).status_code == 422
    for role in ("floor_manager", "executive"):
        with api.client(role) as other:
            assert _post(other, _csv(_rows())).status_code == 403
    with api.client(None) as anonymous:
        assert _post(anonymous, _csv(_rows())).status_code == 401
    assert _stored(api) == 0


def test_lead_lists_callbacks_and_targets(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        lead_list = {
            "campaign_code": "renewals",
            "segment_code": "gold",
            "code": "gold-march",
            "size_leads": 5000,
            "calling_windows": [{"weekday": 0, "start_local": "17:00", "end_local": "21:00"}],
            "max_attempts_per_lead": 4,
            "cool_off_minutes": 120,
            "do_not_call_leads": 300,
        }
        created = ok(planner.post("/v1/outbound/lead-lists", json=lead_list), 201)
        assert created["calling_windows"][0]["start_local"] == "17:00:00"
        assert planner.post("/v1/outbound/lead-lists", json=lead_list).status_code == 409
        too_many = {**lead_list, "code": "x", "do_not_call_leads": 6000}
        assert planner.post("/v1/outbound/lead-lists", json=too_many).status_code == 422
        changed = ok(
            planner.patch("/v1/outbound/lead-lists/renewals/gold-march", json={"size_leads": 4000})
        )
        assert changed["size_leads"] == 4000 and changed["do_not_call_leads"] == 300
        assert (
            planner.patch(
                "/v1/outbound/lead-lists/renewals/gold-march", json={"do_not_call_leads": 4001}
            ).status_code
            == 422
        )
        ok(_post(planner, _csv(_rows())))
        due = (BASE + timedelta(days=1)).isoformat()
        callback = ok(
            planner.post(
                "/v1/outbound/callbacks",
                json={"campaign_code": "renewals", "due_at": due, "attempt_id": "d-5"},
            ),
            201,
        )
        assert (callback["lead_id"], callback["segment_code"], callback["status"]) == (
            "L5",
            "gold",
            "open",
        )
        not_requested = {"campaign_code": "renewals", "due_at": due, "attempt_id": "d-4"}
        assert planner.post("/v1/outbound/callbacks", json=not_requested).status_code == 422
        naive = {"campaign_code": "renewals", "due_at": "2025-03-04T10:00:00"}
        assert planner.post("/v1/outbound/callbacks", json=naive).status_code == 422
        done = ok(
            planner.patch(f"/v1/outbound/callbacks/{callback['id']}", json={"status": "done"})
        )
        assert done["status"] == "done"
        ok(planner.patch("/v1/campaigns/renewals", json={"target_sales": 40, "target_hours": 300}))
    with api.client("executive") as executive:
        assert (
            len(ok(executive.get("/v1/outbound/lead-lists", params={"campaign": "renewals"}))) == 1
        )
        listed = ok(executive.get("/v1/outbound/callbacks", params={"status": "done"}))
        assert [c["id"] for c in listed] == [callback["id"]]
        targets = ok(executive.get("/v1/outbound/campaigns/renewals/targets"))
        assert (targets["target_sales"], targets["target_hours"], targets["leads"]) == (
            40,
            300,
            4000,
        )
        assert targets["open_callbacks"] == 0
        assert executive.post("/v1/outbound/lead-lists", json=lead_list).status_code == 403
    with api.client("floor_manager") as floor:
        assert (
            floor.patch(
                f"/v1/outbound/callbacks/{callback['id']}", json={"status": "open"}
            ).status_code
            == 403
        )
    assert json.loads(json.dumps(targets))  # plain JSON
