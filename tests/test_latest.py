"""LatestRunner: at once when idle, one coalesced run while busy, stale results never shown."""

from __future__ import annotations

import queue
import threading

import pytest

from explorer.latest import LatestRunner, Stale


class MainThread:
    """A stand-in for the kernel's IO loop: callbacks posted from any thread, run by the test."""

    def __init__(self) -> None:
        self.calls: queue.Queue = queue.Queue()

    def post(self, fn) -> None:
        self.calls.put(fn)

    def run_one(self, timeout: float = 10.0) -> None:
        self.calls.get(timeout=timeout)()


def test_synchronous_mode_runs_inside_submit():
    seen = []
    runner = LatestRunner(lambda x, stale: x * 2, lambda i, r: seen.append((i, r)), None)
    runner.submit(3)
    runner.submit(4)
    assert seen == [(3, 6), (4, 8)] and not runner.pending
    assert (runner.started, runner.delivered, runner.dropped) == (2, 2, 0)


def test_while_busy_everything_typed_becomes_one_run_on_the_newest():
    gate, started = threading.Event(), threading.Event()
    ran, shown = [], []

    def compute(text, stale):
        ran.append(text)
        if text == "first":
            started.set()
            gate.wait(10)
        return text.upper()

    main = MainThread()
    runner = LatestRunner(compute, lambda i, r: shown.append(r), None, post=main.post)
    runner.submit("first")
    assert started.wait(10)  # running at once: no debounce delay
    for text in ["s", "se", "sec", "seco", "second"]:
        runner.submit(text)  # the run in flight is now stale; these coalesce
    gate.set()
    main.run_one()  # "first" finished: dropped, it is not the newest input
    main.run_one()  # the one coalesced run, on the newest text
    assert ran == ["first", "second"]
    assert shown == ["SECOND"] and not runner.pending
    assert (runner.started, runner.delivered, runner.dropped) == (2, 1, 1)
    runner.close()


def test_stale_work_stops_early_and_errors_are_delivered():
    steps, shown, errors = [], [], []
    three = threading.Event()

    def compute(n, stale):
        if n == "boom":
            raise ValueError("bad input")
        for i in range(1000):
            if stale():
                raise Stale
            steps.append(i)
            if i == 3:
                three.set()
            threading.Event().wait(0.005)
        return n

    main = MainThread()
    runner = LatestRunner(compute, lambda i, r: shown.append(r), lambda i, e: errors.append(e),
                          post=main.post)  # fmt: skip
    runner.submit("long")
    assert three.wait(10)
    runner.submit("boom")
    main.run_one()  # "long" stopped as Stale: dropped
    main.run_one()  # "boom": its error is delivered
    assert 4 <= len(steps) < 1000
    assert shown == [] and [str(e) for e in errors] == ["bad input"]
    assert runner.dropped == 1 and not runner.pending
    runner.close()


def test_wait_delivers_on_the_calling_thread_and_cancel_drops_everything():
    shown = []
    main = MainThread()
    runner = LatestRunner(lambda x, stale: x + 1, lambda i, r: shown.append(r), None,
                          post=main.post)  # fmt: skip
    runner.submit(1)
    assert runner.wait(10) and shown == [2]
    runner.cancel()
    assert not runner.pending
    runner.close()
    runner.submit(5)  # closed: ignored
    assert shown == [2]
    main.run_one()  # the worker's own post comes later: wait() already settled it
    assert shown == [2] and runner.delivered == 1
    with pytest.raises(queue.Empty):
        main.calls.get_nowait()
