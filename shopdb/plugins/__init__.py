"""The plugin framework: manifests, discovery, ordering, loading and the hooks
a plugin implements (BasePlugin).

Plugins themselves import these names from `shopdb.api`, not from here; this
package is for the app factory and the CLI that wire loaded plugins in.
"""

from shopdb.plugins.base import BasePlugin
from shopdb.plugins.contributions import (
    BANNER_LEVELS,
    Banner,
    CollectorPart,
    CollectorSchema,
    DashboardWidget,
    DetailPanel,
    ListColumn,
    NavigationItem,
    PrintView,
)
from shopdb.plugins.discovery import (
    ENTRY_POINT_GROUP,
    Discovery,
    Origin,
    PluginSource,
    discover_plugins,
)
from shopdb.plugins.errors import (
    FatalPluginError,
    PluginContractError,
    PluginDependencyError,
    PluginError,
    PluginNotFoundError,
    PluginVersionError,
)
from shopdb.plugins.loader import LoadedPlugin, LoadResult, load_plugins
from shopdb.plugins.manifest import RESERVED_NAMES, PluginManifest, read_manifest
from shopdb.plugins.ordering import order_by_dependencies

__all__ = [
    "BANNER_LEVELS",
    "ENTRY_POINT_GROUP",
    "RESERVED_NAMES",
    "Banner",
    "BasePlugin",
    "CollectorPart",
    "CollectorSchema",
    "DashboardWidget",
    "DetailPanel",
    "Discovery",
    "FatalPluginError",
    "ListColumn",
    "LoadResult",
    "LoadedPlugin",
    "NavigationItem",
    "Origin",
    "PluginContractError",
    "PluginDependencyError",
    "PluginError",
    "PluginManifest",
    "PluginNotFoundError",
    "PluginSource",
    "PluginVersionError",
    "PrintView",
    "discover_plugins",
    "load_plugins",
    "order_by_dependencies",
    "read_manifest",
]
