"""The plugin's tables: one `networkdevices` row per network asset, keyed by
the asset, and the `networkdevicetypes` lookup it is classified by."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import Asset, Base, TimestampMixin, unique_in_any_case

# The longest forms the field types store: an IPv6 address written out with
# an embedded IPv4 tail, a MAC as aa:bb:cc:dd:ee:ff, an RFC 1123 host name.
IP_LENGTH = 45
MAC_LENGTH = 17
HOSTNAME_LENGTH = 253


class NetworkDeviceType(TimestampMixin, Base):
    """What kind of network gear a device is (switch, access point, IDF, ...)."""

    __tablename__ = "networkdevicetypes"

    networkdevicetypeid: Mapped[int] = mapped_column(Integer, primary_key=True)
    networkdevicetype: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))


unique_in_any_case(NetworkDeviceType.networkdevicetype)


class NetworkDevice(TimestampMixin, Base):
    """A switch, access point, IDF, camera or server: the asset row holds its
    number, name and location; this row how it sits on the network."""

    __tablename__ = "networkdevices"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    networkdevicetypeid: Mapped[int] = mapped_column(
        ForeignKey("networkdevicetypes.networkdevicetypeid"), index=True
    )
    hostname: Mapped[str | None] = mapped_column(String(HOSTNAME_LENGTH), index=True)
    ipaddress: Mapped[str | None] = mapped_column(String(IP_LENGTH), index=True)
    # The collector identity: unique, so two pushes of a new device cannot
    # create it twice. Empty for gear entered by hand without a MAC.
    macaddress: Mapped[str | None] = mapped_column(String(MAC_LENGTH), unique=True)
    vlan: Mapped[int | None] = mapped_column(index=True)
    firmware: Mapped[str | None] = mapped_column(String(100))
    managementurl: Mapped[str | None] = mapped_column(String(500))

    # One way only: the core Asset model never knows plugin tables.
    asset: Mapped[Asset] = relationship()
    networkdevicetype: Mapped[NetworkDeviceType] = relationship()
