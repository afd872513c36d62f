"""The demo centre is realistic (shapes and bands from the calibration), consistent and seeded.

The oracles are independent of the generator's arithmetic: the calibrated profiles of the real
bank data (`wfm.tools.demo.calibration`), the public-holiday calendar of the `holidays` package,
fixed realism bands (abandon rate 3-12 %, voice AHT 150-210 s) and the counting identities an ACD's
interval report must satisfy.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest

from wfm.domain import CampaignKind, Channel, IntervalRecord
from wfm.tools.demo import DEFAULT_END_DATE, DemoCentre, generate_demo_centre
from wfm.tools.demo import calibration as cal

VOICE = ("CARE", "TECH")


@pytest.fixture(scope="module")
def centre() -> DemoCentre:
    return generate_demo_centre(weeks=26, agents=120, seed=1)


@pytest.fixture(scope="module")
def zone(centre: DemoCentre) -> ZoneInfo:
    return ZoneInfo(centre.sites[0].timezone)


def local_day_totals(
    history: tuple[IntervalRecord, ...], zone: ZoneInfo, queues: tuple[str, ...] | None = None
) -> dict[date, int]:
    totals: dict[date, int] = defaultdict(int)
    for r in history:
        if queues is None or r.queue_code in queues:
            totals[r.interval_start_utc.astimezone(zone).date()] += r.offered
    return dict(totals)


def public_holidays(centre: DemoCentre) -> holidays.HolidayBase:
    years = range(centre.history_start_local.year, centre.history_end_local.year + 1)
    return holidays.country_holidays(centre.sites[0].country_code, years=years)


# --- the organisation -------------------------------------------------------------------------


def test_site_queues_and_campaigns_have_the_promised_make_up(centre: DemoCentre) -> None:
    (site,) = centre.sites
    ZoneInfo(site.timezone)  # a real IANA zone
    assert site.country_code in holidays.list_supported_countries()
    channels = sorted(q.channel for q in centre.queues)
    assert channels == sorted([Channel.VOICE, Channel.VOICE, Channel.CHAT])
    for queue in centre.queues:
        assert queue.site_code == site.code
        assert 0 < queue.service_level_target <= 1 and queue.service_threshold_seconds > 0
        assert 0 < queue.max_occupancy <= 1
        assert queue.mean_patience_seconds and queue.mean_patience_seconds > 0
        assert queue.value_per_answered_contact > 0
        if queue.channel is Channel.CHAT:
            assert 2 <= queue.chat_concurrency <= 3
        else:
            assert queue.chat_concurrency == 1
    segment_codes = {s.code for s in centre.segments}
    assert len(segment_codes) >= 3
    kinds = sorted(c.kind for c in centre.campaigns)
    assert len(kinds) == 2 and CampaignKind.TELESALES in kinds
    assert kinds[0] != kinds[1]
    for campaign in centre.campaigns:
        assert len(campaign.value_per_productive_hour_by_hour) == 24
        assert campaign.calling_windows
        for window in campaign.calling_windows:
            assert 0 <= window.weekday <= 6 and window.start_local < window.end_local
            # value only inside calling hours
        called_hours = {
            h
            for w in campaign.calling_windows
            for h in range(w.start_local.hour, w.end_local.hour + (w.end_local.minute > 0))
        }
        for hour, value in enumerate(campaign.value_per_productive_hour_by_hour):
            assert value >= 0
            if value > 0:
                assert hour in called_hours
    (telesales,) = [c for c in centre.campaigns if c.kind is CampaignKind.TELESALES]
    assert telesales.segment_code in segment_codes
    values = telesales.value_per_productive_hour_by_hour
    assert max(values[17:21]) > max(values[9:17])  # evenings are worth more


def test_agents_have_mixed_contracts_and_skills(centre: DemoCentre) -> None:
    agents = centre.agents
    assert len(agents) == 120
    assert len({a.code for a in agents}) == 120
    queue_codes = {q.code for q in centre.queues}
    campaign_codes = {c.code for c in centre.campaigns}
    full_time = [a for a in agents if a.contract.days_per_week_min == 5]
    part_time = [a for a in agents if a.contract.days_per_week_max <= 4]
    assert len(full_time) + len(part_time) == len(agents)
    assert 0.55 <= len(full_time) / len(agents) <= 0.85
    for agent in full_time:
        c = agent.contract
        assert 37.5 <= c.weekly_hours_min <= c.weekly_hours_max <= 40
        assert all(480 <= m <= 540 for m in c.shift_lengths_minutes)
    for agent in part_time:
        c = agent.contract
        assert 20 <= c.weekly_hours_min <= c.weekly_hours_max <= 30
        assert 3 <= c.days_per_week_min <= c.days_per_week_max <= 4
        assert all(240 <= m <= 360 for m in c.shift_lengths_minutes)
        # the contract can be met: enough days of long enough shifts
        most = c.days_per_week_max * max(c.shift_lengths_minutes) / 60
        assert most >= c.weekly_hours_min
    for agent in agents:
        assert agent.queue_skills and set(agent.queue_skills) <= queue_codes
        assert set(agent.campaign_skills) <= campaign_codes
        assert agent.hire_date is not None and agent.hire_date <= centre.history_end_local
    voice = [a for a in agents if set(a.queue_skills) & set(VOICE)]
    multi = [a for a in agents if len(a.queue_skills) > 1]
    chat = [a for a in agents if "CHAT" in a.queue_skills]
    sellers = [a for a in agents if a.campaign_skills]
    assert len(voice) / len(agents) >= 0.8
    assert 0.2 <= len(multi) / len(agents) <= 0.6
    assert 0.1 <= len(chat) / len(agents) <= 0.5
    assert 0.2 <= len(sellers) / len(agents) <= 0.7
    for code in campaign_codes:
        assert any(code in a.campaign_skills for a in agents)


def test_agents_work_in_teams_of_one_skill_group(centre: DemoCentre) -> None:
    """Every agent has a team; a team's agents serve the same queues, and teams hold 6 to 12."""
    members: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for agent in centre.agents:
        assert agent.team.startswith("Team ")
        members[agent.team].append(agent.queue_skills)
    assert 8 <= len(members) <= 20
    for team, skills in members.items():
        assert 6 <= len(skills) <= 12, team
        assert len(set(skills)) == 1, team
    again = generate_demo_centre(weeks=2, agents=120, seed=1).agents
    assert [a.team for a in again] == [a.team for a in centre.agents]  # seeded: the same teams


def test_availability_and_time_off_are_usable(centre: DemoCentre) -> None:
    by_code = {a.code: a for a in centre.agents}
    assert centre.availability and centre.time_off
    windows_per_agent: dict[str, list[int]] = defaultdict(list)
    for window in centre.availability:
        agent = by_code[window.agent_code]
        assert 0 <= window.weekday <= 6 and window.start_local < window.end_local
        minutes = (window.end_local.hour - window.start_local.hour) * 60 + (
            window.end_local.minute - window.start_local.minute
        )
        assert minutes >= min(agent.contract.shift_lengths_minutes)
        windows_per_agent[window.agent_code].append(window.weekday)
    for code, weekdays in windows_per_agent.items():
        assert len(set(weekdays)) >= by_code[code].contract.days_per_week_min
    history_end = datetime.combine(
        centre.history_end_local + timedelta(days=1), time(0), ZoneInfo(centre.sites[0].timezone)
    )
    for entry in centre.time_off:
        assert entry.agent_code in by_code
        assert entry.start_utc.utcoffset() == timedelta(0)
        assert history_end <= entry.start_utc < entry.end_utc
    reasons = {entry.reason for entry in centre.time_off}
    assert len(reasons) >= 2


# --- history: shape ---------------------------------------------------------------------------


def test_history_grid_covers_whole_local_days_in_utc(centre: DemoCentre, zone: ZoneInfo) -> None:
    assert centre.history_end_local == DEFAULT_END_DATE
    assert centre.history_end_local.weekday() == 6  # a Sunday
    assert centre.history_start_local == DEFAULT_END_DATE - timedelta(days=26 * 7 - 1)
    per_queue: dict[str, list[datetime]] = defaultdict(list)
    for r in centre.history:
        assert r.interval_minutes == 15
        assert r.interval_start_utc.utcoffset() == timedelta(0)
        per_queue[r.queue_code].append(r.interval_start_utc)
    assert set(per_queue) == {q.code for q in centre.queues}
    first = datetime.combine(centre.history_start_local, time(0), zone).astimezone(UTC)
    end = datetime.combine(centre.history_end_local + timedelta(days=1), time(0), zone)
    for starts in per_queue.values():
        assert starts[0] == first
        assert all(b - a == timedelta(minutes=15) for a, b in zip(starts, starts[1:], strict=False))
        assert starts[-1] + timedelta(minutes=15) == end
    # 96 quarter hours a day, except the day clocks go back (25 hours)
    counts: dict[date, int] = defaultdict(int)
    for start in per_queue["CARE"]:
        counts[start.astimezone(zone).date()] += 1
    odd_days = {d: n for d, n in counts.items() if n != 96}
    assert odd_days == {date(2026, 10, 25): 100}


def test_weekly_shape_follows_the_calibrated_week(centre: DemoCentre, zone: ZoneInfo) -> None:
    totals = local_day_totals(centre.history, zone)
    off = public_holidays(centre)
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for day, total in totals.items():
        if day not in off:
            by_weekday[day.weekday()].append(total)
    means = np.array([np.mean(by_weekday[d]) for d in range(7)])
    calibrated = np.array(cal.DAILY_FACTOR)
    assert np.corrcoef(means, calibrated)[0, 1] > 0.98
    weekday_mean = means[:5].mean()
    # the western week: full Monday-Friday, a short Saturday, a quiet Sunday
    assert 0.25 <= means[5] / weekday_mean <= 0.45
    assert 0.07 <= means[6] / weekday_mean <= 0.22
    assert means[:5].min() > 2 * means[5] > 2 * means[6]


def test_intraday_shape_follows_the_calibrated_profile(centre: DemoCentre, zone: ZoneInfo) -> None:
    slot_totals = np.zeros((7, 48))
    for r in centre.history:
        if r.queue_code in VOICE:
            local = r.interval_start_utc.astimezone(zone)
            slot_totals[local.weekday(), local.hour * 2 + local.minute // 30] += r.offered
    open_slots = slice(14, 46)  # the voice queues take calls 07:00-23:00
    for weekday in range(7):
        observed = slot_totals[weekday, open_slots]
        calibrated = np.array(cal.INTRADAY_SHARE[weekday])[open_slots]
        assert np.corrcoef(observed, calibrated)[0, 1] > 0.95, weekday
        # closed at night
        assert slot_totals[weekday, :14].sum() == 0 and slot_totals[weekday, 46:].sum() == 0
    weekdays = slot_totals[:5].sum(axis=0)
    peak_hour = int(np.argmax(weekdays)) / 2
    assert 9.0 <= peak_hour <= 11.0  # the morning peak of the real data
    # Saturday is a morning day, Sunday an evening one
    saturday, sunday = slot_totals[5], slot_totals[6]
    assert saturday[14:28].sum() > 3 * saturday[28:46].sum()
    assert sunday[34:46].sum() > 3 * sunday[14:34].sum()


def test_public_holidays_are_quieter(centre: DemoCentre, zone: ZoneInfo) -> None:
    totals = local_day_totals(centre.history, zone)
    off = public_holidays(centre)
    holidays_in_range = [d for d in totals if d in off and d.weekday() < 5]
    assert len(holidays_in_range) >= 2
    for day in holidays_in_range:
        same_weekday = [
            t for d, t in totals.items() if d.weekday() == day.weekday() and d not in off
        ]
        assert totals[day] < 0.5 * np.median(same_weekday), day


def test_annual_shape_follows_the_monthly_factors() -> None:
    """Three years (hourly, to stay quick) so the month means rise above the day-to-day noise."""
    years = generate_demo_centre(
        weeks=156, agents=60, seed=5, end_date=date(2025, 12, 28), interval_minutes=60
    )
    zone = ZoneInfo(years.sites[0].timezone)
    totals = local_day_totals(years.history, zone)
    off = public_holidays(years)
    by_month: dict[int, list[int]] = defaultdict(list)
    for day, total in totals.items():
        if day.weekday() < 5 and day not in off:
            by_month[day.month].append(total)
    means = np.array([np.mean(by_month[m]) for m in range(1, 13)])
    assert np.corrcoef(means, np.array(cal.MONTHLY_FACTOR))[0, 1] > 0.75
    # the busiest months (November, December) against the quietest (February, October)
    assert means[10] + means[11] > 1.08 * (means[1] + means[9])


# --- history: outcomes ------------------------------------------------------------------------


def test_abandon_rate_handle_time_and_service_are_in_their_bands(centre: DemoCentre) -> None:
    offered = sum(r.offered for r in centre.history)
    abandoned = sum(r.abandoned for r in centre.history)
    assert 0.03 <= abandoned / offered <= 0.12
    voice = [r for r in centre.history if r.queue_code in VOICE]
    voice_aht = sum(r.handle_seconds for r in voice) / sum(r.answered for r in voice)
    assert 150 <= voice_aht <= 210
    within = sum(r.answered_within_threshold for r in centre.history)
    assert 0.6 <= within / offered <= 0.95
    short = sum(r.short_abandoned for r in centre.history)
    assert 0 < short < 0.3 * abandoned
    # answered callers wait seconds, not minutes, on average
    answered = sum(r.answered for r in centre.history)
    asa = sum(r.wait_seconds_answered for r in centre.history) / answered
    assert 2 <= asa <= 60
    # Erlang A's law P(abandon) = mean wait / mean patience, summed over the history
    for queue in centre.queues:
        records = [r for r in centre.history if r.queue_code == queue.code]
        waited = sum(r.wait_seconds_answered + r.wait_seconds_abandoned for r in records)
        lost = sum(r.abandoned for r in records)
        assert queue.mean_patience_seconds is not None
        assert waited / lost == pytest.approx(queue.mean_patience_seconds, rel=0.15)


def test_volume_fits_the_workforce(centre: DemoCentre) -> None:
    """Inbound handle time takes a real share of the agents' paid hours, not all of them.

    About 70 % of paid time is productive (after breaks, meetings, absence) and inbound queues run
    at 65-85 % occupancy, so pure handle time of 20-50 % of paid hours keeps inbound at roughly
    40-90 % of the productive time, leaving the rest for outbound campaigns.
    """
    weeks = 26
    workload_hours = 0.0
    for queue in centre.queues:
        handle = sum(r.handle_seconds for r in centre.history if r.queue_code == queue.code)
        workload_hours += handle / 3600 / queue.chat_concurrency / weeks
    paid_hours = sum(a.contract.weekly_hours_max for a in centre.agents)
    assert 0.2 <= workload_hours / paid_hours <= 0.5


def test_every_interval_report_adds_up(centre: DemoCentre) -> None:
    for r in centre.history:
        assert r.answered + r.abandoned == r.offered
        assert min(r.offered, r.answered, r.abandoned, r.short_abandoned) >= 0
        assert r.short_abandoned <= r.abandoned
        assert 0 <= r.answered_within_threshold <= r.answered
        assert sum(r.reason_counts.values()) == r.offered
        assert r.handle_seconds >= r.answered  # every answered contact took at least a second
        assert (r.handle_seconds == 0) == (r.answered == 0)
        assert r.wait_seconds_answered >= 0 and r.wait_seconds_abandoned >= 0
        assert (r.abandoned == 0) <= (r.wait_seconds_abandoned == 0)
    reasons: dict[str, set[str]] = {q.code: set() for q in centre.queues}
    for r in centre.history:
        reasons[r.queue_code].update(r.reason_counts)
    assert all(len(names) >= 4 for names in reasons.values())


# --- determinism and arguments ----------------------------------------------------------------


def test_same_seed_same_centre_other_seed_other_data() -> None:
    first = generate_demo_centre(weeks=2, agents=20, seed=7)
    again = generate_demo_centre(weeks=2, agents=20, seed=7)
    other = generate_demo_centre(weeks=2, agents=20, seed=8)
    assert first == again
    assert [r.offered for r in first.history] != [r.offered for r in other.history]
    assert [a.contract.name for a in first.agents] != [a.contract.name for a in other.agents]
    # the design does not depend on the seed
    assert first.queues == other.queues and first.campaigns == other.campaigns


def test_end_date_and_interval_length_are_honoured() -> None:
    hourly = generate_demo_centre(
        weeks=1, agents=10, seed=3, end_date=date(2025, 3, 5), interval_minutes=60
    )
    assert hourly.history_start_local == date(2025, 2, 27)
    assert hourly.history_end_local == date(2025, 3, 5)
    assert all(r.interval_minutes == 60 for r in hourly.history)
    assert len(hourly.history) == 3 * 7 * 24
    zone = ZoneInfo(hourly.sites[0].timezone)
    days = {r.interval_start_utc.astimezone(zone).date() for r in hourly.history}
    assert min(days) == date(2025, 2, 27) and max(days) == date(2025, 3, 5)
    half_hourly = generate_demo_centre(weeks=1, agents=10, seed=3, interval_minutes=30)
    assert len(half_hourly.history) == 3 * 7 * 48


def test_volume_scales_with_the_number_of_agents() -> None:
    small = generate_demo_centre(weeks=2, agents=30, seed=11)
    large = generate_demo_centre(weeks=2, agents=300, seed=11)
    ratio = sum(r.offered for r in large.history) / sum(r.offered for r in small.history)
    assert 8 <= ratio <= 12
    assert len(large.agents) == 300


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"weeks": 0}, "weeks"),
        ({"weeks": 2.5}, "weeks"),
        ({"agents": 0}, "agents"),
        ({"agents": -3}, "agents"),
        ({"seed": -1}, "seed"),
        ({"interval_minutes": 20}, "interval_minutes"),
        ({"end_date": "2026-01-04"}, "end_date"),
        ({"end_date": datetime(2026, 1, 4, tzinfo=UTC)}, "end_date"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} "):
        generate_demo_centre(**kwargs)  # type: ignore[arg-type]


def test_centre_is_frozen(centre: DemoCentre) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        centre.seed = 2  # type: ignore[misc]
