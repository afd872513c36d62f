"""The site's calendar on the Rules and plans page, run by AppTest against the demo API: a year's
holidays as the forecasts see them (the country's, then the site's own days over them, each
saying where it comes from); the editor's table read back as the API takes it, a bad row named
(in both languages); the form stores the site's days through the API."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from dashkit import DemoApi
from test_pages import assert_clean, button, run_page

from dashboard.holiday_calendar import own_days_body, own_days_view
from dashboard.i18n import use_locale

PLANS = "pages/plans.py"


def _year_rows(at: Any) -> pd.DataFrame:
    [table] = [d.value for d in at.dataframe if "Source" in d.value.columns]
    return table


def test_a_year_shown_and_the_site_s_days_stored(demo_api: DemoApi) -> None:
    site = demo_api.site
    try:
        at = run_page(demo_api, PLANS, "planner")
        assert not [s for s in at.selectbox if s.key == "calendar_year"]  # until switched on
        at.toggle(key="calendar_open").set_value(True).run()
        assert_clean(at)
        year = int(at.selectbox(key="calendar_year").value)
        shown: Any = demo_api.get(f"/v1/sites/{site}/calendar/{year}", "planner")
        table = _year_rows(at)
        assert len(table) == len(shown["days"]) > 0  # the demo's country has holidays
        assert set(table["Source"]) == {"country's calendar"}
        christmas = f"{year}-12-25"
        assert any(d["day"] == christmas for d in shown["days"])

        # the site works Christmas and closes on 2 January: stored through the API
        days = [
            {"day": christmas, "kind": "normal", "name": "open"},
            {"day": f"{year}-01-02", "kind": "holiday", "name": "stocktake"},
        ]
        with demo_api.client("planner") as http:
            assert http.put(f"/v1/sites/{site}/calendar", json={"days": days}).status_code == 200
        at = run_page(demo_api, PLANS, "planner")
        at.toggle(key="calendar_open").set_value(True).run()
        table = _year_rows(at)
        mine = table[table["Source"] == "this site"]
        assert list(mine["Day's name"]) == ["stocktake", "open"]
        assert list(mine["Kind"]) == ["holiday", "ordinary day"]
        # the form stores the table as shown: the same days
        button(at, "Store the site's calendar").click().run()
        assert_clean(at)
        assert any("The site's calendar is stored: 2 days." in s.value for s in at.success), [
            s.value for s in at.success
        ]
        stored: Any = demo_api.get(f"/v1/sites/{site}/calendar", "planner")
        assert [(d["day"], d["kind"], d["name"]) for d in stored] == [
            (f"{year}-01-02", "holiday", "stocktake"),
            (christmas, "normal", "open"),
        ]

        zh = run_page(demo_api, PLANS, "planner", wfm_language="zh")
        assert "站点日历" in [h.value for h in zh.subheader]
    finally:
        with demo_api.client("planner") as http:
            http.put(f"/v1/sites/{site}/calendar", json={"days": []})


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_editor_s_table_as_the_api_takes_it(locale: str) -> None:
    days = [
        {"day": "2027-03-08", "kind": "holiday", "name": "妇女节下午"},
        {"day": "2027-03-13", "kind": "workday", "name": ""},
        {"day": "2027-01-01", "kind": "normal", "name": "open"},
    ]
    with use_locale(locale):
        frame = own_days_view(days)
        assert own_days_body(frame) == days
        # an empty row added and left: skipped; a name with spaces around: trimmed
        grown = pd.concat([frame, pd.DataFrame([{c: None for c in frame.columns}])])
        grown.iloc[0, 2] = "  妇女节下午 "
        assert own_days_body(grown) == days
        bad = frame.copy()
        bad.iloc[1, 0] = "13/03/2027"
        with pytest.raises(ValueError, match="13/03/2027") as raised:
            own_days_body(bad)
        assert (
            ("Row 2" in str(raised.value)) if locale == "en" else ("第 2 行" in str(raised.value))
        )
        unkind = frame.copy()
        unkind.iloc[2, 1] = None
        with pytest.raises(ValueError, match="3"):
            own_days_body(unkind)


def test_the_kinds_shown_are_the_api_s() -> None:
    from dashboard.holiday_calendar import DAY_KINDS
    from wfm.domain import CalendarDayKind

    assert set(DAY_KINDS) == {kind.value for kind in CalendarDayKind}
