"""An in-memory cache of computed answers (KPI reports)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import Response


class TtlCache:
    """A small thread-safe LRU of computed answers that expire after `ttl` seconds."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Any, ttl: float, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """The answer kept under `key` if younger than `ttl` seconds, else a fresh one (then
        kept); and whether it came from the cache."""
        if ttl <= 0:
            return compute(), False
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < ttl:
                self._items.move_to_end(key)
                return hit[1], True
        value = compute()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value, False

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHE_HEADER = "X-WFM-Cache"  # "hit" or "miss" on answers the cache may serve


def cached_response(
    cache: TtlCache, key: Any, ttl: float, compute: Callable[[], bytes]
) -> Response:
    """A JSON response from the cache or from `compute`, saying which in `X-WFM-Cache`."""
    body, hit = cache.get_or_compute(key, ttl, compute)
    return Response(
        content=body,
        media_type="application/json",
        headers={CACHE_HEADER: "hit" if hit else "miss"},
    )


def invalidate_kpis(app: Any) -> None:
    """Forget every cached KPI answer of this server (history, schedules or sites changed)."""
    app.state.kpi_cache.clear()
