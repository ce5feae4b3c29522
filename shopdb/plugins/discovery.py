"""Where plugins come from: the bundled folder, the site's plugin directories and
installed packages that declare the entry point group `shopdb.plugins`.

Discovery only looks at folders and package metadata; it imports no plugin
code. It finds a folder per plugin, and the loader reads the manifest there.
"""

from __future__ import annotations

import enum
import importlib.machinery
import importlib.metadata
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shopdb.errors import ConfigError
from shopdb.plugins.errors import PluginContractError, PluginError, PluginNotFoundError
from shopdb.plugins.manifest import MANIFEST_FILE

ENTRY_POINT_GROUP = "shopdb.plugins"
# Computed, not imported: the core may not import shopdb.bundled.
BUNDLED_PATH = Path(__file__).resolve().parent.parent / "bundled"
BUNDLED_PACKAGE = "shopdb.bundled"


class Origin(enum.Enum):
    """How a plugin reached the site; decides how its package is imported."""

    BUNDLED = "bundled"  # imported as shopdb.bundled.<name>
    DIRECTORY = "directory"  # imported as the top-level package <name> from its folder
    ENTRYPOINT = "entrypoint"  # imported as the module the entry point names


@dataclass(frozen=True)
class PluginSource:
    """One plugin found on disk: its folder (holding manifest.json), the package
    in that folder and the module that exposes the `Plugin` class."""

    name: str
    folder: Path
    package: str
    module: str
    origin: Origin

    @classmethod
    def directory(cls, folder: Path | str) -> PluginSource:
        """A plugin folder a site dropped into one of its plugin directories."""
        folder = Path(folder).resolve()
        return cls(folder.name, folder, folder.name, folder.name, Origin.DIRECTORY)

    def describe(self) -> str:
        return f"{self.folder} ({self.origin.value})"


@dataclass
class Discovery:
    """What discovery found: one source per plugin name, and the errors of
    plugins that cannot be used as found (duplicates, broken entry points)."""

    sources: list[PluginSource] = field(default_factory=list)
    errors: dict[str, PluginError] = field(default_factory=dict)


def discover_plugins(
    plugin_paths: Iterable[Path | str] = (),
    *,
    bundled_path: Path = BUNDLED_PATH,
    group: str = ENTRY_POINT_GROUP,
) -> Discovery:
    """Find every plugin: bundled first, then each plugin directory in the order
    given (config SHOPDB_PLUGIN_PATHS), then installed entry points.

    A plugin directory that does not exist is a configuration error (raised).
    Two plugins with the same name are both left out with a PluginContractError
    naming both folders: the site must remove one, not have one silently win.
    """
    found = [*_folder_sources(bundled_path, Origin.BUNDLED)]
    for entry in plugin_paths:
        directory = Path(entry).expanduser()
        if not directory.is_dir():
            raise ConfigError(
                f"SHOPDB_PLUGIN_PATHS lists {directory}, which is not a folder; "
                "create it or remove it from the list."
            )
        found.extend(_folder_sources(directory, Origin.DIRECTORY))
    errors: dict[str, PluginError] = {}
    found.extend(_entry_point_sources(group, errors))
    sources, duplicates = unique_sources(found)
    errors.update(duplicates)
    return Discovery([source for source in sources if source.name not in errors], errors)


def unique_sources(
    sources: Iterable[PluginSource],
) -> tuple[list[PluginSource], dict[str, PluginError]]:
    """Split sources into those with a name of their own and an error for each
    name claimed by more than one folder."""
    by_name: dict[str, list[PluginSource]] = {}
    for source in sources:
        by_name.setdefault(source.name, []).append(source)
    unique = [group[0] for group in by_name.values() if len(group) == 1]
    errors: dict[str, PluginError] = {
        name: PluginContractError(
            name,
            "two plugins have this name: "
            + " and ".join(source.describe() for source in group)
            + "; remove or rename one of them.",
        )
        for name, group in by_name.items()
        if len(group) > 1
    }
    return unique, errors


# Folders -----------------------------------------------------------------------


def _folder_sources(directory: Path, origin: Origin) -> list[PluginSource]:
    """Each subfolder holding a manifest.json is a plugin; others (caches,
    version control) are not, and are passed over."""
    if not directory.is_dir():
        return []
    directory = directory.resolve()
    if (directory / MANIFEST_FILE).is_file():
        raise ConfigError(
            f"{directory} is a plugin folder itself; list the folder that holds plugin "
            f"folders ({directory.parent}) as a plugin directory instead."
        )
    sources = []
    for folder in sorted(path for path in directory.iterdir() if path.is_dir()):
        if not (folder / MANIFEST_FILE).is_file():
            continue
        if origin is Origin.BUNDLED:
            module = f"{BUNDLED_PACKAGE}.{folder.name}"
            sources.append(PluginSource(folder.name, folder, module, module, origin))
        else:
            sources.append(PluginSource.directory(folder))
    return sources


# Entry points ----------------------------------------------------------------


def _entry_point_sources(group: str, errors: dict[str, PluginError]) -> list[PluginSource]:
    sources = []
    for entry_point in sorted(importlib.metadata.entry_points(group=group), key=_by_name):
        try:
            sources.append(_entry_point_source(entry_point))
        except PluginError as error:
            errors[entry_point.name] = error
    return sources


def _by_name(entry_point: importlib.metadata.EntryPoint) -> tuple[str, str]:
    return entry_point.name, entry_point.value


def _entry_point_source(entry_point: importlib.metadata.EntryPoint) -> PluginSource:
    name = entry_point.name
    where = f"the entry point {name} = {entry_point.value!r} (group {entry_point.group})"
    if entry_point.attr:
        raise PluginContractError(
            name,
            f"{where} must name a module, not an object in it; the module exposes "
            "the class `Plugin`.",
        )
    module = entry_point.module
    spec = find_spec_without_import(module)
    if spec is None or spec.origin is None:
        raise PluginNotFoundError(
            name, f"{where} names a module that is not installed (or is a namespace package)."
        )
    if spec.submodule_search_locations is not None:
        package = module
    elif "." in module:
        package = module.rpartition(".")[0]
    else:
        raise PluginContractError(
            name,
            f"{where} names a top-level module; it must name a package (or a module "
            "inside one) whose folder holds manifest.json.",
        )
    folder = Path(spec.origin).resolve().parent
    if folder.name != name:
        raise PluginContractError(
            name,
            f"{where} points into the folder {folder}, whose name is not {name!r}; the "
            "entry point name, the package folder and the manifest name must agree.",
        )
    return PluginSource(name, folder, package, module, Origin.ENTRYPOINT)


def find_spec_without_import(module: str) -> importlib.machinery.ModuleSpec | None:
    """Locate a dotted module without running any of its packages' code.

    importlib.util.find_spec("a.b") imports `a` first; this asks the path
    finder one level at a time instead, along each package's search path.
    """
    parts = module.split(".")
    spec = importlib.util.find_spec(parts[0])
    for part in parts[1:]:
        if spec is None or spec.submodule_search_locations is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(
            f"{spec.name}.{part}", list(spec.submodule_search_locations)
        )
    return spec
