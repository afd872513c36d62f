"""WFM application core: domain types, settings, storage, services, jobs and CLI."""
