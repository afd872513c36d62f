"""`wfm dashboard`: bad options are one-line errors; the command line it runs."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from wfm.cli import app
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
