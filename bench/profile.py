"""Where a request's time goes: py-spy samples the hours workers under load.

py-spy records every thread of the gunicorn master and its workers (``--subprocesses``)
while wrk drives one scenario. Only samples of threads inside a request
(``ThreadWorker.handle_request``) count: idle threads waiting for work are dropped, and
waiting on Postgres stays in (psycopg's ``Connection.wait``), so the shares are of the
wall time the workers spend on requests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

RATE = 67  # samples per second and thread; py-spy falls behind on a busy 2-core machine above ~100
IN_REQUEST = "ThreadWorker.handle_request (gunicorn/workers/gthread.py)"

#: (what, a frame that marks it): a sample counts once for each "what" any of its frames
#: marks, as a share of the request samples (the shares of different "what"s overlap)
CATEGORIES = (
    ("request log line (JSON formatter, handler)", "Logger.info (logging/__init__.py)"),
    (
        "authentication (cached introspection)",
        "IntrospectionAuthentication.authenticate (hours_service/auth.py)",
    ),
    ("DB connection health check", "DatabaseWrapper.is_usable (hours_service/db/base.py)"),
    ("query parameters: serializer + FilterSet", "Api.validated (hours_service/timesheets/apis.py)"),
    ("query parameters: serializer + FilterSet", "entry_list (hours_service/timesheets/selectors.py)"),
    ("COUNT(*) for the page's count", "QuerySet.count (django/db/models/query.py)"),
    # the service's page query carries its count (hours_service.pagination.page_query); the
    # entries list's is compiled once per shape (hours_service.timesheets.selectors.entry_page)
    ("page query: built, compiled, run, rows read", "page_rows (hours_service/pagination.py)"),
    ("page query: built, compiled, run, rows read", "entry_page (hours_service/timesheets/selectors.py)"),
    ("page query: built, compiled, run, rows read", "QuerySet._fetch_all (django/db/models/query.py)"),
    ("page query: built, compiled, run, rows read", "ListAPIView.list (rest_framework/mixins.py)"),
    ("waiting on Postgres (all queries)", "Connection.wait (psycopg/connection.py)"),
    ("DRF serializer (.data)", "ListSerializer.to_representation (rest_framework/serializers.py)"),
    ("rows built without a serializer (entry_rows)", "entry_rows (hours_service/timesheets/serializers.py)"),
    ("JSON rendering", "JSONRenderer.render (rest_framework/renderers.py)"),
    ("JSON rendering", "JSONRenderer.render (hours_service/renderers.py)"),
    ("writing the response (gunicorn)", "Response.write (gunicorn/http/wsgi.py)"),
)


def frame_name(frame: str) -> str:
    """``func (path/file.py:123)`` -> ``func (path/file.py)``: one name per function."""
    return re.sub(r":\d+\)$", ")", frame)


def record(pid: int, seconds: float, out: Path) -> None:
    """Sample ``pid`` and its subprocesses for ``seconds`` into py-spy's raw (collapsed) format."""
    py_spy = str(Path(sys.executable).with_name("py-spy"))
    subprocess.run(
        [
            py_spy,
            "record",
            f"--pid={pid}",
            "--subprocesses",
            "--nonblocking",
            f"--rate={RATE}",
            f"--duration={round(seconds)}",
            "--format=raw",
            f"--output={out}",
        ],
        check=True,
        capture_output=True,
    )


@dataclass
class Profile:
    samples: int
    inclusive: Counter[str]
    own: Counter[str]
    labelled: Counter[str]

    @classmethod
    def read(cls, raw: Path) -> Profile:
        inclusive: Counter[str] = Counter()
        own: Counter[str] = Counter()
        labelled: Counter[str] = Counter()
        samples = 0
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = [frame_name(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
            if IN_REQUEST not in frames:
                continue
            n = int(count)
            samples += n
            names = set(frames)
            for name in names:
                inclusive[name] += n
            own[frames[-1]] += n
            for label in {label for label, frame in CATEGORIES if frame in names}:
                labelled[label] += n
        return cls(samples, inclusive, own, labelled)

    def share(self, count: int) -> float:
        return round(100 * count / self.samples, 1) if self.samples else 0.0

    def categories(self) -> list[tuple[str, float]]:
        labels = dict.fromkeys(label for label, _ in CATEGORIES)
        return [(label, self.share(self.labelled[label])) for label in labels]

    def top(self, counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(name, self.share(count)) for name, count in counter.most_common(n)]

    def as_dict(self, n: int = 25) -> dict[str, object]:
        return {
            "samples": self.samples,
            "categories": self.categories(),
            "inclusive": self.top(self.inclusive, n),
            "own": self.top(self.own, n),
        }


def as_text(title: str, profile: dict[str, object]) -> str:
    lines = [title, f"{profile['samples']} samples of threads inside a request", ""]
    lines += ["where the time goes (inclusive, % of request samples)"]
    lines += [f"  {share:5.1f}%  {label}" for label, share in profile["categories"]]
    lines += ["", "top frames, inclusive"]
    lines += [f"  {share:5.1f}%  {name}" for name, share in profile["inclusive"]]
    lines += ["", "top frames, own time (the leaf of the stack)"]
    lines += [f"  {share:5.1f}%  {name}" for name, share in profile["own"]]
    return "\n".join(lines) + "\n"
