"""Webhook subscriptions and notification preferences over real HTTP, on each database backend:
admins only for webhooks, secrets never echoed, bad input 422 naming the field with nothing
stored; agents set their own preferences and nobody else's, planners any agent's. A receiver
checks the signature with its own HMAC; `wfm notify deliver` and the worker's job send what is
due; auto mode's switches are notified like a manager's."""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from apikit import SITE, ApiServer, ok, seed_centre
from receivers import WebhookReceiver, verify_signature
from sqlalchemy import select
from typer.testing import CliRunner

from wfm.cli import app as cli
from wfm.db.models import NotificationDeliveryRow, NotificationEventRow
from wfm.db.session import unit_of_work
from wfm.services import notifications
from wfm.settings import Settings

SECRET = "0123456789abcdef-receiver-secret"


@pytest.fixture
def centre(api: ApiServer) -> ApiServer:
    with api.client("admin") as admin:
        seed_centre(admin)
    api.tokens["agent"] = api.add_token("agent", agent_code="A0")
    return api


def _webhook(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "url": "https://hooks.example.com/wfm",
        "secret": SECRET,
        "event_kinds": ["roster_published", "request_decided"],
        "site_code": SITE,
    }
    body.update(changes)
    return body


def _refused(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    if field:
        assert field in [e["field"] for e in response.json()["errors"]], response.text


def test_webhooks_are_for_admins_and_never_show_their_secret(centre: ApiServer) -> None:
    for role in ("planner", "floor_manager", "executive", "agent"):
        with centre.client(token=centre.tokens[role]) as client:
            assert client.post("/v1/webhooks", json=_webhook()).status_code == 403
            assert client.get("/v1/webhooks").status_code == 403
            assert client.get("/v1/webhooks/1/deliveries").status_code == 403
            assert client.delete("/v1/webhooks/1").status_code == 403
    with centre.client("admin") as admin:
        created = admin.post("/v1/webhooks", json=_webhook(site_code=None))
        assert created.status_code == 201 and SECRET not in created.text
        webhook = created.json()
        assert webhook["site_code"] is None and webhook["created_by"] == "test-admin"
        assert created.headers["Location"] == f"/v1/webhooks/{webhook['id']}"
        listed = admin.get("/v1/webhooks")
        assert SECRET not in listed.text and [w["id"] for w in listed.json()] == [webhook["id"]]
        assert ok(admin.get(f"/v1/webhooks/{webhook['id']}/deliveries")) == []
        assert admin.delete(f"/v1/webhooks/{webhook['id']}").status_code == 204
        assert admin.delete(f"/v1/webhooks/{webhook['id']}").status_code == 404
        assert admin.get(f"/v1/webhooks/{webhook['id']}/deliveries").status_code == 404
        assert ok(admin.get("/v1/webhooks")) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "ftp://hooks.example.com/wfm"}, "body.url"),
        ({"url": "hooks.example.com/wfm"}, "body.url"),
        ({"url": "http:///no-host"}, "body.url"),
        ({"secret": "short"}, "body.secret"),
        ({"event_kinds": ["roster_published", "payday"]}, "body.event_kinds.1"),
        ({"event_kinds": []}, "body.event_kinds"),
        ({"site_code": "atlantis"}, "body.site_code"),
        ({"colour": "blue"}, "body.colour"),
    ],
)
def test_bad_webhooks_are_422_naming_the_field(
    centre: ApiServer, changes: dict[str, object], field: str
) -> None:
    with centre.client("admin") as admin:
        _refused(admin.post("/v1/webhooks", json=_webhook(**changes)), 422, field)
        assert ok(admin.get("/v1/webhooks")) == []


def test_agents_set_their_own_preferences_planners_anyones(centre: ApiServer) -> None:
    wanted = {"email": "ana@example.com", "channels": {"email": ["agent_switched"]}}
    with centre.client(token=centre.tokens["agent"]) as agent:
        empty = ok(agent.get("/v1/me/notification-preferences"))
        assert empty == {
            "agent_code": "A0",
            "email": None,
            "channels": {},
            "updated_at_utc": None,
        }
        mine = ok(agent.put("/v1/me/notification-preferences", json=wanted))
        assert isinstance(mine, dict) and mine["channels"] == wanted["channels"]
        # an agent reaches no other agent's preferences, nor its own by the planners' path
        for code in ("A1", "A0"):
            assert agent.get(f"/v1/agents/{code}/notification-preferences").status_code == 403
            assert (
                agent.put(f"/v1/agents/{code}/notification-preferences", json={}).status_code == 403
            )
    with centre.client("floor_manager") as manager:
        assert manager.put("/v1/agents/A1/notification-preferences", json={}).status_code == 403
    with centre.client("planner") as planner:
        other = {"email": "bo@example.com", "channels": {"email": ["request_decided"]}}
        ok(planner.put("/v1/agents/A1/notification-preferences", json=other))
        assert ok(planner.get("/v1/agents/A0/notification-preferences")) == mine
        assert planner.get("/v1/me/notification-preferences").status_code == 404  # no agent
        assert planner.get("/v1/agents/nobody/notification-preferences").status_code == 404
    with centre.client(token=centre.tokens["agent"]) as agent:
        assert ok(agent.get("/v1/me/notification-preferences")) == mine  # A1's change: not here


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": {"email": ["roster_published"]}}, "body.email"),
        (
            {"email": "a@b.c", "channels": {"webhook": ["roster_published"]}},
            "body.channels.webhook",
        ),
        ({"email": "a@b.c", "channels": {"email": ["payday"]}}, "body.channels.email.0"),
        ({"email": "not an address", "channels": {}}, "body.email"),
        ({"email": "a@b.c", "channels": {"pigeon": []}}, "body.channels.pigeon.[key]"),
    ],
)
def test_bad_preferences_are_422_naming_the_field(
    centre: ApiServer, body: dict[str, object], field: str
) -> None:
    with centre.client(token=centre.tokens["agent"]) as agent:
        _refused(agent.put("/v1/me/notification-preferences", json=body), 422, field)
        assert ok(agent.get("/v1/me/notification-preferences"))["updated_at_utc"] is None  # type: ignore[index]


def _decision(api: ApiServer) -> str:
    with unit_of_work(api.engine) as session:
        return notifications.enqueue(
            session,
            kind="request_decided",
            site_code=SITE,
            agent_codes=["A0"],
            payload={"request_id": 3, "decision": "refused", "reason": "short on cover"},
        )


def test_the_receiver_verifies_the_signature_with_its_own_hmac(centre: ApiServer) -> None:
    receiver = WebhookReceiver()
    receiver.start()
    try:
        with centre.client("admin") as admin:
            ok(admin.post("/v1/webhooks", json=_webhook(url=receiver.url)), 201)
        event_id = _decision(centre)
        with unit_of_work(centre.engine) as session:
            report = notifications.deliver_due(
                session, datetime.now(UTC), settings=Settings(), rng=random.Random(3)
            )
        assert report.delivered == 1
    finally:
        receiver.stop()
    (got,) = receiver.received
    assert got.headers["x-wfm-event-id"] == event_id
    assert got.headers["x-wfm-event-kind"] == "request_decided"
    assert got.headers["content-type"] == "application/json"
    assert abs(int(got.headers["x-wfm-timestamp"]) - datetime.now(UTC).timestamp()) < 60
    assert verify_signature(SECRET, got.headers, got.body)
    assert not verify_signature(SECRET, got.headers, got.body + b" ")  # body altered
    assert not verify_signature(SECRET[:-1] + "X", got.headers, got.body)  # another secret
    later = dict(got.headers, **{"x-wfm-timestamp": str(int(got.headers["x-wfm-timestamp"]) + 1)})
    assert not verify_signature(SECRET, later, got.body)  # timestamp altered
    document = json.loads(got.body)
    assert document["data"] == {"request_id": 3, "decision": "refused", "reason": "short on cover"}
    assert document["agent_codes"] == ["A0"] and document["site_code"] == SITE


def test_the_command_and_the_worker_job_send_what_is_due(centre: ApiServer) -> None:
    from wfm.worker import scheduled
    from wfm.worker.settings import WorkerSettings

    receiver = WebhookReceiver()
    receiver.start()
    try:
        with centre.client("admin") as admin:
            ok(admin.post("/v1/webhooks", json=_webhook(url=receiver.url)), 201)
        first = _decision(centre)
        result = CliRunner().invoke(
            cli, ["notify", "deliver", "--json", "--database-url", centre.database_url]
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {"delivered": 1, "retrying": 0, "failed": 0}
        second = _decision(centre)
        scheduled.bind(centre.engine, WorkerSettings(database_url=centre.database_url))
        scheduled.deliver_notifications()
    finally:
        receiver.stop()
    assert [r.headers["x-wfm-event-id"] for r in receiver.received] == [first, second]


def test_an_unknown_kind_is_refused_by_enqueue(centre: ApiServer) -> None:
    from wfm.domain.errors import ValidationError

    with pytest.raises(ValidationError, match="kind"), unit_of_work(centre.engine) as session:
        notifications.enqueue(session, kind="payday", site_code=SITE, agent_codes=[], payload={})


def test_auto_mode_switches_are_notified(api: ApiServer) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "intraday"))
    from intraday_testkit import SITE as TST
    from intraday_testkit import build_centre, t

    from wfm.services import intraday as svc

    with unit_of_work(api.engine) as session:
        build_centre(session)
        svc.set_clock(session, site_code=TST, now_utc=t("10:00"), speed=0)
    with api.client("admin") as admin:
        body = _webhook(site_code=TST, event_kinds=["agent_switched"])
        ok(admin.post("/v1/webhooks", json=body), 201)
    with unit_of_work(api.engine) as session:
        svc.update_settings(
            session, site_code=TST, changes={"auto_enabled": True, "auto_max_agents_per_move": 2}
        )
        applied = svc.run_auto_mode(session, site_code=TST).applied
    assert [m.agent_code for m in applied] == ["P1", "P2"]
    with unit_of_work(api.engine) as session:
        events = session.scalars(
            select(NotificationEventRow).order_by(NotificationEventRow.occurred_at)
        ).all()
        deliveries = session.scalars(select(NotificationDeliveryRow)).all()
        assert sorted(e.agent_codes[0] for e in events) == ["P1", "P2"]
        assert {e.kind for e in events} == {"agent_switched"}
        assert {e.payload["source"] for e in events} == {"auto"}
        assert {e.payload["to_activity"] for e in events} == {"serve"}
        assert len(deliveries) == 2 and {d.channel for d in deliveries} == {"webhook"}
