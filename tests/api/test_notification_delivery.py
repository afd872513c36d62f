"""Notifications end to end, on each database backend: a webhook receiver and an SMTP server
started here receive the notifications of a publish and a switch (made over the API) and of a
request decision (`notifications.enqueue`); while they are down the deliveries fail and are
retried later (the clock is advanced, nothing sleeps); started again, they receive every message
exactly once (counted by event id). A change rolled back notifies nobody; a delivery that keeps
failing is given up after the last attempt and shown as failed."""

from __future__ import annotations

import json
import random
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from apikit import ApiServer, ok
from receivers import SmtpReceiver, WebhookReceiver, free_port, verify_signature
from sqlalchemy import func, select

from wfm.db.models import NotificationDeliveryRow, NotificationEventRow
from wfm.db.repositories import ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.domain import Schedule, ScheduleStatus
from wfm.services import intraday as svc
from wfm.services import notifications
from wfm.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "intraday"))
from intraday_testkit import DAY, SITE, build_centre, t  # noqa: E402

SECRET = "s3cret-shared-with-the-receiver"
KINDS = ["roster_published", "shift_changed", "agent_switched", "request_decided"]


@pytest.fixture
def centre(api: ApiServer) -> ApiServer:
    """The intraday test centre (site TST, zh-CN, a published week from DAY), its clock at
    10:00 on DAY, and a token for agent P1."""
    with unit_of_work(api.engine) as session:
        build_centre(session)
        svc.set_clock(session, site_code=SITE, now_utc=t("10:00"), speed=0)
    api.tokens["agent"] = api.add_token("agent", agent_code="P1")
    return api


@pytest.fixture
def receivers() -> Iterator[tuple[WebhookReceiver, SmtpReceiver]]:
    hook, smtp = WebhookReceiver(), SmtpReceiver()
    hook.start()
    smtp.start()
    try:
        yield hook, smtp
    finally:
        hook.stop()
        smtp.stop()


def _settings(api: ApiServer, smtp: SmtpReceiver, **extra: object) -> Settings:
    return Settings(
        database_url=api.database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="wfm@test.example",
        **extra,  # type: ignore[arg-type]
    )


def _deliver(api: ApiServer, settings: Settings, now: datetime) -> notifications.DeliveryReport:
    with unit_of_work(api.engine) as session:
        return notifications.deliver_due(session, now, settings=settings, rng=random.Random(1))


def _subscribe(admin: httpx.Client, url: str, kinds: list[str] = KINDS) -> int:
    body = {"url": url, "secret": SECRET, "event_kinds": kinds, "site_code": SITE}
    created = ok(admin.post("/v1/webhooks", json=body), 201)
    assert isinstance(created, dict) and "secret" not in created
    return int(created["id"])


def _new_draft(api: ApiServer) -> int:
    """A second version of the published week, same shifts, as a draft to publish."""
    with unit_of_work(api.engine) as session:
        repo = ScheduleRepository(session)
        (published,) = [s for s in repo.list(SITE, DAY) if s.status is ScheduleStatus.PUBLISHED]
        full = repo.get(published.id or 0)
        return repo.add(
            Schedule(
                SITE,
                DAY,
                repo.next_version(SITE, DAY),
                ScheduleStatus.DRAFT,
                datetime.now(UTC),
                full.shifts,
            )
        )


def _preferences(api: ApiServer) -> None:
    with api.client(token=api.tokens["agent"]) as agent:
        ok(
            agent.put(
                "/v1/me/notification-preferences",
                json={
                    "email": "p1@example.com",
                    "channels": {
                        "email": ["roster_published", "agent_switched", "request_decided"]
                    },
                },
            )
        )
    with api.client("planner") as planner:
        ok(
            planner.put(
                "/v1/agents/S1/notification-preferences",
                json={"email": "s1@example.com", "channels": {"email": ["roster_published"]}},
            )
        )


def _event_ids(api: ApiServer) -> dict[str, str]:
    with unit_of_work(api.engine) as session:
        rows = session.execute(select(NotificationEventRow.kind, NotificationEventRow.id)).all()
    return {kind: event_id for kind, event_id in rows}


def test_receivers_get_a_publish_a_switch_and_a_decision_once_across_a_restart(
    centre: ApiServer, receivers: tuple[WebhookReceiver, SmtpReceiver]
) -> None:
    hook, smtp = receivers
    settings = _settings(centre, smtp)
    with centre.client("admin") as admin:
        webhook_id = _subscribe(admin, hook.url)
    _preferences(centre)

    # receivers up: the publish arrives by webhook and by e-mail to both agents who asked
    draft = _new_draft(centre)
    with centre.client("planner") as planner:
        ok(planner.post(f"/v1/schedules/{draft}/publish"))
    assert _deliver(centre, settings, datetime.now(UTC)) == notifications.DeliveryReport(
        delivered=3
    )
    assert len(hook.received) == 1 and len(smtp.messages) == 2

    # receivers killed: a switch and a decision are written, their deliveries fail
    hook.stop()
    smtp.stop()
    with centre.client("floor_manager") as manager:
        switched = ok(
            manager.post(
                "/v1/intraday/switch",
                json={"site": SITE, "to": "serve", "agents": [{"agent_code": "P1"}]},
            )
        )
    assert isinstance(switched, dict) and len(switched["accepted"]) == 1
    with unit_of_work(centre.engine) as session:
        notifications.enqueue(
            session,
            kind="request_decided",
            site_code=SITE,
            agent_codes=["P1"],
            payload={"request_id": 41, "decision": "approved", "reason": "cover is fine"},
        )
    now = datetime.now(UTC)
    down = _deliver(centre, settings, now)
    assert down == notifications.DeliveryReport(retrying=4)  # 2 webhooks, 2 e-mails to P1
    assert _deliver(centre, settings, now + timedelta(seconds=1)) == notifications.DeliveryReport()
    with centre.client("admin") as admin:
        pending = ok(admin.get(f"/v1/webhooks/{webhook_id}/deliveries?status=pending"))
    assert isinstance(pending, list) and len(pending) == 2
    assert all(d["attempts"] == 1 and d["last_error"] for d in pending)

    # restarted on the same ports: everything arrives on the next run after the back-off
    hook.start()
    smtp.start()
    assert _deliver(centre, settings, now + timedelta(hours=2)) == notifications.DeliveryReport(
        delivered=4
    )
    assert _deliver(centre, settings, now + timedelta(days=1)) == notifications.DeliveryReport()

    events = _event_ids(centre)
    assert set(events) == {"roster_published", "agent_switched", "request_decided"}
    by_hook = Counter(r.headers["x-wfm-event-id"] for r in hook.received)
    assert by_hook == Counter(events.values())  # each event once
    for received in hook.received:
        assert verify_signature(SECRET, received.headers, received.body)
        document = json.loads(received.body)
        assert document["event_id"] == received.headers["x-wfm-event-id"]
        assert events[document["kind"]] == document["event_id"]
    by_mail = Counter((m["X-WFM-Event-Id"], m["To"]) for m in smtp.messages)
    assert set(by_mail.values()) == {1}
    assert sorted(by_mail) == sorted(
        [(events["roster_published"], "s1@example.com")]
        + [(events[k], "p1@example.com") for k in events]
    )
    subjects = {m["X-WFM-Event-Kind"]: str(m["Subject"]) for m in smtp.messages}
    assert "排班已发布" in subjects["roster_published"]  # the site's language: zh-CN
    switch_mail = next(m for m in smtp.messages if m["X-WFM-Event-Kind"] == "agent_switched")
    assert "10:00" in switch_mail.get_content()  # site-local time (Dublin is UTC in November)
    with centre.client("admin") as admin:
        listed = ok(admin.get(f"/v1/webhooks/{webhook_id}/deliveries"))
    assert isinstance(listed, list)
    assert sorted((d["event_kind"], d["status"]) for d in listed) == sorted(
        (k, "delivered") for k in events
    )


def test_a_rolled_back_change_notifies_nobody(centre: ApiServer) -> None:
    with centre.client("admin") as admin:
        _subscribe(admin, f"http://127.0.0.1:{free_port()}/hook")

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), unit_of_work(centre.engine) as session:
        notifications.enqueue(
            session, kind="request_decided", site_code=SITE, agent_codes=["P1"], payload={}
        )
        assert session.scalar(select(func.count()).select_from(NotificationDeliveryRow)) == 1
        raise Abandon
    # a publish refused (409: the published schedule is no draft) writes no event either
    with unit_of_work(centre.engine) as session:
        published = ScheduleRepository(session).list(SITE, DAY)[0].id
    with centre.client("planner") as planner:
        assert planner.post(f"/v1/schedules/{published}/publish").status_code == 409
    with unit_of_work(centre.engine) as session:
        assert session.scalar(select(func.count()).select_from(NotificationEventRow)) == 0
        assert session.scalar(select(func.count()).select_from(NotificationDeliveryRow)) == 0


def test_a_delivery_is_retried_with_growing_back_off_then_given_up(centre: ApiServer) -> None:
    receiver = WebhookReceiver(status=503)  # answers, but refuses every delivery
    receiver.start()
    try:
        with centre.client("admin") as admin:
            webhook_id = _subscribe(admin, receiver.url, ["request_decided"])
        with unit_of_work(centre.engine) as session:
            notifications.enqueue(
                session, kind="request_decided", site_code=SITE, agent_codes=[], payload={}
            )
        settings = Settings(
            database_url=centre.database_url,
            notify_max_attempts=4,
            notify_retry_base_seconds=60,
            notify_retry_cap_seconds=150,
        )
        now = datetime.now(UTC)
        waits = []
        for attempt in range(1, 5):
            report = _deliver(centre, settings, now)
            if attempt < 4:
                assert report == notifications.DeliveryReport(retrying=1)
                with centre.client("admin") as admin:
                    listed = ok(admin.get(f"/v1/webhooks/{webhook_id}/deliveries"))
                assert isinstance(listed, list) and len(listed) == 1
                row = listed[0]
                due = datetime.fromisoformat(row["next_attempt_at_utc"])
                waits.append((due - now).total_seconds())
                assert row["last_error"] == "HTTP 503 Service Unavailable"
                # not due before its time
                assert _deliver(centre, settings, due - timedelta(seconds=1)).retrying == 0
                now = due
            else:
                assert report == notifications.DeliveryReport(failed=1)
    finally:
        receiver.stop()
    # equal jitter: after attempt k the wait lies in [c/2, c], c = min(150, 60 * 2^(k-1))
    for k, wait in enumerate(waits, start=1):
        ceiling = min(150, 60 * 2 ** (k - 1))
        assert ceiling / 2 - 1 <= wait <= ceiling + 1, (k, wait)
    with centre.client("admin") as admin:
        given_up = ok(admin.get(f"/v1/webhooks/{webhook_id}/deliveries?status=failed"))
    assert isinstance(given_up, list) and len(given_up) == 1
    failed = given_up[0]
    assert failed["attempts"] == 4 and failed["next_attempt_at_utc"] is None
    assert _deliver(centre, settings, now + timedelta(days=30)) == notifications.DeliveryReport()


def test_a_shift_edit_notifies_the_agents_it_names(
    centre: ApiServer, receivers: tuple[WebhookReceiver, SmtpReceiver]
) -> None:
    hook, smtp = receivers
    with centre.client("admin") as admin:
        _subscribe(admin, hook.url, ["shift_changed"])
    with unit_of_work(centre.engine) as session:
        published = ScheduleRepository(session).list(SITE, DAY)[0].id
    with centre.client("planner") as planner:
        edited = planner.post(
            f"/v1/schedules/{published}/edits",
            json={
                "kind": "swap",
                "agent_code": "P1",
                "other_agent_code": "S1",
                "shift_date": DAY.isoformat(),
            },
        )
    assert edited.status_code == 201, edited.text
    assert _deliver(centre, _settings(centre, smtp), datetime.now(UTC)).delivered == 1
    (received,) = hook.received
    document = json.loads(received.body)
    assert document["kind"] == "shift_changed" and document["agent_codes"] == ["P1", "S1"]
    assert document["data"]["schedule_id"] == edited.json()["schedule"]["id"]
    assert document["data"]["edited_from_schedule_id"] == published


def test_two_workers_at_once_send_each_delivery_once(centre: ApiServer) -> None:
    receiver = WebhookReceiver(delay_seconds=0.1)
    receiver.start()
    try:
        with centre.client("admin") as admin:
            _subscribe(admin, receiver.url, ["request_decided"])
        with unit_of_work(centre.engine) as session:
            for request_id in range(6):
                notifications.enqueue(
                    session,
                    kind="request_decided",
                    site_code=SITE,
                    agent_codes=[],
                    payload={"request_id": request_id},
                )
        now = datetime.now(UTC)
        settings = Settings(database_url=centre.database_url)
        reports: list[notifications.DeliveryReport] = []
        workers = [
            threading.Thread(target=lambda: reports.append(_deliver(centre, settings, now)))
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    finally:
        receiver.stop()
    assert len(reports) == 2 and sum(r.delivered for r in reports) == 6
    ids = Counter(r.headers["x-wfm-event-id"] for r in receiver.received)
    assert len(ids) == 6 and set(ids.values()) == {1}
