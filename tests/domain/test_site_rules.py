"""Site rules on their own: values out of range and rules that contradict are named by field;
the stored document reads back as the same rules; the standard rules are today's constants."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from wfm.domain.errors import ValidationError
from wfm.domain.site_rules import (
    DEFAULT_SITE_RULES,
    STANDARD_BREAKS,
    BreakSetting,
    SiteRules,
    rules_from_document,
    rules_problems,
    rules_to_document,
    validate_rules,
)

LUNCH = BreakSetting("lunch", 30, 180, 300, min_shift_minutes=360, max_shift_minutes=539)


def test_the_standard_rules_are_valid_and_read_back() -> None:
    assert rules_problems(DEFAULT_SITE_RULES) == []
    assert (
        DEFAULT_SITE_RULES.breaks == STANDARD_BREAKS and DEFAULT_SITE_RULES.start_step_minutes == 30
    )
    assert rules_from_document(rules_to_document(DEFAULT_SITE_RULES)) == DEFAULT_SITE_RULES
    assert rules_from_document({}) == DEFAULT_SITE_RULES


def test_every_field_reads_back() -> None:
    rules = SiteRules(
        start_step_minutes=60,
        shift_lengths_minutes=(480, 540),
        earliest_start_local=time(20),
        latest_end_local=time(8),
        breaks=(LUNCH,),
        min_rest_hours=12.5,
        max_consecutive_days=5,
        min_consecutive_days_off=2,
        weekend_weekdays=(5, 6),
        late_start_from_local=time(18, 30),
        fairness_weight_per_shift=7.0,
        under_target_penalty_per_agent_hour=60.0,
        contract_shortfall_penalty_per_hour=800.0,
        campaign_shortfall_penalty_per_hour=300.0,
    )
    assert validate_rules(rules) is rules
    assert rules_from_document(rules_to_document(rules)) == rules


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"start_step_minutes": 0}, "start_step_minutes"),
        ({"start_step_minutes": 20}, "start_step_minutes"),
        ({"shift_lengths_minutes": ()}, "shift_lengths_minutes"),
        ({"shift_lengths_minutes": (480, 480)}, "shift_lengths_minutes"),
        ({"shift_lengths_minutes": (470,)}, "shift_lengths_minutes[0]"),
        ({"earliest_start_local": time(8)}, "earliest_start_local, latest_end_local"),
        (
            {"earliest_start_local": time(8, 10), "latest_end_local": time(20)},
            "earliest_start_local",
        ),
        (
            {
                "shift_lengths_minutes": (540,),
                "earliest_start_local": time(8),
                "latest_end_local": time(16),
            },
            "shift_lengths_minutes: no length fits the site's hours 08:00-16:00 (480 min)",
        ),
        ({"min_rest_hours": -1.0}, "min_rest_hours"),
        ({"max_consecutive_days": 0}, "max_consecutive_days"),
        ({"min_consecutive_days_off": 8}, "min_consecutive_days_off"),
        ({"weekend_weekdays": (7,)}, "weekend_weekdays"),
        ({"fairness_weight_per_shift": -1.0}, "fairness_weight_per_shift"),
        ({"under_target_penalty_per_agent_hour": float("nan")}, "under_target_penalty"),
        ({"breaks": (replace(LUNCH, kind="nap"),)}, "breaks[0].kind"),
        ({"breaks": (replace(LUNCH, minutes=-30),)}, "breaks[0].minutes"),
        ({"breaks": (replace(LUNCH, max_shift_minutes=300),)}, "breaks[0].max_shift_minutes"),
        (
            {"breaks": (replace(LUNCH, latest_start_after_shift_start_minutes=150),)},
            "breaks[0].latest_start_after_shift_start_minutes",
        ),
    ],
)
def test_bad_values_are_named(change: dict[str, object], named: str) -> None:
    rules = replace(DEFAULT_SITE_RULES, **change)  # type: ignore[arg-type]
    found = rules_problems(rules)
    assert any(problem.startswith(named) for problem in found), found
    with pytest.raises(ValidationError, match=named.split(":")[0].replace("[", r"\[")):
        validate_rules(rules)


def test_a_lunch_window_outside_every_shift_it_applies_to_is_named() -> None:
    # a window ending 570 min after the start runs past the longest shift it applies to
    late = replace(LUNCH, latest_start_after_shift_start_minutes=540)
    assert rules_problems(replace(DEFAULT_SITE_RULES, breaks=(late,))) == [
        "breaks[0]: its window ends 570 min after the shift start, after the longest shift it "
        "applies to (539 min)"
    ]
    # with the site's lengths given, the shifts of those lengths that end before the window
    short = replace(
        DEFAULT_SITE_RULES,
        shift_lengths_minutes=(360, 480),
        breaks=(replace(LUNCH, latest_start_after_shift_start_minutes=420),),
    )
    assert rules_problems(short) == [
        "breaks[0]: its window ends 450 min after the shift start, after the end of the "
        "360-minute shifts it applies to"
    ]
