"""gunicorn settings for ShopDB:

    gunicorn -c deploy/gunicorn.conf.py 'shopdb:create_app()'

Each value can be changed by the environment variable read beside it (the
container image sets none of them). The request-line and header limits are
explained in docs/DEPLOY.md.
"""

import multiprocessing
import os

# Loopback unless told: behind nginx on a host; the container image sets
# SHOPDB_BIND=0.0.0.0:8000.
bind = os.environ.get("SHOPDB_BIND", "127.0.0.1:8000")
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

# The request line (method, address with its query string, protocol): no
# limit of gunicorn's own (0; gunicorn allows nothing between 8190 and
# none). ShopDB bounds query strings itself (64 KiB, see
# shopdb.http.requestline.MAXIMUM_QUERY_BYTES) and answers a longer one with
# its JSON 414, so every address the API document allows reaches the app,
# and a too-long one still hears what is wrong in JSON. gunicorn's default
# (4094) answered ~4 kB filter lists with an HTML 414. nginx in front bounds
# what reaches gunicorn (large_client_header_buffers; see docs/DEPLOY.md).
limit_request_line = 0

# One header line: 8190 bytes (gunicorn's default and maximum), room for the
# sign-in cookies (two JWTs and their CSRF values) many times over.
limit_request_field_size = 8190

# Header lines per request: gunicorn's default.
limit_request_fields = 100

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


def post_worker_init(worker):
    """Move what the app built at start (plugins, resources, schemas: some
    200,000 objects) out of the garbage collector's reach: full collections
    otherwise walk all of it again and again while a request allocates many
    objects (a 5,000-asset floor map: bench/map.py's slowest requests took
    two to three times its median)."""
    import gc

    gc.collect()
    gc.freeze()
