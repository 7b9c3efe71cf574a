"""Coverage per part of the repository against its floor: the last step of ``make test``.

The parts (which files, which floor) are ``[tool.timekeeper.coverage]`` in the root
pyproject.toml; coverage.py measures and totals them (lines and branches together, as its
reports do). A part below its floor, or with nothing measured, fails.

    python -m timekeeper_dev.coverage_floors [DATA_FILE]   # default: $COVERAGE_FILE
"""

from __future__ import annotations

import io
import os
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import coverage
from coverage.exceptions import NoDataError

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@dataclass(frozen=True)
class Part:
    name: str
    include: tuple[str, ...]  # file patterns, as coverage's --include takes them
    floor: float  # percent


def parts(pyproject: Path = PYPROJECT) -> list[Part]:
    """The parts as pyproject.toml lists them, their patterns made absolute (they are written
    relative to the file's directory, whatever the current one is)."""
    table = tomllib.loads(pyproject.read_text())["tool"]["timekeeper"]["coverage"]
    return [
        Part(
            name, tuple(str(pyproject.parent / pattern) for pattern in part["include"]), float(part["floor"])
        )
        for name, part in table.items()
    ]


def check(data_file: Path, checked: Sequence[Part], config_file: Path | None = None) -> list[str]:
    """Print each part's total; return the names of the parts that fail. ``config_file``: the
    coverage configuration the other reports use (its exclusions apply here too)."""
    cov = coverage.Coverage(data_file=str(data_file), config_file=str(config_file) if config_file else False)
    cov.load()
    failed = []
    for part in checked:
        try:
            total = cov.report(include=list(part.include), file=io.StringIO())
        except NoDataError:
            print(f"coverage: {part.name} has no measured file", file=sys.stderr)
            failed.append(part.name)
            continue
        shown = f"{total:.1f}"
        if float(shown) < part.floor:  # the figure printed is the figure judged
            print(f"coverage: {part.name} {shown}% is below its floor of {part.floor:g}%", file=sys.stderr)
            failed.append(part.name)
        else:
            print(f"coverage: {part.name} {shown}% (floor {part.floor:g}%)")
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    data_file = Path(args[0] if args else os.environ.get("COVERAGE_FILE", ".coverage"))
    return 1 if check(data_file, parts(), PYPROJECT) else 0


if __name__ == "__main__":
    sys.exit(main())
