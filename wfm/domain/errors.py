"""Domain errors. The CLI prints them as one line; the API maps them to HTTP statuses."""

from __future__ import annotations


class WfmError(Exception):
    """Base of every error the user can act on."""


class ConfigurationError(WfmError):
    """A setting (database URL, path, ...) is unusable."""


class DatabaseNotReadyError(WfmError):
    """The database is unreachable or its schema is missing or out of date."""


class AlreadyExistsError(WfmError):
    """The data being written is already in the database."""


class NotFoundError(WfmError):
    """A named entity does not exist."""


class ValidationError(WfmError):
    """Input is malformed or contradictory."""


class ConflictError(WfmError):
    """The request conflicts with the current state (e.g. publishing a stale version)."""
