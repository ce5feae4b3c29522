"""gunicorn settings for ShopDB:

    gunicorn -c deploy/gunicorn.conf.py 'shopdb:create_app()'

Each value can be changed by the environment variable read beside it (the
container image sets none of them). Kept small on purpose: the request-line
and header limits belong here too.
"""

import multiprocessing
import os

bind = os.environ.get("SHOPDB_BIND", "0.0.0.0:8000")
# Two per core plus one, at most 8: workers wait on the database more than on the CPU.
workers = int(os.environ.get("SHOPDB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("SHOPDB_THREADS", "1"))
timeout = int(os.environ.get("SHOPDB_WORKER_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests, so a slow leak cannot grow.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Heartbeat files in memory: a container's overlay file system can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The addresses whose X-Forwarded-* headers gunicorn believes (the proxy).
forwarded_allow_ips = os.environ.get("SHOPDB_FORWARDED_ALLOW_IPS", "127.0.0.1")
control_socket_disable = True

MEMORY_STORE_WARNING = (
    "%d workers count sign-in attempts separately (SHOPDB_RATELIMIT_STORAGE_URL is "
    "memory://), so each allows the whole limit; set SHOPDB_RATELIMIT_STORAGE_URL to a "
    "shared store such as redis://host:6379/0."
)


def on_starting(server):
    """Warn once, in the arbiter, when several workers would each keep their
    own sign-in counters."""
    store = os.environ.get("SHOPDB_RATELIMIT_STORAGE_URL", "").strip() or "memory://"
    if server.cfg.workers > 1 and store.startswith("memory://"):
        server.log.warning(MEMORY_STORE_WARNING, server.cfg.workers)
