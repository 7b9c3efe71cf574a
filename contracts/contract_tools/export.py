"""Generate contracts/*.openapi.json from the services' code (``make contracts``).

No server and no database: the user service's document is apiflask's ``app.spec`` from
``create_app``; the hours service's is drf-spectacular's generator (what
``manage.py spectacular`` runs). Each is built in its own Python process with a clean
environment, so a developer's ``DATABASE_URL`` or secrets never reach the output, and
Flask and Django never share a process. The output is canonical JSON (sorted keys, two
spaces, one trailing newline), so a diff of the committed file is a diff of the contract.

    python -m contract_tools.export            # rewrite the committed specs
    python -m contract_tools.export --check    # exit 1 when they differ from the code
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CONTRACTS = Path(__file__).resolve().parents[1]
SPECS = {"users": "users.openapi.json", "hours": "hours.openapi.json"}
REGENERATE = "make contracts"
# What the child process keeps of the caller's environment: enough to find Python and its
# packages, nothing that configures a service.
_KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH", "SYSTEMROOT")


def spec_path(service: str) -> Path:
    return CONTRACTS / SPECS[service]


def canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- in the child process ---------------------------------------------------------------
def _users_document() -> dict[str, Any]:
    from user_service import create_app
    from user_service.config import Settings

    app = create_app({"SETTINGS": Settings(app_env="development", log_level="WARNING")})
    return app.spec


def _hours_document() -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "hours_service.settings"
    import django

    django.setup()
    from drf_spectacular.settings import spectacular_settings

    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    return generator.get_schema(request=None, public=True)


_BUILDERS = {"users": _users_document, "hours": _hours_document}


def _emit(service: str, out: Path) -> None:
    document = _BUILDERS[service]()
    out.write_text(json.dumps(document))


# -- in the caller ----------------------------------------------------------------------
def generate(service: str) -> dict[str, Any]:
    """The service's OpenAPI document as its code describes it now."""
    env = {name: os.environ[name] for name in _KEEP_ENV if name in os.environ}
    env.update(APP_ENV="development", LOG_LEVEL="WARNING", PYTHONPATH=str(CONTRACTS))
    with tempfile.TemporaryDirectory(prefix="contracts-") as tmp:
        out = Path(tmp) / f"{service}.json"
        result = subprocess.run(
            [sys.executable, "-m", "contract_tools.export", "--emit", service, str(out)],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"generating the {service} spec failed ({result.returncode}):\n{result.stderr[-4000:]}"
            )
        return json.loads(out.read_text())


def validate(document: dict[str, Any]) -> None:
    """Raise unless ``document`` is a valid OpenAPI 3.1 document."""
    from openapi_spec_validator import validate as validate_spec
    from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

    if not str(document.get("openapi", "")).startswith("3.1."):
        raise ValueError(f"expected OpenAPI 3.1, got {document.get('openapi')!r}")
    validate_spec(document, cls=OpenAPIV31SpecValidator)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contract_tools.export", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("services", nargs="*", metavar="SERVICE", help=f"{', '.join(SPECS)} (default: all)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    parser.add_argument("--emit", nargs=2, metavar=("SERVICE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.emit:
        _emit(args.emit[0], Path(args.emit[1]))
        return 0

    if unknown := set(args.services) - set(SPECS):
        parser.error(f"unknown service(s): {', '.join(sorted(unknown))}")
    drifted = []
    for service in args.services or list(SPECS):
        document = generate(service)
        validate(document)
        text = canonical(document)
        path = spec_path(service)
        current = path.read_text() if path.exists() else None
        if text == current:
            print(f"contracts: {path.name} is up to date")
        elif args.check:
            drifted.append(path.name)
            print(f"contracts: {path.name} differs from the code", file=sys.stderr)
        else:
            path.write_text(text)
            print(f"contracts: wrote {path.name}")
    if drifted:
        print(f"contracts: run `{REGENERATE}` and commit the result", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
