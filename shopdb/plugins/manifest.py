"""The plugin manifest: what a plugin says about itself, read before any of its
code runs.

`read_manifest` only opens `manifest.json`; it never imports the plugin. So a
plugin that is broken, incompatible or has a typo in its manifest is refused
before it can register a table or a route.
"""

from __future__ import annotations

import difflib
import json
import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from shopdb.plugins.errors import PluginContractError, PluginNotFoundError, PluginVersionError
from shopdb.version import __contract_version__

MANIFEST_FILE = "manifest.json"

# Lowercase letters and digits, starting with a letter: the name is a folder,
# a Python package, a URL segment, a settings namespace and an Alembic branch.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*$")
# The length of `plugins.name`, where the site stores the plugin's state.
NAME_MAX_LENGTH = 50

# Names a plugin may not take: URL segments and words the core uses, and the
# core tables and resources (whose endpoints live at /api/<name>). A test checks
# that every core table and resource is listed here.
RESERVED_NAMES = frozenset(
    {
        # URL segments and words of the core
        "admin",
        "api",
        "auth",
        "bundled",
        "cli",
        "collector",
        "collectors",
        "core",
        "dashboard",
        "db",
        "docs",
        "health",
        "login",
        "logout",
        "map",
        "openapi",
        "plugin",
        "plugins",
        "routes",
        "run",
        "search",
        "seed",
        "shell",
        "shopdb",
        "static",
        "ui",
        "user",
        "web",
        # words Alembic reads as revisions, so they cannot label a migration branch
        "base",
        "current",
        "head",
        "heads",
        # core tables and resources
        "apitokens",
        "assetrelationships",
        "assets",
        "assetstatuses",
        "assettypes",
        "auditlogs",
        "businessunits",
        "locations",
        "locationtypes",
        "models",
        "operatingsystems",
        "relationshiptypes",
        "revokedtokens",
        "roles",
        "searchentries",
        "settings",
        "users",
        "vendors",
    }
)

REQUIRED_FIELDS = ("name", "version", "description", "author", "core_version")
OPTIONAL_FIELDS = ("dependencies", "api_prefix")
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)

# major.minor.patch without leading zeros or a "v"; packaging parses the rest.
SEMVER_RELEASE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?![0-9.])")
# Each segment of an API prefix: what a URL path segment of ours looks like.
API_PREFIX_PATTERN = re.compile(r"^/api(/[a-z0-9][a-z0-9_-]*)+$")


@dataclass(frozen=True)
class PluginManifest:
    """The validated contents of one plugin's manifest.json."""

    name: str
    version: str
    description: str
    author: str
    dependencies: tuple[str, ...]
    core_version: SpecifierSet
    api_prefix: str
    path: Path


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a plugin name, or None when it can."""
    if not NAME_PATTERN.match(name):
        return (
            f"the name {name!r} must be lowercase letters and digits only, starting with a letter"
        )
    if len(name) > NAME_MAX_LENGTH:
        return f"the name {name!r} is longer than {NAME_MAX_LENGTH} characters"
    if name in RESERVED_NAMES:
        return f"the name {name!r} is reserved by the ShopDB core; choose another"
    if keyword.iskeyword(name):
        return f"the name {name!r} is a Python keyword and cannot name a package"
    return None


def read_manifest(folder: Path, *, contract_version: str = __contract_version__) -> PluginManifest:
    """Read and validate `folder/manifest.json` without importing the plugin.

    Raises PluginNotFoundError, PluginContractError or PluginVersionError; each
    names the plugin (the folder name until the manifest is known to agree).
    """
    folder = Path(folder)
    plugin = folder.name
    path = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise PluginNotFoundError(plugin, f"there is no plugin folder at {folder}.")
    if not path.is_file():
        raise PluginNotFoundError(
            plugin, f"{folder} has no {MANIFEST_FILE}; every plugin folder needs one."
        )
    data = _load_json(plugin, path)
    _check_fields(plugin, path, data)

    name = data["name"]
    problem = name_problem(name)
    if problem:
        raise PluginContractError(plugin, f"in {path}: {problem}.")
    if name != folder.name:
        raise PluginContractError(
            plugin,
            f"{path} names the plugin {name!r}, but its folder is {folder.name!r}; "
            "the name and the folder name must be the same.",
        )
    return PluginManifest(
        name=name,
        version=_check_version(name, path, data["version"]),
        description=data["description"].strip(),
        author=data["author"].strip(),
        dependencies=_check_dependencies(name, path, data.get("dependencies", [])),
        core_version=_check_core_version(name, path, data["core_version"], contract_version),
        api_prefix=_check_api_prefix(name, path, data.get("api_prefix", f"/api/{name}")),
        path=folder,
    )


# Parsing -----------------------------------------------------------------------


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would keep the last of two equal keys without a word.
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice")
        seen[key] = value
    return seen


def _load_json(plugin: str, path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise PluginContractError(plugin, f"{path} is not UTF-8 text ({error.reason}).") from None
    except OSError as error:
        raise PluginNotFoundError(plugin, f"cannot read {path}: {error.strerror}.") from None
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except json.JSONDecodeError as error:
        raise PluginContractError(
            plugin,
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
        ) from None
    except ValueError as error:
        raise PluginContractError(plugin, f"{path} is not valid: {error}.") from None


# Fields ------------------------------------------------------------------------


def _check_fields(plugin: str, path: Path, data: Any) -> None:
    if not isinstance(data, dict):
        raise PluginContractError(
            plugin, f"{path} must hold a JSON object, not {type(data).__name__}."
        )
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, sorted(KNOWN_FIELDS), n=1)
            hints.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
        raise PluginContractError(
            plugin,
            f"{path} has unknown field(s) {', '.join(hints)}; the known fields are "
            f"{', '.join(sorted(KNOWN_FIELDS))}.",
        )
    missing = [key for key in REQUIRED_FIELDS if key not in data]
    if missing:
        raise PluginContractError(
            plugin, f"{path} lacks the required field(s) {', '.join(missing)}."
        )
    for key in (*REQUIRED_FIELDS, "api_prefix"):
        if key in data and not isinstance(data[key], str):
            raise PluginContractError(
                plugin,
                f"in {path} the field {key!r} must be a string, not {type(data[key]).__name__}.",
            )
    for key in REQUIRED_FIELDS:
        if not data[key].strip():
            raise PluginContractError(plugin, f"in {path} the field {key!r} is empty.")
    dependencies = data.get("dependencies", [])
    if not isinstance(dependencies, list) or not all(
        isinstance(item, str) for item in dependencies
    ):
        raise PluginContractError(
            plugin, f"in {path} the field 'dependencies' must be a list of plugin names."
        )


def _check_version(plugin: str, path: Path, value: str) -> str:
    problem = f"in {path} the version {value!r} is not a semantic version like 1.2.0"
    try:
        version = Version(value)
    except InvalidVersion:
        raise PluginContractError(plugin, f"{problem}.") from None
    if not SEMVER_RELEASE.match(value) or len(version.release) != 3 or version.local:
        raise PluginContractError(plugin, f"{problem} (major.minor.patch).")
    if version.is_postrelease or version.is_devrelease:
        raise PluginContractError(
            plugin, f"{problem} (only a pre-release such as 1.2.0-rc.1 may follow it)."
        )
    return value


def _check_dependencies(plugin: str, path: Path, dependencies: list[str]) -> tuple[str, ...]:
    for dependency in dependencies:
        if not NAME_PATTERN.match(dependency):
            raise PluginContractError(
                plugin, f"in {path} the dependency {dependency!r} is not a plugin name."
            )
        if dependency == plugin:
            raise PluginContractError(plugin, f"in {path} the plugin depends on itself.")
    if len(set(dependencies)) != len(dependencies):
        raise PluginContractError(plugin, f"in {path} a dependency is listed twice.")
    return tuple(dependencies)


def core_version_range(contract_version: str = __contract_version__) -> str:
    """From this contract's major.minor up to the next major: what a plugin
    written today may rely on (additive changes are minor bumps)."""
    version = Version(contract_version)
    return f">={version.major}.{version.minor},<{version.major + 1}"


def _check_core_version(plugin: str, path: Path, value: str, contract_version: str) -> SpecifierSet:
    try:
        specifiers = SpecifierSet(value)
    except InvalidSpecifier:
        raise PluginContractError(
            plugin,
            f"in {path} core_version {value!r} is not a PEP 440 specifier set such as "
            f"{core_version_range(contract_version)!r} (this site's contract is "
            f"{contract_version}).",
        ) from None
    if not len(specifiers):
        raise PluginContractError(
            plugin,
            f"in {path} core_version is empty; name the contract versions the plugin "
            f"was written for, e.g. '>={contract_version}'.",
        )
    if not specifiers.contains(contract_version, prereleases=True):
        raise PluginVersionError(
            plugin,
            f"it asks for core contract version {value!r}, but this site runs contract "
            f"version {contract_version}; install a release of the plugin made for "
            f"{contract_version}, or a ShopDB that matches {value!r}.",
        )
    return specifiers


def _check_api_prefix(plugin: str, path: Path, value: str) -> str:
    if not API_PREFIX_PATTERN.match(value):
        raise PluginContractError(
            plugin,
            f"in {path} api_prefix {value!r} must start with /api/, have no trailing "
            "slash, and use lowercase letters, digits, '-' and '_' in each segment.",
        )
    segment = value.split("/")[2]
    if segment in RESERVED_NAMES:
        raise PluginContractError(
            plugin,
            f"in {path} api_prefix {value!r} is under /api/{segment}, which the core uses.",
        )
    return value
