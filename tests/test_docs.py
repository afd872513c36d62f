"""Every command of the `wfm` command line is documented: a line in the README's table and an
entry in docs/cli.md for each command and subcommand."""

from __future__ import annotations

from pathlib import Path

import typer

from wfm.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[tuple[str, ...]]:
    group = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            found += [(name, sub) for sub in subcommands]
        else:
            found.append((name,))
    return found


def test_the_cli_has_the_commands_we_know() -> None:
    names = {c[0] for c in _commands()}
    assert {"demo-data", "forecast", "schedule", "serve", "worker", "up", "db", "token"} <= names


def test_every_command_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    reference = (ROOT / "docs" / "cli.md").read_text()
    missing_readme = sorted(c[0] for c in _commands() if f"`wfm {c[0]}" not in readme)
    missing_reference = sorted(
        " ".join(c) for c in _commands() if f"`wfm {' '.join(c)}" not in reference
    )
    assert missing_readme == []
    assert missing_reference == []


def test_every_forecast_endpoint_is_documented() -> None:
    import re

    from api.app import create_app
    from api.settings import ApiSettings

    reference = (ROOT / "docs" / "api.md").read_text()
    app = create_app(ApiSettings(database_url="sqlite:///:memory:"))
    paths = {path for path in app.openapi()["paths"] if path.startswith("/v1/forecast")}
    assert "/v1/forecasts/reasons" in paths
    missing = [
        path
        for path in sorted(paths)
        if not re.search(re.sub(r"\\\{[^}]*\\\}", r"\\{[^}]*\\}", re.escape(path)), reference)
    ]
    assert missing == []


def test_the_reason_share_estimators_are_documented() -> None:
    from forecasting.reasons import SHARE_METHODS

    text = (ROOT / "docs" / "forecasting.md").read_text()
    section = text.split("## Forecasts by contact reason", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{method}`" in section for method in SHARE_METHODS)
    assert "bench/reasons_bench.py" in section
