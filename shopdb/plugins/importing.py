"""Import a plugin's package and create its `Plugin`.

The convention: the module a source names (the plugin package's __init__.py,
or the module an entry point names) defines a class `Plugin` that subclasses
BasePlugin. The loader creates it with no arguments, so every load gets a fresh
instance and a failing constructor is that plugin's error.

Plugins from a site's plugin directory are imported as top-level packages named
after the plugin, straight from their folder (no sys.path change), so a plugin
may import its own modules absolutely (`from widgets.models import Widget`).
A name that already belongs to another module (a library, the standard
library) is refused rather than shadowed.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType

from shopdb.errors import raised_at
from shopdb.plugins.base import BasePlugin
from shopdb.plugins.discovery import Origin, PluginSource
from shopdb.plugins.errors import PluginContractError, PluginNotFoundError
from shopdb.plugins.manifest import PluginManifest
from shopdb.plugins.ownership import TableOwners

PLUGIN_CLASS = "Plugin"
INIT_FILE = "__init__.py"
# SQLAlchemy's wording when a second class declares a table that already exists.
TABLE_EXISTS = re.compile(r"Table '([^']+)' is already defined for this MetaData instance")


def import_plugin_module(source: PluginSource, owners: TableOwners) -> ModuleType:
    """The module that exposes `Plugin`, imported; any failure is a PluginError."""
    if source.origin is not Origin.ENTRYPOINT and not (source.folder / INIT_FILE).is_file():
        raise PluginNotFoundError(
            source.name,
            f"{source.folder} has no {INIT_FILE}; a plugin folder is a Python package.",
        )
    try:
        if source.origin is Origin.DIRECTORY:
            return _import_from_folder(source)
        return importlib.import_module(source.module)
    except PluginContractError:
        raise
    except Exception as error:
        raise PluginContractError(
            source.name, _explain_import_error(source, error, owners)
        ) from error


def create_plugin(source: PluginSource, module: ModuleType, manifest: PluginManifest) -> BasePlugin:
    """Instantiate the module's `Plugin` class and attach its manifest."""
    where = f"the module {module.__name__} ({module.__file__})"
    cls = getattr(module, PLUGIN_CLASS, None)
    if cls is None:
        raise PluginContractError(
            source.name, f"{where} defines no class {PLUGIN_CLASS!r} (a BasePlugin subclass)."
        )
    if not (inspect.isclass(cls) and issubclass(cls, BasePlugin)):
        raise PluginContractError(
            source.name,
            f"{PLUGIN_CLASS} in {where} must be a class that subclasses shopdb.api.BasePlugin.",
        )
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(cls.__abstractmethods__))
        raise PluginContractError(
            source.name, f"{PLUGIN_CLASS} in {where} does not implement the hook(s) {missing}."
        )
    try:
        plugin = cls()
    except Exception as error:
        raise PluginContractError(
            source.name,
            f"creating {PLUGIN_CLASS}() failed: {type(error).__name__}: {error}"
            f"{raised_at(error, source.folder)}.",
        ) from error
    plugin.attach_manifest(manifest)
    return plugin


def _import_from_folder(source: PluginSource) -> ModuleType:
    init = source.folder / INIT_FILE
    existing = importlib.util.find_spec(source.package)
    if existing is not None:
        if existing.origin and Path(existing.origin).resolve() == init.resolve():
            return importlib.import_module(source.package)
        elsewhere = existing.origin or ", ".join(existing.submodule_search_locations or [])
        raise PluginContractError(
            source.name,
            f"its package name {source.package!r} already belongs to the module at "
            f"{elsewhere}, so {source.folder} cannot be imported under it; rename the "
            "plugin.",
        )
    spec = importlib.util.spec_from_file_location(
        source.package, init, submodule_search_locations=[str(source.folder)]
    )
    if spec is None or spec.loader is None:
        raise PluginNotFoundError(source.name, f"{init} cannot be loaded as a package.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[source.package] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(source.package, None)
        raise
    return module


def _explain_import_error(source: PluginSource, error: Exception, owners: TableOwners) -> str:
    clash = TABLE_EXISTS.search(str(error))
    if clash:
        table = clash.group(1)
        return (
            f"importing {source.module} failed{raised_at(error, source.folder)}: a model "
            f"declares the table {table!r}, which belongs to {owners.describe(table)}; each "
            "table has exactly one owner, so rename the table, or depend on its owner and "
            "use the owner's model."
        )
    return (
        f"importing {source.module} failed{raised_at(error, source.folder)}: "
        f"{type(error).__name__}: {error}"
    )
