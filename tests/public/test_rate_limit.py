"""Per-IP limits on the public status: a 429 with Retry-After, per client, refilled by time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.config import Settings
from api.main import create_app


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


def test_a_client_beyond_its_burst_gets_429_with_retry_after(settings: Settings) -> None:
    clock = Clock()
    limited = settings.model_copy(update={"public_rate_limit_per_minute": 30,
                                          "public_rate_limit_burst": 3})
    app = create_app(limited, clock=clock)
    with TestClient(app, client=("203.0.113.7", 5000)) as guesser, \
            TestClient(app, client=("198.51.100.2", 5000)) as customer:
        guesses = [guesser.get(f"/v1/public/status/kst_guess{n}") for n in range(4)]
        assert [r.status_code for r in guesses] == [404, 404, 404, 429]
        refused = guesses[-1]
        assert refused.headers["retry-after"] == "2"  # 30 a minute: one every 2 s
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["access-control-allow-origin"] == "*"
        assert refused.json()["status"] == 429
        in_russian = guesser.get("/v1/public/status/kst_x", params={"lang": "ru"})
        assert in_russian.status_code == 429
        assert in_russian.json()["detail"].startswith("Слишком много запросов")
        # Another address has its own bucket.
        assert customer.get("/v1/public/status/kst_guess").status_code == 404
        # Time refills the bucket.
        clock.at += timedelta(seconds=2)
        assert guesser.get("/v1/public/status/kst_guess").status_code == 404
        assert guesser.get("/v1/public/status/kst_guess").status_code == 429
        # The widget and the authenticated API are not counted.
        assert guesser.get("/widget.js").status_code == 200


def test_the_limit_can_be_turned_off(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"public_rate_limit_per_minute": 0,
                                                 "public_rate_limit_burst": 1}))
    with TestClient(app) as client:
        answers = {client.get(f"/v1/public/status/kst_{n}").status_code for n in range(5)}
    assert answers == {404}
