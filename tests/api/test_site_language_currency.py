"""A site's default language and currency over real HTTP: Chinese and renminbi unless set,
set on create or update, bad values refused (422 naming the field, nothing changed); and where
the site's pages open: its clock's day and week, or the latest published week."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from apikit import SITE, TZ, ApiServer, ok, seed_centre


def test_defaults_settings_and_refusals(api: ApiServer) -> None:
    with api.client("admin") as admin:
        created: Any = ok(
            admin.post(
                "/v1/sites", json={"code": "sh", "name": "上海", "timezone": "Asia/Shanghai"}
            ),
            201,
        )
        assert (created["default_language"], created["currency"]) == ("zh-CN", "CNY")
        english: Any = ok(
            admin.post(
                "/v1/sites",
                json={
                    "code": "ny",
                    "name": "New York",
                    "timezone": "America/New_York",
                    "default_language": "en",
                    "currency": "USD",
                },
            ),
            201,
        )
        assert (english["default_language"], english["currency"]) == ("en", "USD")
        changed: Any = ok(admin.patch("/v1/sites/sh", json={"currency": "EUR"}))
        assert (changed["default_language"], changed["currency"]) == ("zh-CN", "EUR")
        changed = ok(admin.patch("/v1/sites/sh", json={"default_language": "en"}))
        assert (changed["default_language"], changed["currency"]) == ("en", "EUR")

        for field, value in [
            ("default_language", "fr"),
            ("default_language", "zh"),
            ("default_language", "zh_CN"),
            ("default_language", None),
            ("default_language", 7),
            ("currency", "cny"),
            ("currency", "ABC"),
            ("currency", "CNYY"),
            ("currency", "¥"),
            ("currency", None),
        ]:
            bad = admin.patch("/v1/sites/sh", json={field: value})
            assert bad.status_code == 422, (field, value, bad.text)
            assert bad.json()["errors"][0]["field"] == f"body.{field}", bad.json()
            refused = admin.post(
                "/v1/sites",
                json={"code": "x", "name": "X", "timezone": "Asia/Shanghai", field: value},
            )
            assert refused.status_code == 422, (field, value)
        after: Any = ok(admin.get("/v1/sites/sh"))
        assert (after["default_language"], after["currency"]) == ("en", "EUR")
        assert admin.get("/v1/sites/x").status_code == 404
        codes = [s["code"] for s in ok(admin.get("/v1/sites"))]  # type: ignore[union-attr]
        assert codes == ["ny", "sh"]
    with api.client("executive") as executive:  # readers see the settings
        listed: Any = ok(executive.get("/v1/sites"))
        assert {s["code"]: s["currency"] for s in listed} == {"ny": "USD", "sh": "EUR"}


CLOCK = datetime(2030, 1, 9, 2, 30, tzinfo=UTC)  # Wednesday 9 January, 10:30 in Shanghai


@pytest.mark.parametrize(
    ("clock", "today", "week_start"),
    [
        (CLOCK, date(2030, 1, 9), date(2030, 1, 7)),
        # 20:00 UTC on Sunday the 13th is Monday the 14th in Shanghai
        (datetime(2030, 1, 13, 20, tzinfo=UTC), date(2030, 1, 14), date(2030, 1, 14)),
    ],
)
def test_the_site_clock_gives_the_day_and_week_pages_open_on(
    api: ApiServer, clock: datetime, today: date, week_start: date
) -> None:
    with api.client("admin") as admin:
        ok(
            admin.post(
                "/v1/sites",
                json={
                    "code": "sim",
                    "name": "Sim",
                    "timezone": "Asia/Shanghai",
                    "is_simulation": True,
                },
            ),
            201,
        )
    with api.client("floor_manager") as floor:
        ok(
            floor.put(
                "/v1/intraday/clock",
                json={"site": "sim", "now_utc": clock.isoformat(), "speed": 0},
            )
        )
    with api.client("executive") as executive:
        site: Any = ok(executive.get("/v1/sites/sim"))
    assert date.fromisoformat(site["today"]) == today
    assert date.fromisoformat(site["week_start"]) == week_start
    # nothing published: pages open on the clock's week
    assert date.fromisoformat(site["opening_week_start"]) == week_start
    assert site["opening_week_published"] is False


def test_an_agent_token_reads_its_sites_settings_and_opening_week(api: ApiServer) -> None:
    with api.client("admin") as admin:
        seed_centre(admin)
        ok(admin.patch(f"/v1/sites/{SITE}", json={"default_language": "en", "currency": "EUR"}))
        site: Any = ok(admin.get(f"/v1/sites/{SITE}"))
        me_admin: Any = ok(admin.get("/v1/me"))
    assert me_admin["site_code"] is None and me_admin["opening_week_start"] is None
    token = api.add_token("agent", agent_code="A1")
    with api.client(token=token) as agent:
        me: Any = ok(agent.get("/v1/me"))
    assert (me["site_code"], me["timezone"], me["default_language"], me["currency"]) == (
        SITE,
        TZ,
        "en",
        "EUR",
    )
    assert me["opening_week_start"] == site["opening_week_start"]
