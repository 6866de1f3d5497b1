"""Run work for the newest input only: at once when idle, coalesced while busy, stale work stopped.

A live panel calls :meth:`LatestRunner.submit` on every keystroke. When nothing is running the
work starts at once (no debounce delay). While a run is in flight, everything submitted meanwhile
collapses into ONE next run on the newest input, and the running one is told it is stale
(``stale()`` turns True) so it can stop early. A result is delivered only if its input is still
the newest when it is ready: the view never shows a stale result.

With a ``post`` function (a thread-safe "call this on the main thread", such as a Jupyter
kernel's ``io_loop.add_callback``) runs happen in one worker thread, so the kernel keeps handling
keystrokes and clicks during a long run; results are delivered through ``post``. Without it
(plain Python, tests) a run happens inside ``submit``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["LatestRunner", "Stale"]


class Stale(Exception):
    """Raised inside a run whose input is no longer the newest (the work stops early)."""


class LatestRunner:
    """Runs ``compute(inputs, stale)`` for the newest inputs; delivers only current results.

    Parameters
    ----------
    compute
        ``compute(inputs, stale) -> result``; ``stale()`` is True once newer inputs were
        submitted (check it, or raise :class:`Stale`, to stop early).
    deliver
        ``deliver(inputs, result)``, called for a result whose inputs are still the newest.
    fail
        ``fail(inputs, exc)``, called for an error of a run whose inputs are still the newest.
    post
        Thread-safe scheduler onto the thread that owns the view (``post(fn)``), or None to run
        synchronously inside :meth:`submit`.

    Attributes
    ----------
    started, delivered, dropped : int
        Runs started, results (or errors) delivered, and runs whose result was dropped because
        newer input had arrived (or that stopped early as :class:`Stale`).
    """

    def __init__(
        self,
        compute: Callable[[Any, Callable[[], bool]], Any],
        deliver: Callable[[Any, Any], None],
        fail: Callable[[Any, BaseException], None],
        post: Callable[[Callable[[], None]], Any] | None = None,
    ) -> None:
        self._compute, self._deliver, self._fail, self._post = compute, deliver, fail, post
        self._lock = threading.Condition()
        self._seq = 0  # number of the newest submitted input
        self._done = 0  # number of the newest input whose outcome was delivered
        self._waiting: tuple[int, Any] | None = None
        self._busy = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._finished: list[tuple[int, Any, tuple[bool, Any]]] = []  # threaded: to settle
        self.started = self.delivered = self.dropped = 0

    # -- the caller's side ---------------------------------------------------------------------
    def submit(self, inputs: Any) -> None:
        """Ask for a run on ``inputs``: now if idle, else as the one next run (newest wins)."""
        with self._lock:
            if self._closed:
                return
            self._seq += 1
            self._waiting = (self._seq, inputs)
            if self._post is not None:
                self._ensure_thread()
                self._lock.notify_all()
                return
            if self._busy:  # re-entered from inside a synchronous run: the loop below takes it
                return
        self._run_synchronously()

    def cancel(self) -> None:
        """Drop what is waiting and make the run in flight stale: nothing is to be shown."""
        with self._lock:
            self._seq += 1
            self._done = self._seq
            self._waiting = None

    @property
    def pending(self) -> bool:
        """True while the newest input's outcome has not been delivered yet."""
        return self._done != self._seq

    def stale(self, seq: int) -> bool:
        """True when run ``seq`` is no longer for the newest input."""
        return seq != self._seq or self._closed

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the newest input's outcome is delivered (threaded mode: delivered here,
        on the calling thread, instead of through ``post``). Returns False on a timeout."""
        if self._post is None:
            return not self.pending
        with self._lock:
            ok = self._lock.wait_for(
                lambda: not self._busy and self._waiting is None or self._closed, timeout
            )
        self._flush_posted()
        return ok and not self.pending

    def close(self) -> None:
        """Stop: the running work sees ``stale()``, nothing more runs or is delivered."""
        with self._lock:
            self._closed = True
            self._waiting = None
            self._lock.notify_all()

    # -- running -------------------------------------------------------------------------------
    def _run_synchronously(self) -> None:
        while True:
            with self._lock:
                if self._waiting is None or self._closed:
                    self._busy = False
                    return
                seq, inputs = self._waiting
                self._waiting = None
                self._busy = True
            outcome = self._run(seq, inputs)
            self._settle(seq, inputs, outcome)

    def _run(self, seq: int, inputs: Any) -> tuple[bool, Any]:
        self.started += 1
        try:
            return True, self._compute(inputs, lambda: self.stale(seq))
        except Stale as exc:
            return False, exc
        except Exception as exc:  # shown by the view, never raised into the kernel
            return False, exc

    def _settle(self, seq: int, inputs: Any, outcome: tuple[bool, Any]) -> None:
        """Deliver the outcome of run ``seq`` if its input is still the newest, else drop it."""
        ok, value = outcome
        if self.stale(seq) or isinstance(value, Stale):
            self.dropped += 1
            return
        self._done = seq
        self.delivered += 1
        if ok:
            self._deliver(inputs, value)
        else:
            self._fail(inputs, value)

    # -- threaded mode -------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="explorer-latest", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._waiting is not None or self._closed)
                if self._closed:
                    return
                seq, inputs = self._waiting
                self._waiting = None
                self._busy = True
            outcome = self._run(seq, inputs)
            with self._lock:
                self._finished.append((seq, inputs, outcome))
                self._busy = False
                self._lock.notify_all()
            self._post(self._flush_posted)

    def _flush_posted(self) -> None:
        """Settle finished runs on the calling (view) thread, oldest first."""
        with self._lock:
            done, self._finished = self._finished, []
        for seq, inputs, outcome in done:
            self._settle(seq, inputs, outcome)
