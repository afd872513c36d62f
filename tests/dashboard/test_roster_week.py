"""The planner's week frames (`dashboard.roster_week`, pure): spans in the site's local wall-clock
time across a daylight-saving change, each row labelled with code, name and team, and the team,
skill and agent filters; the Gantt as tall as its rows, every label shown, a large selection
drawn a page of agents at a time."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.i18n import use_locale
from dashboard.roster_week import (
    ROW_PIXELS,
    agent_page,
    agent_pages,
    filtered,
    row_label,
    week_chart,
    week_frame,
)

AGENTS = {
    "A1": {"code": "A1", "name": "李娜", "queue_skills": ["CARE"], "campaign_skills": ["NPS"]},
    "A2": {
        "code": "A2",
        "name": "Bo",
        "queue_skills": ["TECH", "CARE"],
        "campaign_skills": [],
        "team": "",  # no team: grouped by its queue skills
    },
    "A3": {"code": "A3", "name": "王芳", "queue_skills": ["CARE"], "team": "一组"},
}


def _shift(agent: str, day: str, start: str, end: str) -> dict[str, object]:
    return {
        "agent_code": agent,
        "shift_date": day,
        "start_utc": start,
        "end_utc": end,
        "activities": [
            {"start_utc": start, "end_utc": end, "activity": "serve", "queue_code": "CARE"}
        ],
    }


SHIFTS = [
    # Paris: 08:00-16:00 on the Saturday before the change (UTC+1), the Sunday after (UTC+2)
    _shift("A1", "2025-03-29", "2025-03-29T07:00:00Z", "2025-03-29T15:00:00Z"),
    _shift("A1", "2025-03-30", "2025-03-30T06:00:00Z", "2025-03-30T14:00:00Z"),
    _shift("A2", "2025-03-30", "2025-03-30T06:00:00Z", "2025-03-30T14:00:00Z"),
]
TEAM_SHIFT = _shift("A3", "2025-03-31", "2025-03-31T06:00:00Z", "2025-03-31T14:00:00Z")


def test_spans_are_in_local_time_and_rows_name_code_name_and_team() -> None:
    frame = week_frame(SHIFTS, AGENTS, "Europe/Paris")
    assert (
        list(frame["start"])
        == [pd.Timestamp("2025-03-29 08:00")] + [pd.Timestamp("2025-03-30 08:00")] * 2
    )
    assert list(frame["end"].dt.hour) == [16, 16, 16]
    assert row_label("A1", AGENTS["A1"]) == "A1 · 李娜 · CARE"
    assert set(frame["row"]) == {"A1 · 李娜 · CARE", "A2 · Bo · CARE + TECH"}
    assert list(frame["day"]) == [date(2025, 3, 29), date(2025, 3, 30), date(2025, 3, 30)]


def test_filters_by_team_skill_and_agent() -> None:
    frame = week_frame(SHIFTS, AGENTS, "Europe/Paris")
    assert set(filtered(frame, teams=["CARE + TECH"])["agent"]) == {"A2"}
    assert set(filtered(frame, skills=["NPS"])["agent"]) == {"A1"}
    assert set(filtered(frame, skills=["CARE"])["agent"]) == {"A1", "A2"}
    assert set(filtered(frame, agents=["A2"], skills=["NPS"])["agent"]) == set()
    assert len(filtered(frame)) == 3


def test_an_agent_with_a_team_is_labelled_and_filtered_by_it() -> None:
    frame = week_frame([*SHIFTS, TEAM_SHIFT], AGENTS, "Europe/Paris")
    assert row_label("A3", AGENTS["A3"]) == "A3 · 王芳 · 一组"
    assert sorted(frame["team"].unique()) == ["CARE", "CARE + TECH", "一组"]
    assert set(filtered(frame, teams=["一组"])["agent"]) == {"A3"}
    assert set(filtered(frame, teams=["CARE"])["agent"]) == {"A1"}  # A3's team is not CARE


def test_the_gantt_is_as_tall_as_its_rows_and_shows_every_label() -> None:
    frame = week_frame(SHIFTS, AGENTS, "Europe/Paris")
    with use_locale("en"):
        spec = week_chart(frame, date(2025, 3, 24)).to_dict()
    assert spec["height"] == ROW_PIXELS * 2 + 40
    assert spec["encoding"]["y"]["axis"]["labelLimit"] == 0
    assert spec["encoding"]["color"]["scale"]["domain"] == [
        "serve",
        "sell",
        "break",
        "lunch",
        "other",
    ]


def test_a_large_selection_is_paged_by_agent_every_agent_once_with_all_its_spans() -> None:
    agents = {
        f"B{n:03d}": {"code": f"B{n:03d}", "name": "", "queue_skills": ["CARE"]} for n in range(95)
    }
    shifts = [
        _shift(code, day, f"{day}T07:00:00Z", f"{day}T15:00:00Z")
        for code in agents
        for day in ("2025-03-24", "2025-03-25")
    ]
    frame = week_frame(shifts, agents, "Europe/Paris")
    pages = agent_pages(frame, per_page=40)
    assert pages == [(1, 40), (41, 80), (81, 95)]
    seen: list[str] = []
    for page in pages:
        rows = agent_page(frame, page)
        assert len(rows) == 2 * rows["agent"].nunique()  # both days of each agent on the page
        seen += sorted(rows["agent"].unique())
    assert seen == sorted(agents)  # each agent on exactly one page, in row order
    assert agent_pages(frame.head(6), per_page=40) == [(1, 3)]
