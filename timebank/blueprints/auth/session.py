"""Flask-Login wiring: the session id carries the member's session version."""

from flask_babel import lazy_gettext as _l

from ...extensions import login_manager
from ...members.queries import load_member_for_session


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(session_id: str):
        member_id, _, version = session_id.partition(":")
        if not member_id.isdigit() or not version.isdigit():
            return None
        member = load_member_for_session(int(member_id))
        if member is None or member.session_version != int(version):
            return None  # signed out everywhere, password changed or suspended
        return member
