"""Shapes of the party API (SPEC 7). The services check every rule; these schemas check
types and bounds (the project field types refuse what cannot be stored)."""

from marshmallow import Schema, validate

from ....party.models import ALL_INDICATORS, FIELDS, TARGETS
from ....party.services import KINDS
from . import fields
from .common import InputSchema


def identifier(**kw) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(1, None), **kw)


class PartyOrgInput(InputSchema):
    code = fields.String(required=True, validate=validate.Length(max=40))
    name = fields.String(required=True, validate=validate.Length(max=120))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    field = fields.String(required=True, validate=validate.OneOf(FIELDS))
    parent_id = identifier(allow_none=True)


class PartyOrgSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    field = fields.String()
    parent_id = fields.Integer(allow_none=True)


class PartyOrgListSchema(Schema):
    items = fields.List(fields.Nested(PartyOrgSchema))


class PartyMemberInput(InputSchema):
    member_id = identifier(required=True)


class MembershipSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    party_org_id = fields.Integer()
    status = fields.String()


class MembershipDetailSchema(MembershipSchema):
    """A member's branch or request, with who decided and why (a refusal's reason)."""

    party_org_name = fields.String(attribute="party_org.name")
    member_name = fields.String(attribute="member.name")
    created_at = fields.AwareDateTime()
    confirmed_at = fields.AwareDateTime(allow_none=True)
    ended_at = fields.AwareDateTime(allow_none=True)
    reason = fields.String(allow_none=True)


class MembershipListSchema(Schema):
    items = fields.List(fields.Nested(MembershipDetailSchema))


class BranchRequestInput(InputSchema):
    party_org_id = identifier(required=True)


class RefusalInput(InputSchema):
    reason = fields.String(allow_none=True, validate=validate.Length(max=255))


class CommentInput(InputSchema):
    comment = fields.String(allow_none=True, validate=validate.Length(max=1000))


class ChecklistItemInput(InputSchema):
    field = fields.String(required=True, validate=validate.OneOf(FIELDS))
    target = fields.String(required=True, validate=validate.OneOf(TARGETS))
    code = fields.String(required=True, validate=validate.Length(max=40))
    text = fields.String(required=True, validate=validate.Length(max=500))
    points = fields.Integer(required=True, strict=True, validate=validate.Range(1, 20))
    indicator = fields.String(allow_none=True, validate=validate.OneOf(ALL_INDICATORS))
    threshold = fields.Float(allow_none=True, validate=validate.Range(0, 1_000_000))


class ChecklistItemSchema(Schema):
    id = fields.Integer()
    field = fields.String()
    target = fields.String()
    code = fields.String()
    text = fields.String()
    points = fields.Integer()
    indicator = fields.String(allow_none=True)
    threshold = fields.Float(allow_none=True)


class ChecklistArgs(Schema):
    field = fields.String(validate=validate.OneOf(FIELDS))
    target = fields.String(validate=validate.OneOf(TARGETS))


class ChecklistListSchema(Schema):
    items = fields.List(fields.Nested(ChecklistItemSchema))


class CheckInput(Schema):
    party_org_id = identifier(required=True)
    period = fields.String(required=True, validate=validate.Length(max=8))


class CheckCreatedSchema(Schema):
    id = fields.Integer()
    party_org_id = fields.Integer()
    period = fields.String()
    status = fields.String()
    sheets = fields.Integer()


class SheetItemSchema(Schema):
    code = fields.String()
    text = fields.String()
    points = fields.Integer()
    auto = fields.Boolean()
    self = fields.Boolean(attribute="self_")
    decision = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    recurring = fields.Boolean()


class SheetSchema(Schema):
    check_id = fields.Integer()
    member_id = fields.Integer()
    period = fields.String()
    indicators = fields.Dict(keys=fields.String())
    items = fields.List(fields.Nested(SheetItemSchema))
    note = fields.String(allow_none=True)
    score = fields.Integer(allow_none=True)
    grade = fields.String(allow_none=True)
    status = fields.String()
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    rectification = fields.String(allow_none=True)
    #: The party organisation's comment (组织评语), annual sheets only.
    org_comment = fields.String(allow_none=True)


class OrgSheetSchema(SheetSchema):
    """An organisation's own sheet: the organisation instead of a member."""

    member_id = fields.Integer(allow_none=True)
    sheet_id = fields.Integer()
    target = fields.String()
    party_org_id = fields.Integer()
    org = fields.String()


class SelfAssessmentInput(Schema):
    items = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list)
    note = fields.String(allow_none=True, validate=validate.Length(max=1000))


class SheetDecisionInput(Schema):
    code = fields.String(required=True, validate=validate.Length(max=40))
    confirm = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class SheetReviewInput(Schema):
    decisions = fields.List(fields.Nested(SheetDecisionInput), load_default=list)
    added = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list)


class FinalisedSchema(Schema):
    status = fields.String()
    score = fields.Integer()
    grade = fields.String()
    notice_id = fields.Integer()


class AcknowledgeInput(Schema):
    rectification = fields.String(allow_none=True, validate=validate.Length(max=1000))


class LearningArgs(Schema):
    year = fields.Integer(validate=validate.Range(2000, 2100))


class LectureSchema(Schema):
    shift_id = fields.Integer()
    title = fields.String()
    date = fields.Date()
    minutes = fields.Integer()


class LearningSchema(Schema):
    year = fields.Integer()
    minutes = fields.Integer()
    items = fields.List(fields.Nested(LectureSchema))
