"""Clients that keep using the stack while it is rolled or broken, and what they saw.

Each client has its own account and loops over the day of a user, through the gateway,
without a pause: an entry created, the list read, the entry read back, and every few
rounds a timer started and stopped, and its own profile read from the user service.
Every request carries a request id of its own and is recorded with its times and
outcome; a failure is a 5xx, a connection error or a timeout.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from timekeeper_dev.accounts import Account

TIMEOUT = 10.0  # seconds; a request that takes longer is a failure


@dataclass(frozen=True)
class Outcome:
    client: int
    op: str
    request_id: str
    started: float  # time.time()
    ended: float
    status: int | None  # None: no answer (connection error, timeout)
    error: str | None = None
    problem: str | None = None  # a problem+json answer's type

    @property
    def from_the_gateway(self) -> bool:
        """The gateway's own 503 (a replica it could not reach or that was cut off), not a
        service's."""
        return self.problem == "urn:timekeeper:problem:service-unavailable"

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 500


@dataclass
class Client:
    number: int
    account: Account
    base_url: str
    outcomes: list[Outcome] = field(default_factory=list)
    #: description -> id of every entry the service answered 201 for
    created: dict[str, int] = field(default_factory=dict)

    def call(self, op: str, method: str, path: str, **kwargs) -> requests.Response | None:
        request_id = f"load-{self.number}-{uuid.uuid4().hex}"
        headers = {**self.account.headers, "X-Request-Id": request_id}
        started = time.time()
        try:
            response = self.session.request(
                method, self.base_url + path, headers=headers, timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException as exc:
            self.outcomes.append(Outcome(self.number, op, request_id, started, time.time(), None, repr(exc)))
            return None
        problem = None
        if response.headers.get("Content-Type", "").startswith("application/problem+json"):
            problem = response.json().get("type")
        self.outcomes.append(
            Outcome(self.number, op, request_id, started, time.time(), response.status_code, problem=problem)
        )
        return response

    def run(self, stop: threading.Event) -> None:
        # Entries a day apart per client and round, in the past: never overlapping, never
        # clashing with the running timer.
        base = datetime.now(UTC).replace(microsecond=0) - timedelta(days=400)
        self.session = requests.Session()
        round_ = 0
        while not stop.is_set():
            day = base + timedelta(days=round_, minutes=self.number)
            description = f"load {self.number} {round_} {uuid.uuid4().hex[:8]}"
            entry = {
                "started_at": day.isoformat(),
                "ended_at": (day + timedelta(minutes=30)).isoformat(),
                "description": description,
            }
            created = self.call("create entry", "POST", "/api/hours/v1/entries", json=entry)
            if created is not None and created.status_code == 201:
                self.created[description] = created.json()["id"]
                self.call("read entry", "GET", f"/api/hours/v1/entries/{created.json()['id']}")
            self.call("list entries", "GET", "/api/hours/v1/entries", params={"per_page": 5})
            if round_ % 4 == 0:
                timer = f"timer {self.number} {round_} {uuid.uuid4().hex[:8]}"
                started = self.call(
                    "start timer", "POST", "/api/hours/v1/timer/start", json={"description": timer}
                )
                if started is not None and started.status_code == 201:
                    self.created[timer] = started.json()["id"]
                self.call("stop timer", "POST", "/api/hours/v1/timer/stop", json={})
                self.call("read profile", "GET", "/api/users/v1/users/me")
            round_ += 1
        self.session.close()

    def stored_descriptions(self) -> Counter[str]:
        """Every entry of this client's account, as the service has them now."""
        seen: Counter[str] = Counter()
        # page by page, following the Link header's next (a path-absolute reference)
        path: str | None = "/api/hours/v1/entries?per_page=100"
        while path:
            page = requests.get(self.base_url + path, headers=self.account.headers, timeout=TIMEOUT)
            assert page.status_code == 200, page.text
            seen.update(entry["description"] for entry in page.json()["items"])
            path = page.links.get("next", {}).get("url")
        return seen


class Load:
    """``clients`` each looping in a thread of its own from :meth:`start` to :meth:`stop`."""

    def __init__(self, base_url: str, accounts: list[Account]) -> None:
        self.clients = [Client(number, account, base_url) for number, account in enumerate(accounts)]
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=c.run, args=(self._stop,), daemon=True) for c in self.clients
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT * 3)

    @property
    def outcomes(self) -> list[Outcome]:
        return sorted((o for c in self.clients for o in c.outcomes), key=lambda o: o.started)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]

    def summary(self) -> str:
        outcomes = self.outcomes
        writes = sum(1 for o in outcomes if o.op in ("create entry", "start timer", "stop timer"))
        return f"{len(outcomes)} requests ({writes} writes) from {len(self.clients)} clients, {len(self.failures)} failed"

    def unexpected(self) -> list[Outcome]:
        """Answers other than the day's usual ones (201 for a creation, 200 for the rest)."""
        expected = {"create entry": 201, "start timer": 201}
        return [o for o in self.outcomes if o.status is not None and o.status != expected.get(o.op, 200)]

    def writes_stored_once(self) -> dict[int, str]:
        """Per client, what is wrong with its stored entries (nothing: an empty dict):
        every write answered 201 must be there exactly once, nothing twice."""
        problems = {}
        for client in self.clients:
            stored = client.stored_descriptions()
            missing = [d for d in client.created if stored[d] == 0]
            twice = [d for d, n in stored.items() if n > 1]
            if missing or twice:
                problems[client.number] = f"missing {missing}, stored twice {twice}"
        return problems
