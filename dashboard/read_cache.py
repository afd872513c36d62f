"""The dashboard's remembered API reads, served while they are refreshed.

A read is remembered for `fresh_seconds`. After that, for up to `stale_seconds` of age, the
remembered answer is served at once and one read in the background refreshes it, so a page
opened again after the fresh time does not wait for the API; the next opening shows the
refreshed answer. Older than `stale_seconds` (or never read), the caller waits for the API, and
callers asking for the same thing meanwhile wait for that one read rather than asking again.

Every caller gets its own copy of an answer (answers are kept pickled), so a page that changes
what it read cannot change what the next page is served. `clear` forgets everything, and a read
that was under way when it was called is not kept. Failures are never remembered: a failed
refresh keeps serving the old answer until it is too old, and then the caller meets the error.
At most `max_entries` answers are kept, the least recently used going first.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("wfm.dashboard")


@dataclass(frozen=True)
class _Answer:
    pickled: bytes
    read_at_s: float  # on the cache's clock


class ReadCache:
    def __init__(
        self,
        *,
        fresh_seconds: float,
        stale_seconds: float,
        max_entries: int,
        refresher: Executor,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < fresh_seconds <= stale_seconds:
            raise ValueError("need 0 < fresh_seconds <= stale_seconds")
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.fresh_seconds = fresh_seconds
        self.stale_seconds = stale_seconds
        self.max_entries = max_entries
        self._refresher = refresher
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._under_way: dict[Hashable, Future[bytes]] = {}
        self._generation = 0  # moved on by `clear`; a read begun before it is not kept

    def get(self, key: Hashable, read: Callable[[], Any]) -> Any:
        """The answer to `read` (a call to the API) for `key`: remembered, or read now."""
        with self._lock:
            now_s = self._clock()
            answer = self._answers.get(key)
            if answer is not None:
                age_s = now_s - answer.read_at_s
                if age_s < self.stale_seconds:
                    self._answers.move_to_end(key)
                    if age_s >= self.fresh_seconds and key not in self._under_way:
                        self._refresh_in_background(key, read)
                    return pickle.loads(answer.pickled)
            waiting = self._under_way.get(key)
            if waiting is None:
                waiting = Future()
                self._under_way[key] = waiting
                generation = self._generation
                mine = True
            else:
                mine = False
        if mine:
            self._read(key, read, waiting, generation)
        return pickle.loads(waiting.result())

    def clear(self) -> None:
        """Forget every answer; reads under way are not kept when they end."""
        with self._lock:
            self._answers.clear()
            self._under_way.clear()
            self._generation += 1

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)

    def _refresh_in_background(self, key: Hashable, read: Callable[[], Any]) -> None:
        # called holding the lock
        waiting: Future[bytes] = Future()
        self._under_way[key] = waiting
        generation = self._generation

        def refresh() -> None:
            self._read(key, read, waiting, generation)
            try:
                waiting.result()
            except Exception as exc:  # the old answer is served until it is too old
                log.warning("refreshing a remembered read failed: %s", exc)

        try:
            self._refresher.submit(refresh)
        except RuntimeError:  # the refresher is shut down (the server is stopping)
            self._under_way.pop(key, None)

    def _read(
        self, key: Hashable, read: Callable[[], Any], waiting: Future[bytes], generation: int
    ) -> None:
        try:
            pickled = pickle.dumps(read(), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:
            with self._lock:
                if self._under_way.get(key) is waiting:
                    del self._under_way[key]
            waiting.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        with self._lock:
            if self._under_way.get(key) is waiting:
                del self._under_way[key]
            if generation == self._generation:
                self._answers[key] = _Answer(pickled, self._clock())
                self._answers.move_to_end(key)
                while len(self._answers) > self.max_entries:
                    self._answers.popitem(last=False)
        waiting.set_result(pickled)
