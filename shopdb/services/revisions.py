"""The revision graph read without Alembic, for the server's schema check.

A server process asks one question of the migrations: is the database at
the schema this code expects (`/api/health/ready`)? Alembic answers it by
importing every revision file through its script directory, which pulls in
Alembic itself, Mako and Pygments: about 150 modules and 10 MB in every
worker, for a check. The revision files declare their place in plain
assignments (`revision`, `down_revision`, `depends_on`, `branch_labels`), so
this module reads those with `ast`, without running the files. Commands
that migrate still use Alembic (`shopdb.services.migrations`); a test holds
this reader to Alembic's answers for the core and every bundled plugin.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shopdb.errors import ShopDBError

FIELDS = ("revision", "down_revision", "depends_on", "branch_labels")


@dataclass(frozen=True)
class Revision:
    revision: str
    down: tuple[str, ...]
    depends: tuple[str, ...]
    labels: tuple[str, ...]
    folder: Path


def _names(value: object, path: Path, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ShopDBError(f"The migration revision file {path} gives {field} as {value!r}.")


def read_file(path: Path) -> Revision | None:
    """The revision a file declares, or None for a file that declares none."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, ValueError) as error:
        raise ShopDBError(f"A migration revision file cannot be read: {path}: {error}.") from None
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, value = node.target.id, node.value
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, value = node.targets[0].id, node.value
        else:
            continue
        if name in FIELDS and value is not None:
            try:
                found[name] = ast.literal_eval(value)
            except ValueError:
                raise ShopDBError(
                    f"The migration revision file {path} computes {name}; write it as a literal."
                ) from None
    revision = found.get("revision")
    if revision is None:
        return None
    if not isinstance(revision, str):
        raise ShopDBError(f"The migration revision file {path} gives revision as {revision!r}.")
    return Revision(
        revision,
        _names(found.get("down_revision"), path, "down_revision"),
        _names(found.get("depends_on"), path, "depends_on"),
        _names(found.get("branch_labels"), path, "branch_labels"),
        path.parent,
    )


class RevisionGraph:
    """The revisions of some folders (the core's and the plugins'), and what
    the schema check asks of them."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self.revisions: dict[str, Revision] = {}
        for folder in folders:
            for path in sorted(Path(folder).glob("*.py")):
                if path.name.startswith("__"):
                    continue
                found = read_file(path)
                if found is not None:
                    self.revisions[found.revision] = found
        self.labels = {
            label: revision.revision
            for revision in self.revisions.values()
            for label in revision.labels
        }

    def heads(self, label: str) -> set[str]:
        """`<label>@head`: the revisions no revision follows that stand on
        the one labelled `label` (a label holds for every revision after
        the one that declares it, as in Alembic)."""
        root = self.labels.get(label)
        if root is None:
            return set()
        followed = {down for revision in self.revisions.values() for down in revision.down}
        return {
            name for name in self.revisions if name not in followed and root in self._line(name)
        }

    def _line(self, name: str) -> set[str]:
        """The revision and those before it (down revisions only)."""
        seen: set[str] = set()
        pending = [name]
        while pending:
            current = pending.pop()
            revision = self.revisions.get(current)
            if current in seen or revision is None:
                continue
            seen.add(current)
            pending += revision.down
        return seen

    def applied(self, current: Iterable[str]) -> set[str]:
        """Every revision the current ones stand on (themselves included):
        down revisions and dependencies, all the way down."""
        seen: set[str] = set()
        pending = list(current)
        while pending:
            name = pending.pop()
            name = self.labels.get(name, name)  # a dependency may name a branch
            revision = self.revisions.get(name)
            if name in seen or revision is None:
                continue
            seen.add(name)
            pending += [*revision.down, *revision.depends]
        return seen
