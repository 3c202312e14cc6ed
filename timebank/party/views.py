"""A sheet as its readers see it: the indicators by name, the items with their recurrence."""

from ..extensions import db
from .indicators import NAMES
from .models import Check, PartyOrg, Sheet
from .sheets import recurring_codes

#: The indicators an organisation's own sheet adds to its members' summed ones.
ORG_NAMES = ["lecture_months_missed", "events_handled"]


def indicators_of(sheet: Sheet) -> dict:
    values = {name: getattr(sheet, name) for name in NAMES}
    values["callouts_asked"] = sheet.callouts_asked
    values["callouts_answered"] = sheet.callouts_answered
    if sheet.is_org:
        values.update({name: getattr(sheet, name) for name in ORG_NAMES})
    return values


def sheet_view(sheet: Sheet) -> dict:
    """The sheet's fields for the API and the pages (items marked `recurring` when they were
    confirmed on the member's previous final sheet)."""
    recurring = recurring_codes(sheet)
    check = db.session.get(Check, sheet.check_id)
    return {
        "check_id": sheet.check_id,
        "member_id": sheet.member_id,
        "period": check.period,
        "indicators": indicators_of(sheet),
        "items": [
            {
                "code": i.code,
                "text": i.text,
                "points": i.points,
                "auto": i.auto,
                "self_": i.self_,
                "decision": i.decision,
                "reason": i.reason,
                "recurring": i.code in recurring,
            }
            for i in sheet.items
        ],
        "note": sheet.note,
        "score": sheet.score,
        "grade": sheet.grade,
        "status": sheet.status,
        "acknowledged_at": sheet.acknowledged_at,
        "rectification": sheet.rectification,
        "org_comment": sheet.org_comment,
    }


def org_sheet_view(sheet: Sheet) -> dict:
    """An organisation's sheet: the member sheet's fields, with the organisation."""
    org = db.session.get(PartyOrg, sheet.party_org_id)
    return {
        **sheet_view(sheet),
        "sheet_id": sheet.id,
        "target": sheet.target,
        "party_org_id": org.id,
        "org": org.name,
    }
