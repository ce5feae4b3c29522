"""The plugin namespace exports what DESIGN.md promises, and only on purpose."""

from __future__ import annotations

from shopdb import api


def test_everything_listed_is_importable():
    for name in api.__all__:
        assert hasattr(api, name), name


def test_the_contract_pieces_are_there():
    for name in (
        "Resource",
        "Access",
        "audit_log",
        "get_setting",
        "set_setting",
        "resolve_asset_position",
        "Asset",
        "AssetType",
        "Base",
        "__contract_version__",
    ):
        assert name in api.__all__, name
