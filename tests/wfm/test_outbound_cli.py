"""`wfm outbound import` as a user meets it, on SQLite and PostgreSQL: a good file stored and
idempotent, a bad row refused with exit 2 naming row and field and nothing stored, an
unreadable file one line and exit 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from wfm.cli import app
from wfm.db.models import DialerAttemptRow
from wfm.db.repositories import (
    AgentRepository,
    CampaignRepository,
    SegmentRepository,
    SiteRepository,
)
from wfm.db.session import unit_of_work
from wfm.domain import Agent, Campaign, CampaignKind, Contract, Segment, Site

runner = CliRunner()
HEADER = "attempt_id,attempted_at,agent,campaign,segment,result,revenue,talk_seconds,wrap_seconds"
AT = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)


def _seed(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code="par", name="Paris", timezone="Europe/Paris"))
        SegmentRepository(session).add(Segment(code="gold", name="Gold"))
        CampaignRepository(session).add(
            Campaign("par", "renew", "Renewals", CampaignKind.TELESALES, "gold", (1.0,) * 24, ())
        )
        AgentRepository(session).add_many(
            [Agent("par", "A1", "One", Contract("full", 30, 40, 4, 5, (480,)), (), ("renew",))]
        )


def _stored(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(DialerAttemptRow)) or 0


def _file(tmp_path: Path, lines: list[str], name: str = "attempts.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _line(i: int, result: str = "sale", revenue: str = "99", agent: str = "A1") -> str:
    at = (AT + timedelta(minutes=i)).isoformat()
    return f"x{i},{at},{agent},renew,gold,{result},{revenue},120,10"


def test_import_then_reimport_changes_nothing(engine: Engine, database_url: str, tmp_path: Path):
    _seed(engine)
    path = _file(tmp_path, [_line(0), _line(1, "busy", ""), _line(2, "no_answer", "0")])
    first = runner.invoke(app, ["outbound", "import", str(path), "--database-url", database_url])
    assert first.exit_code == 0, first.stderr
    assert "3 attempts stored, 0 unchanged, campaigns renew" in first.stdout
    again = runner.invoke(app, ["outbound", "import", str(path), "--database-url", database_url])
    assert again.exit_code == 0 and "0 attempts stored, 3 unchanged" in again.stdout
    items = [
        {
            "attempt_id": "x9",
            "attempted_at": AT.isoformat(),
            "agent": "A1",
            "campaign": "renew",
            "segment": "gold",
            "result": "contact",
            "talk_seconds": 30,
            "wrap_seconds": 0,
        }
    ]
    as_json = tmp_path / "more.json"
    as_json.write_text(json.dumps(items))
    more = runner.invoke(app, ["outbound", "import", str(as_json), "--database-url", database_url])
    assert more.exit_code == 0 and "1 attempts stored" in more.stdout
    assert _stored(engine) == 4


def test_bad_rows_exit_2_naming_row_and_field(engine: Engine, database_url: str, tmp_path: Path):
    _seed(engine)
    local = (AT + timedelta(minutes=1)).replace(tzinfo=None).isoformat()
    no_offset = f"x1,{local},A1,renew,gold,sale,99,120,10"
    lines = [_line(0), no_offset, _line(2, "sale", "-5"), _line(3, agent="Z"), _line(4, "won")]
    path = _file(tmp_path, lines)
    result = runner.invoke(app, ["outbound", "import", str(path), "--database-url", database_url])
    assert result.exit_code == 2
    first, *listed = result.stderr.strip().splitlines()
    assert first.startswith("error: attempts.csv: 4 of 5 rows are invalid and nothing was imported")
    assert [line.split(":")[0].strip() for line in listed] == ["row 3", "row 4", "row 5", "row 6"]
    fields = [line.split(":")[1].strip().split(" ")[0] for line in listed]
    assert fields == ["attempted_at", "revenue", "agent", "result"]
    assert _stored(engine) == 0
    unreadable = tmp_path / "broken.json"
    unreadable.write_text("[{")
    broken = runner.invoke(
        app, ["outbound", "import", str(unreadable), "--database-url", database_url]
    )
    assert broken.exit_code == 2 and broken.stderr.count("\n") == 1
    assert "malformed JSON" in broken.stderr and "Traceback" not in broken.stderr
