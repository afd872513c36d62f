"""Time-off requests and leave balances (`wfm.domain.time_off`)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Session

from wfm.db.models import (
    AgentRow,
    SiteRow,
    TimeOffBalanceRow,
    TimeOffRequestRow,
    TimeOffRow,
)
from wfm.domain.errors import ConflictError, NotFoundError
from wfm.domain.time_off import HOLDING, Prediction, TimeOffRequest, TimeOffStatus


class TimeOffRequestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _agent(self, code: str) -> tuple[int, str]:
        found = self.session.execute(
            select(AgentRow.id, SiteRow.code)
            .join(SiteRow, AgentRow.site_id == SiteRow.id)
            .where(AgentRow.code == code)
        ).first()
        if found is None:
            raise NotFoundError(f"no agent {code!r}")
        return int(found[0]), str(found[1])

    def add(
        self,
        agent_code: str,
        start_utc: datetime,
        end_utc: datetime,
        reason: str,
        hours: float,
        created_at_utc: datetime,
    ) -> int:
        agent_id, _ = self._agent(agent_code)
        row = TimeOffRequestRow(
            agent_id=agent_id,
            start_utc=start_utc,
            end_utc=end_utc,
            reason=reason,
            hours=hours,
            status=TimeOffStatus.PENDING.value,
            prediction=None,
            created_at_utc=created_at_utc,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def set_prediction(self, request_id: int, prediction: Prediction | None) -> None:
        row = self.session.get(TimeOffRequestRow, request_id)
        assert row is not None
        row.prediction = None if prediction is None else prediction.to_json()
        self.session.flush()

    def _select(self) -> Any:
        return (
            select(TimeOffRequestRow, AgentRow.code, SiteRow.code)
            .join(AgentRow, TimeOffRequestRow.agent_id == AgentRow.id)
            .join(SiteRow, AgentRow.site_id == SiteRow.id)
            .execution_options(populate_existing=True)
        )

    def get(self, request_id: int, agent_code: str | None = None) -> TimeOffRequest:
        """The request; NotFoundError when there is none (or it is not `agent_code`'s, given)."""
        stmt = self._select().where(TimeOffRequestRow.id == request_id)
        if agent_code is not None:
            stmt = stmt.where(AgentRow.code == agent_code)
        found = self.session.execute(stmt).first()
        if found is None:
            raise NotFoundError(f"no time-off request {request_id}")
        return _request(*found)

    def list(
        self,
        *,
        agent_code: str | None = None,
        site_code: str | None = None,
        status: TimeOffStatus | None = None,
        limit: int = 1000,
    ) -> builtins.list[TimeOffRequest]:
        stmt = self._select().order_by(TimeOffRequestRow.start_utc, TimeOffRequestRow.id)
        if agent_code is not None:
            stmt = stmt.where(AgentRow.code == agent_code)
        if site_code is not None:
            stmt = stmt.where(SiteRow.code == site_code)
        if status is not None:
            stmt = stmt.where(TimeOffRequestRow.status == status.value)
        return [_request(*found) for found in self.session.execute(stmt.limit(limit))]

    def hours_by_status(self, agent_code: str) -> builtins.list[tuple[TimeOffStatus, float]]:
        """(status, hours) of the agent's pending and approved requests."""
        agent_id, _ = self._agent(agent_code)
        rows = self.session.execute(
            select(TimeOffRequestRow.status, TimeOffRequestRow.hours).where(
                TimeOffRequestRow.agent_id == agent_id,
                TimeOffRequestRow.status.in_([s.value for s in HOLDING]),
            )
        )
        return [(TimeOffStatus(status), float(hours)) for status, hours in rows]

    def lock_agent(self, agent_code: str) -> None:
        """Write the agent's row (a no-op UPDATE: PostgreSQL's row lock, SQLite's one write
        lock), as the transaction's first statement, so that two requests of one agent at once
        are checked one after the other, the second seeing what the first stored."""
        changed = self.session.execute(
            update(AgentRow)
            .where(AgentRow.code == agent_code)
            .values(active=AgentRow.active)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFoundError(f"no agent {agent_code!r}")

    def overlapping(
        self, agent_code: str, start_utc: datetime, end_utc: datetime
    ) -> builtins.list[str]:
        """What of the agent's already overlaps [start, end): pending or approved requests,
        and time off entered by planners (one line each); call `lock_agent` first."""
        agent_id, _ = self._agent(agent_code)
        found = [
            f"request {row.id} ({row.status}, {row.start_utc:%Y-%m-%d %H:%M} to "
            f"{row.end_utc:%Y-%m-%d %H:%M} UTC)"
            for row in self.session.scalars(
                select(TimeOffRequestRow).where(
                    TimeOffRequestRow.agent_id == agent_id,
                    TimeOffRequestRow.status.in_([s.value for s in HOLDING]),
                    TimeOffRequestRow.start_utc < end_utc,
                    TimeOffRequestRow.end_utc > start_utc,
                )
            )
        ]
        found += [
            f"time off {row.id} ({row.reason}, {row.start_utc:%Y-%m-%d %H:%M} to "
            f"{row.end_utc:%Y-%m-%d %H:%M} UTC)"
            for row in self.session.scalars(
                select(TimeOffRow).where(
                    TimeOffRow.agent_id == agent_id,
                    TimeOffRow.start_utc < end_utc,
                    TimeOffRow.end_utc > start_utc,
                )
            )
        ]
        return found

    def decide(
        self,
        request_id: int,
        status: TimeOffStatus,
        *,
        decided_at_utc: datetime,
        decided_by: str,
        reason: str | None,
        expected: Sequence[TimeOffStatus] = (TimeOffStatus.PENDING,),
        agent_code: str | None = None,
    ) -> None:
        """Move the request (only `agent_code`'s when given: NotFoundError for another's) from
        one of `expected` to `status` by compare-and-set: of two decisions at once, one
        changes the row. It is the first statement of a decision's transaction, so on SQLite
        the second waits for the first's write lock and then sees its result. ConflictError
        naming the request's status when it is not in `expected`."""
        owner = select(AgentRow.id).where(AgentRow.code == agent_code).scalar_subquery()
        changed = self.session.execute(
            update(TimeOffRequestRow)
            .where(
                TimeOffRequestRow.id == request_id,
                TimeOffRequestRow.status.in_([s.value for s in expected]),
                TimeOffRequestRow.agent_id == owner if agent_code is not None else sa_true(),
            )
            .values(
                status=status.value,
                decided_at_utc=decided_at_utc,
                decided_by=decided_by,
                decision_reason=reason,
            )
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            mine = select(TimeOffRequestRow.status).where(TimeOffRequestRow.id == request_id)
            if agent_code is not None:
                mine = mine.where(TimeOffRequestRow.agent_id == owner)
            now = self.session.scalar(mine)
            if now is None:
                raise NotFoundError(f"no time-off request {request_id}")
            raise ConflictError(f"time-off request {request_id} is already {now}")
        self.session.flush()

    def add_approved_time_off(self, request: TimeOffRequest) -> int:
        """The approved request as the agent's time off (what the roster builder honours)."""
        agent_id, _ = self._agent(request.agent_code)
        row = TimeOffRow(
            agent_id=agent_id,
            start_utc=request.start_utc,
            end_utc=request.end_utc,
            reason=request.reason,
            approved=True,
        )
        self.session.add(row)
        self.session.flush()
        stored = self.session.get(TimeOffRequestRow, request.id, populate_existing=True)
        assert stored is not None
        stored.time_off_id = row.id
        self.session.flush()
        return row.id

    # --- balances ------------------------------------------------------------------------

    def opening(self, agent_code: str) -> tuple[float, date] | None:
        agent_id, _ = self._agent(agent_code)
        row = self.session.get(TimeOffBalanceRow, agent_id)
        return None if row is None else (row.opening_hours, row.as_of)

    def set_opening(
        self, agent_code: str, opening_hours: float, as_of: date, updated_at_utc: datetime
    ) -> None:
        agent_id, _ = self._agent(agent_code)
        row = self.session.get(TimeOffBalanceRow, agent_id)
        if row is None:
            row = TimeOffBalanceRow(agent_id=agent_id)
            self.session.add(row)
        row.opening_hours = opening_hours
        row.as_of = as_of
        row.updated_at_utc = updated_at_utc
        self.session.flush()


def _request(row: TimeOffRequestRow, agent_code: str, site_code: str) -> TimeOffRequest:
    return TimeOffRequest(
        id=row.id,
        agent_code=agent_code,
        site_code=site_code,
        start_utc=row.start_utc,
        end_utc=row.end_utc,
        reason=row.reason,
        hours=row.hours,
        status=TimeOffStatus(row.status),
        prediction=None if row.prediction is None else Prediction.from_json(row.prediction),
        created_at_utc=row.created_at_utc,
        decided_at_utc=row.decided_at_utc,
        decided_by=row.decided_by,
        decision_reason=row.decision_reason,
    )
