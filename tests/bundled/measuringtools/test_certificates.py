"""Certificate PDFs on calibration records: checked by content, bounded in
size, stored under a generated name in the instance folder, served back as
an attachment, audited; a refused upload stores nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import AuditLog
from tests.bundled.measuringtools.conftest import CALIBRATIONS, Site, minimal_pdf

pytestmark = pytest.mark.database


def folder(site: Site) -> Path:
    return Path(site.app.config["SHOPDB_INSTANCE_PATH"]) / "measuringtools" / "certificates"


def stored(site: Site) -> set[str]:
    path = folder(site)
    return {item.name for item in path.iterdir()} if path.is_dir() else set()


def record(site: Site) -> dict:
    tool = site.create()
    return site.calibrate(tool["assetid"], 10, certificatenumber="LAB-0001")


def upload(site: Site, calibrationid: int, data: bytes, filename: str = "certificate.pdf"):
    return site.editor.request(
        "PUT",
        f"{CALIBRATIONS}/{calibrationid}/certificate",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def audit_actions(site: Site, calibrationid: int) -> list[tuple[str, dict | None]]:
    with site.app.app_context():
        rows = get_session().scalars(
            select(AuditLog)
            .where(AuditLog.entitytype == "calibrations", AuditLog.entityid == str(calibrationid))
            .order_by(AuditLog.auditlogid)
        )
        return [(row.action, row.changes) for row in rows]


def test_upload_download_replace_and_delete(site: Site):
    row = record(site)
    itemid = row["calibrationid"]
    assert row["certificateurl"] is None
    before = stored(site)
    pdf = minimal_pdf()

    response = upload(site, itemid, pdf, "ZEISS cert 2026.pdf")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["certificateurl"] == f"{CALIBRATIONS}/{itemid}/certificate"
    assert (data["certificatename"], data["certificatesize"]) == ("ZEISS cert 2026.pdf", len(pdf))
    assert "certificatefile" not in data  # the stored name is internal
    (name,) = stored(site) - before
    assert len(name) == 36 and name.endswith(".pdf")  # generated, not the client's

    download = site.editor.get(data["certificateurl"])
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "ZEISS cert 2026.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.get_data() == pdf
    assert site.callers["viewer"].get(data["certificateurl"]).status_code == 200
    assert site.callers[None].get(data["certificateurl"]).status_code == 401
    assert upload_as(site, "viewer", itemid, pdf).status_code == 403

    bigger = minimal_pdf(padding=100)
    assert upload(site, itemid, bigger).status_code == 200
    (replacement,) = stored(site) - before
    assert replacement != name  # the old file went once the change committed
    assert site.editor.get(data["certificateurl"]).get_data() == bigger

    response = site.editor.delete(f"{CALIBRATIONS}/{itemid}/certificate")
    assert response.status_code == 204
    assert stored(site) == before
    assert site.editor.get(data["certificateurl"]).status_code == 404
    actions = audit_actions(site, itemid)
    assert [action for action, _ in actions] == ["create", "update", "update", "update"]
    assert actions[1][1]["certificatename"]["after"] == "ZEISS cert 2026.pdf"


def upload_as(site: Site, role: str, calibrationid: int, data: bytes):
    return site.callers[role].request(
        "PUT",
        f"{CALIBRATIONS}/{calibrationid}/certificate",
        data={"file": (io.BytesIO(data), "c.pdf")},
        content_type="multipart/form-data",
    )


def polyglot_zip() -> bytes:
    """A PDF with a ZIP archive appended: a PDF reader and an unzip tool
    both open it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return minimal_pdf() + buffer.getvalue()


def polyglot_html() -> bytes:
    """A PDF whose first comment is an HTML page a sniffing browser would run
    (its startxref offset moved along, so only the markup is wrong)."""
    header = b"%PDF-1.4\n"
    markup = b"%<html><body><script>alert(document.cookie)</script></body></html>\n"
    data = header + markup + minimal_pdf()[len(header) :]
    offset = data.rindex(b"xref\n0")
    head = data.rpartition(b"startxref\n")[0]
    return head + b"startxref\n" + str(offset).encode() + b"\n%%EOF\n"


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"Hello, this is a text file.\n", "certificate.pdf", "does not start with %PDF-"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "certificate.pdf", "does not start with %PDF-"),
        (minimal_pdf()[:-30], "certificate.pdf", "%%EOF"),
        (b"%PDF-1.4\n%%EOF\n", "certificate.pdf", "startxref"),
        (minimal_pdf().replace(b"startxref\n", b"startxref\n9"), "certificate.pdf", "offset"),
        (polyglot_zip(), "certificate.pdf", "after its final %%EOF"),
        (polyglot_html(), "certificate.pdf", "polyglot"),
        (minimal_pdf(), "certificate.exe", "does not end in .pdf"),
        (minimal_pdf(), "certificate.pdf.html", "does not end in .pdf"),
    ],
)
def test_a_file_that_is_not_a_clean_pdf_is_refused_and_nothing_is_stored(
    site: Site, data: bytes, filename: str, words: str
):
    row = record(site)
    itemid = row["calibrationid"]
    before = stored(site)
    response = upload(site, itemid, data, filename)
    assert response.status_code == 400, response.get_json()
    (message,) = response.get_json()["data"]["error"]["details"]["file"]
    assert words in message, message
    assert stored(site) == before
    assert site.instrument(row["assetid"])["calibrations"][0]["certificateurl"] is None
    assert [action for action, _ in audit_actions(site, itemid)] == ["create"]


def test_an_oversized_file_is_a_413_and_nothing_is_stored(site: Site):
    row = record(site)
    before = stored(site)
    old = site.setting("certificatemaxbytes", 2000)
    try:
        response = upload(site, row["calibrationid"], minimal_pdf(padding=3000))
        assert response.status_code == 413, response.get_json()
        error = response.get_json()["data"]["error"]
        assert (error["code"], "2000 bytes" in error["message"]) == ("payload_too_large", True)
        assert upload(site, row["calibrationid"], minimal_pdf()).status_code == 200
    finally:
        site.setting("certificatemaxbytes", old)
    assert len(stored(site) - before) == 1  # only the small one


def test_the_default_limit_is_ten_megabytes_not_the_api_body_limit(site: Site):
    """A certificate larger than a JSON body may be (1 MB) is taken."""
    row = record(site)
    big = minimal_pdf(padding=3 * 1024 * 1024)
    assert upload(site, row["calibrationid"], big).status_code == 200
    too_big = minimal_pdf(padding=10 * 1024 * 1024)
    assert upload(site, row["calibrationid"], too_big).status_code == 413


def test_other_shapes_of_request_are_refused(site: Site):
    row = record(site)
    url = f"{CALIBRATIONS}/{row['calibrationid']}/certificate"
    as_json = site.editor.request("PUT", url, json={"file": "JVBERi0="})
    assert as_json.status_code == 415
    assert "multipart/form-data" in as_json.get_json()["data"]["error"]["message"]
    no_file = site.editor.request(
        "PUT",
        url,
        data={"other": (io.BytesIO(minimal_pdf()), "c.pdf")},
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 400
    assert "file" in no_file.get_json()["data"]["error"]["details"]
    assert upload(site, 2147483000, minimal_pdf()).status_code == 404
    assert site.editor.get(url).status_code == 404  # none uploaded yet


def test_deleting_a_calibration_removes_its_file(site: Site):
    row = record(site)
    before = stored(site)
    assert upload(site, row["calibrationid"], minimal_pdf()).status_code == 200
    assert len(stored(site) - before) == 1
    assert site.editor.delete(f"{CALIBRATIONS}/{row['calibrationid']}").status_code == 204
    assert stored(site) == before


def test_a_file_follows_its_transaction(site: Site):
    """Written for a change that is rolled back or never committed: removed;
    committed: kept; dropped by a committed change: removed then."""
    # Imported here, while the site has it loaded: a module-level import
    # would leave the plugin's tables in the models of every later test.
    from shopdb.bundled.measuringtools import certificates

    before = stored(site)
    with site.app.app_context():
        session = get_session()
        certificates.store(session, minimal_pdf())
        session.rollback()
        certificates.store(session, minimal_pdf())
        session.close()
    assert stored(site) == before
    with site.app.app_context():
        session = get_session()
        kept = certificates.store(session, minimal_pdf())
        session.commit()
        assert stored(site) - before == {kept}
        certificates.discard(session, kept)
        session.rollback()  # the drop was not committed: the file stays
        assert stored(site) - before == {kept}
        certificates.discard(session, kept)
        session.commit()
    assert stored(site) == before
