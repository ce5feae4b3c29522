"""What the demo site is made of, as pure data: the reference rows it seeds
(vendors, product models, operating systems, business units) and
the vocabulary the planner draws from (PC models, servers, notes, serial number
patterns). Nothing here knows where anything stands; see `site`.
"""

from __future__ import annotations

# Reference data ----------------------------------------------------------------

VENDORS = (
    ("DMG Mori", "https://www.dmgmori.com"),
    ("Mazak", "https://www.mazak.com"),
    ("Okuma", "https://www.okuma.com"),
    ("Haas", "https://www.haascnc.com"),
    ("Makino", "https://www.makino.com"),
    ("Hermle", "https://www.hermle.de"),
    ("Studer", "https://www.studer.com"),
    ("Fanuc", "https://www.fanuc.com"),
    ("Atlas Copco", "https://www.atlascopco.com"),
    ("ATEQ", "https://www.ateq.com"),
    ("Ecoclean", "https://www.ecoclean-group.net"),
    ("Dell", "https://www.dell.com"),
    ("HP", "https://www.hp.com"),
    ("Lenovo", "https://www.lenovo.com"),
    ("Cisco", "https://www.cisco.com"),
    ("Aruba", "https://www.arubanetworks.com"),
    ("Zeiss", "https://www.zeiss.com"),
    ("Hexagon", "https://hexagon.com"),
    ("Mitutoyo", "https://www.mitutoyo.com"),
    ("Keyence", "https://www.keyence.com"),
    ("Renishaw", "https://www.renishaw.com"),
    ("Zoller", "https://www.zoller.info"),
    ("Zebra", "https://www.zebra.com"),
    ("Xerox", "https://www.xerox.com"),
)

# assettype -> vendor -> model numbers. The types are the plugins' own (each
# registers its type when installed); models of a type no installed plugin
# registers are left out, like the assets of it.
MODELS: dict[str, dict[str, tuple[str, ...]]] = {
    "equipment": {
        "DMG Mori": ("DMU 65 monoBLOCK", "DMU 50", "DMC 1035 V", "NLX 2500", "CTX beta 800"),
        "Mazak": ("VARIAXIS i-700", "VCN-530C", "QUICK TURN 250MSY", "INTEGREX i-200"),
        "Okuma": ("MU-5000V", "GENOS M560-V", "LB3000 EX II"),
        "Haas": ("VF-2SS", "VF-4", "ST-20Y", "UMC-750"),
        "Makino": ("a61nx", "a81nx", "D200Z", "U6 H.E.A.T.", "EDAF3"),
        "Hermle": ("C 42 U", "C 32 U"),
        "Studer": ("S33", "S41", "favorit"),
        "Fanuc": ("ROBODRILL a-D21MiB5", "M-20iD/25"),
        "Atlas Copco": ("PF6000",),
        "ATEQ": ("F620",),
        "Ecoclean": ("EcoCwave",),
    },
    "computer": {
        "Dell": ("OptiPlex 7010", "OptiPlex 7000 Micro", "Precision 3660", "PowerEdge R750"),
        "HP": ("EliteDesk 800 G9", "Z2 G9"),
        "Lenovo": ("ThinkCentre M70q", "ThinkStation P360"),
    },
    "network": {
        "Cisco": (
            "Catalyst 9500-24Y4C",
            "Catalyst 9300-24UX",
            "Catalyst 9300-48P",
            "Catalyst 9200-24P",
        ),
        "Aruba": ("AP-515", "AP-635"),
    },
    "measuringtool": {
        "Zeiss": ("CONTURA", "PRISMO"),
        "Hexagon": ("GLOBAL S", "Absolute Arm 8525"),
        "Mitutoyo": ("QM-Height", "SJ-410", "SJ-210", "293-240-30", "500-196-30", "511-711"),
        "Keyence": ("IM-8000", "VR-6000"),
        "Renishaw": ("OMP400", "RMP60"),
        "Zoller": ("venturion 450",),
    },
    "printer": {
        "HP": ("LaserJet Enterprise M611dn", "Color LaserJet Enterprise M555dn"),
        "Zebra": ("ZT411", "ZD421"),
        "Xerox": ("VersaLink C7025", "AltaLink C8170"),
    },
}

OPERATING_SYSTEMS = (
    "Windows 10 IoT Enterprise LTSC 2021",
    "Windows 10 Enterprise LTSC 2019",
    "Windows 11 Enterprise",
    "Windows Server 2022 Standard",
    "Ubuntu 22.04 LTS",
    "Ubuntu 24.04 LTS",
    "Red Hat Enterprise Linux 9",
)

MACHINING, ASSEMBLY, QUALITY, MAINTENANCE, IT = (
    "Machining",
    "Assembly",
    "Quality",
    "Maintenance",
    "IT",
)
BUSINESS_UNITS = (
    (MACHINING, "MACH"),
    (ASSEMBLY, "ASSY"),
    (QUALITY, "QUAL"),
    (MAINTENANCE, "MAINT"),
    (IT, "IT"),
)

# What the planner draws from ----------------------------------------------------

# Models whose motor spindle is an asset of its own, part of the machine.
SPINDLE_MODELS = frozenset(
    {"DMU 65 monoBLOCK", "DMU 50", "C 42 U", "C 32 U", "a81nx", "VARIAXIS i-700", "D200Z"}
)

# Weighted (vendor, model, weight) choices for each kind of PC.
PC_MODELS = {
    "floor": (
        ("Dell", "OptiPlex 7010", 5),
        ("Dell", "OptiPlex 7000 Micro", 3),
        ("HP", "EliteDesk 800 G9", 3),
        ("Lenovo", "ThinkCentre M70q", 2),
    ),
    "workstation": (("Dell", "Precision 3660", 2), ("HP", "Z2 G9", 1)),
    "office": (("Lenovo", "ThinkCentre M70q", 3), ("Lenovo", "ThinkStation P360", 1)),
    "server": (("Dell", "PowerEdge R750", 1),),
}

SERVERS = (
    ("SRV-DNC01", "Distributes NC programs to the machine PCs."),
    ("SRV-FILE01", "Controller backups and setup sheets."),
    ("SRV-MES01", None),
    ("SRV-PRINT01", None),
    ("SRV-WSUS01", "Patches machine PCs only in the maintenance window, Sunday 02:00."),
    ("SRV-MON01", "Zabbix proxy for the shop-floor network."),
)

MACHINE_NOTES = (
    "Runs unattended on second shift.",
    "Leased; the lease ends 2027-06.",
    "Run warm-up program O9000 before the first part of the day.",
    "Chip conveyor motor replaced 2024-02.",
    "Coolant changed to synthetic; see the maintenance log.",
    "Controller backup weekly to SRV-FILE01.",
    "Axis 4 rotary table rebuilt by the OEM in 2023.",
    "Do not move: anchored on a separate foundation.",
)
PC_NOTES = (
    "Windows 10 IoT Enterprise LTSC 2021; patch only with OEM approval.",
    "Touch screen replaced 2024-05.",
    "Runs the OEM's DNC client; keep the service account unchanged.",
    "USB ports locked; transfers through SRV-DNC01 only.",
)

# Serial number patterns: '#' a digit, '@' a letter, '*' a letter or digit.
SERIAL_PATTERNS = {
    "DMG Mori": "13########",
    "Mazak": "2######",
    "Okuma": "@####-##",
    "Haas": "31#####",
    "Makino": "@@-####",
    "Hermle": "###-####",
    "Studer": "###.##.###",
    "Fanuc": "@######",
    "Atlas Copco": "@@@#######",
    "ATEQ": "F620-#####",
    "Ecoclean": "EC-####-###",
    "Dell": "*******",
    "HP": "CZC####***",
    "Lenovo": "PF******",
    "Cisco": "FOC####****",
    "Aruba": "CNR*******",
    "Zeiss": "######",
    "Hexagon": "GS-####-###",
    "Mitutoyo": "########",
    "Keyence": "#########",
    "Renishaw": "@#####",
    "Zoller": "VZ-######",
    "Zebra": "99J#########",
    "Xerox": "@@@######",
}
SERIAL_LETTERS = "BCDFGHJKLMNPQRSTVWXYZ"
SERIAL_DIGITS = "0123456789"
