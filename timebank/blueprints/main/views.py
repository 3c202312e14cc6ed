"""Home page, language switch and health check."""

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from ...auth.models import Role
from ...auth.permissions import has_role, highest_role, scope_paths
from ...extensions import db
from ...members.models import MemberStatus
from ...members.queries import count_pending, find_pending_transfer
from ...members.services import set_locale
from . import bp


@bp.route("/")
def index():
    """The home page: what the signed-in member can do next."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    ctx = {
        "role": highest_role(current_user),
        "is_pending": current_user.status == MemberStatus.PENDING,
        "transfer": find_pending_transfer(current_user),
    }
    if has_role(current_user, Role.COORDINATOR):
        ctx["pending_count"] = count_pending(current_user)
        ctx["scope_count"] = len(scope_paths(current_user, Role.STAFF))
    return render_template("main/index.html", **ctx)


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language (kept in the session and on the member)."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            set_locale(current_user, code)
            db.session.commit()
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)


@bp.route("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not; says only that (SPEC 3.12)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
