"""`wfm dashboard`: the Streamlit dashboard, talking to the API with a token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

import typer

from wfm.cli.app import app, fail, info


def dashboard_script() -> Path:
    """The dashboard's entry script (`dashboard/app.py`)."""
    import dashboard

    return Path(dashboard.__file__).resolve().parent / "app.py"


def _check_url(api_url: str) -> str:
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        fail(f"--api-url must be an http(s) URL like http://127.0.0.1:8000; got {api_url!r}")
    return api_url.rstrip("/")


def streamlit_command(host: str, port: int, script: Path) -> list[str]:
    """The `streamlit run` command line of the dashboard (no telemetry, no browser, no file
    watcher: Streamlit's watcher walks every loaded module's path on the server's event loop at
    the end of each run, which held each page's last messages back by a quarter of a second)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


@app.command("dashboard")
def dashboard(
    host: Annotated[
        str, typer.Option("--host", help="Address the dashboard binds to.")
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=1,
            max=65535,
            help="Port of the dashboard; default $WFM_DASHBOARD_PORT or 8501.",
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            help="Base URL of the WFM API (`wfm serve`); default $WFM_API_URL or "
            "http://127.0.0.1:8000.",
        ),
    ] = None,
) -> None:
    """Serve the dashboard (executive, planner, floor, my schedule) until interrupted."""
    from wfm.settings import get_settings

    settings = get_settings()
    url = _check_url(api_url or settings.api_url)
    port = settings.dashboard_port if port is None else port
    script = dashboard_script()
    if not script.is_file():
        fail(f"the dashboard script {script} is missing; reinstall the package")
    env = {**os.environ, "WFM_API_URL": url}
    info(f"WFM dashboard on http://{host}:{port} (API: {url}); sign in with an API token")
    # run from dashboard/, whose .streamlit/config.toml Streamlit reads (toolbar in viewer mode)
    process = subprocess.Popen(streamlit_command(host, port, script), env=env, cwd=script.parent)

    def _stop(_signum: int, _frame: object) -> None:
        process.terminate()

    signal.signal(signal.SIGTERM, _stop)  # `kill` of this command stops streamlit too
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        code = process.wait(timeout=10)
    if code not in (0, -2, -15, 130, 143):
        fail(f"streamlit exited with code {code}", exit_code=1)
