"""Entry point of the `wfm` command line.

Each command group lives in its own module that decorates functions on `wfm.cli.app.app`;
importing the modules listed here registers them.
"""

from __future__ import annotations

import importlib

from wfm.cli.app import CliError, app

_COMMAND_MODULES = [
    "wfm.cli.api_commands",
    "wfm.cli.calibrate_commands",
    "wfm.cli.capacity_plan_commands",
    "wfm.cli.dashboard_commands",
    "wfm.cli.db_commands",
    "wfm.cli.demo_commands",
    "wfm.cli.erlang_commands",
    "wfm.cli.forecast_commands",
    "wfm.cli.history_commands",
    "wfm.cli.notify_commands",
    "wfm.cli.intraday_commands",
    "wfm.cli.outbound_commands",
    "wfm.cli.patience_commands",
    "wfm.cli.pipeline_commands",
    "wfm.cli.roster_commands",
    "wfm.cli.scenario_commands",
    "wfm.cli.shrinkage_commands",
    "wfm.cli.simulate_days_commands",
    "wfm.cli.site_rules_commands",
    "wfm.cli.stack_commands",
]

for _name in _COMMAND_MODULES:
    importlib.import_module(_name)


def main() -> None:
    """Run the CLI; a `CliError` becomes a one-line message and a non-zero exit code."""
    try:
        app()
    except CliError as exc:  # raised outside typer's own handling
        import sys

        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None


__all__ = ["app", "main"]
