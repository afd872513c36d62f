"""An agent's self-service on the My schedule page: the calendar subscription link (make,
copy, replace), the leave balance and time-off requests (ask, cancel), the open shift-bidding
rounds (rank the patterns, read the award and why) and the notification preferences.
Everything through the API (`dashboard.client`) with the agent's own token; times in the
site's; texts from the `my_schedule` catalogue. A request's prediction is said from its
figures in the reader's language, and a bid award's explanation from its reasons."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard.client import ApiClient, ApiError
from dashboard.common import forget_cached_reads, show_api_error
from dashboard.i18n import N_, fmt_date, fmt_datetime, fmt_number, fmt_percent, t

FLASH_KEY = "my_flash"
FEED_URL_KEY = "my_calendar_feed_url"  # (agent code, full URL) of the link made in this session
REQUEST_STATUS = {
    "pending": N_("waiting for a planner"),
    "approved": N_("approved"),
    "refused": N_("refused"),
    "cancelled": N_("cancelled"),
}
ROUND_STATUS = {
    "draft": N_("draft"),
    "open": N_("open for bids"),
    "closed": N_("closed"),
    "assigned": N_("assigned"),
    "applied": N_("applied"),
}
RULES = {"seniority": N_("seniority"), "rotation": N_("rotation")}
EVENT_KINDS = {
    "roster_published": N_("A roster with my shifts is published"),
    "shift_changed": N_("One of my shifts is changed"),
    "agent_switched": N_("I am switched between selling and serving"),
    "request_decided": N_("One of my requests is decided"),
}
WHOLE_DAYS = "days"
SOME_HOURS = "hours"
_SHORT_OF_LEAVE = re.compile(r"takes ([\d.]+) h but only (-?[\d.]+) h are available")


def flash(kind: str, text: str) -> None:
    """A message to show at the top of the next run (after `st.rerun`)."""
    st.session_state[FLASH_KEY] = (kind, text)


def show_flash() -> None:
    found = st.session_state.pop(FLASH_KEY, None)
    if found:
        kind, text = found
        getattr(st, kind)(text)


def show_calendar_feed(api: ApiClient, agent_code: str, timezone: str) -> None:
    """The agent's calendar subscription link: made on request, its URL shown once (the API
    keeps only a hash of its secret), replaced on request."""
    status = api.my_calendar_feed()
    made = st.session_state.get(FEED_URL_KEY)
    url = made[1] if made and made[0] == agent_code and status.get("exists") else None
    with st.expander(t("Subscribe in my calendar app"), expanded=url is not None):
        st.caption(
            t(
                "Google Calendar, Outlook or Apple Calendar can subscribe to a link and keep your "
                "published shifts up to date, from four weeks back to twelve weeks ahead."
            )
        )
        if url is not None:
            st.code(url, language=None)
            st.caption(
                t(
                    "Copy this link into your calendar app now: it is shown only once. Anyone "
                    "with the link can read your shifts."
                )
            )
            label = t("Make a new link (the old one stops working)")
        elif status.get("exists"):
            st.info(
                t(
                    "You made a subscription link on {when}. It is shown only when it is made: "
                    "to see a link again, make a new one (the old one stops working).",
                    when=fmt_datetime(status["created_at_utc"], timezone),
                )
            )
            label = t("Make a new link (the old one stops working)")
        else:
            label = t("Create my subscription link")
        if not st.button(label, key="my_calendar_feed_new"):
            return
        try:
            new_url = api.new_my_calendar_feed()
        except ApiError as exc:
            show_api_error(exc, t("Subscribe in my calendar app"))
            return
    st.session_state[FEED_URL_KEY] = (agent_code, new_url)
    st.rerun()


def _hours(value: float) -> str:
    return t("{hours} h", hours=fmt_number(value, 1))


def _request_refused(exc: ApiError) -> None:
    """Why the API refused a time-off request, in the reader's language where it is known."""
    short = _SHORT_OF_LEAVE.search(exc.message)
    if exc.kind == "invalid" and short:
        st.error(
            t(
                "Not enough leave: the request takes {hours} h but only {available} h are "
                "available.",
                hours=fmt_number(float(short.group(1)), 1),
                available=fmt_number(float(short.group(2)), 1),
            )
        )
    elif exc.kind == "conflict":
        st.error(
            t(
                "It overlaps a request or time off you already have ({message}).",
                message=exc.message,
            )
        )
    else:
        show_api_error(exc, t("Request time off"))


# --- time off ---
# (the prediction a request was judged on, said from its figures in the reader's language)


def _margins(day: dict[str, Any]) -> str:
    """ "answer rate 93.4% against a target of 90% (+3.4 points)"; each target the queue has."""
    out = []
    for name, value, target in (
        (t("answer rate"), day.get("answer_rate"), day.get("answer_rate_target")),
        (t("service level"), day.get("service_level"), day.get("service_level_target")),
    ):
        if value is not None and target is not None:
            out.append(
                t(
                    "{name} {value} against a target of {target} ({points} points)",
                    name=name,
                    value=fmt_percent(value, 1),
                    target=fmt_percent(target, 0),
                    points=f"{(value - target) * 100:+.1f}",
                )
            )
    return "; ".join(out)


def _queue_day(day: dict[str, Any]) -> str:
    return t(
        "{queue} on {day}: {margins}",
        queue=day["queue_code"],
        day=fmt_date(day["day"]),
        margins=_margins(day),
    )


def _slack(day: dict[str, Any]) -> float:
    gaps = [
        day[value] - day[target]
        for value, target in (
            ("answer_rate", "answer_rate_target"),
            ("service_level", "service_level_target"),
        )
        if day.get(value) is not None and day.get(target) is not None
    ]
    return min(gaps) if gaps else float("inf")


def prediction_text(prediction: dict[str, Any] | None) -> str:
    """What the queue model predicted for a time-off request (`prediction` as the API gives
    it), in the reader's language; the API's own sentence for a verdict this page does not
    know."""
    if not prediction:
        return ""
    verdict = prediction.get("verdict")
    days = [d for d in prediction.get("queue_days") or [] if isinstance(d, dict)]
    if verdict == "on_target":
        if not days:
            return t("No queue loses serving time in the published roster.")
        return t(
            "Every affected queue and day stays on target; the narrowest: {day}.",
            day=_queue_day(min(days, key=_slack)),
        )
    if verdict == "off_target":
        below = [d for d in days if _slack(d) < 0][:5]
        return t(
            "Below target without this agent: {days}.",
            days=" | ".join(_queue_day(d) for d in below),
        )
    if verdict == "no_published_week":
        return t(
            "No published roster covers all of it, so nothing predicts the absence there: "
            "a planner decides."
        )
    if verdict == "no_forecast":
        return t("A published week has no forecast to predict from: a planner decides.")
    return str(prediction.get("message") or "")


def _requests_table(requests: list[dict[str, Any]], zone: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("From"): fmt_datetime(r["start_utc"], zone),
                t("Until"): fmt_datetime(r["end_utc"], zone),
                t("Hours"): fmt_number(r["hours"], 1),
                t("Reason"): r["reason"],
                t("Status"): t(REQUEST_STATUS.get(r["status"], r["status"])),
                t("Prediction"): prediction_text(r.get("prediction")),
                t("Decision"): r.get("decision_reason") or "",
            }
            for r in requests
        ]
    )


def _span(
    zone: ZoneInfo, kind: str, first: date, last: date, start: time, end: time
) -> tuple[datetime, datetime] | None:
    """The asked span in the site's time, or None (after saying why) when it is empty."""
    if kind == WHOLE_DAYS:
        if last < first:
            st.error(t("The last day is before the first."))
            return None
        return (
            datetime.combine(first, time(0), tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone),
        )
    if end <= start:
        st.error(t("The end is not after the start."))
        return None
    return datetime.combine(first, start, tzinfo=zone), datetime.combine(first, end, tzinfo=zone)


def _request_form(api: ApiClient, zone: ZoneInfo, today: date) -> None:
    # options are the shown texts (a format_func would run outside the page's language)
    kinds = {t("Whole days"): WHOLE_DAYS, t("Some hours of a day"): SOME_HOURS}
    kind = kinds[str(st.radio(t("Time off for"), list(kinds), horizontal=True, key="my_off_kind"))]
    with st.form("my_time_off_form"):
        first = st.date_input(
            t("Day") if kind == SOME_HOURS else t("First day"), value=today, key="my_off_first"
        )
        last, start, end = first, time(9), time(13)
        if kind == WHOLE_DAYS:
            last = st.date_input(t("Last day"), value=today, key="my_off_last")
        else:
            left, right = st.columns(2)
            start = left.time_input(t("From"), value=time(9), step=900, key="my_off_start")
            end = right.time_input(t("Until"), value=time(13), step=900, key="my_off_end")
        reason = st.text_input(t("Reason"), value=t("leave"), max_chars=64, key="my_off_reason")
        sent = st.form_submit_button(t("Request time off"))
    if not sent or not isinstance(first, date) or not isinstance(last, date):
        return
    span = _span(zone, kind, first, last, start, end)
    if span is None:
        return
    if not reason.strip():
        st.error(t("Give a reason."))
        return
    try:
        made = api.request_time_off(span[0], span[1], reason.strip())
    except ApiError as exc:
        _request_refused(exc)
        return
    message = prediction_text(made.get("prediction"))
    if made["status"] == "approved":
        flash("success", t("Approved at once: {message}", message=message))
    else:
        flash("info", t("Sent to a planner: {message}", message=message))
    forget_cached_reads()  # an approval at once republishes my week
    st.rerun()


def show_time_off(api: ApiClient, zone_name: str) -> None:
    """The balance, the requests with their status and why, cancel a pending one, ask anew."""
    mine = api.my_time_off()
    balance = mine["balance"]
    cells = st.columns(4)
    cells[0].metric(t("Accrued"), _hours(balance["accrued_hours"]))
    cells[1].metric(t("Approved"), _hours(balance["approved_hours"]))
    cells[2].metric(t("Pending"), _hours(balance["pending_hours"]))
    cells[3].metric(t("Available"), _hours(balance["available_hours"]))
    st.caption(
        t(
            "Leave balance on {day}: {per_week} h accrue each week.",
            day=fmt_date(balance["on"]),
            per_week=fmt_number(balance["accrual_hours_per_week"], 1),
        )
    )
    requests = mine["requests"]
    if requests:
        st.dataframe(_requests_table(requests, zone_name), hide_index=True, width="stretch")
    else:
        st.info(t("You have no time-off requests yet."))
    pending = {
        t(
            "{start} to {end}",
            start=fmt_datetime(r["start_utc"], zone_name),
            end=fmt_datetime(r["end_utc"], zone_name),
        ): r["id"]
        for r in requests
        if r["status"] == "pending"
    }
    if pending:
        shown = st.selectbox(t("Pending request"), list(pending), key="my_off_pending")
        chosen = pending[str(shown)]
        if st.button(t("Cancel this request"), key="my_off_cancel"):
            try:
                api.cancel_time_off(int(chosen))
            except ApiError as exc:
                show_api_error(exc, t("Cancel this request"))
            else:
                flash("success", t("The request is cancelled."))
                st.rerun()
    _request_form(api, ZoneInfo(zone_name), date.fromisoformat(balance["on"]))


# --- shift bidding ---
# (an award's explanation said from its reasons in the reader's language)


def _turn_text(turn: dict[str, Any]) -> str:
    hired = (
        t("hired {day}", day=fmt_date(turn["hired"]))
        if turn.get("hired")
        else t("no hire date, so after every agent with one")
    )
    if turn.get("rule") == "rotation":
        last = turn.get("last")
        if last == "missed":
            said = t("last round you got none of your choices")
        elif last:
            said = t("last round you got choice {choice}", choice=last)
        else:
            said = t("you had no ranked result last round")
        return t(
            "Your turn was {position} by rotation ({last}; then by seniority: {hired}).",
            position=turn["position"],
            last=said,
            hired=hired,
        )
    return t(
        "Your turn was {position} by seniority ({hired}).", position=turn["position"], hired=hired
    )


def _reason_text(reason: dict[str, Any]) -> str:
    kind = reason.get("kind")
    fields = {k: v for k, v in reason.items() if k != "kind"}
    if kind == "turn":
        return _turn_text(reason)
    sentences = {
        "got": N_("You got choice {choice} ({pattern})."),
        "none_of_choices": N_("None of your {choices} choices could be given."),
        "no_bid": N_("You did not bid."),
        "full": N_(
            "Choice {choice} ({pattern}) was full when your turn came (all {seats} places taken "
            "by agents ahead of you)."
        ),
        "not_open": N_("Choice {choice} ({pattern}) is not open to you: {why}."),
        "fallback": N_(
            "You were given {pattern}, the pattern open to you with the most places left after "
            "every ranked choice was served."
        ),
        "none_open": N_("No pattern of the round is open to you, so none was given."),
        "all_full": N_("Every pattern open to you was full, so none was given."),
    }
    return t(sentences[str(kind)], **fields) if kind in sentences else ""


def award_text(result: dict[str, Any]) -> str:
    """Why an agent got their award (`result` as the API gives it), in the reader's language
    from its reasons; the API's English paragraph for an award stored without them."""
    reasons = [r for r in result.get("reasons") or [] if isinstance(r, dict)]
    said = [_reason_text(r) for r in reasons]
    if not reasons or not all(said):
        return str(result.get("explanation") or "")
    return " ".join(said)


def _patterns_table(patterns: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("Pattern"): p["label"],
                t("Paid hours a week"): fmt_number(p["weekly_paid_hours"], 1),
                t("Places"): p["seats"],
                t("Skills"): ", ".join(p["skills"]) or "-",
            }
            for p in patterns
        ]
    )


def _bid_round(api: ApiClient, found: dict[str, Any], zone_name: str) -> None:
    labels = {p["id"]: p["label"] for p in found["patterns"]}
    st.markdown(f"**{found['name']}**")
    st.caption(
        t(
            "{weeks} week(s) from {week}; turns by {rule}; {status}; bids close {closes}.",
            weeks=found["weeks"],
            week=fmt_date(found["week_start"]),
            rule=t(RULES.get(found["rule"], found["rule"])),
            status=t(ROUND_STATUS.get(found["status"], found["status"])),
            closes=fmt_datetime(found["closes_at_utc"], zone_name),
        )
    )
    result = found.get("result")
    if result:
        got = result.get("pattern")
        text = t("You got {pattern}.", pattern=got) if got else t("You got no pattern.")
        st.success(f"{text} {award_text(result)}")
        return
    if not found["patterns"]:
        st.info(t("No pattern of this round fits your skills and contract."))
        return
    st.dataframe(_patterns_table(found["patterns"]), hide_index=True, width="stretch")
    ranking = [i for i in (found.get("ranking") or []) if i in labels]
    if ranking:
        st.caption(
            t(
                "Your ranking: {ranking}",
                ranking="; ".join(f"{n}. {labels[i]}" for n, i in enumerate(ranking, 1)),
            )
        )
    if found["status"] != "open":
        return
    chosen = st.multiselect(
        t("Your choices, best first"),
        list(labels),
        default=ranking,
        format_func=labels.__getitem__,
        placeholder=t("Pick the patterns in the order you want them"),
        key=f"my_bid_{found['id']}",
    )
    if st.button(t("Submit my ranking"), key=f"my_bid_send_{found['id']}"):
        if not chosen:
            st.error(t("Pick at least one pattern."))
            return
        try:
            api.rank_patterns(int(found["id"]), [int(i) for i in chosen])
        except ApiError as exc:
            show_api_error(exc, t("Submit my ranking"))
            return
        flash("success", t("Your ranking of {round} is saved.", round=found["name"]))
        st.rerun()


def show_bidding(api: ApiClient, zone_name: str) -> None:
    """The site's published rounds: rank the patterns open to me, then my award and why."""
    rounds = api.my_bid_rounds()
    if not rounds:
        st.info(t("No shift-bidding round is open for your site."))
        return
    for found in rounds:
        with st.container(border=True):
            _bid_round(api, found, zone_name)


# --- notifications ---------------------------------------------------------------------------


def show_notifications(api: ApiClient) -> None:
    """My e-mail address and the kinds of news e-mailed to me."""
    prefs = api.my_notification_preferences()
    by_email = set((prefs.get("channels") or {}).get("email") or [])
    with st.form("my_notifications"):
        email = st.text_input(t("E-mail address"), value=prefs.get("email") or "", key="my_email")
        st.caption(t("E-mail me when:"))
        picked = {
            kind: st.checkbox(t(label), value=kind in by_email, key=f"my_notify_{kind}")
            for kind, label in EVENT_KINDS.items()
        }
        saved = st.form_submit_button(t("Save my notifications"))
    st.caption(t("Messages are in your site's language, times in its time zone."))
    if not saved:
        return
    kinds = [kind for kind, on in picked.items() if on]
    if kinds and not email.strip():
        st.error(t("Give an e-mail address to be e-mailed."))
        return
    try:
        api.set_my_notification_preferences(email.strip() or None, {"email": kinds})
    except ApiError as exc:
        show_api_error(exc, t("Save my notifications"))
        return
    flash("success", t("Your notifications are saved."))
    st.rerun()
