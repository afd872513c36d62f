"""`wfm demo-data`: generate the synthetic demo contact centre into the database."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from wfm.cli.app import app, fail, info
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors


@app.command("demo-data")
def demo_data(
    weeks: Annotated[
        int, typer.Option(min=1, max=156, help="Weeks of interval history to generate.")
    ] = 26,
    agents: Annotated[int, typer.Option(min=1, max=5000, help="Number of agents.")] = 120,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 1,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write a realistic synthetic centre: 3 inbound queues, 2 campaigns, agents and history.

    Everything is written in one transaction: on any error the database is left as it was.
    """
    engine = open_database(database_url)

    from wfm.db.repositories import SiteRepository
    from wfm.db.session import unit_of_work
    from wfm.services.centre import CentreData, load_centre
    from wfm.tools.demo import generate_demo_centre
    from wfm.tools.demo.generator import SITE_CODE

    with user_errors(), unit_of_work(engine) as session:
        if SITE_CODE in {site.code for site in SiteRepository(session).list()}:
            fail(
                f"the database already holds the demo site {SITE_CODE!r}; use an empty database "
                "(another --database-url, or delete the SQLite file) to generate it again"
            )
    started = time.perf_counter()
    info(f"generating {weeks} weeks of history for {agents} agents (seed {seed}) ...")
    try:
        centre = generate_demo_centre(weeks=weeks, agents=agents, seed=seed)
    except ValueError as exc:
        fail(str(exc))
    data = CentreData.of_demo(centre)
    with user_errors(), unit_of_work(engine) as session:
        summary = load_centre(session, data, progress=info)
    seconds = time.perf_counter() - started
    typer.echo(
        f"demo centre written to {engine.url.render_as_string(hide_password=True)} "
        f"in {seconds:.1f} s: {summary.sites} site, {summary.queues} queues, "
        f"{summary.campaigns} campaigns, {summary.segments} segments, {summary.agents} agents, "
        f"{summary.history_intervals} history intervals "
        f"({summary.offered_contacts} contacts offered), "
        f"{summary.time_off_entries} time-off entries"
    )
