"""Each page of the dashboard, run by AppTest against the live demo API: it draws without an
exception and its key numbers are the API's (the executive and agent pages, sign-in and the
languages: test_pages_people.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dashkit import DASHBOARD, DemoApi
from streamlit.testing.v1 import AppTest

from dashboard.i18n import fmt_number, fmt_percent, use_locale


def run_page(api: DemoApi, script: str, role: str, **state: Any) -> AppTest:
    """Run a page signed in as `role`, in English unless `wfm_language` says otherwise."""
    state.setdefault("wfm_language", "en")
    at = AppTest.from_file(str(DASHBOARD / script), default_timeout=90)
    at.session_state["wfm_api_url"] = api.url
    at.session_state["wfm_token"] = api.tokens[role]
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def button(at: AppTest, label: str) -> Any:
    """The page's button with this label (one must be there)."""
    found = [b for b in at.button if b.label == label]
    assert found, (label, [b.label for b in at.button])
    return found[0]


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, (label, [m.label for m in at.metric])
    return str(found[0])


def week_bounds(api: DemoApi, week: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(api.timezone)
    start = datetime.combine(week, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(week + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def assert_reasons_match(
    at: AppTest, api: DemoApi, first: str, end: date, granularity: str
) -> None:
    """The page's top contact reasons are the API's for the same range: ranks, contacts, shares
    and changes in the table, the total in the caption, and a bar and a trend chart."""
    report: Any = api.get(
        "/v1/kpis/contact-reasons",
        "executive",
        site=api.site,
        start=first,
        end=end,
        granularity=granularity,
    )
    assert report["reasons"], "the demo centre records reasons"
    assert "Top contact reasons" in [s.value for s in at.subheader]
    tables = [d.value for d in at.dataframe if "Rank" in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    reasons = report["reasons"]
    assert list(table["Reason"]) == [r["reason"] for r in reasons]
    assert list(table["Rank"]) == list(range(1, len(reasons) + 1))
    with use_locale("en"):  # the API's figures, as the reader reads them
        assert list(table["Contacts"]) == [fmt_number(r["count"]) for r in reasons]
        assert list(table["Previous"]) == [fmt_number(r["previous_count"]) for r in reasons]
        assert list(table["Share"]) == [fmt_percent(r["share"]) for r in reasons]
        assert list(table["Change"]) == [
            ("+" if (r["count_change"] or 0) > 0 else "") + fmt_number(r["count_change"])
            for r in reasons
        ]
    counts = [r["count"] for r in reasons]
    assert counts == sorted(counts, reverse=True)
    assert not any(str(v) in ("None", "nan") for v in table.to_numpy().ravel())
    assert any(f"{report['contacts_with_reason']:,} contacts" in c.value for c in at.caption)
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    reason_charts = [spec for spec in specs if '"field":"reason"' in spec.replace(" ", "")]
    assert len(reason_charts) == 2  # the bars and the trend


def test_planner_requirement_schedule_roster_and_publish(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/planner.py", "planner")
    at.selectbox(key="planner_week").select(demo_api.week1).run()
    assert_clean(at)
    start, end = week_bounds(demo_api, demo_api.week1)
    requirements: Any = demo_api.get(
        "/v1/requirements",
        "planner",
        site=demo_api.site,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    required: dict[str, int] = {}
    for r in requirements:
        required[r["interval_start_utc"]] = required.get(r["interval_start_utc"], 0)
        required[r["interval_start_utc"]] += r["required_agents"]
    assert metric(at, "Peak agents required") == f"{max(required.values()):.0f}"
    schedules: Any = demo_api.get(
        "/v1/schedules", "planner", site=demo_api.site, week_start=demo_api.week1.isoformat()
    )
    published = [s for s in schedules if s["status"] == "published"][-1]
    cells: Any = demo_api.get(f"/v1/schedules/{published['id']}/intervals", "planner")
    peak_servers = max(sum(c["serving"].values()) for c in cells["intervals"])
    peak_sellers = max(sum(c["selling"].values()) for c in cells["intervals"])
    assert peak_servers > 0 and peak_sellers > 0
    assert metric(at, "Peak servers scheduled") == f"{peak_servers:.0f}"
    assert metric(at, "Peak sellers scheduled") == f"{peak_sellers:.0f}"
    # the roster's week: every agent and shift of the schedule
    full: Any = demo_api.get(f"/v1/schedules/{published['id']}", "planner")
    agents = {s["agent_code"] for s in full["shifts"]}
    week = f"{len(agents)} agents, {len(full['shifts'])} shifts from "
    assert any(c.value.startswith(week) for c in at.caption)
    assert any("is published" in s.value for s in at.success)

    # week 2 has a draft: review it and publish it from the page
    at.selectbox(key="planner_week").select(demo_api.week2).run()
    assert_clean(at)
    draft = [
        s
        for s in demo_api.get(  # type: ignore[union-attr]
            "/v1/schedules", "planner", site=demo_api.site, week_start=demo_api.week2.isoformat()
        )
        if s["status"] == "draft"
    ][-1]
    evaluation: Any = demo_api.get(f"/v1/schedules/{draft['id']}/evaluation", "planner")
    gap = sum(q["shortfall_agent_hours"] for q in evaluation["queues"])
    assert metric(at, "Coverage gap") == f"{gap:.1f} agent-h"
    assert metric(at, "Paid hours") == f"{evaluation['paid_hours']:.1f} h"
    at.button(key="publish").click().run()
    assert_clean(at)
    assert any("is published" in s.value for s in at.success)
    after: Any = demo_api.get(f"/v1/schedules/{draft['id']}", "planner")
    assert after["status"] == "published"


def test_planner_starts_a_forecast_job_and_shows_its_progress(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/planner.py", "planner")
    before = {j["id"] for j in demo_api.get("/v1/jobs", "planner")}  # type: ignore[union-attr]
    submit = next(b for b in at.button if b.label.startswith("Run forecast"))
    submit.click().run()
    assert_clean(at)
    jobs: Any = demo_api.get("/v1/jobs", "planner", kind="forecast")
    new = [j for j in jobs if j["id"] not in before]
    assert len(new) == 1 and new[0]["params"]["site_code"] == demo_api.site
    assert any(new[0]["id"][:8] in p.proto.text for p in at.get("progress")) or any(
        new[0]["id"][:8] in s.value for s in [*at.success, *at.caption]
    )
