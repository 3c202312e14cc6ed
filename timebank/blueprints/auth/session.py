"""Flask-Login wiring: the session cookie carries the id of a server-side session row.

The design (and why a table) is described in timebank.auth.sessions. Here: the user loader
accepts only live rows; `sign_in` makes a row before Flask-Login writes its id into the
cookies; `sign_out` ends this device's row; and after a request the row's last_seen_at is
moved forward when it is due, in a short transaction of its own.
"""

from datetime import timedelta

from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from ...auth.queries import find_live_session
from ...auth.sessions import end_session, needs_touch, start_session, touch_session
from ...core.clock import utcnow
from ...core.db import write_intent
from ...extensions import db, login_manager


def max_idle() -> timedelta:
    """A session unseen for longer than a remember-me cookie lives is over."""
    return timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"])


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(session_id: str):
        record = find_live_session(session_id, now=utcnow(), max_idle=max_idle())
        if record is None:
            return None  # signed out, everywhere, password changed or reset, or suspended
        g.member_session = record
        member = record.member
        member.session_token = session_id
        return member

    app.after_request(_touch_after_request)


def _touch_after_request(response):
    """Move the session's last_seen_at forward when due, after the request's own work.

    The request has committed what it meant to keep; whatever else is open is rolled back,
    so the UPDATE starts a transaction of its own that takes SQLite's write lock at BEGIN.
    """
    record = g.pop("member_session", None)
    now = utcnow()
    if record is None or not needs_touch(record, now=now):
        return response
    db.session.rollback()
    token = write_intent.set(True)
    try:
        touch_session(record.id, now=now)
        db.session.commit()
    finally:
        write_intent.reset(token)
    return response


def sign_in(member, *, remember: bool = False) -> None:
    """Start a server-side session for `member` and sign this browser in with it. Commits."""
    lang = session.get("lang")
    session.clear()  # nothing from before signing in (no fixation of an old session)
    if lang:
        session["lang"] = lang
    raw = start_session(member, user_agent=request.headers.get("User-Agent", ""), now=utcnow())
    db.session.commit()
    member.session_token = raw
    login_user(member, remember=remember)


def sign_out() -> None:
    """End this browser's server-side session, then forget the cookies. Commits."""
    raw = session.get("_user_id")
    if isinstance(raw, str):
        end_session(raw, now=utcnow())
        db.session.commit()
    logout_user()
