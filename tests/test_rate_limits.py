"""Rate limits per API key: 429 problems with Retry-After and the IETF RateLimit headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app
from tests.conftest import Tenant, TenantFactory


@pytest.fixture
def strict_client(settings: Settings) -> Iterator[TestClient]:
    strict = settings.model_copy(update={"rate_limit_per_second": 0.5, "rate_limit_burst": 3})
    with TestClient(create_app(strict)) as client:
        yield client


def test_a_key_over_its_limit_gets_429_with_retry_after(strict_client: TestClient,
                                                        make_tenant: TenantFactory) -> None:
    tenant: Tenant = make_tenant()
    headers = {"Authorization": f"Bearer {tenant.keys['read']}"}
    answers = [strict_client.get("/v1/promises", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == '"per-key";q=3;w=6'
    assert answers[0].headers["ratelimit"].startswith('"per-key";r=2;t=')
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "2"
    assert refused.json()["status"] == 429
    # Another key has its own bucket.
    other = {"Authorization": f"Bearer {tenant.keys['rw']}"}
    assert strict_client.get("/v1/promises", headers=other).status_code == 200


def test_health_is_never_limited(strict_client: TestClient) -> None:
    assert all(strict_client.get("/healthz").status_code == 200 for _ in range(10))


def test_limits_can_be_turned_off(settings: Settings, tenant: Tenant) -> None:
    off = settings.model_copy(update={"rate_limit_per_second": 0})
    with TestClient(create_app(off)) as client:
        headers = {"Authorization": f"Bearer {tenant.keys['read']}"}
        answers = [client.get("/v1/promises", headers=headers) for _ in range(20)]
    assert {a.status_code for a in answers} == {200}
    assert "ratelimit" not in answers[0].headers
