"""In-memory caches of computed answers (KPI reports) and of bearer tokens' owners."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Response


class TtlCache:
    """A small thread-safe LRU of computed answers that expire after `ttl_seconds` (0 or less:
    the cache keeps nothing)."""

    def __init__(self, ttl_seconds: float, size: int = 512) -> None:
        self.ttl_seconds = ttl_seconds
        self.size = size
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # how many times the cache was cleared

    def get(self, key: Any) -> Any | None:
        """The answer kept under `key` if younger than the cache's time to live, else None."""
        if self.ttl_seconds <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is None or now - hit[0] >= self.ttl_seconds:
                return None
            self._items.move_to_end(key)
            return hit[1]

    @property
    def generation(self) -> int:
        """Changes whenever the cache is cleared; see `put`."""
        return self._generation

    def put(self, key: Any, value: Any, *, generation: int | None = None) -> None:
        """Keep `value` under `key` from now on (the oldest entries go beyond `size`); not when
        the cache keeps nothing, nor when it was cleared since `generation` was read: the value
        may predate what cleared it.
        """
        if self.ttl_seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if generation is not None and generation != self._generation:
                return
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._generation += 1


CACHE_HEADER = "X-WFM-Cache"  # "hit" or "miss" on answers the cache may serve


async def cached_response(
    cache: TtlCache, key: Any, compute: Callable[[], Awaitable[bytes]]
) -> Response:
    """A JSON response from the cache or from `compute`, saying which in `X-WFM-Cache`.

    A hit is answered on the event loop without touching the database."""
    body = cache.get(key)
    hit = body is not None
    if body is None:
        generation = cache.generation
        body = await compute()
        cache.put(key, body, generation=generation)
    return Response(
        content=body,
        media_type="application/json",
        headers={CACHE_HEADER: "hit" if hit else "miss"},
    )


def invalidate_kpis(app: Any) -> None:
    """Forget every cached KPI answer of this server (history, schedules or sites changed)."""
    app.state.kpi_cache.clear()
