"""The planning pages' jobs: those this session queued (a forecast, a roster, a capacity plan)
followed with their progress, every 2 s, on whichever planning page is open. A job that ends
makes the pages read the API again."""

from __future__ import annotations

import streamlit as st

from dashboard.client import ApiClient, ApiError
from dashboard.common import forget_cached_reads, show_api_error
from dashboard.i18n import N_, t
from dashboard.scenarios import JOB_STATUS

JOBS_KEY = "planner_jobs"
SEEN_KEY = "planner_jobs_seen"

JOB_KINDS = {
    "forecast": N_("Forecast"),
    "schedule": N_("Roster"),
    "requirements": N_("Requirements"),
    "capacity_plan": N_("Capacity plan"),
}


def track_job(job_id: str) -> None:
    """Follow a job this session queued."""
    st.session_state.setdefault(JOBS_KEY, []).append(job_id)


@st.fragment(run_every=2)
def show_job_progress(client: ApiClient) -> None:
    tracked: list[str] = st.session_state.get(JOBS_KEY, [])
    if not tracked:
        st.caption(t("No job started from this page yet."))
        return
    for job_id in list(tracked):
        try:
            job = client.job(job_id)
        except ApiError as exc:
            show_api_error(exc, t("Job {job}", job=job_id[:8]))
            continue
        label = t(
            "{kind} job {job}: {status}",
            kind=t(JOB_KINDS.get(job["kind"]) or str(job["kind"])),
            job=job_id[:8],
            status=t(JOB_STATUS.get(job["status"]) or str(job["status"])),
        )
        if job["status"] in ("queued", "running"):
            st.progress(float(job["progress"]), text=f"{label} - {job['message'] or '...'}")
            if job["status"] == "queued":
                st.caption(t("Queued: the worker (`wfm worker`) picks it up."))
        elif job["status"] == "succeeded":
            st.success(f"{label} - {job['message']}")
        elif job["status"] == "cancelled":
            st.warning(f"{label} - {job['message']}")
        else:
            st.error(f"{label} - {job['error']}")
        if job["status"] in ("succeeded", "failed", "cancelled") and job_id not in (
            st.session_state.get(SEEN_KEY, [])
        ):
            st.session_state.setdefault(SEEN_KEY, []).append(job_id)
            forget_cached_reads()
