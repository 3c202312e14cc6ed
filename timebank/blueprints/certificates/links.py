"""Addresses of a certificate: the public verify page (with its signature) and the PDF."""

from flask import current_app, url_for


def _external(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def verify_url(cert) -> str:
    """What the QR code says: anyone opening it sees whether the certificate is genuine."""
    return _external("certificates.verify_page", serial=cert.serial, sig=cert.signature)


def pdf_url(cert) -> str:
    return url_for("api_certificates.certificate_pdf", serial=cert.serial, _external=True)


def certificate_out(cert) -> dict:
    """The API's view of a certificate, with its addresses."""
    return {
        **{c.key: getattr(cert, c.key) for c in cert.__table__.columns},
        "verify_url": verify_url(cert),
        "pdf_url": pdf_url(cert),
    }
