"""Background jobs: the queue in the `jobs` table, their handlers and the worker process."""

from wfm.jobs.queue import JOB_KINDS, enqueue

__all__ = ["JOB_KINDS", "enqueue"]
