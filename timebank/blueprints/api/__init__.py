"""The JSON API under /api/v1 (flask-smorest, OpenAPI at /api/v1/openapi.json).

Bearer tokens only: the session cookie is never accepted here, which is why these
blueprints are exempt from CSRF.
"""

from ...extensions import api, csrf


def register_api(app) -> None:
    from . import (
        audit,
        auth,
        certificates,
        checkin,
        dispatch,
        exchange,
        ledger,
        members,
        mobilisation,
        notifications,
        party,
        party_checks,
        party_memberships,
        rankings,
        roles,
        shifts,
        sms,
        units,
    )
    from .schemas.common import ErrorSchema

    api.spec.components.schema("ErrorSchema", schema=ErrorSchema)
    api.spec.components.security_scheme(sms.SCHEME, sms.SECURITY_SCHEME)

    for module in (
        auth,
        units,
        members,
        roles,
        audit,
        shifts,
        notifications,
        checkin,
        ledger,
        mobilisation,
        rankings,
        dispatch,
        party,
        party_checks,
        party_memberships,
        certificates,
        exchange,
        sms,
    ):
        csrf.exempt(module.bp)
        api.register_blueprint(module.bp)
