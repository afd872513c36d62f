"""Small builders shared by the intraday tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx

from wfm.domain import Activity, ActivitySpan, Shift, ShiftBreak
from wfm.domain.intraday import DEFAULT_STATE_MAPPING, StateEvent

DAY = date(2026, 11, 9)


def t(hhmm: str, seconds: int = 0) -> datetime:
    """A UTC moment on the test day: t("10:15", 30) is 10:15:30."""
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime(DAY.year, DAY.month, DAY.day, hours, minutes, tzinfo=UTC) + timedelta(
        seconds=seconds
    )


def shift(
    start: str,
    end: str,
    activities: list[tuple[str, str, Activity]] | None = None,
    breaks: list[tuple[str, str, str]] | None = None,
    agent: str = "A1",
) -> Shift:
    return Shift(
        agent_code=agent,
        shift_date=DAY,
        start_utc=t(start),
        end_utc=t(end),
        breaks=tuple(ShiftBreak(t(s), t(e), kind) for s, e, kind in (breaks or [])),
        activities=tuple(
            ActivitySpan(
                t(s),
                t(e),
                a,
                queue_code="Q1" if a is Activity.SERVE else None,
                campaign_code="C1" if a is Activity.SELL else None,
            )
            for s, e, a in (activities or [])
        ),
    )


_counter = [0]


def ev(
    at: datetime, state: str, reason: str | None = None, agent: str = "A1", event_id: str = ""
) -> StateEvent:
    _counter[0] += 1
    return StateEvent(
        event_id=event_id or f"e{_counter[0]}",
        agent_code=agent,
        occurred_at_utc=at,
        state=state,
        activity=DEFAULT_STATE_MAPPING.activity_of(state, reason),
        reason=reason,
    )


# --- a small centre in the database ------------------------------------------------------------

SITE = "TST"
FORECAST_CALLS_PER_INTERVAL = 20.0
FORECAST_AHT_SECONDS = 300.0


def build_centre(session, *, sellers: int = 3, servers: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Site TST (Europe/Dublin: UTC+0 in November) with queue Q1 and Q2, campaigns C_LOW and
    C_HIGH, agents S1..Sn serving Q1 and P1..Pm selling C_LOW 09:00-17:00 on the test day with a
    break 12:00-12:15, agent X1 skilled only for Q2 and C_HIGH and selling, a forecast of 20
    contacts per 15 min on Q1 from 08:00 to 18:00 (none on Q2), all published."""
    from datetime import time as dtime

    from wfm.db.repositories import ForecastRepository, ScheduleRepository
    from wfm.domain import (
        Agent,
        CallingWindow,
        Campaign,
        CampaignKind,
        Contract,
        ForecastRun,
        ForecastValue,
        Queue,
        Schedule,
        ScheduleStatus,
        Site,
    )
    from wfm.services.centre import CentreData, load_centre

    contract = Contract("full", 30, 40, 4, 5, (480,))
    windows = tuple(CallingWindow(d, dtime(8), dtime(21)) for d in range(7))
    campaigns = [
        Campaign(SITE, "C_LOW", "Low", CampaignKind.SURVEY, None, (10.0,) * 24, windows),
        Campaign(SITE, "C_HIGH", "High", CampaignKind.TELESALES, None, (30.0,) * 24, windows),
    ]
    agents = [
        Agent(SITE, f"S{i}", f"Server {i}", contract, ("Q1",), ("C_LOW", "C_HIGH"))
        for i in range(1, servers + 1)
    ]
    agents += [
        Agent(SITE, f"P{i}", f"Seller {i}", contract, ("Q1",), ("C_LOW", "C_HIGH"))
        for i in range(1, sellers + 1)
    ]
    agents.append(Agent(SITE, "X1", "Q2 only", contract, ("Q2",), ("C_HIGH",)))
    load_centre(
        session,
        CentreData(
            sites=[Site(SITE, "Test", "Europe/Dublin", "IE", is_simulation=True)],
            queues=[
                Queue(SITE, "Q1", "Queue 1", mean_patience_seconds=120.0),
                Queue(SITE, "Q2", "Queue 2", mean_patience_seconds=120.0),
            ],
            segments=[],
            campaigns=campaigns,
            agents=agents,
            availability=[],
            time_off=[],
            history=[],
        ),
    )
    day_start = t("00:00")
    values = []
    for i in range(96):
        start = day_start + timedelta(minutes=15 * i)
        open_ = t("08:00") <= start < t("18:00")
        for q in ("Q1", "Q2"):
            values.append(
                ForecastValue(
                    q,
                    start,
                    FORECAST_CALLS_PER_INTERVAL if (open_ and q == "Q1") else 0.0,
                    FORECAST_AHT_SECONDS,
                )
            )
    ForecastRepository(session).add_run(
        ForecastRun(
            SITE,
            1,
            day_start - timedelta(days=1),
            15,
            day_start - timedelta(days=1),
            day_start + timedelta(days=7),
        ),
        values,
    )
    shifts = []
    for a in agents:
        activity = Activity.SERVE if a.code.startswith("S") else Activity.SELL
        s = shift(
            "09:00",
            "17:00",
            activities=[("09:00", "17:00", activity)],
            breaks=[("12:00", "12:15", "break")],
            agent=a.code,
        )
        if a.code == "X1":  # sells the campaign it knows
            s = Shift(
                a.code,
                s.shift_date,
                s.start_utc,
                s.end_utc,
                s.breaks,
                (ActivitySpan(t("09:00"), t("17:00"), Activity.SELL, None, "C_HIGH"),),
            )
        elif activity is Activity.SELL:
            s = Shift(
                a.code,
                s.shift_date,
                s.start_utc,
                s.end_utc,
                s.breaks,
                (ActivitySpan(t("09:00"), t("17:00"), Activity.SELL, None, "C_LOW"),),
            )
        shifts.append(s)
    repo = ScheduleRepository(session)
    schedule_id = repo.add(
        Schedule(SITE, DAY, 1, ScheduleStatus.DRAFT, day_start - timedelta(days=2), tuple(shifts))
    )
    repo.publish(schedule_id, day_start - timedelta(days=1))


@dataclass
class Server:
    """A running API: its base URL and a bearer token per role."""

    url: str
    tokens: dict[str, str]

    def client(self, role: str | None = "floor_manager") -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30.0)
