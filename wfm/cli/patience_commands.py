"""`wfm patience`: estimate each queue's mean patience from its history and show the one in use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from wfm.cli.app import app
from wfm.cli.common import DatabaseUrlOption
from wfm.cli.pipeline_commands import (
    HISTORY_LOOKBACK_DAYS,
    HistoryLookbackOption,
    SiteOption,
    on_site,
)

if TYPE_CHECKING:
    from wfm.services.patience import PatienceEstimates

HEADER = ("queue", "patience_s", "source", "estimated_at_utc", "ci95_s", "abandoned")


@app.command("patience")
def patience_command(
    site: SiteOption = None,
    lookback_days: HistoryLookbackOption = HISTORY_LOOKBACK_DAYS,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Estimate each queue's mean patience from its history (abandons and waits) and store it.

    A queue with enough abandons in the window uses its own estimate (source "history"); the
    others use the site's default_patience_seconds (source "site"). Prints, per queue, the
    patience in use, its source, the estimate's date, its 95 % interval and the abandons.
    """
    from wfm.services.patience import estimate_patience

    result = on_site(
        database_url,
        site,
        lambda session, site_code: estimate_patience(
            session, site_code=site_code, lookback_days=lookback_days
        ),
    )
    for line in report_lines(result):
        typer.echo(line)


def report_lines(result: PatienceEstimates) -> list[str]:
    """The result as a heading and an aligned table, one row per queue."""
    site = result.site
    if result.window is None:
        heading = (
            f"site {site.code}: no interval history, every queue uses the site's setting "
            f"({site.default_patience_seconds:g} s)"
        )
    else:
        heading = (
            f"site {site.code}: history of the {result.lookback_days} local days to "
            f"{result.window.end_utc:%Y-%m-%d %H:%M} UTC; an estimate needs "
            f"{result.min_abandoned} abandons, else the site's setting "
            f"({site.default_patience_seconds:g} s) applies"
        )
    rows = [HEADER]
    for queue in result.queues:
        p = queue.patience
        estimated = "-" if p.estimated_at_utc is None else f"{p.estimated_at_utc:%Y-%m-%d %H:%M}"
        interval = (
            "-"
            if p.ci_low_seconds is None or p.ci_high_seconds is None
            else f"{p.ci_low_seconds:.1f}-{p.ci_high_seconds:.1f}"
        )
        seconds = "-" if p.seconds is None else f"{p.seconds:.1f}"
        rows.append(
            (
                queue.queue_code,
                seconds,
                p.source.value,
                estimated,
                interval,
                str(queue.history.abandoned),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    table = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return [heading, *table]
