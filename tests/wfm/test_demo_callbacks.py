"""The demo's callbacks (docs/demo-centre.md, "Callbacks"): one per attempt that ended with a
callback requested, due on one of the campaign's next two calling days inside its calling hours,
on the next one about 60 % of the time; done when due before the history's end, open after; the
same arguments give the same callbacks; a generated centre carries them and stores them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from wfm.db import migrate
from wfm.db.repositories import CallbackRepository
from wfm.db.session import make_engine, unit_of_work
from wfm.domain.dialer import CallbackStatus
from wfm.services.centre import CentreData, load_centre
from wfm.tools.demo import generate_demo_centre
from wfm.tools.demo.outbound import (
    CALLBACK_DAY_SHARES,
    demo_callbacks,
    demo_outbound_truth,
    generate_outbound_attempts,
)

AGENTS = [f"A{i:04d}" for i in range(1, 41)]
ZONE = ZoneInfo("Europe/Dublin")


def calling_days_after(hours: dict[int, tuple[int, int]], day: date, count: int) -> list[date]:
    out: list[date] = []
    while len(out) < count:
        day += timedelta(days=1)
        if day.weekday() in hours:
            out.append(day)
    return out


def test_each_requested_callback_is_promised_in_the_next_calling_days() -> None:
    truth = demo_outbound_truth({"UPGRADE": AGENTS[:28], "NPS": AGENTS[16:]}, seed=3, scale=0.2)
    rows = generate_outbound_attempts(truth, first_day=date(2026, 11, 2), days=14, seed=3)
    end = datetime(2026, 11, 14, tzinfo=ZONE).astimezone(UTC)
    callbacks = demo_callbacks(truth, rows, seed=3, done_before_utc=end)
    asked = [r for r in rows if r["result"] == "callback_requested"]
    assert len(callbacks) == len(asked) > 100
    assert callbacks == demo_callbacks(truth, rows, seed=3, done_before_utc=end)
    next_day = 0
    for callback, row in zip(callbacks, asked, strict=True):
        assert callback.attempt_id == row["attempt_id"] and callback.lead_id == row["lead_id"]
        assert (callback.campaign_code, callback.segment_code) == (row["campaign"], row["segment"])
        assert callback.created_at_utc == row["attempted_at"]
        campaign = truth.campaign(row["campaign"])
        hours = {weekday: (first, end) for weekday, first, end in campaign.calling_hours}
        local = callback.due_at_utc.astimezone(ZONE)
        days = calling_days_after(hours, row["attempted_at"].astimezone(ZONE).date(), 2)
        assert local.date() in days
        next_day += local.date() == days[0]
        first, last = hours[local.weekday()]
        assert time(first) <= local.time() < time(last) and local.minute % 15 == 0
        done = callback.due_at_utc < end
        assert callback.status is (CallbackStatus.DONE if done else CallbackStatus.OPEN)
    assert next_day / len(callbacks) == pytest.approx(CALLBACK_DAY_SHARES[0], abs=0.05)
    assert {c.status for c in callbacks} == {CallbackStatus.DONE, CallbackStatus.OPEN}


def test_the_generated_centre_stores_its_callbacks(tmp_path: Path) -> None:
    demo = generate_demo_centre(weeks=2, agents=12, seed=5, outbound_weeks=1)
    asked = [r for r in demo.outbound_attempts if r["result"] == "callback_requested"]
    assert len(demo.callbacks) == len(asked) > 0
    end = datetime.combine(
        demo.history_end_local + timedelta(days=1), time(0), tzinfo=ZONE
    ).astimezone(UTC)
    open_ = [c for c in demo.callbacks if c.status is CallbackStatus.OPEN]
    assert open_ and all(c.due_at_utc >= end for c in open_)
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        summary = load_centre(session, CentreData.of_demo(demo))
    assert summary.callbacks == len(demo.callbacks)
    with unit_of_work(engine) as session:
        stored = CallbackRepository(session).list(site_code="DUB", status=CallbackStatus.OPEN)
    assert sorted((c.attempt_id, c.due_at_utc) for c in stored) == sorted(
        (c.attempt_id, c.due_at_utc) for c in open_
    )
    engine.dispose()
