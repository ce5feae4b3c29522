"""The real Zabbix 6.0 server the sync tests run against: .ci/zabbix-up.sh
starts it (as .ci/run does) and its zabbix.env exports SHOPDB_TEST_ZABBIX_*.
Without SHOPDB_TEST_ZABBIX_URL the tests that need it are skipped.

Hosts get trapper items (`supply.level[...]`); values are sent with the
zabbix-utils Sender, retried until the server's configuration cache knows
the new items, then awaited until item.get shows them (about a second)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

URL = os.environ.get("SHOPDB_TEST_ZABBIX_URL", "")
USER = os.environ.get("SHOPDB_TEST_ZABBIX_USER", "Admin")
PASSWORD = os.environ.get("SHOPDB_TEST_ZABBIX_PASSWORD", "zabbix")
TRAPPER = os.environ.get("SHOPDB_TEST_ZABBIX_TRAPPER", "127.0.0.1:10061")
FOLDER = os.environ.get("SHOPDB_TEST_ZABBIX_DIR", "")

needs_zabbix = pytest.mark.skipif(
    not URL,
    reason="SHOPDB_TEST_ZABBIX_URL is not set; .ci/run starts a Zabbix server "
    "(bash .ci/zabbix-up.sh DIR; source DIR/zabbix.env)",
)
DEADLINE = 20.0
SNMP = 2
TRAPPER_ITEM = 2
FLOAT = 0


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def loopback_ip() -> str:
    """An address only this test gives a Zabbix interface."""
    digits = uuid.uuid4().bytes
    return f"127.{digits[0]}.{digits[1]}.{digits[2] or 1}"


@dataclass
class Zabbix:
    """An admin session on the test server, a token for ShopDB, and a host
    group of this test run's own."""

    api: Any
    token: str
    groupid: str
    group: str
    hosts: dict[str, str] = field(default_factory=dict)

    def host(self, name: str, ip: str, keys: tuple[str, ...], groupid: str = "") -> str:
        interface = {
            "type": SNMP,
            "main": 1,
            "useip": 1,
            "ip": ip,
            "dns": "",
            "port": "161",
            "details": {"version": 2, "bulk": 1, "community": "public"},
        }
        hostid = self.api.host.create(
            host=name, groups=[{"groupid": groupid or self.groupid}], interfaces=[interface]
        )["hostids"][0]
        for key in keys:
            self.api.item.create(
                hostid=hostid, name=key, key_=key, type=TRAPPER_ITEM, value_type=FLOAT
            )
        self.hosts[name] = hostid
        return hostid

    def send(self, host: str, values: dict[str, float]) -> None:
        """Send, retrying until every value is accepted, then wait until
        item.get shows each one."""
        from zabbix_utils import ItemValue, Sender

        server, port = TRAPPER.rsplit(":", 1)
        sender = Sender(server=server, port=int(port))
        started = int(time.time())
        deadline = time.monotonic() + DEADLINE
        batch = [ItemValue(host, key, value) for key, value in values.items()]
        while True:
            reply = sender.send(batch)
            if reply.failed == 0:
                break
            assert time.monotonic() < deadline, f"Zabbix refused {values} for {host}: {reply}"
            time.sleep(0.2)
        while True:
            items = self.api.item.get(
                hostids=[self.hosts[host]], output=["key_", "lastvalue", "lastclock"]
            )
            shown = {
                item["key_"]: float(item["lastvalue"])
                for item in items
                if int(item["lastclock"]) >= started
            }
            if all(shown.get(key) == float(value) for key, value in values.items()):
                return
            assert time.monotonic() < deadline, f"Zabbix did not show {values}: {items}"
            time.sleep(0.2)


@contextmanager
def zabbix_session() -> Iterator[Zabbix]:
    from zabbix_utils import ZabbixAPI

    api = ZabbixAPI(url=URL, user=USER, password=PASSWORD)
    userid = api.user.get(filter={"username": USER}, output=["userid"])[0]["userid"]
    tokenid = api.token.create(name=unique("shopdb-test"), userid=userid)["tokenids"][0]
    token = api.token.generate(tokenid)[0]["token"]
    group = unique("ShopDB test printers")
    groupid = api.hostgroup.create(name=group)["groupids"][0]
    zabbix = Zabbix(api, token, groupid, group)
    try:
        yield zabbix
    finally:
        if zabbix.hosts:
            api.host.delete(*zabbix.hosts.values())
        api.hostgroup.delete(groupid)
        api.token.delete(tokenid)
        api.logout()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def second_frontend() -> Iterator[tuple[str, subprocess.Popen]]:
    """Another `php -S` serving the same Zabbix API, for a test to stop: the
    server's own frontend keeps serving the other tests."""
    assert FOLDER, "SHOPDB_TEST_ZABBIX_DIR is not set (zabbix.env sets it)"
    port = free_port()
    process = subprocess.Popen(
        ["php", "-d", "date.timezone=UTC", "-S", f"127.0.0.1:{port}", "-t", f"{FOLDER}/web/ui"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api_jsonrpc.php"
    try:
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the second php -S did not start"
                time.sleep(0.1)
        yield url, process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)
