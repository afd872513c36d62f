"""Entry point: the one scheduler process (`wfm worker`) that runs queued and scheduled jobs."""
