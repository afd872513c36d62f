"""An agent's calendar subscription link over real HTTP, on each database backend: made with the
agent's token, then read by a client without any Authorization header (as calendar apps poll);
it serves the agent's shifts of every published week in its window, in the weekly file's event
format, and no other agent's; a new link kills the old one, revoking kills it, so does the agent
leaving, but revoking the agent's API token does not; malformed, overlong and unknown secrets are
all the same 404."""

from __future__ import annotations

import re
import time as clock
from datetime import datetime, time, timedelta
from typing import Any

import httpx
from apikit import ApiServer, ok
from swapkit import Centre, agent_client, at, built, move_clock, published_id

from wfm.db.repositories import TokenRepository
from wfm.db.session import unit_of_work

FEED = re.compile(r"^/v1/calendar-feeds/([A-Za-z0-9_-]{43})\.ics$")


def _anonymous(api: ApiServer) -> httpx.Client:
    return api.client(role=None)


def _events(ics: str) -> list[str]:
    """Each VEVENT block of a calendar, its DTSTAMP line (the time of writing) taken out."""
    blocks = re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", ics, flags=re.DOTALL)
    return [re.sub(r"DTSTAMP:\d{8}T\d{6}Z\r\n", "", b) for b in blocks]


def _starts(ics: str) -> list[str]:
    return sorted(re.findall(r"^DTSTART:(\d{8}T\d{6}Z)\r$", ics, flags=re.MULTILINE))


def _stamp(text: str) -> str:
    return at(text).strftime("%Y%m%dT%H%M%SZ")


def _second_week_shifts(api: ApiServer, centre: Centre) -> list[dict[str, Any]]:
    with api.client("planner") as planner:
        second = published_id(planner, centre.site, centre.week_start + timedelta(days=7))
        schedule = ok(planner.get(f"/v1/schedules/{second}"))
    assert isinstance(schedule, dict)
    return list(schedule["shifts"])


def _two_agents_with_shifts(shifts: list[dict[str, Any]]) -> tuple[str, str]:
    codes = sorted({s["agent_code"] for s in shifts})
    assert len(codes) >= 2, codes
    return codes[0], codes[1]


def _create(client: httpx.Client) -> str:
    made = ok(client.post("/v1/me/calendar-feed"), 201)
    assert isinstance(made, dict) and set(made) == {"url", "created_at_utc"}
    assert FEED.match(made["url"]), made["url"]
    return str(made["url"])


def test_the_link_serves_the_agents_published_weeks_without_a_token(api: ApiServer) -> None:
    centre = built(api, weeks=2)
    later = _second_week_shifts(api, centre)
    both = centre.shifts + later
    mine, theirs = _two_agents_with_shifts(both)
    weeks = [centre.week_start, centre.week_start + timedelta(days=7)]
    with agent_client(api, mine) as agent, _anonymous(api) as anonymous:
        assert ok(agent.get("/v1/me/calendar-feed")) == {"exists": False, "created_at_utc": None}
        url = _create(agent)
        status = ok(agent.get("/v1/me/calendar-feed"))
        assert isinstance(status, dict) and status["exists"] is True
        assert at(status["created_at_utc"]) <= datetime.now(at(status["created_at_utc"]).tzinfo)
        assert FEED.match(url).group(1) not in str(status)  # type: ignore[union-attr]

        response = anonymous.get(url)
        assert response.status_code == 200, response.text
        assert "authorization" not in {k.lower() for k in response.request.headers}
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert "no-store" in response.headers["cache-control"]
        assert "private" in response.headers["cache-control"]
        ics = response.text
        assert ics.count("BEGIN:VCALENDAR") == 1 and ics.endswith("END:VCALENDAR\r\n")
        assert f"X-WR-CALNAME:Shifts of {mine}\r\n" in ics
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in ics
        assert "X-PUBLISHED-TTL:PT1H\r\n" in ics
        own = [s for s in both if s["agent_code"] == mine]
        assert {s["shift_date"] for s in own} & {
            str(weeks[0] + timedelta(days=d)) for d in range(7)
        }
        assert _starts(ics) == sorted(_stamp(s["start_utc"]) for s in own)
        assert f"-{theirs}-" not in ics and theirs not in ics
        # the same events as the weekly files, week by week
        weekly: list[str] = []
        for week in weeks:
            one = agent.get("/v1/me/calendar.ics", params={"week_start": str(week)})
            assert one.status_code == 200, one.text
            weekly += _events(one.text)
        assert _events(ics) == weekly and len(weekly) == len(own)

    # another agent's link serves their shifts only
    with agent_client(api, theirs) as other, _anonymous(api) as anonymous:
        other_ics = anonymous.get(_create(other)).text
        assert _starts(other_ics) == sorted(
            _stamp(s["start_utc"]) for s in both if s["agent_code"] == theirs
        )
        assert f"-{mine}-" not in other_ics
        assert _starts(anonymous.get(url).text) == _starts(ics)


def test_the_window_runs_from_four_weeks_back_to_twelve_ahead(api: ApiServer) -> None:
    centre = built(api, weeks=2)
    later = _second_week_shifts(api, centre)
    mine, _ = _two_agents_with_shifts(centre.shifts + later)
    first = [_stamp(s["start_utc"]) for s in centre.shifts if s["agent_code"] == mine]
    second = [_stamp(s["start_utc"]) for s in later if s["agent_code"] == mine]
    assert first and second
    with agent_client(api, mine) as agent, _anonymous(api) as anonymous:
        url = _create(agent)

        def seen_on(day_after_first_week_start: int) -> list[str]:
            day = centre.week_start + timedelta(days=day_after_first_week_start)
            move_clock(api, centre.site, datetime.combine(day, time(12), tzinfo=centre.zone))
            return _starts(ok_text(anonymous.get(url)))

        # 30 days after the first week ended it is gone; the second ended 23 days ago and stays
        assert seen_on(36) == sorted(second)
        assert seen_on(34) == sorted(first + second)  # its last day was four weeks ago
        # twelve weeks ahead: the first week starts 84 days on, the second 91
        assert seen_on(-84) == sorted(first)
        assert seen_on(-91) == []


def ok_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return response.text


def _gone(anonymous: httpx.Client, url: str) -> None:
    response = anonymous.get(url)
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_found"
    assert response.json()["detail"] == "no such calendar feed"


def test_rotate_revoke_and_leaving(api: ApiServer) -> None:
    centre = built(api, weeks=1)
    mine, theirs = _two_agents_with_shifts(centre.shifts)
    token = api.add_token("agent", agent_code=mine, name=f"agent {mine}")
    with api.client(token=token) as agent, _anonymous(api) as anonymous:
        old = _create(agent)
        assert ok_text(anonymous.get(old))
        created = ok(agent.get("/v1/me/calendar-feed"))

        new = _create(agent)
        assert new != old
        _gone(anonymous, old)
        assert "BEGIN:VEVENT" in ok_text(anonymous.get(new))
        again = ok(agent.get("/v1/me/calendar-feed"))
        assert isinstance(again, dict) and isinstance(created, dict)
        assert at(again["created_at_utc"]) >= at(created["created_at_utc"])

        # the link belongs to the agent, not to the API token that made it
        token_id = ok(agent.get("/v1/me"))["token_id"]  # type: ignore[index]
        with unit_of_work(api.engine) as session:
            TokenRepository(session).revoke(token_id, reason="phone lost")
        clock.sleep(api.token_cache_seconds + 0.3)
        assert agent.get("/v1/me").status_code == 401
        assert "BEGIN:VEVENT" in ok_text(anonymous.get(new))

    with agent_client(api, mine) as agent, _anonymous(api) as anonymous:
        response = agent.delete("/v1/me/calendar-feed")
        assert response.status_code == 204 and response.content == b""
        _gone(anonymous, new)
        assert ok(agent.get("/v1/me/calendar-feed")) == {"exists": False, "created_at_utc": None}
        missing = agent.delete("/v1/me/calendar-feed")
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"

    # an agent who leaves loses the link, and coming back does not bring it back
    with agent_client(api, theirs) as other, _anonymous(api) as anonymous:
        url = _create(other)
        with api.client("planner") as planner:
            ok(planner.patch(f"/v1/agents/{theirs}", json={"active": False}))
            _gone(anonymous, url)
            ok(planner.patch(f"/v1/agents/{theirs}", json={"active": True}))
        _gone(anonymous, url)


def test_tokens_of_no_agent_are_answered_as_for_the_weekly_file(api: ApiServer) -> None:
    week = {"week_start": "2025-03-03"}
    for role in ("planner", "admin", "executive"):
        with api.client(role) as client:
            expected = client.get("/v1/me/calendar.ics", params=week).status_code
            assert expected in (403, 404), role
            for method in ("POST", "GET", "DELETE"):
                response = client.request(method, "/v1/me/calendar-feed")
                assert response.status_code == expected, (role, method, response.text)
    with _anonymous(api) as anonymous:
        response = anonymous.post("/v1/me/calendar-feed")
        assert response.status_code == 401
        assert anonymous.get("/v1/me/calendar-feed").status_code == 401


def test_unknown_garbage_and_overlong_secrets_are_the_same_404(api: ApiServer) -> None:
    centre = built(api, weeks=1)
    mine, _ = _two_agents_with_shifts(centre.shifts)
    with agent_client(api, mine) as agent:
        real = FEED.match(_create(agent)).group(1)  # type: ignore[union-attr]
    secrets = [
        "nope",
        real[:-1],
        real + "A",
        real.upper() if real.upper() != real else real.lower(),
        "A" * 43,
        "x" * 101,
        "x" * 5000,
        "..%2F..%2Fetc",
        "%00",
        "%E4%BD%A0%E5%A5%BD",
        "a'b\"c",
        "$%7Bjndi%7D",
    ]
    with _anonymous(api) as anonymous:
        for secret in secrets:
            response = anonymous.get(f"/v1/calendar-feeds/{secret}.ics")
            assert response.status_code == 404, (secret, response.status_code, response.text)
            if "%2F" not in secret:  # a slash in the secret leaves the route: still a 404
                assert response.json()["detail"] == "no such calendar feed", secret
        # a bearer header, good or bad, changes nothing: the path is the credential
        bogus = anonymous.get(
            f"/v1/calendar-feeds/{real}.ics", headers={"Authorization": "Bearer wfm_nonsense"}
        )
        assert bogus.status_code == 200, bogus.text
        # only reads are open: other methods and other /v1 paths still need a token
        assert anonymous.post(f"/v1/calendar-feeds/{real}.ics").status_code == 401
        assert anonymous.get("/v1/sites").status_code == 401
        assert anonymous.get("/v1/calendar-feeds/").status_code == 404


def test_access_log_lines_hide_the_secret() -> None:
    import logging

    from api.me.calendar_feed import FeedSecretFilter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/v1/calendar-feeds/s3cr3t-Value_x.ics?x=1", "1.1", 200),
        None,
    )
    assert FeedSecretFilter().filter(record)
    line = record.getMessage()
    assert "s3cr3t" not in line and "/v1/calendar-feeds/***.ics?x=1" in line
