"""API: the party-spirit check (党性体检): opening, sheets, self-assessment, review,
finalising and the member's acknowledgement (SPEC 7)."""

from flask import g
from flask_smorest import Blueprint

from ...auth.permissions import is_secretary, may_do_party_work
from ...core.clock import utcnow
from ...core.errors import check
from ...extensions import db
from ...party import checks, comments, sheets
from ...party.services import get_org
from ...party.views import org_sheet_view, sheet_view
from .access import auth_required
from .schemas.party import (
    AcknowledgeInput,
    CheckCreatedSchema,
    CheckInput,
    CommentInput,
    FinalisedSchema,
    OrgSheetSchema,
    SelfAssessmentInput,
    SheetReviewInput,
    SheetSchema,
)

bp = Blueprint(
    "api_party_checks",
    __name__,
    url_prefix="/api/v1/checks",
    description="党性体检: checks against the negative lists, one sheet per party member.",
)


@bp.route("", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, may=may_do_party_work)
@bp.arguments(CheckInput)
@bp.response(201, CheckCreatedSchema)
def open_check(data):
    """Open a check (secretaries in scope, organisers over the organisation). 409
    `check_exists`."""
    org = get_org(data["party_org_id"])
    found, count = checks.open_check(g.actor, org, data["period"], now=utcnow())
    db.session.commit()
    return {
        "id": found.id,
        "party_org_id": org.id,
        "period": found.period,
        "status": found.status,
        "sheets": count,
    }


def _mine(check_id):
    return sheets.get_sheet(g.actor, check_id, g.actor.id)


@bp.route("/<int:check_id>/sheets/<int:member_id>", methods=["GET"])
@auth_required(bp, 404)
@bp.response(200, SheetSchema)
def get_sheet(check_id, member_id):
    """A member's sheet: the member and secretaries in scope only (404 otherwise)."""
    return sheet_view(sheets.get_sheet(g.actor, check_id, member_id))


@bp.route("/<int:check_id>/sheets/me", methods=["POST"])
@auth_required(bp, 400, 404, 409, 422)
@bp.arguments(SelfAssessmentInput)
@bp.response(200, SheetSchema)
def self_assess(data, check_id):
    """The member's self-assessment: the items they tick and a note."""
    sheet = sheets.self_assess(g.actor, _mine(check_id), now=utcnow(), **data)
    db.session.commit()
    return sheet_view(sheet)


@bp.route("/<int:check_id>/sheets/me/acknowledge", methods=["POST"])
@auth_required(bp, 400, 404, 409, 422)
@bp.arguments(AcknowledgeInput)
@bp.response(200, SheetSchema)
def acknowledge(data, check_id):
    """The member acknowledges the problem-reminder notice and records what they rectified."""
    sheet = sheets.acknowledge(g.actor, _mine(check_id), now=utcnow(), **data)
    db.session.commit()
    return sheet_view(sheet)


@bp.route("/<int:check_id>/sheets/<int:member_id>/review", methods=["POST"])
@auth_required(bp, 400, 404, 422, may=is_secretary)
@bp.arguments(SheetReviewInput)
@bp.response(200, SheetSchema)
def review(data, check_id, member_id):
    """The secretary's review: each item confirmed or dropped, with a reason."""
    sheet = sheets.get_sheet(g.actor, check_id, member_id)
    sheets.review(g.actor, sheet, now=utcnow(), **data)
    db.session.commit()
    return sheet_view(sheet)


@bp.route("/<int:check_id>/sheets/<int:member_id>/finalise", methods=["POST"])
@auth_required(bp, 404, 409, may=is_secretary)
@bp.response(200, FinalisedSchema)
def finalise(check_id, member_id):
    """Finalise: score, grade and the problem-reminder notice (`notice_id`). 409
    `already_final`."""
    sheet = sheets.get_sheet(g.actor, check_id, member_id)
    sheets.finalise(g.actor, sheet, now=utcnow())
    db.session.commit()
    return {
        "status": sheet.status,
        "score": sheet.score,
        "grade": sheet.grade,
        "notice_id": sheet.id,
    }


@bp.route("/<int:check_id>/organisations/<int:org_id>", methods=["GET"])
@auth_required(bp, 403, 404, may=may_do_party_work)
@bp.response(200, OrgSheetSchema)
def get_org_sheet(check_id, org_id):
    """A party organisation's own sheet (target `organisation`): its secretary, the
    secretaries above it and organisers over it only (403 for whoever does no party work,
    404 for a secretary or organiser out of scope)."""
    return org_sheet_view(sheets.get_org_sheet(g.actor, check_id, org_id))


@bp.route("/<int:check_id>/organisations/<int:org_id>/self-assessment", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, may=may_do_party_work)
@bp.arguments(SelfAssessmentInput)
@bp.response(200, OrgSheetSchema)
def org_self_assess(data, check_id, org_id):
    """The organisation's secretary ticks items and writes the organisation's note."""
    sheet = sheets.get_org_sheet(g.actor, check_id, org_id)
    sheets.self_assess(g.actor, sheet, now=utcnow(), **data)
    db.session.commit()
    return org_sheet_view(sheet)


@bp.route("/<int:check_id>/organisations/<int:org_id>/review", methods=["POST"])
@auth_required(bp, 400, 403, 404, 409, 422, may=may_do_party_work)
@bp.arguments(SheetReviewInput)
@bp.response(200, OrgSheetSchema)
def org_review(data, check_id, org_id):
    """A secretary above the organisation reviews its sheet, a reason per decision."""
    sheet = sheets.get_org_sheet(g.actor, check_id, org_id)
    sheets.review(g.actor, sheet, now=utcnow(), **data)
    db.session.commit()
    return org_sheet_view(sheet)


@bp.route("/<int:check_id>/organisations/<int:org_id>/finalise", methods=["POST"])
@auth_required(bp, 403, 404, 409, may=may_do_party_work)
@bp.response(200, FinalisedSchema)
def org_finalise(check_id, org_id):
    """Finalise the organisation's sheet: score, grade, the notice to its secretaries."""
    sheet = sheets.get_org_sheet(g.actor, check_id, org_id)
    sheets.finalise(g.actor, sheet, now=utcnow())
    db.session.commit()
    return {
        "status": sheet.status,
        "score": sheet.score,
        "grade": sheet.grade,
        "notice_id": sheet.id,
    }


@bp.route("/<int:check_id>/sheets/<int:member_id>/comment", methods=["POST"])
@auth_required(bp, 400, 404, 409, 422, may=is_secretary)
@bp.arguments(CommentInput)
@bp.response(200, SheetSchema)
def comment(data, check_id, member_id):
    """The organisation's comment (组织评语) on an annual sheet, before it is final: shown in
    the check report and the notice. 422 `annual_only`, 409 `already_final`."""
    sheet = sheets.get_sheet(g.actor, check_id, member_id)
    check(data.pop("refused"))
    comments.write_comment(g.actor, sheet, comment=data.get("comment"), now=utcnow())
    db.session.commit()
    return sheet_view(sheet)
