#!/usr/bin/env python3
"""Gather this PC's inventory and push it to ShopDB's computers collector.

Runs on Python 3.8 or newer with the standard library only, on Linux (and on
Windows, where it asks PowerShell's CIM cmdlets). Typical use, from a systemd
timer or cron:

    SHOPDB_URL=https://shopdb.example SHOPDB_COLLECTOR_KEY=... shopdb_inventory.py

or with the key in a file only root can read:

    shopdb_inventory.py --url https://shopdb.example --key-file /etc/shopdb/collector.key

Exit codes:
    0  pushed (prints the action: created, updated or noop), or --print
    1  usage or other error (no key, unreadable key file, TLS failure, no
       collector at that URL, an answer that is not ShopDB's)
    2  the payload was rejected (HTTP 400, 409, 413, 415, 422): message and
       details are printed
    3  the key was refused (HTTP 401, 403)
    4  gave up after the retries (connection errors, timeouts, HTTP 5xx, 429)

See docs/COLLECTORS.md in the ShopDB repository.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import email.utils
import fnmatch
import http.client
import json
import os
import platform
import random
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

__version__ = "1.1.0"

PLUGIN = "computers"
ENDPOINT = "/api/collector/" + PLUGIN
USER_AGENT = "shopdb-inventory/" + __version__ + " (python)"

EXIT_OK = 0
EXIT_OTHER = 1
EXIT_REJECTED = 2
EXIT_AUTH = 3
EXIT_GAVE_UP = 4

REJECTED = {400, 409, 413, 415, 422}
AUTH = {401, 403}
TRANSIENT = {408, 429}  # and every 5xx

# What the computers collector takes: texts of at most 100 characters, at most
# 64 interfaces. Longer values are cut rather than have the push refused.
TEXT_LIMIT = 100
INTERFACE_LIMIT = 64
# What the applications plugin's `software` part takes.
SOFTWARE = "software"
SOFTWARE_NAME_LIMIT = 200
SOFTWARE_LIMIT = 5000

# Serial numbers that firmware vendors leave in place of a real one.
JUNK_SERIALS = {
    "",
    "0",
    "00000000",
    "0123456789",
    "1234567890",
    "default string",
    "none",
    "n/a",
    "na",
    "not applicable",
    "not available",
    "not specified",
    "o.e.m.",
    "oem",
    "system serial number",
    "to be filled by o.e.m.",
    "unknown",
}

# Linux interfaces that are virtual even when sysfs does not say so.
VIRTUAL_LINUX_PREFIXES = (
    "lo",
    "docker",
    "br-",
    "veth",
    "virbr",
    "vmnet",
    "vboxnet",
    "tun",
    "tap",
    "wg",
    "zt",
    "tailscale",
    "ifb",
    "dummy",
)

# Windows adapter descriptions of virtual adapters that claim to be physical.
VIRTUAL_WINDOWS = re.compile(
    r"virtual|hyper-v|vmware|virtualbox|vpn|tap-|tunnel|loopback|miniport|bluetooth|"
    r"wireguard|zerotier|tailscale|fortinet|cisco anyconnect|pangp",
    re.IGNORECASE,
)

MAC = re.compile(r"^([0-9A-Fa-f]{2})([:-]?[0-9A-Fa-f]{2}){5}$")


class CollectorError(Exception):
    """Ends the run with an exit code and a message for stderr."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def warn(message: str) -> None:
    print("shopdb-inventory: " + message, file=sys.stderr)


# ---------------------------------------------------------------------------
# Gathering
# ---------------------------------------------------------------------------


def read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def run_command(command: list[str], timeout: float = 20) -> str | None:
    """The command's stdout, or None when it is missing, fails or hangs."""
    try:
        result = subprocess.run(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", errors="replace")


def clean(value: Any) -> str | None:
    """A trimmed, single-spaced string, or None for nothing useful."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def normalise_mac(value: Any) -> str | None:
    """AA:BB:CC:DD:EE:FF, or None for no MAC (or an all-zero one)."""
    text = clean(value)
    if not text or not MAC.match(text):
        return None
    digits = re.sub(r"[^0-9A-Fa-f]", "", text).upper()
    if digits in ("0" * 12, "F" * 12):
        return None
    return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


def useful_serial(value: Any) -> str | None:
    text = clean(value)
    if not text or text.lower() in JUNK_SERIALS or set(text) <= {"0", " ", "-"}:
        return None
    return text


def short_hostname(name: Any) -> str | None:
    text = clean(name)
    if not text:
        return None
    if not re.match(r"^\d+(\.\d+){3}$", text):  # not an IPv4 address
        text = text.split(".")[0]
    return text or None


def to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def linux_os() -> str | None:
    release = read_text("/etc/os-release") or read_text("/usr/lib/os-release")
    if release:
        fields = {}
        for line in release.splitlines():
            key, _, raw = line.partition("=")
            fields[key.strip()] = raw.strip().strip("\"'")
        name = fields.get("PRETTY_NAME") or " ".join(
            part for part in (fields.get("NAME"), fields.get("VERSION")) if part
        )
        if name:
            return clean(name)
    return clean(platform.system() + " " + platform.release())


def linux_serial() -> str | None:
    for path in ("/sys/class/dmi/id/product_serial", "/sys/class/dmi/id/board_serial"):
        serial = useful_serial(read_text(path))
        if serial:
            return serial
    # The DMI files are root-only; dmidecode is too, but try it.
    return useful_serial(run_command(["dmidecode", "-s", "system-serial-number"]))


def linux_cpu() -> str | None:
    info = read_text("/proc/cpuinfo") or ""
    for key in ("model name", "Model", "Hardware", "cpu model", "Processor"):
        for line in info.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key and clean(value):
                return clean(value)
    return clean(platform.processor()) or clean(platform.machine())


def linux_memory_mb() -> int | None:
    for line in (read_text("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            kilobytes = to_int(line.split()[1])
            return kilobytes // 1024 if kilobytes else None
    return None


def block_is_removable(device: str) -> bool:
    """True for /dev/sdb1 when sdb is removable (a USB stick); False when unsure."""
    name = os.path.basename(os.path.realpath(device))
    path = os.path.realpath(os.path.join("/sys/class/block", name))
    for candidate in (path, os.path.dirname(path)):
        flag = read_text(os.path.join(candidate, "removable"))
        if flag is not None:
            return flag.strip() == "1"
    return False


def linux_disk_gb() -> int | None:
    """The sum of the sizes of the local disk filesystems, in GiB.

    Counts each mounted filesystem on a /dev block device once, leaves out
    loop devices (snaps, images), optical media and removable drives.
    """
    skipped_types = {"squashfs", "iso9660", "udf", "overlay", "tmpfs", "devtmpfs"}
    seen = set()
    total = 0
    for line in (read_text("/proc/mounts") or "").splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        device, mountpoint, fstype = parts[0], parts[1].replace("\\040", " "), parts[2]
        if not device.startswith("/dev/") or fstype in skipped_types:
            continue
        if os.path.basename(device).startswith(("loop", "sr", "ram", "zram")):
            continue
        if block_is_removable(device):
            continue
        try:
            identity = os.stat(mountpoint).st_dev
            stats = os.statvfs(mountpoint)
        except OSError:
            continue
        if identity in seen:
            continue
        seen.add(identity)
        total += stats.f_blocks * stats.f_frsize
    if not total:
        try:
            stats = os.statvfs("/")
            total = stats.f_blocks * stats.f_frsize
        except OSError:
            return None
    return round(total / 1024**3) or None


def linux_logged_in_user() -> str | None:
    """The user of the console or graphical session, from `who`; None if nobody."""
    output = run_command(["who"]) or ""
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and re.match(r"^(:\d+(\.\d+)?|tty\d+|seat\d+|console)$", parts[1]):
            return parts[0]
    for line in output.splitlines():  # a graphical terminal shows its display
        parts = line.split()
        if len(parts) >= 2 and re.search(r"\(:\d+(\.\d+)?\)\s*$", line):
            return parts[0]
    return None


def linux_ipv4(name: str) -> str | None:
    """The interface's primary IPv4 address (SIOCGIFADDR), or None."""
    try:
        import fcntl
        import struct

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            request = struct.pack("256s", name[:15].encode())
            answer = fcntl.ioctl(probe.fileno(), 0x8915, request)
            return socket.inet_ntoa(answer[20:24])
    except (OSError, ImportError):
        return None


def linux_interfaces() -> list[dict[str, str]]:
    """Physical interfaces that are up and have a MAC, one entry per MAC."""
    base = "/sys/class/net"
    try:
        names = sorted(os.listdir(base))
    except OSError:
        return []
    found: list[dict[str, str]] = []
    macs = set()
    for name in names:
        path = os.path.join(base, name)
        if name.startswith(VIRTUAL_LINUX_PREFIXES):
            continue
        if "/devices/virtual/" in os.path.realpath(path) or not os.path.exists(
            os.path.join(path, "device")
        ):
            continue
        if (read_text(os.path.join(path, "type")) or "").strip() != "1":  # Ethernet, Wi-Fi
            continue
        if (read_text(os.path.join(path, "operstate")) or "").strip() != "up":
            continue
        mac = normalise_mac(read_text(os.path.join(path, "address")))
        if not mac or mac in macs:
            continue
        macs.add(mac)
        entry = {"name": name, "macaddress": mac}
        address = linux_ipv4(name)
        if address:
            entry["ipaddress"] = address
        found.append(entry)
    return found


def dpkg_install_date(package: str) -> str | None:
    """dpkg keeps no install date; a package's file list (named as
    ${binary:Package}, `libc6:amd64` for multi-arch ones) is written when it
    is installed or upgraded, so its time is the date of the installed version."""
    try:
        stamp = os.stat("/var/lib/dpkg/info/" + package + ".list").st_mtime
    except OSError:
        return None
    return datetime.date.fromtimestamp(stamp).isoformat()


def linux_software() -> list[dict[str, str]]:
    """Installed packages from dpkg (Debian, Ubuntu), else rpm (RHEL, SUSE)."""
    found = []
    listed = run_command(
        ["dpkg-query", "-W", "-f", "${binary:Package}\t${Version}\t${db:Status-Abbrev}\n"],
        timeout=60,
    )
    if listed:
        for line in listed.splitlines():
            parts = line.split("\t")
            if len(parts) < 3 or not parts[2].startswith("ii"):
                continue  # removed, config files only, half installed
            item = {"name": parts[0].partition(":")[0], "version": parts[1]}
            installed = dpkg_install_date(parts[0])
            if installed:
                item["installdate"] = installed
            found.append(item)
        return found
    listed = run_command(
        ["rpm", "-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{INSTALLTIME}\n"],
        timeout=60,
    )
    for line in (listed or "").splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or not parts[0]:
            continue
        item = {"name": parts[0], "version": parts[1]}
        if parts[2] and parts[2] != "(none)":
            item["vendor"] = parts[2]
        if parts[3].isdigit():
            item["installdate"] = datetime.date.fromtimestamp(int(parts[3])).isoformat()
        found.append(item)
    return found


def gather_linux(software: bool = True) -> dict[str, Any]:
    return {
        "hostname": short_hostname(socket.gethostname()),
        "serialnumber": linux_serial(),
        "operatingsystem": linux_os(),
        "loggedinuser": linux_logged_in_user(),
        "cpu": linux_cpu(),
        "memorymb": linux_memory_mb(),
        "diskgb": linux_disk_gb(),
        "interfaces": linux_interfaces(),
        SOFTWARE: linux_software() if software else None,
    }


WINDOWS_QUERY = r"""
$ErrorActionPreference = 'SilentlyContinue'
$cs = Get-CimInstance Win32_ComputerSystem
$os = Get-CimInstance Win32_OperatingSystem
$adapters = @{}
Get-CimInstance Win32_NetworkAdapter -Filter 'PhysicalAdapter = TRUE' |
    ForEach-Object { $adapters[[int] $_.Index] = $_.NetConnectionID }
[pscustomobject]@{
  hostname = $cs.DNSHostName; name = $cs.Name; user = $cs.UserName
  memory = @(Get-CimInstance Win32_PhysicalMemory | Measure-Object Capacity -Sum)[0].Sum
  totalmemory = $cs.TotalPhysicalMemory
  caption = $os.Caption; version = $os.Version
  cpu = @(Get-CimInstance Win32_Processor)[0].Name
  serial = @(Get-CimInstance Win32_BIOS)[0].SerialNumber
  disk = @(Get-CimInstance Win32_LogicalDisk -Filter 'DriveType = 3' |
    Measure-Object Size -Sum)[0].Sum
  interfaces = @(Get-CimInstance Win32_NetworkAdapterConfiguration -Filter 'IPEnabled = TRUE' |
    Where-Object { $_.MACAddress -and $adapters.ContainsKey([int] $_.Index) } |
    ForEach-Object { [pscustomobject]@{
      name = $adapters[[int] $_.Index]; description = $_.Description; mac = $_.MACAddress
      ip = @($_.IPAddress | Where-Object { $_ -match '^\d+\.\d+\.\d+\.\d+$' })[0] } })
  software = @(Get-ItemProperty -Path @(
      'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
      'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*') |
    Where-Object { $_.DisplayName -and $_.SystemComponent -ne 1 -and -not $_.ParentKeyName } |
    ForEach-Object { [pscustomobject]@{
      name = $_.DisplayName; version = $_.DisplayVersion; vendor = $_.Publisher
      installdate = $_.InstallDate } })
} | ConvertTo-Json -Depth 4 -Compress
"""


def gather_windows(software_wanted: bool = True) -> dict[str, Any]:
    """Ask PowerShell's CIM cmdlets (and the uninstall registry keys) once;
    fall back to what `platform` knows."""
    found: dict[str, Any] = {}
    output = None
    for shell in ("powershell.exe", "pwsh.exe"):
        encoded = base64.b64encode(WINDOWS_QUERY.encode("utf-16-le")).decode("ascii")
        output = run_command(
            [shell, "-NoProfile", "-NonInteractive", "-EncodedCommand", encoded], timeout=60
        )
        if output:
            break
    try:
        found = json.loads(output) if output else {}
    except ValueError:
        found = {}
    interfaces = []
    macs = set()
    raw = found.get("interfaces") or []
    for adapter in raw if isinstance(raw, list) else [raw]:
        description = clean(adapter.get("description")) or ""
        mac = normalise_mac(adapter.get("mac"))
        if not mac or mac in macs or VIRTUAL_WINDOWS.search(description):
            continue
        macs.add(mac)
        name = clean(adapter.get("name")) or description or mac  # "Ethernet", "Wi-Fi"
        entry = {"name": name, "macaddress": mac}
        if clean(adapter.get("ip")):
            entry["ipaddress"] = clean(adapter.get("ip"))
        interfaces.append(entry)
    caption = clean(found.get("caption"))
    if caption:
        caption = re.sub(r"^Microsoft\s+", "", caption)
        system = clean(" ".join(part for part in (caption, found.get("version")) if part))
    else:
        system = clean(" ".join(("Windows", platform.release(), platform.version())))
    memory = to_int(found.get("memory")) or to_int(found.get("totalmemory"))
    disk = to_int(found.get("disk"))
    software = found.get(SOFTWARE) or []
    return {
        "hostname": short_hostname(found.get("hostname") or found.get("name"))
        or short_hostname(os.environ.get("COMPUTERNAME") or socket.gethostname()),
        "serialnumber": useful_serial(found.get("serial")),
        "operatingsystem": system,
        "loggedinuser": clean(found.get("user")),
        "cpu": clean(found.get("cpu")) or clean(platform.processor()),
        "memorymb": memory // 1024**2 if memory else None,
        "diskgb": round(disk / 1024**3) if disk else None,
        "interfaces": interfaces,
        SOFTWARE: windows_software(software if isinstance(software, list) else [software])
        if software_wanted
        else None,
    }


def windows_software(entries: list[Any]) -> list[dict[str, str]]:
    """Uninstall registry entries (64- and 32-bit views) as software items;
    InstallDate is yyyyMMdd when the installer wrote one."""
    found = []
    for entry in entries:
        if not isinstance(entry, dict) or not clean(entry.get("name")):
            continue
        item = {"name": clean(entry["name"])}
        for key in ("version", "vendor"):
            if clean(entry.get(key)):
                item[key] = clean(entry[key])
        stamp = clean(entry.get("installdate")) or ""
        if re.fullmatch(r"\d{8}", stamp):
            with contextlib.suppress(ValueError):  # a date the installer made up
                day = datetime.date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
                item["installdate"] = day.isoformat()
        found.append(item)
    return found


def software_items(items: list[dict[str, str]], patterns: list[str]) -> list[dict[str, str]]:
    """Items cut to what ShopDB takes, matching one of `patterns` (shell
    wildcards, case ignored) when any are given, one per name, sorted."""
    folded = [pattern.casefold() for pattern in patterns]
    kept: dict[str, dict[str, str]] = {}
    for item in items:
        name = " ".join(item["name"].split())[:SOFTWARE_NAME_LIMIT].strip()
        if not name or name.casefold() in kept:
            continue
        if folded and not any(fnmatch.fnmatchcase(name.casefold(), p) for p in folded):
            continue
        entry = {"name": name}
        for key, limit in (("version", TEXT_LIMIT), ("vendor", TEXT_LIMIT)):
            value = " ".join((item.get(key) or "").split())[:limit].strip()
            if value:
                entry[key] = value
        if item.get("installdate"):
            entry["installdate"] = item["installdate"]
        kept[name.casefold()] = entry
    return sorted(kept.values(), key=lambda entry: entry["name"].casefold())[:SOFTWARE_LIMIT]


def gather(software: bool = True, patterns: list[str] | None = None) -> dict[str, Any]:
    """The payload: keys whose value was not found are left out, never null.
    `software` False leaves the installed software out; `patterns` limit it."""
    windows = platform.system() == "Windows"
    raw = gather_windows(software) if windows else gather_linux(software)
    payload = {}
    for key, found in raw.items():
        if found is None or found == "" or (key in ("interfaces", SOFTWARE) and not found):
            continue
        value = found[:TEXT_LIMIT].strip() if isinstance(found, str) else found
        if key == "interfaces":
            value = found[:INTERFACE_LIMIT]
            for entry in value:
                entry["name"] = entry["name"][:TEXT_LIMIT].strip() or entry["macaddress"]
        if key == SOFTWARE:
            value = software_items(found, patterns or [])
            if not value:
                continue
        payload[key] = value
    return payload


# ---------------------------------------------------------------------------
# Pushing
# ---------------------------------------------------------------------------


def collector_url(base: str, dry_run: bool) -> str:
    parts = urllib.parse.urlsplit(base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CollectorError(
            EXIT_OTHER, "--url must be an http:// or https:// URL, not " + repr(base)
        )
    path = parts.path.rstrip("/")
    if not path.endswith(ENDPOINT):
        path += ENDPOINT
    query = "dryrun=true" if dry_run else ""
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def shown(url: str) -> str:
    """The URL without a user name or password in it."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def read_key(arguments: argparse.Namespace) -> str:
    if arguments.key_file:
        try:
            if os.name == "posix" and os.stat(arguments.key_file).st_mode & 0o004:
                warn("the key file " + arguments.key_file + " is readable by every user")
            with open(arguments.key_file, encoding="utf-8") as handle:
                key = handle.read().strip()
        except OSError as error:
            raise CollectorError(EXIT_OTHER, "cannot read the key file: " + str(error)) from None
        if not key:
            raise CollectorError(EXIT_OTHER, "the key file " + arguments.key_file + " is empty")
        return key
    if arguments.key:
        warn(
            "a key on the command line is visible to other users in the process list;"
            " use --key-file or SHOPDB_COLLECTOR_KEY"
        )
        return arguments.key.strip()
    key = os.environ.get("SHOPDB_COLLECTOR_KEY", "").strip()
    if not key:
        raise CollectorError(
            EXIT_OTHER, "no key: set SHOPDB_COLLECTOR_KEY or pass --key-file (see --help)"
        )
    return key


def tls_context(arguments: argparse.Namespace) -> ssl.SSLContext:
    if arguments.insecure:
        warn("--insecure: the server's certificate is not checked")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=arguments.ca_file)
    except (OSError, ssl.SSLError) as error:
        raise CollectorError(EXIT_OTHER, "cannot use --ca-file: " + str(error)) from None


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def error_of(body: bytes) -> tuple[str, str, Any]:
    """(code, message, details) from a ShopDB error envelope, or from raw text."""
    try:
        error = json.loads(body.decode("utf-8"))["data"]["error"]
        return str(error.get("code", "")), str(error.get("message", "")), error.get("details")
    except (ValueError, KeyError, TypeError, AttributeError):
        text = body.decode("utf-8", errors="replace").strip()
        return "", text[:500], None


def describe(code: str, message: str) -> str:
    return (code + ": " if code else "") + (message or "(no message)")


def send(
    url: str, key: str, payload: dict[str, Any], timeout: float, context: ssl.SSLContext
) -> tuple[int, dict[str, str], bytes]:
    """One POST: (status, headers, body). Raises OSError for connection trouble."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-API-Key": key,
            "User-Agent": USER_AGENT,
        },
    )
    handler = urllib.request.HTTPSHandler(context=context)
    opener = urllib.request.build_opener(handler)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        try:
            body = error.read() or b""
        except (OSError, http.client.HTTPException):
            body = b""
        finally:
            error.close()
        return error.code, dict(error.headers.items()) if error.headers else {}, body


class NoSoftwarePartError(Exception):
    """The server refused `software` as an unknown field: the applications
    plugin is not installed there."""


def unknown_software(details: Any) -> bool:
    return isinstance(details, dict) and details.get(SOFTWARE) == ["Unknown field."]


class TransientError(Exception):
    """A failure worth another try: connection trouble, a timeout, 5xx, 429."""

    def __init__(self, problem: str, wait: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.wait = wait


def attempt(url: str, key: str, payload: dict[str, Any], arguments: argparse.Namespace) -> int:
    """One push: its exit code, or TransientError when it is worth trying again."""
    try:
        status, headers, body = send(url, key, payload, arguments.timeout, arguments.context)
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise CollectorError(
                EXIT_OTHER,
                "the server's certificate is not trusted ("
                + str(reason.verify_message or reason)
                + "); pass --ca-file with the CA that signed it",
            ) from None
        raise TransientError("cannot reach " + shown(url) + ": " + str(reason)) from None
    except (OSError, ValueError, http.client.HTTPException) as error:  # timeouts, resets
        detail = str(error) or type(error).__name__
        raise TransientError("cannot reach " + shown(url) + ": " + detail) from None
    if 200 <= status < 300:
        return report_success(body)
    code, message, details = error_of(body)
    if status == 400 and SOFTWARE in payload and unknown_software(details):
        raise NoSoftwarePartError()
    if status in REJECTED:
        warn(f"the payload was rejected (HTTP {status}) {describe(code, message)}")
        if details:
            warn("details: " + json.dumps(details, sort_keys=True))
        return EXIT_REJECTED
    if status in AUTH:
        described = describe(code, message)
        if described.endswith("."):
            described = described[:-1]
        warn(
            f"the key was refused (HTTP {status}) by {shown(url)} {described};"
            " check the key, and --url (a wrong path is refused before it is looked up)"
        )
        return EXIT_AUTH
    if status in TRANSIENT or status >= 500:
        lowered = {name.lower(): value for name, value in headers.items()}
        wait = retry_after(lowered.get("retry-after"))
        raise TransientError(f"HTTP {status} {describe(code, message)}", wait)
    where = " (from " + shown(url) + ")"
    if status == 404:
        where = " at " + shown(url) + ": check --url and that the computers plugin is installed"
    raise CollectorError(EXIT_OTHER, f"HTTP {status} {describe(code, message)}{where}")


def push(arguments: argparse.Namespace, payload: dict[str, Any]) -> int:
    """Push with retries: exponential back-off with jitter, Retry-After honoured."""
    if not arguments.url:
        raise CollectorError(EXIT_OTHER, "no URL: pass --url or set SHOPDB_URL")
    url = collector_url(arguments.url, arguments.dry_run)
    key = read_key(arguments)
    arguments.context = tls_context(arguments)
    attempts = arguments.retries + 1
    for number in range(1, attempts + 1):
        try:
            return attempt(url, key, payload, arguments)
        except NoSoftwarePartError:
            warn(
                "this ShopDB takes no installed software (its applications plugin is not"
                " installed); pushed without it. --no-software stops this warning"
            )
            payload = {name: value for name, value in payload.items() if name != SOFTWARE}
            return attempt(url, key, payload, arguments)
        except TransientError as failure:
            if number >= attempts:
                warn(f"gave up after {attempts} attempt(s): {failure.problem}")
                return EXIT_GAVE_UP
            backoff = min(arguments.max_backoff, arguments.backoff * 2 ** (number - 1))
            delay = backoff / 2 + random.uniform(0, backoff / 2)  # jitter
            if failure.wait is not None:
                delay = max(delay, min(failure.wait, arguments.max_backoff))
            warn(f"attempt {number} failed ({failure.problem}); retrying in {delay:.1f} s")
            time.sleep(delay)
    return EXIT_GAVE_UP  # not reached


def report_success(body: bytes) -> int:
    try:
        data = json.loads(body.decode("utf-8"))["data"]
        action = data["action"]
    except (ValueError, KeyError, TypeError):
        raise CollectorError(
            EXIT_OTHER, "the server's reply is not a ShopDB collector reply"
        ) from None
    words = [("dry run: would be " if data.get("dryrun") else "") + str(action)]
    if data.get("assetid") is not None:
        words.append(f"asset {data['assetid']}")
    if data.get("identityvalue"):
        words.append("(" + str(data["identityvalue"]) + ")")
    print(" ".join(words))
    for field, change in sorted((data.get("changes") or {}).items()):
        if isinstance(change, dict):
            print(f"  {field}: {change.get('before')!r} -> {change.get('after')!r}")
    return EXIT_OK


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError("must not be negative")
        return value

    return parse


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog="shopdb_inventory.py",
        description="Gather this PC's inventory and push it to ShopDB (POST "
        + ENDPOINT
        + "). The key comes from SHOPDB_COLLECTOR_KEY or --key-file.",
        epilog="Exit codes: 0 pushed, 1 usage/other, 2 payload rejected, 3 key refused, "
        "4 gave up after retries.",
    )
    result.add_argument(
        "--url", default=os.environ.get("SHOPDB_URL"), help="ShopDB base URL ($SHOPDB_URL)"
    )
    result.add_argument("--key-file", help="file holding the collector key")
    result.add_argument(
        "--key",
        help="the collector key itself (visible to other users in the process list;"
        " prefer --key-file or SHOPDB_COLLECTOR_KEY)",
    )
    result.add_argument("--dry-run", action="store_true", help="ask what would change")
    result.add_argument("--print", action="store_true", help="print the payload, send nothing")
    result.add_argument("--timeout", type=positive(float), default=30.0, help="seconds (30)")
    result.add_argument("--retries", type=positive(int), default=5, help="retries (5)")
    result.add_argument(
        "--backoff", type=positive(float), default=2.0, help="first back-off, seconds (2)"
    )
    result.add_argument(
        "--max-backoff", type=positive(float), default=300.0, help="longest wait, seconds (300)"
    )
    result.add_argument(
        "--no-software", action="store_true", help="leave the installed software out"
    )
    result.add_argument(
        "--software-filter",
        action="append",
        default=[],
        metavar="PATTERN",
        help="send only software whose name matches (shell wildcards, case ignored);"
        " repeat for several",
    )
    result.add_argument("--ca-file", help="PEM file of the CA that signed ShopDB's certificate")
    result.add_argument("--insecure", action="store_true", help="do not check the certificate")
    result.add_argument("--version", action="version", version="%(prog)s " + __version__)
    return result


def main(argv: list[str] | None = None) -> int:
    try:
        arguments = parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version, a usage error
        return EXIT_OTHER if stop.code else EXIT_OK
    try:
        payload = gather(not arguments.no_software, arguments.software_filter)
        if arguments.print:
            print(json.dumps(payload, indent=2, sort_keys=True))
            return EXIT_OK
        if not payload.get("hostname"):
            raise CollectorError(EXIT_OTHER, "cannot find this computer's host name")
        return push(arguments, payload)
    except CollectorError as failure:
        warn(failure.message)
        return failure.code
    except KeyboardInterrupt:
        return EXIT_OTHER


if __name__ == "__main__":
    sys.exit(main())
