"""Typed plugin errors.

Each one names the plugin it is about (`plugin`), so a production start-up can
leave that plugin out, store the sentence against its name and show it to the
admin, while development and tests raise it.
"""

from __future__ import annotations

from shopdb.errors import ShopDBError


class PluginError(ShopDBError):
    """Something is wrong with one plugin; `problem` is the sentence without the name."""

    def __init__(self, plugin: str, problem: str) -> None:
        super().__init__(f"Plugin {plugin!r}: {problem}")
        self.plugin = plugin
        self.problem = problem


class PluginNotFoundError(PluginError):
    """The plugin's folder, manifest or package is not where it should be."""


class PluginContractError(PluginError):
    """The plugin breaks the plugin contract: its manifest, its package or a hook."""


class PluginVersionError(PluginError):
    """The plugin was written for a contract version this site does not run."""


class PluginDependencyError(PluginError):
    """A dependency is missing, failed to load, or the dependencies form a cycle."""


class FatalPluginError(PluginContractError):
    """A failed plugin altered models it does not own (inherited a core model,
    added columns to a core table). That cannot be undone in the running
    process, so the loader raises it even in production mode."""
