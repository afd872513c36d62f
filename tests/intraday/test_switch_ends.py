"""One end per agent: the recommendation's moves each end with the agent's block of work, the
same end on every refresh; a switch recorded without an end lasts exactly that long, and a
switched agent is not recommended again while the switch holds (only after it, when the plan
gives the agent back to its campaign)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from intraday_testkit import SITE, build_centre, t
from sqlalchemy import Engine

from wfm.db.repositories import CampaignRepository
from wfm.db.session import unit_of_work
from wfm.domain import Activity, CallingWindow
from wfm.services import intraday as svc


@pytest.fixture
def centre(engine: Engine) -> Engine:
    # Sellers P1-P3 sell 09:00-17:00 with a break 12:00-12:15; at 11:20 the horizon (four
    # 15-minute intervals from 11:15) ends at 12:15, their selling block at 12:00.
    with unit_of_work(engine) as session:
        build_centre(session)
        svc.set_clock(session, site_code=SITE, now_utc=t("11:20"), speed=0)
    return engine


def test_each_move_ends_with_the_agents_block_on_every_refresh(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        first = svc.recommendation(session, site_code=SITE)
        again = svc.recommendation(session, site_code=SITE, at_utc=t("11:20", 30))
    assert first.until_utc == t("12:15")  # the horizon the predictions cover, not a switch's end
    assert [m.agent_code for m in first.moves] == ["P1", "P2", "P3"]
    assert [m.until_utc for m in first.moves] == [t("12:00")] * 3
    assert [(m.agent_code, m.until_utc) for m in again.moves] == [
        (m.agent_code, m.until_utc) for m in first.moves
    ]


def test_a_switch_without_an_end_lasts_as_long_as_the_move_said(centre: Engine) -> None:
    with unit_of_work(centre) as session:
        rec = svc.recommendation(session, site_code=SITE)
        result = svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SERVE,
            items=[svc.SwitchItem(m.agent_code, m.queue_code) for m in rec.moves],
        )
    ends = {m.agent_code: m.until_utc for m in rec.moves}
    assert {c.agent_code: c.end_utc for c in result.accepted} == ends
    # Refreshes while the switch holds: the switched agents are serving, never moved again.
    for moment in (t("11:20", 30), t("11:35"), t("11:59")):
        with unit_of_work(centre) as session:
            later = svc.recommendation(session, site_code=SITE, at_utc=moment)
        assert not {m.agent_code for m in later.moves} & set(ends), (moment, later.moves)
    # After the break the plan gives them back to selling: a new decision, with its own end.
    with unit_of_work(centre) as session:
        floor = svc.load_floor(session, SITE, t("12:15"), t("12:20"), t("12:16"))
        back = svc.recommendation(session, site_code=SITE, at_utc=t("12:16"))
    for code in ends:
        span = next(s for s in floor.plans[code] if s.start_utc <= t("12:16") < s.end_utc)
        assert span.activity is Activity.SELL
    assert all(m.until_utc > t("12:16") for m in back.moves)


def test_a_release_without_an_end_stops_when_the_calling_window_closes(centre: Engine) -> None:
    # C_HIGH calls until 16:30 today: a server released at 16:00 (shift end 17:00) sells until
    # 16:30, the end the recommendation's rule gives a release.
    with unit_of_work(centre) as session:
        windows = tuple(CallingWindow(d, time(8), time(16, 30)) for d in range(7))
        CampaignRepository(session).update_campaign("C_HIGH", {"calling_windows": windows})
    with unit_of_work(centre) as session:
        result = svc.record_switch(
            session,
            site_code=SITE,
            to_activity=Activity.SELL,
            items=[svc.SwitchItem("S1", campaign_code="C_HIGH"), svc.SwitchItem("S2")],
            start_utc=t("16:00"),
        )
    ends = {c.agent_code: (c.campaign_code, c.end_utc) for c in result.accepted}
    # S2, given no campaign, goes to the most valuable one calling (C_HIGH) as well.
    assert ends == {"S1": ("C_HIGH", t("16:30")), "S2": ("C_HIGH", t("16:30"))}
    assert timedelta(hours=4) == svc.MAX_SWITCH
