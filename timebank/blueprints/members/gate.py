"""The pages' side of SPEC 3.8: a pending member sees and edits their own profile only.

Every page a signed-in member opens passes here (the API's auth decorator does the same for
bearer tokens); anything not listed answers the 403 page that says they wait for approval.
"""

from flask import request
from flask_login import current_user

from ...auth.permissions import ensure_not_pending
from . import bp

#: Pages anyone may open, signed in or not: a pending member may too.
PUBLIC_PAGES = frozenset(
    {
        "static",
        "main.index",  # tells them they wait for approval
        "main.healthz",
        "metrics",  # for the scraper, with its own token
        "main.set_language",
        "auth.login",
        "auth.logout",
        "auth.forgot",
        "auth.reset_password",
        "members.register",
        "rankings.honour",
        "shifts.feed",
    }
)
#: Their own account: the profile (only with their own member_id), its edit page, the
#: password, their signed-in devices and signing out everywhere.
OWN_PAGES = frozenset(
    {
        "members.me",
        "members.detail",
        "members.edit",
        "members.name_branch",  # their party branch, as at registration
        "auth.password",
        "auth.sessions",
        "auth.end_session",
        "auth.logout_everywhere",
    }
)


@bp.before_app_request
def _pending_members_see_their_profile_only():
    if request.endpoint in PUBLIC_PAGES or request.endpoint is None:  # None: a 404
        return
    if request.path.startswith("/api/"):  # bearer tokens: see blueprints/api/access.py
        return
    if not current_user.is_authenticated or not current_user.is_pending:
        return
    own_id = (request.view_args or {}).get("member_id", current_user.id)
    if request.endpoint in OWN_PAGES and own_id == current_user.id:
        return
    ensure_not_pending(current_user)
