"""Gunicorn in production: `gunicorn` in the project folder reads this file by itself.

Every value comes from the environment, with defaults for a small server (see README,
"Running it for real"). Graceful restart after a deploy: `systemctl reload somehub`
(sends HUP: new workers start, old ones finish their requests first).
"""

import gc
import multiprocessing
import os
from typing import Any


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from exc


wsgi_app = "somehub.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Chosen by measurement (README, "gunicorn settings, measured"; every one can be set
# in the environment). Sync workers behind nginx, which buffers slow clients: one
# request per process at a time, one database connection each, and no keep-alive, so
# nginx's connections spread evenly over the workers (with threads and keep-alive
# they piled onto one worker while the others idled).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9))
# Only for GUNICORN_WORKER_CLASS=gthread: gunicorn quietly runs a "sync" worker
# that is given more than one thread as gthread.
threads = _int("GUNICORN_THREADS", 4) if worker_class == "gthread" else 1

# A request that takes longer than this is stuck; its worker is replaced.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On HUP or TERM, workers get this long to finish the requests they are serving.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, so that a slow leak never grows big; the jitter keeps
# them from restarting together. Every 2,000 requests cost 15-35 % more CPU per
# request at benchmark load (a new worker imports Django and warms up again).
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# Errors to stderr: systemd's journal (or the platform) keeps them. nginx logs every
# request already; GUNICORN_ACCESS_LOG=1 adds gunicorn's own access log on stdout.
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "0") == "1" else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Trust X-Forwarded-* only from the reverse proxy on this machine (nginx).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Gunicorn's control socket is not used; systemd signals the master instead.
control_socket_disable = True


# Python's full garbage collection walks every object a worker holds, and a warm
# worker holds about 130,000 that live as long as it does (code, models, compiled
# templates, translations): one full collection held every request of the worker
# for 35-190 ms, the slowest 1 % of member pages. Frozen objects are never walked:
# freeze what the worker holds once it has loaded the site, and again once its
# first requests have compiled the templates and loaded the translations.
WARM_AFTER_REQUESTS = 500


def post_worker_init(worker: Any) -> None:
    gc.freeze()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    if worker.nr >= WARM_AFTER_REQUESTS and not getattr(worker, "warm", False):
        worker.warm = True
        gc.freeze()
