"""Agents serving per queue and interval, planned and by their states: hand-counted days."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from intraday_testkit import ev, t

from wfm.domain import Activity
from wfm.domain.intraday import PlanSpan
from wfm.domain.intraday.serving import actual_servers, scheduled_servers

STARTS = [t("09:00") + timedelta(minutes=15 * i) for i in range(6)]  # 09:00 .. 10:15


def test_planned_servers_are_counted_for_the_share_of_each_interval() -> None:
    plans = {
        "A1": [PlanSpan(t("09:00"), t("10:00"), Activity.SERVE, queue_code="Q1")],
        # no queue on the span: the agent's default queue; half of 09:30-09:45 on it
        "A2": [
            PlanSpan(t("09:00"), t("09:37", 30), Activity.SELL, campaign_code="C1"),
            PlanSpan(t("09:37", 30), t("10:30"), Activity.SERVE),
        ],
    }
    got = scheduled_servers(plans, {"A1": "Q1", "A2": "Q2"}, ["Q1", "Q2"], STARTS, 15)
    np.testing.assert_allclose(got["Q1"], [1, 1, 1, 1, 0, 0])
    np.testing.assert_allclose(got["Q2"], [0, 0, 0.5, 1, 1, 1])


def test_serving_by_the_states_counts_elapsed_time_only() -> None:
    plan = [
        PlanSpan(t("09:00"), t("10:00"), Activity.SERVE, queue_code="Q1"),
        PlanSpan(t("10:00"), t("11:00"), Activity.SELL, campaign_code="C1"),
    ]
    events = {
        "A1": [
            ev(t("08:55"), "logged_out"),
            ev(t("09:05"), "ready"),
            ev(t("09:35"), "break"),
            ev(t("09:50"), "ready"),
        ]
    }
    got = actual_servers(events, {"A1": plan}, {"A1": "Q2"}, ["Q1", "Q2"], STARTS, 15, t("10:07"))
    # 09:05-09:15 of 15 min, all of the next, 5 min, 10 min; after 10:00 the plan sells, so
    # serving counts for the default queue Q2: 7 of the 7 elapsed minutes; 10:15 not begun.
    np.testing.assert_allclose(got["Q1"][:5], [10 / 15, 1, 5 / 15, 10 / 15, 0])
    np.testing.assert_allclose(got["Q2"][:5], [0, 0, 0, 0, 1])
    assert np.isnan(got["Q1"][5]) and np.isnan(got["Q2"][5])
