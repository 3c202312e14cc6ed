"""Every API input checked together with its service passes the schema's refusals on.

A handler that dropped them would let a refused field through as None; an unknown field
is the simplest refusal, so each such endpoint must name it in its 422.
"""

from marshmallow import Schema

from tests.party.conftest import make_org
from timebank.blueprints.api.schemas.common import InputSchema
from timebank.exchange.offers import create_offer
from timebank.mobilisation.services import raise_callout


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _operations(spec, names):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue  # path-level parameters
            ref = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
                .get("$ref", "")
            )
            if ref.rsplit("/", 1)[-1] in names:
                yield method, path


def test_every_input_schema_endpoint_reports_the_schema_refusals(tree, people, api, client):
    spec = client.get("/api/v1/openapi.json").json
    names = {s.__name__.removesuffix("Schema") for s in _subclasses(InputSchema)}
    callout = raise_callout(
        people.organiser,
        unit_id=tree.town.id,
        kind="vanguard",
        title="测试",
        lat=tree.community.lat,
        lon=tree.community.lon,
        radius_km=1,
        needed=1,
    )
    ids = {
        "{member_id}": people.member.id,
        "{unit_id}": tree.community.id,
        "{callout_id}": callout.id,
        "{org_id}": make_org("P-T", "branch").id,
        "{offer_id}": create_offer(
            people.coordinator, tree.community, title="理发", price_minutes=30, stock=1
        ).id,
    }
    checked = []
    for method, path in _operations(spec, names):
        if "{correction_id}" in path:
            continue  # needs a correction; the same schema base as POST /corrections
        if "{ship_id}" in path or "{check_id}" in path:
            continue  # need a branch request or a sheet: tests/party (test_memberships,
            # test_comments) send them a bogus field
        if "{serial}" in path or "{redemption_id}" in path:
            continue  # need a certificate or a redemption: tests/certificates, tests/exchange
        url = path.removeprefix("/api/v1")
        for key, value in ids.items():
            url = url.replace(key, str(value))
        actor = people.member if url == "/corrections" else people.admin
        response = getattr(api(actor), method)(url, json={"bogus": 1})
        assert response.status_code == 422, (method, path, response.json)
        assert "bogus" in response.json["error"]["fields"], (method, path)
        checked.append((method, path))
    assert len(checked) >= 8
    assert issubclass(InputSchema, Schema)
