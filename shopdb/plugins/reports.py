"""One line per plugin the site knows: found on disk, installed on the database,
or both; with its state and the last error. `shopdb plugin list` prints these
and GET /api/plugins returns them, so both always say the same."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from shopdb.plugins.errors import PluginError
from shopdb.plugins.manifest import read_manifest
from shopdb.plugins.runtime import PluginRuntime

# What each status means, for the docs, the CLI help and the OpenAPI document.
STATUSES = {
    "loaded": "installed, enabled and running in this process",
    "error": "installed and enabled, but it failed to load or start (see error)",
    "disabled": "installed; its data is kept, but it is not loaded",
    "available": "found, not installed on this database",
    "broken": "found, but its manifest or package is unusable (see error)",
    "missing": "installed on this database, but its files were not found",
}


@dataclass(frozen=True)
class PluginReport:
    name: str
    version: str | None
    description: str
    origin: str | None
    folder: str | None
    isinstalled: bool
    isenabled: bool
    status: str
    error: str | None
    errorat: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plugin_reports(runtime: PluginRuntime) -> list[PluginReport]:
    sources = {source.name: source for source in runtime.discovery.sources}
    installed = {name for name, state in runtime.states.items() if state.isinstalled}
    names = sorted(set(sources) | installed | set(runtime.discovery.errors))
    return [_report(runtime, name, sources.get(name)) for name in names]


def _report(runtime: PluginRuntime, name: str, source: Any) -> PluginReport:
    state = runtime.states.get(name)
    installed = bool(state and state.isinstalled)
    enabled = bool(state and state.isenabled)
    version = state.version if state else None
    description = ""
    error: str | None = None
    errorat = None
    if name in runtime.discovery.errors:
        error = str(runtime.discovery.errors[name])
    elif source is not None:
        try:
            manifest = read_manifest(source.folder)
            version, description = manifest.version, manifest.description
        except PluginError as problem:
            error = str(problem)
    if name in runtime.errors:
        error = str(runtime.errors[name])
    elif error is None and state and state.active and state.lasterror and not runtime.get(name):
        # The error the server stored at its last start (this process may be a command).
        error, errorat = state.lasterror, state.lasterrorat

    if installed and source is None and name not in runtime.discovery.errors:
        status = "missing"
    elif runtime.get(name) is not None:
        status = "loaded"
    elif installed and enabled:
        status = "error"
    elif installed:
        status = "disabled"
    else:
        status = "broken" if error else "available"
    return PluginReport(
        name=name,
        version=version,
        description=description,
        origin=source.origin.value if source else None,
        folder=str(source.folder) if source else None,
        isinstalled=installed,
        isenabled=enabled,
        status=status,
        error=error,
        errorat=errorat,
    )
