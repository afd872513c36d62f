"""The planner's roster section: the week per agent (`dashboard.roster_week`) with its filters,
editing a shift into a new draft (`POST /v1/schedules/{id}/edits`, checked by the roster's hard
rules), the CSV and Excel exports and each agent's calendar, and the forecast adjustment form
(`POST /v1/forecast-adjustments`)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard import roster_week
from dashboard.client import ApiClient, ApiError
from dashboard.common import (
    can,
    forget_cached_reads,
    on_click_download,
    read,
    refusal_lines,
    show_api_error,
)
from dashboard.i18n import N_, fmt_date, fmt_datetime, fmt_percent, t
from dashboard.roster_week import (
    ACTIVITY_NAMES,
    agent_page,
    agent_pages,
    filtered,
    in_this_language,
    week_chart,
    week_frame,
)

EDIT_KINDS = {
    "move": N_("Move a shift"),
    "shorten": N_("Shorten a shift"),
    "change_activity": N_("Change an activity"),
    "swap": N_("Swap two agents' shifts"),
}
EDIT_RESULT_KEY = "planner_edit_result"
AT_NAMES = {"end": N_("the end"), "start": N_("the start")}
TARGET_NAMES = {"offered": N_("contacts"), "aht_seconds": N_("handle time")}


def agents_by_code(client: ApiClient, site: str) -> dict[str, dict[str, Any]]:
    return {a["code"]: a for a in client.agents(site)}


def show_week(
    client: ApiClient, me: dict[str, Any], site: str, schedule: dict[str, Any], timezone: str
) -> None:
    """The week per agent with filters, the edit form, exports and calendar links."""
    full = read(client, "schedule", schedule["id"])
    agents = agents_by_code(client, site)
    frame = week_frame(full["shifts"], agents, timezone)
    if frame.empty:
        st.info(t("The schedule has no shifts."))
        return
    week_start = date.fromisoformat(full["week_start"])
    left, middle, right = st.columns(3)
    every = t("All")  # an empty filter keeps every agent (and says so in the reader's language)
    teams = left.multiselect(
        t("Team"), sorted(frame["team"].unique()), key="planner_filter_team", placeholder=every
    )
    skill_options = sorted({s for row in frame["skills"] for s in row})
    skills = middle.multiselect(
        t("Skill"), skill_options, key="planner_filter_skill", placeholder=every
    )
    labels = dict(zip(frame["agent"], frame["row"], strict=False))
    chosen = right.multiselect(
        t("Agent"),
        sorted(labels),
        format_func=labels.__getitem__,
        key="planner_filter_agent",
        placeholder=every,
    )
    shown = filtered(frame, teams=teams, skills=skills, agents=chosen)
    if shown.empty:
        st.info(t("No agent matches the filters."))
    else:
        pages = agent_pages(shown, roster_week.AGENTS_PER_PAGE)
        page = pages[0]
        if len(pages) > 1:
            count = shown["row"].nunique()
            page = st.selectbox(
                t("Agents shown"),
                pages,
                key="planner_agent_page",
                format_func=in_this_language(
                    lambda p: t("{first}-{last} of {agents}", first=p[0], last=p[1], agents=count)
                ),
                help=t(
                    "The chart draws {per_page} agents at a time; the filters above narrow the "
                    "agents paged through.",
                    per_page=roster_week.AGENTS_PER_PAGE,
                ),
            )
        st.altair_chart(week_chart(agent_page(shown, page), week_start), width="stretch")
    st.caption(
        t(
            "{agents} agents, {shifts} shifts from {first} to {last}, in the site's local time "
            "({timezone}). Team: the agent's group of queue skills.",
            agents=shown["agent"].nunique(),
            shifts=len(shown.groupby(["agent", "day"])),
            first=fmt_date(week_start),
            last=fmt_date(week_start + timedelta(days=6)),
            timezone=timezone,
        )
    )
    _exports(client, full, shown, agents)
    # the form is drawn only when asked for: the page stays light for reading
    if can(me, "schedule:write") and st.toggle(t("Edit a shift"), key="planner_edit_open"):
        _edit_form(client, full, agents, timezone)


def _exports(
    client: ApiClient,
    schedule: dict[str, Any],
    shown: pd.DataFrame,
    agents: dict[str, dict[str, Any]],
) -> None:
    """Download buttons for the CSV and Excel exports, and each shown agent's calendar."""
    name = f"schedule-{schedule['site_code']}-{schedule['week_start']}-v{schedule['version']}"
    sid = schedule["id"]
    left, right = st.columns(2)
    left.download_button(
        t("Download CSV"),
        on_click_download(client, f"/schedules/{sid}/export.csv"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key="planner_export_csv",
    )
    right.download_button(
        t("Download Excel"),
        on_click_download(client, f"/schedules/{sid}/export.xlsx"),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="planner_export_xlsx",
    )
    codes = sorted(shown["agent"].unique())
    shifts_of = Counter(str(s["agent_code"]) for s in schedule["shifts"])
    table = pd.DataFrame(
        {
            t("Agent"): codes,
            t("Name"): [agents.get(c, {}).get("name", "") for c in codes],
            t("Team"): [shown.loc[shown["agent"] == c, "team"].iloc[0] for c in codes],
            t("Shifts"): [shifts_of[c] for c in codes],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    agent = st.selectbox(t("Calendar of"), codes, key="planner_calendar_agent")
    if agent:
        st.download_button(
            t("Download {agent}'s calendar", agent=agent),
            on_click_download(client, f"/schedules/{sid}/agents/{agent}/calendar.ics"),
            file_name=f"{agent}-{schedule['week_start']}.ics",
            mime="text/calendar",
            key="planner_calendar_download",
        )
    st.caption(
        t(
            "Download an agent's week as an iCalendar file to send them; API clients read the "
            "same file at /v1/schedules/{schedule}/agents/{{code}}/calendar.ics with a token, and "
            "agents subscribe to their own calendar from My schedule.",
            schedule=sid,
        )
    )


def _shift_options(schedule: dict[str, Any], timezone: str) -> dict[str, dict[str, Any]]:
    zone = ZoneInfo(timezone)
    options = {}
    for shift in schedule["shifts"]:
        start = datetime.fromisoformat(shift["start_utc"]).astimezone(zone)
        end = datetime.fromisoformat(shift["end_utc"]).astimezone(zone)
        label = f"{shift['agent_code']} · {fmt_date(start.date(), weekday=True)} "
        options[label + f"{start:%H:%M}-{end:%H:%M}"] = shift
    return options


def _edit_form(
    client: ApiClient, schedule: dict[str, Any], agents: dict[str, dict[str, Any]], timezone: str
) -> None:
    """Edit a shift: the edit goes to the API, which checks it with the roster's rules and
    saves a new draft (the schedule shown is never changed)."""
    options = _shift_options(schedule, timezone)
    kind = st.radio(
        t("Edit"),
        list(EDIT_KINDS),
        format_func=in_this_language(lambda k: t(EDIT_KINDS[k])),
        horizontal=True,
        key="planner_edit_kind",
    )
    with st.form("planner_edit"):
        label = st.selectbox(t("Shift"), list(options), key="planner_edit_shift")
        shift = options[label]
        body: dict[str, Any] = {
            "kind": kind,
            "agent_code": shift["agent_code"],
            "shift_date": shift["shift_date"],
        }
        zone = ZoneInfo(timezone)
        if kind == "move":
            body["offset_minutes"] = int(
                st.number_input(
                    t("Move by (minutes, earlier when negative)"),
                    min_value=-720,
                    max_value=720,
                    value=30,
                    step=15,
                    key="planner_edit_offset",
                )
            )
        elif kind == "shorten":
            body["minutes"] = int(
                st.number_input(
                    t("Minutes to take off"), 15, 720, 60, step=15, key="planner_edit_minutes"
                )
            )
            body["at"] = st.radio(
                t("At"),
                ["end", "start"],
                format_func=in_this_language(lambda a: t(AT_NAMES[a])),
                horizontal=True,
                key="planner_edit_at",
            )
        elif kind == "change_activity":
            body |= _activity_fields(shift, agents, zone)
        else:
            others = sorted(c for c in agents if c != shift["agent_code"])
            working = {
                s["agent_code"]
                for s in schedule["shifts"]
                if s["shift_date"] == shift["shift_date"]
            }
            body["other_agent_code"] = st.selectbox(
                t("With agent"),
                others,
                format_func=in_this_language(lambda c: _agent_label(c, agents, c in working)),
                key="planner_edit_other",
            )
        submitted = st.form_submit_button(t("Check and save as a new draft"))
    if submitted:
        _submit(client, schedule["id"], body, edit_said(body, agents, timezone))
    result = st.session_state.get(EDIT_RESULT_KEY)
    if result is not None:
        st.success(
            t(
                "Saved as draft version {version}: {edit}. Review and publish it below.",
                version=result["schedule"]["version"],
                edit=result["said"],
            )
        )


def edit_said(body: dict[str, Any], agents: dict[str, dict[str, Any]], timezone: str) -> str:
    """What an edit (the body posted) does, in the reader's language and local time."""
    who = body["agent_code"]
    day = fmt_date(date.fromisoformat(str(body["shift_date"])), weekday=True)
    kind = body["kind"]
    if kind == "move":
        return t(
            "{agent}'s shift of {day} moved by {minutes} min",
            agent=who,
            day=day,
            minutes=f"{body['offset_minutes']:+d}",
        )
    if kind == "shorten":
        return t(
            "{agent}'s shift of {day} shortened by {minutes} min at {at}",
            agent=who,
            day=day,
            minutes=body["minutes"],
            at=t(AT_NAMES[body["at"]]),
        )
    if kind == "change_activity":
        zone = ZoneInfo(timezone)
        start = datetime.fromisoformat(body["start_utc"]).astimezone(zone)
        end = datetime.fromisoformat(body["end_utc"]).astimezone(zone)
        target = body.get("queue_code") or body.get("campaign_code") or ""
        return t(
            "{agent}'s shift of {day}: {activity} {target} from {start} to {end}",
            agent=who,
            day=day,
            activity=t(ACTIVITY_NAMES[body["activity"]]),
            target=target,
            start=f"{start:%H:%M}",
            end=f"{end:%H:%M}",
        )
    other = body["other_agent_code"]
    return t(
        "the shifts of {agent} and {other} on {day} swapped",
        agent=who,
        other=f"{other} · {agents.get(other, {}).get('name', '')}".rstrip(" ·"),
        day=day,
    )


def _agent_label(code: str, agents: dict[str, dict[str, Any]], working: bool) -> str:
    """An agent as the swap picker lists them: code, name, and whether they work that day."""
    name = agents.get(code, {}).get("name") or ""
    day = t("works that day") if working else t("off that day")
    return " · ".join(part for part in (code, name, day) if part)


def _activity_fields(
    shift: dict[str, Any], agents: dict[str, dict[str, Any]], zone: ZoneInfo
) -> dict[str, Any]:
    start = datetime.fromisoformat(shift["start_utc"]).astimezone(zone)
    end = datetime.fromisoformat(shift["end_utc"]).astimezone(zone)
    steps = []
    at = start
    while at <= end:
        steps.append(at.time())
        at += timedelta(minutes=15)
    left, right = st.columns(2)
    begin = left.selectbox(
        t("From (local)"),
        steps[:-1],
        format_func=lambda x: x.strftime("%H:%M"),
        key="planner_edit_from",
    )
    finish = right.selectbox(
        t("To (local)"),
        steps[1:],
        format_func=lambda x: x.strftime("%H:%M"),
        key="planner_edit_to",
    )
    activity = st.selectbox(
        t("Activity"),
        list(ACTIVITY_NAMES),
        format_func=in_this_language(lambda a: t(ACTIVITY_NAMES[a])),
        key="planner_edit_activity",
    )
    agent = agents.get(shift["agent_code"], {})
    fields: dict[str, Any] = {
        "start_utc": _instant(start, begin).isoformat(),
        "end_utc": _instant(start, finish).isoformat(),
        "activity": activity,
    }
    if activity == "serve":
        fields["queue_code"] = st.selectbox(
            t("Queue"), agent.get("queue_skills") or ["-"], key="planner_edit_queue"
        )
    elif activity == "sell":
        fields["campaign_code"] = st.selectbox(
            t("Campaign"), agent.get("campaign_skills") or ["-"], key="planner_edit_campaign"
        )
    return fields


def _instant(shift_start: datetime, wall: time) -> datetime:
    """The local wall-clock time `wall` on or after the shift's start (a shift may cross
    midnight)."""
    moment = datetime.combine(shift_start.date(), wall, tzinfo=shift_start.tzinfo)
    return moment if moment >= shift_start else moment + timedelta(days=1)


def _submit(client: ApiClient, schedule_id: int, body: dict[str, Any], said: str) -> None:
    st.session_state.pop(EDIT_RESULT_KEY, None)
    try:
        result = client.post(f"/schedules/{schedule_id}/edits", body)
    except ApiError as exc:
        if exc.status == 422:
            lines = "".join(f"\n- {line}" for line in refusal_lines(exc))
            st.error(t("The edit is refused and nothing was saved:") + lines)
        else:
            show_api_error(exc, t("Edit a shift"))
        return
    st.session_state[EDIT_RESULT_KEY] = {**result, "said": said}
    forget_cached_reads()


def adjustment_form(client: ApiClient, queues: list[str], week_start: date, timezone: str) -> None:
    """A forecast adjustment: a queue, local days and hours of the week and a percentage by
    which its contacts (or handle time) change; posted to `/v1/forecast-adjustments`."""
    zone = ZoneInfo(timezone)
    days = [week_start + timedelta(days=d) for d in range(7)]
    with st.form("planner_adjustment"):
        a, b, c = st.columns(3)
        queue = a.selectbox(t("Queue"), queues, key="planner_adjust_queue")
        first = b.selectbox(
            t("From day"),
            days,
            format_func=in_this_language(lambda d: fmt_date(d, weekday=True)),
            key="planner_adjust_first",
        )
        last = c.selectbox(
            t("To day"),
            days,
            index=6,
            format_func=in_this_language(lambda d: fmt_date(d, weekday=True)),
            key="planner_adjust_last",
        )
        d, e, f = st.columns(3)
        hours = [time(h) for h in range(24)]
        start_hour = d.selectbox(
            t("From (local)"),
            hours,
            format_func=lambda x: x.strftime("%H:%M"),
            key="planner_adjust_from",
        )
        end_hour = e.selectbox(
            t("To (local)"),
            [*hours[1:], time(0)],
            index=22,
            format_func=lambda x: x.strftime("%H:%M"),
            key="planner_adjust_to",
        )
        percent = f.number_input(
            t("Change (%)"),
            min_value=-100.0,
            max_value=1000.0,
            value=10.0,
            step=5.0,
            key="planner_adjust_percent",
        )
        target = st.radio(
            t("Change"),
            ["offered", "aht_seconds"],
            format_func=in_this_language(lambda x: t(TARGET_NAMES[x])),
            horizontal=True,
            key="planner_adjust_target",
        )
        note = st.text_input(t("Why"), key="planner_adjust_note")
        submitted = st.form_submit_button(t("Add the adjustment"))
    if not submitted:
        return
    if last < first:
        st.error(t("The last day is before the first."))
        return
    created = []
    try:
        for day in days[days.index(first) : days.index(last) + 1]:
            begin = datetime.combine(day, start_hour, tzinfo=zone)
            finish = datetime.combine(
                day + timedelta(days=1) if end_hour == time(0) else day, end_hour, tzinfo=zone
            )
            created.append(
                client.post(
                    "/forecast-adjustments",
                    {
                        "queue_code": queue,
                        "start_utc": begin.isoformat(),
                        "end_utc": finish.isoformat(),
                        "target": target,
                        "operation": "scale",
                        "value": 1 + float(percent) / 100,
                        "note": note,
                    },
                )
            )
    except ApiError as exc:
        show_api_error(exc, t("Adjust the forecast"))
    if created:
        forget_cached_reads()
        st.success(
            t(
                "{count} adjustments of {queue}: {change} from {start} to {end}, applied to "
                "the forecast from now on; run requirements and a roster again to use them.",
                count=len(created),
                queue=queue,
                change=fmt_percent(float(percent) / 100),
                start=fmt_datetime(created[0]["start_utc"], timezone),
                end=fmt_datetime(created[-1]["end_utc"], timezone),
            )
        )
