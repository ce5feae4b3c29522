"""Load order from manifest dependencies, decided before any plugin code runs.

Dependencies load before their dependants; among plugins free to load at the
same time the alphabetical first goes first, so the order is the same on every
machine and start-up.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from shopdb.plugins.errors import PluginDependencyError, PluginError
from shopdb.plugins.manifest import PluginManifest


def order_by_dependencies(manifests: Iterable[PluginManifest]) -> list[PluginManifest]:
    """Every manifest in load order; raises the first PluginDependencyError
    (a missing dependency or a cycle, with its path a -> b -> a)."""
    ordered, errors = resolve_order(manifests)
    if errors:
        raise next(iter(errors.values()))
    return ordered


def resolve_order(
    manifests: Iterable[PluginManifest], unavailable: Mapping[str, PluginError] | None = None
) -> tuple[list[PluginManifest], dict[str, PluginDependencyError]]:
    """The plugins that can load, in order, and an error for each that cannot.

    `unavailable` holds plugins already known to fail (a broken manifest, a
    duplicate name); whoever depends on them, directly or not, fails too. The
    errors come in the plugins' alphabetical order.
    """
    unavailable = unavailable or {}
    by_name = {manifest.name: manifest for manifest in manifests}
    errors: dict[str, PluginDependencyError] = {}

    for name in sorted(by_name):
        for dependency in sorted(by_name[name].dependencies):
            if dependency in unavailable:
                errors[name] = _failed(name, dependency)
                break
            if dependency not in by_name:
                errors[name] = PluginDependencyError(
                    name,
                    f"it depends on {dependency!r}, which is not installed; add that "
                    "plugin or remove the dependency from the manifest.",
                )
                break

    for cycle in _cycles(by_name, errors):
        path = " -> ".join([*cycle, cycle[0]])
        for name in cycle:
            errors.setdefault(
                name,
                PluginDependencyError(
                    name,
                    f"its dependencies form a cycle: {path}; remove one of these dependencies.",
                ),
            )

    # Whoever depends on a plugin that cannot load cannot load either.
    changed = True
    while changed:
        changed = False
        for name in sorted(set(by_name) - set(errors)):
            failed = sorted(set(by_name[name].dependencies) & set(errors))
            if failed:
                errors[name] = _failed(name, failed[0])
                changed = True

    loadable = {name: by_name[name] for name in by_name if name not in errors}
    ordered = _topological(loadable)
    return ordered, dict(sorted(errors.items()))


def _failed(name: str, dependency: str) -> PluginDependencyError:
    return PluginDependencyError(
        name,
        f"it depends on {dependency!r}, which failed to load (see that plugin's error); "
        f"{name!r} is left out until {dependency!r} loads.",
    )


def _topological(by_name: Mapping[str, PluginManifest]) -> list[PluginManifest]:
    """Kahn's algorithm with a heap: alphabetical among plugins that are ready."""
    waiting = {name: set(manifest.dependencies) for name, manifest in by_name.items()}
    ready = [name for name, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    ordered = []
    while ready:
        name = heapq.heappop(ready)
        ordered.append(by_name[name])
        for other, needs in waiting.items():
            if name in needs:
                needs.discard(name)
                if not needs:
                    heapq.heappush(ready, other)
    return ordered


def _cycles(
    by_name: Mapping[str, PluginManifest], excluded: Mapping[str, object]
) -> list[list[str]]:
    """One cycle path per strongly connected group of plugins (Tarjan), each
    starting at its alphabetically first member."""
    edges = {
        name: sorted(d for d in manifest.dependencies if d in by_name and d not in excluded)
        for name, manifest in by_name.items()
        if name not in excluded
    }
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(name: str) -> None:
        index[name] = lowlink[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for dependency in edges[name]:
            if dependency not in index:
                visit(dependency)
                lowlink[name] = min(lowlink[name], lowlink[dependency])
            elif dependency in on_stack:
                lowlink[name] = min(lowlink[name], index[dependency])
        if lowlink[name] == index[name]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == name:
                    break
            if len(group) > 1:
                groups.append(group)

    for name in sorted(edges):
        if name not in index:
            visit(name)
    return sorted((_cycle_path(group, edges) for group in groups), key=lambda path: path[0])


def _cycle_path(group: set[str], edges: Mapping[str, list[str]]) -> list[str]:
    """A path from the group's first member back to itself, inside the group."""
    start = min(group)

    def walk(name: str, path: list[str]) -> list[str] | None:
        for dependency in edges[name]:
            if dependency == start:
                return path
            if dependency in group and dependency not in path:
                found = walk(dependency, [*path, dependency])
                if found:
                    return found
        return None

    return walk(start, [start]) or [start]
