"""API: certificates of service — issue, verify (anyone), revoke, the PDF, the key."""

from functools import wraps

from flask import current_app, g
from flask_smorest import Blueprint

from ...auth.models import Role
from ...certificates import export, pdf, queries, services, signing
from ...extensions import db, limiter
from ...members.queries import get_member
from ...units.queries import get_unit
from ..certificates.links import certificate_out, verify_url
from ..certificates.records import download
from .access import auth_required, documents_errors
from .schemas.certificates import (
    CertificateListSchema,
    CertificateSchema,
    IssueInput,
    PublicKeySchema,
    RecordsArgs,
    RevokeInput,
    VerdictSchema,
    VerifyArgs,
)

bp = Blueprint(
    "api_certificates",
    __name__,
    url_prefix="/api/v1",
    description="Certificates of volunteer service (SPEC 8) that anyone can verify.",
)


def verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.route("/certificates", methods=["POST"])
@auth_required(bp, 400, 403, 404, 422)
@bp.arguments(IssueInput)
@bp.response(201, CertificateSchema)
def issue(data):
    """Issue a certificate of a member's service in a period (the member, or coordinators
    in scope); 422 `no_service` when the period holds none. Lectures are never listed."""
    member = get_member(data["member_id"]) if data.get("member_id") else g.actor
    cert = services.issue(
        g.actor, member, first=data["from_on"], last=data["to_on"], refused=data["refused"]
    )
    db.session.commit()
    return certificate_out(cert)


@bp.route("/certificates/mine", methods=["GET"])
@auth_required(bp)
@bp.response(200, CertificateListSchema)
def mine():
    """The caller's certificates, newest first."""
    return {"items": [certificate_out(c) for c in queries.list_for_member(g.actor.id)]}


@bp.route("/certificates/<serial>/pdf", methods=["GET"])
@auth_required(bp, 403, 404)
@bp.response(200, description="application/pdf")
def certificate_pdf(serial):
    """The certificate as a PDF in Chinese (the member, or coordinators in scope)."""
    cert = queries.get_by_serial(serial)
    services.ensure_can_view(g.actor, cert)
    body = pdf.render(cert, verify_url(cert))
    return current_app.response_class(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{cert.serial}.pdf"'},
    )


@bp.route("/certificates/<serial>/verify", methods=["GET"])
@limiter.limit(verify_limit, scope="certificate-verify")
@documents_errors(bp, 404, 422, 429)
@bp.arguments(VerifyArgs, location="query")
@bp.response(200, VerdictSchema)
def verify(args, serial):
    """Whether a certificate is genuine (anyone; rate-limited). Without a matching `sig`
    only `valid: false` comes back. No phone, no full name."""
    return queries.verify(serial, args["sig"])


@bp.route("/certificates/<serial>/revoke", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, role=Role.COORDINATOR)
@bp.arguments(RevokeInput)
@bp.response(200, CertificateSchema)
def revoke(data, serial):
    """Revoke a certificate with a reason (coordinators in scope). Audited."""
    cert = queries.get_by_serial(serial)
    services.revoke(g.actor, cert, reason=data["reason"], refused=data["refused"])
    db.session.commit()
    return certificate_out(cert)


@bp.route("/certificates/public-key", methods=["GET"])
@bp.response(200, PublicKeySchema)
def public_key():
    """The Ed25519 public key certificates are signed with, to check them offline."""
    return {
        "algorithm": "Ed25519",
        "public_key": signing.public_key_raw_b64(),
        "pem": signing.public_key_pem(),
        "message_format": signing.MESSAGE_FORMAT,
    }


def _in_reach(load, ensure, name):
    """Decorator: load the URL's member or unit and check the caller may export its
    records before the query is parsed (rights before fields: 404 comes before 422)."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            target = load(kwargs.pop(f"{name}_id"))
            ensure(g.actor, target)
            return fn(*args, **{name: target}, **kwargs)

        return wrapper

    return decorator


RECORDS = "text/csv or XLSX, streamed; columns: " + ", ".join(export.COLUMNS)


@bp.route("/members/<int:member_id>/records", methods=["GET"])
@limiter.limit("20 per minute", scope="records-export")
@auth_required(bp, 404, 422, 429)
@_in_reach(get_member, export.ensure_can_export_member, "member")
@bp.arguments(RecordsArgs, location="query")
@bp.response(200, description=RECORDS)
def member_records(args, member):
    """A member's service records for the national volunteer system and i志愿 (the member,
    or coordinators in scope; 404 for anyone else). Lectures left out; text a spreadsheet
    would run as a formula is written as text."""
    rows = export.member_rows(
        g.actor, member, args["from_on"], args["to_on"], refused=args["refused"]
    )
    return download(rows, args["format"], f"records-{member.id}")


@bp.route("/units/<int:unit_id>/records", methods=["GET"])
@limiter.limit("20 per minute", scope="records-export")
@auth_required(bp, 404, 422, 429, role=Role.COORDINATOR)
@_in_reach(get_unit, export.ensure_can_export_unit, "unit")
@bp.arguments(RecordsArgs, location="query")
@bp.response(200, description=RECORDS)
def unit_records(args, unit):
    """The service records of every member of a unit and the units below it (coordinators
    in scope; 403 for anyone else), as the member export."""
    rows = export.unit_rows(g.actor, unit, args["from_on"], args["to_on"], refused=args["refused"])
    return download(rows, args["format"], f"records-{unit.code}")
