"""Render traefik.yml for Traefik running as a local process (no container).

traefik.yml is written for the container (ports 8080/8082, /etc/traefik/dynamic.yml).
Traefik takes its static configuration from exactly one source: a file, or CLI flags,
or TRAEFIK_* variables, never a mix, so a local process cannot override one address
on top of the file. This script writes a copy with local addresses and paths instead:

    python gateway/traefik/render_static.py --web-address 127.0.0.1:18080 \\
        --internal-address 127.0.0.1:18082 --out /tmp/traefik.yml
    traefik --configFile=/tmp/traefik.yml

The dynamic configuration (gateway/traefik/dynamic.yml by default) is used in place;
it reads the upstream URLs from the environment of the Traefik process.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def render_static(
    *,
    web_address: str,
    internal_address: str,
    dynamic_file: Path = HERE / "dynamic.yml",
    access_log: Path | None = None,
    log_level: str | None = None,
) -> str:
    """traefik.yml as YAML text, with the given addresses, dynamic file and log targets."""
    config = yaml.safe_load((HERE / "traefik.yml").read_text())
    config["entryPoints"]["web"]["address"] = web_address
    config["entryPoints"]["internal"]["address"] = internal_address
    config["providers"]["file"]["filename"] = str(Path(dynamic_file).resolve())
    if access_log is not None:
        config["accessLog"]["filePath"] = str(access_log)
    if log_level is not None:
        config["log"]["level"] = log_level
    return yaml.safe_dump(config, sort_keys=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--web-address", required=True, help="public entrypoint, e.g. 127.0.0.1:18080")
    parser.add_argument("--internal-address", required=True, help="ping/metrics/API entrypoint")
    parser.add_argument("--dynamic-file", type=Path, default=HERE / "dynamic.yml")
    parser.add_argument("--access-log", type=Path, help="access log file (default: stdout)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARN, ERROR (default: as in traefik.yml)")
    parser.add_argument("--out", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    text = render_static(
        web_address=args.web_address,
        internal_address=args.internal_address,
        dynamic_file=args.dynamic_file,
        access_log=args.access_log,
        log_level=args.log_level,
    )
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
