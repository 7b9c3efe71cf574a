"""What the fault tests hold every answer to, and the load they keep up while a part fails.

A fault (a service or the database stopped, frozen or restarting) may make a request fail,
but only in one way: a prompt 503 problem+json with ``Retry-After``. :func:`ask` sends one
request and records how it was answered; :func:`check` fails on anything else: no answer
within the bound (a hang), another 5xx, a 503 that is no problem or says nothing of when
to come back. :func:`wait_for_status` polls until a wanted status and checks every answer
on the way, so a fault test can never swallow a 500. :class:`Load` keeps requests going
from a few threads while a test breaks something, and keeps every answer for the checks.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

PROBLEM_JSON = "application/problem+json"


class BadAnswer(AssertionError):
    """An answer a fault may not cause."""


@dataclass(frozen=True)
class Call:
    """One request the load sends again and again; ``label`` names it in the figures."""

    label: str
    method: str
    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    label: str
    method: str
    url: str
    started: float  # time.monotonic() when sent
    seconds: float  # until answered, or given up
    status: int | None = None  # None: no answer (error says why)
    content_type: str = ""
    retry_after: str | None = None
    body: str = ""
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # lower-case names

    @property
    def ended(self) -> float:
        return self.started + self.seconds

    def __str__(self) -> str:
        what = self.error or f"{self.status} {self.content_type} {self.body[:200]!r}"
        return f"{self.label or self.method} {self.url}: {what} after {self.seconds:.2f}s"


def ask(
    session: requests.Session | Any, method: str, url: str, *, bound: float, label: str = "", **kwargs: Any
) -> Answer:
    """Send one request and record its answer; a request not answered within ``bound``
    seconds (or that fails to connect) is recorded with its error, never raised."""
    started = time.monotonic()
    try:
        response = session.request(method, url, timeout=bound, **kwargs)
    except requests.RequestException as exc:
        return Answer(
            label, method, url, started, time.monotonic() - started, error=f"{type(exc).__name__}: {exc}"
        )
    return Answer(
        label,
        method,
        url,
        started,
        time.monotonic() - started,
        status=response.status_code,
        content_type=response.headers.get("Content-Type", ""),
        retry_after=response.headers.get("Retry-After"),
        body=response.text[:500],
        headers={name.lower(): value for name, value in response.headers.items()},
    )


def problems(answer: Answer, bound: float) -> list[str]:
    """What is wrong with ``answer`` for a request made during a fault ([] if nothing)."""
    wrong = []
    if answer.status is None:
        wrong.append(f"no answer: {answer.error}")
    if answer.seconds > bound:
        wrong.append(f"answered after {answer.seconds:.2f}s, more than {bound}s")
    if answer.status is not None and answer.status >= 500:
        if answer.status != 503:
            wrong.append(f"{answer.status}: a fault may only cause 503")
        elif not answer.content_type.startswith(PROBLEM_JSON):
            wrong.append(f"503 as {answer.content_type or 'no content type'}, not {PROBLEM_JSON}")
        elif not (answer.retry_after or "").isdigit() or int(answer.retry_after or 0) < 1:
            wrong.append(f"503 without a Retry-After in seconds ({answer.retry_after!r})")
    return wrong


def check(answers: Answer | Iterable[Answer], bound: float) -> None:
    """Raise :class:`BadAnswer` listing every answer a fault may not cause."""
    listed = [answers] if isinstance(answers, Answer) else list(answers)
    bad = [f"{answer}: {'; '.join(wrong)}" for answer in listed if (wrong := problems(answer, bound))]
    if bad:
        raise BadAnswer(f"{len(bad)} of {len(listed)} answers break the fault rules:\n" + "\n".join(bad[:20]))


def wait_for_status(
    session: requests.Session | Any,
    url: str,
    status: int,
    *,
    timeout: float,
    bound: float,
    interval: float = 0.25,
    **kwargs: Any,
) -> float:
    """Seconds until ``GET url`` answers ``status``; every answer on the way is checked
    (:func:`check`), and :class:`BadAnswer` after ``timeout`` seconds without it."""
    start = time.monotonic()
    while True:
        answer = ask(session, "GET", url, bound=bound, **kwargs)
        check(answer, bound)
        if answer.status == status:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise BadAnswer(f"{url} did not answer {status} within {timeout}s; last: {answer}")
        time.sleep(interval)


class Load:
    """Requests sent to ``base_url`` until :meth:`stop`, each call by a thread of its own
    (so a call that waits holds no other back), with a pause of ``pause`` seconds after each
    answer; every answer is kept in :attr:`answers`.

    A call may be a :class:`Call` or a function of a running number returning one (for
    bodies that must differ, such as names that must be unique)."""

    def __init__(
        self,
        base_url: str,
        calls: list[Call | Callable[[int], Call]],
        *,
        bound: float,
        pause: float = 0.05,
        session_factory: Callable[[], requests.Session] = requests.Session,
    ) -> None:
        self.base_url = base_url
        self.calls = calls
        self.bound = bound
        self.pause = pause
        self.session_factory = session_factory
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> Load:
        for call in self.calls:
            worker = threading.Thread(target=self._run, args=(call,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self) -> list[Answer]:
        """Stop sending; waits for the requests in flight (each is bounded)."""
        self._stopping.set()
        for worker in self._workers:
            worker.join(timeout=self.bound + 5)
        alive = [worker.name for worker in self._workers if worker.is_alive()]
        if alive:
            raise BadAnswer(f"load threads still waiting on an answer after the bound: {alive}")
        return self.answers

    def __enter__(self) -> Load:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, call: Call | Callable[[int], Call]) -> None:
        with self.session_factory() as session:
            while not self._stopping.is_set():
                this = call if isinstance(call, Call) else call(next(self._numbers))
                answer = ask(
                    session,
                    this.method,
                    self.base_url + this.path,
                    bound=self.bound,
                    label=this.label,
                    **this.kwargs,
                )
                with self._lock:
                    self.answers.append(answer)
                time.sleep(self.pause)

    def answered_between(self, start: float, end: float) -> list[Answer]:
        """The answers given between ``start`` and ``end`` (``time.monotonic()`` values)."""
        return [a for a in list(self.answers) if start <= a.ended <= end]


def summary(answers: Iterable[Answer]) -> str:
    """Figures for a report: requests, statuses per label, the longest answer."""
    listed = list(answers)
    if not listed:
        return "no requests"
    statuses = Counter((a.label, a.status if a.status is not None else "none") for a in listed)
    longest = max(listed, key=lambda a: a.seconds)
    per_label = "; ".join(
        f"{label} {status}: {count}" for (label, status), count in sorted(statuses.items(), key=str)
    )
    return f"{len(listed)} requests; {per_label}; longest {longest.seconds:.2f}s ({longest.label} {longest.status})"
