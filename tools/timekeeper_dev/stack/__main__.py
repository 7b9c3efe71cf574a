"""``python -m timekeeper_dev.stack`` (``make dev``): the local stack in the foreground.

Ctrl-C or SIGTERM tears everything down: every process, the Postgres cluster, the
temporary directory.
"""

from __future__ import annotations

import signal
import sys
import threading

from timekeeper_dev.stack.local import LocalStack


def dev() -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    stack = LocalStack()
    print("timekeeper: starting Postgres, user, hours, docs and Traefik as local processes...", flush=True)
    try:
        stack.start()
        width = max(map(len, stack.urls()))
        print("\ntimekeeper: the stack is up\n")
        for name, url in stack.urls().items():
            print(f"  {name:<{width}}  {url}")
        print(f"\n  admin login: {stack.admin_username} / {stack.admin_password}")
        print(f"  logs: {stack.dir}/<service>.log")
        print("\nCtrl-C stops everything.", flush=True)
        while not stop.wait(1.0):
            for name, process in stack.processes.items():
                if process.popen and process.popen.poll() is not None:
                    print(f"timekeeper: {name} exited; its log:\n{process.tail(40)}", file=sys.stderr)
                    return 1
        return 0
    finally:
        print("\ntimekeeper: stopping...", flush=True)
        stack.stop()
        print("timekeeper: stopped; nothing left behind.", flush=True)


if __name__ == "__main__":
    sys.exit(dev())
