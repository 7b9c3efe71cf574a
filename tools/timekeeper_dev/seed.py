"""``make seed``: a demo user with a project and a week of entries, through the gateway.

Rerunning it is harmless: the user and project are reused, and entries that already
exist are refused by the hours service's overlap rule (409) and skipped.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

import requests

from timekeeper_dev import accounts

DEMO = {"username": "demo", "email": "demo@example.com", "password": "demo-password-123"}


def main() -> int:
    base = os.environ.get("TIMEKEEPER_URL") or f"http://localhost:{os.environ.get('GATEWAY_PORT', '8080')}"
    http = requests.Session()
    try:
        registered = accounts.sign_up(base, **DEMO, session=http)
    except requests.ConnectionError:
        print(
            f"seed: nothing answers at {base}; start the stack with `make up` or `make dev`", file=sys.stderr
        )
        return 1
    if registered.status_code not in (201, 409):
        print(
            f"seed: registering the demo user failed: {registered.status_code} {registered.text}",
            file=sys.stderr,
        )
        return 1
    tokens = accounts.login(base, DEMO["username"], DEMO["password"], http)
    http.headers["Authorization"] = f"Bearer {tokens['access_token']}"

    projects = {}
    for name, billable in (("Website relaunch", True), ("Internal", False)):
        found = http.get(f"{base}/api/hours/v1/projects", params={"search": name}, timeout=10).json()["items"]
        match = next((p for p in found if p["name"] == name), None)
        if match is None:
            match = http.post(
                f"{base}/api/hours/v1/projects", json={"name": name, "billable": billable}, timeout=10
            )
            match.raise_for_status()
            match = match.json()
        projects[name] = match["id"]

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    created = skipped = 0
    for days_ago in range(7, 0, -1):
        day = today - timedelta(days=days_ago)
        if day.weekday() >= 5:
            continue
        for start_h, hours, project, text, tags in (
            (8, 3.5, "Website relaunch", "Build the landing page", ["frontend"]),
            (12, 0.5, "Internal", "Stand-up", ["meeting"]),
            (13, 3.0, "Website relaunch", "Review and fixes", ["review"]),
        ):
            start = day + timedelta(hours=start_h)
            entry = {
                "project": projects[project],
                "description": text,
                "tags": tags,
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(hours=hours)).isoformat(),
            }
            response = http.post(f"{base}/api/hours/v1/entries", json=entry, timeout=10)
            if response.status_code == 201:
                created += 1
            elif response.status_code == 409:
                skipped += 1
            else:
                print(f"seed: {response.status_code} {response.text}", file=sys.stderr)
                return 1
    print(f"seed: demo user '{DEMO['username']}' / '{DEMO['password']}' at {base}")
    print(f"seed: {created} entries created, {skipped} already there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
