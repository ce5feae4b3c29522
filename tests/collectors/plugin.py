"""A collector plugin written as a site would write one: an asset class
(`<name>devices`, keyed by assetid) with its migration branch, a resource
that defaults the asset number and normalises the hostname as the collector
does, and a collector schema with a case-folded identity."""

from __future__ import annotations

from pathlib import Path

from shopdb.services import migrations
from tests.plugins.builder import unique_name, write_plugin

CORE_HEAD = migrations.script_directory().get_revision("core@head").revision

# Replacements of COLLECTOR_SCHEMA let contract tests break one thing at a time.
COLLECTOR_SCHEMA = """{
            "identityfield": "hostname",
            "fields": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "hostname": {
                        "type": "string", "minLength": 1, "maxLength": 100, "casefold": True
                    },
                    "cpu": {"type": "string", "maxLength": 100},
                    "memory": {"type": "integer", "minimum": 0},
                    "lastseen": {"type": "string", "format": "date-time"},
                    "name": {"type": ["string", "null"], "maxLength": 200},
                    "serialnumber": {"type": "string", "maxLength": 100},
                },
            },
        }"""

CODE = """
from datetime import datetime

from marshmallow import fields, validate
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import Asset, Base, BasePlugin, Resource, TimestampMixin, register_asset_type

ASSET_TYPE = "__NAME__device"
# Microseconds on MySQL/MariaDB too, so a pushed time compares equal when pushed again.
PRECISE = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


class Device(TimestampMixin, Base):
    '''Machines that report themselves.'''

    __tablename__ = "__NAME__devices"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    hostname: Mapped[str] = mapped_column(String(100), unique=True)
    cpu: Mapped[str | None] = mapped_column(String(100))
    memory: Mapped[int | None]
    lastseen: Mapped[datetime | None] = mapped_column(PRECISE)

    asset: Mapped[Asset] = relationship()


class Devices(Resource):
    '''Writes from the API agree with the collector: the hostname is stored
    trimmed and case-folded, and the asset number defaults to it.'''

    def prepare(self, session, values, instance):
        values = dict(values)
        if isinstance(values.get("hostname"), str):
            values["hostname"] = values["hostname"].strip().casefold()
        if instance is None and not values.get("assetnumber"):
            values["assetnumber"] = values.get("hostname")
        return values


class Plugin(BasePlugin):
    def get_models(self):
        return [Device]

    def get_blueprint(self):
        return None

    def get_resources(self):
        return __RESOURCES__

    def get_collector_schema(self):
        return __SCHEMA__

    def on_install(self, session):
        register_asset_type(session, ASSET_TYPE, "Device", "__NAME__")
"""

RESOURCES = """[
            Devices(
                Device,
                asset_type=ASSET_TYPE,
                filters=("hostname",),
                extra_input={
                    "assetnumber": fields.String(validate=validate.Length(min=1, max=50))
                },
            )
        ]"""

MIGRATION = """
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "__NAME___0001"
down_revision = None
branch_labels = ("__NAME__",)
depends_on = "__CORE__"

PRECISE = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade():
    op.create_table(
        "__NAME__devices",
        sa.Column("assetid", sa.Integer, nullable=False),
        sa.Column("hostname", sa.String(100), nullable=False),
        sa.Column("cpu", sa.String(100)),
        sa.Column("memory", sa.Integer),
        sa.Column("lastseen", PRECISE),
        sa.Column("createdat", PRECISE, nullable=False),
        sa.Column("modifiedat", PRECISE, nullable=False),
        sa.PrimaryKeyConstraint("assetid", name="pk___NAME__devices"),
        sa.ForeignKeyConstraint(
            ["assetid"],
            ["assets.assetid"],
            name="fk___NAME__devices_assetid",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("hostname", name="uq___NAME__devices_hostname"),
    )


def downgrade():
    op.drop_table("__NAME__devices")
"""


def write_device_plugin(
    directory: Path,
    name: str | None = None,
    *,
    schema: str = COLLECTOR_SCHEMA,
    resources: str = RESOURCES,
    extra: str = "",
) -> str:
    """Write the plugin (with `extra` code appended) and its migration; returns its name."""
    name = name or unique_name("c")
    code = CODE.replace("__RESOURCES__", resources).replace("__SCHEMA__", schema) + extra
    files = {f"migrations/{name}_0001.py": MIGRATION.replace("__CORE__", CORE_HEAD)}
    write_plugin(directory, name, code=code, files=files)
    return name
