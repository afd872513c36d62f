"""Dialer attempts: the bulk store of an import (idempotent by site and the dialer's attempt id,
refusing an id already stored with other content) and reads.

A store loads the import into a temporary table (executemany on SQLite, COPY on PostgreSQL),
finds the ids already stored with other content by one join, and only when there are none
inserts the rest with one INSERT ... SELECT ... ON CONFLICT DO NOTHING: a million attempts cost
seconds, not the minutes of row-by-row inserts through the ORM.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import Session, aliased

from wfm.db.models import AgentRow, CampaignRow, DialerAttemptRow, SegmentRow
from wfm.domain.dialer import CONTACT_RESULTS, AttemptResult, DialerAttempt

_VALUES = (
    "attempted_at_utc",
    "agent_id",
    "campaign_id",
    "segment_id",
    "lead_id",
    "result",
    "revenue",
    "talk_seconds",
    "wrap_seconds",
)
_COLUMNS = ("site_id", "attempt_id", *_VALUES)
_TEMP = "dialer_attempts_import"
_SAME = " AND ".join(f"d.{name} IS NOT DISTINCT FROM t.{name}" for name in _VALUES)


@dataclass(frozen=True, slots=True)
class AttemptColumns:
    """Attempts to store, as columns of database ids and values (position i is one attempt);
    every instant aware."""

    site_ids: Sequence[int]
    attempt_ids: Sequence[str]
    attempted_at_utc: Sequence[datetime]
    agent_ids: Sequence[int]
    campaign_ids: Sequence[int]
    segment_ids: Sequence[int]
    lead_ids: Sequence[str | None]
    results: Sequence[str]
    revenues: Sequence[float | None]
    talk_seconds: Sequence[float]
    wrap_seconds: Sequence[float]

    def rows(self) -> zip[tuple[Any, ...]]:
        return zip(
            range(len(self.site_ids)),
            self.site_ids,
            self.attempt_ids,
            self.attempted_at_utc,
            self.agent_ids,
            self.campaign_ids,
            self.segment_ids,
            self.lead_ids,
            self.results,
            self.revenues,
            self.talk_seconds,
            self.wrap_seconds,
            strict=True,
        )


@dataclass(frozen=True, slots=True)
class StoredAttempt:
    """What is stored under an attempt id the import gives with other content: the import's
    position and the stored values, in the order of `VALUE_FIELDS`."""

    position: int
    values: tuple[Any, ...]


VALUE_FIELDS = _VALUES


@dataclass(frozen=True, slots=True)
class AttemptReferences:
    """Code -> id of what an attempt names; a campaign's with its site's id."""

    campaigns: dict[str, tuple[int, int]]
    agents: dict[str, int]
    segments: dict[str, int]


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    """A campaign's stored attempts added up: attempts, contacts (results that reached the
    customer), sales, revenue of the sales, and talk plus wrap seconds."""

    attempts: int
    contacts: int
    sales: int
    revenue: float
    handled_seconds: float


@dataclass(frozen=True, slots=True)
class AttemptStore:
    """What a store did (or, for a dry run, would do): attempts inserted, attempts already
    stored with the same content; or, when `differing` is not empty, nothing."""

    inserted: int
    unchanged: int
    differing: tuple[StoredAttempt, ...]


class DialerAttemptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def store(self, columns: AttemptColumns, *, dry_run: bool = False) -> AttemptStore:
        """Insert the attempts whose (site, attempt id) is new; an id already stored with the
        same content is left as it is (counted unchanged); ids stored with other content are
        returned in `differing`, and then the caller rolls the transaction back (on SQLite the
        new attempts may have been written: see `_store_sqlite`). The ids must be unique within
        `columns`."""
        total = len(columns.site_ids)
        if not total:
            return AttemptStore(0, 0, ())
        connection = self.session.connection()
        if connection.dialect.name == "sqlite" and not dry_run:
            return _store_sqlite(connection, columns)
        _load(connection, columns)  # (a failure rolls the transaction back, the table with it)
        result = _store_loaded(connection, total, dry_run)
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_TEMP}")
        return result

    def references(self) -> AttemptReferences:
        """The codes an attempt may name, with their ids."""
        campaigns = {
            code: (campaign_id, site_id)
            for code, campaign_id, site_id in self.session.execute(
                select(CampaignRow.code, CampaignRow.id, CampaignRow.site_id)
            )
        }
        return AttemptReferences(
            campaigns=campaigns,
            agents={c: i for c, i in self.session.execute(select(AgentRow.code, AgentRow.id))},
            segments={
                c: i for c, i in self.session.execute(select(SegmentRow.code, SegmentRow.id))
            },
        )

    def get(self, campaign_code: str, attempt_id: str) -> DialerAttempt | None:
        """The attempt of that id at the campaign's site (whatever its campaign), or None."""
        site_id = select(CampaignRow.site_id).where(CampaignRow.code == campaign_code)
        found = self._attempts(
            DialerAttemptRow.site_id == site_id.scalar_subquery(),
            DialerAttemptRow.attempt_id == attempt_id,
        )
        return found[0] if found else None

    def progress(self, campaign_code: str) -> CampaignProgress:
        """What the campaign's stored attempts add up to."""
        a = DialerAttemptRow
        attempts, sales, revenue, handled = self.session.execute(
            select(
                func.count(),
                func.count().filter(a.result == AttemptResult.SALE.value),
                func.coalesce(func.sum(a.revenue), 0.0),
                func.coalesce(func.sum(a.talk_seconds + a.wrap_seconds), 0.0),
            )
            .join(CampaignRow, a.campaign_id == CampaignRow.id)
            .where(CampaignRow.code == campaign_code)
        ).one()
        contacts = self.session.scalar(
            select(func.count())
            .select_from(a)
            .join(CampaignRow, a.campaign_id == CampaignRow.id)
            .where(CampaignRow.code == campaign_code, a.result.in_(sorted(CONTACT_RESULTS)))
        )
        return CampaignProgress(
            int(attempts),
            int(contacts or 0),
            int(sales),
            float(revenue or 0.0),
            float(handled or 0.0),
        )

    def count(self, campaign_code: str | None = None) -> int:
        stmt = select(func.count()).select_from(DialerAttemptRow)
        if campaign_code is not None:
            stmt = stmt.join(CampaignRow).where(CampaignRow.code == campaign_code)
        return self.session.scalar(stmt) or 0

    def list(
        self,
        *,
        campaign_codes: Sequence[str] | None = None,
        start_utc: datetime | None = None,
        end_utc: datetime | None = None,
    ) -> builtins.list[DialerAttempt]:
        """The attempts placed in [start_utc, end_utc) (of the campaigns, when given), by time
        and attempt id."""
        a = DialerAttemptRow
        where: builtins.list[Any] = []
        if campaign_codes is not None:
            where.append(
                a.campaign_id.in_(
                    select(CampaignRow.id).where(
                        CampaignRow.code.in_(builtins.list(campaign_codes))
                    )
                )
            )
        if start_utc is not None:
            where.append(a.attempted_at_utc >= start_utc)
        if end_utc is not None:
            where.append(a.attempted_at_utc < end_utc)
        return self._attempts(*where)

    def count_in_window(
        self, *, campaign_codes: Sequence[str], start_utc: datetime, end_utc: datetime
    ) -> int:
        """The number of attempts `columns` would give for this window (one indexed count)."""
        stmt = _in_window(select(func.count()), campaign_codes, start_utc, end_utc)
        return self.session.scalar(stmt) or 0

    def handle_seconds_in_window(
        self,
        *,
        campaign_codes: Sequence[str],
        start_utc: datetime,
        end_utc: datetime,
        results: Collection[str],
    ) -> dict[str, tuple[int, float]]:
        """Per campaign, the attempts of these `results` placed in [start_utc, end_utc) and
        their talk plus wrap seconds summed (one indexed aggregate; campaigns without such
        attempts are left out)."""
        a = DialerAttemptRow
        stmt = _in_window(
            select(CampaignRow.code, func.count(), func.sum(a.talk_seconds + a.wrap_seconds)),
            campaign_codes,
            start_utc,
            end_utc,
        )
        stmt = stmt.where(a.result.in_(sorted(str(r) for r in results))).group_by(CampaignRow.code)
        return {
            str(code): (int(count), float(total or 0.0))
            for code, count, total in self.session.execute(stmt)
        }

    def window_fingerprint(
        self, *, campaign_codes: Sequence[str], start_utc: datetime, end_utc: datetime
    ) -> tuple[Any, ...]:
        """What identifies the attempts `columns` would give for this window, from one indexed
        aggregate: attempts are only ever added (an id stored with other content is refused) or
        deleted with their campaign, so the count, the latest instant and the totals change
        whenever the window's attempts do."""
        a = DialerAttemptRow
        totals = select(
            func.count(),
            func.max(a.attempted_at_utc),
            func.sum(a.revenue),
            func.sum(a.talk_seconds),
            func.sum(a.wrap_seconds),
            func.sum(a.agent_id),
            func.sum(a.segment_id),
        )
        stmt = _in_window(totals, campaign_codes, start_utc, end_utc)
        return tuple(self.session.execute(stmt).one())

    def columns(
        self,
        *,
        campaign_codes: Sequence[str] | None = None,
        start_utc: datetime | None = None,
        end_utc: datetime | None = None,
    ) -> dict[str, builtins.list[Any]]:
        """The attempts `list` gives, as one list per field (the form
        `wfm.domain.outbound.AttemptTable.from_columns` takes): attempted_at, segments,
        campaigns, agents, results, revenues, talk_seconds, wrap_seconds; no object per row."""
        a = DialerAttemptRow
        agent, campaign, segment = aliased(AgentRow), aliased(CampaignRow), aliased(SegmentRow)
        where: builtins.list[Any] = []
        if campaign_codes is not None:
            where.append(campaign.code.in_(builtins.list(campaign_codes)))
        if start_utc is not None:
            where.append(a.attempted_at_utc >= start_utc)
        if end_utc is not None:
            where.append(a.attempted_at_utc < end_utc)
        stmt = (
            select(
                a.attempted_at_utc,
                segment.code,
                campaign.code,
                agent.code,
                a.result,
                a.revenue,
                a.talk_seconds,
                a.wrap_seconds,
            )
            .join(agent, a.agent_id == agent.id)
            .join(campaign, a.campaign_id == campaign.id)
            .join(segment, a.segment_id == segment.id)
            .where(*where)
            .order_by(a.attempted_at_utc, a.attempt_id)
        )
        names = (
            "attempted_at",
            "segments",
            "campaigns",
            "agents",
            "results",
            "revenues",
            "talk_seconds",
            "wrap_seconds",
        )
        rows = self.session.execute(stmt).all()
        columns = (
            [builtins.list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in names]
        )
        out = dict(zip(names, columns, strict=True))
        out["attempted_at"] = [_aware(t) for t in out["attempted_at"]]
        return out

    def _attempts(self, *where: Any) -> builtins.list[DialerAttempt]:
        a = DialerAttemptRow
        agent, campaign, segment = aliased(AgentRow), aliased(CampaignRow), aliased(SegmentRow)
        stmt = (
            select(
                a.attempt_id,
                a.attempted_at_utc,
                agent.code,
                campaign.code,
                segment.code,
                a.lead_id,
                a.result,
                a.revenue,
                a.talk_seconds,
                a.wrap_seconds,
            )
            .join(agent, a.agent_id == agent.id)
            .join(campaign, a.campaign_id == campaign.id)
            .join(segment, a.segment_id == segment.id)
            .where(*where)
            .order_by(a.attempted_at_utc, a.attempt_id)
        )
        return [
            DialerAttempt(
                attempt_id=row[0],
                attempted_at_utc=row[1],
                agent_code=row[2],
                campaign_code=row[3],
                segment_code=row[4],
                lead_id=row[5],
                result=AttemptResult(row[6]),
                revenue=row[7],
                talk_seconds=row[8],
                wrap_seconds=row[9],
            )
            for row in self.session.execute(stmt)
        ]


# Bulk writes go below SQLAlchemy's per-row processing (as the interval history's do); the
# values are those the column types would write: on SQLite a UTC instant is the naive text
# `UTCDateTime` stores there.


_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


def _in_window(
    stmt: _Query, campaign_codes: Sequence[str], start_utc: datetime, end_utc: datetime
) -> _Query:
    """`stmt` over the attempts of these campaigns in [start_utc, end_utc) (the index's order:
    campaign, then instant)."""
    a = DialerAttemptRow
    return (
        stmt.select_from(a)
        .join(CampaignRow, a.campaign_id == CampaignRow.id)
        .where(
            CampaignRow.code.in_(builtins.list(campaign_codes)),
            a.attempted_at_utc >= start_utc,
            a.attempted_at_utc < end_utc,
        )
    )


def _store_sqlite(connection: Connection, columns: AttemptColumns) -> AttemptStore:
    """On SQLite, insert straight away (INSERT ... ON CONFLICT DO NOTHING, executemany): when
    every attempt was new there is nothing to compare, which is the common case and costs one
    write per attempt instead of two; otherwise compare through the temporary table."""
    names = ", ".join(_COLUMNS)
    sql = (
        f"INSERT INTO dialer_attempts ({names}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "
        "ON CONFLICT (site_id, attempt_id) DO NOTHING"
    )
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, _sqlite_rows(columns, with_position=False))
        inserted = max(cursor.rowcount, 0)  # the rows inserted, summed over the statements
    finally:
        cursor.close()
    total = len(columns.site_ids)
    if inserted == total:
        return AttemptStore(inserted, 0, ())
    _load(connection, columns)
    differing = _differing(connection)
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_TEMP}")
    return AttemptStore(inserted, total - inserted, differing)


def _load(connection: Connection, columns: AttemptColumns) -> None:
    """The attempts, with their position, into a fresh temporary table."""
    postgres = connection.dialect.name == "postgresql"
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {_TEMP}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_TEMP} (position integer, site_id integer, "
        "attempt_id varchar(128), "
        f"attempted_at_utc {'timestamptz' if postgres else 'datetime'}, "
        "agent_id integer, campaign_id integer, segment_id integer, lead_id varchar(128), "
        "result varchar(24), revenue double precision, talk_seconds double precision, "
        "wrap_seconds double precision)" + (" ON COMMIT DROP" if postgres else "")
    )
    names = f"position, {', '.join(_COLUMNS)}"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if postgres:
            with cursor.copy(f"COPY {_TEMP} ({names}) FROM STDIN") as copy:
                for row in columns.rows():
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {_TEMP} ({names}) VALUES ({', '.join('?' for _ in range(12))})"
        cursor.executemany(sql, _sqlite_rows(columns, with_position=True))
    finally:
        cursor.close()


def _store_loaded(connection: Connection, total: int, dry_run: bool) -> AttemptStore:
    differing = _differing(connection)
    if differing:
        return AttemptStore(0, 0, differing)
    if dry_run:
        present = connection.exec_driver_sql(
            f"SELECT count(*) FROM {_TEMP} t JOIN dialer_attempts d "
            "ON d.site_id = t.site_id AND d.attempt_id = t.attempt_id"
        ).scalar_one()
        return AttemptStore(total - int(present), int(present), ())
    names = ", ".join(_COLUMNS)
    inserted = connection.exec_driver_sql(
        f"INSERT INTO dialer_attempts ({names}) SELECT {names} FROM {_TEMP} t "
        "WHERE true ON CONFLICT (site_id, attempt_id) DO NOTHING"
    ).rowcount
    if inserted < total:
        # an import running at the same time may have stored one of these ids in between
        differing = _differing(connection)
    return AttemptStore(inserted, total - inserted, differing)


def _differing(connection: Connection) -> tuple[StoredAttempt, ...]:
    """The loaded attempts whose id is stored with other content, with the stored values."""
    stored = ", ".join(f"d.{name}" for name in _VALUES)
    found = connection.exec_driver_sql(
        f"SELECT t.position, {stored} FROM {_TEMP} t JOIN dialer_attempts d "
        f"ON d.site_id = t.site_id AND d.attempt_id = t.attempt_id WHERE NOT ({_SAME}) "
        "ORDER BY t.position"
    ).all()
    return tuple(StoredAttempt(int(row[0]), (_aware(row[1]), *row[2:])) for row in found)


def _aware(value: Any) -> datetime:
    """A stored instant as read below the column type: SQLite's naive UTC text, or aware."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_rows(columns: AttemptColumns, *, with_position: bool) -> Iterator[tuple[Any, ...]]:
    """The rows as the driver takes them, instants as the naive UTC text of `UTCDateTime`."""
    times = [_sqlite_utc(moment) for moment in columns.attempted_at_utc]
    values = (
        columns.site_ids,
        columns.attempt_ids,
        times,
        columns.agent_ids,
        columns.campaign_ids,
        columns.segment_ids,
        columns.lead_ids,
        columns.results,
        columns.revenues,
        columns.talk_seconds,
        columns.wrap_seconds,
    )
    if with_position:
        return zip(range(len(times)), *values, strict=True)
    return zip(*values, strict=True)


def _sqlite_utc(moment: datetime) -> str:
    """'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (the text without the '+00:00' of a UTC instant)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(" ", "microseconds")[:26]
