"""The money of the floor as the service assembles it from the database: typed selling values in
the calling windows, the roster's under-target penalty, each campaign's weekly room counted from
the week's effective plan, and a release that respects it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from intraday_testkit import SITE, build_centre, t
from sqlalchemy import Engine

from scheduling.problem import CallingWindow, CampaignSpec, Horizon, Problem
from wfm.db.repositories import CallbackRepository, CampaignRepository, SiteRepository
from wfm.db.session import unit_of_work
from wfm.domain import Activity
from wfm.domain.dialer import Callback
from wfm.domain.intraday import Direction
from wfm.domain.outbound import AgentProficiency, Proficiencies, SellingHourValue
from wfm.services import intraday as svc
from wfm.services.intraday import economics
from wfm.services.intraday.economics import (
    campaign_rooms,
    floor_economics,
    selling_values,
    under_target_penalty_per_agent_hour,
    week_selling_hours,
)
from wfm.services.selling_value import CampaignSellingValues


@pytest.fixture(autouse=True)
def _fresh_floor_caches() -> None:
    """The floor's roster and agent caches are keyed by site code and publication stamp, which
    the centres of different tests share: start each test with them empty."""
    from wfm.services.intraday import floor

    floor._ROSTER_CACHE.clear()
    floor._AGENTS_CACHE.clear()


X1_HOURS = 7.75  # X1 sells C_HIGH 09:00-17:00 less a 15-minute break, the only selling of it


def test_the_floor_prices_a_shortfall_as_the_roster_does(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        build_centre(session)
        site = SiteRepository(session).get(SITE)
        campaigns = CampaignRepository(session).list(SITE)
        penalty = under_target_penalty_per_agent_hour(site, campaigns)
        CampaignRepository(session).update_campaign("C_HIGH", {"efficiency": 1.0})
        richer = under_target_penalty_per_agent_hour(site, CampaignRepository(session).list(SITE))
    # The roster's own definition on the same campaigns: twice 30 x 0.8 is 48, so 50; at
    # efficiency 1, twice 30.
    spec = CampaignSpec(
        "C_HIGH", (30.0,) * 24, (CallingWindow(0, t("08:00").time(), t("21:00").time()),)
    )
    problem = Problem(SITE, "Europe/Dublin", Horizon(date(2026, 11, 9)), (), (), (spec,))
    assert penalty == problem.under_target_penalty_per_agent_hour() == 50.0
    assert richer == 60.0


def test_selling_values_and_rooms(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        build_centre(session)
        CampaignRepository(session).update_campaign("C_HIGH", {"max_hours_per_week": 20.0})
        site = SiteRepository(session).get(SITE)
        campaigns = CampaignRepository(session).list(SITE)
        starts = [t("20:30") + timedelta(minutes=15 * i) for i in range(4)]
        money = floor_economics(
            session, site=site, campaigns=campaigns, now_utc=t("20:35"), interval_starts_utc=starts
        )
        hours = week_selling_hours(session, site, {"C_HIGH", "C_LOW"}, t("10:00"))
        rooms = {r.campaign_code: r for r in campaign_rooms(session, site, campaigns, t("22:00"))}
    # Calling 08:00-21:00 local (Dublin is UTC+0 in November): 20:30 and 20:45 only, at the
    # typed value x efficiency, as typed values.
    high = [v for v in money.selling if v.campaign_code == "C_HIGH"]
    assert [v.interval_start_utc for v in high] == starts[:2]
    assert {(v.value_per_hour, v.source) for v in high} == {(30.0 * 0.8, "typed")}
    assert money.value_per_hour("S1", "C_HIGH", starts[0]) == pytest.approx(24.0)
    assert money.value_per_hour("S1", "C_HIGH", starts[2]) == 0.0
    assert money.room("C_HIGH").calling_until_utc == t("21:00")
    assert money.room("C_HIGH").hours_left_this_week == pytest.approx(20.0 - X1_HOURS)
    assert money.room("C_LOW").hours_left_this_week is None  # no weekly maximum
    assert money.currency == "CNY"
    assert hours == {"C_HIGH": pytest.approx(X1_HOURS), "C_LOW": pytest.approx(3 * X1_HOURS)}
    assert rooms["C_HIGH"].calling_until_utc is None  # 22:00: outside the calling window


def test_a_release_stops_at_the_campaigns_weekly_maximum(engine: Engine) -> None:
    """Fourteen servers for a queue that needs nine: uncapped, four go to C_HIGH (one spare
    kept). Each release lasts until the 12:00 break (2 h). C_HIGH may take 5 more hours this
    week: two releases; the others stay serving, since C_LOW's 8 an hour does not pay for the
    shortfall the reforecast's band still prices."""
    with unit_of_work(engine) as session:
        build_centre(session, servers=14, sellers=0)
        CampaignRepository(session).update_campaign(
            "C_HIGH", {"max_hours_per_week": X1_HOURS + 5.0}
        )
        svc.set_clock(session, site_code=SITE, now_utc=t("10:00"), speed=0)
        rec = svc.recommendation(session, site_code=SITE)
    assert rec.direction is Direction.TO_SELL
    assert [m.campaign_code for m in rec.moves] == ["C_HIGH", "C_HIGH"]
    assert all(m.until_utc == t("12:00") and m.to_activity is Activity.SELL for m in rec.moves)
    assert [m.trade.expected_sales_value for m in rec.moves] == pytest.approx([24, 24])
    assert rec.trade.expected_sales_value == pytest.approx(48.0)
    assert rec.trade.answer_rate_points < 0 and rec.currency == "CNY"


def _learned(c_low_by_hour: dict[int, float]) -> tuple[CampaignSellingValues, ...]:
    """What `wfm.services.selling_value` would say: C_LOW estimated on Mondays at the hours
    given (typed elsewhere), C_HIGH typed for want of attempts."""
    week = tuple(
        SellingHourValue(c_low_by_hour[h], None, None, "estimated", "5000 attempts")
        if h in c_low_by_hour
        else SellingHourValue(10.0, None, None, "typed", "too few")
        for h in range(168)
    )
    typed = tuple(SellingHourValue(30.0, None, None, "typed", "no attempts") for _ in range(168))
    return (
        CampaignSellingValues(
            "C_LOW", "partly estimated", "from 5000 attempts", 5000, (10.0,) * 24, ("",) * 24, week
        ),
        CampaignSellingValues(
            "C_HIGH",
            "typed",
            "no attempts in the 28 days before",
            0,
            (30.0,) * 24,
            ("",) * 24,
            typed,
        ),
    )


def test_learned_values_reach_the_recommendation(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The floor values C_LOW as the roster does, from the data: worth 5 an hour in the morning
    (below C_HIGH's typed 30) and 60 from 15:00 (above it). A quiet queue's releases go to C_HIGH
    at 10:00 and to C_LOW at 15:00, and the recommendation says where each value comes from."""
    from wfm.services.intraday import economics

    learned = _learned({**{h: 5.0 for h in range(8, 15)}, 15: 60.0, 16: 60.0, 17: 60.0})
    monkeypatch.setattr(economics, "learned_selling_values", lambda *_a: (learned, None))
    with unit_of_work(engine) as session:
        build_centre(session, servers=14, sellers=0)
        morning = svc.recommendation(session, site_code=SITE, at_utc=t("10:00"))
        afternoon = svc.recommendation(session, site_code=SITE, at_utc=t("15:00"))
    assert morning.direction is Direction.TO_SELL and afternoon.direction is Direction.TO_SELL
    assert {m.campaign_code for m in morning.moves} == {"C_HIGH"}
    assert {m.campaign_code for m in afternoon.moves} == {"C_LOW"}
    assert afternoon.moves[0].campaign_value_per_hour == pytest.approx(60.0 * 0.8)
    sources = {v.campaign_code: (v.source, v.text) for v in afternoon.value_sources}
    assert sources["C_LOW"] == ("partly estimated", "partly estimated: from 5000 attempts")
    assert sources["C_HIGH"] == ("typed", "typed: no attempts in the 28 days before")


def test_selling_values_are_estimated_only_where_the_data_carries_them() -> None:
    """At an hour the learned value is estimated the floor uses it (source "estimated"), else the
    typed value at the local hour (source "typed"), both times the campaign's efficiency."""
    from datetime import time as dtime

    from wfm.domain import CallingWindow, Campaign, CampaignKind, Site

    windows = tuple(CallingWindow(d, dtime(8), dtime(21)) for d in range(7))
    campaign = Campaign(SITE, "C_LOW", "Low", CampaignKind.SURVEY, None, (10.0,) * 24, windows)
    site = Site(SITE, "Test", "Europe/Dublin", "IE")
    values = selling_values([campaign], site, [t("14:45"), t("15:00")], _learned({15: 60.0}))
    assert [(v.value_per_productive_hour, v.source) for v in values] == [
        (10.0, "typed"),
        (60.0, "estimated"),
    ]
    assert values[1].value_per_hour == pytest.approx(60.0 * campaign.efficiency)


@pytest.mark.parametrize(("due", "pulled"), [("10:30", 0), ("12:30", 3)])
def test_callbacks_due_in_the_horizon_keep_their_sellers_selling(
    engine: Engine, due: str, pulled: int
) -> None:
    """Three sellers of C_LOW would all be pulled to a queue six short. Forty open callbacks of
    C_LOW due at 10:30, each taking the queues' 5-minute handle time (no attempts say
    otherwise), need 200 selling minutes in the 10:00-11:00 horizon, more than the three have:
    they stay. Due at 12:30, past the horizon, the callbacks do not hold anyone back."""
    with unit_of_work(engine) as session:
        build_centre(session)
        repo = CallbackRepository(session)
        for _ in range(40):
            repo.add(Callback("C_LOW", t(due)), t("09:00"))
        money = floor_economics(
            session,
            site=SiteRepository(session).get(SITE),
            campaigns=CampaignRepository(session).list(SITE),
            now_utc=t("10:00"),
            interval_starts_utc=[t("10:00") + timedelta(minutes=15 * i) for i in range(4)],
            horizon_end_utc=t("11:00"),
            callback_handle_minutes=5.0,
        )
        rec = svc.recommendation(session, site_code=SITE, at_utc=t("10:00"))
    minutes = 200.0 if pulled == 0 else 0.0
    assert money.room("C_LOW").callback_minutes_due == pytest.approx(minutes)
    assert money.room("C_HIGH").callback_minutes_due == 0.0
    assert rec.count == pulled
    stay = "sellers of C_LOW stay: callbacks are due in the horizon"
    assert (stay in rec.notes) is (pulled == 0)


def test_an_agents_proficiency_changes_who_is_released_first(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 15:00 C_LOW is estimated at 60 an hour for the team's mean seller. S9 sells twice as
    well as the team (shrunk estimate 2.0), S1 half as well: S9 is released first (before S1,
    S10, ... by code without proficiencies), to C_LOW at 2 x 60 x 0.8 an hour, and S1, worth less
    there than any other server, is not released among the four."""
    from wfm.services.intraday import economics

    learned = _learned({15: 60.0, 16: 60.0, 17: 60.0})
    skills = Proficiencies(
        (
            AgentProficiency("S9", 400, 40, 20.0, 2.0, 1.6, 2.4),
            AgentProficiency("S1", 400, 5, 10.0, 0.5, 0.3, 0.8),
        ),
        10.0,
    )
    with unit_of_work(engine) as session:
        build_centre(session, servers=14, sellers=0)
        monkeypatch.setattr(economics, "learned_selling_values", lambda *_a: (learned, None))
        plain = svc.recommendation(session, site_code=SITE, at_utc=t("15:00"))
        monkeypatch.setattr(economics, "learned_selling_values", lambda *_a: (learned, skills))
        rec = svc.recommendation(session, site_code=SITE, at_utc=t("15:00"))
    assert [m.agent_code for m in plain.moves][0] == "S1"
    assert rec.moves[0].agent_code == "S9" and rec.moves[0].campaign_code == "C_LOW"
    assert rec.moves[0].campaign_value_per_hour == pytest.approx(2.0 * 60.0 * 0.8)
    assert "S1" not in {m.agent_code for m in rec.moves} and len(rec.moves) == len(plain.moves)


@pytest.mark.parametrize("do_not_call", [0, 500])
def test_a_depleted_lead_list_sends_the_releases_elsewhere(
    engine: Engine, do_not_call: int
) -> None:
    """Fourteen servers for a queue that needs nine: four releases, to C_HIGH (worth 30) while
    its one lead list has callable leads. When every lead on it is do-not-call, nothing is left
    to call: the list is exhausted and the releases go to C_LOW."""
    from wfm.db.repositories import LeadListRepository, SegmentRepository
    from wfm.domain import Segment
    from wfm.domain.dialer import LeadList

    with unit_of_work(engine) as session:
        build_centre(session, servers=14, sellers=0)
        SegmentRepository(session).add(Segment("GOLD", "Gold"))
        LeadListRepository(session).add(
            LeadList("C_HIGH", "GOLD", "L1", 500, do_not_call_leads=do_not_call), t("08:00")
        )
        rooms = campaign_rooms(
            session,
            SiteRepository(session).get(SITE),
            CampaignRepository(session).list(SITE),
            t("10:00"),
            list_remaining=economics.list_remaining_fractions(
                session, SiteRepository(session).get(SITE), t("10:00")
            ),
        )
        rec = svc.recommendation(session, site_code=SITE, at_utc=t("10:00"))
    fraction = {r.campaign_code: r.list_remaining_fraction for r in rooms}
    assert fraction == {"C_LOW": 1.0, "C_HIGH": 0.0 if do_not_call else 1.0}
    campaign = "C_LOW" if do_not_call else "C_HIGH"
    assert rec.direction is Direction.TO_SELL
    assert {m.campaign_code for m in rec.moves} == {campaign}
    assert ("campaign C_HIGH: its lead list is exhausted" in rec.notes) is bool(do_not_call)


def test_the_learned_values_are_estimated_once_per_day_campaigns_and_attempts(
    engine: Engine,
) -> None:
    """Recommendations of the same day reuse the estimate while the campaigns and the window's
    attempts are the same; a change to a campaign estimates again."""
    with unit_of_work(engine) as session:
        build_centre(session)
        site = SiteRepository(session).get(SITE)
        first = economics.learned_selling_values(session, site, t("10:00"))
        again = economics.learned_selling_values(session, site, t("16:00"))
        CampaignRepository(session).update_campaign("C_LOW", {"max_hours_per_week": 3.0})
        changed = economics.learned_selling_values(session, site, t("16:05"))
    assert again is first
    assert changed is not first and changed[0] == first[0]
