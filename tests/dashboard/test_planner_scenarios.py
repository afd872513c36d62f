"""The planner's scenario comparison: a row per figure, the base's column, then each variant's
figure and its difference to the base, in English and Chinese; "-" where a figure is null."""

from __future__ import annotations

import pytest

from dashboard import i18n
from dashboard.scenarios import FIGURES, comparison_table

COMPARISON = {
    "base": {
        "name": "base",
        "figures": {"answer_rate": 0.9, "service_level": 0.8, "agents": 10, "labour_cost": None},
    },
    "variants": [
        {
            "name": "volume +10%",
            "figures": {"answer_rate": 0.85, "service_level": 0.7, "agents": 10},
            "difference": {"answer_rate": -0.05, "service_level": -0.1, "agents": 0},
        }
    ],
}


@pytest.mark.parametrize("locale", [i18n.EN, i18n.ZH])
def test_each_figure_beside_the_base_with_its_difference(
    locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "current_locale", lambda: locale)
    table = comparison_table(COMPARISON)
    assert len(table) == len(FIGURES)
    base, variant, delta = table.columns[1:]
    assert base == i18n.t("Base") and variant == "volume +10%"
    first = table.iloc[0]
    assert (first[base], first[variant], first[delta]) == ("90.0%", "85.0%", "-5.0%")
    agents = table.iloc[list(FIGURES).index("agents")]
    assert agents[delta] == "+0"
    labour = table.iloc[list(FIGURES).index("labour_cost")]
    assert (labour[base], labour[delta]) == ("-", "-")
