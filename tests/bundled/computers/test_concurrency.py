"""16 inventory scripts pushing the same 300 computers at once, then changed
versions of them, against a real server (gunicorn, 4 workers of 4 threads):
exactly 300 computers result, each with the last values pushed, and every
reply is created, updated or noop, never an error. Builds on the collector
framework's own race test (tests/collectors/test_concurrency.py) and its
helpers. The first 100 computers go one push per request (the single path,
with the creation races), the rest and the second round in batches.

    .venv/bin/python -m pytest tests/bundled/computers/test_concurrency.py -p no:xdist -s
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from shopdb.database import get_session
from shopdb.models import Asset, AssetType, OperatingSystem
from shopdb.plugins.runtime import current_runtime
from shopdb.services.access import SCOPE_WRITE
from shopdb.services.tokens import create_token
from shopdb.services.users import create_user
from shopdb.testing.servers import gunicorn, server_environment, serving
from tests.bundled.computers.conftest import FOLDER, PLUGIN
from tests.collectors.conftest import SHARED_KEY, run
from tests.collectors.test_concurrency import CLIENTS, in_parallel, post, spelling
from tests.plugins.conftest import plugins_forgotten

pytestmark = [pytest.mark.database, pytest.mark.slow]

COMPUTERS = 300
SINGLE = 100  # computers 0..99 pushed one per request; the rest in batches
BATCH = 50
SYSTEMS = ("Windows 11 Enterprise 10.0.22631", "Windows 10 Enterprise LTSC 10.0.17763")


def inventory(client: int, number: int, version: int) -> dict[str, Any]:
    """What a PC reports; version 2 changes memory, OS, user and half the NICs."""
    nic = f"02:cc:{version if number % 2 else 1:02x}:00:{number >> 8:02x}:{number & 255:02x}"
    return {
        "hostname": spelling(client, number),
        "serialnumber": f"SN{number:05d}",
        "operatingsystem": SYSTEMS[(number + version) % 2],
        "loggedinuser": f"SHOP\\op{version}",
        "cpu": "Intel Core i5-13500",
        "memorymb": 8192 * version,
        "diskgb": 512,
        "interfaces": [
            {
                "name": "Ethernet",
                "macaddress": nic,
                "ipaddress": f"10.{version}.{number >> 8}.{number & 255}",
            }
        ],
    }


@pytest.fixture
def server(make_app, database_url, tmp_path):
    """A site with computers installed, served by gunicorn; yields (collector url, app)."""
    with plugins_forgotten(FOLDER):
        app = make_app(database_url)
        for args in (("db", "upgrade"), ("seed",), ("plugin", "install", PLUGIN)):
            run(app, *args)
        app = make_app(database_url)
        env = server_environment(tmp_path, DATABASE_URL=database_url, COLLECTOR_API_KEY=SHARED_KEY)
        with serving(gunicorn, env, tmp_path) as base:
            yield f"{base}/api/collector/{PLUGIN}", app


def actions(replies: list[Any]) -> Counter[str]:
    """created/updated/noop/error counts over single and batch replies."""
    assert {status for status, _body in replies} == {200}, [r for r in replies if r[0] != 200][:3]
    counts: Counter[str] = Counter()
    for _status, body in replies:
        data = body["data"]
        counts.update(data["counts"] if "counts" in data else {data["action"]: 1})
    return +counts  # without the zero counts (error: 0)


def test_parallel_collectors_push_300_computers(server):
    url, app = server

    def first_round(client: int) -> list[Any]:
        replies = [post(url, inventory(client, number, 1)) for number in range(SINGLE)]
        records = [inventory(client, number, 1) for number in range(SINGLE, COMPUTERS)]
        for start in range(0, len(records), BATCH):
            replies.append(post(url, {"records": records[start : start + BATCH]}))
        return replies

    def second_round(client: int) -> list[Any]:
        records = [inventory(client, number, 2) for number in range(COMPUTERS)]
        return [
            post(url, {"records": records[start : start + BATCH]})
            for start in range(0, COMPUTERS, BATCH)
        ]

    first, first_seconds = in_parallel(first_round)
    counts = actions(first)
    assert counts["created"] == COMPUTERS, counts
    assert set(counts) <= {"created", "updated", "noop"}, counts
    assert sum(counts.values()) == CLIENTS * COMPUTERS

    second, second_seconds = in_parallel(second_round)
    counts = actions(second)
    assert set(counts) <= {"updated", "noop"}, counts
    # Each change is an update for at least the first push of it; on the server
    # databases two pushes read the old row at once and both report it.
    assert counts["updated"] >= COMPUTERS, counts
    assert sum(counts.values()) == CLIENTS * COMPUTERS

    with app.app_context():
        session = get_session()
        models = {model.__name__: model for model in current_runtime(app).get(PLUGIN).parts.models}
        computer, interface = models["Computer"], models["ComputerInterface"]
        systems = dict(
            session.execute(
                select(OperatingSystem.operatingsystemid, OperatingSystem.operatingsystem).where(
                    OperatingSystem.operatingsystem.in_(SYSTEMS)
                )
            ).all()
        )
        assert sorted(systems.values()) == sorted(SYSTEMS)  # each created once
        rows = session.execute(
            select(
                computer.hostname,
                computer.memorymb,
                computer.operatingsystemid,
                computer.loggedinuser,
                computer.lastseen,
            )
        ).all()
        assert sorted(row.hostname for row in rows) == [f"pc-{n:03d}" for n in range(COMPUTERS)]
        for row in rows:
            number = int(row.hostname[3:])
            expected = inventory(0, number, 2)
            assert (row.memorymb, systems[row.operatingsystemid], row.loggedinuser) == (
                expected["memorymb"],
                expected["operatingsystem"],
                expected["loggedinuser"],
            )
            assert row.lastseen is not None
        nics = session.execute(
            select(computer.hostname, interface.macaddress, interface.ipaddress).join(
                interface, interface.assetid == computer.assetid
            )
        ).all()
        assert len(nics) == COMPUTERS
        for nic in nics:
            (expected,) = inventory(0, int(nic.hostname[3:]), 2)["interfaces"]
            assert (nic.macaddress, nic.ipaddress) == (
                expected["macaddress"],
                expected["ipaddress"],
            )
        kind = select(AssetType.assettypeid).where(AssetType.assettype == "computer")
        assets = (
            select(func.count())
            .select_from(Asset)
            .where(Asset.assettypeid == kind.scalar_subquery())
        )
        assert session.scalar(assets) == COMPUTERS

    backend = app.config["DATABASE_URL"].split(":", 1)[0]
    pushes = CLIENTS * COMPUTERS
    print(
        f"\ncomputers collector on {backend}: round 1 ({CLIENTS * SINGLE} single pushes, the "
        f"rest in batches of {BATCH}) {pushes} records in {first_seconds:.1f} s "
        f"({pushes / first_seconds:.0f}/s); round 2 {pushes} records in batches in "
        f"{second_seconds:.1f} s ({pushes / second_seconds:.0f}/s)"
    )


# One computer, many writers -----------------------------------------------------------

ROUNDS = 4


def request(url: str, body: Any | None, method: str, token: str) -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    sent = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(sent, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_writers_of_one_computer_take_turns(server):
    """16 clients replace one computer's interfaces at once, half by PATCH and
    half by collector push: every reply is 200, and the computer ends with the
    one interface a writer sent, never a mix of several writers' lists."""
    url, app = server
    name = "PC-TURNS"
    status, body = post(url, {"hostname": name})
    assert status == 200, body
    assetid = body["data"]["assetid"]
    with app.app_context():
        session = get_session()
        user = create_user(session, "turns", "correct-horse-battery-4711", "editor")
        _token, plaintext = create_token(session, user, "turns", SCOPE_WRITE)
        session.commit()
    detail = url.replace(f"/api/collector/{PLUGIN}", f"/api/computers/{assetid}")

    def work(client: int) -> list[Any]:
        replies = []
        for round_ in range(ROUNDS):
            nic = {"name": "Ethernet", "macaddress": f"02:dd:00:00:{client:02x}:{round_:02x}"}
            if client % 2:
                replies.append(request(detail, {"interfaces": [nic]}, "PATCH", plaintext))
            else:
                replies.append(post(url, {"hostname": name, "interfaces": [nic]}))
        return replies

    replies, _seconds = in_parallel(work)
    assert [reply for reply in replies if reply[0] != 200] == []
    status, shown = request(detail, None, "GET", plaintext)
    assert status == 200, shown
    assert len(shown["data"]["interfaces"]) == 1, shown["data"]["interfaces"]
