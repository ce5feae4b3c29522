"""The plugin's part of the demo site (`shopdb seed --demo`): a computers row
for each demo asset of type `computer`, derived from its asset number, name,
model and location, so two runs on two databases give the same values."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.api import Asset, OperatingSystem, assets_without_row, stable_number, utcnow

from .models import Computer, ComputerInterface, ComputerType

# Hardware by product model: (cpu, memory in MB, disk in GB).
HARDWARE = {
    "OptiPlex 7010": ("Intel Core i5-13500", 16384, 512),
    "OptiPlex 7000 Micro": ("Intel Core i5-12500T", 16384, 256),
    "EliteDesk 800 G9": ("Intel Core i7-12700", 16384, 512),
    "ThinkCentre M70q": ("Intel Core i5-12400T", 16384, 512),
    "Precision 3660": ("Intel Core i9-13900K", 65536, 2048),
    "Z2 G9": ("Intel Core i7-13700K", 32768, 1024),
    "ThinkStation P360": ("Intel Core i7-12700K", 32768, 1024),
    "PowerEdge R750": ("2x Intel Xeon Gold 6338", 262144, 4800),
}

SHOP_FLOOR, WORKSTATION, CMM, KIOSK, SERVER = (
    "shop-floor PC",
    "engineering workstation",
    "CMM PC",
    "kiosk",
    "server",
)

OPERATING_SYSTEMS = {
    SHOP_FLOOR: ("Windows 10 IoT Enterprise LTSC 2021", "Windows 10 Enterprise LTSC 2019"),
    CMM: ("Windows 10 Enterprise LTSC 2019",),
    WORKSTATION: ("Windows 11 Enterprise",),
    KIOSK: ("Windows 10 IoT Enterprise LTSC 2021",),
    SERVER: ("Windows Server 2022 Standard",),
}
LINUX_SERVERS = {"SRV-MON01": "Ubuntu 22.04 LTS"}
USERS = {SHOP_FLOOR: "SHOP\\operator", CMM: "SHOP\\metrology", KIOSK: "SHOP\\kiosk"}


def computer_type(asset: Asset) -> str:
    """PCs in bays drive machines (the bay supervisor's is an office PC), the
    metrology lab's run CMMs, the server room holds servers, the rest are
    engineering workstations."""
    name = asset.name or ""
    location = asset.location
    if name.startswith("SRV-") or (location is not None and location.name == "Server Room"):
        return SERVER
    if "CMM" in name:
        return CMM
    bay = location is not None and location.locationtype.locationtype == "bay"
    if bay and not name.endswith("-SUP01"):
        return SHOP_FLOOR
    return WORKSTATION


def mac(number: int, nic: int) -> str:
    """A locally administered address (02:...), never a real vendor's."""
    return (
        f"02:5d:{nic:02x}:{(number >> 16) & 255:02x}:{(number >> 8) & 255:02x}:{number & 255:02x}"
    )


def ip(number: int, network: int) -> str:
    return f"10.{network}.{(number // 250) % 256}.{number % 250 + 2}"


def add_demo_computers(session: Session) -> int:
    """Add the computers row of each demo computer that has none; returns how many."""
    types = {row.computertype: row.computertypeid for row in session.scalars(select(ComputerType))}
    systems = {
        row.operatingsystem: row.operatingsystemid
        for row in session.scalars(select(OperatingSystem))
    }
    assets = session.scalars(assets_without_row("computer", Computer)).all()
    taken = set(session.scalars(select(Computer.hostname)))
    now = utcnow().replace(microsecond=0)
    added = 0
    for asset in assets:
        hostname = asset.assetnumber.lower()
        if hostname in taken:
            continue  # a computer of that name exists already (pushed by a collector)
        number = stable_number(asset.assetnumber)
        kind = computer_type(asset)
        choices = OPERATING_SYSTEMS[kind]
        system = LINUX_SERVERS.get(asset.name or "", choices[number % len(choices)])
        cpu, memorymb, diskgb = HARDWARE.get(
            asset.model.modelnumber if asset.model else "", (None, None, None)
        )
        retired = not asset.isactive
        computer = Computer(
            assetid=asset.assetid,
            hostname=hostname,
            computertypeid=types.get(kind),
            operatingsystemid=systems.get(system),
            loggedinuser=None if retired else USERS.get(kind),
            lastseen=None if retired else now - timedelta(minutes=number % 720),
            warrantyend=date(2025 + number % 5, 1 + number % 12, 1 + number % 28),
            cpu=cpu,
            memorymb=memorymb,
            diskgb=diskgb,
        )
        session.add(computer)
        nics = [("Ethernet", mac(number, 1), ip(number, 20))]
        if kind in (SHOP_FLOOR, CMM):  # a second port on the machine's own network
            nics.append(("Ethernet 2", mac(number, 2), ip(number, 120)))
        for name, address, ipaddress in nics:
            session.add(
                ComputerInterface(
                    assetid=asset.assetid, name=name, macaddress=address, ipaddress=ipaddress
                )
            )
        taken.add(hostname)
        added += 1
    session.flush()
    return added
