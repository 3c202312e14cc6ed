"""What the party domain tells members, word for word (data only: see core.notices).

Placeholders: `period` (the check's period, e.g. 2026H1), `org` (the party organisation's
name), `score`, `grade` (in the reader's language, from notifications.rendering), `count`
(confirmed items).
"""

from flask_babel import lazy_gettext as _l

from ..core.notices import Notice

CHECK_OPENED = Notice(
    "party_check_opened",
    _l("Party-spirit check %(period)s: your sheet is ready"),
    _l(
        "%(org)s has opened the check. Read your indicators and fill in your "
        "self-assessment before the secretary reviews it."
    ),
    subject="party_check",
    endpoint="party.my_sheet",
    subject_arg="check_id",
)
SHEET_FINALISED = Notice(
    "party_sheet_finalised",
    _l("Problem-reminder notice: check %(period)s"),
    _l(
        "Your score is %(score)s. %(count)s item(s) to rectify: open the notice, "
        "acknowledge it and record what you rectified."
    ),
    subject="party_check",
    endpoint="party.my_sheet",
    subject_arg="check_id",
)
ORG_SHEET_FINALISED = Notice(
    "party_org_sheet_finalised",
    _l("Problem-reminder notice for %(org)s: check %(period)s"),
    _l(
        "The organisation's score is %(score)s. %(count)s item(s) to rectify: open the "
        "organisation's sheet, acknowledge it and record what was rectified."
    ),
    subject="party_org_sheet",
    endpoint="party.org_sheet",
    subject_arg="sheet_id",
)
BRANCH_CONFIRMED = Notice(
    "party_branch_confirmed",
    _l("Your party branch is confirmed: %(org)s"),
    _l("The secretary confirmed that you belong to %(org)s."),
    subject="party_membership",
    endpoint="members.me",
)
BRANCH_REFUSED = Notice(
    "party_branch_refused",
    _l("Your party branch was not confirmed: %(org)s"),
    _l("The secretary did not confirm that you belong to %(org)s. Reason: %(reason)s"),
    subject="party_membership",
    endpoint="members.me",
)
SHEET_FINALISED_COMMENTED = Notice(
    "party_sheet_finalised_commented",
    _l("Problem-reminder notice: check %(period)s"),
    _l(
        "Your score is %(score)s. %(count)s item(s) to rectify: open the notice, "
        "acknowledge it and record what you rectified. The organisation's comment: "
        "%(comment)s"
    ),
    subject="party_check",
    endpoint="party.my_sheet",
    subject_arg="check_id",
)
BRANCH_REQUESTED = Notice(
    "party_branch_requested",
    _l("%(name)s asks to join %(org)s"),
    _l("Confirm the party branch, or refuse it with a reason."),
    subject="party_membership",
    endpoint="party.checks_list",
)
