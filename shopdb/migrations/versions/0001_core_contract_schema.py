"""Core contract schema: assets, reference data, relationships, accounts, audit,
settings and plugin state.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Microsecond timestamps on MySQL/MariaDB, as in shopdb.models.base.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("core",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "assetstatuses",
        sa.Column("assetstatusid", sa.Integer(), nullable=False),
        sa.Column("assetstatus", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("assetstatusid", name=op.f("pk_assetstatuses")),
        sa.UniqueConstraint("assetstatus", name=op.f("uq_assetstatuses_assetstatus")),
    )
    op.create_table(
        "assettypes",
        sa.Column("assettypeid", sa.Integer(), nullable=False),
        sa.Column("assettype", sa.String(length=50), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("pluginname", sa.String(length=50), nullable=True),
        sa.Column("icon", sa.String(length=50), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("assettypeid", name=op.f("pk_assettypes")),
        sa.UniqueConstraint("assettype", name=op.f("uq_assettypes_assettype")),
    )
    op.create_table(
        "businessunits",
        sa.Column("businessunitid", sa.Integer(), nullable=False),
        sa.Column("businessunit", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("businessunitid", name=op.f("pk_businessunits")),
        sa.UniqueConstraint("businessunit", name=op.f("uq_businessunits_businessunit")),
    )
    op.create_table(
        "locationtypes",
        sa.Column("locationtypeid", sa.Integer(), nullable=False),
        sa.Column("locationtype", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("locationtypeid", name=op.f("pk_locationtypes")),
        sa.UniqueConstraint("locationtype", name=op.f("uq_locationtypes_locationtype")),
    )
    op.create_table(
        "operatingsystems",
        sa.Column("operatingsystemid", sa.Integer(), nullable=False),
        sa.Column("operatingsystem", sa.String(length=100), nullable=False),
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("operatingsystemid", name=op.f("pk_operatingsystems")),
        sa.UniqueConstraint("operatingsystem", name=op.f("uq_operatingsystems_operatingsystem")),
    )
    op.create_table(
        "plugins",
        sa.Column("pluginid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("isinstalled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("isenabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("installedat", TIMESTAMP, nullable=True),
        sa.Column("lasterror", sa.Text(), nullable=True),
        sa.Column("lasterrorat", TIMESTAMP, nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("pluginid", name=op.f("pk_plugins")),
        sa.UniqueConstraint("name", name=op.f("uq_plugins_name")),
    )
    op.create_table(
        "relationshiptypes",
        sa.Column("relationshiptypeid", sa.Integer(), nullable=False),
        sa.Column(
            "relationshiptype",
            sa.String(length=50)
            .with_variant(
                mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=50), "mariadb"
            )
            .with_variant(
                mysql.VARCHAR(charset="utf8mb4", collation="utf8mb4_bin", length=50), "mysql"
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("propagatesthroughid", sa.Integer(), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["propagatesthroughid"],
            ["relationshiptypes.relationshiptypeid"],
            name=op.f("fk_relationshiptypes_propagatesthroughid"),
        ),
        sa.PrimaryKeyConstraint("relationshiptypeid", name=op.f("pk_relationshiptypes")),
        sa.UniqueConstraint("relationshiptype", name=op.f("uq_relationshiptypes_relationshiptype")),
    )
    with op.batch_alter_table("relationshiptypes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_relationshiptypes_propagatesthroughid"),
            ["propagatesthroughid"],
            unique=False,
        )

    op.create_table(
        "roles",
        sa.Column("roleid", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("roleid", name=op.f("pk_roles")),
        sa.UniqueConstraint("role", name=op.f("uq_roles_role")),
    )
    op.create_table(
        "settings",
        sa.Column("settingid", sa.Integer(), nullable=False),
        sa.Column("setting", sa.String(length=150), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("valuetype", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("settingid", name=op.f("pk_settings")),
        sa.UniqueConstraint("setting", name=op.f("uq_settings_setting")),
    )
    op.create_table(
        "vendors",
        sa.Column("vendorid", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.String(length=100), nullable=False),
        sa.Column("website", sa.String(length=255), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("vendorid", name=op.f("pk_vendors")),
        sa.UniqueConstraint("vendor", name=op.f("uq_vendors_vendor")),
    )
    op.create_table(
        "locations",
        sa.Column("locationid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("locationtypeid", sa.Integer(), nullable=False),
        sa.Column("parentlocationid", sa.Integer(), nullable=True),
        sa.Column("mapx", sa.Double(), nullable=True),
        sa.Column("mapy", sa.Double(), nullable=True),
        sa.Column("floorplanimage", sa.String(length=255), nullable=True),
        sa.Column("floorplanwidth", sa.Integer(), nullable=True),
        sa.Column("floorplanheight", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["locationtypeid"],
            ["locationtypes.locationtypeid"],
            name=op.f("fk_locations_locationtypeid"),
        ),
        sa.ForeignKeyConstraint(
            ["parentlocationid"],
            ["locations.locationid"],
            name=op.f("fk_locations_parentlocationid"),
        ),
        sa.PrimaryKeyConstraint("locationid", name=op.f("pk_locations")),
        sa.UniqueConstraint(
            "parentlocationid", "name", name=op.f("uq_locations_parentlocationid_name")
        ),
    )
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_locations_locationtypeid"), ["locationtypeid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("idx_locations_parentlocationid"), ["parentlocationid"], unique=False
        )

    op.create_table(
        "models",
        sa.Column("modelid", sa.Integer(), nullable=False),
        sa.Column("modelnumber", sa.String(length=100), nullable=False),
        sa.Column("vendorid", sa.Integer(), nullable=False),
        sa.Column("assettypeid", sa.Integer(), nullable=True),
        sa.Column("imageurl", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assettypeid"], ["assettypes.assettypeid"], name=op.f("fk_models_assettypeid")
        ),
        sa.ForeignKeyConstraint(
            ["vendorid"], ["vendors.vendorid"], name=op.f("fk_models_vendorid")
        ),
        sa.PrimaryKeyConstraint("modelid", name=op.f("pk_models")),
        sa.UniqueConstraint("vendorid", "modelnumber", name=op.f("uq_models_vendorid_modelnumber")),
    )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("idx_models_assettypeid"), ["assettypeid"], unique=False)
        batch_op.create_index(batch_op.f("idx_models_vendorid"), ["vendorid"], unique=False)

    op.create_table(
        "users",
        sa.Column("userid", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("passwordhash", sa.String(length=255), nullable=False),
        sa.Column("displayname", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("roleid", sa.Integer(), nullable=False),
        sa.Column("lastloginat", TIMESTAMP, nullable=True),
        sa.Column("passwordchangedat", TIMESTAMP, nullable=True),
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["roleid"], ["roles.roleid"], name=op.f("fk_users_roleid")),
        sa.PrimaryKeyConstraint("userid", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("idx_users_roleid"), ["roleid"], unique=False)

    op.create_table(
        "apitokens",
        sa.Column("apitokenid", sa.Integer(), nullable=False),
        sa.Column("userid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("tokenhash", sa.String(length=128), nullable=False),
        sa.Column("tokenprefix", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("expiresat", TIMESTAMP, nullable=True),
        sa.Column("lastusedat", TIMESTAMP, nullable=True),
        sa.Column("revokedat", TIMESTAMP, nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["userid"], ["users.userid"], name=op.f("fk_apitokens_userid")),
        sa.PrimaryKeyConstraint("apitokenid", name=op.f("pk_apitokens")),
        sa.UniqueConstraint("tokenhash", name=op.f("uq_apitokens_tokenhash")),
    )
    with op.batch_alter_table("apitokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("idx_apitokens_userid"), ["userid"], unique=False)

    op.create_table(
        "assets",
        sa.Column("assetid", sa.Integer(), nullable=False),
        sa.Column("assetnumber", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("assettypeid", sa.Integer(), nullable=False),
        sa.Column("assetstatusid", sa.Integer(), nullable=False),
        sa.Column("locationid", sa.Integer(), nullable=True),
        sa.Column("businessunitid", sa.Integer(), nullable=True),
        sa.Column("vendorid", sa.Integer(), nullable=True),
        sa.Column("modelid", sa.Integer(), nullable=True),
        sa.Column("serialnumber", sa.String(length=100), nullable=True),
        sa.Column("mapx", sa.Double(), nullable=True),
        sa.Column("mapy", sa.Double(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["assetstatusid"], ["assetstatuses.assetstatusid"], name=op.f("fk_assets_assetstatusid")
        ),
        sa.ForeignKeyConstraint(
            ["assettypeid"], ["assettypes.assettypeid"], name=op.f("fk_assets_assettypeid")
        ),
        sa.ForeignKeyConstraint(
            ["businessunitid"],
            ["businessunits.businessunitid"],
            name=op.f("fk_assets_businessunitid"),
        ),
        sa.ForeignKeyConstraint(
            ["locationid"], ["locations.locationid"], name=op.f("fk_assets_locationid")
        ),
        sa.ForeignKeyConstraint(["modelid"], ["models.modelid"], name=op.f("fk_assets_modelid")),
        sa.ForeignKeyConstraint(
            ["vendorid"], ["vendors.vendorid"], name=op.f("fk_assets_vendorid")
        ),
        sa.PrimaryKeyConstraint("assetid", name=op.f("pk_assets")),
        sa.UniqueConstraint("assetnumber", name=op.f("uq_assets_assetnumber")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_assets_assetstatusid"), ["assetstatusid"], unique=False
        )
        batch_op.create_index(batch_op.f("idx_assets_assettypeid"), ["assettypeid"], unique=False)
        batch_op.create_index(
            batch_op.f("idx_assets_businessunitid"), ["businessunitid"], unique=False
        )
        batch_op.create_index(batch_op.f("idx_assets_locationid"), ["locationid"], unique=False)
        batch_op.create_index(batch_op.f("idx_assets_modelid"), ["modelid"], unique=False)
        batch_op.create_index(batch_op.f("idx_assets_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("idx_assets_serialnumber"), ["serialnumber"], unique=False)
        batch_op.create_index(batch_op.f("idx_assets_vendorid"), ["vendorid"], unique=False)

    op.create_table(
        "auditlogs",
        sa.Column("auditlogid", sa.Integer(), nullable=False),
        sa.Column("userid", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("entitytype", sa.String(length=50), nullable=False),
        sa.Column("entityid", sa.String(length=50), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("ipaddress", sa.String(length=45), nullable=True),
        sa.Column("requestid", sa.String(length=36), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["userid"], ["users.userid"], name=op.f("fk_auditlogs_userid")),
        sa.PrimaryKeyConstraint("auditlogid", name=op.f("pk_auditlogs")),
    )
    with op.batch_alter_table("auditlogs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("idx_auditlogs_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("idx_auditlogs_entityid"), ["entityid"], unique=False)
        batch_op.create_index(batch_op.f("idx_auditlogs_entitytype"), ["entitytype"], unique=False)
        batch_op.create_index(batch_op.f("idx_auditlogs_requestid"), ["requestid"], unique=False)
        batch_op.create_index(batch_op.f("idx_auditlogs_userid"), ["userid"], unique=False)

    op.create_table(
        "assetrelationships",
        sa.Column("assetrelationshipid", sa.Integer(), nullable=False),
        sa.Column("sourceassetid", sa.Integer(), nullable=False),
        sa.Column("targetassetid", sa.Integer(), nullable=False),
        sa.Column("relationshiptypeid", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("inheritsposition", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("isactive", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("createdat", TIMESTAMP, nullable=False),
        sa.Column("modifiedat", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "sourceassetid <> targetassetid", name=op.f("ck_assetrelationships_noselfloop")
        ),
        sa.ForeignKeyConstraint(
            ["relationshiptypeid"],
            ["relationshiptypes.relationshiptypeid"],
            name=op.f("fk_assetrelationships_relationshiptypeid"),
        ),
        sa.ForeignKeyConstraint(
            ["sourceassetid"], ["assets.assetid"], name=op.f("fk_assetrelationships_sourceassetid")
        ),
        sa.ForeignKeyConstraint(
            ["targetassetid"], ["assets.assetid"], name=op.f("fk_assetrelationships_targetassetid")
        ),
        sa.PrimaryKeyConstraint("assetrelationshipid", name=op.f("pk_assetrelationships")),
        sa.UniqueConstraint(
            "sourceassetid",
            "targetassetid",
            "relationshiptypeid",
            name=op.f("uq_assetrelationships_sourceassetid_targetassetid_relationshiptypeid"),
        ),
    )
    with op.batch_alter_table("assetrelationships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("idx_assetrelationships_relationshiptypeid"),
            ["relationshiptypeid"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("idx_assetrelationships_sourceassetid"), ["sourceassetid"], unique=False
        )
        batch_op.create_index(
            batch_op.f("idx_assetrelationships_targetassetid"), ["targetassetid"], unique=False
        )


def downgrade() -> None:
    # Dropping a table drops its indexes; MySQL refuses to drop an index a
    # foreign key still needs, so tables go whole, dependants first.
    op.drop_table("assetrelationships")
    op.drop_table("auditlogs")
    op.drop_table("assets")
    op.drop_table("apitokens")
    op.drop_table("users")
    op.drop_table("models")
    op.drop_table("locations")
    op.drop_table("vendors")
    op.drop_table("settings")
    op.drop_table("roles")
    op.drop_table("relationshiptypes")
    op.drop_table("plugins")
    op.drop_table("operatingsystems")
    op.drop_table("locationtypes")
    op.drop_table("businessunits")
    op.drop_table("assettypes")
    op.drop_table("assetstatuses")
