"""The planner's week of a roster: one Gantt row per agent (code, name and team) over the seven
days of the week in the site's local time, filtered by team, skill and agent, with each
activity in one colour; the frames are pure (pandas), the chart is altair."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd

from dashboard.i18n import N_, current_locale, fmt_date, t, use_locale

# one colour per activity, the same on every chart of the planner
ACTIVITY_COLOURS = {
    "serve": "#1f77b4",
    "sell": "#2ca02c",
    "break": "#ff7f0e",
    "lunch": "#d62728",
    "other": "#9467bd",
}
ACTIVITY_NAMES = {
    "serve": N_("serve"),
    "sell": N_("sell"),
    "break": N_("break"),
    "lunch": N_("lunch"),
    "other": N_("other"),
}
ROW_PIXELS = 22  # height of one agent's row: every label stays visible
# agents drawn at once: a week of 40 agents is some 1,700 bars; the browser draws 120 agents'
# 5,000 bars in over a second, so a larger selection is shown a page at a time
AGENTS_PER_PAGE = 40
COLUMNS = ["agent", "row", "team", "day", "start", "end", "activity", "on", "skills"]
CHART_COLUMNS = ["row", "start", "end", "activity_name", "on", "day_name", "span"]


def in_this_language(format_func: Callable[[Any], str]) -> Callable[[Any], str]:
    """`format_func` held to the language of the run that draws the widget (Streamlit may call
    it again outside the run, where no session says the language)."""
    locale = current_locale()

    def formatted(value: Any) -> str:
        with use_locale(locale):
            return format_func(value)

    return formatted


def team_of(agent: dict[str, Any]) -> str:
    """The agent's team: its `team` when the API gives one, else its group of queue skills
    (agents serving the same queues work as one team)."""
    team = agent.get("team")
    if team:
        return str(team)
    return " + ".join(sorted(agent.get("queue_skills") or [])) or "-"


def row_label(agent_code: str, agent: dict[str, Any] | None) -> str:
    """`A0001 · Li Na · CARE + CHAT`: code, name and team of an agent's row."""
    if agent is None:
        return agent_code
    return f"{agent_code} · {agent.get('name') or ''} · {team_of(agent)}"


def week_frame(
    shifts: Iterable[dict[str, Any]], agents: dict[str, dict[str, Any]], timezone: str
) -> pd.DataFrame:
    """One row per activity span of the schedule's shifts, in site-local wall-clock time
    (`start`, `end` naive local timestamps), with the agent's row label, team and skills."""
    zone = ZoneInfo(timezone)
    rows = []
    for shift in shifts:
        code = shift["agent_code"]
        agent = agents.get(code)
        skills = sorted(
            set((agent or {}).get("queue_skills") or [])
            | set((agent or {}).get("campaign_skills") or [])
        )
        spans = shift["activities"] or [
            {"start_utc": shift["start_utc"], "end_utc": shift["end_utc"], "activity": "other"}
        ]
        for span in spans:
            rows.append(
                {
                    "agent": code,
                    "row": row_label(code, agent),
                    "team": team_of(agent) if agent else "-",
                    "day": date.fromisoformat(shift["shift_date"]),
                    "start": _local(span["start_utc"], zone),
                    "end": _local(span["end_utc"], zone),
                    "activity": span["activity"],
                    "on": span.get("queue_code") or span.get("campaign_code") or "",
                    "skills": tuple(skills),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _local(moment: str, zone: ZoneInfo) -> pd.Timestamp:
    return pd.Timestamp(datetime.fromisoformat(moment).astimezone(zone).replace(tzinfo=None))


def filtered(
    frame: pd.DataFrame,
    *,
    teams: Sequence[str] = (),
    skills: Sequence[str] = (),
    agents: Sequence[str] = (),
) -> pd.DataFrame:
    """The rows of agents in any of `teams`, with any of `skills` and among `agents` (an empty
    filter keeps everyone)."""
    keep = pd.Series(True, index=frame.index)
    if teams:
        keep &= frame["team"].isin(list(teams))
    if skills:
        wanted = set(skills)
        keep &= frame["skills"].map(lambda have: bool(wanted & set(have)))
    if agents:
        keep &= frame["agent"].isin(list(agents))
    return frame[keep]


def agent_pages(frame: pd.DataFrame, per_page: int = AGENTS_PER_PAGE) -> list[tuple[int, int]]:
    """The pages of the frame's agents in row order, as (first, last) positions counted from
    1: 95 agents at 40 a page are (1, 40), (41, 80), (81, 95); one page when they fit."""
    agents = frame["row"].nunique()
    return [(first + 1, min(first + per_page, agents)) for first in range(0, agents, per_page)]


def agent_page(frame: pd.DataFrame, page: tuple[int, int]) -> pd.DataFrame:
    """The rows of the agents on `page` (from `agent_pages`): every span of each of them."""
    first, last = page
    rows = sorted(frame["row"].unique())[first - 1 : last]
    return frame[frame["row"].isin(rows)]


def week_chart(frame: pd.DataFrame, week_start: date) -> alt.Chart:
    """The Gantt: a row per agent (every label shown, the chart as tall as the agents need),
    the seven local days of the week on the x axis, activities in their colours."""
    # each distinct activity and day said once (a week holds hundreds of rows)
    activity_names = {a: t(ACTIVITY_NAMES.get(str(a), str(a))) for a in frame["activity"].unique()}
    day_names = {d: fmt_date(d, weekday=True) for d in frame["day"].unique()}
    shown = frame.assign(
        activity_name=frame["activity"].map(activity_names),
        span=frame["start"].dt.strftime("%H:%M") + "-" + frame["end"].dt.strftime("%H:%M"),
        day_name=frame["day"].map(day_names),
    )[CHART_COLUMNS]  # only what the chart draws travels to the browser
    domain = [t(name) for name in ACTIVITY_NAMES.values()]
    first = pd.Timestamp(week_start)
    agents = shown["row"].nunique()
    return (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=alt.X(
                "start:T",
                title=t("Local time"),
                scale=alt.Scale(domain=[first, first + timedelta(days=7)]),
                axis=alt.Axis(format="%m-%d", tickCount=7, grid=True),  # language-neutral
            ),
            x2="end:T",
            y=alt.Y(
                "row:N",
                title=None,
                sort="ascending",
                axis=alt.Axis(labelLimit=0, labelOverlap=False),
            ),
            color=alt.Color(
                "activity_name:N",
                title=t("Activity"),
                scale=alt.Scale(domain=domain, range=list(ACTIVITY_COLOURS.values())),
            ),
            tooltip=[
                alt.Tooltip("row:N", title=t("Agent")),
                alt.Tooltip("activity_name:N", title=t("Activity")),
                alt.Tooltip("on:N", title=t("Queue or campaign")),
                alt.Tooltip("day_name:N", title=t("Day")),
                alt.Tooltip("span:N", title=t("Local time")),
            ],
        )
        .properties(height=ROW_PIXELS * max(1, agents) + 40)
    )
