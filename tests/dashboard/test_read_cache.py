"""The dashboard's remembered reads (dashboard.read_cache): fresh answers are reused, stale ones
are served while one background read refreshes them, too-old ones are waited for, and nothing
that failed or was cleared is kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from dashboard.read_cache import ReadCache


class Clock:
    def __init__(self) -> None:
        self.now_s = 1_000.0

    def __call__(self) -> float:
        return self.now_s


class Source:
    """What the API would answer: a counter of reads, each answer naming its read."""

    def __init__(self) -> None:
        self.reads = 0
        self.fail = False
        self.gate: threading.Event | None = None
        self.started = threading.Event()

    def __call__(self) -> dict[str, list[int]]:
        self.reads += 1
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        if self.fail:
            raise RuntimeError("the API is down")
        return {"read": [self.reads]}


@pytest.fixture
def refresher() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool


def cache_of(refresher: ThreadPoolExecutor, clock: Clock, max_entries: int = 16) -> ReadCache:
    return ReadCache(
        fresh_seconds=120,
        stale_seconds=600,
        max_entries=max_entries,
        refresher=refresher,
        clock=clock,
    )


def settle(refresher: ThreadPoolExecutor) -> None:
    """Wait until the background refreshes submitted so far have ended."""
    refresher.submit(lambda: None).result(timeout=10)
    refresher.submit(lambda: None).result(timeout=10)


def test_a_fresh_answer_is_reused_and_each_caller_gets_its_own_copy(
    refresher: ThreadPoolExecutor,
) -> None:
    clock, source = Clock(), Source()
    cache = cache_of(refresher, clock)
    first = cache.get("k", source)
    first["read"].append(99)  # a page changing what it read
    clock.now_s += 119
    again = cache.get("k", source)
    assert again == {"read": [1]}
    assert source.reads == 1


def test_a_stale_answer_is_served_at_once_and_refreshed_once_in_the_background(
    refresher: ThreadPoolExecutor,
) -> None:
    clock, source = Clock(), Source()
    cache = cache_of(refresher, clock)
    cache.get("k", source)
    clock.now_s += 300
    source.gate = threading.Event()  # the refresh waits until the test lets it end
    source.started.clear()
    served = [cache.get("k", source) for _ in range(5)]
    assert served == [{"read": [1]}] * 5  # nobody waited for the API
    assert source.started.wait(10)
    assert source.reads == 2  # one refresh for the five openings
    source.gate.set()
    settle(refresher)
    assert cache.get("k", source) == {"read": [2]}
    assert source.reads == 2


def test_an_answer_older_than_the_stale_limit_is_waited_for(
    refresher: ThreadPoolExecutor,
) -> None:
    clock, source = Clock(), Source()
    cache = cache_of(refresher, clock)
    cache.get("k", source)
    clock.now_s += 600
    assert cache.get("k", source) == {"read": [2]}
    assert source.reads == 2


def test_callers_asking_together_share_one_read(refresher: ThreadPoolExecutor) -> None:
    clock, source = Clock(), Source()
    cache = cache_of(refresher, clock)
    source.gate = threading.Event()
    answers: list[object] = []
    threads = [
        threading.Thread(target=lambda: answers.append(cache.get("k", source))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    assert source.started.wait(10)
    source.gate.set()
    for thread in threads:
        thread.join(10)
    assert answers == [{"read": [1]}] * 4
    assert source.reads == 1


def test_a_failure_is_not_remembered_and_a_failed_refresh_keeps_the_old_answer(
    refresher: ThreadPoolExecutor,
) -> None:
    clock, source = Clock(), Source()
    cache = cache_of(refresher, clock)
    source.fail = True
    with pytest.raises(RuntimeError, match="down"):
        cache.get("k", source)
    source.fail = False
    assert cache.get("k", source) == {"read": [2]}  # read again, not the failure
    clock.now_s += 200
    source.fail = True
    assert cache.get("k", source) == {"read": [2]}  # stale, its refresh fails behind
    settle(refresher)
    assert source.reads == 3
    assert cache.get("k", source) == {"read": [2]}  # still served, refreshed again
    settle(refresher)
    assert source.reads == 4
    clock.now_s += 400  # now too old: the caller meets the error
    with pytest.raises(RuntimeError, match="down"):
        cache.get("k", source)


def test_clear_forgets_answers_and_a_read_under_way_is_not_kept(
    refresher: ThreadPoolExecutor,
) -> None:
    clock, source = Clock(), Source()
    cache = cache_of(refresher, clock)
    cache.get("k", source)
    clock.now_s += 200
    source.gate = threading.Event()
    source.started.clear()
    assert cache.get("k", source) == {"read": [1]}  # a refresh starts, held at the gate
    assert source.started.wait(10)
    cache.clear()  # a write: the refresh under way may have read before it
    source.gate.set()
    settle(refresher)
    assert len(cache) == 0
    assert cache.get("k", source) == {"read": [3]}


def test_at_most_max_entries_are_kept_the_least_recently_used_going_first(
    refresher: ThreadPoolExecutor,
) -> None:
    clock, source = Clock(), Source()
    cache = cache_of(refresher, clock, max_entries=2)
    cache.get("a", source)
    cache.get("b", source)
    cache.get("a", source)  # a is used again, b is now the oldest
    cache.get("c", source)
    assert len(cache) == 2
    reads = source.reads
    cache.get("a", source)
    assert source.reads == reads
    cache.get("b", source)
    assert source.reads == reads + 1


def test_limits_are_checked() -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        with pytest.raises(ValueError):
            ReadCache(fresh_seconds=10, stale_seconds=5, max_entries=1, refresher=pool)
        with pytest.raises(ValueError):
            ReadCache(fresh_seconds=10, stale_seconds=10, max_entries=0, refresher=pool)
