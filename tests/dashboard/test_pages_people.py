"""The executive and agent pages, sign-in and the languages, run by AppTest against the live demo
API: the pages open on the site's week by its clock, their numbers are the API's in the
reader's locale, each KPI change names its comparison and takes the status's colour, every
table column has a human label, `?lang=zh-CN` gives Chinese, and each role lands on its page."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from dashkit import DASHBOARD, DemoApi
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest
from test_pages import assert_clean, assert_reasons_match, metric, run_page

from dashboard.i18n import fmt_number, fmt_percent, use_locale

SNAKE_CASE = re.compile(r"^[a-z0-9]+(_[a-z0-9%]+)+$")
HAN = re.compile(r"[\u4e00-\u9fff]")
STATUS_COLOUR = {
    "on target": MetricProto.MetricColor.GREEN,
    "near target": MetricProto.MetricColor.ORANGE,
    "off target": MetricProto.MetricColor.RED,
    "no target": MetricProto.MetricColor.GRAY,
}


def _en(function: Any, *args: Any, **kwargs: Any) -> str:
    with use_locale("en"):
        return str(function(*args, **kwargs))


def shown_columns(at: AppTest) -> list[list[str]]:
    """Each table's column headers as the reader sees them (column_config labels, else the
    column's name)."""
    tables = []
    for element in at.dataframe:
        config = json.loads(element.proto.columns or "{}")
        labels = []
        for name in element.value.columns:
            found = config.get(f"name:{name}") or config.get(str(name)) or {}
            labels.append(found.get("label") or str(name))
        tables.append(labels)
    return tables


def assert_no_raw_field_names(at: AppTest) -> None:
    for labels in shown_columns(at):
        raw = [label for label in labels if SNAKE_CASE.match(label)]
        assert not raw, labels
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        titles = re.findall(r'"title":\s*"([^"]*)"', json.dumps(spec, ensure_ascii=False))
        assert not [t for t in titles if SNAKE_CASE.match(t)], titles


def _site(api: DemoApi) -> Any:
    return api.get(f"/v1/sites/{api.site}", "executive")


def test_the_executive_page_opens_on_the_sites_week_and_names_each_comparison(
    demo_api: DemoApi,
) -> None:
    at = run_page(demo_api, "pages/executive.py", "executive")
    site = _site(demo_api)
    # the site clock stands in week 1, whose roster is published; history ends the day before,
    # so the page shows the last week with history: the 7 days before week 1
    assert date.fromisoformat(site["week_start"]) == demo_api.week1
    chosen: Any = at.date_input(key="exec_range").value
    first, last = chosen
    assert (first, last) == (demo_api.week1 - timedelta(days=7), demo_api.week1 - timedelta(days=1))
    end = last + timedelta(days=1)
    report: Any = demo_api.get(
        "/v1/kpis", "executive", site=demo_api.site, start=first, end=end, granularity="day"
    )
    before: Any = demo_api.get(
        "/v1/kpis",
        "executive",
        site=demo_api.site,
        start=first - timedelta(days=7),
        end=end - timedelta(days=7),
        granularity="day",
    )
    total, previous = report["overall"]["total"], before["overall"]["total"]
    assert total["offered"] > 0 and previous["offered"] > 0
    for label, kpi in [
        ("Service level", "service_level"),
        ("Answer rate", "answer_rate"),
        ("Abandon rate", "abandon_rate"),
    ]:
        assert metric(at, label) == _en(fmt_percent, total[kpi])
        change = total[kpi] - previous[kpi]
        sign = "+" if change >= 0 else "-"
        points = _en(fmt_number, 100 * abs(change), 1)
        delta = next(m.delta for m in at.metric if m.label == label)
        assert delta == f"{sign}{points} pts vs last week", delta
    assert metric(at, "ASA (s)") == f"{_en(fmt_number, total['asa_seconds'], 1)} s"
    # each delta takes the colour of its status, whatever the sign of the change
    statuses = [
        re.search(r"&#9679; ([a-z ]+)<", m.value).group(1)  # type: ignore[union-attr]
        for m in at.markdown
        if "&#9679;" in m.value
    ]
    assert len(statuses) == 4
    for element, state in zip(at.metric[:4], statuses, strict=True):
        if element.proto.delta:
            assert element.proto.color == STATUS_COLOUR[state], (element.label, state)
    heading = next(s.value for s in at.subheader if s.value.startswith("All queues, "))
    assert _en(lambda: f"{first:%b} {first.day}, {first.year}") in heading
    listed: Any = demo_api.get("/v1/queues", "executive", site=demo_api.site)
    queues = {q["code"] for q in listed}
    table = at.dataframe[0].value
    assert set(table["queue"]) == queues | {"All queues"}
    assert_reasons_match(at, demo_api, first.isoformat(), end, "day")
    assert any("short abandons" in c.value for c in at.caption)
    # outbound: the range's last week has no roster, so the site's opening week (published)
    planned: Any = demo_api.get(
        "/v1/kpis/outbound", "executive", site=demo_api.site, week_start=demo_api.week1
    )
    assert planned["schedule_id"] is not None
    assert metric(at, "Outbound hours planned") == f"{_en(fmt_number, planned['sell_hours'], 1)} h"
    week_said = _en(lambda: f"{demo_api.week1:%b} {demo_api.week1.day}, {demo_api.week1.year}")
    assert any(
        c.value.startswith("The published roster of the week of") and week_said in c.value
        for c in at.caption
    ), [c.value for c in at.caption]
    assert_no_raw_field_names(at)

    at.radio(key="exec_reason_measure").set_value("share").run()
    assert_clean(at)
    at.radio(key="exec_granularity").set_value("week").run()
    assert_clean(at)
    assert metric(at, "Service level") == _en(fmt_percent, total["service_level"])
    assert_reasons_match(at, demo_api, first.isoformat(), end, "week")


def test_the_executive_page_in_chinese_from_the_query_parameter(demo_api: DemoApi) -> None:
    at = AppTest.from_file(str(DASHBOARD / "pages/executive.py"), default_timeout=90)
    at.session_state["wfm_api_url"] = demo_api.url
    at.session_state["wfm_token"] = demo_api.tokens["executive"]
    at.session_state["wfm_language"] = "en"  # the address wins over an earlier pick
    at.query_params["lang"] = "zh-CN"
    at.run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["管理层概览"]
    assert {"服务水平", "接通率", "放弃率"} <= {m.label for m in at.metric}
    assert "主要来电原因" in [s.value for s in at.subheader]
    assert any(s.value.startswith("全部队列，") and "年" in s.value for s in at.subheader)
    delta = next(m.delta for m in at.metric if m.label == "服务水平")
    assert delta.endswith("个百分点 对比上周"), delta
    assert all(HAN.search(label) for labels in shown_columns(at) for label in labels)
    assert_no_raw_field_names(at)
    assert at.session_state["wfm_language"] == "zh_CN"  # remembered for the session


def test_my_schedule_opens_on_the_published_week_in_local_time(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/my_schedule.py", "agent")
    assert at.date_input(key="my_week").value == demo_api.week1
    shifts: Any = demo_api.get("/v1/me/schedule", "agent", week_start=demo_api.week1.isoformat())
    assert len(shifts) == 5
    assert metric(at, "Shifts this week") == str(len(shifts))
    assert metric(at, "Paid hours") == "40.0 h"
    table = at.dataframe[0].value
    # the roster's shifts are 08:00-16:00 site-local with lunch at 12:00; the weekend is off
    assert list(table["start"]) == ["08:00"] * 5 + ["Day off"] * 2
    assert list(table["end"]) == ["16:00"] * 5 + [""] * 2
    assert list(table["breaks"]) == ["Lunch 12:00-12:30 (30 min)"] * 5 + [""] * 2
    assert_no_raw_field_names(at)
    at.date_input(key="my_week").set_value(demo_api.week1 - timedelta(days=7)).run()
    assert_clean(at)
    assert any("No schedule yet" in i.value for i in at.info)

    zh = run_page(demo_api, "pages/my_schedule.py", "agent", wfm_language="zh")
    assert [t.value for t in zh.title] == ["我的排班"]
    assert metric(zh, "计薪小时") == "40.0 小时"
    assert list(zh.dataframe[0].value["breaks"])[:5] == ["午餐 12:00-12:30（30 分钟）"] * 5


def _app(api: DemoApi, role: str | None, **state: Any) -> AppTest:
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=90)
    at.session_state["wfm_api_url"] = api.url
    if role is not None:
        at.session_state["wfm_token"] = api.tokens[role]
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert_clean(at)
    return at


def test_sign_in_shows_no_page_and_leads_to_the_roles_page(demo_api: DemoApi) -> None:
    at = _app(demo_api, None, wfm_language="en")
    assert [t.value for t in at.title] == ["WFM dashboard"]
    # before sign-in the navigation is hidden: no page of dashboard/pages/ is offered
    assert not at.get("sidebar_nav") or all(not n.proto.app_pages for n in at.get("sidebar_nav"))
    at.text_input(key="sign_in_token").input(demo_api.tokens["executive"])
    at.button[0].click().run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["Executive"]


@pytest.mark.parametrize(
    ("role", "title"),
    [
        ("planner", "Planner"),
        ("floor_manager", "Floor"),
        ("executive", "Executive"),
        ("admin", "Executive"),
        ("agent", "My schedule"),
    ],
)
def test_each_role_lands_on_its_own_page(demo_api: DemoApi, role: str, title: str) -> None:
    at = _app(demo_api, role, wfm_language="en")
    assert [t.value for t in at.title] == [title]


def test_the_sign_in_page_speaks_the_default_language_and_the_query_parameter(
    demo_api: DemoApi,
) -> None:
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=90)
    at.session_state["wfm_api_url"] = demo_api.url
    at.run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["WFM 劳动力管理看板"]  # before any site: Chinese
    english = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=90)
    english.session_state["wfm_api_url"] = demo_api.url
    english.query_params["lang"] = "en"
    english.run()
    assert [t.value for t in english.title] == ["WFM dashboard"]


def test_the_sites_default_language_and_the_sidebar_pick(demo_api: DemoApi) -> None:
    """Without a pick the page speaks the site's default language; a pick in the sidebar wins
    and is kept for the session."""
    from dashboard.common import forget_cached_reads

    def fresh() -> AppTest:
        forget_cached_reads()  # the sites are cached for two minutes
        at = AppTest.from_file(str(DASHBOARD / "pages/executive.py"), default_timeout=90)
        at.session_state["wfm_api_url"] = demo_api.url
        at.session_state["wfm_token"] = demo_api.tokens["executive"]
        at.run()
        assert_clean(at)
        return at

    assert _site(demo_api)["default_language"] == "zh-CN"
    assert [t.value for t in fresh().title] == ["管理层概览"]
    with demo_api.client("admin") as admin:
        response = admin.patch(f"/v1/sites/{demo_api.site}", json={"default_language": "en"})
        assert response.status_code == 200, response.text
        try:
            at = fresh()
            assert [t.value for t in at.title] == ["Executive"]
            at.selectbox(key="wfm_language_picker").select("zh_CN").run()
            assert_clean(at)
            assert [t.value for t in at.title] == ["管理层概览"]
            assert at.session_state["wfm_language"] == "zh_CN"
            at.run()
            assert [t.value for t in at.title] == ["管理层概览"]
        finally:
            admin.patch(f"/v1/sites/{demo_api.site}", json={"default_language": "zh-CN"})
            forget_cached_reads()


def test_each_queue_keeps_its_colour_on_every_chart(demo_api: DemoApi) -> None:
    from dashboard import frames

    domain, colours = frames.queue_colours(["TECH", "CARE", "CHAT"], "All queues")
    assert domain == ["CARE", "CHAT", "TECH", "All queues"]
    assert colours == [*frames.QUEUE_PALETTE[:3], frames.OVERALL_COLOUR]
    at = run_page(demo_api, "pages/executive.py", "executive")
    scales = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        layers = spec.get("layer", [spec])
        for layer in layers:
            colour = layer.get("encoding", {}).get("color", {})
            if colour.get("field") in ("queue", "queue_code"):
                scale = colour["scale"]
                scales.append(dict(zip(scale["domain"], scale["range"], strict=True)))
    assert len(scales) >= 1
    listed: Any = demo_api.get("/v1/queues", "executive", site=demo_api.site)
    for scale in scales:
        for code in (q["code"] for q in listed):
            assert scale[code] == scales[0][code]
