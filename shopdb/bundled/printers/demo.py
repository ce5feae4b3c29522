"""The plugin's part of the demo site (`shopdb seed --demo`): a printers row
for each demo asset of type `printer` (the demo plans 15), with supply levels.

Everything is derived from the asset (its name, model and asset number), so
two runs on two databases give the same values; a few supplies come out low,
so the low-supply list has something to show.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.api import Asset, assets_without_row, stable_number, utcnow

from .models import Printer, PrinterSupply, PrinterType
from .resources import ASSET_TYPE

LASER, LABEL, PLOTTER, MFP, INKJET, OTHER = "laser", "label", "plotter", "MFP", "inkjet", "other"
PRINTER_TYPES = (
    (LASER, "Laser printer: office and shop-floor paperwork"),
    (LABEL, "Label printer: part, box and shipping labels (thermal transfer)"),
    (PLOTTER, "Large-format printer for drawings"),
    (MFP, "Multi-function printer: print, copy, scan"),
    (INKJET, "Inkjet printer"),
    (OTHER, "Anything else that prints"),
)

# Product model -> (printer type, supplies as (name, colour, capacity)).
TONER = ("black toner", "black", 11000)
COLOUR_TONERS = (
    ("black toner", "black", 7500),
    ("cyan toner", "cyan", 6000),
    ("magenta toner", "magenta", 6000),
    ("yellow toner", "yellow", 6000),
)
RIBBON = (("ribbon", "black", 450), ("labels", None, 2000))
MODELS = {
    "LaserJet Enterprise M611dn": (LASER, (TONER,)),
    "Color LaserJet Enterprise M555dn": (LASER, COLOUR_TONERS),
    "ZT411": (LABEL, RIBBON),
    "ZD421": (LABEL, RIBBON),
    "VersaLink C7025": (MFP, COLOUR_TONERS),
    "AltaLink C8170": (MFP, COLOUR_TONERS),
}
PRINTERS_NETWORK = 30  # 10.30.x.y


def hostname_of(asset: Asset) -> str:
    label = re.sub(r"[^a-z0-9-]+", "-", (asset.name or asset.assetnumber).casefold())
    return label.strip("-")[:63]


def local_mac(number: int) -> str:
    """02:5d:..: locally administered, so never a real vendor's."""
    digits = f"025e{number % (1 << 32):08x}"
    return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


def seed_printers_demo(session: Session) -> str | None:
    """Add the printers row (and supplies) of each demo printer that has none."""
    types = {row.printertype: row.printertypeid for row in session.scalars(select(PrinterType))}
    taken = set(session.scalars(select(Printer.hostname)))
    now = utcnow().replace(microsecond=0)
    added = supplies = 0
    for asset in session.scalars(assets_without_row(ASSET_TYPE, Printer)).all():
        hostname = hostname_of(asset)
        if hostname in taken:
            continue  # pushed by a collector already
        number = stable_number(asset.assetnumber)
        kind, parts = MODELS.get(asset.model.modelnumber if asset.model else "", (OTHER, ()))
        session.add(
            Printer(
                assetid=asset.assetid,
                hostname=hostname,
                ipaddress=f"10.{PRINTERS_NETWORK}.{number // 250 % 256}.{number % 250 + 2}",
                macaddress=local_mac(number),
                queuename=(asset.name or asset.assetnumber).upper(),
                printertypeid=types.get(kind),
                monitoringstatus="available" if asset.isactive else "unknown",
            )
        )
        for index, (name, color, capacity) in enumerate(parts):
            # Spread over 4..98 %; every seventh supply of the site runs low.
            level = 4 + (number * 37 + index * 53) % 95
            session.add(
                PrinterSupply(
                    assetid=asset.assetid,
                    name=name,
                    color=color,
                    levelpercent=float(level),
                    maxcapacity=capacity,
                    lastvalueat=now - timedelta(minutes=(number + index) % 90),
                )
            )
            supplies += 1
        taken.add(hostname)
        added += 1
    session.flush()
    if not added:
        return None
    return f"Added {added} printers with {supplies} supply levels."
