"""The plugin's part of the demo site (`shopdb seed --demo`): the demo plans
no USB sticks, so this adds a dozen (assets of type `usb` in the server room,
with their rows), some issued to shop-floor PCs or people, one returned, one
lost and one destroyed, with the issue history that says so. The values come
from the stick's number, so every run and every site gets the same."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.api import (
    Asset,
    AssetStatus,
    AssetType,
    Location,
    Vendor,
    seed_rows,
    utcnow,
)

from .models import DESTROYED, IN_STOCK, ISSUED, LOST, UsbDevice, UsbIssue
from .resources import ASSET_TYPE

STICKS = 12
CAPACITIES = (16, 32, 64, 128)
VENDORS = (("Kingston", "https://www.kingston.com"), ("SanDisk", "https://www.sandisk.com"))
HOME = "Server Room"
DEMO_USER = "demo"
# Stick number -> (status, holder): a computer (by position among the
# demo's shop-floor PCs) or a person.
# Asset number -> (status, holder: an index into the shop-floor PCs or a person).
STORY: dict[int, tuple[str, int | str | None]] = {
    2: (ISSUED, 0),
    3: (ISSUED, 1),
    5: (ISSUED, "J. Meyer (maintenance)"),
    7: (IN_STOCK, 2),  # issued and returned
    9: (LOST, "A. Novak (quality)"),
    11: (DESTROYED, None),
}
REASONS = ("Program transfer for a machine without a network link", "Backup of machine data")


def shop_floor_pcs(session: Session) -> list[Asset]:
    query = (
        select(Asset)
        .join(AssetType, AssetType.assettypeid == Asset.assettypeid)
        .where(AssetType.assettype == "computer", Asset.isactive.is_(True))
        .where(Asset.name.like("%-PC0%"))
        .order_by(Asset.assetnumber)
        .limit(3)
    )
    return list(session.scalars(query))


def seed_usb_demo(session: Session) -> str | None:
    """Add the demo sticks that are not there yet (by asset number)."""
    typeid = session.scalar(select(AssetType.assettypeid).where(AssetType.assettype == ASSET_TYPE))
    active = session.scalar(
        select(AssetStatus.assetstatusid).where(AssetStatus.assetstatus == "active")
    )
    if typeid is None or active is None:
        return None
    seed_rows(session, Vendor, "vendor", [{"vendor": v, "website": w} for v, w in VENDORS])
    vendors = [
        session.scalar(select(Vendor.vendorid).where(Vendor.vendor == v)) for v, _ in VENDORS
    ]
    home = session.scalar(select(Location.locationid).where(Location.name == HOME).limit(1))
    taken = set(session.scalars(select(Asset.assetnumber).where(Asset.assetnumber.like("USB-%"))))
    pcs = shop_floor_pcs(session)
    now = utcnow().replace(microsecond=0)
    added = issued = 0
    for number in range(1, STICKS + 1):
        label = f"USB-{number:04d}"
        if label in taken:
            continue
        capacity = CAPACITIES[number % len(CAPACITIES)]
        serial = f"{0x4C53_0000 + number * 7919:08X}{number:08d}"
        asset = Asset(
            assetnumber=label,
            name=f"USB stick {capacity} GB {label}",
            assettypeid=typeid,
            assetstatusid=active,
            locationid=home,
            vendorid=vendors[number % len(vendors)],
            serialnumber=serial,
        )
        session.add(asset)
        session.flush()
        status, holder = STORY.get(number, (IN_STOCK, None))
        device = UsbDevice(
            assetid=asset.assetid,
            serial=serial,
            labelnumber=label,
            capacitygb=capacity,
            devicestatus=status,
        )
        session.add(device)
        if holder is not None and (isinstance(holder, str) or holder < len(pcs)):
            computer = pcs[holder].assetid if isinstance(holder, int) else None
            person = holder if isinstance(holder, str) else None
            returned = status != ISSUED
            since = now - timedelta(days=3 + number)
            session.add(
                UsbIssue(
                    assetid=asset.assetid,
                    openassetid=None if returned else asset.assetid,
                    issuedto=person,
                    issuedtoassetid=computer,
                    issuedby=DEMO_USER,
                    issuedat=since,
                    reason=REASONS[number % len(REASONS)],
                    returnedat=since + timedelta(days=2) if returned else None,
                    returnedby=DEMO_USER if returned else None,
                    returnreason=("Reported lost" if status == LOST else "Job done")
                    if returned
                    else None,
                )
            )
            if not returned:
                device.assignedassetid, device.assignedto = computer, person
                issued += 1
        added += 1
    session.flush()
    if not added:
        return None
    return f"Added {added} USB devices ({issued} issued)."
