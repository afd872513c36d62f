"""Site rules versions in the database (SQLite and PostgreSQL): numbered per site, the version
valid for a week is the latest valid_from on or before it, the document reads back whole, and a
site's versions go with it."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import Engine, delete, func, select

from wfm.db.models import SiteRow, SiteRulesRow
from wfm.db.repositories import SiteRepository, SiteRulesRepository
from wfm.db.session import unit_of_work
from wfm.domain import Site
from wfm.domain.site_rules import DEFAULT_SITE_RULES, BreakSetting, SiteRules

WINTER = SiteRules(
    start_step_minutes=60,
    shift_lengths_minutes=(480,),
    earliest_start_local=time(20),
    latest_end_local=time(6),
    breaks=(BreakSetting("lunch", 30, 180, 300, min_shift_minutes=360, paid=False),),
    min_rest_hours=12.0,
    weekend_weekdays=(6,),
    fairness_weight_per_shift=9.5,
)


def test_versions_and_the_one_valid_for_a_week(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        SiteRepository(session).add(Site(code="dub", name="Dublin", timezone="Europe/Dublin"))
        SiteRepository(session).add(Site(code="cork", name="Cork", timezone="Europe/Dublin"))
        repo = SiteRulesRepository(session)
        assert repo.valid_for("dub", date(2026, 12, 7)) is None
        assert repo.add("dub", valid_from=date(2026, 12, 7), rules=WINTER, note="winter") == 1
        assert repo.add("dub", valid_from=date(2027, 1, 4), rules=DEFAULT_SITE_RULES) == 2
        assert repo.add("dub", valid_from=date(2026, 12, 7), rules=DEFAULT_SITE_RULES) == 3
        assert repo.add("cork", valid_from=date(2026, 1, 5), rules=WINTER) == 1
    with unit_of_work(engine) as session:
        repo = SiteRulesRepository(session)
        assert repo.valid_for("dub", date(2026, 11, 30)) is None
        first = repo.list("dub")[0]
        assert (first.version, first.valid_from, first.rules, first.note) == (
            1,
            date(2026, 12, 7),
            WINTER,
            "winter",
        )
        assert first.created_at_utc is not None and first.created_at_utc.tzinfo is not None
        # two versions from the same week: the later one applies
        assert repo.valid_for("dub", date(2026, 12, 14)).version == 3  # type: ignore[union-attr]
        assert repo.valid_for("dub", date(2027, 1, 11)).version == 2  # type: ignore[union-attr]
        assert repo.valid_for("cork", date(2026, 12, 7)).rules == WINTER  # type: ignore[union-attr]
    with unit_of_work(engine) as session:
        session.execute(delete(SiteRow).where(SiteRow.code == "dub"))
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(SiteRulesRow)) == 1
