"""`wfm serve` (the HTTP API), `wfm worker` (background jobs and schedules), `wfm token ...`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from wfm.cli.app import app, fail, info
from wfm.cli.common import DatabaseUrlOption, open_database, resolve_database_url, user_errors

if TYPE_CHECKING:
    from datetime import datetime

    from wfm.db.repositories import TokenEntry

token_app = typer.Typer(help="Create, list and revoke API bearer tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")

ROLES_HELP = "admin, planner, floor_manager, executive or agent"


@app.command("serve")
def serve(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to bind; default $WFM_API_HOST or 127.0.0.1."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", min=0, max=65535, help="Port; default $WFM_API_PORT or 8000."),
    ] = None,
    database_url: DatabaseUrlOption = None,
    log_level: Annotated[
        str, typer.Option("--log-level", help="uvicorn log level: info, warning, error.")
    ] = "info",
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes; on Linux new connections are spread evenly over them.",
        ),
    ] = 1,
    warm_up: Annotated[
        bool,
        typer.Option(
            "--warm-up/--no-warm-up",
            help=(
                "Evaluate each site's opening schedule in the background at start, so that "
                "the planner's first opening does not wait for it."
            ),
        ),
    ] = True,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) until interrupted."""
    import os

    import uvicorn

    from api.app import create_app
    from api.server import (
        PROTOCOL_PATH,
        balanced_processes_available,
        reserve_port,
        serve_processes,
    )
    from api.settings import ApiSettings

    if log_level not in {"critical", "error", "warning", "info", "debug", "trace"}:
        fail(f"--log-level must be one of critical, error, warning, info, debug; got {log_level!r}")
    open_database(database_url).dispose()  # the schema must be current before serving
    with user_errors():
        settings = ApiSettings().model_copy(update={"api_warm_up": warm_up})
        application = create_app(settings, database_url=resolve_database_url(database_url))
    bind_host = host or settings.api_host
    bind_port = settings.api_port if port is None else port
    balanced = workers > 1 and balanced_processes_available()
    if balanced:
        with user_errors():
            bind_port = reserve_port(bind_host, bind_port)  # before announcing the address
    info(f"WFM API on http://{bind_host}:{bind_port} (docs: http://{bind_host}:{bind_port}/docs)")
    if workers > 1:
        # each process builds its own app from the environment
        os.environ["WFM_DATABASE_URL"] = resolve_database_url(database_url)
        os.environ["WFM_API_WARM_UP"] = "1" if warm_up else "0"
        del application
        if balanced:
            with user_errors():
                code = serve_processes(bind_host, bind_port, workers, log_level)
            if code:
                fail("the server processes kept exiting at start (see the log above)", code)
            return
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=bind_host,
            port=bind_port,
            log_level=log_level,
            workers=workers,
            http=PROTOCOL_PATH,
        )
        return
    uvicorn.run(
        application, host=bind_host, port=bind_port, log_level=log_level, http=PROTOCOL_PATH
    )


@app.command("worker")
def worker(
    database_url: DatabaseUrlOption = None,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="Run the queued jobs, then exit (no schedules); for scripts and demos.",
        ),
    ] = False,
    no_schedule: Annotated[
        bool,
        typer.Option("--no-schedule", help="Only run queued jobs; skip the scheduled jobs."),
    ] = False,
    worker_id: Annotated[
        str | None,
        typer.Option("--worker-id", help="Name of this worker in the jobs table."),
    ] = None,
) -> None:
    """Run the background worker: queued jobs (forecasts, rosters) and the scheduled jobs."""
    import logging
    import signal

    from wfm.worker.settings import WorkerSettings
    from wfm.worker.worker import Worker

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("wfm").setLevel(logging.INFO)
    engine = open_database(database_url)
    with user_errors():
        settings = WorkerSettings()
        runner = Worker(engine, settings, worker_id=worker_id)
        if not once and not no_schedule:
            from wfm.worker.scheduled import scheduled_jobs

            scheduled_jobs(settings)  # refuse bad cron settings before starting
        from wfm.adapters.dask_cluster import check_at_start, close_all

        where = check_at_start(settings)  # an unreachable scheduler is said (or refused) now
        if where is not None:
            info(f"worker: scale-out: {where}")
    if once:
        with user_errors():
            runner.presence.start()
            try:
                stale = runner.recover_stale()
                ran = runner.run_pending()
            finally:
                runner.presence.stop()
        info(f"worker {runner.worker_id}: {ran} jobs run, {len(stale)} stale jobs marked failed")
        runner.close()
        close_all()
        return

    def stop(signum: int, _frame: object) -> None:
        info(f"worker: signal {signum}, stopping")
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    info(f"worker {runner.worker_id} on {engine.url.render_as_string(hide_password=True)}")
    with user_errors():
        clean = runner.serve_forever(with_schedule=not no_schedule)
    runner.close()
    close_all()
    if not clean:
        _leave_now(0)


def _leave_now(code: int) -> None:
    """Exit at once, without the interpreter's shutdown: a job thread still inside a native
    solver would otherwise be torn down mid-run (`terminate called without an active
    exception`, exit code 134). Its job is already back in the queue; its open transaction is
    dropped with the process."""
    import logging
    import os
    import sys

    info("worker: a job thread was still running; leaving without waiting for it")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help=f"Role of the token: {ROLES_HELP}.")],
    name: Annotated[str, typer.Option("--name", help="Who or what the token is for.")],
    agent: Annotated[
        str | None,
        typer.Option("--agent", help="Agent code; required for (and only for) role agent."),
    ] = None,
    expires_in_days: Annotated[
        int | None,
        typer.Option(
            "--expires-in-days",
            min=0,
            max=3650,
            help="Days the token stays valid; 0: never expires. Default WFM_TOKEN_TTL_DAYS (90).",
        ),
    ] = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create a token and print it once on stdout (only its SHA-256 hash is stored)."""
    from datetime import UTC, datetime

    from wfm.db.repositories import TokenRepository
    from wfm.db.session import unit_of_work
    from wfm.domain.access import Role, hash_token, new_token, token_expiry
    from wfm.settings import Settings

    try:
        chosen = Role(role)
    except ValueError:
        fail(f"--role must be one of {ROLES_HELP}; got {role!r}")
    if not name.strip() or len(name) > 100:
        fail("--name must be 1 to 100 characters")
    if chosen is Role.AGENT and agent is None:
        fail("--agent is required for role agent (the agent whose schedule the token reads)")
    if chosen is not Role.AGENT and agent is not None:
        fail(f"--agent only goes with role agent, not {chosen.value}")
    with user_errors():
        days = Settings().token_ttl_days if expires_in_days is None else float(expires_in_days)
    expires = token_expiry(datetime.now(UTC), days)
    engine = open_database(database_url)
    token = new_token()
    with user_errors(), unit_of_work(engine) as session:
        token_id = TokenRepository(session).add(
            name=name.strip(),
            role=chosen.value,
            token_hash=hash_token(token),
            agent_code=agent,
            expires_at_utc=expires,
        )
    until = "never expires" if expires is None else f"expires {expires:%Y-%m-%d %H:%M} UTC"
    info(f"token {token_id} created for {name.strip()!r} with role {chosen.value}; {until}")
    typer.echo(token)


@token_app.command("list")
def token_list(database_url: DatabaseUrlOption = None) -> None:
    """List tokens (id, role, name, agent, created, expires, last used, revoked, state); never the
    tokens themselves. State: active, expired, revoked, or agent_inactive."""
    from datetime import UTC, datetime

    from wfm.db.repositories import TokenRepository
    from wfm.db.session import unit_of_work

    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        entries = TokenRepository(session).list()
    now = datetime.now(UTC)
    typer.echo("id\trole\tname\tagent\tcreated_utc\texpires_utc\tlast_used_utc\trevoked_utc\tstate")
    for e in entries:
        times = [e.expires_at_utc, e.last_used_at_utc, e.revoked_at_utc]
        shown = "\t".join(f"{t:%Y-%m-%d %H:%M}" if t else "-" for t in times)
        typer.echo(
            f"{e.id}\t{e.role}\t{e.name}\t{e.agent_code or '-'}\t"
            f"{e.created_at_utc:%Y-%m-%d %H:%M}\t{shown}\t{_token_state(e, now)}"
        )


def _token_state(entry: TokenEntry, now: datetime) -> str:
    if entry.revoked_at_utc is not None:
        return "revoked"
    if entry.agent_active is False:
        return "agent_inactive"
    if entry.refusal(now) is not None:
        return "expired"
    return "active"


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Id of the token (see `wfm token list`).")],
    database_url: DatabaseUrlOption = None,
) -> None:
    """Revoke a token: running servers refuse it (401) within WFM_API_TOKEN_CACHE_SECONDS (5 s)."""
    from wfm.db.repositories import TokenRepository
    from wfm.db.session import unit_of_work

    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        TokenRepository(session).revoke(token_id)
    info(
        f"token {token_id} revoked; running API servers refuse it within "
        "WFM_API_TOKEN_CACHE_SECONDS (default 5 s)"
    )
