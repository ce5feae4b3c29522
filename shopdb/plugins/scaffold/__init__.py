"""`shopdb plugin new`: write a complete, working plugin folder from templates.

The templates (`templates/*.tmpl`, `string.Template` placeholders) are the
plugin a site starts from: an asset extension model, its resource, a
migration branch, a navigation item, an install step and tests. What varies
is computed here, at generation time: names derived from the plugin name, the
contract versions it accepts and the core head its first revision builds on.
Every name is checked before anything is written, so a refusal leaves the
disk as it was.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from string import Template

from shopdb.errors import ShopDBError
from shopdb.plugins.discovery import Discovery, discover_plugins
from shopdb.plugins.manifest import MANIFEST_FILE, core_version_range, name_problem
from shopdb.services import migrations

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_DIRECTORY = Path("plugins")
FIRST_REVISION = "{name}_0001"
# Alembic keeps revision ids in alembic_version.version_num, a VARCHAR(32);
# the servers refuse longer ones, so `<name>_0001` must fit.
REVISION_ID_LENGTH = 32
NAME_LENGTH = REVISION_ID_LENGTH - len(FIRST_REVISION.format(name=""))
# Names the generated modules import or define; the model class must differ.
TAKEN_CLASS_NAMES = frozenset(
    {
        "Asset",
        "Base",
        "BasePlugin",
        "ForeignKey",
        "Mapped",
        "NavigationItem",
        "Plugin",
        "Resource",
        "String",
        "Text",
        "TimestampMixin",
    }
)


class ScaffoldError(ShopDBError):
    """A plugin cannot be written as asked; the message says why and what to do."""


@dataclass(frozen=True)
class PluginDraft:
    """What `shopdb plugin new` writes: one plugin folder, `directory/name`."""

    name: str
    description: str
    author: str
    directory: Path

    @property
    def folder(self) -> Path:
        return self.directory / self.name

    @property
    def files(self) -> dict[str, str]:
        """Relative path of each file written (after manifest.json) -> its template."""
        return {
            "__init__.py": "__init__.py.tmpl",
            "models.py": "models.py.tmpl",
            "resources.py": "resources.py.tmpl",
            f"migrations/{FIRST_REVISION.format(name=self.name)}.py": "migration.py.tmpl",
            f"tests/test_{self.name}.py": "test_plugin.py.tmpl",
            "README.md": "README.md.tmpl",
        }

    def placeholders(self) -> dict[str, str]:
        """The templates' values. The asset type and the model are the name
        without a final "s": a guess the author corrects where English differs."""
        singular = self.name[:-1] if self.name.endswith("s") and len(self.name) > 1 else self.name
        model = singular.capitalize()
        if model in TAKEN_CLASS_NAMES:
            model += "Record"
        constant = self.name.upper()
        if constant == model:  # a one-letter name
            constant += "_RESOURCE"
        return {
            "name": self.name,
            "description": self.description,
            "model": model,
            "constant": constant,
            "assettype": singular,
            "label": self.name.capitalize(),
            "typelabel": singular.capitalize(),
            "corehead": core_head(),
        }

    def manifest(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": "0.1.0",
            "description": self.description,
            "author": self.author,
            "dependencies": [],
            "core_version": core_version_range(),
            "api_prefix": f"/api/{self.name}",
        }

    def render(self) -> dict[str, str]:
        """Every file's text by relative path; nothing touches the disk."""
        values = self.placeholders()
        rendered = {MANIFEST_FILE: json.dumps(self.manifest(), indent=2) + "\n"}
        for path, template in self.files.items():
            text = (TEMPLATES / template).read_text(encoding="utf-8")
            rendered[path] = Template(text).substitute(values)
        return rendered


def core_head() -> str:
    """The core's newest revision: the first plugin revision depends on it, so
    every core table exists before the plugin's."""
    script = migrations.script_directory()
    return script.get_revision(f"{migrations.CORE_BRANCH}@head").revision


def target_directory(directory: Path | None, plugin_paths: list[str]) -> Path:
    """--directory, else the first plugin directory configured, else ./plugins."""
    if directory is not None:
        return Path(directory).expanduser()
    return Path(plugin_paths[0]) if plugin_paths else DEFAULT_DIRECTORY


def check_name(name: str, discovery: Discovery, folder: Path) -> None:
    """Refuse a name the plugin could not load under, in one sentence.

    A plugin found at `folder` itself is the one --overwrite replaces; that is
    for `check_folder` to judge.
    """
    problem = name_problem(name)
    if problem:
        raise ScaffoldError(f"Cannot create the plugin: {problem}.")
    if len(name) > NAME_LENGTH:
        raise ScaffoldError(
            f"Cannot create the plugin: the name {name!r} is longer than {NAME_LENGTH} "
            f"characters; its revision ids ({FIRST_REVISION.format(name=name)}) must fit "
            f"Alembic's version table ({REVISION_ID_LENGTH} characters)."
        )
    for source in discovery.sources:
        if source.name == name and source.folder.resolve() != folder.resolve():
            raise ScaffoldError(
                f"Cannot create the plugin: the name {name!r} is taken by the plugin at "
                f"{source.describe()}; choose another name."
            )
    if name in discovery.errors:
        raise ScaffoldError(
            f"Cannot create the plugin: the name {name!r} is taken: {discovery.errors[name]}"
        )
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # a module without a spec: importable all the same
        spec = importlib.machinery.ModuleSpec(name, None)
    if spec is not None and not _is_inside(spec.origin, folder):
        where = spec.origin or ", ".join(spec.submodule_search_locations or [])
        raise ScaffoldError(
            f"Cannot create the plugin: {name!r} is already an importable Python module "
            f"({where}), and a plugin is imported under its name; choose another name."
        )


def check_folder(folder: Path, overwrite: bool) -> None:
    if (folder.parent / MANIFEST_FILE).is_file():
        raise ScaffoldError(
            f"{folder.parent} is a plugin folder itself; write the new plugin into a "
            f"directory of plugin folders (such as {folder.parent.parent})."
        )
    if (folder.exists() or folder.is_symlink()) and not overwrite:
        raise ScaffoldError(
            f"{folder} already exists; choose another name or --directory, or pass "
            "--overwrite to replace it and everything in it."
        )


def write_plugin(draft: PluginDraft, overwrite: bool = False) -> list[str]:
    """Write the plugin folder (replacing it when `overwrite`); returns the
    relative paths written."""
    check_folder(draft.folder, overwrite)
    rendered = draft.render()
    try:
        if draft.folder.is_dir() and not draft.folder.is_symlink():
            shutil.rmtree(draft.folder)
        elif draft.folder.exists() or draft.folder.is_symlink():
            draft.folder.unlink()
        for path, text in rendered.items():
            target = draft.folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ScaffoldError(
            f"Cannot write the plugin to {draft.folder}: {error.strerror or error} "
            f"({error.filename or draft.folder})."
        ) from None
    importlib.invalidate_caches()
    return list(rendered)


def discover_for_new(plugin_paths: list[str]) -> Discovery:
    """The plugins a site would find, leaving out plugin directories that do
    not exist yet (the new plugin's may be one of them)."""
    return discover_plugins([path for path in plugin_paths if Path(path).is_dir()])


def next_steps(draft: PluginDraft, written: list[str], plugin_paths: list[str]) -> list[str]:
    """What to do after `new`, as printed lines."""
    directory = draft.directory.resolve()
    folder = draft.folder.resolve()
    listed = any(Path(path).expanduser().resolve() == directory for path in plugin_paths)
    lines = [f"Wrote the plugin {draft.name} to {folder}:"]
    lines += [f"  {path}" for path in written]
    lines += ["", "Next steps:"]
    if listed:
        lines.append(f"  1. {directory} is in SHOPDB_PLUGIN_PATHS, so ShopDB finds the plugin.")
    else:
        paths = os.pathsep.join([*plugin_paths, str(directory)])
        lines += [
            f"  1. Add {directory} to SHOPDB_PLUGIN_PATHS (in .env, or):",
            f"       export SHOPDB_PLUGIN_PATHS={paths}",
        ]
    lines += [
        f"  2. Install it on the database: shopdb plugin install {draft.name}",
        "  3. Restart ShopDB (the server processes); plugins load when it starts.",
        f"  4. Run its tests: python -m pytest {folder / 'tests'}",
        "  5. Run the contract suite over it:",
        f"       SHOPDB_PLUGIN_PATHS={directory} python -m pytest --pyargs shopdb.testing.contract",
    ]
    return lines


def _is_inside(filename: str | None, folder: Path) -> bool:
    return filename is not None and Path(filename).resolve().is_relative_to(folder.resolve())
