"""timekeeper_dev.faults over real HTTP on loopback: the rules every answer during a fault
is held to, the poll that checks every answer on its way, and the load that records them.

A fault test built on these cannot swallow a 500 or a hang: each is a failure.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections import deque
from collections.abc import Iterator

import pytest
import requests
from timekeeper_dev.faults import (
    Answer,
    BadAnswer,
    Call,
    Load,
    ask,
    check,
    problems,
    summary,
    wait_for_status,
)

BOUND = 1.0


class Script:
    """What the server answers next: (status, content type, Retry-After or None, delay)."""

    def __init__(self) -> None:
        self.queue: deque[tuple[int, str, str | None, float]] = deque()
        self.default = (200, "application/json", None, 0.0)
        self.seen = 0

    def next(self) -> tuple[int, str, str | None, float]:
        self.seen += 1
        return self.queue.popleft() if self.queue else self.default


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, content_type, retry_after, delay = script.next()
            time.sleep(delay)
            body = b'{"status": %d}' % status
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", script
    finally:
        httpd.shutdown()
        httpd.server_close()


PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("answer", "wrong"),
    [
        ((200, "application/json", None, 0.0), None),
        ((404, PROBLEM, None, 0.0), None),
        ((503, PROBLEM, "5", 0.0), None),
        ((500, PROBLEM, None, 0.0), "500: a fault may only cause 503"),
        ((502, "text/plain", None, 0.0), "502: a fault may only cause 503"),
        ((504, "text/plain", None, 0.0), "504: a fault may only cause 503"),
        ((503, "text/plain", "5", 0.0), "503 as text/plain"),
        ((503, PROBLEM, None, 0.0), "503 without a Retry-After"),
        ((503, PROBLEM, "Wed, 21 Oct 2015 07:28:00 GMT", 0.0), "503 without a Retry-After"),
        ((200, "application/json", None, 2 * BOUND), "no answer: ReadTimeout"),
    ],
)
def test_the_rules_for_an_answer_during_a_fault(server, answer, wrong) -> None:
    url, script = server
    script.queue.append(answer)
    recorded = ask(requests, "GET", url, bound=BOUND)
    found = problems(recorded, BOUND)
    if wrong is None:
        assert found == []
        check(recorded, BOUND)
    else:
        assert any(text.startswith(wrong) for text in found), found
        with pytest.raises(BadAnswer, match="break the fault rules"):
            check(recorded, BOUND)


def test_an_answer_slower_than_the_bound_is_a_hang() -> None:
    slow = Answer("x", "GET", "http://x", started=0.0, seconds=BOUND + 0.5, status=200)
    assert problems(slow, BOUND) == [f"answered after {BOUND + 0.5:.2f}s, more than {BOUND}s"]


def test_a_connection_refused_is_no_answer() -> None:
    with pytest.raises(BadAnswer, match="ConnectionError"):
        check(ask(requests, "GET", "http://127.0.0.1:9/", bound=BOUND), BOUND)


def test_waiting_for_a_status_fails_on_a_500_on_the_way(server) -> None:
    url, script = server
    script.queue.extend(
        [(503, PROBLEM, "1", 0.0), (500, PROBLEM, None, 0.0), (200, "application/json", None, 0.0)]
    )
    with pytest.raises(BadAnswer, match="500: a fault may only cause 503"):
        wait_for_status(requests, url, 200, timeout=10, bound=BOUND, interval=0)
    assert script.seen == 2  # it stopped at the 500, never reaching the 200


def test_waiting_for_a_status_fails_on_a_hang(server) -> None:
    url, script = server
    script.queue.append((200, "application/json", None, 2 * BOUND))
    with pytest.raises(BadAnswer, match="no answer"):
        wait_for_status(requests, url, 200, timeout=10, bound=BOUND, interval=0)


def test_waiting_for_a_status_passes_503s_and_gives_up_after_its_timeout(server) -> None:
    url, script = server
    script.queue.extend([(503, PROBLEM, "1", 0.0)] * 2)
    assert wait_for_status(requests, url, 200, timeout=10, bound=BOUND, interval=0) >= 0
    assert script.seen == 3
    script.default = (503, PROBLEM, "1", 0.0)
    with pytest.raises(BadAnswer, match=r"did not answer 200 within 0\.2s"):
        wait_for_status(requests, url, 200, timeout=0.2, bound=BOUND, interval=0.05)


def test_the_load_records_every_answer_of_every_call(server) -> None:
    url, _ = server
    calls = [Call("read", "GET", "/a"), lambda n: Call("write", "POST", "/b", {"json": {"n": n}})]
    with Load(url, calls, bound=BOUND, pause=0.01) as load:
        deadline = time.monotonic() + 5
        while len(load.answers) < 30 and time.monotonic() < deadline:
            time.sleep(0.01)
    answers = load.answers
    assert len(answers) >= 30
    assert {a.label for a in answers} == {"read", "write"}
    assert all(a.status == 200 for a in answers)
    check(answers, BOUND)
    assert load.answered_between(0, time.monotonic()) == answers
    assert load.answered_between(0, answers[0].started) == []
    text = summary(answers)
    assert text.startswith(f"{len(answers)} requests; read 200: ")
    assert "longest" in text
