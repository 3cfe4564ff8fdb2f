"""The audit log records key creation and revocation, readable by admin keys only."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from api.db import Database
from api.tenancy import service as tenancy
from api.tenancy.keys import Scope
from tests.conftest import Api, TenantFactory


def test_key_actions_are_audited(app_client: TestClient, make_tenant: TenantFactory,
                                 database: Database) -> None:
    tenant = make_tenant()
    with database.session() as session:
        issued = tenancy.create_key(session, tenant.name, frozenset({Scope.PROMISES_READ}),
                                    datetime.now(UTC))
        tenancy.revoke_key(session, issued.record.prefix, datetime.now(UTC))
    admin = Api(app_client, tenant.keys["admin"])
    entries = admin.get("/v1/audit-log").json()["data"]
    actions = [(e["action"], e["target"]) for e in entries]
    assert actions[:2] == [("api_key.revoked", issued.record.prefix),
                           ("api_key.created", issued.record.prefix)]
    assert entries[1]["details"] == {"scopes": ["promises:read"]}
    assert entries[1]["actor"] == "cli"
    assert all(issued.key not in str(e) for e in entries)


def test_audit_log_needs_admin_and_stays_in_its_tenant(
    app_client: TestClient, make_tenant: TenantFactory
) -> None:
    mine, theirs = make_tenant(), make_tenant()
    assert Api(app_client, mine.keys["rw"]).get("/v1/audit-log").status_code == 403
    seen = Api(app_client, mine.keys["admin"]).get("/v1/audit-log").json()["data"]
    their_prefixes = {key[:12] for key in theirs.keys.values()}
    assert seen and not any(e["target"] in their_prefixes for e in seen)
