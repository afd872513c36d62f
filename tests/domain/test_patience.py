"""Patience from a queue's history: the estimate against a hand computation, its window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wfm.domain import Queue, Site
from wfm.domain.errors import ValidationError
from wfm.domain.patience import (
    MIN_ABANDONED_FOR_ESTIMATE,
    PatienceHistory,
    end_of_local_day_utc,
    estimate_from_history,
    keep_only_estimates,
    patience_window,
    sum_history,
)
from wfm.domain.queue_model import Patience, PatienceSource

AT = datetime(2025, 3, 10, tzinfo=UTC)
# chi-square quantiles from the published tables, 60 degrees of freedom (2 x 30 abandons)
CHI2_60_UPPER_2_5 = 83.298  # P(X > x) = 0.025
CHI2_60_LOWER_2_5 = 40.482  # P(X < x) = 0.025


def test_estimate_is_total_wait_over_abandons_with_the_chi_square_interval() -> None:
    # 30 intervals: 1 abandon each, answered contacts waited 200 s and the abandoner 100 s
    history = sum_history("sales", [(7, 1, 200.0, 100.0)] * 30)
    assert history == PatienceHistory("sales", 30, 210, 30, 6000.0, 3000.0)
    patience = estimate_from_history(history, estimated_at_utc=AT)
    assert patience is not None
    assert patience.source is PatienceSource.HISTORY
    assert patience.seconds == pytest.approx(9000.0 / 30)  # 300 s
    # exponential patience: 2 * total wait / mean is chi-square with 2 * abandons d.f.
    assert patience.ci_low_seconds == pytest.approx(2 * 9000.0 / CHI2_60_UPPER_2_5, rel=1e-4)
    assert patience.ci_high_seconds == pytest.approx(2 * 9000.0 / CHI2_60_LOWER_2_5, rel=1e-4)
    assert patience.ci_low_seconds == pytest.approx(216.09, abs=0.01)
    assert patience.ci_high_seconds == pytest.approx(444.64, abs=0.01)
    assert (patience.abandoned_count, patience.estimated_at_utc) == (30, AT)


def test_too_few_abandons_give_no_estimate() -> None:
    assert MIN_ABANDONED_FOR_ESTIMATE == 30
    few = sum_history("sales", [(10, 1, 500.0, 50.0)] * 29)
    assert estimate_from_history(few, estimated_at_utc=AT) is None
    assert estimate_from_history(few, estimated_at_utc=AT, min_abandoned=29) is not None
    none = sum_history("sales", [(10, 0, 500.0, 0.0)] * 100)  # no impatience seen at all
    assert estimate_from_history(none, estimated_at_utc=AT, min_abandoned=1) is None
    assert estimate_from_history(sum_history("sales", []), estimated_at_utc=AT) is None


def test_the_interval_narrows_as_abandons_add_up() -> None:
    widths = []
    for abandons in (30, 120, 480):
        history = sum_history("q", [(0, 1, 0.0, 240.0)] * abandons)
        p = estimate_from_history(history, estimated_at_utc=AT)
        assert p is not None and p.seconds == pytest.approx(240.0)
        assert p.ci_low_seconds is not None and p.ci_high_seconds is not None
        assert p.ci_low_seconds < 240.0 < p.ci_high_seconds
        widths.append(p.ci_high_seconds - p.ci_low_seconds)
    assert widths[0] > widths[1] > widths[2]


def test_window_is_whole_local_days_across_a_clock_change() -> None:
    # Paris went back an hour on Sunday 26 October 2025: that day has 25 hours
    end = datetime(2025, 10, 26, 23, tzinfo=UTC)  # Monday 27 October 00:00 in Paris
    window = patience_window(end, "Europe/Paris", 1)
    assert window.start_utc == datetime(2025, 10, 25, 22, tzinfo=UTC)  # Sunday 00:00 CEST
    assert window.end_utc - window.start_utc == end - datetime(2025, 10, 25, 22, tzinfo=UTC)
    week = patience_window(end, "Europe/Paris", 7)
    assert week.start_utc == datetime(2025, 10, 19, 22, tzinfo=UTC)  # Monday 20 October 00:00


def test_end_of_the_local_day_of_the_last_interval() -> None:
    last = datetime(2025, 3, 9, 22, 45, tzinfo=UTC)  # 23:45 on Sunday 9 March in Paris
    assert end_of_local_day_utc(last, "Europe/Paris") == datetime(2025, 3, 9, 23, tzinfo=UTC)
    assert end_of_local_day_utc(last, "UTC") == datetime(2025, 3, 10, tzinfo=UTC)


def test_window_refuses_naive_instants_and_bad_lookbacks() -> None:
    with pytest.raises(ValidationError, match="zone"):
        patience_window(datetime(2025, 3, 10), "UTC", 7)
    with pytest.raises(ValidationError, match="lookback_days"):
        patience_window(AT, "UTC", 0)


def test_only_dated_estimates_are_kept_on_a_queue() -> None:
    typed = Queue("S", "q", "Q", mean_patience_seconds=240.0)
    kept = keep_only_estimates(typed)
    assert kept.mean_patience_seconds is None
    estimated = Queue(
        "S",
        "q",
        "Q",
        mean_patience_seconds=240.0,
        patience_estimated_at_utc=AT,
        patience_ci_low_seconds=200.0,
        patience_ci_high_seconds=290.0,
        patience_abandoned_count=80,
    )
    assert keep_only_estimates(estimated) == estimated
    site = Site(code="S", name="Site", timezone="UTC", default_patience_seconds=95.0)
    assert Patience.of_queue(kept, site) == Patience(95.0, PatienceSource.SITE)
