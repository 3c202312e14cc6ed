"""Certificate pages: mine (issue, download, share), the coordinator's register, the
printable page, the PDF, and the public verify page."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...auth.models import Role
from ...auth.permissions import ensure_role
from ...certificates import export, pdf, queries, services
from ...core.errors import Conflict, RuleViolation, ValidationFailed
from ...extensions import db, limiter
from ...integrations.qr import qr_svg
from ..forms_util import apply_errors, submitted
from . import bp
from .forms import IssueForm, IssueForMemberForm, RevokeForm, SearchForm
from .links import verify_url

REFUSED = (Conflict, RuleViolation, ValidationFailed)


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.route("/certificates", methods=["GET", "POST"])
@login_required
def mine():
    """My certificates, and the form that issues a new one."""
    form = IssueForm()
    refused = submitted(form)
    if refused is not None:
        try:
            cert = services.issue(
                current_user,
                current_user,
                first=form.from_on.data,
                last=form.to_on.data,
                refused=[(_field(n), r) for n, r in refused],
            )
        except REFUSED as exc:
            apply_errors(form, _on_form(exc))
        else:
            db.session.commit()
            flash(_("Certificate %(serial)s issued.", serial=cert.serial), "success")
            return redirect(url_for("certificates.show", serial=cert.serial))
    certs = queries.list_for_member(current_user.id)
    return render_template("certificates/mine.html", form=form, certs=certs)


def _field(name: str) -> str:
    return {"from_on": "from", "to_on": "to"}.get(name, name)


def _on_form(exc):
    """The service's `from`/`to` fields are the form's `from_on`/`to_on`."""
    if isinstance(exc, ValidationFailed):
        exc.errors = [({"from": "from_on", "to": "to_on"}.get(f, f), r) for f, r in exc.errors]
    return exc


@bp.route("/certificates/<serial>")
@login_required
def show(serial):
    """The printable certificate (the member, or coordinators in scope)."""
    cert = queries.get_by_serial(serial)
    services.ensure_can_view(current_user, cert)
    can_revoke = services.can_manage(current_user, cert) and not cert.is_revoked
    return render_template(
        "certificates/show.html",
        cert=cert,
        verify_url=verify_url(cert),
        revoke_form=RevokeForm() if can_revoke else None,
        may_export=export.can_export_member(current_user, cert.member),
    )


@bp.route("/certificates/<serial>.pdf")
@login_required
def download(serial):
    """The certificate as a PDF in Chinese."""
    cert = queries.get_by_serial(serial)
    services.ensure_can_view(current_user, cert)
    return current_app.response_class(
        pdf.render(cert, verify_url(cert)),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{cert.serial}.pdf"'},
    )


@bp.route("/certificates/<serial>/revoke", methods=["POST"])
@login_required
def revoke(serial):
    """Revoke with a reason (coordinators in scope)."""
    cert = queries.get_by_serial(serial)
    form = RevokeForm()
    refused = submitted(form) or []
    try:
        services.revoke(current_user, cert, reason=form.reason.data, refused=refused)
    except REFUSED as exc:
        flash(
            str(exc.message) if not isinstance(exc, ValidationFailed) else _("Give a reason."),
            "danger",
        )
    else:
        db.session.commit()
        flash(_("Certificate %(serial)s revoked.", serial=cert.serial), "success")
    return redirect(url_for("certificates.show", serial=cert.serial))


@bp.route("/certificates/register")
@login_required
def register():
    """The coordinator's register: certificates of members in scope, search by serial."""
    ensure_role(current_user, Role.COORDINATOR)
    form = SearchForm(request.args)
    serial = form.serial.data if form.validate() else None
    certs = queries.register(current_user, serial=serial)
    return render_template(
        "certificates/register.html",
        form=form,
        certs=certs,
        export_units=export.export_units(current_user),
    )


@bp.route("/certificates/issue", methods=["GET", "POST"])
@login_required
def issue_for_member():
    """A coordinator issues a certificate for a member found by mobile number."""
    ensure_role(current_user, Role.COORDINATOR)
    form = IssueForMemberForm()
    refused = submitted(form)
    if refused is not None:
        try:
            cert = services.issue_by_phone(
                current_user,
                form.phone.data,
                first=form.from_on.data,
                last=form.to_on.data,
                refused=[(_field(n), r) for n, r in refused],
            )
        except REFUSED as exc:
            apply_errors(form, _on_form(exc))
        else:
            db.session.commit()
            flash(_("Certificate %(serial)s issued.", serial=cert.serial), "success")
            return redirect(url_for("certificates.show", serial=cert.serial))
    return render_template("certificates/issue.html", form=form)


@bp.route("/verify/<serial>")
@limiter.limit(_verify_limit, scope="certificate-verify-page")
def verify_page(serial):
    """Public: is this certificate genuine? (from the QR code's address)."""
    verdict = queries.verify(serial, request.args.get("sig"))
    return render_template("certificates/verify.html", v=verdict)


@bp.route("/certificates/<serial>/qr.svg")
@login_required
def qr(serial):
    """The QR code of the verify address, as SVG."""
    cert = queries.get_by_serial(serial)
    services.ensure_can_view(current_user, cert)
    return current_app.response_class(qr_svg(verify_url(cert)), mimetype="image/svg+xml")
