"""scripts/build-traefik.sh: the bad cases say what is wrong and never trust a bad binary."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build-traefik.sh"


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "TRAEFIK_BIN"}
    base["TIMEKEEPER_CACHE"] = str(tmp_path / "cache")
    return subprocess.run([str(SCRIPT)], env={**base, **env}, capture_output=True, text=True, timeout=120)


def fake_traefik(tmp_path: Path, version: str) -> Path:
    path = tmp_path / f"traefik-{version}"
    path.write_text(f"#!/bin/sh\necho 'Version:      {version}'\necho 'Codename:     test'\n")
    path.chmod(0o755)
    return path


def test_traefik_bin_of_v3_is_used_as_is(tmp_path: Path) -> None:
    binary = fake_traefik(tmp_path, "3.6.1")
    result = run(tmp_path, TRAEFIK_BIN=str(binary))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(binary)


def test_traefik_bin_of_another_major_version_is_refused(tmp_path: Path) -> None:
    result = run(tmp_path, TRAEFIK_BIN=str(fake_traefik(tmp_path, "2.11.9")))
    assert result.returncode != 0
    assert "is Traefik 2.11.9; Timekeeper needs Traefik v3" in result.stderr


def test_traefik_bin_that_is_not_a_binary_is_refused(tmp_path: Path) -> None:
    result = run(tmp_path, TRAEFIK_BIN=str(tmp_path / "missing"))
    assert result.returncode != 0
    assert "is not an executable file" in result.stderr


def test_without_go_one_line_names_what_is_missing(tmp_path: Path) -> None:
    result = run(tmp_path, PATH="/usr/bin:/bin")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Go is not installed" in lines[0] and "TRAEFIK_BIN" in lines[0]


def test_unreachable_module_proxy_fails_clearly_and_caches_nothing(tmp_path: Path) -> None:
    result = run(tmp_path, GOPROXY="off", GOMODCACHE=str(tmp_path / "modcache"), GOFLAGS="")
    assert result.returncode != 0
    assert "cannot download Traefik" in result.stderr and "TRAEFIK_BIN" in result.stderr
    cached = list((tmp_path / "cache").rglob("traefik"))
    assert [p for p in cached if p.is_file()] == []


def test_a_half_written_cached_binary_is_not_trusted(tmp_path: Path) -> None:
    version_dir = tmp_path / "cache" / "traefik" / "v3.6.12"
    version_dir.mkdir(parents=True)
    broken = version_dir / "traefik"
    broken.write_bytes(b"\x7fELF truncated")
    broken.chmod(0o755)
    result = run(tmp_path, GOPROXY="off", GOMODCACHE=str(tmp_path / "modcache"), GOFLAGS="")
    assert result.returncode != 0
    assert str(broken) not in result.stdout
