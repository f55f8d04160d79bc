"""Run a callable with a time limit, turning every failure into a value.

A call runs in a daemon thread; when it overruns, the caller goes on and the
thread is left to finish (or die with the process). Nothing here imports at
call time, so it is safe after pip 26.3 has blocked imports.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, Optional, TypeVar

import attrs

T = TypeVar("T")


@attrs.frozen
class Outcome(Generic[T]):
    """The result of a bounded call: ``value`` or an ``error`` message."""

    value: Optional[T] = None
    error: Optional[str] = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def describe(error: BaseException) -> str:
    """One line for an exception: its type and message."""
    try:
        text = str(error)
    except Exception:
        text = ""
    name = type(error).__name__
    return f"{name}: {text}" if text else name


class Deadline:
    """A point in time shared by several bounded calls."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())


def call(func: Callable[[], T], timeout: float) -> Outcome[T]:
    """Call ``func()`` in a daemon thread and wait at most ``timeout`` seconds."""
    start = time.monotonic()
    if timeout <= 0:
        return Outcome(error="skipped: no time left", seconds=0.0)
    box: list[Outcome[T]] = []

    def target() -> None:
        try:
            box.append(Outcome(value=func(), seconds=time.monotonic() - start))
        except BaseException as error:  # a probe must never take the caller down
            box.append(Outcome(error=describe(error), seconds=time.monotonic() - start))

    thread = threading.Thread(target=target, name="pip-doctor", daemon=True)
    try:
        thread.start()
    except RuntimeError as error:  # interpreter shutting down, thread limit
        return Outcome(error=describe(error))
    thread.join(timeout)
    if box:
        return box[0]
    return Outcome(error=f"timed out after {timeout:.2f}s", seconds=time.monotonic() - start)


class Loaded(Generic[T]):
    """A value read once by ``load`` and kept, shared by several bounded calls.

    One lock guards the load: when the call that loads overruns its time
    limit, the next caller waits for that same load to finish instead of
    seeing nothing. :meth:`reload` reads again (plugins being loaded anew).
    """

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._box: list[T] = []

    def get(self) -> T:
        """The value, loaded now if it never was."""
        with self._lock:
            if not self._box:
                self._box.append(self._load())
            return self._box[0]

    def reload(self) -> T:
        """Load again and keep the new value."""
        with self._lock:
            self._box[:] = [self._load()]
            return self._box[0]
