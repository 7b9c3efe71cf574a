"""Locate the Traefik binary that ``make bootstrap`` built (or ``TRAEFIK_BIN``)."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@cache
def traefik_bin() -> str:
    """Path of the Traefik v3 binary; builds it through the bootstrap script if needed."""
    if os.environ.get("TRAEFIK_BIN"):
        return os.environ["TRAEFIK_BIN"]
    result = subprocess.run(
        [str(ROOT / "scripts" / "build-traefik.sh")], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"no Traefik binary: {result.stderr.strip()}")
    return result.stdout.strip().splitlines()[-1]
