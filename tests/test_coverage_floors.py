"""The end of `make test`: coverage per part of the repository against its floor."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from timekeeper_dev import coverage_floors
from timekeeper_dev.coverage_floors import Part

ROOT = Path(__file__).resolve().parents[1]

# Two small packages: "full" runs every line and both ways of its branch, "half" one way.
SOURCES = {
    "full/__init__.py": "def sign(n):\n    if n < 0:\n        return -1\n    return 1\n",
    "half/__init__.py": "def sign(n):\n    if n < 0:\n        return -1\n    return 1\n",
}
RUN = "import full, half\nfull.sign(-1)\nfull.sign(1)\nhalf.sign(1)\n"


@pytest.fixture
def measured(tmp_path: Path) -> Path:
    """A coverage data file (branches on) of RUN over the two packages."""
    for name, text in SOURCES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "run.py").write_text(RUN)
    # Not measured by the coverage of the suite that runs this test: a run of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "--branch", "--source=full,half", "run.py"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    return tmp_path / ".coverage"


def parts(full: float, half: float) -> list[Part]:
    return [Part("full", ("*/full/*",), full), Part("half", ("*/half/*",), half)]


def test_each_part_is_reported_with_its_floor(measured: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert coverage_floors.check(measured, parts(full=100, half=50)) == []
    out = capsys.readouterr().out.splitlines()
    # half: 3 of 4 lines and 1 of 2 branch ways: (3 + 1) / (4 + 2)
    assert out == ["coverage: full 100.0% (floor 100%)", "coverage: half 66.7% (floor 50%)"]


def test_a_part_below_its_floor_fails(measured: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert coverage_floors.check(measured, parts(full=99, half=70)) == ["half"]
    assert "coverage: half 66.7% is below its floor of 70%" in capsys.readouterr().err


def test_a_part_with_no_measured_file_fails(measured: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = Part("gone", ("*/gone/*",), 10)
    assert coverage_floors.check(measured, [missing]) == ["gone"]
    assert "coverage: gone has no measured file" in capsys.readouterr().err


def test_the_repository_parts_cover_every_measured_package_once() -> None:
    """A package that no part includes would be measured and never held to a floor."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    repository_parts = coverage_floors.parts(ROOT / "pyproject.toml")
    assert {p.name for p in repository_parts} == {"service-lib", "user", "hours", "docs", "tooling"}
    assert config["tool"]["coverage"]["run"]["branch"] is True
    for package in config["tool"]["coverage"]["run"]["source_pkgs"]:
        found = [
            f"{path.parent}/"
            for top in ROOT.iterdir()
            if top.is_dir() and not top.name.startswith(".") and top.name != "reports"
            for path in top.glob("**/__init__.py")
            if path.parent.name == package
        ]
        assert len(found) == 1, (package, found)
        owners = [p.name for p in repository_parts if any(fnmatch.fnmatch(found[0], i) for i in p.include)]
        assert len(owners) == 1, (package, owners)
