"""The plugin's part of the demo site (`shopdb seed --demo`): a dozen
applications a machining plant runs, installed on the demo computers by what
each computer is for (DNC on the floor PCs, metrology on the CMM PCs, CAM on
the engineering workstations), versions derived from the host name so two
runs on two databases give the same rows. Idempotent: only what is missing is
added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from shopdb.api import Vendor, seed_rows, stable_number
from shopdb.bundled.computers.models import Computer

from .models import Application, Installation
from .resources import name_key

FLOOR, WORKSTATION, CMM, SERVER = "shop-floor PC", "engineering workstation", "CMM PC", "server"


@dataclass(frozen=True)
class DemoApplication:
    name: str
    vendor: str
    versions: tuple[str, ...]  # the first is the one the site rolls out
    kinds: tuple[str, ...]  # computer types that get it
    licence: str
    supportcontact: str
    documentationurl: str
    notes: str = ""


APPLICATIONS = (
    DemoApplication(
        "Cimco DNC-Max", "CIMCO", ("8.12.07", "8.10.11"), (FLOOR,),
        "Server licence, 60 ports", "support@cimco.example, +45 0000 0000",
        "https://www.cimco.com/documentation/", "DNC to every machine on the floor.",
    ),
    DemoApplication(
        "Predator Virtual CNC", "Predator Software", ("11.2",), (WORKSTATION,),
        "3 floating seats", "support@predator.example",
        "https://www.predator-software.com/support/",
    ),
    DemoApplication(
        "Mastercam", "CNC Software", ("2024", "2023"), (WORKSTATION,),
        "5 network seats (NetHASP)", "Reseller hotline +1 000 000 0000",
        "https://www.mastercam.com/support/",
    ),
    DemoApplication(
        "Siemens NX", "Siemens", ("2312", "2206"), (WORKSTATION,),
        "4 floating CAM licences", "Siemens GTAC, site id 000000",
        "https://docs.sw.siemens.com/en-US/product/289054037/",
    ),
    DemoApplication(
        "hyperMILL", "OPEN MIND", ("2024.1",), (WORKSTATION,),
        "2 dongles", "support@openmind.example",
        "https://www.openmind-tech.com/en/support/",
    ),
    DemoApplication(
        "Vericut", "CGTech", ("9.4", "9.3.2"), (WORKSTATION,),
        "2 floating seats", "support@cgtech.example",
        "https://www.cgtech.com/support/",
    ),
    DemoApplication(
        "Zeiss Calypso", "Zeiss", ("2023", "2021"), (CMM,),
        "One dongle per CMM", "Zeiss IMT service, +49 0000 000000",
        "https://www.zeiss.com/metrology/software/calypso.html",
        "Measuring programs are on the metrology share, not on the PC.",
    ),
    DemoApplication(
        "PC-DMIS", "Hexagon", ("2023.2",), (CMM,),
        "One licence per CMM", "Hexagon MI support",
        "https://docs.hexagonmi.com/pcdmis/",
    ),
    DemoApplication(
        "Renishaw MODUS", "Renishaw", ("2.9",), (CMM,),
        "Bundled with the REVO head", "Renishaw CMM support",
        "https://www.renishaw.com/en/modus-metrology-software--6645",
    ),
    DemoApplication(
        "Zoller TMS Tool Management", "Zoller", ("1.22",), (FLOOR, WORKSTATION),
        "Site licence", "Zoller service hotline",
        "https://www.zoller.info/us/products/software",
    ),
    DemoApplication(
        "Heidenhain TNCremo", "Heidenhain", ("3.4",), (FLOOR,),
        "Free of charge", "Heidenhain hotline",
        "https://www.heidenhain.com/service/downloads/software",
    ),
    DemoApplication(
        "Microsoft Edge", "Microsoft", ("131.0.2903.86",), (FLOOR, WORKSTATION, CMM),
        "Included with Windows", "IT service desk, ext. 4357",
        "https://learn.microsoft.com/en-us/deployedge/",
    ),
)  # fmt: skip

VENDORS = sorted({application.vendor for application in APPLICATIONS})


def seed_demo_applications(session: Session) -> str | None:
    """Add the demo applications and installations that are missing; the
    summary, or None when there was nothing to add."""
    seed_rows(session, Vendor, "vendor", [{"vendor": name} for name in VENDORS])
    vendors = {row.vendor: row.vendorid for row in session.scalars(select(Vendor))}
    held = {row.namekey: row for row in session.scalars(select(Application))}
    added = 0
    applications: dict[str, Application] = {}
    for demo in APPLICATIONS:
        key = name_key(demo.name)
        application = held.get(key)
        if application is None:
            application = Application(
                name=demo.name,
                namekey=key,
                vendorid=vendors.get(demo.vendor),
                version=demo.versions[0],
                licence=demo.licence,
                supportcontact=demo.supportcontact,
                documentationurl=demo.documentationurl,
                notes=demo.notes or None,
            )
            session.add(application)
            added += 1
        applications[demo.name] = application
    session.flush()
    installed = set(session.execute(select(Installation.applicationid, Installation.assetid)))
    computers = session.scalars(
        select(Computer).options(joinedload(Computer.computertype)).order_by(Computer.hostname)
    ).all()
    installations = 0
    for computer in computers:
        kind = computer.computertype.computertype if computer.computertype else ""
        number = stable_number(computer.hostname)
        for demo in APPLICATIONS:
            application = applications[demo.name]
            pair = (application.applicationid, computer.assetid)
            if kind not in demo.kinds or pair in installed:
                continue
            session.add(
                Installation(
                    applicationid=application.applicationid,
                    assetid=computer.assetid,
                    # Most run the rolled-out version; every fifth PC lags behind.
                    version=demo.versions[1 if number % 5 == 0 and len(demo.versions) > 1 else 0],
                    installdate=date(2024, 1, 8) + timedelta(days=number % 600),
                    iscollected=True,  # as the inventory scripts would report them
                )
            )
            installations += 1
    session.flush()
    if not added and not installations:
        return None
    return f"Added {added} applications and {installations} installations."
