"""scripts/build-<tool>.sh for each pinned Go tool: the bad cases say what is wrong and never
trust a bad binary."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@dataclass(frozen=True)
class Tool:
    name: str  # as messages say it
    cmd: str
    bin_var: str
    pinned: str
    version_line: str  # what the binary prints, with {} for the version
    accepted: str  # a version the override may have
    refused: str  # one it may not

    @property
    def script(self) -> Path:
        return SCRIPTS / f"build-{self.cmd}.sh"


TOOLS = [
    Tool(
        "Traefik",
        "traefik",
        "TRAEFIK_BIN",
        "v3.6.12",
        "Version:      {}\nCodename:     test",
        "3.6.1",
        "2.11.9",
    ),
    Tool("oasdiff", "oasdiff", "OASDIFF_BIN", "v1.37.0", "oasdiff version {}", "1.37.2", "1.36.0"),
]


@pytest.fixture(params=TOOLS, ids=lambda tool: tool.cmd)
def tool(request: pytest.FixtureRequest) -> Tool:
    return request.param


def run(tool: Tool, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if k not in {tool.bin_var, "TRAEFIK_VERSION", "OASDIFF_VERSION"}
    }
    base["TIMEKEEPER_CACHE"] = str(tmp_path / "cache")
    return subprocess.run(
        [str(tool.script)], env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def fake_binary(tool: Tool, tmp_path: Path, version: str) -> Path:
    path = tmp_path / f"{tool.cmd}-{version}"
    lines = "\n".join(f"echo '{line}'" for line in tool.version_line.format(version).splitlines())
    path.write_text(f"#!/bin/sh\n{lines}\n")
    path.chmod(0o755)
    return path


def offline(tmp_path: Path) -> dict[str, str]:
    return {"GOPROXY": "off", "GOMODCACHE": str(tmp_path / "modcache"), "GOFLAGS": ""}


def test_an_override_of_the_accepted_version_is_used_as_is(tool: Tool, tmp_path: Path) -> None:
    binary = fake_binary(tool, tmp_path, tool.accepted)
    result = run(tool, tmp_path, **{tool.bin_var: str(binary)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(binary)


def test_an_override_of_another_version_is_refused(tool: Tool, tmp_path: Path) -> None:
    result = run(tool, tmp_path, **{tool.bin_var: str(fake_binary(tool, tmp_path, tool.refused))})
    assert result.returncode != 0
    assert f"is {tool.name} {tool.refused}; Timekeeper needs {tool.name} " in result.stderr
    assert f"(pinned {tool.pinned})" in result.stderr


def test_an_override_that_is_not_a_binary_is_refused(tool: Tool, tmp_path: Path) -> None:
    result = run(tool, tmp_path, **{tool.bin_var: str(tmp_path / "missing")})
    assert result.returncode != 0
    assert "is not an executable file" in result.stderr


def test_an_override_that_reports_no_version_is_refused(tool: Tool, tmp_path: Path) -> None:
    result = run(tool, tmp_path, **{tool.bin_var: "/bin/true"})
    assert result.returncode != 0
    assert f"is not a working {tool.name} binary" in result.stderr


def test_without_go_one_line_names_what_is_missing(tool: Tool, tmp_path: Path) -> None:
    result = run(tool, tmp_path, PATH="/usr/bin:/bin")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Go is not installed" in lines[0] and tool.bin_var in lines[0]


def test_unreachable_module_proxy_fails_clearly_and_caches_nothing(tool: Tool, tmp_path: Path) -> None:
    result = run(tool, tmp_path, **offline(tmp_path))
    assert result.returncode != 0
    assert f"cannot download {tool.name} {tool.pinned}" in result.stderr and tool.bin_var in result.stderr
    cached = [p for p in (tmp_path / "cache").rglob(tool.cmd) if p.is_file()]
    assert cached == []


def test_a_half_written_cached_binary_is_not_trusted(tool: Tool, tmp_path: Path) -> None:
    version_dir = tmp_path / "cache" / tool.cmd / tool.pinned
    version_dir.mkdir(parents=True)
    broken = version_dir / tool.cmd
    broken.write_bytes(b"\x7fELF truncated")
    broken.chmod(0o755)
    result = run(tool, tmp_path, **offline(tmp_path))
    assert result.returncode != 0
    assert str(broken) not in result.stdout


def test_a_cached_binary_of_the_pinned_version_is_reused_without_go(tool: Tool, tmp_path: Path) -> None:
    version_dir = tmp_path / "cache" / tool.cmd / tool.pinned
    version_dir.mkdir(parents=True)
    cached = version_dir / tool.cmd
    cached.write_bytes(fake_binary(tool, tmp_path, tool.pinned.removeprefix("v")).read_bytes())
    cached.chmod(0o755)
    result = run(tool, tmp_path, PATH="/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(cached)
