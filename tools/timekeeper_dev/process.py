"""Processes the local stack and the contract tests start: stopping them, reading their logs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path


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


def tail_file(path: Path, lines: int) -> str:
    """The last ``lines`` lines of a log file ("" while it does not exist)."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
