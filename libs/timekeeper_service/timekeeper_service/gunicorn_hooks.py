"""gunicorn hooks every service's gunicorn_conf installs alike.

``post_request = drain_unread_body`` reads what is left of a request body the application
answered without reading (a 401 for a missing token, a 405, a 413), before gunicorn decides
what to do with the connection. gunicorn reads at most 64 KiB of such a rest itself, both
before it keeps a connection alive and in its lingering close, and closes the connection
when more is left; the rest is then still in the kernel's buffer when the socket closes, and
the kernel answers it with a reset. The gateway, still writing a body of a few hundred KB it
has buffered, loses the answer and reports a 502 instead of the service's own.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

#: the most a drain reads: through the gateway a body is at most its MAX_REQUEST_BODY_BYTES
#: (1 MiB by default); a client that reaches a service directly is cut off here or by the time
DRAIN_MAX_BYTES = 16 * 1024 * 1024
#: the longest a drain waits for the rest, as long as gunicorn's own lingering close
DRAIN_SECONDS = 2.0
_CHUNK = 64 * 1024


def drain_unread_body(worker: Any, req: Any, environ: dict[str, Any], resp: Any) -> None:
    """gunicorn's ``post_request`` hook: read the rest of the request body, bounded by
    :data:`DRAIN_MAX_BYTES` and :data:`DRAIN_SECONDS` (the body's own end stops it, so a
    request sent behind it on the same connection is left alone)."""
    sock = environ.get("gunicorn.socket")
    body = getattr(req, "body", None)
    if resp is None or body is None or sock is None:
        return
    deadline = time.monotonic() + DRAIN_SECONDS
    left = DRAIN_MAX_BYTES
    timeout = sock.gettimeout()
    try:
        while left > 0 and (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            chunk = body.read(min(_CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
    except Exception:  # the client left or sent a broken body: nobody to answer
        return
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(timeout)
