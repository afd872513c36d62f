"""`wfm demo-data`: generate the synthetic demo contact centre into the database."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from wfm.cli.app import app, fail, info
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors

TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="The demo's today, YYYY-MM-DD (default: the machine's date in the site's timezone).",
    ),
]


def _today(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--today {value!r} is not a date (YYYY-MM-DD)")


@app.command("demo-data")
def demo_data(
    weeks: Annotated[
        int, typer.Option(min=1, max=156, help="Weeks of interval history to generate.")
    ] = 26,
    agents: Annotated[int, typer.Option(min=1, max=5000, help="Number of agents.")] = 120,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 1,
    today: TodayOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Write a realistic synthetic centre: 3 inbound queues, 2 campaigns, agents and history.

    The history ends on the Sunday before today's week (today in the site's timezone, or
    --today), so the forecast and the roster that follow cover the current week; `wfm
    demo-catch-up` then plays the week's days before today. Everything is written in one
    transaction: on any error the database is left as it was.
    """
    engine = open_database(database_url)

    from wfm.db.repositories import SiteRepository
    from wfm.db.session import unit_of_work
    from wfm.services.centre import CentreData, load_centre
    from wfm.services.time_off import set_opening_balance
    from wfm.tools.demo import generate_demo_centre
    from wfm.tools.demo.generator import SITE_CODE, SITE_TIMEZONE
    from wfm.tools.demo.live import history_end_for, today_at

    with user_errors(), unit_of_work(engine) as session:
        if SITE_CODE in {site.code for site in SiteRepository(session).list()}:
            fail(
                f"the database already holds the demo site {SITE_CODE!r}; use an empty database "
                "(another --database-url, or delete the SQLite file) to generate it again"
            )
    day = _today(today) or today_at(SITE_TIMEZONE)
    end_date = history_end_for(day)
    started = time.perf_counter()
    info(f"generating {weeks} weeks of history to {end_date} for {agents} agents (seed {seed}) ...")
    try:
        centre = generate_demo_centre(weeks=weeks, agents=agents, seed=seed, end_date=end_date)
    except ValueError as exc:
        fail(str(exc))
    data = CentreData.of_demo(centre)
    with user_errors(), unit_of_work(engine) as session:
        summary = load_centre(session, data, progress=info)
        # leave years start on 1 January: each agent's balance accrues from then
        new_year = date(day.year, 1, 1)
        now = datetime.now(UTC)
        for agent in centre.agents:
            set_opening_balance(session, agent.code, 0.0, new_year, now)
    seconds = time.perf_counter() - started
    typer.echo(
        f"demo centre written to {engine.url.render_as_string(hide_password=True)} "
        f"in {seconds:.1f} s: {summary.sites} site, {summary.queues} queues, "
        f"{summary.campaigns} campaigns, {summary.segments} segments, {summary.agents} agents, "
        f"{summary.history_intervals} history intervals "
        f"({summary.offered_contacts} contacts offered), "
        f"{summary.time_off_entries} time-off entries, "
        f"{summary.outbound_attempts} dialer attempts, {summary.callbacks} callbacks"
    )


@app.command("demo-catch-up")
def demo_catch_up(
    today: TodayOption = None,
    site: Annotated[str, typer.Option(help="Code of the site.")] = "DUB",
    seed: Annotated[int, typer.Option(help="Random seed of the calls and the agents.")] = 1,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Play the published week's days before today through its roster and import them.

    For each day from the week's Monday to yesterday: absences drawn at the site's unplanned
    shrinkage, agents following their plans, the forecast's calls (with a day's surprise) through
    the queue simulator; the intervals go through the interval history import and the agents'
    states through the event feed, so the history ends yesterday. Nothing to do on a Monday.
    """
    from wfm.db.repositories import SiteRepository
    from wfm.db.session import unit_of_work
    from wfm.services.demo_week import play_past_days
    from wfm.tools.demo.live import today_at

    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        timezone = SiteRepository(session).get(site).timezone
        day = _today(today) or today_at(timezone)
        played = play_past_days(session, site_code=site, today=day, seed=seed)
    if not played:
        typer.echo(f"{day} is the first day of its week: no day to catch up")
    for p in played:
        offered = sum(p.offered.values())
        answered = sum(p.answered.values())
        rate = f"{answered / offered:.3f}" if offered else "-"
        typer.echo(
            f"{p.day}: {p.history_rows} interval rows ({offered} contacts, answer rate {rate}), "
            f"{p.events} agent events, {p.absent_agents} of {p.rostered_agents} rostered agents "
            f"absent, {p.attempts} dialer attempts over {p.sell_hours:.1f} selling hours"
        )
