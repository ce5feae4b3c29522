"""The Python inventory script (collectors/computers/shopdb_inventory.py) run
as a person or a timer runs it: a separate process, real HTTP.

Most tests push to a small local server that answers as ShopDB does and
records what it was sent; the last one pushes to a real ShopDB server with
the computers plugin installed.
"""

from __future__ import annotations

import http.server
import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from shopdb.testing.servers import free_port, server_environment, serving

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "collectors" / "computers" / "shopdb_inventory.py"
SHOPDB = str(Path(sys.executable).parent / "shopdb")
# The script must run on Python 3.8: point this at one to check that.
PYTHON = os.environ.get("SHOPDB_COLLECTOR_TEST_PYTHON") or sys.executable
KEY = "Xq3Rk9vTzP2mWc8LhN4sJb7YdF6gAe5Kt1Uo0iHpQwE"
KEYS = {"hostname", "serialnumber", "operatingsystem", "loggedinuser", "cpu", "memorymb"}
KEYS |= {"diskgb", "interfaces", "software"}
MAC = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")

Reply = tuple[int, dict[str, str], Any]


def ok(action: str = "created", **extra: Any) -> Reply:
    data = {"status": "ok", "action": action, "assetid": 7, "identityvalue": "pc-01"}
    return 200, {}, {"data": {**data, "dryrun": False, **extra}}


def error(status: int, code: str, message: str, details: Any = None) -> Reply:
    body = {"data": {"error": {"code": code, "message": message, "details": details or {}}}}
    return status, {}, body


UNAVAILABLE = error(503, "unavailable", "The database is not ready.")


class FakeShopDB:
    """Answers each POST with the next scripted reply (the last one repeats)."""

    def __init__(self) -> None:
        self.replies: list[Reply] = [ok()]
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                outer.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": json.loads(body),
                        "at": time.monotonic(),
                    }
                )
                index = min(len(outer.requests), len(outer.replies)) - 1
                status, headers, reply = outer.replies[index]
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeShopDB]:
    server = FakeShopDB()
    yield server
    server.close()


def inventory(*args: str, key: str | None = KEY, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the script in a clean environment; the key comes from the environment."""
    environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **env}
    if key is not None:
        environment["SHOPDB_COLLECTOR_KEY"] = key
    result = subprocess.run(
        [PYTHON, str(SCRIPT), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert KEY not in result.stdout + result.stderr
    return result


def push(fake: FakeShopDB, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return inventory("--url", fake.url, "--backoff", "0.01", *args, **env)


def nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return any(item is None or nulls(item) for item in value.values())
    if isinstance(value, list):
        return any(item is None or nulls(item) for item in value)
    return False


def test_print_shows_this_machines_payload_and_sends_nothing():
    result = inventory("--print", key=None)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) <= KEYS
    assert payload["hostname"].strip()
    assert "." not in payload["hostname"] or payload["hostname"].replace(".", "").isdigit()
    assert isinstance(payload["memorymb"], int)
    assert payload["memorymb"] > 0
    assert isinstance(payload.get("diskgb", 1), int)
    assert not nulls(payload)
    assert all(
        isinstance(payload[key], str) and payload[key]
        for key in payload.keys()
        & KEYS
        - {
            "memorymb",
            "diskgb",
            "interfaces",
            "software",
        }
    )
    names = [entry["name"] for entry in payload.get("software", [])]
    assert len({name.casefold() for name in names}) == len(names)
    for entry in payload.get("software", []):
        assert set(entry) <= {"name", "version", "vendor", "installdate"}
        assert entry["name"] and len(entry["name"]) <= 200
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry.get("installdate", "2000-01-01"))
    macs = [entry["macaddress"] for entry in payload.get("interfaces", [])]
    assert len(macs) == len(set(macs))
    for entry in payload.get("interfaces", []):
        assert set(entry) <= {"name", "macaddress", "ipaddress"}
        assert entry["name"]
        assert MAC.match(entry["macaddress"]), entry
        assert entry["macaddress"] != "00:00:00:00:00:00"
    assert all(not entry["name"].startswith("lo") for entry in payload.get("interfaces", []))


def test_a_push_sends_the_key_and_the_payload_and_prints_the_action(fake):
    result = push(fake)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "created asset 7 (pc-01)"
    [request] = fake.requests
    assert request["path"] == "/api/collector/computers"
    assert request["headers"]["x-api-key"] == KEY
    assert request["headers"]["content-type"] == "application/json"
    assert request["body"] == json.loads(inventory("--print", key=None).stdout)


def test_the_url_may_end_in_a_slash_or_name_the_endpoint(fake):
    assert push(fake, "--url", fake.url + "/").returncode == 0
    assert push(fake, "--url", fake.url + "/api/collector/computers").returncode == 0
    assert [request["path"] for request in fake.requests] == ["/api/collector/computers"] * 2


def test_the_url_and_key_file_may_come_from_elsewhere(fake, tmp_path):
    key_file = tmp_path / "collector.key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    result = inventory(
        "--key-file", str(key_file), "--backoff", "0.01", key=None, SHOPDB_URL=fake.url
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert fake.requests[0]["headers"]["x-api-key"] == KEY


def test_a_key_on_the_command_line_works_with_a_warning(fake):
    result = push(fake, "--key", KEY, key=None)
    assert result.returncode == 0
    assert "visible to other users" in result.stderr
    assert fake.requests[0]["headers"]["x-api-key"] == KEY


def test_a_dry_run_asks_and_says_what_would_happen(fake):
    changes = {"memorymb": {"before": 8192, "after": 16384}}
    fake.replies = [ok("updated", dryrun=True, changes=changes)]
    result = push(fake, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert fake.requests[0]["path"] == "/api/collector/computers?dryrun=true"
    assert result.stdout.splitlines() == [
        "dry run: would be updated asset 7 (pc-01)",
        "  memorymb: 8192 -> 16384",
    ]


def test_a_rejected_payload_exits_2_with_the_message_and_details(fake):
    details = {"memorymb": ["'lots' is not of type 'integer'"]}
    message = "The record does not match the computers collector's schema; see details."
    fake.replies = [error(400, "invalid_input", message, details)]
    result = push(fake)
    assert result.returncode == 2
    assert message in result.stderr
    assert "'lots' is not of type 'integer'" in result.stderr
    assert len(fake.requests) == 1  # not retried


@pytest.mark.parametrize("status", [413, 409])
def test_other_refusals_of_the_payload_exit_2(fake, status):
    fake.replies = [error(status, "payload_too_large", "The request is too large.")]
    assert push(fake).returncode == 2
    assert len(fake.requests) == 1


@pytest.mark.parametrize(("status", "code"), [(401, "invalid_api_key"), (403, "permission_denied")])
def test_a_refused_key_exits_3(fake, status, code):
    fake.replies = [error(status, code, "Send a collector key as X-API-Key.")]
    result = push(fake)
    assert result.returncode == 3
    assert code in result.stderr
    assert len(fake.requests) == 1


def test_no_key_is_a_usage_error():
    result = inventory("--url", "http://127.0.0.1:9", key=None)
    assert result.returncode == 1
    assert "SHOPDB_COLLECTOR_KEY" in result.stderr


def test_no_collector_at_the_url_exits_1(fake):
    fake.replies = [error(404, "not_found", "Not found.")]
    result = push(fake)
    assert result.returncode == 1
    assert "HTTP 404 not_found: Not found. at http://127.0.0.1:" in result.stderr


def test_unavailable_twice_then_ok_retries_and_succeeds(fake):
    fake.replies = [UNAVAILABLE, UNAVAILABLE, ok("noop")]
    result = push(fake)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("noop")
    assert len(fake.requests) == 3
    assert result.stderr.count("retrying in") == 2


def test_always_unavailable_gives_up_with_4(fake):
    fake.replies = [UNAVAILABLE]
    result = push(fake, "--retries", "3")
    assert result.returncode == 4
    assert len(fake.requests) == 4
    assert "gave up after 4 attempt(s)" in result.stderr


def test_nobody_listening_gives_up_with_4():
    result = inventory("--url", f"http://127.0.0.1:{free_port()}", "--backoff", "0.01")
    assert result.returncode == 4
    assert result.stderr.count("retrying in") == 5  # --retries defaults to 5


def test_rate_limited_waits_as_long_as_retry_after_says(fake):
    fake.replies = [(429, {"Retry-After": "1"}, error(429, "too_many_requests", "Slow down.")[2])]
    fake.replies.append(ok("updated"))
    result = push(fake)
    assert result.returncode == 0, result.stderr
    first, second = fake.requests
    assert second["at"] - first["at"] >= 0.95  # the back-off alone would be 0.01 s
    assert "retrying in 1.0 s" in result.stderr


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location("shopdb_inventory", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_windows_branch_reads_what_cim_reports(monkeypatch):
    """The CIM answer as Windows PowerShell prints it, turned into the payload."""
    script = load_script()
    answer = {
        "hostname": "PC-0142",
        "name": "PC-0142",
        "user": "PLANT\\jdoe",
        "memory": 17179869184,
        "totalmemory": 17032736768,
        "caption": "Microsoft Windows 11 Enterprise ",
        "version": "10.0.22631",
        "cpu": "Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz",
        "serial": "To Be Filled By O.E.M.",
        "disk": 511101108224,
        "interfaces": [
            {
                "name": "Ethernet",
                "description": "Intel(R) I219-LM",
                "mac": "8C:16:45:AA:BB:01",
                "ip": "10.1.2.3",
            },
            {
                "name": None,
                "description": "Hyper-V Virtual Ethernet Adapter",
                "mac": "00:15:5D:01:02:03",
                "ip": "172.20.0.1",
            },
            {
                "name": "Wi-Fi",
                "description": "Intel(R) Wi-Fi 6 AX201",
                "mac": "8c-16-45-aa-bb-02",
                "ip": None,
            },
            {"name": "Ethernet 2", "description": "Teamed", "mac": "8C:16:45:AA:BB:01", "ip": None},
        ],
    }
    monkeypatch.setattr(script.platform, "system", lambda: "Windows")
    monkeypatch.setattr(script, "run_command", lambda *args, **kwargs: json.dumps(answer))
    assert script.gather() == {
        "hostname": "PC-0142",
        "operatingsystem": "Windows 11 Enterprise 10.0.22631",
        "loggedinuser": "PLANT\\jdoe",
        "cpu": "Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz",
        "memorymb": 16384,
        "diskgb": 476,
        "interfaces": [
            {"name": "Ethernet", "macaddress": "8C:16:45:AA:BB:01", "ipaddress": "10.1.2.3"},
            {"name": "Wi-Fi", "macaddress": "8C:16:45:AA:BB:02"},
        ],
    }


def test_pushes_to_a_real_shopdb_create_then_change_nothing(tmp_path):
    env = server_environment(tmp_path, COLLECTOR_API_KEY_COMPUTERS=KEY)
    for command in (("db", "upgrade"), ("seed",), ("plugin", "install", "computers")):
        done = subprocess.run(
            [SHOPDB, *command], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    with serving(lambda port: [SHOPDB, "run", "--port", str(port)], env, tmp_path) as url:
        hostname = json.loads(inventory("--print", key=None).stdout)["hostname"].lower()
        dry = inventory("--url", url, "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert dry.stdout.startswith(f"dry run: would be created ({hostname})")
        first = inventory("--url", url)
        assert first.returncode == 0, first.stderr
        assert first.stdout.startswith("created asset ")
        assert f"({hostname})" in first.stdout
        second = inventory("--url", url)
        assert second.returncode == 0, second.stderr
        assert second.stdout.startswith("noop asset ")
        refused = inventory("--url", url, key="not-the-key-" + "x" * 30)
        assert refused.returncode == 3
        assert "invalid_api_key" in refused.stderr
    # Without the applications plugin the software is refused as unknown:
    # the script says so and pushes the rest.
    assert "takes no installed software" in first.stderr


def test_software_filter_and_no_software_shape_the_payload():
    every = json.loads(inventory("--print", key=None).stdout).get("software", [])
    if not every:
        pytest.skip("this machine reports no installed software")
    first = every[0]["name"]
    only = json.loads(inventory("--print", "--software-filter", first.upper(), key=None).stdout)
    assert [entry["name"] for entry in only["software"]] == [first]
    assert "software" not in json.loads(inventory("--print", "--no-software", key=None).stdout)


def test_the_windows_branch_reads_the_uninstall_keys(monkeypatch):
    script = load_script()
    answer = {
        "hostname": "PC-0142",
        "software": [
            {"name": "ZEISS CALYPSO 2023", "version": "8.0.12", "vendor": "Carl Zeiss",
             "installdate": "20240312"},
            {"name": "Cimco DNC-Max", "version": "8.12.07", "installdate": "20241399"},
            {"name": "zeiss calypso 2023", "version": "8.0.10"},
            {"name": None},
        ],
    }  # fmt: skip
    monkeypatch.setattr(script.platform, "system", lambda: "Windows")
    monkeypatch.setattr(script, "run_command", lambda *args, **kwargs: json.dumps(answer))
    assert script.gather()["software"] == [
        {"name": "Cimco DNC-Max", "version": "8.12.07"},
        {"name": "ZEISS CALYPSO 2023", "version": "8.0.12", "vendor": "Carl Zeiss",
         "installdate": "2024-03-12"},
    ]  # fmt: skip
    assert "software" not in script.gather(software=False)


def fake_dpkg(folder: Path) -> Path:
    """A dpkg-query first in PATH that lists the packages of $FAKE_PACKAGES
    (as `dpkg-query -W -f ...` prints them), so a test decides what this
    machine has installed from one push to the next."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "dpkg-query"
    tool.write_text('#!/bin/sh\ncat "$FAKE_PACKAGES"\n')
    tool.chmod(0o755)
    return bin_dir


def test_three_pushes_add_change_and_remove_installed_software(tmp_path):
    """Against a real ShopDB with the applications plugin: the first push
    adds three installations, the second changes a version, the third
    removes two; the fourth changes nothing."""
    env = server_environment(tmp_path, COLLECTOR_API_KEY_COMPUTERS=KEY)
    for command in (("db", "upgrade"), ("seed",), ("plugin", "install", "applications")):
        done = subprocess.run(
            [SHOPDB, *command], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    packages = tmp_path / "packages.txt"
    path = f"{fake_dpkg(tmp_path)}:{os.environ.get('PATH', '')}"

    def pushed(url: str, *lines: str) -> list[str]:
        packages.write_text("".join(line + "\n" for line in lines))
        result = inventory("--url", url, PATH=path, FAKE_PACKAGES=str(packages))
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        return result.stdout.splitlines()

    with serving(lambda port: [SHOPDB, "run", "--port", str(port)], env, tmp_path) as url:
        first = pushed(
            url,
            "cimco-dnc\t8.10\tii ",
            "zeiss-calypso\t2021\tii ",
            "mastercam:amd64\t2023\tii ",
            "old-tool\t1.0\trc ",  # removed, config files left: not installed
        )
        assert first[0].startswith("created asset ")
        second = pushed(
            url,
            "cimco-dnc\t8.10\tii ",
            "zeiss-calypso\t2023\tii ",
            "mastercam\t2023\tii ",
        )
        assert second[0].startswith("updated asset ")
        assert second[1:] == ["  software.zeiss-calypso: '2021' -> '2023'"]
        third = pushed(url, "zeiss-calypso\t2023\tii ")
        assert third[1:] == [
            "  software.cimco-dnc: '8.10' -> None",
            "  software.mastercam: '2023' -> None",
        ]
        fourth = pushed(url, "zeiss-calypso\t2023\tii ")
        assert fourth[0].startswith("noop asset ")
    engine = create_engine(f"sqlite:///{tmp_path / 'instance' / 'shopdb.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT applications.name, installations.version, installations.iscollected"
                    " FROM installations JOIN applications USING (applicationid)"
                )
            ).all()
            names = connection.execute(text("SELECT name FROM applications ORDER BY name"))
            known = [name for (name,) in names]
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("zeiss-calypso", "2023", True)]
    assert known == ["cimco-dnc", "mastercam", "zeiss-calypso"]
