"""Model calls off the page's thread, so the user can cancel one that hangs.

A Streamlit script that calls a provider directly is stuck in that HTTP call until it returns
(or ``AMENDS_DEADLINE`` passes): a click on any button only asks for a rerun, which Streamlit
starts at the script's *next* Streamlit call, and a blocking call makes none. So the Draft page
runs each generation in a :class:`Job`: a daemon thread the page polls (from a fragment that
reruns every half second) and can cancel. Cancelling takes effect at once for the user: the job
is marked cancelled and its result, whenever the thread ends, is thrown away, never saved. The
thread itself stops at its next progress or streamed chunk (``on_progress``/``on_text`` raise
:class:`Cancelled`), or when its HTTP call returns or the deadline ends it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Cancelled(BaseException):
    """Raised in the worker's callbacks once the user cancelled.

    A ``BaseException`` so that no ``except Exception`` on the way (retries, the streaming
    fallback) mistakes it for a provider failure and carries on.
    """


@dataclass
class Job:
    """One generation running in a thread: what it is for, its progress, and how it ended."""

    kind: str
    label: str
    args: dict[str, Any] = field(default_factory=dict)
    progress: list[str] = field(default_factory=list)
    text: str = ""
    result: Any = None
    error: BaseException | None = None
    started: float = field(default_factory=time.monotonic)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def cancelled(self) -> bool:
        """Whether the user cancelled (the result, if any, is never used)."""
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        """Whether the thread has finished (with a result, an error, or cancelled)."""
        return self._done.is_set()

    def cancel(self) -> None:
        """Stop waiting for this job; the thread stops at its next callback."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread has finished or ``timeout`` passes; True when finished."""
        return self._done.wait(timeout)

    def elapsed(self) -> float:
        """Seconds since the job started."""
        return time.monotonic() - self.started

    def on_progress(self, message: str) -> None:
        """A progress callback for the drafting code (raises :class:`Cancelled` once cancelled)."""
        if self.cancelled:
            raise Cancelled
        with self._lock:
            self.progress.append(message)

    def on_text(self, text: str) -> None:
        """A streamed-text callback for the drafting code (raises :class:`Cancelled` likewise)."""
        if self.cancelled:
            raise Cancelled
        with self._lock:
            self.text = text

    def snapshot(self) -> tuple[list[str], str]:
        """The progress messages and streamed text so far, copied under the lock."""
        with self._lock:
            return list(self.progress), self.text


def start(kind: str, label: str, work: Callable[[Job], Any], **args: Any) -> Job:
    """Run ``work(job)`` in a daemon thread and return the job at once."""
    job = Job(kind=kind, label=label, args=args)

    def run() -> None:
        try:
            job.result = work(job)
        except Cancelled:
            pass
        except BaseException as exc:
            job.error = exc
        finally:
            job._done.set()

    threading.Thread(target=run, name=f"amends-{kind}", daemon=True).start()
    return job
