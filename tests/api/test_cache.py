"""The in-memory answer cache: expiry, size, and no stale answer kept across a clear."""

from __future__ import annotations

import time

from api.cache import TtlCache


def test_answers_expire_after_their_ttl_and_a_zero_ttl_never_hits() -> None:
    cache = TtlCache()
    cache.put("k", b"answer")
    assert cache.get("k", ttl=60) == b"answer"
    assert cache.get("k", ttl=0) is None
    time.sleep(0.05)
    assert cache.get("k", ttl=0.01) is None
    assert cache.get("other", ttl=60) is None


def test_the_least_recently_used_answer_goes_first() -> None:
    cache = TtlCache(size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a", ttl=60) == 1  # now "b" is the least recently used
    cache.put("c", 3)
    assert cache.get("b", ttl=60) is None
    assert (cache.get("a", ttl=60), cache.get("c", ttl=60)) == (1, 3)


def test_an_answer_computed_before_a_clear_is_not_kept() -> None:
    cache = TtlCache()
    before = cache.generation
    cache.clear()  # e.g. an import committed while the answer was being computed
    cache.put("k", b"stale", generation=before)
    assert cache.get("k", ttl=60) is None
    now = cache.generation
    cache.put("k", b"fresh", generation=now)
    assert cache.get("k", ttl=60) == b"fresh"
