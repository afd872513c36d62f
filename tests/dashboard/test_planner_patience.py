"""The planner page shows each queue's patience in use and its source, as the API answers them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dashkit import DemoApi
from test_pages import run_page


def test_planner_shows_the_patience_of_each_queue(demo_api: DemoApi) -> None:
    at = run_page(demo_api, "pages/planner.py", "planner")
    tables = [d.value for d in at.dataframe if "Source" in d.value.columns]
    assert len(tables) == 1
    table = tables[0].set_index("Queue")
    queues: Any = demo_api.get("/v1/queues", "planner", site=demo_api.site)
    assert sorted(table.index) == sorted(q["code"] for q in queues)
    for queue in queues:
        patience = queue["patience"]
        # the demo centre is estimated from its history when it is loaded
        assert patience["source"] == "history"
        row = table.loc[queue["code"]]
        assert row["Source"] == "history"
        assert row["Patience (s)"] == pytest.approx(patience["seconds"], abs=0.05)
        assert row["95 % low (s)"] == pytest.approx(patience["ci_low_seconds"], abs=0.05)
        assert row["95 % high (s)"] == pytest.approx(patience["ci_high_seconds"], abs=0.05)
        assert row["95 % low (s)"] < row["Patience (s)"] < row["95 % high (s)"]
        assert row["Abandoned"] == patience["abandoned_count"] >= 30
        # shown in the site's local time, to the minute
        estimated = datetime.fromisoformat(patience["estimated_at_utc"])
        assert row["Estimated at"].endswith(
            estimated.astimezone(ZoneInfo(demo_api.timezone)).strftime("%H:%M")
        )
    assert any("source site is the site's setting" in c.value for c in at.caption)
