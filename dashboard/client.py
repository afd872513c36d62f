"""A small typed client of the WFM HTTP API, as the dashboard uses it.

Every failure becomes an `ApiError` whose `kind` says what went wrong in terms a page can show:
`unreachable` (no answer), `unauthorized` (401: token missing, unknown or revoked),
`forbidden` (403), `not_found` (404), `conflict` (409), `invalid` (422) or `server` (5xx).
"""

from __future__ import annotations

import os
import ssl
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from typing import Any

import httpx

DEFAULT_API_URL = "http://127.0.0.1:8000"
TIMEOUT_SECONDS = 20.0

JsonObject = dict[str, Any]

# the reads a page starts ahead (`ApiClient.ahead`) wait on the API here, side by side
_AHEAD = ThreadPoolExecutor(max_workers=8, thread_name_prefix="wfm-api-ahead")


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every request: httpx builds one per client by default, loading the
    CA bundle each time (some 20 ms of CPU per request, a dozen times per page)."""
    return httpx.create_ssl_context()


def api_url_from_env() -> str:
    """The API base URL: `$WFM_API_URL`, or the local default."""
    return (os.environ.get("WFM_API_URL") or DEFAULT_API_URL).rstrip("/")


class ApiError(Exception):
    """A request the API did not answer with success; `kind` and `status` say why."""

    def __init__(
        self,
        kind: str,
        message: str,
        status: int | None = None,
        error: str = "",
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.message = message
        self.error = error  # the API's own kind ("rule_violation", "invalid", ...)
        self.errors = errors or []  # its per-field or per-rule details


_KIND_OF_STATUS = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}


def _kind(status: int) -> str:
    if status in _KIND_OF_STATUS:
        return _KIND_OF_STATUS[status]
    if status in (400, 422):
        return "invalid"
    return "server" if status >= 500 else "invalid"


def _param(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _query(params: dict[str, Any]) -> dict[str, Any]:
    return {k: _param(v) for k, v in params.items() if v is not None}


@dataclass(frozen=True)
class ApiClient:
    """Talks to the API at `base_url` with a bearer token; one short-lived connection per call.

    A page builds one client per run. `ahead()` gives the same client whose reads start in the
    background: the page's later read of the same path and query takes that answer, so a page
    that starts its reads together at its top waits for the slowest, not for their sum."""

    base_url: str
    token: str
    # GETs started ahead on this client, by path and query, until a read takes them
    started: dict[tuple[str, str], Future[Any]] = field(
        default_factory=dict, compare=False, repr=False
    )
    starts_only: bool = field(default=False, compare=False, repr=False)

    def ahead(self) -> ApiClient:
        """This client as a starter of reads: each read method starts its GET in the background
        and returns None at once; the same read on this client then returns its answer (or
        raises its failure). Only read methods, which return what `get` gives, are meant."""
        return replace(self, starts_only=True)

    def _request(
        self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None
    ) -> Any:
        query = _query(params or {})
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            with httpx.Client(
                base_url=self.base_url, headers=headers, timeout=TIMEOUT_SECONDS, verify=_tls()
            ) as http:
                response = http.request(method, "/v1" + path, params=query, json=body)
        except httpx.HTTPError as exc:
            raise ApiError(
                "unreachable", f"the API at {self.base_url} does not answer ({exc})"
            ) from None
        if response.status_code >= 400:
            detail = response.text.strip()[:300]
            error, errors = "", []
            try:
                payload = response.json()
            except ValueError:
                payload = None
            if isinstance(payload, dict):
                detail = str(payload.get("detail") or detail)
                error = str(payload.get("error") or "")
                found = payload.get("errors")
                if isinstance(found, list):
                    errors = [e for e in found if isinstance(e, dict)][:50]
            raise ApiError(_kind(response.status_code), detail, response.status_code, error, errors)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        key = (path, repr(sorted(_query(params).items())))
        if self.starts_only:
            if key not in self.started:
                self.started[key] = _AHEAD.submit(self._request, "GET", path, params)
            return None
        early = self.started.pop(key, None)
        if early is not None:
            return early.result()
        return self._request("GET", path, params)

    def download(self, path: str, **params: Any) -> bytes:
        """The raw bytes of a GET (exports: CSV, Excel, iCalendar); failures as `_request`."""
        query = _query(params)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            with httpx.Client(
                base_url=self.base_url, headers=headers, timeout=TIMEOUT_SECONDS, verify=_tls()
            ) as http:
                response = http.get("/v1" + path, params=query)
        except httpx.HTTPError as exc:
            raise ApiError(
                "unreachable", f"the API at {self.base_url} does not answer ({exc})"
            ) from None
        if response.status_code >= 400:
            raise ApiError(_kind(response.status_code), response.text[:300], response.status_code)
        return response.content

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self._request("POST", path, params, body)

    def put(self, path: str, body: Any = None, **params: Any) -> Any:
        return self._request("PUT", path, params, body)

    def patch(self, path: str, body: Any = None, **params: Any) -> Any:
        return self._request("PATCH", path, params, body)

    # --- who am I, organisation ---------------------------------------------------------------

    def me(self) -> JsonObject:
        result: JsonObject = self.get("/me")
        return result

    def sites(self) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/sites")
        return result

    def agents(self, site: str) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/agents", site=site)
        return result

    def site_rules(self, site: str, week_start: date) -> JsonObject:
        """The site's rules valid for the week starting on `week_start`."""
        result: JsonObject = self.get(f"/sites/{site}/rules", week_start=week_start)
        return result

    def site_calendar(self, site: str) -> list[JsonObject]:
        """The site's own calendar days (holiday, workday, normal)."""
        result: list[JsonObject] = self.get(f"/sites/{site}/calendar")
        return result

    def set_site_calendar(self, site: str, days: list[JsonObject]) -> list[JsonObject]:
        """Replace the site's own calendar days."""
        result: list[JsonObject] = self.put(f"/sites/{site}/calendar", {"days": days})
        return result

    def calendar_year(self, site: str, year: int) -> JsonObject:
        """The year's holidays and make-up working days as the forecasts see them."""
        result: JsonObject = self.get(f"/sites/{site}/calendar/{year}")
        return result

    def scenarios(self, site: str, limit: int = 20) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/scenarios", site=site, limit=limit)
        return result

    def capacity_plan_comparison(self, plan_id: int, other_id: int) -> JsonObject:
        """Two computed plans month by month and their difference
        (`GET /v1/capacity-plans/{id}/comparison`)."""
        result: JsonObject = self.get(f"/capacity-plans/{plan_id}/comparison", other=other_id)
        return result

    def capacity_plans(self, site: str, limit: int = 20) -> list[JsonObject]:
        """The site's capacity plans, newest first, each with its job's status and, once
        computed, its plan (`GET /v1/capacity-plans`)."""
        result: list[JsonObject] = self.get("/capacity-plans", site=site, limit=limit)
        return result

    def create_capacity_plan(self, body: JsonObject) -> JsonObject:
        """Queue a capacity plan (`POST /v1/capacity-plans`): `capacity_plan_id`, `job_id`."""
        result: JsonObject = self.post("/capacity-plans", body)
        return result

    def queues(self, site: str) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/queues", site=site)
        return result

    def unplanned_shrinkage(self, site: str) -> JsonObject:
        """The site's unplanned shrinkage measured on its agents' rostered days, and its setting."""
        result: JsonObject = self.get(f"/sites/{site}/unplanned-shrinkage")
        return result

    def apply_unplanned_shrinkage(self, site: str) -> JsonObject:
        """Write the measured unplanned shrinkage to the site's setting."""
        result: JsonObject = self.post(f"/sites/{site}/unplanned-shrinkage")
        return result

    def queue_accuracy(self, queue: str, weeks: int = 8) -> JsonObject:
        """The queue model's prediction against what happened, per local week."""
        result: JsonObject = self.get(f"/queues/{queue}/accuracy", weeks=weeks)
        return result

    # --- KPIs --------------------------------------------------------------------------------

    def kpis(self, site: str, start: date, end: date, granularity: str) -> JsonObject:
        result: JsonObject = self.get(
            "/kpis", site=site, start=start, end=end, granularity=granularity
        )
        return result

    def contact_reasons(
        self, site: str, start: date, end: date, granularity: str, top: int = 10
    ) -> JsonObject:
        result: JsonObject = self.get(
            "/kpis/contact-reasons",
            site=site,
            start=start,
            end=end,
            granularity=granularity,
            top=top,
        )
        return result

    def reason_forecast(self, site: str, start: datetime, end: datetime) -> JsonObject:
        """The latest forecast of [start, end) split by contact reason, per queue (no
        intervals): `GET /v1/forecasts/reasons`."""
        result: JsonObject = self.get(
            "/forecasts/reasons", site=site, start=start, end=end, intervals=False
        )
        return result

    def kpi_adherence(self, site: str, start: date, end: date) -> JsonObject:
        """Adherence and conformance over local days [start, end), elapsed time only, for the
        site, per day, team and queue: `GET /v1/kpis/adherence`."""
        result: JsonObject = self.get("/kpis/adherence", site=site, start=start, end=end)
        return result

    def plan_accuracy(self, site: str, start: date, end: date) -> JsonObject:
        """The published rosters' planned contacts and predicted answer rate and service level
        against what happened, per local day and queue: `GET /v1/kpis/plan-accuracy`."""
        result: JsonObject = self.get("/kpis/plan-accuracy", site=site, start=start, end=end)
        return result

    def forecast_accuracy(self, site: str, period: str = "day") -> JsonObject:
        result: JsonObject = self.get("/kpis/forecast-accuracy", site=site, period=period)
        return result

    def outbound(self, site: str, week_start: date) -> JsonObject:
        result: JsonObject = self.get("/kpis/outbound", site=site, week_start=week_start)
        return result

    def outbound_results(self, site: str, start: date, end: date) -> JsonObject:
        """What was sold over the local days [start, end] (`/v1/outbound/results`)."""
        result: JsonObject = self.get("/outbound/results", site=site, start=start, end=end)
        return result

    # --- forecasts, requirements, history ------------------------------------------------------

    def forecast_runs(self, site: str) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/forecasts", site=site)
        return result

    def forecast_values(
        self, run_id: int, queue: str, start: datetime, end: datetime
    ) -> list[JsonObject]:
        result: list[JsonObject] = self.get(
            f"/forecasts/{run_id}/values", queue=queue, start=start, end=end
        )
        return result

    def history(self, queue: str, start: datetime, end: datetime) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/history", queue=queue, start=start, end=end)
        return result

    def requirements(
        self, site: str, start: datetime, end: datetime, run_id: int | None = None
    ) -> list[JsonObject]:
        result: list[JsonObject] = self.get(
            "/requirements", site=site, start=start, end=end, run_id=run_id
        )
        return result

    # --- schedules and jobs ------------------------------------------------------------------

    def schedules(self, site: str, week_start: date | None = None) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/schedules", site=site, week_start=week_start)
        return result

    def schedule(self, schedule_id: int) -> JsonObject:
        result: JsonObject = self.get(f"/schedules/{schedule_id}")
        return result

    def schedule_intervals(self, schedule_id: int) -> JsonObject:
        result: JsonObject = self.get(f"/schedules/{schedule_id}/intervals")
        return result

    def evaluation(self, schedule_id: int) -> JsonObject:
        result: JsonObject = self.get(f"/schedules/{schedule_id}/evaluation")
        return result

    def publish(self, schedule_id: int) -> JsonObject:
        result: JsonObject = self.post(f"/schedules/{schedule_id}/publish")
        return result

    def start_forecast(self, site: str, weeks: int) -> JsonObject:
        result: JsonObject = self.post("/forecasts", {"site_code": site, "weeks": weeks})
        return result

    def start_schedule(self, site: str, week_start: date) -> JsonObject:
        body = {"site_code": site, "week_start": week_start.isoformat()}
        result: JsonObject = self.post("/schedules", body)
        return result

    def job(self, job_id: str) -> JsonObject:
        result: JsonObject = self.get(f"/jobs/{job_id}")
        return result

    def my_schedule(self, week_start: date) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/me/schedule", week_start=week_start)
        return result

    # --- intraday ----------------------------------------------------------------------------

    def intraday_settings(self, site: str) -> JsonObject:
        result: JsonObject = self.get("/intraday/settings", site=site)
        return result

    def recommendation(self, site: str) -> JsonObject:
        result: JsonObject = self.get("/intraday/recommendation", site=site)
        return result

    def switch(
        self,
        site: str,
        to: str,
        agents: list[JsonObject],
        end_utc: str | None = None,
        reason: str = "",
    ) -> JsonObject:
        body: JsonObject = {"site": site, "to": to, "agents": agents, "reason": reason}
        if end_utc is not None:
            body["end_utc"] = end_utc
        result: JsonObject = self.post("/intraday/switch", body)
        return result

    def reforecast(self, site: str) -> JsonObject:
        """The day's forecast, reforecast with its 80 % band and actual contacts per queue."""
        result: JsonObject = self.get("/intraday/reforecast", site=site)
        return result

    def staffing(self, site: str) -> JsonObject:
        """The day's agents required, scheduled and serving per queue and interval."""
        result: JsonObject = self.get("/intraday/staffing", site=site)
        return result

    def day_plan(self, site: str, day: date) -> JsonObject:
        """The local day's forecast, campaigns and each agent (name, skills, effective plan)."""
        result: JsonObject = self.get("/intraday/day", site=site, date=day)
        return result

    def live_adherence(self, site: str) -> JsonObject:
        result: JsonObject = self.get("/adherence/live", site=site)
        return result

    def adherence(self, site: str, day: date) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/adherence", site=site, date=day, period="day")
        return result

    def queue_snapshots(self, site: str, day: date) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/queue-snapshots", site=site, date=day)
        return result

    # --- agent self-service: time off, shift bidding, notifications ------------------------------

    def my_time_off(self) -> JsonObject:
        """The agent's own leave balance and requests (`GET /v1/me/time-off`)."""
        result: JsonObject = self.get("/me/time-off")
        return result

    def request_time_off(self, start: datetime, end: datetime, reason: str) -> JsonObject:
        """Ask for time off over [start, end) (aware datetimes); the request as judged."""
        body = {"start": start.isoformat(), "end": end.isoformat(), "reason": reason}
        result: JsonObject = self.post("/me/time-off", body)
        return result

    def cancel_time_off(self, request_id: int) -> JsonObject:
        result: JsonObject = self.post(f"/me/time-off/{request_id}/cancel")
        return result

    def time_off_requests(self, site: str, status: str | None = None) -> list[JsonObject]:
        """A site's time-off requests by start, with their prediction (planners)."""
        result: list[JsonObject] = self.get("/time-off-requests", site=site, status=status)
        return result

    def decide_time_off(self, request_id: int, decision: str, reason: str | None) -> JsonObject:
        """Approve or refuse a pending request (`decision`: approve or refuse)."""
        body = {"decision": decision, "reason": reason or None}
        result: JsonObject = self.post(f"/time-off-requests/{request_id}/decision", body)
        return result

    def my_shift_offers(self) -> list[JsonObject]:
        """The agent's own shift offers, every status (`GET /v1/me/shift-offers?mine=true`)."""
        result: list[JsonObject] = self.get("/me/shift-offers", mine=True)
        return result

    def shift_offers(self) -> list[JsonObject]:
        """Other agents' open offers the agent could take."""
        result: list[JsonObject] = self.get("/me/shift-offers")
        return result

    def offer_shift(self, shift_date: date, mode: str) -> JsonObject:
        body = {"shift_date": shift_date.isoformat(), "mode": mode}
        result: JsonObject = self.post("/me/shift-offers", body)
        return result

    def cancel_offer(self, offer_id: int) -> JsonObject:
        result: JsonObject = self._request("DELETE", f"/me/shift-offers/{offer_id}")
        return result

    def take_offer(self, offer_id: int, taker_shift_date: date | None) -> JsonObject:
        """Take an offer; with `taker_shift_date`, swap it for the agent's shift of that day."""
        body = {"taker_shift_date": taker_shift_date.isoformat()} if taker_shift_date else {}
        result: JsonObject = self.post(f"/me/shift-offers/{offer_id}/take", body)
        return result

    def my_shift_trades(self) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/me/shift-trades")
        return result

    def shift_trades(self, site: str, status: str | None = None) -> list[JsonObject]:
        """A site's shift trades, newest first (planners)."""
        result: list[JsonObject] = self.get("/shift-trades", site=site, status=status)
        return result

    def decide_trade(self, trade_id: int, approve: bool, reason: str | None) -> JsonObject:
        body = {"approve": approve, "reason": reason or ""}
        result: JsonObject = self.post(f"/shift-trades/{trade_id}/decision", body)
        return result

    def my_bid_rounds(self) -> list[JsonObject]:
        """The published bid rounds of the agent's site with the patterns open to the agent."""
        result: list[JsonObject] = self.get("/me/bid-rounds")
        return result

    def rank_patterns(self, round_id: int, pattern_ids: list[int]) -> JsonObject:
        result: JsonObject = self.put(
            f"/me/bid-rounds/{round_id}/ranking", {"pattern_ids": pattern_ids}
        )
        return result

    def bid_rounds(self, site: str) -> list[JsonObject]:
        result: list[JsonObject] = self.get("/bid-rounds", site=site)
        return result

    def create_bid_round(self, body: JsonObject) -> JsonObject:
        result: JsonObject = self.post("/bid-rounds", body)
        return result

    def bid_round_step(self, round_id: int, step: str) -> JsonObject:
        """`open`, `close`, `assign` or `apply` a round."""
        result: JsonObject = self.post(f"/bid-rounds/{round_id}/{step}")
        return result

    def bid_round_results(self, round_id: int) -> list[JsonObject]:
        result: list[JsonObject] = self.get(f"/bid-rounds/{round_id}/results")
        return result

    # --- availability and roster preferences (an agent's, or with no code the token's own) ---

    @staticmethod
    def _owner(agent_code: str | None) -> str:
        return f"/agents/{agent_code}" if agent_code else "/me"

    def availability(self, agent_code: str | None = None) -> list[JsonObject]:
        """The agent's weekly availability windows (site-local `weekday`, `start_local`,
        `end_local`); none: available at any time."""
        result: list[JsonObject] = self.get(self._owner(agent_code) + "/availability")
        return result

    def set_availability(
        self, windows: list[JsonObject], agent_code: str | None = None
    ) -> list[JsonObject]:
        """Replace the agent's whole weekly availability."""
        body = {"windows": windows}
        result: list[JsonObject] = self.put(self._owner(agent_code) + "/availability", body)
        return result

    def preferences(self, agent_code: str | None = None) -> list[JsonObject]:
        """The agent's roster preferences (day_off, work_day, start_between)."""
        result: list[JsonObject] = self.get(self._owner(agent_code) + "/preferences")
        return result

    def set_preferences(
        self, preferences: list[JsonObject], agent_code: str | None = None
    ) -> list[JsonObject]:
        """Replace the agent's whole set of roster preferences."""
        body = {"preferences": preferences}
        result: list[JsonObject] = self.put(self._owner(agent_code) + "/preferences", body)
        return result

    def my_notification_preferences(self) -> JsonObject:
        result: JsonObject = self.get("/me/notification-preferences")
        return result

    def set_my_notification_preferences(
        self, email: str | None, channels: dict[str, list[str]]
    ) -> JsonObject:
        body = {"email": email or None, "channels": channels}
        result: JsonObject = self.put("/me/notification-preferences", body)
        return result

    def my_calendar_feed(self) -> JsonObject:
        """Whether the agent has a calendar subscription link, and since when
        (`GET /v1/me/calendar-feed`: `exists`, `created_at_utc`; never the URL)."""
        result: JsonObject = self.get("/me/calendar-feed")
        return result

    def new_my_calendar_feed(self) -> str:
        """Make the agent's calendar subscription link, or a new one in place of the old (which
        stops working): its full URL on this API, shown by the API this once only
        (`POST /v1/me/calendar-feed`)."""
        made: JsonObject = self.post("/me/calendar-feed")
        return self.base_url.rstrip("/") + str(made["url"])
