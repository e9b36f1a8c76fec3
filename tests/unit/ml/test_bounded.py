"""The bounded worker pool: a call that goes over its CPU, wall-clock or memory limit is
stopped with an error naming the limit, its child is replaced, and the pool goes on serving;
ordinary results and the function's own exceptions come back as they are."""

from __future__ import annotations

import os
import signal
import time

import pytest

from ml.bounded import BoundedPool, Limits, ResourceLimitExceeded, WorkerCrashed
from ml.ocr import UnreadableDocument

GENEROUS = Limits(cpu_seconds=30, wall_seconds=60, memory_bytes=1024 * 1024 * 1024)


def child_pid() -> int:
    return os.getpid()


def add(a: int, b: int = 0) -> int:
    return a + b


def spin_forever() -> None:
    while True:
        pass


def sleep_forever() -> None:
    while True:
        time.sleep(1)


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def refuse_document() -> None:
    raise UnreadableDocument("too_complex", "page 1 paints its area 2000 times")


def crash() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


@pytest.fixture()
def pool():
    pool = BoundedPool(1, nice=0)
    yield pool
    pool.close()


def test_a_call_runs_in_another_process_and_returns_its_result(pool):
    assert pool.run(add, 2, b=3, limits=GENEROUS) == 5
    assert pool.run(child_pid, limits=GENEROUS) != os.getpid()


def test_the_child_is_kept_between_calls(pool):
    first = pool.run(child_pid, limits=GENEROUS)
    assert pool.run(child_pid, limits=GENEROUS) == first


def test_the_functions_own_exception_comes_back_with_its_details(pool):
    first = pool.run(child_pid, limits=GENEROUS)
    with pytest.raises(UnreadableDocument) as caught:
        pool.run(refuse_document, limits=GENEROUS)
    assert caught.value.reason == "too_complex" and "2000" in caught.value.detail
    assert pool.run(child_pid, limits=GENEROUS) == first  # the child stays


def test_cpu_time_over_the_limit_is_stopped_and_the_child_replaced(pool):
    first = pool.run(child_pid, limits=GENEROUS)
    with pytest.raises(ResourceLimitExceeded) as caught:
        pool.run(spin_forever, limits=Limits(cpu_seconds=1, wall_seconds=60))
    assert caught.value.limit == "cpu"
    assert pool.run(add, 1, limits=GENEROUS) == 1
    assert pool.run(child_pid, limits=GENEROUS) != first and pool.replaced == 1


def test_cpu_budget_is_per_call_not_per_child(pool):
    for _ in range(3):  # each call has its own second, however much the child used before
        pool.run(allocate, 1, limits=Limits(cpu_seconds=1, wall_seconds=60))
    assert pool.replaced == 0


def test_wall_time_over_the_limit_kills_the_child(pool):
    with pytest.raises(ResourceLimitExceeded) as caught:
        pool.run(sleep_forever, limits=Limits(cpu_seconds=30, wall_seconds=0.5))
    assert caught.value.limit == "wall"
    assert pool.run(add, 4, limits=GENEROUS) == 4


def test_memory_over_the_limit_is_refused(pool):
    limits = Limits(cpu_seconds=30, wall_seconds=60, memory_bytes=512 * 1024 * 1024)
    with pytest.raises(ResourceLimitExceeded) as caught:
        pool.run(allocate, 2048, limits=limits)
    assert caught.value.limit == "memory"
    assert pool.run(allocate, 16, limits=limits) == 16 * 1024 * 1024


def test_a_crashing_child_is_reported_and_replaced(pool):
    with pytest.raises(WorkerCrashed) as caught:
        pool.run(crash, limits=GENEROUS)
    assert caught.value.exitcode == -signal.SIGSEGV
    assert pool.run(add, 5, limits=GENEROUS) == 5


def test_calls_beyond_the_pool_size_wait_for_a_free_child():
    from concurrent.futures import ThreadPoolExecutor

    pool = BoundedPool(2, nice=0)
    try:
        with ThreadPoolExecutor(4) as threads:
            pids = set(threads.map(lambda _: pool.run(child_pid, limits=GENEROUS), range(8)))
        assert 1 <= len(pids) <= 2
    finally:
        pool.close()


def _pool_in_daemonic_child(results) -> None:
    pool = BoundedPool(1, nice=0)
    try:
        results.put(pool.run(add, 2, b=2, limits=GENEROUS))
    except BaseException as exc:  # noqa: BLE001 — reported to the test
        results.put(repr(exc))
    finally:
        pool.close()


def test_a_pool_works_inside_a_celery_prefork_child():
    """Celery's pool children are daemonic (billiard), and daemonic processes may not start
    multiprocessing children: the pool must still start its workers there."""
    billiard = pytest.importorskip("billiard")
    results = billiard.Queue()
    child = billiard.Process(target=_pool_in_daemonic_child, args=(results,), daemon=True)
    child.start()
    try:
        assert results.get(timeout=60) == 4
    finally:
        child.join(10)
