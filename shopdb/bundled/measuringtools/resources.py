"""How the plugin's records are served: instruments (an asset extension whose
calibration state is computed in SQL), their calibration records with the
certificate upload, and the instrument types lookup. Beyond the generic
endpoints: the calibration report (JSON or CSV), the dashboard summary and a
machine's banner, on the instruments' blueprint; the certificate file on the
calibrations' blueprint."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import send_file
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from shopdb.api import (
    ByName,
    InvalidInputError,
    NotFoundError,
    Resource,
    data_response,
    get_session,
    get_setting,
    guarded,
    lookup_resource,
    plugin_key,
    request_actor,
    takes_file,
    unit_of_work,
    upload_body,
    uploaded_file,
)

from . import certificates, reports
from .models import Calibration, InstrumentType, MeasuringTool
from .schedule import PERFORMERS, RESULTS, STATES, site_today

# Registered by Plugin.on_install; every record created here is an asset of it.
ASSET_TYPE = "measuringtool"
PLUGIN = "measuringtools"
INTERVAL = validate.Range(min=1, max=3660, error="Between 1 and 3660 days.")


def not_in_the_future(value: date) -> None:
    if value > site_today():
        raise ValidationError("A calibration date cannot be in the future.")


# Instruments ------------------------------------------------------------------------


class ReportArguments(Schema):
    days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0, max=reports.MAXIMUM_REPORT_DAYS),
        metadata={"description": "Due within this many days from today (default 30)"},
    )
    includeoverdue = fields.Boolean(
        load_default=True,
        metadata={"description": "List overdue and out-of-service instruments too (default)"},
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "json (the data envelope) or csv (a download)"},
    )


class MeasuringTools(Resource):
    """Instruments. The detail reply lists the calibration records, newest first."""

    def detail(self, session: Session, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
        data = super().detail(session, instance, data)
        rows = session.scalars(
            select(Calibration)
            .where(Calibration.assetid == instance.assetid)
            .order_by(Calibration.calibrationdate.desc(), Calibration.calibrationid.desc())
        )
        data["calibrations"] = CALIBRATIONS.schemas.output().dump(rows, many=True)
        return data

    def extra_routes(self, blueprint: Blueprint, output_schema: type[Schema]) -> None:
        read = guarded(self.read, write=False)

        @blueprint.route("/report")
        @read
        @blueprint.arguments(ReportArguments, location="query")
        @blueprint.doc(
            summary="Calibrations due",
            description=(
                "Active instruments due for calibration within `days` days, soonest first, "
                "with overdue and out-of-service ones unless `includeoverdue=false`; "
                "`format=csv` downloads the same rows as CSV."
            ),
        )
        def report(args: dict[str, Any]) -> Any:
            rows = reports.report_rows(get_session(), args["days"], args["includeoverdue"])
            if args["format"] == "csv":
                name = f"calibrations-due-{site_today().isoformat()}.csv"
                return (
                    reports.report_csv(rows),
                    200,
                    {
                        "Content-Type": "text/csv; charset=utf-8",
                        "Content-Disposition": f'attachment; filename="{name}"',
                    },
                )
            meta = {"days": args["days"], "today": site_today().isoformat(), "total": len(rows)}
            return data_response(rows, meta=meta)

        @blueprint.route("/summary")
        @read
        @blueprint.doc(
            summary="Calibration states at a glance",
            description="What the dashboard widget shows: active instruments per state and "
            "the first five due.",
        )
        def summary() -> Any:
            return data_response(reports.dashboard(get_session()))

        @blueprint.route("/banner/<int:assetid>")
        @read
        @blueprint.doc(
            summary="Calibration banner of an asset",
            description=(
                "For an asset's detail page (a machine or cell): the active instruments "
                "`partof` it that are overdue or out of service; `show` says whether to "
                "show the banner, `message` what it says."
            ),
        )
        def banner(assetid: int) -> Any:
            return data_response(reports.machine_banner(get_session(), assetid))


MEASURINGTOOLS = MeasuringTools(
    MeasuringTool,
    asset_type=ASSET_TYPE,
    label="Measuring tools",
    filters=(
        "assetnumber",
        "instrumenttypeid",
        "locationid",
        "assetstatusid",
        "isactive",
        "measurementsoftware",
        "calibrationintervaldays",
        "calibrationstate",
        "nextduedate",
        "lastcalibrationdate",
    ),
    sort=(
        "assetnumber",
        "name",
        "nextduedate",
        "lastcalibrationdate",
        "calibrationintervaldays",
        "modifiedat",
    ),
    default_sort="assetnumber",
    search=(
        ("assetnumber", 10),
        ("serialnumber", 8),
        ("name", 5),
        ("measurementsoftware", 2),
        ("measuringrange", 1),
    ),
    list_columns=(
        "assetnumber",
        "name",
        "instrumenttypeid",
        "calibrationstate",
        "nextduedate",
        "locationid",
    ),
    computed=("lastcalibrationdate", "nextduedate", "calibrationstate"),
    field_rules={
        "calibrationintervaldays": INTERVAL,
        "calibrationstate": fields.String(validate=validate.OneOf(STATES)),
    },
    by_name={
        "instrumenttype": ByName(
            "instrumenttypeid", InstrumentType.instrumenttype, label="instrument type"
        ),
    },
    detail_fields={"calibrations": fields.List(fields.Dict(), required=True)},
)


# Calibration records ----------------------------------------------------------------


class Calibrations(Resource):
    """Calibration records; the certificate PDF is uploaded to
    /api/calibrations/<id>/certificate. Deleting a record removes its file
    once the delete is committed."""

    def sample(self, session: Session, number: int) -> dict[str, Any]:
        """A record of the first instrument (made first when there is none);
        the result and who did it vary with `number`, so two samples differ."""
        if session.scalar(select(MeasuringTool.assetid).limit(1)) is None:
            MEASURINGTOOLS.create(session, MEASURINGTOOLS.sample(session, number))
        return {
            **super().sample(session, number),
            "result": RESULTS[number % len(RESULTS)],
            "performedby": PERFORMERS[number % len(PERFORMERS)],
        }

    def remove(self, session: Session, instance: Any, permanent: bool) -> str:
        certificates.discard(session, instance.certificatefile)
        return super().remove(session, instance, permanent)

    def extra_routes(self, blueprint: Blueprint, output_schema: type[Schema]) -> None:
        dumper = output_schema()
        rule = "/<int:itemid>/certificate"

        def find(session: Session, itemid: int, *, lock: bool = False) -> Calibration:
            found: Calibration = self.get_row(session, itemid, lock=lock)
            return found

        @blueprint.route(rule, methods=["PUT"], endpoint="putcertificate")
        @guarded(self.write, write=True)
        @takes_file
        @blueprint.doc(
            summary="Upload the certificate PDF of a calibration",
            description=(
                "multipart/form-data with the PDF as the field `file` (name ending in .pdf). "
                "The content must be a PDF (header, cross-reference, end marker, nothing "
                "appended); the whole request may be at most the setting "
                f"plugin.{PLUGIN}.{certificates.MAXBYTES_SETTING} bytes (default 10 MB): "
                "413 beyond it. Replaces an earlier certificate; audited."
            ),
            requestBody=upload_body("The certificate PDF"),
        )
        def put_certificate(itemid: int) -> Any:
            session = get_session()
            limit = int(
                get_setting(
                    session,
                    plugin_key(PLUGIN, certificates.MAXBYTES_SETTING),
                    certificates.DEFAULT_MAX_BYTES,
                )
            )
            upload = uploaded_file(limit, "the certificate PDF")
            with unit_of_work(session, request_actor()):
                instance = find(session, itemid, lock=True)
                data = upload.read(limit + 1)
                if len(data) > limit:
                    raise RequestEntityTooLarge()
                filename = (upload.filename or "").strip()
                problem = certificates.extension_problem(filename) or certificates.pdf_problem(data)
                if problem:
                    raise InvalidInputError(problem, {"file": [problem]})
                previous = instance.certificatefile
                stored = certificates.store(session, data)
                self.update(
                    session,
                    instance,
                    {
                        "certificatefile": stored,
                        "certificatename": certificates.display_name(filename, itemid),
                        "certificatesize": len(data),
                    },
                )
                certificates.discard(session, previous)
                response = data_response(dumper.dump(instance))
            return response

        @blueprint.route(rule, methods=["GET"], endpoint="getcertificate")
        @guarded(self.read, write=False)
        @blueprint.doc(
            summary="Download the certificate PDF of a calibration",
            description="application/pdf as an attachment; 404 when none was uploaded.",
        )
        def get_certificate(itemid: int) -> Any:
            instance = find(get_session(), itemid)
            if not instance.certificatefile:
                raise NotFoundError(
                    f"Calibration {itemid} has no certificate; upload one with PUT "
                    f"/api/calibrations/{itemid}/certificate."
                )
            path = certificates.certificate_path(instance.certificatefile)
            if not path.is_file():
                raise NotFoundError(
                    f"The certificate file of calibration {itemid} is missing from the "
                    "instance folder; upload it again."
                )
            response = send_file(
                path,
                mimetype="application/pdf",
                as_attachment=True,
                download_name=instance.certificatename or f"certificate-{itemid}.pdf",
                max_age=0,
            )
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response

        @blueprint.route(rule, methods=["DELETE"], endpoint="deletecertificate")
        @guarded(self.write, write=True)
        @blueprint.doc(summary="Remove the certificate PDF of a calibration; audited.")
        def delete_certificate(itemid: int) -> Any:
            session = get_session()
            with unit_of_work(session, request_actor()):
                instance = find(session, itemid, lock=True)
                previous = instance.certificatefile
                if previous is None:
                    raise NotFoundError(f"Calibration {itemid} has no certificate.")
                self.update(
                    session,
                    instance,
                    {"certificatefile": None, "certificatename": None, "certificatesize": None},
                )
                certificates.discard(session, previous)
            return "", 204


def certificate_url(row: Calibration) -> str | None:
    if not row.certificatefile:
        return None
    return f"/api/calibrations/{row.calibrationid}/certificate"


CALIBRATIONS = Calibrations(
    Calibration,
    label="Calibrations",
    filters=("assetid", "calibrationdate", "result", "performedby", "certificatenumber"),
    sort=("calibrationdate", "calibrationid", "modifiedat"),
    default_sort="-calibrationdate",
    search=(("certificatenumber", 10), ("performername", 3), ("notes", 1)),
    list_columns=(
        "calibrationdate",
        "assetid",
        "result",
        "performedby",
        "performername",
        "certificatenumber",
    ),
    create_only=("assetid",),
    read_only=("certificatename", "certificatesize"),
    hidden=("certificatefile",),
    field_rules={
        "calibrationdate": not_in_the_future,
        "result": validate.OneOf(RESULTS),
        "performedby": validate.OneOf(PERFORMERS),
    },
    output_fields={
        "certificateurl": fields.Function(
            certificate_url,
            dump_only=True,
            allow_none=True,
            metadata={"description": "Where the certificate PDF is downloaded; null: none"},
        )
    },
)


INSTRUMENTTYPES = lookup_resource(InstrumentType, "instrumenttype", label="Instrument types")
