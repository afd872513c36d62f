"""`wfm simulate-day`: play a day of calls and agent states through the running API."""

from __future__ import annotations

import os
from datetime import date, time
from typing import Annotated

import typer

from wfm.cli.app import app, fail, info


def _parse_time(value: str | None, option: str) -> time | None:
    if value is None:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a time of day (HH:MM)")


@app.command("simulate-day")
def simulate_day(
    date_: Annotated[
        str,
        typer.Option(
            "--date",
            help="The local day to play (YYYY-MM-DD); it needs a published roster and a forecast.",
        ),
    ],
    speed: Annotated[
        float,
        typer.Option(
            min=0,
            max=10_000,
            help="Simulated seconds per real second (60: a minute a second; "
            "0: as fast as possible).",
        ),
    ] = 60.0,
    site: Annotated[str, typer.Option(help="Code of the site.")] = "DUB",
    surge: Annotated[
        float,
        typer.Option(
            min=-0.9,
            max=5.0,
            help="The surprise: extra contacts as a fraction "
            "of the forecast (0.3: +30 %) from --surge-from.",
        ),
    ] = 0.3,
    surge_from: Annotated[
        str, typer.Option(help="Local time the surprise starts (HH:MM).")
    ] = "13:00",
    surge_until: Annotated[
        str | None, typer.Option(help="Local time the surprise ends (default: end of day).")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="Local time to start at (default: the first shift).")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Local time to stop at (default: the last shift's end).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the calls and the agents.")] = 1,
    record_history: Annotated[
        bool,
        typer.Option(
            "--record-history/--no-record-history",
            help="Import each interval as it closes as interval history (the token needs "
            "history:write too, e.g. admin; without it the day is played unrecorded).",
        ),
    ] = True,
    api_url: Annotated[
        str | None, typer.Option(help="Base URL of the API (default $WFM_API_URL).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="Bearer token with the intraday write permission (floor_manager or admin; "
            "default $WFM_API_TOKEN)."
        ),
    ] = None,
) -> None:
    """Play a day through the API as it happens: calls from the forecast with a surprise, through
    the published roster and the erlang queue simulator; agents' states and queue snapshots are
    posted minute by minute, and switches recorded meanwhile are honoured.

    The site clock follows the play, so the recommendation, the live adherence and the dashboard
    show the simulated day. Each interval is imported as interval history as it closes, so KPIs
    and forecast accuracy fill in. At the end the clock is held at the end of the play.
    """
    import httpx

    from wfm.settings import get_settings
    from wfm.tools.day_player import DayPlayer, PlayConfig, PlayerError

    try:
        day = date.fromisoformat(date_)
    except ValueError:
        fail(f"--date: {date_!r} is not a date (YYYY-MM-DD)")
    config = PlayConfig(
        site=site,
        day=day,
        speed=speed,
        surge=surge,
        surge_from=_parse_time(surge_from, "--surge-from") or time(13),
        surge_until=_parse_time(surge_until, "--surge-until"),
        start=_parse_time(start, "--start"),
        end=_parse_time(end, "--end"),
        seed=seed,
        record_history=record_history,
    )
    url = api_url or get_settings().api_url
    bearer = token or os.environ.get("WFM_API_TOKEN")
    if not bearer:
        fail(
            "--token (or $WFM_API_TOKEN) is required: create one with `wfm token create "
            "--role floor_manager --name simulator`"
        )
    headers = {"Authorization": f"Bearer {bearer}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60.0) as client:
        player = DayPlayer(client, config, progress=info)
        try:
            player.load()
            info(f"playing {site} on {day.isoformat()} at {speed:g}x through {url} ...")
            summary = player.play()
        except PlayerError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", exit_code=130)
    typer.echo(
        f"played {summary.start_utc.isoformat()} to {summary.end_utc.isoformat()}: "
        f"{summary.minutes} minutes, {summary.events_posted} agent events "
        f"({summary.events_rejected} rejected), {summary.snapshots_posted} queue snapshots, "
        f"{summary.changes_honoured} plan changes honoured"
    )
    if summary.history_note is not None:
        typer.echo(f"  {summary.history_note}")
    elif record_history:
        typer.echo(f"  {len(summary.history_rows)} interval history rows imported")
    for code in sorted(summary.offered):
        offered = summary.offered[code]
        if offered <= 0:
            continue
        typer.echo(
            f"  {code}: offered {offered:.0f}, answer rate "
            f"{summary.answered[code] / offered:.3f}, service level "
            f"{summary.answered_within_threshold[code] / offered:.3f}"
        )
