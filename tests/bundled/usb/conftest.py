"""A site with the bundled usb plugin (and computers, whose PCs hold sticks)
installed the way a site installs them, shared by a module's tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.bundled.support import PluginSite, installed_site

PLUGIN = "usb"


def serial() -> str:
    """A serial no other test uses, lower-case with a blank (stored upper, without)."""
    digits = uuid.uuid4().hex[:16]
    return f"{digits[:8]} {digits[8:]}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PluginSite]:
    with installed_site(PLUGIN, tmp_path_factory, also=("computers",)) as installed:
        yield installed


def new_device(site: PluginSite, **values) -> dict:
    response = site.editor.post("/api/usbdevices", json={"serial": serial(), **values})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def new_computer(site: PluginSite) -> int:
    """An asset of type computer (the computers plugin need not be installed:
    the type is what a holder is checked against)."""
    from sqlalchemy import select

    from shopdb.database import get_session
    from shopdb.models import Asset, AssetStatus, AssetType

    with site.app.app_context():
        session = get_session()
        kind = session.scalar(select(AssetType).where(AssetType.assettype == "computer"))
        if kind is None:
            kind = AssetType(assettype="computer", label="Computer", pluginname="computers")
            session.add(kind)
            session.flush()
        status = session.scalar(select(AssetStatus).where(AssetStatus.assetstatus == "active"))
        asset = Asset(
            assetnumber=f"PC-{uuid.uuid4().hex[:8].upper()}",
            assettypeid=kind.assettypeid,
            assetstatusid=status.assetstatusid,
        )
        session.add(asset)
        session.commit()
        return asset.assetid
