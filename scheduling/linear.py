"""A small mixed-integer linear model that can be solved by HiGHS (through scipy) or CP-SAT.

The aggregate stages are large, LP-friendly models (tens of thousands of integer counts whose LP
relaxation is nearly integral); HiGHS's dual simplex and MIP heuristics solve them far faster on
two cores than CP-SAT's LP worker. Writing the model once keeps both solvers available.
"""

from __future__ import annotations

import math
import threading
import time as clock
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Terms = Iterable[tuple[int, float]]


@dataclass(frozen=True)
class LinearSolution:
    status: str  # "optimal", "feasible" or "unknown"
    values: NDArray[np.float64]
    objective: float
    bound: float
    seconds: float

    def value(self, var: int) -> float:
        return float(self.values[var])

    def integer(self, var: int) -> int:
        return int(round(self.values[var]))


class LinearModel:
    """Variables with bounds, rows lb <= sum(coef * var) <= ub, and a maximised objective."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integral: list[bool] = []
        self.names: list[str] = []
        self.objective: dict[int, float] = {}
        self.constant = 0.0
        self._row_vars: list[int] = []
        self._row_coefs: list[float] = []
        self._row_ptr: list[int] = [0]
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []

    @property
    def variables(self) -> int:
        return len(self.lower)

    @property
    def rows(self) -> int:
        return len(self.row_lower)

    def var(self, lower: float, upper: float, name: str = "", *, integer: bool = True) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.integral.append(integer)
        self.names.append(name)
        return len(self.lower) - 1

    def add(self, terms: Terms, lower: float = -math.inf, upper: float = math.inf) -> None:
        merged: dict[int, float] = {}
        for var, coef in terms:
            merged[var] = merged.get(var, 0.0) + coef
        for var, coef in merged.items():
            if coef != 0.0:
                self._row_vars.append(var)
                self._row_coefs.append(coef)
        self._row_ptr.append(len(self._row_vars))
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def gain(self, var: int, coef: float) -> None:
        """Add coef * var to the maximised objective."""
        self.objective[var] = self.objective.get(var, 0.0) + coef

    def gains(self, terms: Terms) -> None:
        """Add every coef * var of `terms` to the maximised objective, in order."""
        for var, coef in terms:
            self.gain(var, coef)

    def _empty(self) -> LinearSolution:
        """A model without variables (nothing to decide): its constant is the optimum."""
        return LinearSolution("optimal", np.zeros(0), self.constant, self.constant, 0.0)

    # ----------------------------------------------------------------------------------------
    def solve_lp(self, time_limit_seconds: float) -> LinearSolution:
        """The LP relaxation by HiGHS's interior-point method (with crossover)."""
        if not self.variables:
            return self._empty()
        from scipy.optimize import linprog
        from scipy.sparse import csr_matrix, vstack

        started = clock.monotonic()
        count = self.variables
        cost = np.zeros(count)
        for var, coef in self.objective.items():
            cost[var] = -coef
        matrix = csr_matrix(
            (self._row_coefs, self._row_vars, self._row_ptr), shape=(self.rows, count)
        )
        lower = np.asarray(self.row_lower)
        upper = np.asarray(self.row_upper)
        equal = lower == upper
        above = np.isfinite(upper) & ~equal
        below = np.isfinite(lower) & ~equal
        result = linprog(
            cost,
            A_ub=vstack([matrix[above], -matrix[below]]) if (above | below).any() else None,
            b_ub=np.concatenate([upper[above], -lower[below]]) if (above | below).any() else None,
            A_eq=matrix[equal] if equal.any() else None,
            b_eq=lower[equal] if equal.any() else None,
            bounds=np.column_stack([self.lower, self.upper]),
            method="highs-ipm",
            options={"time_limit": max(1.0, time_limit_seconds), "disp": False},
        )
        seconds = clock.monotonic() - started
        if result.status != 0 or result.x is None:
            return LinearSolution("unknown", np.zeros(count), math.nan, math.inf, seconds)
        objective = -float(result.fun) + self.constant
        return LinearSolution("optimal", np.asarray(result.x), objective, objective, seconds)

    def solve_milp(
        self, time_limit_seconds: float, *, relative_gap: float = 1e-4
    ) -> LinearSolution:
        """Solve as a MIP with HiGHS (deterministic; branch and bound on the dual simplex)."""
        if not self.variables:
            return self._empty()
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_matrix

        started = clock.monotonic()
        count = self.variables
        cost = np.zeros(count)
        for var, coef in self.objective.items():
            cost[var] = -coef
        matrix = csr_matrix(
            (self._row_coefs, self._row_vars, self._row_ptr), shape=(self.rows, count)
        )
        constraints = (
            [LinearConstraint(matrix, np.asarray(self.row_lower), np.asarray(self.row_upper))]
            if self.rows
            else []
        )
        result = milp(
            cost,
            integrality=np.asarray(self.integral, dtype=int),
            bounds=Bounds(np.asarray(self.lower), np.asarray(self.upper)),
            constraints=constraints,
            options={"time_limit": max(0.5, time_limit_seconds), "mip_rel_gap": relative_gap},
        )
        seconds = clock.monotonic() - started
        if result.x is None:
            return LinearSolution("unknown", np.zeros(count), math.nan, math.inf, seconds)
        objective = -float(result.fun) + self.constant
        raw_bound = getattr(result, "mip_dual_bound", None)
        bound = (
            objective if raw_bound is None else max(objective, -float(raw_bound) + self.constant)
        )
        status = "optimal" if result.status == 0 else "feasible"
        return LinearSolution(status, np.round(np.asarray(result.x)), objective, bound, seconds)

    def solve_cp_sat(
        self,
        time_limit_seconds: float,
        *,
        seed: int,
        workers: int,
        hint: dict[int, int] | None = None,
        money_scale: float = 100.0,
    ) -> LinearSolution:
        """Solve with CP-SAT: every variable integer, every row coefficient a whole number, the
        objective rounded to 1/money_scale."""
        from ortools.sat.python import cp_model

        started = clock.monotonic()
        model = cp_model.CpModel()
        variables = [
            model.new_int_var(math.ceil(lo - 1e-9), math.floor(hi + 1e-9), name)
            for lo, hi, name in zip(self.lower, self.upper, self.names, strict=True)
        ]
        for r in range(self.rows):
            begin, end = self._row_ptr[r], self._row_ptr[r + 1]
            expr = sum(
                int(self._row_coefs[i]) * variables[self._row_vars[i]] for i in range(begin, end)
            )
            lo, hi = self.row_lower[r], self.row_upper[r]
            low = math.ceil(lo - 1e-9) if math.isfinite(lo) else cp_model.INT_MIN
            high = math.floor(hi + 1e-9) if math.isfinite(hi) else cp_model.INT_MAX
            model.add_linear_constraint(expr, low, high)
        model.maximize(
            sum(round(coef * money_scale) * variables[v] for v, coef in self.objective.items())
        )
        if hint:
            for v, value in hint.items():
                model.add_hint(variables[v], value)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.2, time_limit_seconds)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        # Ctrl-C stops the search only in a command's own main thread: in a worker's job thread
        # SIGINT is the worker's to handle (CP-SAT's handler there aborts the process)
        solver.parameters.catch_sigint_signal = (
            threading.current_thread() is threading.main_thread()
        )
        status = solver.solve(model)
        seconds = clock.monotonic() - started
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return LinearSolution("unknown", np.zeros(self.variables), math.nan, math.inf, seconds)
        values = np.array([solver.value(v) for v in variables], dtype=float)
        return LinearSolution(
            "optimal" if status == cp_model.OPTIMAL else "feasible",
            values,
            solver.objective_value / money_scale + self.constant,
            solver.best_objective_bound / money_scale + self.constant,
            seconds,
        )
