"""Every requirements file pins with ``==``, one package has one version everywhere (the shared
package's dependencies are installed next to each service's), and the services require the
shared package at the version its directory holds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(
    [
        *ROOT.glob("requirements/*.txt"),
        *ROOT.glob("services/*/requirements.txt"),
        *ROOT.glob("libs/*/requirements*.txt"),
        ROOT / "gateway/docs/requirements.txt",
    ]
)
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]+\])?==(?P<version>\S+)$")
SHARED = ROOT / "libs/timekeeper_service"


def pins(path: Path) -> dict[str, str]:
    """``{normalised name: version}``; fails on a line that is not a ``==`` pin."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        assert match, f"{path.relative_to(ROOT)}: not pinned with ==: {line!r}"
        found[re.sub(r"[-_.]+", "-", match["name"]).lower()] = match["version"]
    return found


def test_the_files_are_found():
    names = {str(path.relative_to(ROOT)) for path in FILES}
    assert {"services/user/requirements.txt", "libs/timekeeper_service/requirements.txt"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_line_is_pinned(path: Path):
    assert pins(path)


def test_one_version_of_each_package_everywhere():
    seen: dict[str, dict[str, str]] = {}
    for path in FILES:
        for name, version in pins(path).items():
            seen.setdefault(name, {})[str(path.relative_to(ROOT))] = version
    differing = {name: where for name, where in seen.items() if len(set(where.values())) > 1}
    assert not differing


def test_the_services_require_the_shared_package_they_install():
    version = tomllib.loads((SHARED / "pyproject.toml").read_text())["project"]["version"]
    shared, prestart = pins(SHARED / "requirements.txt"), pins(SHARED / "requirements-prestart.txt")
    for service, extra in (
        ("services/user", "[prestart]"),
        ("services/hours", "[prestart]"),
        ("gateway/docs", ""),
    ):
        path = ROOT / service / "requirements.txt"
        assert f"\ntimekeeper-service{extra}=={version}\n" in path.read_text(), service
        # its dependencies are pinned by the service too, so one resolver run sees one version
        assert set(shared) | (set(prestart) if extra else set()) <= set(pins(path)), service
    assert "psycopg" not in pins(ROOT / "gateway/docs/requirements.txt")  # no database, no driver
