"""gunicorn settings (``gunicorn -c python:docs_service.gunicorn_conf docs_service.wsgi:app``).

Binds 0.0.0.0:$PORT (8000), runs $WEB_CONCURRENCY workers (2), and leaves access
logging to the app, which writes one JSON line per request.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Server-side spec fetches wait on the other services: threads keep a worker answering.
worker_class = "gthread"
threads = 4
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
