"""What the dialer data says (`wfm.domain.outbound`): recovery of a stated truth, shrinkage,
bounds, the typed fallback and list depletion.

The recovery oracle is the demo generator's stated truth (`wfm.tools.demo.outbound`), not the
estimator's arithmetic: contact rate by segment and hour of week, the team's conversion and sale
value by campaign and segment, and each seller's proficiency relative to its team.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.domain.dialer import AttemptResult, DialerAttempt
from wfm.domain.outbound import (
    MIN_ATTEMPTS,
    MIN_SALES,
    AttemptTable,
    ListDepletion,
    OutboundEstimates,
    campaign_selling_hour_value,
    estimate_contact_rates,
    estimate_outbound,
    selling_hour_value,
    selling_hour_values_by_hour_of_week,
)
from wfm.domain.outbound.conversion import jeffreys, mean_interval
from wfm.domain.outbound.stats import beta_interval, gamma_interval
from wfm.tools.demo.outbound import (
    OutboundTruth,
    demo_outbound_truth,
    generate_outbound_attempts,
    relative_proficiency,
    team_conversion,
    true_contact_rate,
)

AGENTS = [f"A{i:04d}" for i in range(1, 41)]
SELLERS = {"UPGRADE": AGENTS[:28], "NPS": AGENTS[16:]}
MONDAY = date(2026, 10, 5)


@pytest.fixture(scope="module")
def demo() -> tuple[OutboundTruth, OutboundEstimates, int]:
    truth = demo_outbound_truth(SELLERS, seed=7, scale=0.25)
    rows = generate_outbound_attempts(truth, first_day=MONDAY, days=28, seed=7)
    return truth, estimate_outbound(AttemptTable.from_rows(rows, truth.timezone)), len(rows)


def test_contact_rates_recover_the_truth_within_their_intervals(
    demo: tuple[OutboundTruth, OutboundEstimates, int],
) -> None:
    truth, est, _ = demo
    rates = est.contact_rates
    inside, widths, pooled = [], [], []
    for s, segment in enumerate(rates.segments):
        for hour in np.flatnonzero(rates.attempts[s]):
            r = rates.rate(segment, int(hour))
            inside.append(r.low <= true_contact_rate(truth, segment, int(hour)) <= r.high)
            widths.append(r.high - r.low)
            raw = r.successes / r.trials
            pooled.append((r.high - r.low) / (3.92 * np.sqrt(raw * (1 - raw) / r.trials)))
    # NPS calls all three 10-20 and Saturday 10-14; UPGRADE calls PLUS 09-21 and Saturday 10-17
    assert len(inside) == 3 * (5 * 10 + 4) + (5 * 2 + 3)
    assert np.mean(inside) >= 0.9
    assert np.mean(widths) < 0.1  # informative, not wide enough to cover anything
    assert np.mean(pooled) < 0.8  # narrower than each hour's own binomial interval
    # evenings reach people at home: the estimate says so for every segment
    for segment in rates.segments:
        assert rates.rate(segment, 18).estimate > rates.rate(segment, 10).estimate + 0.08


def test_conversion_and_sale_value_recover_the_truth(
    demo: tuple[OutboundTruth, OutboundEstimates, int],
) -> None:
    truth, est, _ = demo
    assert {(e.campaign_code, e.segment_code) for e in est.conversions} == {
        ("UPGRADE", "PLUS"),
        ("NPS", "BASIC"),
        ("NPS", "PLUS"),
        ("NPS", "PREMIUM"),
    }
    covered = 0
    for e in est.conversions:
        campaign = truth.campaign(e.campaign_code)
        conversion = team_conversion(truth, e.campaign_code, e.segment_code)
        value = campaign.mean_sale_value_by_segment[e.segment_code]
        assert e.mean_sale_value is not None and e.value_per_contact is not None
        covered += e.conversion.low <= conversion <= e.conversion.high
        covered += e.mean_sale_value.low <= value <= e.mean_sale_value.high
        assert e.value_per_contact.low <= conversion * value <= e.value_per_contact.high
    assert covered >= 7  # of 8 intervals


def test_agent_proficiency_recovers_the_truth_and_finds_the_stars(
    demo: tuple[OutboundTruth, OutboundEstimates, int],
) -> None:
    truth, est, _ = demo
    relative = relative_proficiency(truth)
    agents = est.proficiencies.agents
    assert len(agents) == len(AGENTS)
    inside = [a.low <= relative[a.agent_code] <= a.high for a in agents]
    assert np.mean(inside) >= 0.9
    stars = {a for a, m in relative.items() if m > 2.5}
    assert len(stars) == 3
    for a in agents:
        assert (a.low > 2.0) == (a.agent_code in stars)  # the stars, and only they, stand out


def _rows(
    spec: list[tuple[str, str, int, int, int]],
    start: datetime = datetime(2026, 3, 2, tzinfo=UTC),
    sale_every: int = 10,
) -> Iterator[dict[str, Any]]:
    """(agent, segment, hour of week, attempts, contacts); a contact sells every `sale_every`-th
    time."""
    i = 0
    for agent, segment, hour_of_week, attempts, contacts in spec:
        for k in range(attempts):
            i += 1
            contact = k < contacts
            sale = contact and k % sale_every == 0
            yield {
                "attempt_id": str(i),
                "attempted_at": start + timedelta(hours=hour_of_week, seconds=k % 3000),
                "agent": agent,
                "campaign": "C",
                "segment": segment,
                "result": "sale" if sale else ("refusal" if contact else "no_answer"),
                "revenue": 50.0 + k % 7 if sale else None,
                "talk_seconds": 200 if contact else 0,
                "wrap_seconds": 30 if contact else 5,
            }


def test_a_sparse_hour_is_pulled_toward_its_daily_profile() -> None:
    # Monday to Friday at 18:00, 300 attempts, 90 reached; Saturday 18:00 (hour 138) three
    # attempts, all reached.
    spec = [("A1", "S", d * 24 + 18, 300, 90) for d in range(5)] + [("A1", "S", 138, 3, 3)]
    rates = estimate_contact_rates(AttemptTable.from_rows(_rows(spec), "UTC"))
    sparse = rates.rate("S", 138)
    assert sparse.trials == 3 and sparse.successes == 3
    assert 0.3 <= sparse.estimate < 0.45  # not 3 / 3
    assert sparse.low < 0.3 < sparse.high
    unseen = rates.rate("S", 3 * 24 + 11)  # no attempts at all at that hour: the segment's rate
    assert unseen.trials == 0 and 0.2 < unseen.estimate < 0.45
    busy = rates.rate("S", 18)
    assert busy.estimate == pytest.approx(0.3, abs=0.02) and busy.high - busy.low < 0.12


def test_an_agent_with_ten_calls_is_not_a_star() -> None:
    # five agents with 1,000 contacts each selling one in ten, one star with 1,000 contacts
    # selling one in three, and a newcomer with ten contacts and five sales
    spec = [(f"A{i}", "S", 18, 1000, 1000) for i in range(5)]
    star = _rows([("STAR", "S", 20, 1000, 1000)], sale_every=3)
    lucky = [
        {
            **row,
            "agent": "NEW",
            "attempt_id": f"n{i}",
            "result": "sale" if i < 5 else "refusal",
            "revenue": 50.0 if i < 5 else None,
        }
        for i, row in enumerate(_rows([("NEW", "S", 19, 10, 10)]))
    ]
    table = AttemptTable.from_rows([*_rows(spec), *star, *lucky], "UTC")
    est = estimate_outbound(table)
    new = est.proficiencies.of("NEW")
    assert new.contacts == 10 and new.sales == 5
    raw = new.sales / new.expected_sales
    assert raw > 3.5  # the team sells 839 of 6,010 contacts
    team = sum(a.sales for a in est.proficiencies.agents) / len(table)  # sales per contact
    assert 1 / 3 / team > 2.2  # the star sells more than twice as well as the team
    star_estimate = est.proficiencies.of("STAR")
    assert star_estimate.low > 1.9  # a thousand contacts: the data carry it
    assert new.estimate - 1 < 0.5 * (raw - 1)  # ten contacts: over half way back to the team
    assert new.low < 1.0 < new.high
    assert new.high - new.low > 1.5 * (star_estimate.high - star_estimate.low)
    unknown = est.proficiencies.of("NOBODY")  # no contacts: the team's prior
    assert unknown.contacts == 0 and unknown.estimate == 1.0


TYPED = tuple(float(h) for h in range(24))


def test_below_the_minimum_the_typed_value_is_used_and_says_so() -> None:
    # 998 attempts, all reached, 100 sales: too few attempts
    est = estimate_outbound(AttemptTable.from_rows(_rows([("A1", "S", 18, 998, 998)]), "UTC"))
    assert est.conversions[0].attempts < MIN_ATTEMPTS <= est.conversions[0].sales * 10
    value = selling_hour_value(
        est,
        agent_code="A1",
        campaign_code="C",
        segment_code="S",
        hour_of_week=24 + 18,
        typed_value_by_hour=TYPED,
    )
    assert value.source == "typed" and value.value_per_productive_hour == 18.0
    assert value.low is None and "below the minimum" in value.reason
    other = selling_hour_value(
        est,
        agent_code="A1",
        campaign_code="OTHER",
        segment_code="S",
        hour_of_week=20,
        typed_value_by_hour=TYPED,
    )
    assert other.source == "typed" and other.value_per_productive_hour == 20.0
    assert "0 attempts" in other.reason
    # 3,000 attempts, 150 reached, 15 sales: too few sales
    est = estimate_outbound(AttemptTable.from_rows(_rows([("A1", "S", 18, 3000, 150)]), "UTC"))
    assert est.conversions[0].attempts >= MIN_ATTEMPTS > est.conversions[0].sales
    value = selling_hour_value(
        est,
        agent_code="A1",
        campaign_code="C",
        segment_code="S",
        hour_of_week=18,
        typed_value_by_hour=TYPED,
    )
    assert value.source == "typed" and "15 sales" in value.reason


def test_with_enough_attempts_the_value_is_estimated_from_its_factors() -> None:
    spec = [("A1", "S", d * 24 + 18, 400, 120) for d in range(5)]
    est = estimate_outbound(AttemptTable.from_rows(_rows(spec), "UTC"))
    pair = est.conversions[0]
    assert pair.attempts >= MIN_ATTEMPTS and pair.sales >= MIN_SALES
    value = selling_hour_value(
        est,
        agent_code="A1",
        campaign_code="C",
        segment_code="S",
        hour_of_week=18,
        typed_value_by_hour=TYPED,
        list_factor=0.5,
    )
    pace = est.pace("C")
    assert pace is not None and pair.mean_sale_value is not None
    contact = est.contact_rates.rate("S", 18).estimate
    proficiency = est.proficiencies.of("A1").estimate
    expected = (
        pace.attempts_per_hour.estimate
        * contact
        * pair.conversion.estimate
        * proficiency
        * pair.mean_sale_value.estimate
        * 0.5
    )
    assert value.source == "estimated"
    assert value.value_per_productive_hour == pytest.approx(expected)
    assert value.low is not None and value.high is not None
    assert value.low < value.value_per_productive_hour < value.high
    # 600 attempts at 18:00 each weekday, 30 % reached, mean handle 0.3 x 230 + 0.7 x 5 s
    assert pace.mean_handle_seconds == pytest.approx(0.3 * 230 + 0.7 * 5)
    assert pace.attempts_per_hour.estimate == pytest.approx(3600 / (72.5 + 20))


def test_naive_times_and_unknown_results_are_refused() -> None:
    row = next(_rows([("A1", "S", 0, 1, 1)]))
    with pytest.raises(ValueError, match="offset"):
        AttemptTable.from_rows([{**row, "attempted_at": datetime(2026, 3, 2)}], "UTC")
    with pytest.raises(ValueError, match="result"):
        AttemptTable.from_rows([{**row, "result": "maybe"}], "UTC")


def test_stored_attempts_make_the_same_table_as_imported_rows() -> None:
    rows = list(_rows([("A1", "S", 18, 30, 12), ("A2", "T", 40, 20, 5)]))
    records = [
        DialerAttempt(
            attempt_id=r["attempt_id"],
            attempted_at_utc=r["attempted_at"],
            agent_code=r["agent"],
            campaign_code=r["campaign"],
            segment_code=r["segment"],
            lead_id=None,
            result=AttemptResult(r["result"]),
            revenue=r["revenue"],
            talk_seconds=r["talk_seconds"],
            wrap_seconds=r["wrap_seconds"],
        )
        for r in rows
    ]
    one = AttemptTable.from_rows(rows, "Europe/Dublin")
    other = AttemptTable.from_records(records, "Europe/Dublin")
    assert (one.segments, one.campaigns, one.agents) == (
        other.segments,
        other.campaigns,
        other.agents,
    )
    for column in ("hour_of_week", "segment", "agent", "contact", "sale", "revenue"):
        assert np.array_equal(getattr(one, column), getattr(other, column))
    assert int(one.contact.sum()) == 17 and int(one.sale.sum()) == 3


def test_no_attempts_estimate_nothing_and_every_value_is_typed() -> None:
    empty = AttemptTable.from_rows([], "UTC")
    assert len(empty) == 0 and empty.segments == ()
    est = estimate_outbound(empty)
    assert est.conversions == () and est.paces == () and est.proficiencies.agents == ()
    value = selling_hour_value(
        est,
        agent_code="A1",
        campaign_code="C",
        segment_code="S",
        hour_of_week=30,
        typed_value_by_hour=TYPED,
    )
    assert value.source == "typed" and value.value_per_productive_hour == 6.0


def test_columns_of_unequal_length_are_refused() -> None:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="one value per attempt"):
        AttemptTable.from_columns(
            attempted_at=[at, at],
            segments=["S"],
            campaigns=["C"],
            agents=["A"],
            results=["sale"],
            revenues=[1.0],
            talk_seconds=[1.0],
            wrap_seconds=[1.0],
            timezone="UTC",
        )


def test_hours_of_week_are_site_local() -> None:
    # Monday 2026-06-01 17:30 UTC is 18:30 in Dublin (summer time)
    row = {
        **next(_rows([("A1", "S", 0, 1, 1)])),
        "attempted_at": datetime(2026, 6, 1, 17, 30, tzinfo=UTC),
    }
    assert AttemptTable.from_rows([row], "Europe/Dublin").hour_of_week.tolist() == [18]
    assert AttemptTable.from_rows([row], "UTC").hour_of_week.tolist() == [17]


# --- properties -------------------------------------------------------------------------------

counts = st.tuples(st.integers(0, 400), st.floats(0, 1)).map(lambda t: (round(t[0] * t[1]), t[0]))


@given(counts)
def test_jeffreys_estimate_is_a_rate_inside_its_interval(xn: tuple[int, int]) -> None:
    x, n = xn
    e = jeffreys(x, n)
    assert 0.0 <= e.low <= e.estimate <= e.high <= 1.0


@given(counts, st.integers(2, 20))
def test_more_data_at_the_same_rate_narrows_the_interval(xn: tuple[int, int], k: int) -> None:
    x, n = xn
    once, more = jeffreys(x, n), jeffreys(k * x, k * n)
    assert more.high - more.low <= once.high - once.low + 1e-12


@given(st.lists(st.floats(0, 1e4), min_size=2, max_size=40), st.integers(2, 10))
def test_sale_value_interval_holds_its_mean_and_narrows_with_more_sales(
    values: list[float], k: int
) -> None:
    once, more = mean_interval(np.array(values)), mean_interval(np.array(values * k))
    assert once is not None and more is not None
    assert 0 <= once.low <= once.estimate + 1e-9 and once.estimate <= once.high + 1e-9
    assert more.estimate == pytest.approx(once.estimate)
    assert more.high - more.low <= once.high - once.low + 1e-9


@given(st.floats(0.5, 500), st.floats(0.5, 500))
def test_beta_and_gamma_intervals_hold_their_mean(a: float, b: float) -> None:
    low, high = beta_interval(a, b)
    assert 0 <= low <= a / (a + b) <= high <= 1
    low, high = gamma_interval(a, b)
    assert 0 <= low <= a / b <= high


cell = st.tuples(st.integers(0, 167), st.integers(0, 60), st.floats(0, 1), st.sampled_from("XY"))


@settings(max_examples=40, deadline=None)
@given(st.lists(cell, min_size=1, max_size=25))
def test_contact_rates_are_rates_inside_their_intervals(
    cells: list[tuple[int, int, float, str]],
) -> None:
    spec = [("A1", seg, hour, n, round(n * share)) for hour, n, share, seg in cells if n > 0]
    if not spec:
        return
    rates = estimate_contact_rates(AttemptTable.from_rows(_rows(spec), "UTC"))
    assert np.all((rates.low >= 0) & (rates.low <= rates.estimate + 1e-12))
    assert np.all((rates.estimate <= rates.high + 1e-12) & (rates.high <= 1))
    assert np.all((rates.profile >= 0) & (rates.profile <= 1))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 300), st.floats(0, 1)), min_size=1, max_size=12))
def test_proficiencies_are_positive_multipliers_inside_their_intervals(
    agents: list[tuple[int, float]],
) -> None:
    spec = [(f"A{i}", "S", 18, n, round(n * share)) for i, (n, share) in enumerate(agents)]
    est = estimate_outbound(AttemptTable.from_rows(_rows(spec), "UTC"))
    for a in est.proficiencies.agents:
        assert 0 <= a.low <= a.estimate <= a.high


# --- list depletion ---------------------------------------------------------------------------


def test_depletion_golden_rounds() -> None:
    d = ListDepletion(
        size_leads=1100,
        max_attempts_per_lead=3,
        cool_off_minutes=240,
        contact_rate=0.2,
        do_not_call_leads=100,
    )
    assert d.callable_fraction(0) == pytest.approx(1000 / 1100)
    assert d.callable_leads(500) == pytest.approx(500 + 400)  # half the first round done
    assert d.callable_leads(1000) == pytest.approx(800)  # round one: 20 % reached
    assert d.callable_leads(1000 + 800) == pytest.approx(640)
    assert d.callable_leads(1000 + 800 + 320) == pytest.approx(320)  # last round: no recall
    assert d.callable_leads(1000 + 800 + 640) == pytest.approx(0.0, abs=1e-9)
    assert d.callable_leads(10_000) == 0.0
    # an hour can call every fresh lead, but each lead tried only once per 4 h cool-off
    assert d.list_factor(1000, attempts_wanted=100) == pytest.approx(min(1.0, 800 * 0.25 / 100))
    assert d.list_factor(2400, attempts_wanted=100) == pytest.approx(40 * 0.25 / 100)


depletion = st.builds(
    ListDepletion,
    size_leads=st.integers(0, 5000),
    max_attempts_per_lead=st.integers(1, 8),
    cool_off_minutes=st.floats(0, 2880),
    contact_rate=st.floats(0, 1),
    do_not_call_leads=st.integers(0, 500),
)


@given(depletion, st.lists(st.floats(0, 50_000), min_size=2, max_size=10), st.floats(1, 500))
def test_depletion_never_rises_as_attempts_accumulate(
    d: ListDepletion, attempts: list[float], wanted: float
) -> None:
    ordered = sorted(attempts)
    fractions = [d.callable_fraction(a) for a in ordered]
    factors = [d.list_factor(a, wanted) for a in ordered]
    assert all(0.0 <= f <= 1.0 for f in fractions + factors)
    assert all(b <= a + 1e-9 for a, b in zip(fractions, fractions[1:], strict=False))
    assert all(b <= a + 1e-9 for a, b in zip(factors, factors[1:], strict=False))


def test_the_demo_centre_values_an_evening_hour_above_a_morning_one_and_a_star_above_all(
    demo: tuple[OutboundTruth, OutboundEstimates, int],
) -> None:
    truth, est, _ = demo
    typed = [0.0] * 24
    relative = relative_proficiency(truth)
    star = max(SELLERS["UPGRADE"], key=relative.__getitem__)
    plain = min(SELLERS["UPGRADE"], key=lambda a: abs(relative[a] - 1))
    week = selling_hour_values_by_hour_of_week(
        est,
        agent_code=plain,
        campaign_code="UPGRADE",
        segment_code="PLUS",
        typed_value_by_hour=typed,
    )
    assert len(week) == 168
    # estimated where PLUS is called (09-21 on some day, Sunday included), typed at night
    called = {h for h in range(168) if 9 <= h % 24 < 21}
    assert {h for h, v in enumerate(week) if v.source == "estimated"} == called
    assert "at 03:00 on any day, below the minimum" in week[3].reason
    assert week[18].value_per_productive_hour > 1.5 * week[10].value_per_productive_hour
    starred = selling_hour_value(
        est,
        agent_code=star,
        campaign_code="UPGRADE",
        segment_code="PLUS",
        hour_of_week=18,
        typed_value_by_hour=typed,
    )
    assert starred.value_per_productive_hour > 2.5 * week[18].value_per_productive_hour
    # the list's factor: the segment's overall contact rate drives its depletion
    depletion = ListDepletion(
        size_leads=3000,
        max_attempts_per_lead=3,
        cool_off_minutes=240,
        contact_rate=est.contact_rates.overall("PLUS"),
    )
    pace = est.pace("UPGRADE")
    assert pace is not None
    assert depletion.list_factor(0, pace.attempts_per_hour.estimate) == 1.0
    late = depletion.list_factor(7000, pace.attempts_per_hour.estimate)  # in the third round
    assert 0 < late < 1
    assert depletion.list_factor(7200, pace.attempts_per_hour.estimate) == 0.0


def test_a_campaign_over_several_segments_weighs_them_by_share(
    demo: tuple[OutboundTruth, OutboundEstimates, int],
) -> None:
    _, est, _ = demo
    typed = [1.0] * 24
    one = {
        s: selling_hour_value(
            est,
            agent_code="A0020",
            campaign_code="NPS",
            segment_code=s,
            hour_of_week=18,
            typed_value_by_hour=typed,
        )
        for s in ("BASIC", "PREMIUM")
    }
    mixed = campaign_selling_hour_value(
        est,
        agent_code="A0020",
        campaign_code="NPS",
        segment_shares={"BASIC": 3, "PREMIUM": 1},
        hour_of_week=18,
        typed_value_by_hour=typed,
    )
    assert mixed.source == "estimated"
    assert mixed.value_per_productive_hour == pytest.approx(
        0.75 * one["BASIC"].value_per_productive_hour
        + 0.25 * one["PREMIUM"].value_per_productive_hour
    )
    assert mixed.low is not None and mixed.high is not None
    assert mixed.low < mixed.value_per_productive_hour < mixed.high
    # a segment the campaign never called: the campaign's typed value, saying which
    unknown = campaign_selling_hour_value(
        est,
        agent_code="A0020",
        campaign_code="UPGRADE",
        segment_shares={"PLUS": 1, "BASIC": 1},
        hour_of_week=18,
        typed_value_by_hour=typed,
    )
    assert unknown.source == "typed" and unknown.value_per_productive_hour == 1.0
    assert "UPGRADE to BASIC" in unknown.reason
