"""The `software` part of the computers collector's record: the inventory
scripts list what is installed, and each push makes the computer's collected
installations match the list (added, version or date changed, removed).

The part is this plugin's, handed to the computers collector through
`get_collector_parts()` (ADR 0009): the computers plugin knows nothing of
software, and a site without this plugin refuses the property as unknown.

- Applications are found by their name in any case (`namekey`), so `ZEISS
  CALYPSO` pushed by one PC and `Zeiss Calypso` typed by a person are one
  application; a name nobody has seen creates the application (with its
  vendor when the pushed publisher names a vendors row, case ignored).
- The site may limit what is kept to the software it cares about: the
  setting `plugin.applications.softwarefilter`, a list of name patterns
  (`*` and `?` wildcards, case ignored). Empty (the default): everything.
- Only collected rows are removed when a push no longer lists them; an
  installation typed by hand stays until a person removes it (a push that
  lists it takes it over).
- Every row is written through the plugin's resources: checked and audited
  (as `collector:computers` or the token's user), rolled back in a dry run.
"""

from __future__ import annotations

from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session, joinedload

from shopdb.api import ConflictError, Vendor, get_setting, plugin_key

from .models import NAME_LENGTH, VERSION_LENGTH, Application, Installation
from .resources import APPLICATIONS, INSTALLATIONS, name_key

PLUGIN = "applications"
PART = "software"
FILTER_SETTING = plugin_key(PLUGIN, "softwarefilter")
# More than any PC has installed (a developer workstation lists about 1,500).
MAXIMUM_ITEMS = 5000

SOFTWARE_SCHEMA: dict[str, Any] = {
    "type": "array",
    "maxItems": MAXIMUM_ITEMS,
    "description": (
        "Installed software (applications plugin): the computer's collected installations "
        "become this list; names compared in any case, the first of a repeated name counts"
    ),
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": NAME_LENGTH},
            "version": {"type": ["string", "null"], "maxLength": VERSION_LENGTH},
            "vendor": {"type": ["string", "null"], "maxLength": 100},
            "installdate": {"type": ["string", "null"], "format": "date"},
        },
    },
}


def wanted_software(items: list[dict[str, Any]], patterns: list[str]) -> dict[str, dict]:
    """The pushed items the site keeps, by name key; the first of a name wins."""
    kept = [pattern.casefold() for pattern in patterns if isinstance(pattern, str)]
    wanted: dict[str, dict[str, Any]] = {}
    for item in items:
        name = " ".join(item["name"].split())
        if not name:
            continue
        if kept and not any(fnmatchcase(name.casefold(), pattern) for pattern in kept):
            continue
        wanted.setdefault(name_key(name), {**item, "name": name})
    return wanted


def site_patterns(session: Session) -> list[str]:
    value = get_setting(session, FILTER_SETTING, [])
    return [value] if isinstance(value, str) else list(value or [])


def shown(version: str | None) -> str:
    """An installation in a change: its version, `installed` when it has
    none (None in a change is no installation)."""
    return version or "installed"


def folded(name: str | None) -> str:
    return (name or "").strip().casefold()


def write_software(session: Session, computer: Any, items: list[dict[str, Any]]) -> dict:
    """Make the computer's collected installations match `items`; the
    changes by `software.<application>`, {} when nothing changed."""
    wanted = wanted_software(items, site_patterns(session))
    held = {
        row.application.namekey: row
        for row in session.scalars(
            select(Installation)
            .where(Installation.assetid == computer.assetid)
            .options(joinedload(Installation.application, innerjoin=True))
        )
    }
    changes: dict[str, dict[str, Any]] = {}
    for key, row in held.items():
        if key not in wanted and row.iscollected:
            changes[f"{PART}.{row.application.name}"] = {
                "before": shown(row.version),
                "after": None,
            }
            INSTALLATIONS.delete(session, row)
    new = [key for key in wanted if key not in held]
    applications = find_applications(session, new)
    if any(key not in applications for key in new):
        # Pushes that create applications take turns (InnoDB may deadlock two
        # inserts of one new name); the winner's rows are then seen.
        take_turns(session)
        applications = find_applications(session, new, lock=True)
    vendors = vendor_ids(session, [wanted[key].get("vendor") for key in new])
    for key, item in wanted.items():
        values = {"iscollected": True, **_installed(item)}
        installation = held.get(key)
        if installation is None:
            application = applications.get(key) or create_application(
                session, item["name"], vendors.get(folded(item.get("vendor")))
            )
            ids = {"applicationid": application.applicationid, "assetid": computer.assetid}
            INSTALLATIONS.create(session, {**ids, **values})
            label = f"{PART}.{application.name}"
            changes[label] = {"before": None, "after": shown(values.get("version"))}
            continue
        before = shown(installation.version)
        if not installation.iscollected:
            before += " (typed by hand)"  # taken over: pushes keep it from now on
        if INSTALLATIONS.update(session, installation, values):
            changes[f"{PART}.{installation.application.name}"] = {
                "before": before,
                "after": shown(installation.version),
            }
    return changes


def _installed(item: dict[str, Any]) -> dict[str, Any]:
    """The installation's values a pushed item gives (a left-out key keeps
    what is stored)."""
    values: dict[str, Any] = {}
    if "version" in item:
        values["version"] = (item["version"] or "").strip() or None
    if item.get("installdate"):
        values["installdate"] = date.fromisoformat(item["installdate"])
    return values


def find_applications(
    session: Session, keys: list[str], *, lock: bool = False
) -> dict[str, Application]:
    """The applications of these name keys; `lock` reads the latest committed
    rows (a locking read, also under MySQL's repeatable read)."""
    if not keys:
        return {}
    query = select(Application).where(Application.namekey.in_(keys))
    if lock:
        query = query.with_for_update()
    return {application.namekey: application for application in session.scalars(query)}


def take_turns(session: Session) -> None:
    """Hold the plugin's setting row until the push commits: one push at a
    time creates applications."""
    settings = table("settings", column("settingid"), column("setting"))
    session.execute(
        select(settings.c.settingid).where(settings.c.setting == FILTER_SETTING).with_for_update()
    )


def vendor_ids(session: Session, names: list[str | None]) -> dict[str, int]:
    """Vendors rows the pushed publishers name, by case-folded name; no vendor
    is created from a push (publishers are spelt many ways)."""
    wanted = {folded(name) for name in names} - {""}
    if not wanted:
        return {}
    rows = session.execute(
        select(Vendor.vendorid, Vendor.vendor).where(func.lower(Vendor.vendor).in_(wanted))
    )
    return {folded(vendor): vendorid for vendorid, vendor in rows}


def create_application(session: Session, name: str, vendorid: int | None) -> Application:
    """A new application, through the resource's write path (validated and
    audited as every write is). PCs pushing one new name at once race: the
    loser's save fails inside a savepoint (its push's other writes stay) and
    it reads the winner's row with a locking read, which sees the latest
    committed row on MySQL too; a push that created nothing can then go on."""
    try:
        with session.begin_nested():
            values = {"name": name, "vendorid": vendorid, "isactive": True}
            record: Application = APPLICATIONS.save(session, values).record
            return record
    except ConflictError:
        found = session.scalar(
            select(Application).where(Application.namekey == name_key(name)).with_for_update()
        )
        if found is None:
            message = f"The application {name!r} was written at the same time; push again."
            raise ConflictError(message, {PART: [message]}) from None
        return found
