"""Running a command and reading what it says: what the suites use to test a service's
entry points (prestart, gunicorn, a wrong configuration)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from timekeeper_dev.process import command_running, json_lines, one_stderr_line, read_until, run_command

PYTHON = sys.executable


def test_run_command_gives_the_command_only_the_environment_it_is_told(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TIMEKEEPER_TEST_PARENT_ONLY", "ours")
    script = (
        "import json, os, sys; print(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd()}));"
        "print('on stderr', file=sys.stderr); sys.exit(3)"
    )
    result = run_command([PYTHON, "-c", script], env={"ONLY": "this"}, cwd=tmp_path)
    assert result.returncode == 3  # returned, not raised
    (said,) = json_lines(result.stdout)
    assert said["env"]["ONLY"] == "this"
    assert "TIMEKEEPER_TEST_PARENT_ONLY" not in said["env"]
    assert "PATH" not in said["env"]
    assert said["cwd"] == str(tmp_path)
    assert result.stderr == "on stderr\n"


def test_run_command_stops_waiting_after_its_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_command([PYTHON, "-c", "import time; time.sleep(30)"], env={}, timeout=0.5)
    assert time.monotonic() - started < 10


SPEAKS_THEN_SLEEPS = (
    "import sys, time\n"
    "for word in ('one', 'two', 'ready', 'after'):\n"
    "    print(word, file=sys.stderr, flush=True)\n"
    "time.sleep(60)\n"
)


def test_command_running_reads_while_it_runs_and_stops_it_when_the_block_ends() -> None:
    started = time.monotonic()
    with command_running([PYTHON, "-c", SPEAKS_THEN_SLEEPS], env={}) as process:
        assert read_until(process.stderr, "ready") == ["one\n", "two\n", "ready\n"]
        assert process.stderr.readline() == "after\n"  # the rest is left to read
        assert process.poll() is None
    assert process.returncode == -15  # SIGTERM, long before its sleep ends
    assert time.monotonic() - started < 30
    assert process.stderr.closed and process.stdout.closed


def test_command_running_leaves_a_command_that_ended_as_it_ended() -> None:
    with command_running([PYTHON, "-c", "import sys; print('out'); sys.exit(4)"], env={}) as process:
        out, _ = process.communicate(timeout=30)
    assert (process.returncode, out) == (4, "out\n")


def test_read_until_says_what_it_read_when_the_stream_ends_first() -> None:
    argv = [PYTHON, "-c", "import sys; sys.stderr.write('one\\ntwo\\n')"]
    with (
        command_running(argv, env={}) as process,
        pytest.raises(EOFError, match="before a line with 'ready'") as raised,
    ):
        read_until(process.stderr, "ready")
    assert "one\ntwo\n" in str(raised.value)


def test_json_lines_reads_one_object_a_line() -> None:
    text = '{"msg": "a", "n": 1}\n{"msg": "b", "extra": null}\n'
    assert json_lines(text) == [{"msg": "a", "n": 1}, {"msg": "b", "extra": None}]
    assert json_lines("") == []


@pytest.mark.parametrize("stray", ["Traceback (most recent call last):", "", "[1, 2]", '"msg"', "{broken"])
def test_json_lines_refuses_a_line_that_is_not_an_object(stray: str) -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        json_lines(f'{{"msg": "a"}}\n{stray}\n{{"msg": "b"}}\n')


PREFIX = "svc: configuration error: "
SECRET = "hunter2-0b7d"


def ended(returncode: int, stderr: str, stdout: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(["svc"], returncode, stdout=stdout, stderr=stderr)


def test_one_stderr_line_returns_what_the_line_says() -> None:
    result = ended(2, f"{PREFIX}PORT must be a whole number, not 'x'\n")
    assert (
        one_stderr_line(result, status=2, prefix=PREFIX, hidden=[SECRET])
        == "PORT must be a whole number, not 'x'"
    )


@pytest.mark.parametrize(
    ("result", "complaint"),
    [
        (ended(1, f"{PREFIX}PORT is wrong\n"), "exit status 1, not 2"),
        (ended(0, ""), "exit status 0, not 2"),
        (ended(2, f"Traceback (most recent call last):\n{PREFIX}PORT is wrong\n"), "a traceback"),
        (ended(2, f"{PREFIX}JWT_SIGNING_KEY {SECRET} is short\n"), "the output shows"),
        (ended(2, f"{PREFIX}PORT is wrong\n", stdout=f"{SECRET}\n"), "the output shows"),
        (ended(2, f"{PREFIX}PORT is wrong\n", stdout="starting\n"), "something on stdout"),
        (ended(2, f"{PREFIX}PORT is wrong\n{PREFIX}again\n"), "2 lines on stderr, not one"),
        (ended(2, ""), "0 lines on stderr, not one"),
        (ended(2, "other: configuration error: PORT is wrong\n"), "does not start with"),
    ],
)  # fmt: skip
def test_one_stderr_line_says_what_differs(result: subprocess.CompletedProcess[str], complaint: str) -> None:
    with pytest.raises(AssertionError, match=complaint):
        one_stderr_line(result, status=2, prefix=PREFIX, hidden=[SECRET])
