"""`wfm site-rules`: show a site's roster rules, or store a new version from a JSON file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from wfm.cli.app import app, fail
from wfm.cli.common import DatabaseUrlOption, open_database, user_errors
from wfm.cli.pipeline_commands import SiteOption, resolve_site


@app.command("site-rules")
def site_rules_command(
    site: SiteOption = None,
    week: Annotated[
        str | None,
        typer.Option(
            "--week", help="A week's first day: the rules valid then (default: the latest)."
        ),
    ] = None,
    set_file: Annotated[
        Path | None,
        typer.Option(
            "--set",
            help="A JSON file of rules (the fields of PUT /v1/sites/{code}/rules, without "
            "valid_from and note) to store as a new version valid from --week.",
        ),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Why, with --set.")] = "",
    database_url: DatabaseUrlOption = None,
) -> None:
    """Print a site's roster rules as JSON: the version valid for --week, or the latest, or the
    standard rules (version null) when none is stored; with the seats and unplanned shrinkage
    its weeks use (the version's own `seats` / `unplanned_shrinkage`, else the site's) and where
    they come from.

    With --set FILE and --week, store the file's rules as the site's next version, valid from
    that week on; bad rules are refused (exit 2) naming each field, and nothing is stored.
    """
    from wfm.db.repositories import SiteRepository
    from wfm.db.session import unit_of_work
    from wfm.domain.site_rules import (
        DEFAULT_SITE_RULES,
        SiteRulesVersion,
        parse_rules,
        rules_to_document,
        settings_in_use,
    )
    from wfm.services.site_rules import latest_or_for_week, set_rules

    week_start = _day(week) if week is not None else None
    if set_file is not None and week_start is None:
        fail("--set needs --week: the first day of the first week the rules apply to")
    engine = open_database(database_url)
    with user_errors(), unit_of_work(engine) as session:
        code = resolve_site(session, site)
        found: SiteRulesVersion | None
        if set_file is not None:
            assert week_start is not None
            found = set_rules(
                session,
                site_code=code,
                valid_from=week_start,
                rules=parse_rules(_read(set_file)),
                note=note,
            )
        else:
            found = latest_or_for_week(session, code, week_start)
        the_site = SiteRepository(session).get(code)
    rules = DEFAULT_SITE_RULES if found is None else found.rules
    document: dict[str, Any] = {
        "site": code,
        "version": None if found is None else found.version,
        "valid_from": None if found is None else found.valid_from.isoformat(),
        "note": "" if found is None else found.note,
        **rules_to_document(rules),
        **settings_in_use(rules, the_site),
    }
    typer.echo(json.dumps(document, indent=2))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--week: {text!r} is not a date (YYYY-MM-DD)")


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"--set: can't read {path}: {exc}")
