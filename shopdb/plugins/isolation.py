"""Undo what a failed plugin import registered.

Importing a plugin's models adds tables to the shared `Base.metadata` and
mappers to its registry as a side effect of class creation. A plugin that then
fails its contract check must not leave them behind: the migration comparison
would see tables nobody owns, `create_all` would create them, and one broken
mapper makes every later `configure_mappers()` fail for the whole app. The
same snapshot lets tests remove the plugins they loaded.

Two changes cannot be undone, because SQLAlchemy applies them to models the
plugin does not own while its classes are declared: a model that inherits
another owner's model (the parent mapper now lists it) and a model that adds
columns to another owner's table (`extend_existing`). `restore` reports them,
and the loader then stops instead of running on altered core models.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Table
from sqlalchemy.orm import ClassManager, Mapper

from shopdb.models import Base


@dataclass(frozen=True, eq=False)
class ModelSnapshot:
    """The tables (with their columns), mapped classes and modules present at
    one moment.

    Classes are tracked by their class manager rather than their mapper: a
    class whose declaration failed half way (a table name already taken) is
    registered without a mapper, and must be forgotten as well.
    """

    columns: Mapping[str, frozenset[str]]
    managers: frozenset[ClassManager]
    modules: frozenset[str]

    @classmethod
    def take(cls) -> ModelSnapshot:
        return cls(
            {name: frozenset(table.columns.keys()) for name, table in Base.metadata.tables.items()},
            frozenset(Base.registry._managers),
            frozenset(sys.modules),
        )

    def new_tables(self) -> list[Table]:
        return [table for name, table in Base.metadata.tables.items() if name not in self.columns]

    def new_mappers(self) -> list[Mapper]:
        return [manager.mapper for manager in self._new_managers() if manager.is_mapped]

    def restore(self, packages: Iterable[str]) -> list[str]:
        """Forget every table and mapped class added since the snapshot, and the
        modules of the given packages imported since (other modules, such as a
        library the plugin imported, stay: they may be shared).

        Returns what could not be undone (see the module docstring), empty when
        everything was."""
        lasting = self._lasting_changes()
        for manager in self._new_managers():
            _dispose(manager)
        for table in self.new_tables():
            Base.metadata.remove(table)
        prefixes = tuple(packages)
        for name in set(sys.modules) - set(self.modules):
            if any(name == prefix or name.startswith(f"{prefix}.") for prefix in prefixes):
                _forget_module(name)
        return lasting

    def _new_managers(self) -> list[ClassManager]:
        return [manager for manager in Base.registry._managers if manager not in self.managers]

    def _lasting_changes(self) -> list[str]:
        changes = []
        for mapper in self.new_mappers():
            parent = mapper.inherits
            if parent is not None and parent.class_manager in self.managers:
                changes.append(f"{mapper.class_.__name__} inherits {parent.class_.__name__}")
        for name, table in Base.metadata.tables.items():
            added = set(table.columns.keys()) - self.columns.get(name, set(table.columns.keys()))
            if added:
                changes.append(
                    f"the table {name!r} gained the column(s) {', '.join(sorted(added))}"
                )
        return changes


def _dispose(manager: ClassManager) -> None:
    # SQLAlchemy disposes mappers only a whole registry at a time
    # (registry.dispose()); this is its per-class step, on the pinned version.
    registry = Base.registry
    registry._managers.pop(manager, None)
    registry._dispose_manager_and_mapper(manager)


def _forget_module(name: str) -> None:
    sys.modules.pop(name, None)
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules and hasattr(sys.modules[parent], child):
        delattr(sys.modules[parent], child)
