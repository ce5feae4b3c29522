"""Statements and server time of the dashboard, the PC relationships report
and the audit log page on a bench site built by bench/site.py.

    .venv/bin/python bench/site.py --assets 20000 --folder bench-site
    .venv/bin/python bench/dashboard_pages.py [--folder bench-site] [--repeat 20]

Signs in as the bench admin through the sign-in page (Flask's test client,
in process: no network) and prints, per page, the SQL statements of one
request and the median and 95th percentile of the server time.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

# The repository root, for shopdb and bench/site.py from a checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.site import ADMIN, site_environment
from shopdb.app import create_app
from shopdb.database import get_database
from shopdb.testing.databases import count_queries

PAGES = (
    "/",
    "/reports/pcrelationships",
    "/reports/pcrelationships?page=20",
    "/reports/pcrelationships?format=csv",
    "/admin/audit",
    "/admin/audit?entitytype=computers&perpage=100",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--folder", default="bench-site")
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    os.environ.update(
        site_environment(Path(options.folder).resolve(), os.environ.get("DATABASE_URL"))
    )
    app = create_app(
        {"SHOPDB_COOKIE_SECURE": "false", "SHOPDB_LOGIN_RATE_LIMIT": "1000 per minute"}
    )
    client = app.test_client()
    form = client.get("/signin").get_data(True)
    token = re.search(r'name="signin_token" value="([^"]+)"', form).group(1)
    username, password = ADMIN
    signed = client.post(
        "/signin", data={"signin_token": token, "username": username, "password": password}
    )
    if signed.status_code != 303:
        raise SystemExit(f"The bench admin could not sign in ({signed.status_code}).")
    engine = get_database(app).engine
    print(f"{'page':48} statements  median ms  p95 ms")
    for url in PAGES:
        client.get(url)  # warm
        times = []
        for _ in range(options.repeat):
            with count_queries(engine) as counter:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{url:48} {counter.count:10}  {times[len(times) // 2]:9.1f}  {p95:6.1f}")
    get_database(app).dispose()


if __name__ == "__main__":
    main()
