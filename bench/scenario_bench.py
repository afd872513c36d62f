"""One what-if scenario with five variants on the demo centre, solved as one job.

    .venv/bin/python bench/scenario_bench.py [--agents 60] [--weeks 8] [--time-limit 20]
        [--seed 11]

Builds the demo centre (`wfm.tools.demo`) in a fresh SQLite database, forecasts two weeks,
posts a scenario on its first whole week through the service the API uses
(`wfm.services.scenarios.create_scenario`: stored, one job queued) and runs that job in the
worker (`wfm.worker.Worker.run_pending`). Five variants: volume +10 %, handle time +10 %, an
answer-rate target of 90 % on every queue, five more agents on the busiest queue, and seats cut
to half the agents. Prints each variant's figures beside the base's (the baseline of the same
run: the base week solved with the same time limit) and the time for the whole job.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wfm.cli.scenario_commands import table  # noqa: E402
from wfm.db import migrate  # noqa: E402
from wfm.db.repositories import ScenarioRepository  # noqa: E402
from wfm.db.session import make_engine, unit_of_work  # noqa: E402
from wfm.services.centre import CentreData, load_centre  # noqa: E402
from wfm.services.forecasting import run_forecast  # noqa: E402
from wfm.services.scenarios import create_scenario, scenario_status  # noqa: E402
from wfm.services.scheduling import first_forecast_week  # noqa: E402
from wfm.tools.demo import generate_demo_centre  # noqa: E402
from wfm.worker.worker import Worker  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=60)
    parser.add_argument("--weeks", type=int, default=8, help="weeks of demo history")
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds per solve")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/scenario.db"
        engine = make_engine(url)
        migrate.upgrade(engine)
        centre = generate_demo_centre(weeks=args.weeks, agents=args.agents, seed=args.seed)
        site = centre.sites[0].code
        counts: dict[str, int] = {}
        for agent in centre.agents:
            for skill in agent.queue_skills:
                counts[skill] = counts.get(skill, 0) + 1
        busiest = max(counts, key=lambda k: counts[k])
        with unit_of_work(engine) as session:
            load_centre(session, CentreData.of_demo(centre))
            run_forecast(session, site_code=site, weeks=2)
            week = first_forecast_week(session, site)
            doc = {
                "name": "five what-ifs",
                "site": site,
                "week_start": week.isoformat(),
                "time_limit_seconds": args.time_limit,
                "variants": [
                    {"name": "volume +10%", "changes": {"volume_percent": 10}},
                    {"name": "AHT +10%", "changes": {"aht_percent": 10}},
                    {"name": "answer 90%", "changes": {"answer_rate_target": 0.9}},
                    {
                        "name": "5 more agents",
                        "changes": {"headcount": [{"skill": busiest, "agents": 5}]},
                    },
                    {"name": "seats cut", "changes": {"seats": int(0.5 * args.agents)}},
                ],
            }
            scenario_id, job = create_scenario(session, doc)
        worker = Worker(engine)
        started = time.perf_counter()
        try:
            ran = worker.run_pending()
        finally:
            worker.close()
        seconds = time.perf_counter() - started
        with unit_of_work(engine) as session:
            shown = scenario_status(session, ScenarioRepository(session).get(scenario_id))
        print(
            f"demo centre: {args.agents} agents, site {site}, week of {week}; "
            f"{ran} job ({job.id if job else '-'}), status {shown['status']}"
        )
        if shown["comparison"] is None:
            print(f"error: {shown['error']}")
            raise SystemExit(1)
        print(table(shown))
        solves = [shown["comparison"]["base"], *shown["comparison"]["variants"]]
        print(
            "solve seconds: "
            + ", ".join(f"{s['name']} {s['solve']['seconds']:.1f}" for s in solves if "solve" in s)
        )
        print(f"all six solves (base and five variants) as one job: {seconds:.1f} s")


if __name__ == "__main__":
    main()
