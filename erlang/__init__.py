"""Queueing maths for contact centres: Erlang B, C and A, staffing, and a queue simulator.

Pure computation (numpy/scipy, no I/O), vectorised over arrays of intervals.
"""

from erlang.errors import ErlangError
from erlang.models import ErlangAResult, ErlangCResult, erlang_a, erlang_b, erlang_c, offered_load

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "ErlangError",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "offered_load",
]
