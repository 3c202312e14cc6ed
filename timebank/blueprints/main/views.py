"""Home page, language switch and health check."""

from pathlib import Path

from flask import (
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from ...core.clock import utcnow
from ...core.i18n import current_locale
from ...extensions import db
from ...members.models import MemberStatus
from ...members.queries import find_pending_transfer
from ...members.services import set_locale
from ..mobilisation.presenters import CALLOUT_STATUS
from . import bp
from .home import home_for


@bp.route("/")
def index():
    """The home page: what the signed-in member's roles came to do, most urgent first."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    locale = current_locale()
    transfer = find_pending_transfer(current_user)
    return render_template(
        "main/index.html",
        is_pending=current_user.status == MemberStatus.PENDING,
        transfer_to=transfer.to_community.display_name(locale) if transfer else None,
        home=home_for(current_user, now=utcnow(), locale=locale),
        statuses=CALLOUT_STATUS,
    )


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


@bp.route("/favicon.ico")
def favicon():
    """The site's icon where browsers look for it by themselves (no 404 in the logs)."""
    icon = Path(current_app.static_folder, "img", "favicon.svg").read_bytes()
    return Response(
        icon, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=604800"}
    )
