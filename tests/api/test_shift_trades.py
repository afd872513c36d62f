"""Shift swaps and trades over real HTTP, on each database backend: an agent offers their own
future published shift, others see the offers they could take, one takes it (given away, or
swapped for one of theirs); the trade is checked with the roster's rules for both agents' weeks,
refused naming each broken rule with nothing written, and otherwise changes the published
roster (a new published version) at once, or after a planner's approval when the site needs
it. The published roster after a trade is checked from scratch with the roster's evaluation."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from apikit import ApiServer, ok
from sqlalchemy import select
from swapkit import (
    Centre,
    agent_client,
    at,
    built,
    could_work,
    flexible,
    loosen,
    minutes,
    move_clock,
    published_id,
    rests,
    skills_of,
    violations,
)

from wfm.db.models import NotificationEventRow
from wfm.db.repositories import ScheduleRepository
from wfm.db.session import unit_of_work
from wfm.domain import ScheduleStatus
from wfm.services import schedule_edits


def _give_aways(centre: Centre) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(giver, shift, taker): the taker is free that day, could work the shift and keeps 11
    hours' rest with it."""
    for shift in sorted(centre.shifts, key=lambda s: (s["shift_date"], s["agent_code"])):
        giver = shift["agent_code"]
        for taker in sorted(centre.agents):
            if (
                taker != giver
                and centre.shift(taker, shift["shift_date"]) is None
                and could_work(centre, taker, shift)
                and rests([*centre.of(taker), shift])
            ):
                yield giver, shift, taker


def _swaps(centre: Centre) -> Iterator[tuple[str, str, str]]:
    """(agent, other, day): both work the day and each could work the other's shift keeping 11
    hours' rest."""
    for shift in sorted(centre.shifts, key=lambda s: (s["shift_date"], s["agent_code"])):
        mine, day = shift["agent_code"], shift["shift_date"]
        for other in sorted(centre.agents):
            theirs = centre.shift(other, day)
            if other == mine or theirs is None or theirs["start_utc"] == shift["start_utc"]:
                continue
            kept_a = [s for s in centre.of(mine) if s["shift_date"] != day]
            kept_b = [s for s in centre.of(other) if s["shift_date"] != day]
            if (
                could_work(centre, mine, theirs)
                and could_work(centre, other, shift)
                and rests([*kept_a, theirs])
                and rests([*kept_b, shift])
            ):
                yield mine, other, day


def _refused(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert field in {e.get("field") for e in body["errors"]} | {body["error"]}, body
    return body


def _roster(client: httpx.Client, schedule_id: int) -> dict[str, Any]:
    found = ok(client.get(f"/v1/schedules/{schedule_id}"))
    assert isinstance(found, dict)
    return found


def _same_but(
    before: list[dict[str, Any]], after: list[dict[str, Any]], moved: dict[tuple[str, str], str]
) -> None:
    """`after` is `before` with each shift (agent, day) in `moved` now the named agent's."""
    expected = sorted(
        (
            moved.get((s["agent_code"], s["shift_date"]), s["agent_code"]),
            s["start_utc"],
            s["end_utc"],
        )
        for s in before
    )
    got = sorted((s["agent_code"], s["start_utc"], s["end_utc"]) for s in after)
    assert got == expected
    activities = {(s["start_utc"], s["agent_code"]): s["activities"] for s in after}
    for s in before:
        owner = moved.get((s["agent_code"], s["shift_date"]), s["agent_code"])
        assert activities[(s["start_utc"], owner)] == s["activities"]


def test_an_agent_gives_a_shift_away_checked_by_the_roster_rules(api: ApiServer) -> None:
    centre = built(api)
    giver, shift, taker = next(_give_aways(centre))
    day = shift["shift_date"]
    busy = next(
        s["agent_code"]
        for s in centre.shifts
        if s["shift_date"] == day and s["agent_code"] != giver
    )
    with (
        api.client("planner") as planner,
        agent_client(api, giver) as mine,
        agent_client(api, taker) as other,
        agent_client(api, busy) as third,
    ):
        offer = ok(
            mine.post("/v1/me/shift-offers", json={"shift_date": day, "mode": "give_away"}), 201
        )
        assert isinstance(offer, dict)
        assert (offer["agent_code"], offer["status"], offer["shift_date"]) == (giver, "open", day)
        assert at(offer["shift_start_utc"]) == at(shift["start_utc"])
        # the same shift twice, a day without a shift, a field the body does not know
        _refused(mine.post("/v1/me/shift-offers", json={"shift_date": day}), 409, "conflict")
        free = next(
            str(centre.week_start + timedelta(days=d))
            for d in range(7)
            if centre.shift(giver, str(centre.week_start + timedelta(days=d))) is None
        )
        _refused(
            mine.post("/v1/me/shift-offers", json={"shift_date": free}), 422, "body.shift_date"
        )
        _refused(
            mine.post("/v1/me/shift-offers", json={"shift_date": day, "agent_code": busy}),
            422,
            "body.agent_code",
        )
        # the contracts as they are: the giver would fall short of their weekly hours and days
        take = f"/v1/me/shift-offers/{offer['id']}/take"
        short = _refused(other.post(take, json={}), 422, "rule.contract_days_min")
        assert {"rule.contract_hours_min", "rule.contract_days_min"} <= {
            e["field"] for e in short["errors"] if e["value"] == giver
        }

        # contracts with room for a day more or less: the give-away can keep them
        loosen(planner, centre, [giver, taker], shift)
        before = violations(api, centre.schedule_id)
        # the taker sees it with the offerer's code and name and the shift only
        seen = ok(other.get("/v1/me/shift-offers"))
        assert isinstance(seen, list) and [o["id"] for o in seen] == [offer["id"]]
        assert set(seen[0]) == set(offer)
        assert ok(mine.get("/v1/me/shift-offers")) == []
        own = ok(mine.get("/v1/me/shift-offers", params={"mine": True}))
        assert [o["id"] for o in own] == [offer["id"]]  # type: ignore[union-attr]

        # refused: one's own offer, a swap of a give-away, a taker who works that day
        _refused(mine.post(take, json={}), 422, "body.offer_id")
        _refused(other.post(take, json={"taker_shift_date": day}), 422, "body.taker_shift_date")
        broken = _refused(third.post(take, json={}), 422, "rule.one_shift_a_day")
        assert broken["error"] == "rule_violation"
        assert busy in {e["value"] for e in broken["errors"]}
        # ... and nothing was written
        assert published_id(planner, centre.site, centre.week_start) == centre.schedule_id
        assert ok(planner.get("/v1/shift-trades", params={"site": centre.site})) == []
        own = ok(mine.get("/v1/me/shift-offers", params={"mine": True}))
        assert [o["status"] for o in own] == ["open"]  # type: ignore[union-attr]

        trade = ok(other.post(take, json={}), 201)
        assert isinstance(trade, dict)
        assert (trade["status"], trade["kind"]) == ("accepted", "give_away")
        assert trade["changed_agents"] == sorted([giver, taker])
        _refused(third.post(take, json={}), 409, "conflict")  # taken: nobody else can

        # the published roster is a new version: the shift is the taker's, all else as it was
        now_published = published_id(planner, centre.site, centre.week_start)
        assert trade["schedule_ids"] == [now_published] and now_published != centre.schedule_id
        old = _roster(planner, centre.schedule_id)
        new = _roster(planner, now_published)
        assert old["status"] == "archived" and new["status"] == "published"
        assert new["version"] == old["version"] + 1
        assert "shift trade" in new["summary"]["edit"]
        _same_but(old["shifts"], new["shifts"], {(giver, day): taker})
        # the oracle: no rule broken that the roster did not already break
        assert violations(api, now_published) - before == Counter()
        week = {"week_start": str(centre.week_start)}
        mine_now = ok(mine.get("/v1/me/schedule", params=week))
        theirs_now = ok(other.get("/v1/me/schedule", params=week))
        assert day not in {s["shift_date"] for s in mine_now}  # type: ignore[union-attr]
        assert day in {s["shift_date"] for s in theirs_now}  # type: ignore[union-attr]
        assert [t["id"] for t in ok(other.get("/v1/me/shift-trades"))] == [trade["id"]]  # type: ignore[union-attr]
        assert ok(third.get("/v1/me/shift-trades")) == []


def test_offers_are_cancelled_expire_and_stay_the_agents_own(api: ApiServer) -> None:
    centre = built(api, agents=10, seed=5)
    giver = centre.shifts[0]["agent_code"]
    days = [s["shift_date"] for s in centre.of(giver)]
    other = next(code for code in sorted(centre.agents) if code != giver)
    with (
        agent_client(api, giver) as mine,
        agent_client(api, other) as them,
        api.client("planner") as planner,
        api.client("admin") as admin,
    ):
        offer = ok(mine.post("/v1/me/shift-offers", json={"shift_date": days[0]}), 201)
        assert isinstance(offer, dict)
        # another agent can neither cancel it nor read the giver's data
        _refused(them.delete(f"/v1/me/shift-offers/{offer['id']}"), 404, "not_found")
        _refused(them.get(f"/v1/agents/{giver}/availability"), 403, "forbidden")
        _refused(them.get(f"/v1/agents/{giver}/preferences"), 403, "forbidden")
        _refused(them.get("/v1/shift-trades", params={"site": centre.site}), 403, "forbidden")
        _refused(them.post("/v1/shift-trades/1/decision", json={"approve": True}), 403, "forbidden")
        # tokens of no agent: planners lack self-service, an admin's token has no agent
        _refused(planner.get("/v1/me/shift-offers"), 403, "forbidden")
        _refused(admin.get("/v1/me/shift-offers"), 404, "not_found")
        cancelled = ok(mine.delete(f"/v1/me/shift-offers/{offer['id']}"))
        assert isinstance(cancelled, dict) and cancelled["status"] == "cancelled"
        _refused(mine.delete(f"/v1/me/shift-offers/{offer['id']}"), 409, "conflict")
        _refused(them.post(f"/v1/me/shift-offers/{offer['id']}/take", json={}), 409, "conflict")

        # an offer expires when its shift starts; a shift that has started can't be offered
        later = ok(mine.post("/v1/me/shift-offers", json={"shift_date": days[1]}), 201)
        assert isinstance(later, dict)
        move_clock(api, centre.site, at(later["shift_start_utc"]) + timedelta(minutes=1))
        assert later["id"] not in {o["id"] for o in ok(them.get("/v1/me/shift-offers"))}  # type: ignore[union-attr]
        expired = _refused(
            them.post(f"/v1/me/shift-offers/{later['id']}/take", json={}), 409, "conflict"
        )
        assert "expired" in expired["detail"]
        _refused(
            mine.post("/v1/me/shift-offers", json={"shift_date": days[0]}), 422, "body.shift_date"
        )
        assert published_id(planner, centre.site, centre.week_start) == centre.schedule_id


def test_a_site_that_needs_approval_keeps_swaps_waiting_for_a_planner(api: ApiServer) -> None:
    centre = built(api)
    swaps = _swaps(centre)
    first = next(swaps)
    second = next(s for s in swaps if s[2] != first[2] and not {s[0], s[1]} & {first[0], first[1]})
    with api.client("planner") as planner:
        site = ok(planner.patch(f"/v1/sites/{centre.site}", json={"swaps_need_approval": True}))
        assert isinstance(site, dict) and site["swaps_need_approval"] is True
        for a, b, day in (first, second):
            pair = [centre.shift(a, day), centre.shift(b, day)]
            loosen(planner, centre, [a, b], *[s for s in pair if s is not None])
        before = violations(api, centre.schedule_id)
        trades = []
        for mine_code, other_code, day in (first, second):
            with agent_client(api, mine_code) as mine, agent_client(api, other_code) as other:
                body = {"shift_date": day, "mode": "swap_only"}
                offer = ok(mine.post("/v1/me/shift-offers", json=body), 201)
                assert isinstance(offer, dict)
                take = f"/v1/me/shift-offers/{offer['id']}/take"
                _refused(other.post(take, json={}), 422, "body.taker_shift_date")
                trade = ok(other.post(take, json={"taker_shift_date": day}), 201)
                assert isinstance(trade, dict)
                assert (trade["status"], trade["kind"]) == ("pending_approval", "swap")
                assert trade["changed_agents"] == [] and trade["schedule_ids"] == []
                mine_trades = ok(mine.get("/v1/me/shift-trades"))
                assert [t["status"] for t in mine_trades] == ["pending_approval"]  # type: ignore[union-attr]
                trades.append(trade)
        # waiting: the published roster has not changed
        assert published_id(planner, centre.site, centre.week_start) == centre.schedule_id
        waiting = {"site": centre.site, "status": "pending_approval"}
        pending = ok(planner.get("/v1/shift-trades", params=waiting))
        assert sorted(t["id"] for t in pending) == sorted(t["id"] for t in trades)  # type: ignore[union-attr]

        refuse, approve = (f"/v1/shift-trades/{t['id']}/decision" for t in trades)
        _refused(planner.post(refuse, json={"approve": False}), 422, "body.reason")
        why = "short on the queue that day"
        refused = ok(planner.post(refuse, json={"approve": False, "reason": why}))
        assert isinstance(refused, dict)
        assert (refused["status"], refused["reason"]) == ("refused", why)
        assert refused["changed_agents"] == [] and refused["decided_by"] == "test-planner"
        assert published_id(planner, centre.site, centre.week_start) == centre.schedule_id
        _refused(planner.post(refuse, json={"approve": True}), 409, "conflict")

        approved = ok(planner.post(approve, json={"approve": True}))
        assert isinstance(approved, dict) and approved["status"] == "approved"
        a, b, day = second
        assert approved["changed_agents"] == sorted([a, b])
        now_published = published_id(planner, centre.site, centre.week_start)
        assert approved["schedule_ids"] == [now_published]
        old = _roster(planner, centre.schedule_id)
        new = _roster(planner, now_published)
        _same_but(old["shifts"], new["shifts"], {(a, day): b, (b, day): a})
        assert violations(api, now_published) - before == Counter()
        assert ok(planner.get("/v1/shift-trades", params=waiting)) == []
        _refused(planner.get("/v1/shift-trades", params={"site": "nowhere"}), 404, "not_found")
    # each decision told both agents of its trade (the notifications' outbox)
    with unit_of_work(api.engine) as session:
        told = {
            (e.payload["request_id"], e.payload["decision"]): sorted(e.agent_codes)
            for e in session.scalars(select(NotificationEventRow)).all()
            if e.kind == "request_decided"
        }
    assert told == {
        (trades[0]["id"], "refused"): sorted(first[:2]),
        (trades[1]["id"], "approved"): sorted(second[:2]),
    }


def _across_days(centre: Centre) -> tuple[str, dict[str, Any], str, dict[str, Any]]:
    """(agent, shift, other, their shift): each is free on the other's day and could work the
    other's shift keeping 11 hours' rest."""
    for shift in sorted(centre.shifts, key=lambda s: (s["shift_date"], s["agent_code"])):
        mine = shift["agent_code"]
        for other in sorted(set(centre.agents) - {mine}):
            for theirs in centre.of(other):
                if centre.shift(other, shift["shift_date"]) or centre.shift(
                    mine, theirs["shift_date"]
                ):
                    continue
                kept_a = [s for s in centre.of(mine) if s is not shift]
                kept_b = [s for s in centre.of(other) if s is not theirs]
                if (
                    could_work(centre, other, shift)
                    and could_work(centre, mine, theirs)
                    and rests([*kept_a, theirs])
                    and rests([*kept_b, shift])
                ):
                    return mine, shift, other, theirs
    raise AssertionError("the demo roster has no two agents who could swap days")


def test_a_swap_across_days_moves_both_shifts(api: ApiServer) -> None:
    """Without approval: the taker gives back their shift of another day; both shifts change
    hands in one published version."""
    centre = built(api, agents=16)
    mine_code, shift, other_code, theirs = _across_days(centre)
    my_day, their_day = shift["shift_date"], theirs["shift_date"]
    with (
        agent_client(api, mine_code) as mine,
        agent_client(api, other_code) as other,
        api.client("planner") as planner,
    ):
        loosen(planner, centre, [mine_code, other_code], shift, theirs)
        before = violations(api, centre.schedule_id)
        offer = ok(mine.post("/v1/me/shift-offers", json={"shift_date": my_day}), 201)
        assert isinstance(offer, dict)
        take = f"/v1/me/shift-offers/{offer['id']}/take"
        trade = ok(other.post(take, json={"taker_shift_date": their_day}), 201)
        assert isinstance(trade, dict) and trade["status"] == "accepted"
        assert (trade["kind"], trade["taker_shift_date"]) == ("swap", their_day)
        now_published = published_id(planner, centre.site, centre.week_start)
        old = _roster(planner, centre.schedule_id)
        new = _roster(planner, now_published)
        moved = {(mine_code, my_day): other_code, (other_code, their_day): mine_code}
        _same_but(old["shifts"], new["shifts"], moved)
        assert violations(api, now_published) - before == Counter()


def _moved(shift: dict[str, Any], by: timedelta, day: str) -> dict[str, Any]:
    return {
        **shift,
        "shift_date": day,
        "start_utc": (at(shift["start_utc"]) + by).isoformat(),
        "end_utc": (at(shift["end_utc"]) + by).isoformat(),
    }


def _run_from(days: set[str], first: date) -> int:
    """Days worked in a row from `first`."""
    run = 0
    while str(first + timedelta(days=run)) in days:
        run += 1
    return run


def _friday_to_sunday(api: ApiServer, centre: Centre, agent: str, friday: str) -> int:
    """Publish a new version of the week with the agent's Friday shift (times, breaks and
    activities) moved to the Sunday after: the demo centre works on weekdays only."""
    two_days = timedelta(days=2)
    with unit_of_work(api.engine) as session:
        repo = ScheduleRepository(session)
        week = repo.get(centre.schedule_id)
        shifts = tuple(
            dataclasses.replace(
                s,
                shift_date=s.shift_date + two_days,
                start_utc=s.start_utc + two_days,
                end_utc=s.end_utc + two_days,
                breaks=tuple(
                    dataclasses.replace(
                        b, start_utc=b.start_utc + two_days, end_utc=b.end_utc + two_days
                    )
                    for b in s.breaks
                ),
                activities=tuple(
                    dataclasses.replace(
                        a, start_utc=a.start_utc + two_days, end_utc=a.end_utc + two_days
                    )
                    for a in s.activities
                ),
            )
            if s.agent_code == agent and str(s.shift_date) == friday
            else s
            for s in week.shifts
        )
        draft = dataclasses.replace(
            week, id=None, version=week.version + 1, status=ScheduleStatus.DRAFT, shifts=shifts
        )
        new_id = repo.add(draft)
        repo.publish(new_id, datetime.now(UTC))
    return new_id


def test_a_trade_is_checked_across_the_boundary_with_the_next_published_week(
    api: ApiServer,
) -> None:
    """The taker would work the last day of the week and the first days of the next published
    week: more days in a row than their contract allows only counting over the boundary, so
    the trade is refused though the week of the shift alone keeps the rules."""
    centre = built(api, weeks=2)
    friday = str(centre.week_start + timedelta(days=4))
    sunday = str(centre.week_start + timedelta(days=6))
    saturday = str(centre.week_start + timedelta(days=5))
    monday = centre.week_start + timedelta(days=7)
    with api.client("planner") as planner:
        following = published_id(planner, centre.site, monday)
        later = _roster(planner, following)["shifts"]
    found = None
    for shift in sorted(
        (s for s in centre.shifts if s["shift_date"] == friday and not skills_of(s)[1]),
        key=lambda s: s["agent_code"],
    ):
        on_sunday = _moved(shift, timedelta(days=2), sunday)
        for taker in sorted(set(centre.agents) - {shift["agent_code"]}):
            run = _run_from({s["shift_date"] for s in later if s["agent_code"] == taker}, monday)
            if (
                run >= 1
                and centre.shift(taker, saturday) is None
                and could_work(centre, taker, on_sunday)
                and rests([*centre.of(taker), on_sunday])
            ):
                found = (on_sunday, taker, run)
                break
        if found:
            break
    assert found is not None, "a Friday shift without selling, and a taker who works Monday"
    shift, taker, run = found
    giver = shift["agent_code"]
    centre.schedule_id = _friday_to_sunday(api, centre, giver, friday)
    with api.client("planner") as planner:
        loosen(planner, centre, [giver], shift)
        lengths = sorted(
            set(centre.agents[taker]["contract"]["shift_lengths_minutes"]) | {minutes(shift)}
        )
        flexible(planner, taker, lengths, days_in_a_row=run)
        with agent_client(api, giver) as mine, agent_client(api, taker) as other:
            offer = ok(mine.post("/v1/me/shift-offers", json={"shift_date": sunday}), 201)
            assert isinstance(offer, dict)
            refused = other.post(f"/v1/me/shift-offers/{offer['id']}/take", json={})
            body = _refused(refused, 422, "rule_violation")
            rules = {e["field"] for e in body["errors"] if e["value"] == taker}
            assert rules & {"rule.max_consecutive_days", "rule.min_rest"}, body
        # the shift's own week alone keeps the rules: the refusal came from the next week
        with unit_of_work(api.engine) as session:
            week = ScheduleRepository(session).get(centre.schedule_id)
            schedule_edits.check_edits(
                session,
                week,
                [schedule_edits.TransferShift(giver, date.fromisoformat(sunday), taker)],
            )
        assert published_id(planner, centre.site, centre.week_start) == centre.schedule_id
        assert published_id(planner, centre.site, monday) == following
        assert ok(planner.get("/v1/shift-trades", params={"site": centre.site})) == []
