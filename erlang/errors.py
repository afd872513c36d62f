"""The one error type of the queueing package."""

from __future__ import annotations


class ErlangError(ValueError):
    """Invalid input to a queueing calculation; the message starts with the argument's name.

    ``argument`` is the Python parameter name (``service_level``, ``aht_seconds``...), so an
    interface can translate it to its own spelling (``--service-level``).
    """

    def __init__(self, argument: str, problem: str) -> None:
        self.argument = argument
        self.problem = problem
        super().__init__(f"{argument} {problem}")
