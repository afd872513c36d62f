"""The `wfm` command-line application object and the helpers its commands share."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

app = typer.Typer(
    name="wfm",
    help="Contact-centre workforce management: forecast, staffing, rosters, intraday.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class CliError(Exception):
    """An error the user can act on: printed as one line, exit code 2 (or the given code)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(message: str, exit_code: int = 2) -> NoReturn:
    """Print a one-line error to stderr and exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=exit_code)


def info(message: str) -> None:
    """Progress and status lines go to stderr so stdout stays machine-readable."""
    print(message, file=sys.stderr, flush=True)
