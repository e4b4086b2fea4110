"""fugong.web.viewcache.ViewCache: a bounded LRU that builds a key once, even for many callers at once."""

import threading
import time

import pytest

from fugong.web.viewcache import ViewCache


def test_a_key_is_built_once_and_then_served_from_the_cache():
    cache, calls = ViewCache(), []
    assert [cache.get_or_make("k", lambda: calls.append(1) or "v") for _ in range(3)] == ["v"] * 3
    assert len(calls) == 1


def test_it_keeps_at_most_maxsize_entries_dropping_the_least_recently_used():
    cache = ViewCache(maxsize=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert len(cache) == 2
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


def test_callers_missing_the_same_key_together_wait_for_one_build():
    cache, calls = ViewCache(), []

    def slow():
        calls.append(1)
        time.sleep(0.05)
        return "built"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_make("k", slow))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["built"] * 8
    assert len(calls) == 1


def test_a_failed_build_is_not_cached():
    cache = ViewCache()

    def fail():
        raise ValueError("no data yet")

    with pytest.raises(ValueError):
        cache.get_or_make("k", fail)
    assert cache.get_or_make("k", lambda: "v") == "v"


def test_an_async_hit_does_not_build_again():
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    cache, calls = ViewCache(), []

    async def twice():
        return [await cache.get_or_make_async("k", lambda: calls.append(1) or "v") for _ in range(2)]

    # In a thread of its own: the session's Playwright browser keeps an event loop in the main thread.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, twice()).result() == ["v", "v"]
    assert len(calls) == 1
