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
