"""Weeks of schedules over real HTTP, on each database backend: a roster's week starts on the
site's first weekday (Monday, local), a week at the ends of the calendar is refused naming
`week_start`, publishing never leaves two published weeks of a site overlapping (409 naming the
schedule in the way), and of simultaneous publishes of one draft exactly one succeeds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from apikit import SITE, ApiServer, ok, seed_centre

from wfm.db.repositories import ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.domain import Activity, ActivitySpan, Schedule, ScheduleStatus, Shift

MONDAY = date(2025, 3, 3)


def _stored(api: ApiServer, week_start: date, status: ScheduleStatus = ScheduleStatus.DRAFT) -> int:
    """A schedule of the week stored as it is (as older versions of the product could store
    one): A1 serving retail 09:00-13:00 UTC on the week's first day."""
    start = datetime(week_start.year, week_start.month, week_start.day, 9, tzinfo=UTC)
    end = start + timedelta(hours=4)
    shift = Shift(
        agent_code="A1",
        shift_date=week_start,
        start_utc=start,
        end_utc=end,
        activities=(ActivitySpan(start, end, Activity.SERVE, queue_code="retail"),),
    )
    with unit_of_work(api.engine) as session:
        repo = ScheduleRepository(session)
        return repo.add(
            Schedule(
                site_code=SITE,
                week_start=week_start,
                version=repo.next_version(SITE, week_start),
                status=status,
                created_at_utc=datetime.now(UTC),
                shifts=(shift,),
                published_at_utc=datetime.now(UTC) if status is ScheduleStatus.PUBLISHED else None,
            )
        )


def _status(client: httpx.Client, schedule_id: int) -> str:
    status: str = ok(client.get(f"/v1/schedules/{schedule_id}"))["status"]  # type: ignore[index]
    return status


def _published_weeks(client: httpx.Client) -> list[str]:
    listed = ok(client.get("/v1/schedules", params={"site": SITE}))
    assert isinstance(listed, list)
    return sorted(s["week_start"] for s in listed if s["status"] == "published")


def _at_once(api: ApiServer, paths: list[str]) -> list[httpx.Response]:
    """POST each path from its own thread and connection, released together."""
    gate = threading.Barrier(len(paths))

    def post(path: str) -> httpx.Response:
        with api.client("planner") as client:
            gate.wait()
            return client.post(path)

    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(post, paths))


def test_a_week_starts_on_the_sites_first_weekday(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        tuesday = planner.post(
            "/v1/schedules", json={"site_code": SITE, "week_start": "2025-03-04"}
        )
        assert tuesday.status_code == 422, tuesday.text
        body = tuesday.json()
        assert body["error"] == "invalid"
        assert body["detail"].startswith("body.week_start: 2025-03-04 is a Tuesday")
        assert "start on Monday" in body["detail"]
        assert body["errors"] == [
            {
                "field": "body.week_start",
                "value": "2025-03-04",
                "message": "2025-03-04 is a Tuesday; the site's weeks start on Monday (local), "
                "so give a Monday",
            }
        ]
        # a Monday passes the week's rule and meets the next one: no forecast covers it
        monday = planner.post("/v1/schedules", json={"site_code": SITE, "week_start": "2025-03-03"})
        assert monday.status_code == 422 and "forecast" in monday.json()["detail"]
        assert ok(planner.get("/v1/jobs")) == []  # nothing queued


@pytest.mark.parametrize("week_start", ["9999-12-27", "0001-01-01", "9999-12-31", "9999-12-20"])
def test_a_week_at_the_ends_of_the_calendar_is_refused(api: ApiServer, week_start: str) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        response = planner.post("/v1/schedules", json={"site_code": SITE, "week_start": week_start})
        assert response.status_code == 422, response.text
        assert response.json()["detail"].startswith("body.week_start: ")
        assert response.json()["errors"][0]["field"] == "body.week_start"
        listed = planner.get("/v1/schedules", params={"site": SITE, "week_start": week_start})
        assert listed.status_code == 200 and listed.json() == []


def test_publishing_never_overlaps_a_published_week(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        # an older draft whose week starts on a Tuesday: publishable while nothing overlaps it
        tuesday = _stored(api, MONDAY + timedelta(days=1))
        ok(planner.post(f"/v1/schedules/{tuesday}/publish"))
        for week_start in (MONDAY, MONDAY + timedelta(days=7)):  # each shares six days with it
            draft = _stored(api, week_start)
            refused = planner.post(f"/v1/schedules/{draft}/publish")
            assert refused.status_code == 409, refused.text
            detail = refused.json()["detail"]
            assert refused.json()["error"] == "conflict"
            assert f"overlaps published schedule {tuesday} (week of 2025-03-04" in detail
            assert _status(planner, draft) == "draft"  # nothing half-written
        assert _published_weeks(planner) == ["2025-03-04"]

        # a week clear of it publishes; a newer version of that week replaces it
        clear = MONDAY + timedelta(days=14)
        first = _stored(api, clear)
        ok(planner.post(f"/v1/schedules/{first}/publish"))
        second = _stored(api, clear)
        replaced = ok(planner.post(f"/v1/schedules/{second}/publish"))
        assert replaced["status"] == "published"  # type: ignore[index]
        assert _status(planner, first) == "archived"
        assert _published_weeks(planner) == ["2025-03-04", "2025-03-17"]


def test_weeks_already_overlapping_in_the_database_still_read(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        tuesday = _stored(api, MONDAY + timedelta(days=1), ScheduleStatus.PUBLISHED)
        monday = _stored(api, MONDAY, ScheduleStatus.PUBLISHED)
        assert _published_weeks(planner) == ["2025-03-03", "2025-03-04"]
        for schedule_id in (tuesday, monday):
            assert ok(planner.get(f"/v1/schedules/{schedule_id}/agents/A1"))
            cells = planner.get(f"/v1/schedules/{schedule_id}/intervals")
            assert cells.status_code == 200, cells.text
        # publishing anything over them is refused, naming one of them
        draft = _stored(api, MONDAY)
        refused = planner.post(f"/v1/schedules/{draft}/publish")
        assert refused.status_code == 409 and f"schedule {tuesday}" in refused.json()["detail"]
    mine = api.add_token("agent", agent_code="A1")
    with api.client(token=mine) as agent:
        for week_start in ("2025-03-03", "2025-03-04"):
            own = agent.get("/v1/me/schedule", params={"week_start": week_start})
            assert own.status_code == 200, own.text
            assert [s["shift_date"] for s in own.json()] == [week_start]


def test_simultaneous_publishes_of_one_draft_one_succeeds(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        for week in range(3):
            draft = _stored(api, MONDAY + timedelta(days=7 * week))
            answers = _at_once(api, [f"/v1/schedules/{draft}/publish"] * 4)
            codes = sorted(a.status_code for a in answers)
            assert codes == [200, 409, 409, 409], [a.text for a in answers]
            for refused in (a for a in answers if a.status_code == 409):
                assert refused.json()["detail"] == f"schedule {draft} is published, not a draft"
            assert _status(planner, draft) == "published"
        assert _published_weeks(planner) == ["2025-03-03", "2025-03-10", "2025-03-17"]


def test_simultaneous_publishes_of_overlapping_weeks_one_succeeds(api: ApiServer) -> None:
    with api.client("planner") as planner:
        seed_centre(planner)
        for week in range(3):
            monday = MONDAY + timedelta(days=14 * week)
            drafts = [_stored(api, monday), _stored(api, monday + timedelta(days=1))]
            answers = _at_once(api, [f"/v1/schedules/{d}/publish" for d in drafts])
            codes = [a.status_code for a in answers]
            assert sorted(codes) == [200, 409], [a.text for a in answers]
            winner = drafts[codes.index(200)]
            refused = answers[codes.index(409)].json()["detail"]
            assert f"overlaps published schedule {winner} " in refused
        assert len(_published_weeks(planner)) == 3
