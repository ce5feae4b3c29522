"""Many collectors pushing the same machines at once, against a real server
(gunicorn, 4 worker processes of 4 threads), must never create a machine
twice nor fail a push: the unique constraint on the identity decides races
and the loser updates instead.

Prints the throughput it measured; see it with
    .venv/bin/python -m pytest tests/collectors/test_concurrency.py -p no:xdist -s
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from shopdb.database import get_session
from shopdb.models import Asset, AssetType, AuditLog
from shopdb.plugins.runtime import current_runtime
from shopdb.testing.servers import gunicorn, server_environment, serving
from tests.collectors.conftest import SHARED_KEY, run
from tests.collectors.plugin import write_device_plugin

pytestmark = [pytest.mark.database, pytest.mark.slow]

CLIENTS = 16
MACHINES = 50
BATCH = 25


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """POST `body` as JSON with the shared collector key (or `headers`); (status, reply)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {"X-API-Key": SHARED_KEY})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def spelling(client: int, machine: int) -> str:
    """Every client spells the hostnames its own way; all mean one machine."""
    name = f"PC-{machine:03d}"
    return f" {name} " if client % 2 else name.lower()


def in_parallel(work: Callable[[int], list[Any]]) -> tuple[list[Any], float]:
    """Run work(client) in CLIENTS threads started together; (all results, seconds)."""
    start = threading.Barrier(CLIENTS + 1)
    results: list[list[Any]] = [[] for _ in range(CLIENTS)]

    def client(number: int) -> None:
        start.wait()
        try:
            results[number] = work(number)
        except Exception as error:  # counted as a failed push below
            results[number] = [(0, {"error": repr(error)})]

    threads = [threading.Thread(target=client, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return [item for result in results for item in result], time.perf_counter() - began


@pytest.fixture
def server(make_app, database_url, tmp_path):
    """A migrated, seeded database with the device plugin installed, served
    by gunicorn; yields (collector url, plugin name, an app on the database)."""
    plugins = tmp_path / "plugins"
    name = write_device_plugin(plugins)
    app = make_app(database_url, SHOPDB_PLUGIN_PATHS=[str(plugins)])
    for args in (("db", "upgrade"), ("seed",), ("plugin", "install", name)):
        run(app, *args)
    app = make_app(database_url, SHOPDB_PLUGIN_PATHS=[str(plugins)])  # with the plugin
    env = server_environment(
        tmp_path,
        DATABASE_URL=database_url,
        SHOPDB_PLUGIN_PATHS=str(plugins),
        COLLECTOR_API_KEY=SHARED_KEY,
    )
    with serving(gunicorn, env, tmp_path) as base:
        yield f"{base}/api/collector/{name}", name, app


def test_concurrent_pushes_never_duplicate_a_machine(server):
    url, name, app = server

    def single(client: int) -> list[Any]:
        return [
            post(url, {"hostname": spelling(client, machine), "cpu": "single", "memory": 1})
            for machine in range(MACHINES)
        ]

    def batches(client: int) -> list[Any]:
        records = [
            {"hostname": spelling(client, machine), "cpu": "batch", "memory": 2}
            for machine in range(MACHINES)
        ]
        return [
            post(url, {"records": records[start : start + BATCH]})
            for start in range(0, MACHINES, BATCH)
        ]

    singles, single_seconds = in_parallel(single)
    assert {status for status, _body in singles} == {200}, [r for r in singles if r[0] != 200][:3]
    actions = Counter(body["data"]["action"] for _status, body in singles)
    assert actions["created"] == MACHINES
    assert set(actions) <= {"created", "updated", "noop"}

    replies, batch_seconds = in_parallel(batches)
    assert {status for status, _body in replies} == {200}, [r for r in replies if r[0] != 200][:3]
    counts: Counter[str] = Counter()
    for _status, body in replies:
        counts.update(body["data"]["counts"])
    assert counts["error"] == 0 and counts["created"] == 0
    assert counts["updated"] + counts["noop"] == CLIENTS * MACHINES

    devices = f"{name}devices"
    with app.app_context():
        session = get_session()
        (model,) = current_runtime(app).get(name).parts.models
        rows = session.execute(select(model.hostname, model.cpu, model.memory)).all()
        assert sorted(row.hostname for row in rows) == [
            f"pc-{machine:03d}" for machine in range(MACHINES)
        ]
        assert {(row.cpu, row.memory) for row in rows} == {("batch", 2)}
        kind = select(AssetType.assettypeid).where(AssetType.assettype == f"{name}device")
        assets = (
            select(func.count())
            .select_from(Asset)
            .where(Asset.assettypeid == kind.scalar_subquery())
        )
        assert session.scalar(assets) == MACHINES
        creates = (
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entitytype == devices, AuditLog.action == "create")
        )
        assert session.scalar(creates) == MACHINES

    backend = app.config["DATABASE_URL"].split(":", 1)[0]
    pushes = CLIENTS * MACHINES
    print(
        f"\ncollector on {backend}: {pushes} single pushes in {single_seconds:.1f} s "
        f"({pushes / single_seconds:.0f}/s); {pushes} records in batches of {BATCH} in "
        f"{batch_seconds:.1f} s ({pushes / batch_seconds:.0f} records/s)"
    )
