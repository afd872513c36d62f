"""List depletion: how much of a lead list is still callable as attempts accumulate.

A lead leaves the list when it is reached (any contact closes it: sold, refused, promised a
callback, or surveyed) or when it has had `max_attempts_per_lead` attempts; do-not-call leads
never enter. The dialer works the list in rounds: every open lead once, then those not reached
once more, and so on, each attempt reaching the lead with the contact rate p. Round r (0-based)
holds N (1 - p)^r leads, so after A attempts, with A inside round r and a share f of that round
done, the open leads are

    N (1 - p)^r (1 - f)  +  N (1 - p)^(r + 1) f      (the second term only if r + 1 < max)

A lead not reached waits `cool_off_minutes` before its next attempt, so within an hour a lead
already tried can be called at most 60 / cool-off times; fresh leads can all be called. The
**list factor** of an hour is the share of the attempts an agent would make that the list can
supply: min(1, (fresh + retry x min(1, 60 / cool-off)) / attempts wanted). Both the callable
fraction and the factor fall (never rise) as attempts accumulate.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ListDepletion:
    """One lead list's recontact rules and the contact rate of its attempts."""

    size_leads: int
    max_attempts_per_lead: int
    cool_off_minutes: float
    contact_rate: float
    do_not_call_leads: int = 0

    def __post_init__(self) -> None:
        if self.size_leads < 0 or self.do_not_call_leads < 0:
            raise ValueError("size_leads and do_not_call_leads must be >= 0")
        if self.max_attempts_per_lead < 1:
            raise ValueError("max_attempts_per_lead must be >= 1")
        if self.cool_off_minutes < 0:
            raise ValueError("cool_off_minutes must be >= 0")
        if not 0.0 <= self.contact_rate <= 1.0:
            raise ValueError("contact_rate must lie in [0, 1]")

    @property
    def callable_leads_at_start(self) -> float:
        return float(max(0, self.size_leads - self.do_not_call_leads))

    def _state(self, attempts_made: float) -> tuple[float, float]:
        """(fresh leads never tried, leads tried and still open) after `attempts_made`."""
        n, q = self.callable_leads_at_start, 1.0 - self.contact_rate
        left = max(0.0, attempts_made)
        for r in range(self.max_attempts_per_lead):
            round_leads = n * q**r
            if round_leads <= 0:
                return 0.0, 0.0
            if left < round_leads:
                f = left / round_leads
                carried = n * q ** (r + 1) * f if r + 1 < self.max_attempts_per_lead else 0.0
                if r == 0:
                    return n * (1 - f), carried
                return 0.0, round_leads * (1 - f) + carried
            left -= round_leads
        return 0.0, 0.0

    def callable_leads(self, attempts_made: float) -> float:
        fresh, retry = self._state(attempts_made)
        return fresh + retry

    def callable_fraction(self, attempts_made: float) -> float:
        """Open leads after `attempts_made` attempts over the list's size (do-not-call included),
        in [0, 1]."""
        if self.size_leads == 0:
            return 0.0
        return self.callable_leads(attempts_made) / self.size_leads

    def list_factor(self, attempts_made: float, attempts_wanted: float) -> float:
        """The share of `attempts_wanted` attempts in the next hour the list can supply."""
        if attempts_wanted <= 0:
            return 1.0
        fresh, retry = self._state(attempts_made)
        per_hour = 1.0 if self.cool_off_minutes <= 60 else 60.0 / self.cool_off_minutes
        return min(1.0, (fresh + retry * per_hour) / attempts_wanted)
