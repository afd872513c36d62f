"""The in-memory answer cache: expiry, size, and no stale answer kept across a clear."""

from __future__ import annotations

import time

from api.cache import TtlCache


def test_answers_expire_after_their_ttl_and_a_zero_ttl_keeps_nothing() -> None:
    cache = TtlCache(ttl_seconds=60)
    cache.put("k", b"answer")
    assert cache.get("k") == b"answer"
    assert cache.get("other") is None
    short = TtlCache(ttl_seconds=0.01)
    short.put("k", b"answer")
    time.sleep(0.05)
    assert short.get("k") is None
    off = TtlCache(ttl_seconds=0)
    off.put("k", b"answer")
    assert off.get("k") is None


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = TtlCache(ttl_seconds=60, size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now "b" is the least recently used
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)


def test_an_answer_computed_before_a_clear_is_not_kept() -> None:
    cache = TtlCache(ttl_seconds=60)
    before = cache.generation
    cache.clear()  # e.g. an import committed while the answer was being computed
    cache.put("k", b"stale", generation=before)
    assert cache.get("k") is None
    now = cache.generation
    cache.put("k", b"fresh", generation=now)
    assert cache.get("k") == b"fresh"
