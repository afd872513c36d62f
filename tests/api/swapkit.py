"""Helpers of the self-service tests: a published demo roster whose week is still to come by the
site's clock, agents' tokens, and an independent reading of the roster's shifts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from apikit import ApiServer, ok

from scheduling.evaluate import evaluate
from wfm.db.repositories import ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.services.centre import CentreData, load_centre
from wfm.services.forecasting import run_forecast
from wfm.services.intraday.clock import set_clock
from wfm.services.schedule_views import schedule_problem
from wfm.services.scheduling import build_schedule, first_forecast_week, roster_from_shifts
from wfm.tools.demo import generate_demo_centre

REST = timedelta(hours=11)


@dataclass
class Centre:
    site: str
    zone: ZoneInfo
    week_start: date
    schedule_id: int
    shifts: list[dict[str, Any]]
    agents: dict[str, dict[str, Any]]
    availability: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def shift(self, agent: str, day: str) -> dict[str, Any] | None:
        found = [s for s in self.shifts if s["agent_code"] == agent and s["shift_date"] == day]
        return found[0] if found else None

    def of(self, agent: str) -> list[dict[str, Any]]:
        return sorted(
            (s for s in self.shifts if s["agent_code"] == agent), key=lambda s: s["start_utc"]
        )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def built(api: ApiServer, *, agents: int = 12, seed: int = 11, weeks: int = 1) -> Centre:
    """A demo centre with rosters of its first `weeks` forecast weeks, published, and the
    site's clock held still at noon the day before the first; the centre is the first week's."""
    demo = generate_demo_centre(weeks=3, agents=agents, seed=seed)
    site = demo.sites[0].code
    zone = ZoneInfo(demo.sites[0].timezone)
    with unit_of_work(api.engine) as session:
        load_centre(session, CentreData.of_demo(demo))
        run_forecast(session, site_code=site, weeks=2)
    with unit_of_work(api.engine) as session:
        week = first_forecast_week(session, site)
        ids = []
        for n in range(weeks):
            schedule = build_schedule(
                session,
                site_code=site,
                week_start=week + timedelta(days=7 * n),
                time_limit_seconds=2,
            )
            assert schedule.id is not None
            ScheduleRepository(session).publish(schedule.id, datetime(2000, 1, 1, tzinfo=zone))
            ids.append(schedule.id)
        before = datetime.combine(week - timedelta(days=1), time(12), tzinfo=zone)
        set_clock(session, site_code=site, now_utc=before, speed=0)
    return read_centre(api, site, zone, week, ids[0])


def read_centre(api: ApiServer, site: str, zone: ZoneInfo, week: date, schedule_id: int) -> Centre:
    with api.client("planner") as planner:
        published = ok(planner.get(f"/v1/schedules/{schedule_id}"))
        listed = ok(planner.get("/v1/agents", params={"site": site}))
        assert isinstance(published, dict) and isinstance(listed, list)
        agents = {a["code"]: a for a in listed}
        availability = {code: ok(planner.get(f"/v1/agents/{code}/availability")) for code in agents}
    return Centre(site, zone, week, schedule_id, published["shifts"], agents, availability)  # type: ignore[arg-type]


def move_clock(api: ApiServer, site: str, now_utc: datetime) -> None:
    with unit_of_work(api.engine) as session:
        set_clock(session, site_code=site, now_utc=now_utc, speed=0)


def agent_client(api: ApiServer, code: str) -> httpx.Client:
    return api.client(token=api.add_token("agent", agent_code=code, name=f"agent {code}"))


def published_id(client: httpx.Client, site: str, week: date) -> int:
    listed = ok(client.get("/v1/schedules", params={"site": site, "week_start": str(week)}))
    assert isinstance(listed, list)
    ids = [s["id"] for s in listed if s["status"] == "published"]
    assert len(ids) == 1, listed
    return int(ids[0])


def violations(api: ApiServer, schedule_id: int) -> Counter[tuple[str, str]]:
    """The oracle: the stored schedule checked from scratch by the roster's evaluation on its
    roster problem (rule, agent) -> count."""
    with unit_of_work(api.engine) as session:
        schedule = ScheduleRepository(session).get(schedule_id)
        problem = schedule_problem(session, schedule).problem
        checked = evaluate(problem, roster_from_shifts(schedule.shifts))
    return Counter((v.rule, v.subject) for v in checked.violations)


def skills_of(shift: dict[str, Any]) -> tuple[set[str], set[str]]:
    queues = {a["queue_code"] for a in shift["activities"] if a["queue_code"]}
    campaigns = {a["campaign_code"] for a in shift["activities"] if a["campaign_code"]}
    return queues, campaigns


def could_work(centre: Centre, agent: str, shift: dict[str, Any]) -> bool:
    """Skilled for the shift and, when the agent has availability, inside a window of its day."""
    queues, campaigns = skills_of(shift)
    record = centre.agents[agent]
    if not (queues <= set(record["queue_skills"]) and campaigns <= set(record["campaign_skills"])):
        return False
    windows = centre.availability.get(agent) or []
    if not windows:
        return True
    start, end = (
        at(shift["start_utc"]).astimezone(centre.zone),
        at(shift["end_utc"]).astimezone(centre.zone),
    )
    return any(
        w["weekday"] == start.weekday()
        and time.fromisoformat(w["start_local"]) <= start.time()
        and end.date() == start.date()
        and end.time() <= time.fromisoformat(w["end_local"])
        for w in windows
    )


def rests(shifts: list[dict[str, Any]]) -> bool:
    """At least 11 hours between consecutive shifts."""
    ordered = sorted(shifts, key=lambda s: at(s["start_utc"]))
    return all(
        at(b["start_utc"]) - at(a["end_utc"]) >= REST
        for a, b in zip(ordered, ordered[1:], strict=False)
    )


def minutes(shift: dict[str, Any]) -> int:
    return round((at(shift["end_utc"]) - at(shift["start_utc"])).total_seconds() / 60)


def loosen(
    client: httpx.Client, centre: Centre, agents: Iterable[str], *shifts: dict[str, Any]
) -> None:
    """Give the agents contracts with room for a day more or less and any length of their own
    or of the shifts."""
    extra = {minutes(s) for s in shifts}
    for agent in agents:
        own = set(centre.agents[agent]["contract"]["shift_lengths_minutes"])
        flexible(client, agent, sorted(own | extra))


def flexible(client: httpx.Client, agent: str, lengths: list[int], days_in_a_row: int = 6) -> None:
    """Give the agent a contract with room for a day more or less."""
    contract = {
        "name": f"flex-{'-'.join(str(n) for n in lengths)}-{days_in_a_row}",
        "max_consecutive_days": days_in_a_row,
        "weekly_hours_min": 0,
        "weekly_hours_max": 60,
        "days_per_week_min": 0,
        "days_per_week_max": 6,
        "shift_lengths_minutes": lengths,
        "earliest_start_local": "07:00",
        "latest_end_local": "23:00",
    }
    ok(client.patch(f"/v1/agents/{agent}", json={"contract": contract}))
