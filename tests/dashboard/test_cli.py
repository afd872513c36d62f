"""`wfm dashboard`: bad options are one-line errors; the command line it runs."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wfm.cli import app, dashboard_commands
from wfm.cli.dashboard_commands import dashboard_script, streamlit_command


def test_bad_api_url_is_a_one_line_error() -> None:
    result = CliRunner().invoke(app, ["dashboard", "--api-url", "localhost:8000"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --api-url must be an http(s) URL like http://127.0.0.1:8000; got 'localhost:8000'"
    ]


def test_bad_port_names_the_option() -> None:
    result = CliRunner().invoke(app, ["dashboard", "--port", "0"])
    assert result.exit_code == 2
    assert "--port" in result.output


def test_streamlit_runs_the_packaged_app() -> None:
    script = dashboard_script()
    assert script == Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
    command = streamlit_command("0.0.0.0", 9001, script)
    assert command[1:5] == ["-m", "streamlit", "run", str(script)]
    assert command[command.index("--server.port") + 1] == "9001"
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    # no file watcher: it walks every loaded module on the event loop after each run
    assert command[command.index("--server.fileWatcherType") + 1] == "none"


def test_streamlit_reads_the_dashboards_config_from_where_wfm_dashboard_runs_it() -> None:
    """`wfm dashboard` runs streamlit in dashboard/ (the script's folder), whose
    .streamlit/config.toml puts the toolbar in viewer mode (no Deploy button)."""
    import subprocess
    import sys

    read = (
        "import streamlit.config as c; c.get_config_options(force_reparse=True); "
        "print(c.get_option('client.toolbarMode'), c.get_option('browser.gatherUsageStats'))"
    )
    here = subprocess.run(
        [sys.executable, "-c", read],
        cwd=dashboard_script().parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert here.stdout.split() == ["viewer", "False"]
    source = Path(dashboard_commands.__file__).read_text(encoding="utf-8")
    assert "cwd=script.parent" in source
