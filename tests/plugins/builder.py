"""Real plugin folders (manifest.json and a Python package) for the tests."""

from __future__ import annotations

import importlib
import json
import textwrap
import uuid
from pathlib import Path
from typing import Any

from shopdb.version import __contract_version__

# A plugin with one table and nothing else; __NAME__ becomes the plugin name.
MINIMAL_CODE = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shopdb.models import Base
from shopdb.plugins import BasePlugin


class Widget(Base):
    __tablename__ = "__NAME__widgets"

    widgetid: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(50))


class Plugin(BasePlugin):
    def get_models(self):
        return [Widget]

    def get_blueprint(self):
        return None
"""

# A plugin without tables, for ordering and dependency tests.
EMPTY_CODE = """
from shopdb.plugins import BasePlugin


class Plugin(BasePlugin):
    def get_models(self):
        return []

    def get_blueprint(self):
        return None
"""


def unique_name(prefix: str = "p") -> str:
    """A plugin name no other test uses, so module caches never clash."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def write_plugin(
    directory: Path,
    name: str,
    *,
    code: str | None = MINIMAL_CODE,
    manifest: dict[str, Any] | None = None,
    manifest_text: str | None = None,
    files: dict[str, str] | None = None,
    **fields: Any,
) -> Path:
    """Write a plugin folder: manifest.json (defaults, then `fields`, or
    `manifest`/`manifest_text` as given), __init__.py and extra files."""
    folder = directory / name
    folder.mkdir(parents=True)
    if manifest_text is None:
        data = manifest or {
            "name": name,
            "version": "1.0.0",
            "description": f"Test plugin {name}",
            "author": "ShopDB tests",
            "core_version": f">={__contract_version__}",
        }
        data.update(fields)
        manifest_text = json.dumps(data, indent=2)
    (folder / "manifest.json").write_text(manifest_text, encoding="utf-8")
    if code is not None:
        (folder / "__init__.py").write_text(_source(code, name), encoding="utf-8")
    for filename, source in (files or {}).items():
        (folder / filename).parent.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_text(_source(source, name), encoding="utf-8")
    importlib.invalidate_caches()
    return folder


def _source(code: str, name: str) -> str:
    return textwrap.dedent(code).lstrip().replace("__NAME__", name)
