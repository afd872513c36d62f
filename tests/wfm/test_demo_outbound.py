"""The demo centre's outbound truth and the dialer attempts generated from it: seeded, in the
import format, obeying each lead list's recontact rules, and stating what docs/demo-centre.md
("Outbound") says."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from wfm.domain.dialer import ATTEMPT_FIELDS, ATTEMPT_RESULTS, CONTACT_RESULTS
from wfm.tools.demo import generate_demo_centre
from wfm.tools.demo.outbound import (
    OutboundTruth,
    demo_centre_outbound,
    demo_outbound_truth,
    generate_outbound_attempts,
    relative_proficiency,
    true_contact_rate,
)

AGENTS = [f"A{i:04d}" for i in range(1, 41)]
SELLERS = {"UPGRADE": AGENTS[:28], "NPS": AGENTS[16:]}
FIELDS = set(ATTEMPT_FIELDS)  # the dialer import's format
RESULTS = set(ATTEMPT_RESULTS)
REACHED = set(CONTACT_RESULTS)


@pytest.fixture(scope="module")
def truth() -> OutboundTruth:
    return demo_outbound_truth(SELLERS, seed=3, scale=0.1)


@pytest.fixture(scope="module")
def rows(truth: OutboundTruth) -> list[dict[str, Any]]:
    return generate_outbound_attempts(truth, first_day=date(2026, 10, 19), days=14, seed=3)


def test_the_same_seed_gives_the_same_attempts(
    truth: OutboundTruth, rows: list[dict[str, Any]]
) -> None:
    again = generate_outbound_attempts(truth, first_day=date(2026, 10, 19), days=14, seed=3)
    assert again == rows
    other = generate_outbound_attempts(truth, first_day=date(2026, 10, 19), days=14, seed=4)
    assert other != rows


def test_attempts_are_in_the_import_format(rows: list[dict[str, Any]]) -> None:
    assert len(rows) > 5_000
    assert len({r["attempt_id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == FIELDS
        assert r["result"] in RESULTS
        assert isinstance(r["attempted_at"], datetime) and r["attempted_at"].utcoffset() is not None
        assert r["talk_seconds"] >= 0 and r["wrap_seconds"] >= 0
        if r["result"] == "sale":
            assert r["revenue"] > 0
        else:
            assert r["revenue"] is None
        assert (r["talk_seconds"] > 0) == (r["result"] in REACHED)
    assert {r["result"] for r in rows} == RESULTS


def test_calls_keep_to_calling_hours_and_recontact_rules(
    truth: OutboundTruth, rows: list[dict[str, Any]]
) -> None:
    zone = ZoneInfo(truth.timezone)
    by_lead: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        campaign = truth.campaign(r["campaign"])
        local = r["attempted_at"].astimezone(zone)
        assert any(
            d == local.weekday() and first <= local.hour < end
            for d, first, end in campaign.calling_hours
        )
        assert r["agent"] in truth.sellers[r["campaign"]]
        by_lead[r["lead_id"]].append(r)
    for calls in by_lead.values():
        campaign = truth.campaign(calls[0]["campaign"])
        assert len(calls) <= campaign.max_attempts_per_lead
        for before, after in zip(calls, calls[1:], strict=False):
            assert before["result"] not in REACHED  # a lead reached is not called again
            gap = after["attempted_at"] - before["attempted_at"]
            assert gap >= timedelta(minutes=campaign.cool_off_minutes)


def test_a_small_list_runs_out(truth: OutboundTruth) -> None:
    upgrade = dataclasses.replace(truth.campaign("UPGRADE"), list_size_by_segment={"PLUS": 200})
    small = dataclasses.replace(truth, campaigns=(upgrade,))
    rows = generate_outbound_attempts(small, first_day=date(2026, 10, 19), days=14, seed=1)
    assert len({r["lead_id"] for r in rows}) == 200
    assert len(rows) <= 200 * upgrade.max_attempts_per_lead
    assert max(r["attempted_at"] for r in rows) < datetime.fromisoformat("2026-10-21T00:00Z")


def test_the_stated_truth(truth: OutboundTruth) -> None:
    proficiency = np.array([truth.proficiency[a] for a in AGENTS])
    assert proficiency.mean() == pytest.approx(1.0)
    stars = proficiency[proficiency > 2]
    assert len(stars) == 3 and np.all(stars > 3 * np.median(proficiency))
    relative = relative_proficiency(truth)
    assert sorted(relative, key=relative.__getitem__)[-3:] == sorted(
        (a for a in AGENTS if truth.proficiency[a] > 2), key=relative.__getitem__
    )
    for segment in ("BASIC", "PLUS", "PREMIUM"):
        # evenings reach people at home; Saturday more than Friday
        assert true_contact_rate(truth, segment, 18) > 1.5 * true_contact_rate(truth, segment, 10)
        assert true_contact_rate(truth, segment, 5 * 24 + 12) > true_contact_rate(
            truth, segment, 4 * 24 + 12
        )


def test_a_truth_that_would_sell_to_more_than_everyone_is_refused(truth: OutboundTruth) -> None:
    nps = dataclasses.replace(
        truth.campaign("NPS"), conversion_by_segment={"BASIC": 0.5, "PLUS": 0.2, "PREMIUM": 0.2}
    )
    with pytest.raises(ValueError, match="more than 1"):
        generate_outbound_attempts(
            dataclasses.replace(truth, campaigns=(nps,)),
            first_day=date(2026, 10, 19),
            days=1,
            seed=1,
        )


def test_the_truth_names_the_demo_centres_campaigns_and_segments() -> None:
    centre = generate_demo_centre(weeks=1, agents=24, seed=1)
    truth, rows = demo_centre_outbound(centre.agents, first_day=date(2026, 11, 9), days=7, seed=1)
    skills = {a.code: a.campaign_skills for a in centre.agents}
    assert rows and all(r["campaign"] in skills[r["agent"]] for r in rows)
    assert truth.campaign("UPGRADE").attempts_per_hour == pytest.approx(400.0 * 24 / 120)
    assert {c.code for c in truth.campaigns} == {c.code for c in centre.campaigns}
    assert {s.code for s in truth.segments} == {s.code for s in centre.segments}
    for campaign in centre.campaigns:
        stated = truth.campaign(campaign.code)
        if campaign.segment_code is not None:
            assert set(stated.segment_shares) == {campaign.segment_code}
        for weekday, first, end in stated.calling_hours:  # inside the campaign's calling windows
            assert any(
                w.weekday == weekday and w.start_local.hour <= first and end <= w.end_local.hour
                for w in campaign.calling_windows
            )
