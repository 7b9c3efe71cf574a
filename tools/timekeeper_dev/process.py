"""Processes the local stack and the tests start: running and stopping them, reading their logs.

The suites that run a service's command (``python -m <package> prestart``, gunicorn) run it with
:func:`run_command`, or :func:`command_running` when the test acts while it runs, and read what
it says with :func:`json_lines`, :func:`read_until` and :func:`one_stderr_line`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import psutil


def stop_process_group(popen: subprocess.Popen | None, timeout: float = 15.0) -> None:
    """SIGTERM a process started with ``start_new_session=True`` and its whole group.

    SIGKILL when it is not gone within ``timeout``; then SIGKILL what is left of the group
    (gunicorn's workers may outlive their arbiter by a moment).
    """
    if popen is None or popen.poll() is not None:
        return
    group = os.getpgid(popen.pid)
    os.killpg(group, signal.SIGTERM)
    try:
        popen.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        popen.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


def freeze_process_group(popen: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """SIGSTOP a process started with ``start_new_session=True`` and its whole group, and
    wait until every process of the group is stopped (``TimeoutError`` after ``timeout``)."""
    if popen is None or popen.poll() is not None:
        raise ProcessLookupError("the process is not running")
    group = os.getpgid(popen.pid)
    os.killpg(group, signal.SIGSTOP)
    deadline = time.monotonic() + timeout
    while not all(_stopped_or_gone(process) for process in _group_members(group)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"process group {group} not stopped after {timeout:.0f}s")
        time.sleep(0.01)


def thaw_process_group(popen: subprocess.Popen | None) -> None:
    """SIGCONT the group :func:`freeze_process_group` stopped (nothing if it has ended)."""
    if popen is None or popen.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(os.getpgid(popen.pid), signal.SIGCONT)


def _group_members(group: int) -> list[psutil.Process]:
    members = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
            if os.getpgid(process.pid) == group:
                members.append(process)
    return members


def _stopped_or_gone(process: psutil.Process) -> bool:
    try:
        return process.status() in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def tail_file(path: Path, lines: int) -> str:
    """The last ``lines`` lines of a log file ("" while it does not exist)."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run_command(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | str | None = None, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """``argv`` run to its end with ``env`` as its whole environment (nothing of ours is
    inherited), its stdout and stderr captured as text. A non-zero exit status is returned, not
    raised; ``subprocess.TimeoutExpired`` after ``timeout`` seconds."""
    return subprocess.run(
        list(argv), env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


@contextlib.contextmanager
def command_running(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path | str | None = None
) -> Iterator[subprocess.Popen[str]]:
    """``argv`` started in a session of its own, with ``env`` as its whole environment and its
    stdout and stderr on text pipes, for the block; when the block ends, it and its process
    group are stopped (:func:`stop_process_group`) unless it has ended already."""
    popen = subprocess.Popen(
        list(argv), env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield popen
    finally:
        stop_process_group(popen)
        for stream in (popen.stdout, popen.stderr):
            if stream is not None:
                stream.close()


def read_until(stream: IO[str], text: str) -> list[str]:
    """The lines read from ``stream`` up to the first one that contains ``text``, that one last.
    Raises ``EOFError``, quoting what was read, when the stream ends first."""
    seen: list[str] = []
    while line := stream.readline():
        seen.append(line)
        if text in line:
            return seen
    raise EOFError(f"the stream ended before a line with {text!r}:\n{''.join(seen)}")


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` (a JSON log: one object a line) as the object it holds. Raises
    ``ValueError``, quoting the line, when one is anything else."""
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            raise ValueError(f"not a JSON object: {line!r}")
        records.append(record)
    return records


def one_stderr_line(
    result: subprocess.CompletedProcess[str], *, status: int, prefix: str, hidden: Iterable[str] = ()
) -> str:
    """Check that a command said why it stopped in one plain line: exit ``status``, nothing on
    stdout, exactly one line on stderr that starts with ``prefix``, no traceback, and none of
    ``hidden`` (secrets) anywhere in its output. Returns that line less ``prefix``; raises
    ``AssertionError`` saying what differs."""
    output = result.stdout + result.stderr
    if result.returncode != status:
        raise AssertionError(f"exit status {result.returncode}, not {status}:\n{output}")
    if "Traceback" in output:
        raise AssertionError(f"a traceback:\n{output}")
    for secret in hidden:
        if secret in output:
            raise AssertionError(f"the output shows {secret!r}:\n{output}")
    if result.stdout:
        raise AssertionError(f"something on stdout: {result.stdout!r}")
    lines = result.stderr.splitlines()
    if len(lines) != 1:
        raise AssertionError(f"{len(lines)} lines on stderr, not one:\n{result.stderr}")
    if not lines[0].startswith(prefix):
        raise AssertionError(f"the line does not start with {prefix!r}: {lines[0]!r}")
    return lines[0].removeprefix(prefix)
