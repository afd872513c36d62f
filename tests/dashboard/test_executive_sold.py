"""The executive page's "What was sold / 销售实绩" section against the live demo API: with the
demo's dialer attempts its figures are the API's, in English and in Chinese; over days without
attempts it says so instead of drawing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from dashkit import DemoApi
from test_pages import assert_clean, metric, run_page


def _window(at: Any) -> tuple[str, str]:
    first, last = at.date_input(key="exec_range").value
    return first.isoformat(), last.isoformat()


def test_what_was_sold_shows_the_apis_figures(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/executive.py", "executive")
    first, last = _window(at)
    found: Any = demo_api.get(
        "/v1/outbound/results", "executive", site=demo_api.site, start=first, end=last
    )
    total = found["total"]
    assert total["attempts"] > 1000  # the demo's last four history weeks
    assert "What was sold" in [s.value for s in at.subheader]
    # money in the demo site's currency (CNY), in the reader's locale
    assert metric(at, "Revenue") == f"CN¥{total['revenue']:,.0f}"
    assert metric(at, "Conversion") == f"{100 * total['conversion']:.1f}%"
    assert metric(at, "Plan") == "-"  # no published roster over history days
    tables = [d.value for d in at.dataframe if "Segment" in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    expected = len(found["campaigns"]) + len(found["campaign_segments"])
    assert len(table) == expected
    # figures as text in the reader's locale, "-" where there is none; none reads "None"
    attempts = [int(v.replace(",", "")) for v in table["Attempts"]]
    assert sum(attempts) == 2 * total["attempts"]  # campaigns and their segments
    revenue = [float(v.replace("CN¥", "").replace(",", "")) for v in table["Revenue"]]
    assert sum(revenue) == pytest.approx(2 * total["revenue"], abs=len(revenue))
    assert all(v == "-" for v in table["Plan"])  # no published roster over history days
    assert all(v.endswith("%") for v in table["Conversion"])
    assert not any("None" in str(v) or "nan" in str(v) for v in table.to_numpy().ravel())
    specs = [chart.proto.spec.replace(" ", "") for chart in at.get("vega_lite_chart")]
    assert any('"field":"series"' in spec for spec in specs)  # revenue against plan by hour
    assert any('"field":"rate"' in spec for spec in specs)  # conversion by hour
    assert metric(at, "Sell + serve value per paid hour") == "-"  # no roster, no paid hours

    zh = run_page(demo_api, "pages/executive.py", "executive", wfm_language="zh")
    assert "销售实绩" in [s.value for s in zh.subheader]
    assert metric(zh, "销售额") == f"¥{total['revenue']:,.0f}"
    assert metric(zh, "转化率") == f"{100 * total['conversion']:.1f}%"


def test_what_was_sold_without_attempts_says_so(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/executive.py", "executive")
    first, _ = _window(at)
    # the history's first week: before the demo's dialer attempts begin
    report: Any = demo_api.get(
        "/v1/kpis",
        "executive",
        site=demo_api.site,
        start=date.fromisoformat(first) - timedelta(days=60),
        end=date.fromisoformat(first),
        granularity="day",
    )
    days = [p["period"][:10] for p in report["overall"]["points"] if p["intervals"]]
    start = date.fromisoformat(days[0])
    end = start + timedelta(days=6)
    found: Any = demo_api.get(
        "/v1/outbound/results", "executive", site=demo_api.site, start=start, end=end
    )
    assert found["total"]["attempts"] == 0
    at.date_input(key="exec_range").set_value((start, end)).run()
    assert_clean(at)
    assert "What was sold" in [s.value for s in at.subheader]
    assert any("No dialer attempts" in i.value for i in at.info)
    assert not [d for d in at.dataframe if "segment_code" in d.value.columns]
