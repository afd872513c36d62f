"""The ranking of contact reasons (pure): counts, shares, ties, the top cut and the change against
the previous range, on figures worked out by hand."""

from __future__ import annotations

import pytest

from wfm.domain.kpi import rank_contact_reasons


def test_ranking_shares_and_changes() -> None:
    periods = [{"billing": 6, "card_lost": 2}, {}, {"billing": 2, "complaint": 4, "card_lost": 2}]
    ranking = rank_contact_reasons(periods, {"billing": 4, "complaint": 4, "other": 2}, top=10)
    assert ranking.contacts_by_period == (8, 0, 8)
    assert (ranking.contacts, ranking.previous_contacts) == (16, 10)
    assert (ranking.reasons_recorded, ranking.outside_top_count) == (3, 0)
    # card_lost and complaint both have 4: ties go by name
    assert [(f.rank, f.reason, f.count) for f in ranking.top] == [
        (1, "billing", 8),
        (2, "card_lost", 4),
        (3, "complaint", 4),
    ]
    billing, card_lost, complaint = ranking.top
    assert billing.share == pytest.approx(0.5)
    assert billing.counts_by_period == (6, 0, 2)
    assert billing.shares_by_period == (pytest.approx(0.75), None, pytest.approx(0.25))
    assert (billing.previous_count, billing.count_change) == (4, 4)
    assert billing.previous_share == pytest.approx(0.4)
    assert billing.count_change_ratio == pytest.approx(1.0)
    assert billing.share_change == pytest.approx(0.1)
    assert (card_lost.previous_count, card_lost.previous_share) == (0, 0.0)
    assert card_lost.count_change_ratio is None
    assert card_lost.share_change == pytest.approx(0.25)
    assert complaint.count_change == 0 and complaint.share_change == pytest.approx(0.25 - 0.4)


def test_top_cut_keeps_the_totals() -> None:
    periods = [{"a": 5, "b": 3, "c": 1, "d": 1, "zero": 0}]
    ranking = rank_contact_reasons(periods, {}, top=2)
    assert [f.reason for f in ranking.top] == ["a", "b"]
    assert ranking.reasons_recorded == 4  # a reason counted 0 times is not recorded
    assert ranking.outside_top_count == 2
    assert sum(f.count for f in ranking.top) + ranking.outside_top_count == ranking.contacts
    # no previous contacts: previous shares and their changes are undefined
    assert ranking.top[0].previous_share is None and ranking.top[0].share_change is None


def test_no_reasons_and_bad_input() -> None:
    empty = rank_contact_reasons([{}, {}], {}, top=10)
    assert empty.top == () and empty.contacts == 0 and empty.contacts_by_period == (0, 0)
    with pytest.raises(ValueError, match="top"):
        rank_contact_reasons([], {}, top=0)
    with pytest.raises(ValueError, match="billing"):
        rank_contact_reasons([{"billing": -1}], {}, top=3)
