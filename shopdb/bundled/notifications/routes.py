"""The routes the resource adds to its blueprint (`/api/notifications/...`):
what is showing now, and a signed-in user's dismissals. They are in the
OpenAPI document with the generic five."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate

from shopdb.api import (
    Access,
    AuthenticationRequiredError,
    current_identity,
    data_response,
    get_session,
    guarded,
    request_actor,
    unit_of_work,
)

from .active import MAXIMUM_ID, active_notifications, dismiss, dump_active, iso, undismiss

if TYPE_CHECKING:
    from shopdb.api import Resource


def signed_in_userid() -> int:
    """The caller's user id. The routes asking are guarded(Access.AUTHENTICATED),
    which refuses anyone without one; this only tells the type checker so."""
    userid = current_identity().userid
    if userid is None:
        raise AuthenticationRequiredError("Sign in first: this needs an authenticated user.")
    return userid


class ActiveArguments(Schema):
    locationid = fields.Integer(
        validate=validate.Range(1, MAXIMUM_ID),
        metadata={
            "description": "Only what shows at this location: announcements that target it or "
            "a location above it, and those that target nothing"
        },
    )
    excludedismissed = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Leave out what the signed-in caller dismissed, unless it changed "
            "since (the banner's view); ignored for anonymous callers"
        },
    )

    class Meta:
        ordered = True


class AssetSummarySchema(Schema):
    assetid = fields.Integer(required=True)
    assetnumber = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)


class DismissalSchema(Schema):
    notificationid = fields.Integer(required=True)
    userid = fields.Integer(required=True)
    notificationmodifiedat = fields.String(
        required=True,
        metadata={"description": "The version dismissed: the announcement's modifiedat then"},
    )
    dismissedat = fields.String(required=True)


class DismissalEnvelope(Schema):
    data = fields.Nested(DismissalSchema, required=True)


def add_routes(resource: Resource, blueprint: Any, output_schema: type[Schema]) -> None:
    item = type(
        "ActiveNotificationSchema",
        (output_schema,),
        {
            "messagehtml": fields.String(
                required=True,
                metadata={
                    "description": "The message as safe HTML: Markdown rendered and sanitised, "
                    "or plain text escaped"
                },
            ),
            "asset": fields.Nested(AssetSummarySchema, allow_none=True, required=True),
        },
    )
    envelope = type(
        "ActiveNotificationsEnvelope", (Schema,), {"data": fields.List(fields.Nested(item))}
    )
    dumper = output_schema()

    def found(session: Any, itemid: int) -> Any:
        return resource.get_row(session, itemid)

    @blueprint.route("/active")
    @guarded(resource.read, write=False)
    @blueprint.arguments(ActiveArguments, location="query")
    @blueprint.response(200, envelope)
    def active(args: dict[str, Any]) -> ResponseReturnValue:
        """The announcements showing now, for screens and scripts.

        Active means started (`starttime` <= now) and not ended (no `endtime`,
        or `endtime` > now). Heaviest severity first (outage, warning, info),
        then by start. Not paginated: a handful at a time, in a fixed number
        of statements whatever their number.
        """
        session = get_session()
        identity = current_identity()
        userid = identity.userid if args["excludedismissed"] else None
        rows = active_notifications(session, locationid=args.get("locationid"), userid=userid)
        return data_response(dump_active(session, rows, dumper))

    @blueprint.route("/<int:itemid>/dismiss", methods=["POST"])
    @guarded(Access.AUTHENTICATED, write=True)
    @blueprint.response(200, DismissalEnvelope)
    def dismiss_notification(itemid: int) -> ResponseReturnValue:
        """Hide an announcement's banner from the signed-in user until it changes.

        Any signed-in user may dismiss what they can read. An edit of the
        announcement (its fields or its target locations) brings it back.
        Dismissing again writes nothing unless it changed since.
        """
        session = get_session()
        with unit_of_work(session, request_actor()):
            notification = found(session, itemid)
            row = dismiss(session, notification, signed_in_userid())
            reply = {
                "notificationid": notification.notificationid,
                "userid": row.userid,
                "notificationmodifiedat": iso(row.notificationmodifiedat),
                "dismissedat": iso(row.modifiedat),
            }
        return data_response(reply)

    @blueprint.route("/<int:itemid>/dismiss", methods=["DELETE"])
    @guarded(Access.AUTHENTICATED, write=True)
    @blueprint.response(204)
    def undismiss_notification(itemid: int) -> ResponseReturnValue:
        """Show a dismissed announcement to the signed-in user again (204;
        also when it was not dismissed)."""
        session = get_session()
        with unit_of_work(session, request_actor()):
            found(session, itemid)
            undismiss(session, itemid, signed_in_userid())
        return "", 204
