"""The config files as Compose uses them, render_static.py as the local stack does, and the
Swarm stack's static configuration it generates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import TRAEFIK_DIR

GATEWAY_DIR = TRAEFIK_DIR.parent
SWARM_STATIC = GATEWAY_DIR.parent / "deploy" / "swarm" / "traefik.yml"


def test_static_config_is_the_containers() -> None:
    static = yaml.safe_load((TRAEFIK_DIR / "traefik.yml").read_text())
    assert static["entryPoints"]["web"]["address"] == ":8080"
    assert static["entryPoints"]["internal"]["address"] == ":8082"
    assert static["providers"]["file"]["filename"] == "/etc/traefik/dynamic.yml"
    assert static["ping"]["entryPoint"] == "internal"
    assert static["metrics"]["prometheus"]["entryPoint"] == "internal"
    assert static["log"]["format"] == static["accessLog"]["format"] == "json"
    headers = static["accessLog"]["fields"]["headers"]
    assert headers == {"defaultMode": "drop", "names": {"X-Request-Id": "keep"}}


def test_a_router_that_names_no_entrypoint_is_internal_only() -> None:
    static = yaml.safe_load((TRAEFIK_DIR / "traefik.yml").read_text())
    assert static["entryPoints"]["internal"]["asDefault"] is True
    assert "asDefault" not in static["entryPoints"]["web"]
    # and every router of dynamic.yml names its own
    routers = re.findall(
        r"^    ([a-z-]+):\n((?:      .*\n)+)", (TRAEFIK_DIR / "dynamic.yml").read_text(), re.M
    )
    routers = [(name, body) for name, body in routers if "rule:" in body]
    assert len(routers) > 10
    assert all("entryPoints:" in body for _, body in routers)


def test_the_swarm_static_configuration_is_generated_and_up_to_date() -> None:
    rendered = subprocess.run(
        [sys.executable, str(TRAEFIK_DIR / "render_static.py"), "--swarm"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert SWARM_STATIC.read_text() == rendered, (
        "deploy/swarm/traefik.yml is stale: python gateway/traefik/render_static.py --swarm "
        "--out deploy/swarm/traefik.yml"
    )


def test_the_swarm_static_configuration_adds_the_swarm_provider_only() -> None:
    swarm = yaml.safe_load(SWARM_STATIC.read_text())
    original = yaml.safe_load((TRAEFIK_DIR / "traefik.yml").read_text())
    providers = swarm.pop("providers")
    assert providers.pop("swarm") == {
        "endpoint": "unix:///var/run/docker.sock",
        "exposedByDefault": False,
        "refreshSeconds": "1s",
        "watch": True,
    }
    assert providers.pop("providersThrottleDuration") == "0s"
    assert providers == original.pop("providers")
    assert swarm == original


def test_render_static_swarm_takes_no_other_option() -> None:
    result = subprocess.run(
        [sys.executable, str(TRAEFIK_DIR / "render_static.py"), "--swarm", "--web-address=:1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "--swarm takes no other option" in result.stderr


def test_render_static_changes_addresses_and_paths_only(tmp_path: Path) -> None:
    out = tmp_path / "traefik.yml"
    subprocess.run(
        [
            sys.executable,
            str(TRAEFIK_DIR / "render_static.py"),
            "--web-address=127.0.0.1:1",
            "--internal-address=127.0.0.1:2",
            f"--access-log={tmp_path / 'access.log'}",
            "--log-level=DEBUG",
            f"--out={out}",
        ],
        check=True,
    )
    rendered = yaml.safe_load(out.read_text())
    original = yaml.safe_load((TRAEFIK_DIR / "traefik.yml").read_text())
    assert rendered["entryPoints"]["web"]["address"] == "127.0.0.1:1"
    assert rendered["entryPoints"]["internal"]["address"] == "127.0.0.1:2"
    assert rendered["providers"]["file"]["filename"] == str(TRAEFIK_DIR / "dynamic.yml")
    assert rendered["accessLog"]["filePath"] == str(tmp_path / "access.log")
    assert rendered["log"]["level"] == "DEBUG"
    for key in ("global", "ping", "metrics", "api"):
        assert rendered[key] == original[key]
    assert rendered["entryPoints"]["web"]["http"] == original["entryPoints"]["web"]["http"]


def test_every_variable_dynamic_yml_reads_is_documented() -> None:
    used = set(re.findall(r'env "([A-Z_]+)"', (TRAEFIK_DIR / "dynamic.yml").read_text()))
    documented = set(re.findall(r"^([A-Z_]+)=", (GATEWAY_DIR / ".env.example").read_text(), re.M))
    assert used == documented
    readme = (GATEWAY_DIR / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in used)


def test_traefik_lets_go_of_an_idle_upstream_connection_before_the_service_does() -> None:
    # A service's gunicorn closes a keep-alive connection idle for `keepalive` seconds (its
    # gthread worker sweeps them about once a second). Were Traefik to keep idle connections
    # longer, it would now and then send a request on one at the moment the service closes
    # it: a GET Go's transport quietly sends again, a POST a 502 (then the gateway's 503),
    # since a write that may have been received is never resent.
    idle = re.search(r"^ +idleConnTimeout: (\d+)s$", (TRAEFIK_DIR / "dynamic.yml").read_text(), re.M)
    assert idle, "the upstreams transport sets idleConnTimeout in whole seconds"
    root = GATEWAY_DIR.parent
    shared = root / "libs" / "timekeeper_service" / "timekeeper_service" / "gunicorn_conf.py"
    keepalive = re.search(r'^ +"keepalive": (\d+),$', shared.read_text(), re.M)
    assert keepalive, "the services' shared gunicorn settings set keepalive in whole seconds"
    assert int(idle.group(1)) + 2 <= int(keepalive.group(1))
    # and no service sets its own
    for conf in (
        root / "services" / "user" / "user_service" / "gunicorn_conf.py",
        root / "services" / "hours" / "hours_service" / "gunicorn_conf.py",
        GATEWAY_DIR / "docs" / "docs_service" / "gunicorn_conf.py",
    ):
        assert "keepalive" not in conf.read_text(), conf
