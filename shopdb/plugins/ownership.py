"""Who owns which table: the core, or exactly one plugin.

Ownership decides whose migration branch creates a table and who may drop it
on uninstall, so it is checked when a plugin loads: the tables its models
create must be the tables it declares through `get_models()`, and none of them
may be a core table or another plugin's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Table
from sqlalchemy.orm import Mapper

from shopdb.models import CORE_TABLES, Base
from shopdb.plugins.errors import PluginContractError

CORE = "core"
CORE_PACKAGE = "shopdb.models"
# Alembic's own bookkeeping table, shared by every migration branch.
ALEMBIC_TABLE = "alembic_version"


def core_tables() -> frozenset[str]:
    """The tables of the contract models, and Alembic's."""
    return CORE_TABLES | {ALEMBIC_TABLE}


def _is_core(mapper: Mapper) -> bool:
    module = mapper.class_.__module__
    return module == CORE_PACKAGE or module.startswith(f"{CORE_PACKAGE}.")


class TableOwners:
    """Table name -> owner for one load: the core's tables, then each plugin's
    as it passes its check."""

    def __init__(self) -> None:
        self.owners: dict[str, str] = dict.fromkeys(core_tables(), CORE)

    def owner(self, table: str) -> str | None:
        return self.owners.get(table)

    def describe(self, table: str) -> str:
        owner = self.owners.get(table)
        if owner == CORE:
            return "the ShopDB core"
        return f"plugin {owner!r}" if owner else "no one"

    def check(
        self,
        plugin: str,
        models: Sequence[type[Base]],
        created: Iterable[Table],
        mapped: Iterable[Mapper],
    ) -> frozenset[str]:
        """The plugin's tables, after checking it owns them.

        `created` are the tables that appeared while its package was imported,
        `mapped` the mappers that appeared; `models` is what get_models() said.
        """
        declared = {model.__table__.name: model for model in models}
        for mapper in mapped:
            parent = mapper.inherits
            if parent is not None and _is_core(parent):
                raise PluginContractError(
                    plugin,
                    f"the model {mapper.class_.__name__} inherits the core model "
                    f"{parent.class_.__name__}; keep plugin data in tables of the "
                    "plugin's own, keyed by the core row's id.",
                )
        touched = {table.name for table in created} | {
            mapper.local_table.name for mapper in mapped if isinstance(mapper.local_table, Table)
        }
        for table in sorted(set(declared) | touched):
            owner = self.owners.get(table)
            if owner is not None and owner != plugin:
                claimant = (
                    f"its model {declared[table].__name__} uses"
                    if table in declared
                    else "its package maps"
                )
                raise PluginContractError(
                    plugin,
                    f"{claimant} the table {table!r}, which belongs to "
                    f"{self.describe(table)}; each table has exactly one owner, so "
                    "rename the table, or depend on its owner and use the owner's model.",
                )
        undeclared = sorted({table.name for table in created} - set(declared))
        if undeclared:
            raise PluginContractError(
                plugin,
                f"its package creates the table(s) {', '.join(undeclared)}, but "
                "get_models() does not return a model for them; return every model "
                "the plugin defines (a table created by another plugin's package "
                "means a missing dependency).",
            )
        return frozenset(declared)

    def claim(self, plugin: str, tables: Iterable[str]) -> None:
        for table in tables:
            self.owners[table] = plugin
