"""Supply levels and status from a Zabbix server's JSON-RPC API.

Three parts: the parsing of what Zabbix returns (pure functions, unit
tested without a server), `ZabbixConnection`, the one place that talks to
Zabbix (through the official `zabbix-utils` client), and the sync, which
finds each printer's host, turns its items into supply rows and writes them
through the printers resource, one printer per transaction.

Items the sync reads, per host (see docs/plugins/printers.md):
  supply.level[<name>]          level in per cent of full (0..100)
  supply.level[<name>,<color>]  the same, with the supply's colour
  supply.max[<name>]            optional: the supply's capacity (pages, ml)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.api import Actor, Asset, ConflictError, InvalidInputError, unit_of_work, utcnow

from .models import Printer
from .resources import PRINTERS

LEVEL_KEY = "supply.level"
MAX_KEY = "supply.max"
KEY_PATTERN = re.compile(r"^(supply\.level|supply\.max)\[(.+)\]$")
COLORS = frozenset(
    {"black", "cyan", "magenta", "yellow", "red", "green", "blue", "gray", "grey", "white"}
)
NAME_LENGTH = 100
COLOR_LENGTH = 30
# Zabbix interface availability (6.0: on the interface) -> our monitoringstatus.
AVAILABILITY = {"0": "unknown", "1": "available", "2": "unavailable"}
SNMP_INTERFACE = "2"
DEFAULT_TIMEOUT = 10

# Outcomes of one printer, as reported.
UPDATED, UNCHANGED, NOT_FOUND, AMBIGUOUS = "updated", "unchanged", "not found", "ambiguous"
NO_SUPPLIES, INVALID, FAILED, SKIPPED = "no supply items", "invalid value", "failed", "skipped"
CREATED, WOULD_CREATE, KNOWN = "created", "would create", "known"
SYNCED = frozenset({UPDATED, UNCHANGED})


class ZabbixError(Exception):
    """The server cannot be used: unreachable, token refused, not Zabbix.
    The sync stops; what it wrote before stays."""


class HostError(Exception):
    """One host's data cannot be used (a level out of range, no supply items);
    that printer is left as it was, the others are synced."""

    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome


# Parsing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ZabbixHost:
    """A Zabbix host as the sync needs it."""

    hostid: int
    host: str
    name: str
    status: str
    ips: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reading:
    """One supply as Zabbix last measured it."""

    name: str
    color: str | None
    levelpercent: float
    maxcapacity: int | None
    lastvalueat: datetime


def parse_key(key: str) -> tuple[str, str, str | None] | None:
    """`supply.level[Black Toner,black]` -> ("supply.level", "Black Toner",
    "black"); None for any other key. Quotes around a parameter are dropped;
    without a colour parameter a name that is a colour is its own colour."""
    match = KEY_PATTERN.match(key.strip())
    if not match:
        return None
    kind, inner = match.groups()
    parameters = [part.strip().strip('"').strip() for part in inner.split(",")]
    name = parameters[0]
    if not name or len(name) > NAME_LENGTH:
        return None
    color = parameters[1] if len(parameters) > 1 and parameters[1] else None
    if color is None and name.casefold() in COLORS:
        color = name.casefold()
    return kind, name, color[:COLOR_LENGTH] if color else None


def parse_number(value: Any, what: str) -> float:
    """A Zabbix value as a number, or a HostError naming it."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise HostError(INVALID, f"{what} is {value!r}, not a number.") from None
    if not math.isfinite(number):
        raise HostError(INVALID, f"{what} is {value!r}, not a number.")
    return number


def parse_level(value: Any, key: str) -> float:
    """A level in per cent, 0..100, rounded to hundredths."""
    number = parse_number(value, f"the value of {key}")
    if not 0 <= number <= 100:
        raise HostError(
            INVALID, f"the value of {key} is {value}, outside 0..100 (a per cent of full)."
        )
    return round(number, 2)


def parse_clock(clock: Any) -> datetime | None:
    """Zabbix's lastclock (Unix seconds, "0" for no value yet) as naive UTC."""
    try:
        seconds = int(clock)
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def readings(items: Iterable[dict[str, Any]]) -> list[Reading]:
    """The supplies in a host's items, by name. Items without a value yet are
    left out; a host with no supply.level items, or none with a value, is a
    HostError; one bad value makes the whole host a HostError (nothing of it
    is written)."""
    levels: dict[str, tuple[float, str | None, datetime]] = {}
    maxima: dict[str, int] = {}
    seen = 0
    for item in items:
        parsed = parse_key(str(item.get("key_", "")))
        if parsed is None:
            continue
        kind, name, color = parsed
        seen += kind == LEVEL_KEY
        clock = parse_clock(item.get("lastclock"))
        if clock is None:
            continue  # created, but no value received yet
        if kind == LEVEL_KEY:
            levels[name] = (parse_level(item.get("lastvalue"), item["key_"]), color, clock)
        else:
            capacity = parse_number(item.get("lastvalue"), f"the value of {item['key_']}")
            if capacity > 0:  # Printer-MIB: -1 other, -2 unknown
                maxima[name] = int(capacity)
    if not seen:
        raise HostError(NO_SUPPLIES, f"the host has no supply items ({LEVEL_KEY}[<name>] keys).")
    if not levels:
        raise HostError(NO_SUPPLIES, "the host's supply items have no values yet.")
    return [
        Reading(name, color, level, maxima.get(name), clock)
        for name, (level, color, clock) in sorted(levels.items())
    ]


def host_status(host: dict[str, Any]) -> str:
    """unmonitored when the host is disabled in Zabbix, else the availability
    of its SNMP interface (or its main one): available, unavailable, unknown."""
    if str(host.get("status")) == "1":
        return "unmonitored"
    interfaces = host.get("interfaces") or []
    ranked = sorted(
        interfaces,
        key=lambda row: (str(row.get("type")) != SNMP_INTERFACE, str(row.get("main")) != "1"),
    )
    if not ranked:
        return "unknown"
    return AVAILABILITY.get(str(ranked[0].get("available")), "unknown")


def parse_host(row: dict[str, Any]) -> ZabbixHost:
    ips = tuple(interface["ip"] for interface in row.get("interfaces") or [] if interface.get("ip"))
    return ZabbixHost(
        hostid=int(row["hostid"]),
        host=row.get("host", ""),
        name=row.get("name") or row.get("host", ""),
        status=host_status(row),
        ips=ips,
    )


def names_of(hostname: str) -> set[str]:
    """The names a printer may have in Zabbix: its host name and first label."""
    folded = hostname.casefold()
    return {folded, folded.split(".", 1)[0]}


# The connection --------------------------------------------------------------------

HOST_OUTPUT = ["hostid", "host", "name", "status"]
INTERFACE_OUTPUT = ["interfaceid", "ip", "dns", "type", "main", "available"]
ITEM_OUTPUT = ["itemid", "key_", "name", "lastvalue", "lastclock", "units", "state"]


class ZabbixConnection:
    """A logged-in Zabbix API (an API token), and the few calls the sync
    makes. Every failure of the server is a ZabbixError with a message a site
    admin can act on."""

    def __init__(self, url: str, token: str, timeout: int = DEFAULT_TIMEOUT) -> None:
        # The client loads only when a sync runs; zabbix-utils ships no type information.
        from zabbix_utils import ZabbixAPI  # type: ignore[import-untyped]

        self.url = url
        try:
            self.api = ZabbixAPI(url=url, token=token, timeout=timeout)
        except Exception as error:
            raise self.problem(error) from None
        # The token is first used here: a wrong one fails now, not on the first printer.
        self.call("host.get", output=["hostid"], limit=1)

    def problem(self, error: Exception) -> ZabbixError:
        from zabbix_utils import APIRequestError, ProcessingError

        text = str(error)
        if isinstance(error, ProcessingError) and "Unable to connect" in text:
            return ZabbixError(f"The Zabbix server at {self.url} cannot be reached: {text}")
        if isinstance(error, ProcessingError) and "Token cannot be used" in text:
            return ZabbixError(
                "zabbix-utils refuses the token because ZABBIX_USER or ZABBIX_PASSWORD is "
                "set in the environment; unset them (ShopDB uses SHOPDB_ZABBIX_TOKEN)."
            )
        if isinstance(error, APIRequestError) and re.search(
            r"not auth|session terminated|re-login|api token", text, re.IGNORECASE
        ):
            return ZabbixError(
                f"The Zabbix server at {self.url} refused the API token ({text.strip()}); "
                "check SHOPDB_ZABBIX_TOKEN (Zabbix: User settings > API tokens)."
            )
        if isinstance(error, ProcessingError | APIRequestError):
            return ZabbixError(f"The Zabbix API at {self.url} failed: {text.strip()}")
        return ZabbixError(
            f"The Zabbix API at {self.url} failed: {type(error).__name__}: {text}".strip()
        )

    def call(self, method: str, **params: Any) -> Any:
        from zabbix_utils import APIRequestError

        try:
            return self.api.send_api_request(method, params)["result"]
        except APIRequestError as error:
            problem = self.problem(error)
            if "refused the API token" in str(problem):
                raise problem from None
            raise HostError(FAILED, f"Zabbix answered {method} with: {error}") from None
        except Exception as error:
            raise self.problem(error) from None

    def hosts(self, **filters: Any) -> list[ZabbixHost]:
        rows = self.call(
            "host.get", output=HOST_OUTPUT, selectInterfaces=INTERFACE_OUTPUT, **filters
        )
        return [parse_host(row) for row in rows]

    def host_by_id(self, hostid: int) -> ZabbixHost | None:
        found = self.hosts(hostids=[str(hostid)])
        return found[0] if found else None

    def hosts_by_ip(self, ip: str) -> list[ZabbixHost]:
        rows = self.call("hostinterface.get", output=["hostid"], filter={"ip": ip})
        ids = sorted({row["hostid"] for row in rows})
        return self.hosts(hostids=ids) if ids else []

    def hosts_by_name(self, hostname: str) -> list[ZabbixHost]:
        wanted = names_of(hostname)
        label = hostname.split(".", 1)[0]
        rows = self.hosts(search={"host": label, "name": label}, searchByAny=True)
        return [
            row for row in rows if row.host.casefold() in wanted or row.name.casefold() in wanted
        ]

    def items(self, hostid: int) -> list[dict[str, Any]]:
        return self.call(
            "item.get",
            hostids=[str(hostid)],
            output=ITEM_OUTPUT,
            search={"key_": "supply."},
            startSearch=True,
        )

    def group_hosts(self, group: str) -> list[ZabbixHost]:
        groups = self.call("hostgroup.get", output=["groupid", "name"], filter={"name": [group]})
        if not groups:
            raise ZabbixError(f"Zabbix has no host group named {group!r}.")
        return self.hosts(groupids=[row["groupid"] for row in groups])


# The sync ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the sync did with one printer (or one host of a group)."""

    name: str
    result: str
    message: str = ""
    assetid: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        text = f"{self.name}: {self.result}"
        return f"{text} ({self.message})" if self.message else text


def find_host(connection: ZabbixConnection, printer: Printer) -> ZabbixHost:
    """By the stored host id, else by IP address, else by host name."""
    if printer.zabbixhostid:
        host = connection.host_by_id(printer.zabbixhostid)
        if host is not None:
            return host
    lookups: tuple[tuple[str, Callable[[], list[ZabbixHost]]], ...] = (
        ("IP address", lambda: connection.hosts_by_ip(printer.ipaddress or "")),
        ("host name", lambda: connection.hosts_by_name(printer.hostname)),
    )
    for how, lookup in lookups:
        if how == "IP address" and not printer.ipaddress:
            continue
        found = lookup()  # the name is asked only when the address found nothing
        if not found:
            continue
        if len(found) > 1:
            hosts = ", ".join(f"{host.host} ({host.hostid})" for host in found)
            raise HostError(AMBIGUOUS, f"its {how} matches several Zabbix hosts: {hosts}")
        return found[0]
    searched = "host id, IP address or host name" if printer.zabbixhostid else "IP or host name"
    raise HostError(NOT_FOUND, f"no Zabbix host has its {searched}")


def supply_rows(printer: Printer, found: list[Reading]) -> list[dict[str, Any]]:
    """The nested rows to write. A supply whose level, colour and capacity are
    as stored keeps its stored time, so a repeated reading writes nothing."""
    stored = {row.name: row for row in printer.supplies}
    rows = []
    for reading in found:
        row = {
            "name": reading.name,
            "color": reading.color,
            "levelpercent": reading.levelpercent,
            "maxcapacity": reading.maxcapacity,
            "lastvalueat": reading.lastvalueat,
        }
        old = stored.get(reading.name)
        if old is not None and all(
            getattr(old, key) == row[key] for key in ("color", "levelpercent", "maxcapacity")
        ):
            row["lastvalueat"] = old.lastvalueat
        rows.append(row)
    return rows


def differs(printer: Printer, values: dict[str, Any]) -> bool:
    if printer.monitoringstatus != values["monitoringstatus"]:
        return True
    if printer.zabbixhostid != values["zabbixhostid"]:
        return True
    stored = {
        row.name: (row.color, row.levelpercent, row.maxcapacity, row.lastvalueat)
        for row in printer.supplies
    }
    wanted = {
        row["name"]: (row["color"], row["levelpercent"], row["maxcapacity"], row["lastvalueat"])
        for row in values["supplies"]
    }
    return stored != wanted


def sync_printer(session: Session, connection: ZabbixConnection, printer: Printer) -> Outcome:
    """Read one printer's host and write what changed; nothing when nothing did."""
    host = find_host(connection, printer)
    holder = session.scalar(
        select(Printer.hostname).where(
            Printer.zabbixhostid == host.hostid, Printer.assetid != printer.assetid
        )
    )
    if holder is not None:
        raise HostError(
            AMBIGUOUS, f"Zabbix host {host.host} ({host.hostid}) belongs to the printer {holder}"
        )
    found = readings(connection.items(host.hostid))
    values = {
        "supplies": supply_rows(printer, found),
        "monitoringstatus": host.status,
        "zabbixhostid": host.hostid,
    }
    levels = ", ".join(f"{reading.name} {reading.levelpercent:g} %" for reading in found)
    message = f"host {host.host}, {host.status}; {levels}"
    if not differs(printer, values):
        return Outcome(printer.hostname, UNCHANGED, message, assetid=printer.assetid)
    values["lastzabbixsync"] = utcnow()
    changes = PRINTERS.update(session, printer, values)
    changes.pop("lastzabbixsync", None)
    return Outcome(printer.hostname, UPDATED, message, assetid=printer.assetid, changes=changes)


def printers_to_sync(session: Session) -> list[tuple[int, str]]:
    """(assetid, hostname) of every active printer, by hostname."""
    query = (
        select(Printer.assetid, Printer.hostname)
        .join(Asset, Asset.assetid == Printer.assetid)
        .where(Asset.isactive.is_(True))
        .order_by(Printer.hostname)
    )
    return [(assetid, hostname) for assetid, hostname in session.execute(query)]


def sync_printers(
    session: Session,
    connection: ZabbixConnection,
    progress: Callable[[Outcome], None] | None = None,
    *,
    actor: Actor,
) -> list[Outcome]:
    """Sync every active printer as `actor`, each in its own unit of work: a
    printer whose data is bad is left as it was (its unit of work rolls back)
    and the others go on; when the server fails, what was committed stays and
    the rest are reported as skipped."""
    outcomes: list[Outcome] = []
    stopped = ""
    for assetid, hostname in printers_to_sync(session):
        if stopped:
            outcome = Outcome(hostname, SKIPPED, stopped, assetid=assetid)
        else:
            try:
                # Zabbix is read inside the unit of work (the printer's row is
                # held on the server databases, as its supplies are replaced);
                # not begun as a write, so SQLite's writers do not wait for Zabbix.
                with unit_of_work(session, actor, write=False):
                    printer = PRINTERS.find(session, assetid, lock=True)
                    if printer is None:  # deleted while the sync ran
                        continue
                    outcome = sync_printer(session, connection, printer)
            except HostError as error:
                outcome = Outcome(hostname, error.outcome, str(error), assetid=assetid)
            except ZabbixError as error:
                stopped = "not synced: the Zabbix server stopped answering"
                outcome = Outcome(hostname, FAILED, str(error), assetid=assetid)
            except InvalidInputError as error:
                outcome = Outcome(hostname, INVALID, f"{error} {error.details}", assetid=assetid)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return outcomes


def create_from_group(
    session: Session,
    connection: ZabbixConnection,
    group: str,
    *,
    dry_run: bool,
    actor: Actor,
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """A printer for each host of the Zabbix host group that ShopDB does not
    know (by host id, IP address or host name), created through the printers
    resource's create schema, `prepare` and write path, each in its own unit
    of work as `actor`; a dry run creates each and rolls it back, so it
    reports what a real run would refuse."""
    schema = PRINTERS.schemas.create()
    outcomes = []
    for host in sorted(connection.group_hosts(group), key=lambda row: row.host):
        outcome = create_printer(session, schema, host, dry_run=dry_run, actor=actor)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return outcomes


def create_printer(
    session: Session, schema: Any, host: ZabbixHost, *, dry_run: bool, actor: Actor
) -> Outcome:
    try:
        with unit_of_work(session, actor, dryrun=dry_run):
            known = known_printer(session, host)
            if known is not None:
                return Outcome(host.host, KNOWN, f"printer {known}")
            body: dict[str, Any] = {
                "hostname": host.host,
                "name": host.name,
                "zabbixhostid": host.hostid,
            }
            if host.ips:
                body["ipaddress"] = host.ips[0]
            errors = schema.validate(body)
            if errors:
                return Outcome(host.host, INVALID, f"cannot be a printer: {errors}")
            printer = PRINTERS.create(session, schema.load(body))
            session.flush()
            return Outcome(
                host.host,
                WOULD_CREATE if dry_run else CREATED,
                f"hostname {printer.hostname}",
                assetid=None if dry_run else printer.assetid,
            )
    except (InvalidInputError, ConflictError) as error:
        return Outcome(host.host, INVALID, f"{error} {error.details}")


def known_printer(session: Session, host: ZabbixHost) -> str | None:
    """The hostname of the printer this host already is, or None."""
    conditions = [Printer.zabbixhostid == host.hostid]
    if host.ips:
        conditions.append(Printer.ipaddress.in_(host.ips))
    for condition in conditions:
        found = session.scalar(select(Printer.hostname).where(condition).limit(1))
        if found is not None:
            return found
    names = names_of(host.host) | names_of(host.name)
    for hostname in session.scalars(select(Printer.hostname)):
        if names_of(hostname) & names:
            return hostname
    return None
