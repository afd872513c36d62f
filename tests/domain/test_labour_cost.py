"""Labour cost on its own: a week of paid time priced by hand (base rate, evening, night and
weekend premiums, overtime), a night across the autumn clock change, the flexible hours the
objective charges, wages and premiums that are wrong named by field, and any week priced as a
minute-by-minute count of the local clock prices it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.domain.errors import ValidationError
from wfm.domain.labour_cost import (
    PREMIUM_KINDS,
    ContractWage,
    LabourCost,
    Premium,
    WeekCost,
    flexible_hours_cost,
    labour_cost_problems,
    unknown_contracts,
    week_cost,
)
from wfm.domain.site_rules import SiteRules, parse_rules, rules_from_document, rules_to_document

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = (0, 1, 2, 3, 4)
LABOUR = LabourCost(
    wages=(
        ContractWage("PT", 20.0, overtime_after_weekly_paid_hours=30.0, overtime_multiplier=1.5),
        ContractWage("FT", 25.0),
    ),
    premiums=(
        Premium("evening", time(18), time(22), weekdays=WEEKDAYS, multiplier=1.25),  # +5/h
        Premium("night", time(22), time(6), extra_per_hour=4.0),  # +4/h, every day
        Premium("weekend", time(0), time(0), weekdays=(5, 6), multiplier=1.5),  # +10/h
    ),
)


def local(day: int, hour: int) -> datetime:
    """December 2026: day 7 is a Monday."""
    return datetime(2026, 12, day, hour, tzinfo=PARIS).astimezone(UTC)


def test_a_week_priced_by_hand() -> None:
    spans = [
        (local(7, 14), local(7, 18)),  # Mon 14-23 less an unpaid lunch 18-19: 8 h paid,
        (local(7, 19), local(7, 23)),  # 3 h evening (+15), 1 h night (+4)
        (local(9, 8), local(9, 16)),  # Wed 8 h, no premium
        (local(10, 8), local(10, 16)),  # Thu 8 h, no premium
        (local(11, 21), local(12, 1)),  # Fri 21-Sat 01: evening 1 h (+5), night 3 h (+12),
        # weekend 1 h (+10)
        (local(12, 20), local(13, 2)),  # Sat 20-Sun 02: weekend 6 h (+60), night 4 h (+16)
    ]
    cost = week_cost(spans, contract="PT", weekly_paid_hours_max=40.0, labour=LABOUR, zone=PARIS)
    assert cost.paid_hours == pytest.approx(34.0)
    assert cost.base_cost == pytest.approx(34 * 20.0)
    assert cost.premium_cost_by_kind == pytest.approx(
        {"evening": 15 + 5, "night": 4 + 12 + 16, "weekend": 10 + 60}
    )
    assert cost.premium_cost == pytest.approx(122.0)
    # 34 paid hours, overtime after 30: 4 h at 20 x (1.5 - 1) = 10 an hour
    assert cost.overtime_hours == pytest.approx(4.0)
    assert cost.overtime_cost == pytest.approx(40.0)
    assert cost.total_cost == pytest.approx(680 + 122 + 40)


def test_overtime_defaults_to_the_contracts_weekly_maximum() -> None:
    spans = [(local(d, 8), local(d, 17)) for d in (7, 8, 9, 10, 11)]  # 45 h, no premium
    cost = week_cost(spans, contract="FT", weekly_paid_hours_max=40.0, labour=LABOUR, zone=PARIS)
    assert cost.overtime_hours == pytest.approx(5.0)
    assert cost.overtime_cost == pytest.approx(5 * 25 * 0.5)
    assert cost.total_cost == pytest.approx(45 * 25 + 62.5)


def test_a_premium_for_some_contracts_only_and_a_contract_without_wage() -> None:
    labour = LabourCost(
        wages=LABOUR.wages,
        premiums=(Premium("evening", time(18), time(22), extra_per_hour=3.0, contracts=("FT",)),),
    )
    spans = [(local(7, 18), local(7, 22))]
    part = week_cost(spans, contract="PT", weekly_paid_hours_max=40, labour=labour, zone=PARIS)
    full = week_cost(spans, contract="FT", weekly_paid_hours_max=40, labour=labour, zone=PARIS)
    assert part.total_cost == pytest.approx(80.0)
    assert full.total_cost == pytest.approx(4 * 25 + 4 * 3)
    nobody = week_cost(spans, contract="X", weekly_paid_hours_max=40, labour=labour, zone=PARIS)
    assert nobody == WeekCost(paid_hours=4.0)


def test_a_night_across_the_autumn_change_pays_the_repeated_hour() -> None:
    # Paris falls back from 03:00 to 02:00 on Sunday 25 October 2026: 22:00-06:00 is 9 hours
    start = datetime(2026, 10, 24, 22, tzinfo=PARIS).astimezone(UTC)
    end = datetime(2026, 10, 25, 6, tzinfo=PARIS).astimezone(UTC)
    labour = LabourCost(
        wages=(ContractWage("PT", 20.0),),
        premiums=(Premium("night", time(22), time(6), extra_per_hour=4.0),),
    )
    cost = week_cost(
        [(start, end)], contract="PT", weekly_paid_hours_max=40, labour=labour, zone=PARIS
    )
    assert cost.paid_hours == pytest.approx(9.0)
    assert cost.premium_cost == pytest.approx(36.0)


def test_a_span_off_the_quarter_hour_is_priced_to_the_minute() -> None:
    start = local(7, 17).replace(minute=50)
    end = local(7, 18).replace(minute=10)
    cost = week_cost(
        [(start, end)], contract="PT", weekly_paid_hours_max=40, labour=LABOUR, zone=PARIS
    )
    assert cost.paid_hours == pytest.approx(20 / 60)
    assert cost.premium_cost == pytest.approx(5.0 * 10 / 60)  # evening from 18:00 only


def test_the_objective_charges_only_flexible_hours_above_the_minimum() -> None:
    assert flexible_hours_cost(23.0, hourly_rate=20, weekly_paid_hours_min=20, flexible=True) == 60
    assert flexible_hours_cost(19.0, hourly_rate=20, weekly_paid_hours_min=20, flexible=True) == 0
    assert flexible_hours_cost(40.0, hourly_rate=20, weekly_paid_hours_min=40, flexible=False) == 0
    assert flexible_hours_cost(30.0, hourly_rate=0, weekly_paid_hours_min=20, flexible=True) == 0
    # overtime from 22 h at 5 more an hour: 3 h x 20 + 1 h x 5
    overtime = {"overtime_after_hours": 22.0, "overtime_rate_per_hour": 5.0}
    assert (
        flexible_hours_cost(
            23.0, hourly_rate=20, weekly_paid_hours_min=20, flexible=True, **overtime
        )
        == 65
    )
    assert (
        flexible_hours_cost(
            23.0, hourly_rate=20, weekly_paid_hours_min=20, flexible=False, **overtime
        )
        == 0
    )


@pytest.mark.parametrize(
    ("labour", "named"),
    [
        (LabourCost(wages=(ContractWage("PT", -1.0),)), "labour_cost.wages[0].hourly_rate"),
        (
            LabourCost(wages=(ContractWage("PT", 20.0, overtime_extra_per_hour=-2),)),
            "labour_cost.wages[0].overtime_extra_per_hour",
        ),
        (
            LabourCost(wages=(ContractWage("PT", 20.0, overtime_multiplier=0.5),)),
            "labour_cost.wages[0].overtime_multiplier",
        ),
        (
            LabourCost(wages=(ContractWage("PT", 20.0), ContractWage("PT", 21.0))),
            "labour_cost.wages[1].contract",
        ),
        (
            LabourCost(wages=(ContractWage("PT", float("nan")),)),
            "labour_cost.wages[0].hourly_rate",
        ),
        (
            LabourCost(premiums=(Premium("night", time(22, 10), time(6)),)),
            "labour_cost.premiums[0].start_local",
        ),
        (
            LabourCost(premiums=(Premium("shift", time(22), time(6)),)),
            "labour_cost.premiums[0].kind",
        ),
        (
            LabourCost(premiums=(Premium("night", time(22), time(6), weekdays=(7,)),)),
            "labour_cost.premiums[0].weekdays",
        ),
        (
            LabourCost(premiums=(Premium("night", time(22), time(6), extra_per_hour=-4),)),
            "labour_cost.premiums[0].extra_per_hour",
        ),
        (
            LabourCost(premiums=(Premium("night", time(22), time(6), multiplier=0.8),)),
            "labour_cost.premiums[0].multiplier",
        ),
        (
            LabourCost(
                premiums=(
                    Premium("evening", time(18), time(22)),
                    Premium("evening", time(21), time(23), weekdays=(2,)),
                )
            ),
            "labour_cost.premiums[1]: its evening window overlaps premiums[0]'s "
            "(both hold Wed 21:00)",
        ),
        (  # Sunday's night runs into Monday morning
            LabourCost(
                premiums=(
                    Premium("night", time(22), time(6), weekdays=(6,)),
                    Premium("night", time(0), time(2), weekdays=(0,)),
                )
            ),
            "labour_cost.premiums[1]: its night window overlaps premiums[0]'s "
            "(both hold Mon 00:00)",
        ),
    ],
)
def test_wrong_wages_and_premiums_are_named(labour: LabourCost, named: str) -> None:
    found = labour_cost_problems(labour)
    assert any(problem.startswith(named) for problem in found), found
    with pytest.raises(ValidationError, match=r"labour_cost\."):
        parse_rules(rules_to_document(SiteRules(labour_cost=labour)))


def test_windows_of_different_kinds_or_contracts_may_overlap() -> None:
    assert labour_cost_problems(LABOUR) == []
    apart = LabourCost(
        premiums=(
            Premium("evening", time(18), time(22), contracts=("PT",)),
            Premium("evening", time(18), time(22), contracts=("FT",)),
        )
    )
    assert labour_cost_problems(apart) == []


def test_unknown_contracts_are_named() -> None:
    labour = LabourCost(
        wages=(ContractWage("PT", 20.0), ContractWage("Temp", 15.0)),
        premiums=(Premium("night", time(22), time(6), contracts=("PT", "Casual")),),
    )
    found = unknown_contracts(labour, {"PT", "FT"})
    assert [problem.split(":")[0] for problem in found] == [
        "labour_cost.wages[1].contract",
        "labour_cost.premiums[0].contracts",
    ]


def test_the_section_reads_back_and_is_parsed_from_a_file() -> None:
    rules = SiteRules(labour_cost=LABOUR)
    assert rules_from_document(rules_to_document(rules)) == rules
    doc = {
        "labour_cost": {
            "wages": [{"contract": "PT", "hourly_rate": 20}],
            "premiums": [{"kind": "night", "start_local": "22:00", "end_local": "06:00"}],
        }
    }
    parsed = parse_rules(doc).labour_cost
    assert parsed == LabourCost(
        wages=(ContractWage("PT", 20.0),), premiums=(Premium("night", time(22), time(6)),)
    )
    for bad, named in (
        ({"wages": [{"contract": "PT", "hourly_rate": "20"}]}, "labour_cost.wages[0].hourly_rate"),
        ({"wages": [{"contract": "PT"}]}, "labour_cost.wages[0].hourly_rate: required"),
        ({"wages": [{"contract": "PT", "hourly_rate": 1, "bonus": 2}]},
         "labour_cost.wages[0].bonus"),
        ({"premiums": [{"kind": "night", "start_local": "late", "end_local": "06:00"}]},
         "labour_cost.premiums[0].start_local"),
        ({"tips": []}, "labour_cost.tips: unknown field"),
        ([], "labour_cost: must be an object"),
    ):  # fmt: skip
        with pytest.raises(ValidationError, match=named.replace("[", r"\[").replace("]", r"\]")):
            parse_rules({"labour_cost": bad})


def _minute_oracle(
    spans: list[tuple[datetime, datetime]], labour: LabourCost, zone: ZoneInfo
) -> float:
    """The same price counted minute by minute from the local clock, without the slot table."""
    wage = labour.wage_of("PT")
    assert wage is not None
    total = 0.0
    for start, end in spans:
        moment = start
        while moment < end:
            local = moment.astimezone(zone)
            rate = wage.hourly_rate
            for premium in labour.premiums:
                if _holds(premium, local):
                    rate += wage.hourly_rate * (premium.multiplier - 1) + premium.extra_per_hour
            total += rate / 60
            moment += timedelta(minutes=1)
    return total


def _holds(premium: Premium, local: datetime) -> bool:
    """Whether the premium's window, started on this local day or the day before, holds the
    wall-clock minute."""
    minute = local.hour * 60 + local.minute
    begin = premium.start_local.hour * 60 + premium.start_local.minute
    end = premium.end_local.hour * 60 + premium.end_local.minute
    length = (end - begin) % 1440 or 1440
    today, yesterday = local.weekday(), (local.weekday() - 1) % 7
    if today in premium.weekdays and begin <= minute < begin + length:
        return True
    return yesterday in premium.weekdays and minute + 1440 < begin + length


quarter_hours = st.integers(min_value=0, max_value=95).map(lambda q: time(q // 4, q % 4 * 15))


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(["Europe/Paris", "America/New_York", "Asia/Kathmandu", "UTC"]),
    first_day=st.integers(min_value=0, max_value=400),
    shifts=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 95 * 15), st.integers(1, 12 * 60)),
        min_size=1,
        max_size=5,
    ),
    windows=st.lists(
        st.tuples(quarter_hours, quarter_hours, st.sets(st.integers(0, 6), min_size=1)),
        max_size=3,
    ),
)
def test_the_price_is_the_minute_by_minute_price(
    zone: str,
    first_day: int,
    shifts: list[tuple[int, int, int]],
    windows: list[tuple[time, time, set[int]]],
) -> None:
    """Any shifts (any minute, across clock changes, Nepal's quarter-hour offset) and any
    premiums of distinct kinds: the week's price is the oracle's."""
    where = ZoneInfo(zone)
    premiums = []
    for i, (start, end, days) in enumerate(windows):
        premiums.append(
            Premium(PREMIUM_KINDS[i], start, end, tuple(sorted(days)), 1.0 + i / 4, float(i))
        )
    labour = LabourCost(wages=(ContractWage("PT", 20.0),), premiums=tuple(premiums))
    assert labour_cost_problems(labour) == []
    monday = date(2026, 1, 5) + timedelta(days=first_day)
    spans = []
    for day, minute, length in shifts:
        start = datetime.combine(monday + timedelta(days=day), time(0), tzinfo=where)
        begin = (start + timedelta(minutes=minute)).astimezone(UTC)
        spans.append((begin, begin + timedelta(minutes=length)))
    cost = week_cost(spans, contract="PT", weekly_paid_hours_max=1e9, labour=labour, zone=where)
    assert cost.total_cost == pytest.approx(_minute_oracle(spans, labour, where), rel=1e-9)
    assert cost.paid_hours == pytest.approx(
        sum((end - start).total_seconds() for start, end in spans) / 3600
    )
