"""An in-memory cache of computed answers (KPI reports)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class TtlCache:
    """A small thread-safe LRU of computed answers that expire after `ttl` seconds."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Any, ttl: float, compute: Callable[[], Any]) -> Any:
        if ttl <= 0:
            return compute()
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < ttl:
                self._items.move_to_end(key)
                return hit[1]
        value = compute()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def invalidate_kpis(app: Any) -> None:
    """Forget every cached KPI answer of this server (history, schedules or sites changed)."""
    app.state.kpi_cache.clear()
    app.state.kpi_day_cache.clear()
