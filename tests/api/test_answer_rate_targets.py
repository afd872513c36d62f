"""Queue targets (service level, least answer rate, abandon cap) and a site's unplanned shrinkage
over real HTTP: stored, edited and refused with the field named; and the requirements the worker
computes from a forecast meet each queue's targets with no agent to spare (Erlang A computed here
as the oracle), grossed up once with the site's unplanned shrinkage or a given one."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from apikit import ApiServer, ok
from scipy.stats import binom

from erlang import erlang_a
from wfm.db.repositories import ForecastRepository
from wfm.db.session import unit_of_work
from wfm.domain import ForecastRun, ForecastValue
from wfm.worker.worker import Worker

SITE = "lyon"
PATIENCE_SECONDS = 60.0
AHT_SECONDS = 240.0
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CONTACTS = [40.0, 120.0, 250.0, 400.0, 600.0, 300.0, 90.0, 0.0]  # per 15 minutes
LOAD = np.asarray(CONTACTS) * AHT_SECONDS / 900.0  # Erlangs per interval
KINDS = {
    "sl": {"service_level_target": 0.8},
    "ar": {"service_level_target": None, "min_answer_rate": 0.97},
    "ab": {"service_level_target": None, "max_abandon_rate": 0.04},
    "all": {"service_level_target": 0.8, "min_answer_rate": 0.97, "max_abandon_rate": 0.02},
}


def _site(client, **fields):  # type: ignore[no-untyped-def]
    body = {"code": SITE, "name": "Lyon", "timezone": "Europe/Paris", **fields}
    return ok(client.post("/v1/sites", json=body), 201)


def test_the_site_keeps_its_unplanned_shrinkage(api: ApiServer) -> None:
    with api.client("planner") as planner:
        site = _site(planner)
        assert site["unplanned_shrinkage"] == 0.1  # the default, migration 0008 says why
        changed = ok(planner.patch(f"/v1/sites/{SITE}", json={"unplanned_shrinkage": 0.07}))
        assert changed["unplanned_shrinkage"] == 0.07
        assert ok(planner.get(f"/v1/sites/{SITE}"))["unplanned_shrinkage"] == 0.07
        for bad in (1.0, -0.1, 1.5, None):
            refused = planner.patch(f"/v1/sites/{SITE}", json={"unplanned_shrinkage": bad})
            assert refused.status_code == 422, bad
            assert refused.json()["errors"][0]["field"] == "body.unplanned_shrinkage"
        refused = planner.post(
            "/v1/sites",
            json={"code": "x", "name": "X", "timezone": "UTC", "unplanned_shrinkage": 1},
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "body.unplanned_shrinkage"


def test_queue_targets_are_stored_edited_and_refused_by_name(api: ApiServer) -> None:
    with api.client("planner") as planner:
        _site(planner)
        made = {}
        for code, targets in KINDS.items():
            body = {"site_code": SITE, "code": code, "name": code, **targets}
            made[code] = ok(planner.post("/v1/queues", json=body), 201)
        assert made["sl"]["min_answer_rate"] is None and made["sl"]["answer_rate_target"] is None
        assert made["ar"]["service_level_target"] is None
        assert made["ar"]["answer_rate_target"] == 0.97
        assert made["ab"]["answer_rate_target"] == pytest.approx(0.96)
        assert made["all"]["answer_rate_target"] == pytest.approx(0.98)  # the stricter
        assert ok(planner.get("/v1/queues/all")) == made["all"]

        for bad in (0, 1, 1.2, -0.5):
            for field in ("min_answer_rate", "max_abandon_rate", "service_level_target"):
                body = {"site_code": SITE, "code": "bad", "name": "bad", field: bad}
                refused = planner.post("/v1/queues", json=body)
                assert refused.status_code == 422, (field, bad)
                assert refused.json()["errors"][0]["field"] == f"body.{field}"
                patched = planner.patch("/v1/queues/sl", json={field: bad})
                assert patched.status_code == 422
                assert patched.json()["errors"][0]["field"] == f"body.{field}"
        none = planner.post(
            "/v1/queues",
            json={"site_code": SITE, "code": "none", "name": "none", "service_level_target": None},
        )
        assert none.status_code == 422 and "at least one target" in none.json()["detail"]

        # a target is removed with null; the last one can't be
        moved = ok(
            planner.patch(
                "/v1/queues/sl", json={"min_answer_rate": 0.92, "service_level_target": None}
            )
        )
        assert moved["service_level_target"] is None and moved["answer_rate_target"] == 0.92
        last = planner.patch("/v1/queues/sl", json={"min_answer_rate": None})
        assert last.status_code == 422
        assert last.json()["errors"][0]["field"] == "body.min_answer_rate"
        assert "at least one target" in last.json()["detail"]
        assert ok(planner.get("/v1/queues/sl")) == moved  # nothing changed
        swapped = ok(
            planner.patch("/v1/queues/sl", json={"min_answer_rate": None, "max_abandon_rate": 0.1})
        )
        assert swapped["answer_rate_target"] == pytest.approx(0.9)


def _forecast(api: ApiServer) -> None:
    """A stored forecast of eight 15-minute intervals for every queue of the site."""
    with unit_of_work(api.engine) as session:
        repo = ForecastRepository(session)
        end = START + timedelta(minutes=15 * len(CONTACTS))
        repo.add_run(
            ForecastRun(
                site_code=SITE,
                version=repo.next_version(SITE),
                created_at_utc=START - timedelta(days=1),
                interval_minutes=15,
                horizon_start_utc=START,
                horizon_end_utc=end,
            ),
            [
                ForecastValue(code, START + timedelta(minutes=15 * i), offered, AHT_SECONDS)
                for code in KINDS
                for i, offered in enumerate(CONTACTS)
            ],
        )


def _requirements(api: ApiServer, planner, body: dict) -> dict:  # type: ignore[no-untyped-def]
    job = planner.post("/v1/requirements", json={"site_code": SITE, **body})
    assert job.status_code == 202
    worker = Worker(api.engine)
    try:
        worker.run_pending()
    finally:
        worker.close()
    done = ok(planner.get(f"/v1/jobs/{job.json()['id']}"))
    assert done["status"] == "succeeded", done["error"]
    return done


def _kpis(agents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = erlang_a(
        np.asarray(CONTACTS), 900.0, AHT_SECONDS, agents.astype(float), PATIENCE_SECONDS, 20.0
    )
    return np.asarray(a.service_level), np.asarray(a.answer_rate)


def _expected_kpis(rostered: np.ndarray, shrinkage: float) -> tuple[np.ndarray, np.ndarray]:
    """Service level and answer rate expected with `rostered` agents, each absent with
    probability `shrinkage`: Erlang A at every whole staffing weighed by the binomial pmf."""
    k = np.arange(int(rostered.max()) + 1, dtype=float)[None, :]
    a = erlang_a(np.asarray(CONTACTS)[:, None], 900.0, AHT_SECONDS, k, PATIENCE_SECONDS, 20.0)
    pmf = binom.pmf(k, rostered.astype(int)[:, None], 1.0 - shrinkage)
    return (pmf * a.service_level).sum(axis=1), (pmf * a.answer_rate).sum(axis=1)


def _meets(targets: dict, sl: np.ndarray, ar: np.ndarray) -> np.ndarray:
    ok_ = np.ones(sl.shape, dtype=bool)
    if targets.get("service_level_target") is not None:
        ok_ &= sl >= targets["service_level_target"] - 1e-9
    if targets.get("min_answer_rate") is not None:
        ok_ &= ar >= targets["min_answer_rate"] - 1e-9
    if targets.get("max_abandon_rate") is not None:
        ok_ &= 1 - ar <= targets["max_abandon_rate"] + 1e-9
    return ok_


def test_requirements_meet_each_target_kind_and_count_shrinkage_once(api: ApiServer) -> None:
    with api.client("planner") as planner:
        _site(planner, default_patience_seconds=PATIENCE_SECONDS, unplanned_shrinkage=0.12)
        for code, targets in KINDS.items():  # an occupancy cap of 1: the targets decide
            body = {"site_code": SITE, "code": code, "name": code, "max_occupancy": 1, **targets}
            ok(planner.post("/v1/queues", json=body), 201)
        _forecast(api)

        done = _requirements(api, planner, {})
        assert (done["result"]["shrinkage"], done["result"]["shrinkage_source"]) == (0.12, "site")
        busy = np.asarray(CONTACTS) > 0
        required = {}
        for code, targets in KINDS.items():
            rows = ok(planner.get("/v1/requirements", params={"site": SITE, "queue": code}))
            assert len(rows) == len(CONTACTS)
            assert all((r["shrinkage"], r["shrinkage_source"]) == (0.12, "site") for r in rows)
            net = np.array([r["required_agents"] for r in rows])
            gross = [r["scheduled_agents"] for r in rows]
            # gross: the least rostered whose expected service meets the targets with each
            # agent absent with probability 0.12 (near the gross-up net / 0.88)
            plain = [math.ceil(n / 0.88 - 1e-9) for n in net]
            assert all(abs(g - p) <= 2 for g, p in zip(gross, plain, strict=True))
            heads = np.array(gross)
            assert _meets(targets, *_expected_kpis(heads, 0.12))[busy].all(), code
            fewer_heads = np.maximum(heads - 1, 0)
            cap = LOAD[busy] / np.maximum(fewer_heads[busy] * 0.88, 1e-9) <= 1.0 + 1e-9
            short = _meets(targets, *_expected_kpis(fewer_heads, 0.12))[busy] & cap
            assert not short.any(), code
            assert (net[~busy] == 0).all()
            # every target met at the requirement within the queue's occupancy cap, and one
            # agent fewer misses a target or breaks the cap
            assert _meets(targets, *_kpis(net))[busy].all(), code
            assert (LOAD[busy] / net[busy] <= 1.0 + 1e-9).all()
            fewer = np.maximum(net - 1, 0)
            within = LOAD[busy] / np.maximum(fewer[busy], 1e-9) <= 1.0 + 1e-9
            assert not (_meets(targets, *_kpis(fewer))[busy] & within).any(), code
            predicted = np.array([r["predicted_answer_rate"] for r in rows])
            np.testing.assert_allclose(predicted[busy], _kpis(net)[1][busy], rtol=1e-9)
            required[code] = net
        # 80/20 alone answers under 97 % at the peak here; the answer-rate queue needs more
        assert _kpis(required["sl"])[1][4] < 0.97 <= _kpis(required["ar"])[1][4]
        assert required["ar"][4] > required["sl"][4]
        assert (required["all"] >= np.maximum(required["sl"], required["ar"])).all()

        # an explicit shrinkage is still allowed, and said to be given
        done = _requirements(api, planner, {"shrinkage": 0.3})
        assert (done["result"]["shrinkage"], done["result"]["shrinkage_source"]) == (0.3, "given")
        rows = ok(planner.get("/v1/requirements", params={"site": SITE, "queue": "ar"}))
        assert [r["required_agents"] for r in rows] == required["ar"].tolist()
        heads = np.array([r["scheduled_agents"] for r in rows])
        assert _meets(KINDS["ar"], *_expected_kpis(heads, 0.3))[busy].all()
        fewer_heads = np.maximum(heads - 1, 0)
        assert not _meets(KINDS["ar"], *_expected_kpis(fewer_heads, 0.3))[busy].any()
        # whole agents absent at 30 %: more heads than the gross-up net / 0.7 at the peak
        plain = np.ceil(required["ar"] / 0.7 - 1e-9)
        assert (heads >= plain - 1).all() and heads[4] > plain[4]
        assert {r["shrinkage_source"] for r in rows} == {"given"}


def test_the_calculator_staffs_to_an_answer_rate_or_an_abandon_cap(api: ApiServer) -> None:
    """The issue's interval: 80/20 alone is 662 agents at 82.7 % answered; either answer-rate
    target needs more agents and predicts at least 90 %."""
    interval = {"contacts": 3000, "aht_seconds": 240}
    base = {"interval_minutes": 15, "intervals": [interval], "patience_seconds": 60}
    with api.client("floor_manager") as floor:
        plain = ok(floor.post("/v1/staffing/calculate", json=base))
        row = plain["intervals"][0]  # type: ignore[index]
        assert row["required_agents"] == 662
        assert row["at_required"]["answer_rate"] == pytest.approx(0.827, abs=5e-4)
        for target in ({"min_answer_rate": 0.9}, {"max_abandon_rate": 0.1}):
            result = ok(floor.post("/v1/staffing/calculate", json={**base, **target}))
            row = result["intervals"][0]  # type: ignore[index]
            assert row["required_agents"] == 721, target
            assert row["at_required"]["answer_rate"] >= 0.9 - 1e-9
            assert row["at_required"]["abandon_rate"] <= 0.1 + 1e-9
        refused = floor.post(
            "/v1/staffing/calculate",
            json={"intervals": [interval], "max_abandon_rate": 0.1, "service_level_target": None},
        )
        assert refused.status_code == 422 and "patience" in refused.json()["detail"]
        bad = floor.post("/v1/staffing/calculate", json={**base, "max_abandon_rate": 1})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "body.max_abandon_rate"
