"""BasePlugin: the manifest comes from the loader, optional hooks default to
nothing, and settings are namespaced per plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from sqlalchemy import select

from shopdb.models import Setting
from shopdb.plugins import BasePlugin, PluginContractError, PluginManifest


class Sample(BasePlugin):
    def get_models(self):
        return []

    def get_blueprint(self):
        return None


def sample(name: str = "sample") -> Sample:
    plugin = Sample()
    plugin.attach_manifest(
        PluginManifest(
            name=name,
            version="1.0.0",
            description="d",
            author="a",
            dependencies=(),
            core_version=SpecifierSet(">=0"),
            api_prefix=f"/api/{name}",
            path=Path("/nowhere") / name,
        )
    )
    return plugin


def test_meta_before_the_loader_attached_it_is_explained():
    with pytest.raises(PluginContractError, match="meta was read before the loader attached"):
        _ = Sample().meta


def test_the_required_hooks_are_abstract():
    class Incomplete(BasePlugin):
        def get_models(self):
            return []

    with pytest.raises(TypeError, match="get_blueprint"):
        Incomplete()


def test_optional_hooks_contribute_nothing():
    plugin = sample()
    assert plugin.name == "sample"
    assert plugin.get_resources() == []
    assert plugin.get_navigation_items() == []
    assert plugin.get_searchable_fields() == {}
    assert plugin.get_dashboard_widgets() == []
    assert plugin.get_collector_schema() is None
    assert plugin.get_cli_commands() == []
    assert plugin.init_app(None) is None
    for hook in (plugin.on_install, plugin.on_uninstall, plugin.on_enable, plugin.on_disable):
        assert hook(None) is None


@pytest.mark.database
def test_settings_are_namespaced_by_plugin(session):
    plugin, other = sample("gauges"), sample("printers")
    assert plugin.get_setting("interval") is None
    assert plugin.get_setting("interval", 30) == 30
    plugin.set_setting("interval", 90)
    plugin.set_setting("zabbix.hosts", ["a", "b"])
    session.commit()
    assert plugin.get_setting("interval") == 90
    assert plugin.get_setting("zabbix.hosts") == ["a", "b"]
    assert other.get_setting("interval", 5) == 5
    keys = session.scalars(select(Setting.setting).where(Setting.setting.like("plugin.%")))
    assert sorted(keys) == ["plugin.gauges.interval", "plugin.gauges.zabbix.hosts"]


def test_a_bad_setting_key_names_the_plugin():
    with pytest.raises(PluginContractError, match=r"'gauges': the setting key 'Bad Key'"):
        sample("gauges").set_setting("Bad Key", 1)
