"""`wfm up`: run the API, the worker and the dashboard together, as `make demo` does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from wfm.cli.app import app, fail, info
from wfm.cli.common import DatabaseUrlOption, open_database, resolve_database_url, user_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _wait_until_up(url: str, process: subprocess.Popen[bytes], what: str, seconds: float) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the {what} stopped at start (exit code {process.returncode})")
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the {what} did not answer at {url} within {seconds:.0f} s")


def _port_taken(host: str, port: int) -> bool:
    """Whether something already listens at host:port (another `wfm up`, say): its answers
    would pass for this run's."""
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, port)) == 0


def _check_ports(host: str, api_port: int, dashboard_port: int | None) -> None:
    """Refuse ports that clash or are taken before anything starts."""
    if api_port == dashboard_port:
        fail(f"--api-port and --dashboard-port are both {api_port}; give them different ports")
    wanted = [("API", "--api-port", api_port)]
    if dashboard_port is not None:
        wanted.append(("dashboard", "--dashboard-port", dashboard_port))
    for what, option, port in wanted:
        if _port_taken(host, port):
            fail(
                f"port {port} on {host} is in use (another `wfm up`?): stop what listens "
                f"there or give the {what} another port ({option})"
            )


def _interrupt(signum: int, _frame: object) -> None:
    """`kill` (SIGTERM) stops `wfm up` as Ctrl-C does: the processes it started stop with it."""
    raise KeyboardInterrupt


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def _simulation_day(
    session: Session, chosen: str | None, now_utc: datetime | None = None
) -> tuple[str, date]:
    """The site and day to play: the latest published roster's site, on the day named, else
    today when the roster's week holds it (the demo's live week), else the roster's first day."""
    from wfm.db.repositories import ScheduleRepository, SiteRepository
    from wfm.domain import ScheduleStatus
    from wfm.domain.errors import ConflictError, NotFoundError, ValidationError

    day: date | None = None
    if chosen is not None:
        try:
            day = date.fromisoformat(chosen)
        except ValueError:
            raise ValidationError(
                f"--simulate-date {chosen!r} is not a date (YYYY-MM-DD)"
            ) from None
    published = [
        schedule
        for site in SiteRepository(session).list()
        for schedule in ScheduleRepository(session).list(site.code)
        if schedule.status is ScheduleStatus.PUBLISHED
    ]
    if not published:
        raise NotFoundError(
            "--simulate needs a published roster: run `wfm schedule --publish` first"
        )
    latest = max(published, key=lambda s: s.created_at_utc)
    if not SiteRepository(session).get(latest.site_code).is_simulation:
        raise ConflictError(
            f"--simulate plays a day on site {latest.site_code!r}, which is live (its clock "
            "cannot be moved); mark it a simulation first (PATCH /v1/sites/"
            f"{latest.site_code} with is_simulation true), or use the demo centre"
        )
    if day is None:
        from wfm.tools.demo.live import today_at

        site = SiteRepository(session).get(latest.site_code)
        today = today_at(site.timezone, now_utc)
        in_week = latest.week_start <= today < latest.week_start + timedelta(days=7)
        day = today if in_week else latest.week_start
    return latest.site_code, day


UP_TOKEN_NAME = "wfm-up"  # the admin token `wfm up` prints; one at a time


def _fresh_admin_token(session: Session) -> str:
    """A new admin token for this run (WFM_TOKEN_TTL_DAYS): the tokens of earlier runs are
    revoked first (and those revoked before are deleted), so runs never pile up admin tokens.
    Only a token's hash is stored, so an earlier run's token cannot be shown again."""
    from datetime import UTC, datetime

    from wfm.db.repositories import TokenRepository
    from wfm.domain.access import Role, hash_token, new_token, token_expiry
    from wfm.settings import Settings

    tokens = TokenRepository(session)
    tokens.delete_revoked_named(UP_TOKEN_NAME)
    replaced = tokens.revoke_named(UP_TOKEN_NAME, reason="replaced by a newer `wfm up`")
    if replaced:
        info(f"revoked the admin token of the previous `wfm up` ({replaced})")
    token = new_token()
    tokens.add(
        name=UP_TOKEN_NAME,
        role=Role.ADMIN.value,
        token_hash=hash_token(token),
        expires_at_utc=token_expiry(datetime.now(UTC), Settings().token_ttl_days),
    )
    return token


@app.command("up")
def up(
    database_url: DatabaseUrlOption = None,
    host: Annotated[str, typer.Option(help="Address the API and dashboard bind to.")] = (
        "127.0.0.1"
    ),
    api_port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the API.")] = 8000,
    dashboard_port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port of the dashboard.")
    ] = 8501,
    dashboard: Annotated[
        bool, typer.Option("--dashboard/--no-dashboard", help="Also serve the dashboard.")
    ] = True,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Start everything, check it answers, print the URLs, then stop."
        ),
    ] = False,
    simulate: Annotated[
        bool,
        typer.Option(
            "--simulate/--no-simulate",
            help="Also play a day through the API (`wfm simulate-day`) so the floor is alive: "
            "today when the latest published roster's week holds it, else that week's first "
            "day, unless --simulate-date names one.",
        ),
    ] = False,
    simulate_date: Annotated[
        str | None, typer.Option("--simulate-date", help="Day to play, YYYY-MM-DD.")
    ] = None,
    simulate_speed: Annotated[
        float,
        typer.Option(
            "--simulate-speed", min=1, max=10_000, help="Simulated seconds per real second."
        ),
    ] = 60.0,
) -> None:
    """Serve the API, run the worker and serve the dashboard until interrupted (Ctrl-C).

    Prints the URLs and an admin token for the demo; everything stops together. With --simulate,
    a day of calls and agent states plays through the API meanwhile (its end stops nothing).
    """
    from wfm.db.session import unit_of_work

    _check_ports(host, api_port, dashboard_port if dashboard else None)
    url = resolve_database_url(database_url)
    engine = open_database(url)
    with user_errors(), unit_of_work(engine) as session:
        token = _fresh_admin_token(session)
        play = _simulation_day(session, simulate_date) if simulate else None
    engine.dispose()  # nothing held open while the processes run
    api_url = f"http://{host}:{api_port}"
    wfm = [sys.executable, "-m", "wfm"]
    env = {**os.environ, "WFM_DATABASE_URL": url, "WFM_API_URL": api_url}
    commands = [
        (
            "API",
            [*wfm, "serve", "--host", host, "--port", str(api_port), "--log-level", "warning"],
            f"{api_url}/health",
        ),
        ("worker", [*wfm, "worker"], None),
    ]
    if dashboard:
        commands.append(
            (
                "dashboard",
                [
                    *wfm,
                    "dashboard",
                    "--host",
                    host,
                    "--port",
                    str(dashboard_port),
                    "--api-url",
                    api_url,
                ],
                f"http://{host}:{dashboard_port}/_stcore/health",
            )
        )
    processes: list[subprocess.Popen[bytes]] = []
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for what, command, health in commands:
            info(f"starting the {what} ...")
            process = subprocess.Popen(command, env=env)
            processes.append(process)
            if health is not None:
                _wait_until_up(health, process, what, 90.0)
        typer.echo(f"API:        {api_url}  (OpenAPI docs at {api_url}/docs)")
        if dashboard:
            typer.echo(f"dashboard:  http://{host}:{dashboard_port}")
        typer.echo(f"admin token (sign in with it): {token}")
        essential = list(processes)
        if play is not None and not check:
            site_code, day = play
            info(f"playing {site_code} on {day} through the API at {simulate_speed:g}x")
            command = [*wfm, "simulate-day", "--site", site_code, "--date", day.isoformat()]
            command += ["--speed", f"{simulate_speed:g}", "--api-url", api_url]
            processes.append(subprocess.Popen(command, env={**env, "WFM_API_TOKEN": token}))
        if check:
            return
        typer.echo("running; press Ctrl-C to stop")
        while all(p.poll() is None for p in essential):
            time.sleep(1.0)
        names = [what for what, _command, _health in commands]
        stopped = [n for n, p in zip(names, essential, strict=True) if p.poll() is not None]
        fail(f"the {', '.join(stopped)} stopped; stopping the rest")
    except RuntimeError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        info("stopping ...")
    finally:
        _stop(processes)
